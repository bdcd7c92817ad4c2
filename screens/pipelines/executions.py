"""A pipeline's executions, and one execution's steps: screens over the Pipelines tab.

executions (`enter`) -> steps (`enter` on a step) -> the training/processing/transform
job the step ran, opened over the Jobs tab (these screens close first, so `q` from the
job's detail lands on its row; `l` there shows its logs). `t` starts a new execution
(the form with the declared parameters), `ctrl+k` stops the highlighted (or shown)
execution, `R` retries a failed one; every change asks first. `q`/`escape` go back.

Each screen polls only while it is on top (:class:`PolledScreen`), at the Jobs interval,
faster while anything shown is Executing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from console.services.pipelines import Execution, ExecutionStep
from console.services.pipelines_feed import (
    ExecutionsFeed,
    ExecutionSnapshot,
    ExecutionsSnapshot,
    fetch_execution,
)
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import MISSING, format_duration, format_timestamp
from screens.kit.job_sections import grid
from screens.kit.level_view import LevelView
from screens.kit.navigation import JobTarget, go_to
from screens.kit.plain import notify
from screens.kit.polled_screen import PolledScreen
from screens.pipelines.actions import PipelineActions, execution_label
from screens.pipelines.tables import ExecutionsTable, StepsTable, parameters_label

if TYPE_CHECKING:
    from console.config import Config
    from console.context import ConsoleContext


def open_step_job(node: Widget, step: ExecutionStep | None) -> None:
    """Jump to the job a step ran: its detail, over the Jobs tab (screens closed first)."""
    if step is None:
        notify(node, "no step selected", severity="warning", timeout=3)
        return
    if not step.job_name:
        kind = step.step_type or "this"
        notify(
            node,
            f"step {step.name} ran no job ({kind} step)",
            severity="warning",
            timeout=4,
        )
        return
    app = node.app
    while len(app.screen_stack) > 1:
        app.pop_screen()
    go_to(app.screen_stack[0], "jobs", JobTarget(step.job_type, step.job_name))


def execution_summary(execution: Execution) -> Any:
    """The execution's facts above its steps (status, times, who, parameters, why)."""
    rows: list[tuple[str, str | Text]] = [
        ("Status", execution.status or MISSING),
        (
            "Started",
            f"{format_timestamp(execution.started)} · ran {format_duration(execution.duration_s)}",
        ),
        ("Started by", execution.started_by or MISSING),
        ("Parameters", parameters_label(execution) or "defaults"),
    ]
    if execution.failure_reason:
        rows.insert(1, ("Failure", Text(execution.failure_reason)))
    failed = execution.failed_step
    if failed is not None:
        # The step's own reason (the execution's says only "Step Train failed."): at 80
        # columns the steps table cuts it.
        why = f"{failed.name}: {failed.failure_reason or 'no reason given'}"
        rows.insert(2 if execution.failure_reason else 1, ("Failed step", Text(why)))
    return grid(rows)


class _LevelView(PipelineActions, LevelView):
    """A Pipelines screen's level: the shared drill-down parts and the change keys."""

    LEVEL_CLASS = "pipelines-level"


class ExecutionsView(_LevelView):
    NOUN = "executions"
    RESOURCE = "pipeline-executions"
    BINDINGS = [
        Binding("t", "start", "Start", id="pipeline_executions.start"),
        Binding("ctrl+k", "stop", "Stop", id="pipeline_executions.stop"),
        Binding("R", "retry", "Retry", id="pipeline_executions.retry"),
        Binding("slash", "filter", "Filter", id="pipeline_executions.filter"),
        Binding("s", "sort", "Sort", id="pipeline_executions.sort"),
        Binding(
            "S", "sort_reverse", "Reverse sort", show=False, id="pipeline_executions.sort_reverse"
        ),
        Binding("r", "refresh", "Refresh", id="pipeline_executions.refresh"),
    ]

    def __init__(self, pipeline: str, config: Config) -> None:
        super().__init__(config, id="pipeline-executions-view")
        self.pipeline = pipeline
        self.feed = ExecutionsFeed(pipeline)

    def make_table(self) -> Widget:
        return ExecutionsTable(id="pipeline-executions-table")

    def fetch(self, context: ConsoleContext) -> ExecutionsSnapshot:
        return self.feed.fetch(context)

    def open_item(self, key: str) -> None:
        if key in self.table.items:
            self.app.push_screen(StepsScreen(key, self.config))

    def _selected(self) -> Any:
        item = self.table.cursor_item()
        if item is None:
            notify(self, "no execution selected", severity="warning", timeout=3)
        return item

    def action_start(self) -> None:
        self.start_pipeline(self.pipeline)

    def action_stop(self) -> None:
        if (item := self._selected()) is not None:
            self.stop_execution(item.arn, item.status)

    def action_retry(self) -> None:
        if (item := self._selected()) is not None:
            self.retry_execution(item.arn, item.status)


class StepsView(_LevelView):
    NOUN = "steps"
    RESOURCE = "pipeline-steps"
    BINDINGS = [
        Binding("ctrl+k", "stop", "Stop", id="pipeline_steps.stop"),
        Binding("R", "retry", "Retry", id="pipeline_steps.retry"),
        Binding("slash", "filter", "Filter", id="pipeline_steps.filter"),
        Binding("s", "sort", "Sort", id="pipeline_steps.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="pipeline_steps.sort_reverse"),
        Binding("r", "refresh", "Refresh", id="pipeline_steps.refresh"),
    ]

    def __init__(self, arn: str, config: Config) -> None:
        super().__init__(config, id="pipeline-steps-view")
        self.arn = arn
        self.execution: Execution | None = None

    def make_table(self) -> Widget:
        return StepsTable(id="pipeline-steps-table")

    def fetch(self, context: ConsoleContext) -> ExecutionSnapshot:
        return fetch_execution(context, self.arn)

    def shown(self, snapshot: ExecutionSnapshot) -> None:
        self.execution = snapshot.execution
        screen = self.screen
        if isinstance(screen, StepsScreen):
            screen.show_execution(snapshot.execution)

    def open_item(self, key: str) -> None:
        open_step_job(self, self.table.items.get(key))

    def _status(self) -> str | None:
        if self.execution is None:
            notify(self, "still loading", severity="warning", timeout=2)
            return None
        return self.execution.status

    def action_stop(self) -> None:
        if (status := self._status()) is not None:
            self.stop_execution(self.arn, status)

    def action_retry(self) -> None:
        if (status := self._status()) is not None:
            self.retry_execution(self.arn, status)


class ExecutionsScreen(PolledScreen):
    """One pipeline's executions."""

    def __init__(self, pipeline: str, config: Config) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Pipeline {self.pipeline} · executions"), classes="pipelines-title")
        yield ExecutionsView(self.pipeline, self.config)
        yield ConsoleFooter()


class StepsScreen(PolledScreen):
    """One execution: its facts, then its steps."""

    def __init__(self, arn: str, config: Config) -> None:
        super().__init__()
        self.arn = arn
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static(
            Content(f"Execution {execution_label(self.arn)} · steps"), classes="pipelines-title"
        )
        yield Static(Content("loading…"), id="pipeline-execution-summary")
        yield StepsView(self.arn, self.config)
        yield ConsoleFooter()

    def show_execution(self, execution: Execution) -> None:
        name = execution.display_name or execution_label(execution.arn)
        self.query_one(".pipelines-title", Static).update(
            Content(f"Execution {name} · {execution.status or MISSING}")
        )
        self.query_one("#pipeline-execution-summary", Static).update(execution_summary(execution))
