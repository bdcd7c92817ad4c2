"""The `?` screen: every key of every view, as remapped by the config's ``[keymap]``.

Built from the classes' ``BINDINGS`` (so it cannot drift from what the keys do) with the
binding ids shown, which are what ``[keymap]`` in the config file remaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import focus_now

# Column widths: the longest binding id is 27 characters; keys wrap at commas.
KEYS_WIDTH = 14
ID_WIDTH = 28


def owners_from(
    owners: Iterable[tuple[str, type[Any]]],
    package: str | None,
    shown: Iterable[type[Any]] = (),
    *,
    focus: Iterable[type[Any]] = (),
) -> list[tuple[str, type[Any]]]:
    """``owners`` in the order help lists them: the ones around the focus (``focus``: the
    focused widget's classes, outermost first, within ``package``: on the HyperPod queue
    the queue's keys come right after the tab's, not three pages down), then the ones
    ``shown`` (the classes of the screen on top and of the widgets it shows: a run list
    over the MLflow tab opens on the run list's keys, not the experiments'), then the rest
    of ``package`` (the tab's), then everything else in its usual order."""
    owners = list(owners)
    present = set(shown)
    here = [o for o in owners if package is not None and o[1].__module__.startswith(f"{package}.")]
    first = [o for cls in focus for o in here if o[1] is cls]
    first += [o for o in owners if o not in first and any(issubclass(cls, o[1]) for cls in present)]
    first += [o for o in here if o not in first]
    return first + [o for o in owners if o not in first]


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

    @property
    def title_text(self) -> str:
        """ "Help: Jobs": where help was opened (its keys come first), not the column's
        word "Keys" twice over."""
        return f"Help: {self.rows[0][0]}" if self.rows else "Help"

    def compose(self) -> ComposeResult:
        # One heading per place, then its keys: no "Where" column, so at 80 columns the
        # ids keep a column wide enough to be read whole (they are what [keymap] takes).
        parts: list[Any] = [Text("Key · what it does · binding id (for [keymap])", style="bold")]
        groups: dict[str, list[tuple[str, str, str]]] = {}
        for where, keys, what, binding_id in self.rows:
            groups.setdefault(where, []).append((keys, what, binding_id))
        for where, rows in groups.items():
            parts.append(Text(f"\n{where}", style="bold underline"))
            table = Table(box=None, padding=(0, 1), show_edge=False, show_header=False, expand=True)
            table.add_column("Keys", width=KEYS_WIDTH, overflow="fold")
            table.add_column("What", ratio=1)
            table.add_column("Binding id", width=ID_WIDTH, no_wrap=True, overflow="fold")
            for keys, what, binding_id in rows:
                table.add_row(Text(keys), Text(what), Text(binding_id, style="dim"))
            parts.append(table)
        with VerticalScroll(id="help-box"):
            yield Static(Content(self.title_text), id="help-title", classes="section-title")
            yield Static(Group(*parts), id="help-table")
            yield Static(
                Content(
                    'Remap keys in the config file, e.g. [keymap] "jobs.stop" = "ctrl+x". '
                    "Filter syntax: text, re:regex, status:Failed, !invert."
                ),
                id="help-hint",
            )
        yield ConsoleFooter()  # its own keys (q Close), not the screen's under it

    def on_mount(self) -> None:
        focus_now(self.query_one("#help-box"))

    def action_close(self) -> None:
        self.dismiss(None)
