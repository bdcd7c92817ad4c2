"""One level of a drill-down over a tab (experiments -> trials -> components; pipelines
-> executions -> steps): a table, its filter bar, its own poller and the info line.

A subclass says what it lists (:meth:`make_table`, :meth:`fetch`, ``RESOURCE``), which
``[poll]`` setting it polls at (``POLL``) and its CSS class (``LEVEL_CLASS``); the
screen holding it (a :class:`screens.kit.polled_screen.PolledScreen`) polls it only
while on top. A listing is anything with ``items`` and ``fetched_at`` (and
``transitional``, for the poller's faster pace).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.content import Content
from textual.widgets import Static

from screens.kit.filter_bar import FilterBar
from screens.kit.host import console_host
from screens.kit.messages import Listed
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.widget import Widget

    from console.config import Config
    from console.context import ConsoleContext


class LevelView(TableView):
    """A drill-down level's table, filter bar, poller and info line."""

    RESOURCE: ClassVar[str] = "level"
    POLL: ClassVar[str] = "jobs"  # a ``PollIntervals`` field
    LEVEL_CLASS: ClassVar[str] = ""

    def __init__(self, config: Config, *, id: str) -> None:
        super().__init__(id=id)
        if self.LEVEL_CLASS:
            self.add_class(self.LEVEL_CLASS)
        self.config = config
        self.listing: Any = None

    def make_table(self) -> Widget:
        raise NotImplementedError

    def fetch(self, context: ConsoleContext) -> Any:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield self.make_table()
        bar = FilterBar()
        bar.display = False
        yield bar
        yield Poller[Any](
            self.RESOURCE,
            self.fetch,
            transitional=lambda listing: listing.transitional,
            schedule=schedule_for(self.config.poll, self.POLL),
        )
        yield Static(Content(f"loading {self.NOUN}…"), classes="view-info")

    @on(Listed)
    def _listed(self, message: Listed[Any]) -> None:
        message.stop()
        if message.generation != console_host(self).generation:
            return
        self.listing = message.snapshot
        self.shown(message.snapshot)
        self.table.sync(message.snapshot.items)
        self.show_info()

    def shown(self, listing: Any) -> None:
        """A fresh listing arrived (before the table takes its rows)."""

    def info_extra(self) -> list[str]:
        if self.listing is None:
            return []
        return [f"updated {self.listing.fetched_at.astimezone():%H:%M:%S}"]
