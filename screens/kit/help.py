"""The `?` screen: every key of every view, as remapped by the config's ``[keymap]``.

Built from the classes' ``BINDINGS`` (so it cannot drift from what the keys do) with the
binding ids shown, which are what ``[keymap]`` in the config file remaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.kit.key_order import focus_now


def binding_rows(
    app: App[Any], owners: Iterable[tuple[str, type[Any]]], keymap: Mapping[str, str]
) -> list[tuple[str, str, str, str]]:
    """``(where, keys, what, id)`` per binding, keys from the keymap when remapped."""
    rows: list[tuple[str, str, str, str]] = []
    for where, owner in owners:
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
            binding_id = binding.id or ""
            key = keymap.get(binding_id, binding.key) if binding_id else binding.key
            display = ", ".join(
                app.get_key_display(binding.with_key(k.strip())) for k in key.split(",")
            )
            what = binding.description or binding.action.replace("_", " ")
            group = grouped.setdefault((what, binding_id, binding.action), [])
            if display not in group:
                group.append(display)
        for (what, binding_id, _action), keys in grouped.items():
            rows.append((where, ", ".join(keys), what, binding_id))
    return rows


class HelpScreen(ModalScreen[None]):
    """All keys, grouped by where they work. Closed by ?, q, escape, enter or ctrl+c."""

    BINDINGS = [
        Binding("q", "close", "Close", id="help.close"),
        Binding(
            "question_mark,escape,enter,ctrl+c", "close", "Close", show=False, id="help.close_alt"
        ),
    ]

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold", expand=True)
        table.add_column("Where", no_wrap=True)
        table.add_column("Keys", no_wrap=True)
        table.add_column("What")
        table.add_column(Text("Binding id (for [keymap])"), overflow="fold")
        previous = ""
        for where, keys, what, binding_id in self.rows:
            table.add_row(
                Text(where if where != previous else ""), Text(keys), Text(what), Text(binding_id)
            )
            previous = where
        with VerticalScroll(id="help-box"):
            yield Static(Content("Keys"), classes="section-title")
            yield Static(table, id="help-table")
            yield Static(
                Content(
                    'Remap keys in the config file, e.g. [keymap] "jobs.stop" = "ctrl+x". '
                    "Filter syntax: text, re:regex, status:Failed, !invert."
                ),
                id="help-hint",
            )

    def on_mount(self) -> None:
        focus_now(self.query_one("#help-box"))

    def action_close(self) -> None:
        self.dismiss(None)
