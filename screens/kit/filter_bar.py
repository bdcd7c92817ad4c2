"""The `/` filter input shared by table views.

Typing filters live; ``enter`` keeps the filter and returns to the table (an empty input
clears it); ``escape`` or ``ctrl+g`` restores the filter that was there before. Esc is
never the only way out: tmux delays a lone Esc. Back on the table, ``escape`` clears the
filter applied (:func:`clear_applied_filter`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.actions import SkipAction
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from screens.kit.key_order import TextInput, focus_now
from screens.kit.row_filter import RowFilter


class FilterBar(TextInput):
    """One-line filter input; hidden by the owning view while not in use."""

    BINDINGS = [
        Binding("escape,ctrl+g", "cancel", "Cancel filter", id="filter.cancel"),
    ]

    @dataclass
    class Edited(Message):
        """The text changed (filter live while typing)."""

        text: str

    @dataclass
    class Closed(Message):
        """The bar should close; ``text`` is the filter now in force."""

        text: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="filter: text, re:regex, status:Failed, !invert — enter keeps, esc undoes",
            id=id,
        )
        self._before = ""

    def open(self) -> None:
        """Show and focus, remembering the filter to restore on cancel."""
        self._before = self.value
        self.display = True
        focus_now(self)
        self.cursor_position = len(self.value)

    def set_invalid(self, invalid: bool) -> None:
        self.set_class(invalid, "-invalid")

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Edited(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Closed(self.value.strip()))

    def action_cancel(self) -> None:
        self.value = self._before
        self.post_message(self.Closed(self._before))


def clear_applied_filter(bar: FilterBar, table: Any) -> None:
    """``escape`` on a filtered table (every view with this bar binds it): the filter in
    force goes. With none, :class:`SkipAction`: the key goes on to the screen (Back)."""
    if not table.row_filter.active:
        raise SkipAction()
    bar.value = ""
    table.set_filter(RowFilter.parse("", table.column_keys()))
