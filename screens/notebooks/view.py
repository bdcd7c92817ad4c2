"""The Notebooks tab: notebook instances; open (URL), start, stop, delete.

Keys: `/` filter, `s`/`S` sort, `enter` (or `o`) open: show the instance's URL and copy
it, `t` start, `ctrl+k` stop (as on Jobs), `ctrl+d` delete (type the name; only Stopped
or Failed instances, as SageMaker requires), `r` refresh now. Changes are refused up
front in read-only mode, confirmed, run in a worker through the gated service, and
reported as notifications.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from console.services.notebooks import DELETABLE_STATUSES
from console.services.notebooks_feed import NotebooksSnapshot, fetch_notebooks
from console.services.projection import project_hourly
from screens.kit.confirm import ConfirmDialog, with_cost
from screens.kit.filter_bar import FilterBar
from screens.kit.host import console_host
from screens.kit.messages import Listed
from screens.kit.palette import PaletteCommand
from screens.kit.plain import notify
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView
from screens.notebooks.table import NotebooksTable
from screens.notebooks.url import NotebookUrlScreen

if TYPE_CHECKING:
    from console.config import PollIntervals
    from console.services.notebooks import NotebookSummary

STARTABLE = frozenset({"Stopped", "Failed"})
STOPPABLE = frozenset({"InService"})


class NotebooksView(TableView):
    """Everything on the Notebooks tab."""

    NOUN = "notebooks"
    TAB = "notebooks"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="notebooks.filter"),
        Binding("s", "sort", "Sort", id="notebooks.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="notebooks.sort_reverse"),
        Binding("o", "open", "Open URL", show=False, id="notebooks.open_url"),
        Binding("t", "start", "Start", id="notebooks.start"),
        Binding("ctrl+k", "stop", "Stop", id="notebooks.stop"),
        Binding("ctrl+d", "delete", "Delete", id="notebooks.delete"),
        Binding("r", "refresh", "Refresh", id="notebooks.refresh"),
    ]

    def __init__(self, poll: PollIntervals, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._poll = poll
        self.snapshot: NotebooksSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield NotebooksTable(id="notebooks-table")
        bar = FilterBar(id="notebooks-filter")
        bar.display = False
        yield bar
        yield Poller[NotebooksSnapshot](
            "notebooks",
            fetch_notebooks,
            transitional=lambda snapshot: snapshot.transitional,
            schedule=schedule_for(self._poll, "notebooks"),
            id="notebooks-poller",
        )
        yield Static(Content("loading notebooks…"), id="notebooks-info", classes="view-info")

    @property
    def table(self) -> NotebooksTable:
        return self.query_one(NotebooksTable)

    # --- polling -----------------------------------------------------------------------
    @on(Listed)
    def _listed(self, message: Listed[NotebooksSnapshot]) -> None:
        # Not stopped: the main screen counts the rows for the tab title.
        if message.generation != console_host(self).generation:
            return
        self.snapshot = message.snapshot
        self.table.sync(message.snapshot.items)
        self.show_info()

    def reset(self) -> None:
        """Context switched: forget rows, poll the new context."""
        self.snapshot = None
        self.table.sync(())
        self.poller.reset()
        self.show_info()

    def info_extra(self) -> list[str]:
        snapshot = self.snapshot
        if snapshot is None:
            return []
        return [f"updated {snapshot.fetched_at.astimezone():%H:%M:%S}"]

    # --- open ----------------------------------------------------------------------------
    def open_item(self, key: str) -> None:
        notebook = self.table.items.get(key)
        if notebook is not None:
            self.app.push_screen(NotebookUrlScreen(notebook))

    def action_open(self) -> None:
        if (notebook := self._selected()) is not None:
            self.open_item(notebook.name)

    def _selected(self) -> NotebookSummary | None:
        notebook = self.table.cursor_item()
        if notebook is None:
            notify(self, "no notebook selected", severity="warning", timeout=3)
        return notebook

    # --- start / stop / delete -----------------------------------------------------------
    def action_start(self) -> None:
        notebook = self._selected()
        if notebook is None or not self.gate_allows("notebook-start", notebook.name):
            return
        name = notebook.name
        if notebook.status not in STARTABLE:
            notify(
                self,
                f"notebook {name} is {notebook.status}: only Stopped or Failed instances start",
                severity="warning",
            )
            return
        instance_type = notebook.instance_type

        def opened(cost: str) -> None:
            dialog = ConfirmDialog(
                "Start notebook instance?",
                f"{name} ({instance_type}) starts and is billed until it is stopped.",
                change=("notebook-start", name),
                confirm_label="Start",
                cost=cost,
            )
            self.ask(dialog, lambda: self._run("start", name), what=f"start {name}")

        # The hourly cost is read first (a worker: prices may be fetched); above
        # max_hourly_cost no dialog opens and the refusal is audited.
        with_cost(
            self,
            ("notebook-start", name),
            lambda context: project_hourly(
                context.pricing, context.config, name, [("notebook", instance_type, 1)]
            ),
            opened,
        )

    def action_stop(self) -> None:
        notebook = self._selected()
        if notebook is None or not self.gate_allows("notebook-stop", notebook.name):
            return
        name = notebook.name
        if notebook.status not in STOPPABLE:
            notify(
                self,
                f"notebook {name} is {notebook.status}: only InService instances can be stopped",
                severity="warning",
            )
            return
        dialog = ConfirmDialog(
            "Stop notebook instance?",
            f"{name} stops: running kernels and unsaved work in Jupyter are lost; the "
            "files on its volume are kept.",
            change=("notebook-stop", name),
            confirm_label="Stop",
        )
        self.ask(dialog, lambda: self._run("stop", name), what=f"stop {name}")

    def action_delete(self) -> None:
        notebook = self._selected()
        if notebook is None or not self.gate_allows("notebook-delete", notebook.name):
            return
        name = notebook.name
        if notebook.status not in DELETABLE_STATUSES:
            notify(
                self,
                f"notebook {name} is {notebook.status}: only Stopped or Failed instances can "
                "be deleted; stop it first (ctrl+k)",
                severity="warning",
                title="not deleted",
            )
            return
        dialog = ConfirmDialog(
            "Delete notebook instance?",
            f"{name} and its volume (every file on it) are deleted for good.",
            change=("notebook-delete", name),
            confirm_label="Delete",
            typed_name=name,
        )
        self.ask(dialog, lambda: self._run("delete", name), what=f"delete {name}")

    def _run(self, verb: str, name: str) -> None:
        service = console_host(self).context.notebooks
        work = {
            "start": service.start_notebook,
            "stop": service.stop_notebook,
            "delete": service.delete_notebook,
        }[verb]
        done_text = {"start": "starting", "stop": "stopping", "delete": "deleting"}[verb]

        def done(_none: Any) -> None:
            notify(self, f"notebook {name} is {done_text}", title=f"{verb} requested")

        self.run_change(f"{verb} {name}", lambda: work(name), done)

    # --- palette -------------------------------------------------------------------------
    def palette_commands(self) -> list[PaletteCommand]:
        return [
            self.palette_command("Notebooks: filter", "filter the notebooks table (/)", "filter"),
            self.palette_command("Notebooks: refresh now", "list notebooks again (r)", "refresh"),
            self.palette_command(
                "Notebooks: open URL", "show and copy the selected notebook's URL (o)", "open"
            ),
            self.palette_command(
                "Notebooks: start selected", "start the notebook instance (t)", "start"
            ),
            self.palette_command(
                "Notebooks: stop selected", "stop the notebook instance (ctrl+k)", "stop"
            ),
            self.palette_command(
                "Notebooks: delete selected", "delete the notebook instance (ctrl+d)", "delete"
            ),
        ]
