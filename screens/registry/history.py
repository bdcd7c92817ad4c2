"""A group's approval history: who approved or rejected which version, when, and why.

Opened with ``h`` on the Registry tab. One worker reads the group's versions and the
audit log (:meth:`console.services.evidence.EvidenceService.history`); entries are newest
first. ``Source`` says where an event comes from: the registry's own fields (any tool),
our audit log (smconsole only, refused and failed attempts too), or both.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from console.errors import SmError
from console.services.approval_history import HistoryEntry
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import MISSING, StatusPalette, format_time
from screens.kit.key_order import focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context

COLUMNS = ("When", "Ver", "Action", "By", "Comment", "Source")


def _who(by: str) -> str:
    """``assumed-role/ops/alice`` rather than the whole ARN (the table is narrow)."""
    if by.startswith("arn:"):
        return by.split(":", 5)[-1]
    return by or MISSING


class HistoryScreen(Screen[None]):
    """Full-screen history of one group; ``q``, ``escape`` or ``backspace`` go back."""

    BINDINGS = [
        Binding("q", "close", "Back", id="registry_history.close"),
        Binding(
            "escape,backspace,ctrl+c", "close", "Back", show=False, id="registry_history.close_alt"
        ),
        Binding("r", "reload", "Reload", id="registry_history.reload"),
    ]

    def __init__(self, group: str) -> None:
        super().__init__()
        self.group = group
        self.entries: list[HistoryEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Approval history of {self.group}"), id="detail-title")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Static(Content("loading…"), id="history-info", classes="view-info")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self._set_columns({label: cell_len(label) for label in COLUMNS})
        focus_now(self.query_one(DataTable))
        self.action_reload()

    def _set_columns(self, widths: dict[str, int]) -> None:
        """(Re)create the columns at fixed widths.

        Not auto widths: DataTable measures those only when it next goes idle, and caches
        each cell drawn before that at the old width (its cache key has no width), so a
        frame drawn between ``add_row`` and that idle kept the columns at their labels'
        width for good ("2026", "Reject", the note cut to "job ␛]5")."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, width in widths.items():
            table.add_column(label, key=label.lower(), width=width)

    def action_reload(self) -> None:
        group = self.group
        run_for_context(
            self,
            lambda context: context.evidence.history(group),
            done=self._loaded,
            failed=self._failed,
            name="history",
        )

    def _failed(self, error: SmError) -> None:
        self.query_one("#history-info", Static).update(Content(error.one_line()))
        notify(self, error.one_line(), severity="error", title="history")

    def _loaded(self, entries: list[HistoryEntry]) -> None:
        info = self.query_one("#history-info", Static)
        self.entries = entries
        palette = StatusPalette.from_variables(self.app.theme_variables)
        rows: list[tuple[Text, ...]] = []
        for entry in entries:
            action = entry.action if entry.outcome == "ok" else f"{entry.action} ({entry.outcome})"
            rows.append(
                (
                    Text(format_time(entry.time)),
                    Text(str(entry.version) if entry.version is not None else MISSING),
                    palette.text(action) if entry.outcome == "ok" else Text(action, style="dim"),
                    Text(_who(entry.by)),
                    Text(entry.comment or MISSING),
                    Text(entry.source),
                )
            )
        self._set_columns(
            {
                label: max([cell_len(label), *(row[index].cell_len for row in rows)])
                for index, label in enumerate(COLUMNS)
            }
        )
        table = self.query_one(DataTable)
        for index, row in enumerate(rows):
            table.add_row(*row, key=str(index))
        decided = sum(1 for e in entries if e.action != "Registered")
        info.update(Content(f"{len(entries)} events · {decided} decisions · newest first"))

    def action_close(self) -> None:
        self.dismiss(None)
