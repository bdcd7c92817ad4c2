"""A new polled table tab is one package and one registry line (the measure of issue 21).

The test writes a tiny tab package (S3 buckets, from the moto server) to a temporary
directory and adds its :class:`~screens.tabs.TabSpec` to the registry; no other file of
the console is touched. The main screen then shows its pane, imports its view only when
the tab is mounted, polls it, counts its rows in the title, offers it in the palette,
routes a ``GoTo`` to it, and the help/keymap walk finds its bindings.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TabbedContent

from screens import tabs
from screens.kit.navigation import go_to
from screens.tabs import TabSpec, count_items
from tests.tui.conftest import make_app, wait_until

PACKAGE = "example_buckets"

VIEW = '''
"""S3 buckets: the smallest polled table tab."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from screens.kit.filter_bar import FilterBar
from screens.kit.keyed_table import KeyedTable, TableColumn
from screens.kit.messages import Listed
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView


@dataclass(frozen=True)
class Buckets:
    items: tuple[str, ...]
    fetched_at: datetime


def fetch(context: Any) -> Buckets:
    names = [b["Name"] for b in context.sessions.client("s3").list_buckets()["Buckets"]]
    return Buckets(tuple(names), datetime.now(UTC))


class BucketsTable(KeyedTable[str]):
    BINDINGS = [Binding("enter", "select_cursor", "Open", id="example.open")]
    COLUMNS = (TableColumn("name", "Name", flex=True),)
    DEFAULT_SORT = "name"

    def key_of(self, item: str) -> str:
        return item

    def cell_values(self, item: str, now: datetime) -> Mapping[str, str]:
        return {"name": item}

    def filter_fields(self, item: str) -> Mapping[str, str]:
        return {"name": item}

    def sort_value(self, item: str, column: str, now: datetime) -> tuple[Any, ...]:
        return (item,)


class BucketsView(TableView):
    NOUN = "buckets"
    TAB = "example"
    BINDINGS = [Binding("r", "refresh", "Refresh", id="example.refresh")]

    def __init__(self, poll: Any, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._poll = poll
        self.shown: list[Any] = []

    def compose(self) -> ComposeResult:
        yield BucketsTable()
        bar = FilterBar()
        bar.display = False
        yield bar
        yield Poller[Buckets](
            "example",
            fetch,
            transitional=lambda _snapshot: False,
            schedule=schedule_for(self._poll, "notebooks"),
        )
        yield Static(Content(""), classes="view-info")

    @on(Listed)
    def _listed(self, message: Listed[Buckets]) -> None:
        self.table.sync(message.snapshot.items)
        self.show_info()

    def reset(self) -> None:
        self.table.sync(())
        self.poller.reset()

    def go_to(self, target: Any) -> None:
        self.shown.append(target)
'''

# The one registry line.
SPEC = TabSpec(
    "example", "Buckets", "8", f"{PACKAGE}.view:BucketsView", poll="notebooks", count=count_items
)


@pytest.fixture
def example_tab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "view.py").write_text(textwrap.dedent(VIEW))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(tabs, "TABS", (*tabs.TABS, SPEC))
    monkeypatch.delitem(sys.modules, f"{PACKAGE}.view", raising=False)


def test_spec_and_package(example_tab: None) -> None:
    assert SPEC.package == PACKAGE and SPEC.view_id == "example-view"
    assert tabs.tab("example") is SPEC


async def test_the_example_tab_polls_counts_and_is_gone_to(aws: Any, example_tab: None) -> None:
    s3 = aws.client("s3")
    for name in ("alpha-bucket", "beta-bucket"):
        s3.create_bucket(Bucket=name)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        main = app.main_screen
        tabbed = main.query_one(TabbedContent)
        assert tabbed.get_tab("example").label.plain.startswith("Buckets")
        # Not imported before its pane is mounted (after the first jobs are drawn).
        await wait_until(pilot, lambda: main.query("#example-view"), what="the view mounted")
        assert f"{PACKAGE}.view" in sys.modules
        # Primed while hidden: its count is in the title without visiting it.
        await wait_until(
            pilot,
            lambda: tabbed.get_tab("example").label.plain == "Buckets 2",
            timeout=15,
            what="the tab title's count",
        )
        app.action_show_tab("example")  # what its number key (8) runs
        await wait_until(pilot, lambda: tabbed.active == "example", what="the tab shown")
        view = main.query_one("#example-view")
        assert [row for row in view.table.items] == ["alpha-bucket", "beta-bucket"]
        # The palette offers it, and GoTo reaches it.
        assert any(title == "Go to Buckets" for title, *_ in app.palette_commands())
        app.action_show_tab("jobs")
        go_to(main, "example", "beta-bucket")
        await wait_until(pilot, lambda: view.shown == ["beta-bucket"], what="GoTo routed")
        assert tabbed.active == "example"


def test_help_and_the_keymap_check_find_its_bindings(example_tab: None) -> None:
    """The owners are walked from the registry: nothing else lists the new tab."""
    from screens import binding_owners

    owners = {cls.__name__: where for where, cls in binding_owners.walk_owners()}
    assert owners["BucketsView"] == "Buckets" and owners["BucketsTable"] == "Buckets table"
