"""The Jobs table: training, processing and tuning jobs, keyed ``kind:name``.

The in-place update machinery (keyed rows, cursor by key, filter and sort surviving
polls) is :class:`screens.kit.keyed_table.KeyedTable`; this module says how a job looks.

Beside the listing's columns, the extras of :mod:`console.services.job_extras` (read
after each listing, in their own worker): the utilisation of running jobs (compact at
every width, ``g49%!``: the line under the table names the flagged host and what is
wrong, the wide screen's preview has the long form), their cost and the failure reason
(wide screens, in the width the whole names leave; else the reason of the highlighted
row is on the line under the table).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from screens.kit.formatting import elapsed_seconds, format_duration, format_time
from screens.kit.keyed_table import KeyedTable, SortOrder, TableColumn, epoch

if TYPE_CHECKING:
    from console.services.job_extras import JobExtras, JobUsage
    from console.services.jobs import JobSummary

__all__ = ["COLUMNS", "COLUMN_KEYS", "JobsTable", "SortOrder", "filter_fields", "job_key"]

# The fewest cells of a failure reason worth a column ("AlgorithmError: CUDA…").
REASON_MIN = 20
# The Secondary column is dropped on narrow screens.
COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("type", "Type", compact_width=5),
    TableColumn("name", "Name", flex=True),
    TableColumn("status", "Status", compact_width=10),
    TableColumn("secondary", "Secondary", hide_when_compact=True),
    TableColumn("created", "Created", compact_width=11, descending_first=True),
    TableColumn("duration", "Duration", compact_width=6, descending_first=True),
    TableColumn("util", "Util", compact_width=5, descending_first=True),
    # Cost and Reason give way to the names first (the preview and the reason line
    # below the table show them for the highlighted row): Reason takes what the whole
    # names leave, if that is enough to read the start of its first line.
    TableColumn("cost", "Cost", hide_when_compact=True, descending_first=True, min_width=130),
    TableColumn("reason", "Reason", hide_when_compact=True, min_leftover=REASON_MIN),
)
# How the Util cell names a host flag (console.services.cloudwatch.host_flags).
FLAG_WORDS = {"idle-gpu": "idle", "straggler": "slow", "disk-full": "disk"}
# A reason is a paragraph (a traceback): its first line, cut, fits a cell.
REASON_CELL = 40
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


def filter_fields(job: JobSummary, extras: JobExtras | None = None) -> dict[str, str]:
    """What the `/` filter looks at, per column (the kind spelled out, for ``type:tuning``;
    ``reason:memory`` finds the jobs that ran out of it)."""
    return {
        "type": job.kind,
        "name": job.name,
        "status": job.status,
        "secondary": job.secondary_status,
        "util": " ".join(
            FLAG_WORDS.get(f.kind, f.kind)
            for f in (extras.usage.flags if extras and extras.usage else ())
        ),
        "reason": extras.failure_reason if extras else "",
    }


# SageMaker's reason for a script that failed: the useful part is the quoted message.
_ERROR_MESSAGE = re.compile(r'ErrorMessage\s+"([^"\n]*)')
_EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Failure|Interrupt)\b.*")


def reason_headline(text: str, width: int = REASON_CELL, *, category: bool = True) -> str:
    """The part of a failure reason that says what went wrong, on one line, cut to ``width``.

    SageMaker's reason for a failed script starts with a category and a wrapper
    (``AlgorithmError: ExecuteUserScriptError:`` then ``ExitCode 1``), and the error is in
    its ``ErrorMessage "…"`` or, for a traceback, on the traceback's last line: a cell
    showing the first line read ``AlgorithmError: Exe…`` for every failed script. The
    category is kept in front (``AlgorithmError: torch.OutOfMemoryError: CUDA out…``)
    unless ``category`` is False: the Reason cell is narrow (``KeyError: 'label'``).
    """
    lines = [part.strip() for part in text.splitlines() if part.strip()]
    if not lines:
        return ""
    line = lines[0]
    kind = line.split(":", 1)[0] if ":" in line and category else ""
    error = ""
    quoted = _ERROR_MESSAGE.search(text)
    if quoted and quoted.group(1).strip():
        error = quoted.group(1).strip()
    elif any(part.startswith("Traceback (most recent call last)") for part in lines):
        raised = [part for part in lines if _EXCEPTION_LINE.match(part)]
        error = raised[-1] if raised else ""
    if error:
        line = f"{kind}: {error}" if kind else error
    return line if len(line) <= width else line[: width - 1] + "…"


def usage_cell(usage: JobUsage | None, *, compact: bool) -> str:
    """``GPU 88%`` (``g88%``) for the hosts' newest average; CPU when there is no GPU;
    a flagged host says so (``GPU 2% idle``; compact: ``g2%!``; the line under the table
    names the host)."""
    if usage is None:
        return "-"
    gpu = usage.latest("GPUUtilization")
    value, label = (gpu, "GPU") if gpu is not None else (usage.latest("CPUUtilization"), "CPU")
    if value is None:
        return "-"
    if compact:
        return f"{label[0].lower()}{value:.0f}%{'!' if usage.flags else ''}"
    words = sorted({FLAG_WORDS.get(f.kind, f.kind) for f in usage.flags})
    return " ".join([f"{label} {value:.0f}%", *words])


def cost_cell(extras: JobExtras | None) -> str:
    """Dollars so far; ``?`` when the job is known but its price is not."""
    if extras is None or extras.facts is None:
        return "-"
    if extras.usd is None:
        return "?"
    return f"${extras.usd:,.2f}"


class JobsTable(KeyedTable["JobSummary"]):
    """Training, processing and tuning jobs in one table."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Describe", id="jobs.describe"),
    ]
    COLUMNS = COLUMNS
    DEFAULT_SORT = "created"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.extras: dict[str, JobExtras] = {}

    def set_extras(self, extras: Mapping[str, JobExtras]) -> None:
        """New extras (utilisation, cost, reasons): the rows whose extras changed lose
        their cached sort value and filter text, and every row is drawn again."""
        changed = {
            key
            for key in self.extras.keys() | extras.keys()
            if self.extras.get(key) != extras.get(key)
        }
        self.extras = dict(extras)
        if not changed:
            return
        for key in changed:
            self._forget(key)
        self.sync()

    @property
    def jobs(self) -> dict[str, JobSummary]:
        return self.items

    def cursor_job(self) -> JobSummary | None:
        return self.cursor_item()

    def key_of(self, item: JobSummary) -> str:
        return job_key(item)

    def cell_values(self, item: JobSummary, now: datetime) -> Mapping[str, str]:
        labels = KIND_SHORT if self.compact else KIND_LABELS
        extras = self.extras.get(job_key(item))
        return {
            "type": labels.get(item.kind, item.kind),
            "name": item.name,
            "status": item.status,
            "secondary": item.secondary_status or "-",
            "created": format_time(item.created, compact=self.compact),
            "duration": format_duration(elapsed_seconds(item.created, item.ended, now)),
            # Compact at every width (5 cells, not 22): the width goes to Reason.
            "util": usage_cell(extras.usage if extras else None, compact=True),
            "cost": cost_cell(extras),
            "reason": reason_headline(extras.failure_reason, category=False) if extras else "",
        }

    def filter_fields(self, item: JobSummary) -> Mapping[str, str]:
        return filter_fields(item, self.extras.get(job_key(item)))

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
        extras = self.extras.get(job_key(item))
        if column == "util":
            usage = extras.usage if extras else None
            value = None
            if usage is not None:
                value = usage.latest("GPUUtilization")
                value = usage.latest("CPUUtilization") if value is None else value
            return (value is not None, value or 0.0, item.name)
        if column == "cost":
            usd = extras.usd if extras else None
            return (usd is not None, usd or 0.0, item.name)
        if column == "reason":
            return (extras.failure_reason if extras else "", item.name)
        return (item.name.lower(),)
