"""The stream (host) picker of the log view: show one host's lines, or every host's.

``H`` in a log opens it. The first choice is "every host"; the others are the hosts
seen so far, by their whole names (the column beside the lines may show them shortened).
``enter`` picks, ``escape`` leaves the choice as it was.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import focus_now

ALL_HOSTS = ""  # the option id (and the picker's answer) for "every host"


class HostPicker(ModalScreen[str | None]):
    """Pick a host: its name, ``""`` for every host, None when cancelled."""

    BINDINGS = [
        Binding("escape,q", "cancel", "Cancel", id="logs.hosts.cancel"),
    ]

    def __init__(self, hosts: list[str], current: str | None, counts: dict[str, int]) -> None:
        super().__init__()
        self.hosts = hosts
        self.current = current
        self.counts = counts

    def compose(self) -> ComposeResult:
        with Vertical(id="hosts-box"):
            yield Label(Content("Show the lines of…"), id="hosts-title")
            total = sum(self.counts.values())
            options = [Option(Content(f"every host ({len(self.hosts)}, {total:,} lines)"), id="")]
            options += [
                Option(Content(f"{host}  ({self.counts.get(host, 0):,} lines)"), id=host)
                for host in self.hosts
            ]
            yield OptionList(*options, id="hosts-list")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        chosen = self.current or ALL_HOSTS
        index = next((i for i, o in enumerate(options.options) if o.id == chosen), 0)
        options.highlighted = index
        focus_now(options)

    @on(OptionList.OptionSelected, "#hosts-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id or ALL_HOSTS)

    def action_cancel(self) -> None:
        self.dismiss(None)
