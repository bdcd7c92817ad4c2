"""The Experiments tab's tables: MLflow experiments, and one experiment's runs.

The runs table's columns are not fixed: the operator picks params/metrics columns (saved
per experiment in the config) and can show "only params that differ". The base
:class:`KeyedTable` reads ``COLUMNS`` from the class; :meth:`RunsTable.set_columns` gives
this one table its own tuple and rebuilds the columns (rows keep their keys, so the
cursor and marks survive).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from textual.binding import Binding

from console.mlflow import columns as cols
from console.mlflow.records import MlflowExperiment, MlflowRun
from screens.kit.formatting import MISSING, format_duration, format_time
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

EXPERIMENT_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("name", "Experiment", flex=True),
    TableColumn("id", "ID", compact_width=6),
    TableColumn("runs", "Runs", compact_width=6, descending_first=True),
    TableColumn("updated", "Last update", compact_width=11, descending_first=True),
)

RUN_BASE_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("name", "Run", flex=True),
    TableColumn("status", "Status", compact_width=9),
    TableColumn("start", "Start", compact_width=11, descending_first=True),
    TableColumn("duration", "Duration", compact_width=8, descending_first=True),
    TableColumn("user", "User", compact_width=10, hide_when_compact=True),
)
MARK = "● "


def status_word(status: str) -> str:
    """MLflow's FINISHED -> Finished, so the shared status colours apply."""
    return status.capitalize() if status else MISSING


def run_column(name: str) -> TableColumn:
    """A picked column: ``params.lr`` shows as ``lr``, ``metrics.loss`` as ``loss``."""
    kind, _, key = name.partition(".")
    label = {"params": "p:", "metrics": "m:", "tags": "t:"}.get(kind, "") + key
    return TableColumn(
        name, label, compact_width=8, descending_first=kind == "metrics", shrink_label=True
    )


class ExperimentsTable(KeyedTable[MlflowExperiment]):
    """MLflow experiments, most recently updated first."""

    BINDINGS = [Binding("enter", "select_cursor", "Runs", id="experiments.open")]
    COLUMNS = EXPERIMENT_COLUMNS
    DEFAULT_SORT = "updated"

    def key_of(self, item: MlflowExperiment) -> str:
        return item.experiment_id

    def cell_values(self, item: MlflowExperiment, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.name,
            "id": item.experiment_id,
            "runs": item.runs_label,
            "updated": format_time(item.last_update, compact=self.compact),
        }

    def filter_fields(self, item: MlflowExperiment) -> Mapping[str, str]:
        return {"name": item.name, "id": item.experiment_id}

    def sort_value(self, item: MlflowExperiment, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "updated":
            return (item.last_update or epoch(), item.name)
        if column == "runs":
            return (item.run_count or 0, item.name)
        if column == "id":
            return (int(item.experiment_id) if item.experiment_id.isdigit() else 0,)
        return (item.name.lower(),)


class RunsTable(KeyedTable[MlflowRun]):
    """One experiment's runs: status, start, duration, user + picked params/metrics."""

    BINDINGS = [Binding("enter", "select_cursor", "Run detail", id="runs.open")]
    COLUMNS = RUN_BASE_COLUMNS
    DEFAULT_SORT = "start"
    COMPACT_WIDTH = 100

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.marked: set[str] = set()
        self._extra: tuple[str, ...] = ()

    # --- columns ------------------------------------------------------------------------
    def column_keys(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(c.key for c in self.COLUMNS)

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """The picked columns (kept, not recomputed: every cell of every poll asks)."""
        return self._extra

    def set_columns(self, extra: Sequence[str]) -> None:
        """Show the base columns plus ``extra`` (``params.x``/``metrics.y``/``tags.z``)."""
        columns = RUN_BASE_COLUMNS + tuple(
            run_column(c) for c in extra if c not in {b.key for b in RUN_BASE_COLUMNS}
        )
        if columns == self.COLUMNS:
            return
        # This table's own column tuple (KeyedTable reads ``self.COLUMNS``).
        self.__dict__["COLUMNS"] = columns
        self._extra = tuple(c.key for c in columns[len(RUN_BASE_COLUMNS) :])
        keys = {c.key for c in columns}
        order = self.ordering
        column = order.column if order.column in keys else self.DEFAULT_SORT
        self.ordering = type(order)(column, order.reverse, columns)
        self.columns_changed()

    # --- marks (for compare) -------------------------------------------------------------
    def toggle_mark(self, key: str) -> bool:
        """Mark/unmark one run; only its row is redrawn (a full sync of 5,000 rows would
        make `space` lag)."""
        if key in self.marked:
            self.marked.discard(key)
        elif key in self.items:
            self.marked.add(key)
        self.redraw_rows([key])
        return key in self.marked

    def marked_runs(self) -> list[MlflowRun]:
        return [self.items[k] for k in self.shown_keys() if k in self.marked]

    def shown_runs(self) -> list[MlflowRun]:
        return [self.items[k] for k in self.shown_keys()]

    # --- cells ---------------------------------------------------------------------------
    def key_of(self, item: MlflowRun) -> str:
        return item.run_id

    def cell_values(self, item: MlflowRun, now: datetime) -> Mapping[str, str]:
        values = {
            "name": (MARK if item.run_id in self.marked else "") + item.label,
            "status": status_word(item.status),
            "start": format_time(item.start, compact=self.compact),
            "duration": format_duration(
                item.duration_seconds
                if item.end or item.start is None
                else (now - item.start).total_seconds()
            ),
            "user": item.user or MISSING,
        }
        for column in self.extra_columns:
            values[column] = cols.text(cols.value(item, column)) or MISSING
        return values

    def filter_fields(self, item: MlflowRun) -> Mapping[str, str]:
        fields = {
            "name": item.label,
            "status": item.status,
            "user": item.user,
            "id": item.run_id,
        }
        for column in self.extra_columns:
            fields[column] = cols.text(cols.value(item, column))
        return fields

    def sort_value(self, item: MlflowRun, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "name":
            return (0, item.label.lower())
        if column == "status":
            return (0, item.status)
        if column == "start":
            return (0, item.start or epoch())
        if column == "duration":
            return (0, item.duration_seconds or 0.0)
        if column == "user":
            return (0, item.user)
        raw = cols.value(item, column)
        if raw is None:
            return (1, 0.0, "")  # missing values sort together
        return (0, *cols.sort_key(raw))
