"""The Pipelines tab: SageMaker Pipelines, their executions and steps.

Its own tab, not a mode of Jobs: a pipeline is a level above jobs (an execution runs
several, some from the cache, some no job at all), and at 80x24 the Jobs table has no
column to spare for a pipeline's status, executions and parameters. The link stays one
key away: `enter` on a step opens the job it ran over the Jobs tab.

pipelines (last run's status) -> `enter` executions (status, started, duration, who
started it, parameters) -> `enter` steps (status, start/end, cache hit, failure reason)
-> `enter` the step's job. `t` starts an execution with parameters (a form with the
declared defaults), `ctrl+k` stops one, `R` retries a failed one: refused up front in
read-only mode, confirmed, sent through the gated service (see
:mod:`screens.pipelines.actions`). `/` filters, `s`/`S` sort, `r` refreshes.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from console.services.pipelines import pipeline_of_execution
from console.services.pipelines_feed import PipelinesSnapshot, fetch_pipelines
from screens.kit.filter_bar import FilterBar
from screens.kit.host import console_host
from screens.kit.messages import Listed
from screens.kit.navigation import PipelineExecutionTarget
from screens.kit.palette import PaletteCommand
from screens.kit.plain import notify
from screens.kit.poller import Poller, schedule_for
from screens.pipelines.actions import PipelineActions
from screens.pipelines.executions import ExecutionsScreen, StepsScreen
from screens.pipelines.tables import PipelinesTable

if TYPE_CHECKING:
    from console.config import Config


class PipelinesView(PipelineActions):
    """Everything on the Pipelines tab."""

    NOUN = "pipelines"
    TAB = "pipelines"
    BINDINGS = [
        Binding("t", "start", "Start", id="pipelines.start"),
        Binding("slash", "filter", "Filter", id="pipelines.filter"),
        Binding("s", "sort", "Sort", id="pipelines.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="pipelines.sort_reverse"),
        Binding("r", "refresh", "Refresh", id="pipelines.refresh"),
    ]

    def __init__(self, config: Config, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.snapshot: PipelinesSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield PipelinesTable(id="pipelines-table")
        bar = FilterBar(id="pipelines-filter")
        bar.display = False
        yield bar
        yield Poller[PipelinesSnapshot](
            "pipelines",
            fetch_pipelines,
            transitional=lambda snapshot: snapshot.transitional,
            schedule=schedule_for(self.config.poll, "jobs"),
            id="pipelines-poller",
        )
        yield Static(Content("loading pipelines…"), id="pipelines-info", classes="view-info")

    # --- polling -----------------------------------------------------------------------
    @on(Listed)
    def _listed(self, message: Listed[PipelinesSnapshot]) -> None:
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
        if self.snapshot is None:
            return []
        return [f"updated {self.snapshot.fetched_at.astimezone():%H:%M:%S}"]

    # --- open / start --------------------------------------------------------------------
    def open_item(self, key: str) -> None:
        if key in self.table.items:
            self.app.push_screen(ExecutionsScreen(key, self.config))

    def go_to(self, target: Any) -> None:
        """A jump from another tab (a job's detail names the execution that made it): the
        execution's steps over this tab, its pipeline's row highlighted for Back."""
        if not isinstance(target, PipelineExecutionTarget):
            return
        pipeline = pipeline_of_execution(target.arn)
        with contextlib.suppress(KeyError):  # not listed yet, or hidden by the filter
            self.table.move_cursor(row=self.table.get_row_index(pipeline))
        self.app.push_screen(StepsScreen(target.arn, self.config))

    def action_start(self) -> None:
        row = self.table.cursor_item()
        if row is None:
            notify(self, "no pipeline selected", severity="warning", timeout=3)
            return
        self.start_pipeline(row.name)

    # --- palette -------------------------------------------------------------------------
    def palette_commands(self) -> list[PaletteCommand]:
        return [
            self.palette_command("Pipelines: filter", "filter the pipelines (/)", "filter"),
            self.palette_command("Pipelines: refresh now", "list pipelines again (r)", "refresh"),
            self.palette_command(
                "Pipelines: start an execution",
                "start the selected pipeline with parameters (t)",
                "start",
            ),
        ]
