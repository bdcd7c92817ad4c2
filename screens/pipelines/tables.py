"""Tables of the Pipelines tab: pipelines, one pipeline's executions, one execution's steps.

Same :class:`KeyedTable` contract as every other table (keyed rows, `/` filter per
column, `s` sort). At 80 columns each keeps what an operator scans for: the status, when,
how long, and (steps) why it failed and whether the cache answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from console.services.pipelines import Execution
from screens.kit.formatting import MISSING, format_duration, format_time
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

if TYPE_CHECKING:
    from console.services.pipelines import ExecutionStep, ExecutionSummary
    from console.services.pipelines_feed import PipelineRow


def parameters_label(execution: Execution | ExecutionSummary) -> str:
    """``Epochs=12 TrainInstanceType=ml.m5.xlarge`` (described executions only)."""
    if not isinstance(execution, Execution):
        return ""
    return " ".join(f"{name}={value}" for name, value in execution.parameters)


def execution_duration(execution: Execution | ExecutionSummary) -> float | None:
    return execution.duration_s if isinstance(execution, Execution) else None


def started_by(execution: Execution | ExecutionSummary) -> str:
    """The Studio user or the IAM identity, shortened to its last path part."""
    if not isinstance(execution, Execution) or not execution.started_by:
        return ""
    return execution.started_by.rsplit("/", 1)[-1]


def step_job_label(step: ExecutionStep) -> str:
    return f"{step.job_type} {step.job_name}" if step.job_name else ""


class PipelinesTable(KeyedTable["PipelineRow"]):
    """Pipelines, the newest run first: its status and when it started."""

    BINDINGS = [Binding("enter", "select_cursor", "Executions", id="pipelines.open")]
    COLUMNS = (
        TableColumn("name", "Pipeline", flex=True),
        TableColumn("status", "Last run", compact_width=10),
        TableColumn("started", "Started", compact_width=11, descending_first=True),
        TableColumn("created", "Created", compact_width=11, descending_first=True),
        TableColumn("description", "Description", hide_when_compact=True),
    )
    DEFAULT_SORT = "started"
    COMPACT_WIDTH = 110

    def key_of(self, item: PipelineRow) -> str:
        return item.name

    def cell_values(self, item: PipelineRow, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.last_status or MISSING,
            "started": format_time(item.last_started, compact=self.compact),
            "created": format_time(item.pipeline.created, compact=self.compact),
            "description": item.pipeline.description or MISSING,
        }

    def filter_fields(self, item: PipelineRow) -> Mapping[str, str]:
        return {
            "name": f"{item.name} {item.pipeline.display_name}",
            "status": item.last_status,
            "description": item.pipeline.description,
        }

    def sort_value(self, item: PipelineRow, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "started":
            return (item.last_started or epoch(), item.name)
        if column == "created":
            return (item.pipeline.created or epoch(), item.name)
        if column == "status":
            return (item.last_status, item.name)
        if column == "description":
            return (item.pipeline.description, item.name)
        return (item.name.lower(),)


class ExecutionsTable(KeyedTable["Execution | ExecutionSummary"]):
    """One pipeline's executions, newest first."""

    BINDINGS = [Binding("enter", "select_cursor", "Steps", id="pipeline_executions.open")]
    COLUMNS = (
        TableColumn("name", "Execution", flex=True),
        TableColumn("status", "Status", compact_width=9),
        TableColumn("started", "Started", compact_width=11, descending_first=True),
        TableColumn("duration", "Duration", compact_width=8, descending_first=True),
        TableColumn("by", "Started by", compact_width=12, hide_when_compact=True),
        TableColumn("parameters", "Parameters", compact_width=16),
    )
    DEFAULT_SORT = "started"
    COMPACT_WIDTH = 110

    def key_of(self, item: Execution | ExecutionSummary) -> str:
        return item.arn

    def cell_values(self, item: Execution | ExecutionSummary, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.display_name or item.arn.rsplit("/", 1)[-1],
            "status": item.status or MISSING,
            "started": format_time(item.started, compact=self.compact),
            "duration": format_duration(execution_duration(item)),
            "by": started_by(item) or MISSING,
            "parameters": parameters_label(item) or MISSING,
        }

    def filter_fields(self, item: Execution | ExecutionSummary) -> Mapping[str, str]:
        return {
            "name": f"{item.display_name} {item.arn}",
            "status": item.status,
            "by": started_by(item),
            "parameters": parameters_label(item),
            "reason": item.failure_reason,
        }

    def sort_value(
        self, item: Execution | ExecutionSummary, column: str, now: datetime
    ) -> tuple[Any, ...]:
        if column == "started":
            return (item.started or epoch(), item.arn)
        if column == "duration":
            return (execution_duration(item) or 0.0, item.arn)
        if column == "status":
            return (item.status, item.arn)
        if column == "by":
            return (started_by(item), item.arn)
        if column == "parameters":
            return (parameters_label(item), item.arn)
        return (item.display_name.lower(), item.arn)


class StepsTable(KeyedTable["ExecutionStep"]):
    """An execution's steps in the order they ran; the failure reason beside the status."""

    BINDINGS = [Binding("enter", "select_cursor", "Open job", id="pipeline_steps.open")]
    COLUMNS = (
        TableColumn("name", "Step", flex=True),
        TableColumn("status", "Status", compact_width=9),
        TableColumn("start", "Start", compact_width=11),
        TableColumn("end", "End", compact_width=11, hide_when_compact=True),
        TableColumn("duration", "Duration", compact_width=8, descending_first=True),
        TableColumn("cache", "Cache", compact_width=5),
        TableColumn("job", "Job", compact_width=14, hide_when_compact=True),
        TableColumn("reason", "Failure reason", compact_width=14),
    )
    DEFAULT_SORT = "start"
    COMPACT_WIDTH = 120
    # At 80 columns the failure reason must stay: step names are short ("Train").
    MIN_FLEX_WIDTH = 12

    def key_of(self, item: ExecutionStep) -> str:
        return item.name

    def cell_values(self, item: ExecutionStep, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.display_name or item.name,
            "status": item.status or MISSING,
            "start": format_time(item.started, compact=self.compact),
            "end": format_time(item.ended, compact=self.compact),
            "duration": format_duration(item.duration_s),
            "cache": "hit" if item.cache_hit else MISSING,
            "job": step_job_label(item) or MISSING,
            "reason": item.failure_reason or MISSING,
        }

    def filter_fields(self, item: ExecutionStep) -> Mapping[str, str]:
        return {
            "name": f"{item.name} {item.display_name} {item.step_type}",
            "status": item.status,
            "job": step_job_label(item),
            "reason": item.failure_reason,
            "cache": "hit" if item.cache_hit else "",
        }

    def sort_value(self, item: ExecutionStep, column: str, now: datetime) -> tuple[Any, ...]:
        if column in ("start", "end"):
            value = item.started if column == "start" else item.ended
            return (value or epoch(), item.name)
        if column == "duration":
            return (item.duration_s or 0.0, item.name)
        if column == "status":
            return (item.status, item.name)
        if column == "cache":
            return (item.cache_hit, item.name)
        if column == "job":
            return (step_job_label(item), item.name)
        if column == "reason":
            return (item.failure_reason, item.name)
        return (item.name.lower(),)
