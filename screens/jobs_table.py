"""The Jobs table: keyed rows updated in place, so cursor, sort and filter survive polls.

A refresh never clears the table. Rows are keyed ``kind:name``; on each snapshot only the
rows that appeared, disappeared or whose shown text changed are touched (``add_row``,
``remove_row``, ``update_cell``), inside one ``batch_update``. The cursor follows its row
by key, not by index, so a new job arriving above it does not move the selection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from screens.formatting import (
    StatusPalette,
    elapsed_seconds,
    format_duration,
    format_time,
)
from screens.row_filter import RowFilter

if TYPE_CHECKING:
    from console.services.jobs import JobSummary

# (column key, label); the secondary-status column is dropped on narrow screens.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("type", "Type"),
    ("name", "Name"),
    ("status", "Status"),
    ("secondary", "Secondary"),
    ("created", "Created"),
    ("duration", "Duration"),
)
COLUMN_KEYS = tuple(key for key, _ in COLUMNS)
COMPACT_HIDDEN = frozenset({"secondary"})
# Below this width the table switches to short labels and hides the Secondary column.
COMPACT_WIDTH = 90
KIND_LABELS = {"training": "Training", "processing": "Processing", "tuning": "Tuning"}
KIND_SHORT = {"training": "train", "processing": "proc", "tuning": "tune"}
_KIND_BY_LABEL = {
    label: kind for table in (KIND_LABELS, KIND_SHORT) for kind, label in table.items()
}
# Columns whose natural order is newest/longest first.
_DESCENDING_FIRST = frozenset({"created", "duration"})


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


@dataclass(frozen=True)
class SortOrder:
    column: str = "created"
    reverse: bool = True

    def cycled(self) -> SortOrder:
        """The next column, in its natural direction (`s`)."""
        index = (COLUMN_KEYS.index(self.column) + 1) % len(COLUMN_KEYS)
        column = COLUMN_KEYS[index]
        return SortOrder(column, column in _DESCENDING_FIRST)

    def flipped(self) -> SortOrder:
        return SortOrder(self.column, not self.reverse)

    def describe(self) -> str:
        return f"{dict(COLUMNS)[self.column]} {'↓' if self.reverse else '↑'}"


class JobsTable(DataTable[Any]):
    """Training, processing and tuning jobs in one table."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Describe", id="jobs.describe"),
    ]

    def __init__(
        self,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._now = now
        self._jobs: dict[str, JobSummary] = {}
        self._shown: dict[str, tuple[str, ...]] = {}
        self._columns: tuple[str, ...] = ()
        self._layout: tuple[bool, int | None] | None = None
        self.row_filter = RowFilter()
        self.ordering = SortOrder()
        self.palette = StatusPalette()

    # --- what is shown -------------------------------------------------------------------
    @property
    def total_count(self) -> int:
        return len(self._jobs)

    @property
    def shown_count(self) -> int:
        return len(self._shown)

    @property
    def jobs(self) -> dict[str, JobSummary]:
        return self._jobs

    def shown_keys(self) -> list[str]:
        """Row keys in display order."""
        return [str(row.key.value) for row in self.ordered_rows]

    def cursor_job(self) -> JobSummary | None:
        if not self._shown or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key
        except Exception:
            return None
        return self._jobs.get(str(key.value))

    # --- layout ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._apply_layout(self._layout_for(self.size.width or 80))

    def on_resize(self) -> None:
        layout = self._layout_for(self.size.width)
        if layout != self._layout:
            self._apply_layout(layout)

    def _layout_for(self, width: int) -> tuple[bool, int | None]:
        compact = width < COMPACT_WIDTH
        if not compact:
            return (False, None)
        # Type 5, Status 10, Created 11, Duration 6, 2 cells padding each, scrollbar 2.
        fixed = 5 + 10 + 11 + 6 + 2 * 5 + 2
        return (True, max(16, width - fixed))

    @property
    def compact(self) -> bool:
        return bool(self._layout and self._layout[0])

    def _apply_layout(self, layout: tuple[bool, int | None]) -> None:
        cursor = self.cursor_job()
        self._layout = layout
        compact, name_width = layout
        self.clear(columns=True)
        self._shown.clear()
        self._columns = tuple(k for k in COLUMN_KEYS if not (compact and k in COMPACT_HIDDEN))
        for key in self._columns:
            width = name_width if key == "name" else None
            self.add_column(dict(COLUMNS)[key], key=key, width=width)
        self.sync(keep=job_key(cursor) if cursor else None)

    # --- rows --------------------------------------------------------------------------------
    def _cells(self, job: JobSummary, now: datetime) -> tuple[tuple[str, ...], list[Text]]:
        labels = KIND_SHORT if self.compact else KIND_LABELS
        values = {
            "type": labels.get(job.kind, job.kind),
            "name": job.name,
            "status": job.status,
            "secondary": job.secondary_status or "-",
            "created": format_time(job.created, compact=self.compact),
            "duration": format_duration(elapsed_seconds(job.created, job.ended, now)),
        }
        plain = tuple(values[key] for key in self._columns)
        cells = [
            self.palette.text(job.status)
            if key == "status"
            else Text(values[key], no_wrap=True, overflow="ellipsis", end="")
            for key in self._columns
        ]
        return plain, cells

    def sync(self, jobs: Iterable[JobSummary] | None = None, *, keep: str | None = None) -> None:
        """Make the rows match ``jobs`` (or the jobs already known) under filter and sort."""
        if jobs is not None:
            self._jobs = {job_key(job): job for job in jobs}
        if not self._columns:
            return
        keep = keep or self._cursor_key()
        now = self._now()
        wanted = [k for k, job in self._jobs.items() if self.row_filter.matches(filter_fields(job))]
        wanted_set = set(wanted)
        resort = False
        with self.app.batch_update():
            for key in [k for k in self._shown if k not in wanted_set]:
                self.remove_row(key)
                del self._shown[key]
            for key in wanted:
                plain, cells = self._cells(self._jobs[key], now)
                old = self._shown.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                    resort = True
                elif old != plain:
                    for index, column in enumerate(self._columns):
                        if old[index] != plain[index]:
                            self.update_cell(key, column, cells[index], update_width=True)
                            resort = resort or column == self.ordering.column
                self._shown[key] = plain
            if resort:
                self._sort()
            self._restore_cursor(keep)

    def set_filter(self, row_filter: RowFilter) -> None:
        self.row_filter = row_filter
        self.sync()

    def set_sort(self, order: SortOrder) -> None:
        self.ordering = order
        keep = self._cursor_key()
        self._sort()
        self._restore_cursor(keep)

    def set_palette(self, palette: StatusPalette) -> None:
        """Re-colour the status cells after a theme change."""
        self.palette = palette
        if "status" not in self._columns:
            return
        with self.app.batch_update():
            for key in self._shown:
                self.update_cell(key, "status", palette.text(self._jobs[key].status))

    # --- sorting and cursor ---------------------------------------------------------------
    def _sort(self) -> None:
        if not self._shown:
            return
        column = self.ordering.column
        jobs = self._jobs
        labels_to_kind = _KIND_BY_LABEL
        now = self._now()

        def sort_key(cells: tuple[Text, Text]) -> tuple[Any, ...]:
            kind = labels_to_kind.get(cells[0].plain, cells[0].plain)
            job = jobs[f"{kind}:{cells[1].plain}"]
            return _sort_value(job, column, now)

        self.sort("type", "name", key=sort_key, reverse=self.ordering.reverse)

    def _cursor_key(self) -> str | None:
        job = self.cursor_job()
        return job_key(job) if job else None

    def _restore_cursor(self, key: str | None) -> None:
        if key is None or key not in self._shown:
            return
        index = self.get_row_index(key)
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)


def _sort_value(job: JobSummary, column: str, now: datetime) -> tuple[Any, ...]:
    epoch = datetime.min.replace(tzinfo=UTC)
    if column == "created":
        return (job.created or epoch, job.name)
    if column == "duration":
        return (elapsed_seconds(job.created, job.ended, now) or 0.0, job.name)
    if column == "type":
        return (job.kind, job.name)
    if column == "status":
        return (job.status, job.name)
    if column == "secondary":
        return (job.secondary_status, job.name)
    return (job.name.lower(),)
