"""The virtual keyed table: only visible rows are drawn; cursor, filter and sort by key.

A small table of plain records in a small app: what is tested is the widget itself
(screens/kit/keyed_table.py), independent of AWS; the Jobs/Endpoints/Notebooks tests drive
the same widget against the moto server.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from textual.app import App, ComposeResult

from screens.jobs.table import REASON_MIN, JobsTable
from screens.kit.formatting import fit_cell
from screens.kit.keyed_table import BULK_ITEMS, KeyedTable, SortOrder, TableColumn
from screens.kit.messages import Listed
from screens.kit.poll_schedule import PollSchedule
from screens.kit.poller import Poller
from screens.kit.row_filter import RowFilter
from screens.kit.work import run_for_context
from tests.support.keyed_rows import NOW, STATES, Row, RowsTable
from tests.tui.conftest import wait_until
from themes import STYLESHEETS


def rows(count: int) -> list[Row]:
    return [Row(f"row-{i:04d}", STATES[i % 4], (i * 37) % 101) for i in range(count)]


class TableApp(App[None]):
    CSS_PATH = list(STYLESHEETS)

    def __init__(self, table: KeyedTable[Any]) -> None:
        super().__init__()
        self.table = table
        self.events: list[tuple[str, str | None]] = []

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        self.table.focus()

    def on_keyed_table_row_highlighted(self, message: KeyedTable.RowHighlighted) -> None:
        self.events.append(("highlighted", message.key))

    def on_keyed_table_row_selected(self, message: KeyedTable.RowSelected) -> None:
        self.events.append(("selected", message.key))


def line(table: KeyedTable[Any], y: int) -> str:
    return table.render_line(y).text


async def test_only_visible_rows_are_rendered() -> None:
    table = RowsTable()
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.sync(rows(5000))
        await pilot.pause()
        visible = table.page_rows
        assert visible == 23  # 24 lines, one of them the header
        first_page = {f"row-{i:04d}" for i in range(visible)}
        assert table.rendered_keys and table.rendered_keys <= first_page
        assert table.rows_rendered <= 2 * visible

        table.rendered_keys.clear()
        await pilot.press("end")
        assert table.cursor_key == "row-4999"
        last_page = {f"row-{i:04d}" for i in range(5000 - visible, 5000)}
        assert table.rendered_keys and table.rendered_keys <= last_page
        assert line(table, visible).startswith(" row-4999")

        # A sync that changes nothing on screen redraws at most a screenful.
        drawn = table.rows_rendered
        table.sync(rows(5000))
        await pilot.pause()
        assert table.rows_rendered - drawn <= visible


async def test_navigation_keys_and_enter() -> None:
    table = RowsTable()
    app = TableApp(table)
    async with app.run_test(size=(80, 12)) as pilot:
        table.sync(rows(100))
        await pilot.pause()
        page = table.page_rows
        assert table.cursor_key == "row-0000"
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("up")
        assert table.cursor_key == "row-0001"
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + page
        assert table.scroll_y > 0  # scrolled to keep the cursor in view
        await pilot.press("pageup")
        assert table.cursor_row == 1
        await pilot.press("end")
        assert table.cursor_key == "row-0099"
        await pilot.press("down")  # stays on the last row
        assert table.cursor_key == "row-0099"
        await pilot.press("home")
        assert table.cursor_key == "row-0000" and table.scroll_y == 0
        await pilot.press("up")
        assert table.cursor_row == 0
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.events[-1] == ("selected", "row-0001")
        highlighted = [key for kind, key in app.events if kind == "highlighted"]
        assert highlighted[:3] == ["row-0000", "row-0001", "row-0002"]

        # A click highlights a row; a click on the highlighted row opens it.
        await pilot.click(table, offset=(3, 3))
        assert table.cursor_key == "row-0002"
        await pilot.click(table, offset=(3, 3))
        await pilot.pause()
        assert app.events[-1] == ("selected", "row-0002")


async def test_cursor_keeps_its_key_across_sync_sort_and_filter() -> None:
    table = RowsTable()
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        items = rows(50)
        table.sync(items)
        await pilot.pause()
        table.move_cursor(row=table.get_row_index("row-0030"))
        assert table.cursor_key == "row-0030"

        # New rows sort above the cursor, others go: the cursor stays on its row.
        table.sync([Row("aaa-new", "InProgress", 5), *items[5:]])
        assert table.cursor_key == "row-0030"
        assert table.shown_keys()[0] == "aaa-new"
        assert table.cursor_row == table.shown_keys().index("row-0030")

        # Sort and filter changes keep it too, while it is shown.
        table.set_sort(SortOrder("size", True, table.COLUMNS))
        assert table.cursor_key == "row-0030"
        table.set_filter(RowFilter.parse("row-003", table.column_keys()))
        assert table.cursor_key == "row-0030"
        assert table.shown_keys() == sorted(
            [f"row-003{i}" for i in range(10)],
            key=lambda k: ((int(k[-4:]) * 37) % 101, k),
            reverse=True,
        )

        # An in-place change redraws the row and keeps the cursor.
        changed = replace(next(i for i in items if i.name == "row-0030"), status="Stopping")
        table.sync([changed if i.name == "row-0030" else i for i in items])
        assert table.get_row("row-0030")[1].plain == "Stopping"
        assert "Stopping" in line(table, table.cursor_row + 1)
        assert table.cursor_key == "row-0030"

        # When its row is filtered out, the cursor stays at the same place.
        index = table.cursor_row
        table.set_filter(RowFilter.parse("!row-0030", table.column_keys()))
        assert "row-0030" not in table.shown_keys()
        assert table.cursor_row == index
        table.set_filter(RowFilter.parse("nothing-matches", table.column_keys()))
        assert table.cursor_item() is None and table.cursor_row == -1
        table.set_filter(RowFilter())
        assert table.shown_count == 50


@pytest.mark.parametrize(
    "steps",
    [
        ["r", "ro", "row", "row-", "row-00", "row-004", "row-00"],
        ["status:f", "status:fa", "status:failed", "status:faile", "status:"],
        ["!c", "!co", "!comp", "!co", ""],
        ["re:^row-00[12]", "^row-004[0-5]$", "re:(", "fail|stop"],
        ["Failed", "failed", "status:inprogress", "name:row-01", "name:row-011"],
    ],
)
async def test_filter_matches_the_filter_language_while_typing(steps: list[str]) -> None:
    """Typed one key at a time (narrowing, then widening), rows equal a brute-force pass."""
    table = RowsTable()
    app = TableApp(table)
    items = rows(300)
    async with app.run_test(size=(80, 24)):
        table.sync(items)
        table.set_sort(SortOrder("size", False, table.COLUMNS))
        ordered = sorted(items, key=lambda r: (r.size, r.name))
        for text in steps:
            parsed = RowFilter.parse(text, table.column_keys())
            if parsed.error is not None:
                continue
            table.set_filter(parsed)
            expected = [r.name for r in ordered if parsed.matches(table.filter_fields(r))]
            assert table.shown_keys() == expected, text
            assert table.shown_count == len(expected)


async def test_filter_caches_are_compact() -> None:
    """The `/` filter's caches hold every row (100,000 jobs, issue 21): each row's
    fields are one tuple sharing one names tuple (not a dict per row), and a column's
    lower-cased texts are one object per distinct text (a status repeated on every row
    is one string; a name already lower-case is the name itself)."""
    table = RowsTable()
    app = TableApp(table)
    # Parsed afresh per row, as a listing's JSON is: equal texts, distinct objects.
    items = [Row(f"row-{i:04d}", (STATES[i % 4] + "!")[:-1], i) for i in range(2000)]
    async with app.run_test(size=(80, 24)) as pilot:
        table.sync(items)
        table.set_filter(RowFilter.parse("status:completed", table.column_keys()))
        await pilot.pause()
        assert table.shown_count == 500

        cached = list(table._fieldmap.values())
        assert len(cached) == 2000 and all(type(row) is tuple for row in cached)
        assert len({id(row[0]) for row in cached}) == 1  # one names tuple
        statuses = table._aligned["status"]
        assert len({id(text) for text in statuses}) == len(STATES)
        table.set_filter(RowFilter.parse("name:row-00", table.column_keys()))
        names = dict(zip(table._order, table._aligned["name"], strict=True))
        assert all(names[row.name] is row.name for row in items)


class Snapshot:
    """A poll's value (a class: weakly referable, so a test can tell it was freed)."""

    def __init__(self, items: tuple[Row, ...]) -> None:
        self.items = items


class PolledTableApp(App[None]):
    """A table fed by the real poller, as a tab's view does (a ConsoleHost, no AWS)."""

    CSS_PATH = list(STYLESHEETS)

    def __init__(self, items: tuple[Row, ...], *, interval: float) -> None:
        super().__init__()
        self.context: Any = object()
        self.generation = 0
        self.jobs_snapshot = None
        self.items = items
        self.polled: list[weakref.ref[Snapshot]] = []
        self.synced = 0
        self.interval = interval

    def fetch(self, _context: Any) -> Snapshot:
        snapshot = Snapshot(tuple(self.items))  # a listing's own tuple, as each poll's
        self.polled.append(weakref.ref(snapshot))
        return snapshot

    def compose(self) -> ComposeResult:
        yield RowsTable()
        yield Poller[Snapshot](
            "rows",
            self.fetch,
            transitional=lambda _snapshot: False,
            schedule=partial(PollSchedule, self.interval),
        )

    def on_mount(self) -> None:
        self.query_one(Poller).set_shown(True)

    def on_listed(self, message: Listed[Snapshot]) -> None:
        self.query_one(RowsTable).sync(message.snapshot.items)
        self.synced += 1


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The heap frozen by a large sync is handed back after the test (the app's
    ``on_unmount`` does so for its own start-up freeze)."""
    try:
        yield
    finally:
        gc.unfreeze()


async def test_a_large_sync_freezes_no_finished_work(unfrozen: None) -> None:
    """A large sync freezes the heap out of the GC's walks (no collection first: it
    cost ~100 ms to open 100,000 rows), so a finished worker, a dead reference cycle
    freed only by a collection, must hold nothing big by then: frozen, it is kept for
    good. A poll's value and a lookup's call (the Jobs extras' holds every job) were
    kept once per poll (issue 21)."""

    class Given:
        def __init__(self) -> None:
            self.payload = list(range(1000))

    app = PolledTableApp(tuple(rows(BULK_ITEMS)), interval=3600.0)
    got: list[int] = []
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RowsTable)
        await wait_until(pilot, lambda: app.synced == 1, what="the first poll synced")
        given = Given()
        lent = weakref.ref(given)
        run_for_context(
            table,
            partial(lambda lent, _context: len(lent.payload), given),  # holds it
            done=got.append,
            failed=lambda error: None,
            name="extras",
        )
        del given
        await wait_until(pilot, lambda: got == [1000], what="the lookup's answer")
        frozen = gc.get_freeze_count()
        others = [Row(f"other-{i:05d}", "Completed", i) for i in range(BULK_ITEMS)]
        table.sync([*rows(BULK_ITEMS), *others])  # as many new: the heap is frozen again
        assert gc.get_freeze_count() > frozen + BULK_ITEMS
        gc.collect()
        assert lent() is None, "a finished run_for_context worker kept its call"
        assert app.polled[0]() is None, "a finished poll worker kept its value"
        assert table.total_count == 2 * BULK_ITEMS


async def test_polls_of_a_large_table_keep_nothing_per_poll(unfrozen: None) -> None:
    """Polls of the same 10,000 rows (a new tuple each, as a listing's) leave nothing
    behind: no poll's value is still held, nothing more is frozen, and memory after
    poll 13 is about that after poll 3 (the lines drawn meanwhile are cached, bounded).
    Each dead poll worker frozen with its value kept the tuple (80 kB) per poll; a
    freeze per poll froze ~150 more objects each time, dead soon after (issue 21)."""
    polls = 10
    app = PolledTableApp(tuple(rows(BULK_ITEMS)), interval=0.02)
    tracemalloc.start()  # before the app: what the polls free counts too
    try:
        async with app.run_test(size=(40, 4)) as pilot:
            await wait_until(pilot, lambda: app.synced >= 3, what="3 polls synced")
            synced, frozen = app.synced, gc.get_freeze_count()
            before = tracemalloc.get_traced_memory()[0]
            await wait_until(pilot, lambda: app.synced >= synced + polls, what="10 polls")
            grown = tracemalloc.get_traced_memory()[0] - before
            more_frozen = gc.get_freeze_count() - frozen
            done = app.synced - synced
            gc.collect()
            kept = sum(1 for snapshot in app.polled[:-2] if snapshot() is not None)
    finally:
        tracemalloc.stop()
    assert kept == 0, f"{kept} of {len(app.polled)} polls' values still held"
    assert more_frozen < 20 * polls, f"{more_frozen} more objects frozen in {done} polls"
    # A tuple of 10,000 rows is 80 kB: ten kept would be 800 kB; cached lines ~100 kB.
    assert grown < 300_000, f"{grown} bytes more after {done} more polls"


async def test_a_repeated_snapshot_keeps_its_key_objects() -> None:
    """Keys are made per item (``kind:name``); a sync of the same items keeps the key
    objects it holds (the caches keyed by them too) rather than a new string per row
    per poll; an item that changed, arrived or moved gets its key made afresh."""

    class PrefixedTable(RowsTable):
        def key_of(self, item: Row) -> str:
            return f"row:{item.name}"

    table = PrefixedTable()
    app = TableApp(table)
    items = rows(300)
    async with app.run_test(size=(80, 24)):
        table.sync(items)
        first = list(table.items)
        table.sync(items)
        assert all(a is b for a, b in zip(first, table.items, strict=True))
        changed = [*items[:10], replace(items[10], size=999), *items[11:], Row("new", "Failed", 1)]
        table.sync(changed)
        assert list(table.items) == [*first, "row:new"]
        assert table.items["row:row-0010"].size == 999
        assert all(a is b for a, b in zip(first[:10], table.items, strict=False))
        shuffled = list(reversed(changed))
        table.sync(shuffled)
        assert sorted(table.items) == sorted([*first, "row:new"])
        assert table.shown_keys()[:2] == ["row:new", "row:row-0000"]


async def test_sort_orders_and_info() -> None:
    table = RowsTable()
    app = TableApp(table)
    items = rows(40)
    async with app.run_test(size=(80, 24)) as pilot:
        table.sync(items)
        await pilot.pause()
        assert table.shown_keys() == sorted(r.name for r in items)
        order = table.ordering.cycled()
        assert (order.column, order.reverse) == ("status", False)
        table.set_sort(order)
        assert table.shown_keys() == [
            r.name for r in sorted(items, key=lambda r: (r.status, r.name))
        ]
        table.set_sort(table.ordering.cycled())  # size: biggest first
        assert table.ordering.describe() == "Size ↓"
        sizes = [table.items[k].size for k in table.shown_keys()]
        assert sizes == sorted(sizes, reverse=True)
        table.set_sort(table.ordering.flipped())
        assert [table.items[k].size for k in table.shown_keys()] == sorted(sizes)
        # A changed sort value moves the row on the next sync.
        smallest = table.shown_keys()[0]
        table.sync([replace(r, size=1000) if r.name == smallest else r for r in items])
        assert table.shown_keys()[-1] == smallest


def job(name: str, status: str, minutes: int, **extra: Any) -> Any:
    from console.services.jobs import JobSummary

    created = NOW - timedelta(minutes=minutes)
    ended = None if status == "InProgress" else created + timedelta(minutes=minutes // 2, seconds=7)
    return JobSummary(
        kind=extra.pop("kind", "training"),
        name=name,
        status=status,
        arn=f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        created=created,
        modified=ended or created,
        ended=ended,
        secondary_status=extra.pop("secondary", status),
    )


LONG = "llama3-70b-instruct-finetune-with-a-very-long-experiment-suffix-0001"


@pytest.mark.parametrize("width", [80, 90, 100, 110, 130, 150, 180])
async def test_jobs_columns_fit_the_width(width: int) -> None:
    """Every column fits from 80 columns up; the name gives way first."""
    table = JobsTable(now=lambda: NOW)
    app = TableApp(table)
    async with app.run_test(size=(width, 12)) as pilot:
        table.sync(
            [
                job(LONG, "Failed", 300),
                job("short", "InProgress", 65, secondary="DownloadingTrainingImage"),
                job("prep", "Completed", 20, kind="processing", secondary=""),
            ]
        )
        await pilot.pause()
        header = line(table, 0)
        # Util after Duration; Cost only where the table is wide enough, Reason only
        # where the whole names leave it room (its label here: no job has a reason).
        last = "Reason" if width >= 180 else ("Cost" if width >= 130 else "Util")
        assert header.rstrip().endswith(last) and "Duration" in header
        if "Reason" in header:
            assert table.column_widths["name"] >= len(LONG)
        assert ("Secondary" in header) == (width >= table.COMPACT_WIDTH)
        assert table.compact == (width < table.COMPACT_WIDTH)
        content = table.scrollable_content_region.width
        assert len(header) == content <= width
        texts = {line(table, y) for y in (1, 2, 3)}
        assert any("1h05m" in t for t in texts)  # running: now - created
        assert any("2h30m" in t for t in texts)
        failed = next(t for t in texts if "Failed" in t)
        name_width = table.column_widths["name"]
        if name_width < len(LONG):
            # Cut in the middle: its start and its distinguishing end both stay.
            assert fit_cell(LONG, name_width) in failed
            assert "…" in failed and LONG[-4:] in failed
        else:
            assert LONG in failed
        assert name_width >= table.MIN_FLEX_WIDTH


async def test_a_poll_does_not_scroll_a_view_the_wheel_moved() -> None:
    table = RowsTable()
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        items = rows(500)
        table.sync(items)
        await pilot.pause()
        table.scroll_to(y=60, animate=False)  # what the mouse wheel does
        await pilot.pause()
        top = table.scroll_y
        assert top > 20 and table.cursor_key == "row-0000"
        table.sync([replace(r, status="Stopped") if r.name == "row-0001" else r for r in items])
        await pilot.pause()
        assert table.scroll_y == top
        # A row arriving above the cursor moves it: then the view follows the cursor.
        table.sync([Row("aaa-first", "InProgress", 1), *items])
        await pilot.pause()
        assert table.cursor_key == "row-0000" and table.cursor_row == 1
        assert table.scroll_y <= 1


class WideTable(RowsTable):
    """Many picked columns (as on the MLflow runs table) for a narrow screen."""

    COLUMNS = (
        TableColumn("name", "Name", flex=True),
        *(TableColumn(f"metric{i}", f"m:validation:metric{i}", compact_width=10) for i in range(8)),
    )

    def cell_values(self, item: Row, now: datetime) -> Mapping[str, str]:
        return {"name": item.name, **{f"metric{i}": f"0.{item.size:04d}{i}" for i in range(8)}}


async def test_too_many_columns_leave_whole_columns_out_and_keep_names_readable() -> None:
    table = WideTable()
    app = TableApp(table)
    async with app.run_test(size=(80, 10)) as pilot:
        table.sync(rows(5))
        await pilot.pause()
        layout = table.columns
        widths = table.column_widths
        assert "name" in layout and widths["name"] >= table.MIN_FLEX_WIDTH
        assert 1 < len(layout) < 9  # some metric columns left out, whole
        assert sum(widths.values()) + 2 * len(layout) <= 80
        last = list(layout)[-1]
        assert last.startswith("metric") and f"0.0000{last[-1]}" in line(table, 1)  # whole
        assert "row-0000" in line(table, 1)  # the name is readable, not "ro…"


class LongLabelTable(RowsTable):
    """A run-like table: long names and picked columns with long labels over short values."""

    COLUMNS = (
        TableColumn("name", "Name", flex=True),
        TableColumn("status", "Status", compact_width=10),
        *(
            TableColumn(f"m{i}", f"m:validation:metric-{i}", compact_width=6, shrink_label=True)
            for i in range(3)
        ),
    )

    def cell_values(self, item: Row, now: datetime) -> Mapping[str, str]:
        return {
            "name": f"{item.name}-xgb-churn-hpo-sweep",
            "status": item.status,
            **{f"m{i}": f"0.{item.size:04d}" for i in range(3)},
        }


@pytest.mark.parametrize(("width", "names_whole"), [(90, True), (160, True), (60, False)])
async def test_long_labels_are_cut_before_names(width: int, names_whole: bool) -> None:
    table = LongLabelTable()
    app = TableApp(table)
    async with app.run_test(size=(width, 10)) as pilot:
        table.sync(rows(5))
        await pilot.pause()
        widths = table.column_widths
        assert sum(widths.values()) + 2 * len(widths) <= width
        first = line(table, 1)
        assert "0.0000" in first  # values are never cut
        if names_whole:
            assert "row-0000-xgb-churn-hpo-sweep" in first
        header = line(table, 0)
        if width >= 160:  # room for everything: labels whole too
            assert "m:validation:metric-2" in header
        else:  # labels cut, every value column kept
            # Cut in the middle: each keeps the end that tells them apart.
            assert "m:validation:metric" not in header and header.count("…") == 3
            assert all(f"-{n}" in header for n in range(3)), header


async def test_a_long_reason_takes_what_the_whole_names_leave() -> None:
    """At 200 columns a 300-character failure reason took the width and left the names at
    16 cells ("llama…e-gpu-demo"), and sharing it cut both: Reason takes only what the
    other columns leave at their content's width, or is left out below its minimum."""
    table = JobsTable(now=lambda: NOW)
    app = TableApp(table)
    async with app.run_test(size=(200, 12)) as pilot:
        table.sync([job(LONG, "Failed", 300)])
        await pilot.pause()
        content = table.scrollable_content_region.width
        table._measured.update(reason=300)  # what a poll's extras would measure
        layout = table._fit(content)
        widths = dict(zip((c.key for c in layout.columns), layout.widths, strict=True))
        assert widths["name"] == len(LONG)  # whole
        assert REASON_MIN <= widths["reason"] < 300
        assert sum(widths.values()) + 2 * len(widths) == content
        # Narrower: less than REASON_MIN left beside the whole names: no Reason column.
        narrow = table._fit(content - widths["reason"] + REASON_MIN - 1)
        assert "reason" not in {c.key for c in narrow.columns}
        assert dict(zip((c.key for c in narrow.columns), narrow.widths, strict=True))[
            "name"
        ] >= len(LONG)


class NarrowPaneApp(App[None]):
    """The Registry's groups table in a pane as narrow as it is at 80x24 (25%: 20 cells)."""

    CSS_PATH = list(STYLESHEETS)
    CSS = "GroupsTable { width: 20; }"

    def __init__(self, table: KeyedTable[Any]) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


async def test_a_name_in_a_pane_narrower_than_its_floor_keeps_its_end() -> None:
    """Issue 15 walkthrough: the groups pane at 80x24 showed ``resn…50-defe``; the name
    column kept its 16-cell floor, ran past the pane and lost its end to the edge."""
    from console.services.registry_feed import GroupRow
    from screens.registry.table import GroupsTable

    table = GroupsTable()
    app = NarrowPaneApp(table)
    async with app.run_test(size=(80, 10)) as pilot:
        table.sync([GroupRow(n, "", None, 2) for n in ("churn-xgb", "resnet50-defects")])
        await pilot.pause()
        widths = table.column_widths
        assert sum(widths.values()) + 2 * len(widths) <= table.scrollable_content_region.width
        shown = [line(table, y) for y in range(1, 3)]
        assert any("churn-xgb" in row for row in shown), shown
        resnet = next(row for row in shown if "re" in row)
        # Its start and its end, nothing dropped as "shared" (the rows share a blank mark).
        assert resnet.split()[1].startswith("res") and resnet.rstrip().endswith("defects"), shown
