"""The Jobs table: training, processing and tuning jobs, keyed ``kind:name``.

The in-place update machinery (keyed rows, cursor by key, filter and sort surviving
polls) is :class:`screens.kit.keyed_table.KeyedTable`; this module says how a job looks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from screens.kit.formatting import elapsed_seconds, format_duration, format_time
from screens.kit.keyed_table import KeyedTable, SortOrder, TableColumn, epoch

if TYPE_CHECKING:
    from console.services.jobs import JobSummary

__all__ = ["COLUMNS", "COLUMN_KEYS", "JobsTable", "SortOrder", "filter_fields", "job_key"]

# The Secondary column is dropped on narrow screens.
COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("type", "Type", compact_width=5),
    TableColumn("name", "Name", flex=True),
    TableColumn("status", "Status", compact_width=10),
    TableColumn("secondary", "Secondary", hide_when_compact=True),
    TableColumn("created", "Created", compact_width=11, descending_first=True),
    TableColumn("duration", "Duration", compact_width=6, descending_first=True),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
KIND_LABELS = {
    "training": "Training",
    "processing": "Processing",
    "tuning": "Tuning",
    "xform": "Transform",
}
KIND_SHORT = {"training": "train", "processing": "proc", "tuning": "tune", "xform": "xform"}


def job_key(job: JobSummary) -> str:
    return f"{job.kind}:{job.name}"


def filter_fields(job: JobSummary) -> dict[str, str]:
    """What the `/` filter looks at, per column (the kind spelled out, for ``type:tuning``)."""
    return {
        "type": job.kind,
        "name": job.name,
        "status": job.status,
        "secondary": job.secondary_status,
    }


class JobsTable(KeyedTable["JobSummary"]):
    """Training, processing and tuning jobs in one table."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Describe", id="jobs.describe"),
    ]
    COLUMNS = COLUMNS
    DEFAULT_SORT = "created"

    @property
    def jobs(self) -> dict[str, JobSummary]:
        return self.items

    def cursor_job(self) -> JobSummary | None:
        return self.cursor_item()

    def key_of(self, item: JobSummary) -> str:
        return job_key(item)

    def cell_values(self, item: JobSummary, now: datetime) -> Mapping[str, str]:
        labels = KIND_SHORT if self.compact else KIND_LABELS
        return {
            "type": labels.get(item.kind, item.kind),
            "name": item.name,
            "status": item.status,
            "secondary": item.secondary_status or "-",
            "created": format_time(item.created, compact=self.compact),
            "duration": format_duration(elapsed_seconds(item.created, item.ended, now)),
        }

    def filter_fields(self, item: JobSummary) -> Mapping[str, str]:
        return filter_fields(item)

    def sort_value(self, item: JobSummary, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "created":
            return (item.created or epoch(), item.name)
        if column == "duration":
            return (elapsed_seconds(item.created, item.ended, now) or 0.0, item.name)
        if column == "type":
            return (item.kind, item.name)
        if column == "status":
            return (item.status, item.name)
        if column == "secondary":
            return (item.secondary_status, item.name)
        return (item.name.lower(),)
