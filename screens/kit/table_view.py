"""What every table tab shares: the `/` filter bar, sort keys, the info line, refresh,
the read-only check, the confirm step, and gated actions run in a worker.

A tab's view subclasses :class:`TableView`, composes its :class:`KeyedTable`, a
:class:`FilterBar`, its :class:`Poller` and a ``Static`` with the ``view-info`` class, and
declares its own ``BINDINGS`` (with ids in its own namespace, e.g. ``endpoints.filter``)
that point at the actions defined here.

Actions (stop, delete, shift traffic...) follow one path: :meth:`gate_allows` refuses in
read-only mode before anything is asked, :meth:`ask` shows the one confirm dialog, and
:meth:`run_change` runs the blocking service call in a thread worker; its outcome comes
back as an :class:`ChangeFinished` message and is shown as a notification, and the view's
poller polls again at once so the table shows the change.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.theme import Theme
from textual.widgets import Static

from console.errors import SmError, translate
from screens.kit.confirm import ConfirmDialog, refused_read_only
from screens.kit.filter_bar import FilterBar, clear_applied_filter
from screens.kit.formatting import StatusPalette
from screens.kit.key_order import focus_now
from screens.kit.keyed_table import KeyedTable
from screens.kit.lifecycle import being_removed
from screens.kit.palette import PaletteCommand
from screens.kit.plain import notify
from screens.kit.poller import Poller
from screens.kit.row_filter import RowFilter

# Width from which a view shows its preview pane beside the table.
WIDE_WIDTH = 150


@dataclass
class ChangeFinished(Message):
    """A worker started by :meth:`TableView.run_change` ended (``error`` None: it worked)."""

    token: int
    value: Any = None
    error: SmError | None = None


class TableView(Vertical):
    """Base of a table tab: filter, sort, info line, refresh and the action path."""

    BINDINGS = [
        # Shared by every table tab (one place): esc undoes an applied filter; with none,
        # esc goes on to what holds it next (the main screen's Back).
        Binding("escape", "clear_filter", "Clear filter", show=False, id="table.clear_filter"),
    ]

    NOUN: ClassVar[str] = "rows"
    # The tab this view sits on (palette commands switch to it first).
    TAB: ClassVar[str] = ""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tokens = itertools.count()
        self._pending: dict[int, tuple[str, Callable[[Any], None]]] = {}

    # --- parts ----------------------------------------------------------------------------
    @property
    def table(self) -> KeyedTable[Any]:
        return self.query_one(KeyedTable)

    @property
    def poller(self) -> Poller[Any]:
        return self.query_one(Poller)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    def focus_main(self) -> None:
        focus_now(self.table)

    def on_mount(self) -> None:
        if being_removed(self):
            return
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_palette()

    # --- hooks for subclasses ---------------------------------------------------------------
    def info_extra(self) -> list[str]:
        """More parts for the info line (e.g. when the last poll finished)."""
        return []

    def show_preview(self) -> None:
        """Update the wide-screen preview of the highlighted row (if the view has one)."""

    def open_item(self, key: str) -> None:
        """``enter`` on a row."""

    # --- info line ------------------------------------------------------------------------
    def show_info(self) -> None:
        table = self.table
        parts = [f"{table.shown_count}/{table.total_count} {self.NOUN}"]
        if table.row_filter.active:
            parts.append(f"filter: {table.row_filter.describe()}")
        parts.append(f"sort: {table.ordering.describe()}")
        parts.extend(self.info_extra())
        self.query_one(".view-info", Static).update(Content(" · ".join(parts)))

    # --- filter, sort, refresh --------------------------------------------------------------
    def action_filter(self) -> None:
        self.filter_bar.open()

    def action_clear_filter(self) -> None:
        """``escape`` on the table: drop the filter in force (none: the key goes on)."""
        clear_applied_filter(self.filter_bar, self.table)
        self.show_info()
        notify(self, "filter cleared", timeout=2)

    @on(FilterBar.Edited)
    def _filter_edited(self, message: FilterBar.Edited) -> None:
        message.stop()
        parsed = RowFilter.parse(message.text, self.table.column_keys())
        self.filter_bar.set_invalid(parsed.error is not None)
        if parsed.error is None:
            self.table.set_filter(parsed)
            self.show_info()

    @on(FilterBar.Closed)
    def _filter_closed(self, message: FilterBar.Closed) -> None:
        message.stop()
        table, bar = self.table, self.filter_bar
        parsed = RowFilter.parse(message.text, table.column_keys())
        if parsed.error is not None:
            notify(self, parsed.error, severity="error", title="filter not applied")
            bar.set_invalid(False)
            bar.value = table.row_filter.text
        else:
            table.set_filter(parsed)
        bar.display = False
        focus_now(table)
        self.show_info()

    def action_sort(self) -> None:
        self.table.set_sort(self.table.ordering.cycled())
        self.show_info()

    def action_sort_reverse(self) -> None:
        self.table.set_sort(self.table.ordering.flipped())
        self.show_info()

    def action_refresh(self) -> None:
        self.poller.refresh_now()
        notify(self, f"refreshing {self.NOUN}…", timeout=2)

    # --- rows -------------------------------------------------------------------------------
    @on(KeyedTable.RowSelected)
    def _row_selected(self, event: KeyedTable.RowSelected) -> None:
        event.stop()
        self.open_item(event.key)

    @on(KeyedTable.RowHighlighted)
    def _row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        event.stop()
        self.show_preview()

    # --- the action path ----------------------------------------------------------------------
    def gate_allows(self, action: str, target: str) -> bool:
        """False in read-only mode (said once, audited once): refuse before asking."""
        return not refused_read_only(self, action, target)

    def ask(self, dialog: ConfirmDialog, on_yes: Callable[[], None], *, what: str) -> None:
        """Show the confirm dialog; run ``on_yes`` only on an explicit confirmation."""

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                on_yes()
            else:
                notify(self, f"{what}: cancelled", timeout=3)

        self.app.push_screen(dialog, answered)

    def run_change(
        self,
        title: str,
        work: Callable[[], Any],
        done: Callable[[Any], None],
    ) -> None:
        """Run ``work`` (a blocking, gated service call) in a thread worker.

        On success ``done(result)`` runs on the UI thread; on failure the error is shown as
        a notification titled ``title``. Either way the poller polls again at once.
        """
        token = next(self._tokens)
        self._pending[token] = (title, done)

        def run() -> None:
            try:
                value = work()
            except Exception as exc:
                self.post_message(ChangeFinished(token, error=translate(exc)))
            else:
                self.post_message(ChangeFinished(token, value=value))

        self.run_worker(run, name=title, group="actions", thread=True, exit_on_error=False)

    @on(ChangeFinished)
    def _change_finished(self, message: ChangeFinished) -> None:
        message.stop()
        pending = self._pending.pop(message.token, None)
        if pending is None:
            return
        title, done = pending
        if message.error is not None:
            notify(self, message.error.one_line(), severity="error", title=title)
        else:
            done(message.value)
        self.poller.refresh_now()

    # --- palette ----------------------------------------------------------------------------
    def palette_command(self, title: str, help_text: str, action: str) -> PaletteCommand:
        """A palette entry that shows this view's tab, then runs ``action_<action>``."""

        def run() -> None:
            show_tab = getattr(self.screen, "show_tab", None)
            if callable(show_tab):
                show_tab(self.TAB)
            getattr(self, f"action_{action}")()

        return (title, help_text, run)

    # --- presentation -------------------------------------------------------------------------
    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE_WIDTH, "-wide")
        self.show_preview()

    def _theme_changed(self, _theme: Theme) -> None:
        self._apply_palette()

    def _apply_palette(self) -> None:
        self.table.set_palette(StatusPalette.from_variables(self.app.get_css_variables()))
        self.show_preview()
