"""Tables of the SageMaker Experiments screens: experiments, trials, trial components.

Same :class:`KeyedTable` contract as every other table (keyed rows, `/` filter per
column, `s` sort). The components table shows what an operator scans a trial for: status,
the job it records, when it ran, and its metrics' last values; parameters and the full
metric summaries are one `enter` away (the component detail screen).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from textual.binding import Binding

from console.services.experiments import Experiment, Trial, TrialComponent
from screens.kit.formatting import MISSING, format_duration, format_time
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

# Metrics shown in the components table's Metrics column (the rest in the detail).
METRICS_SHOWN = 4


def source_label(component: TrialComponent) -> str:
    """``training my-job`` for a job source, else the source's type, else nothing."""
    job = component.source_job
    if job is not None:
        return f"{job[0]} {job[1]}"
    if component.source_arn:
        return component.source_arn.rsplit(":", 1)[-1]
    return ""


def metrics_label(component: TrialComponent) -> str:
    """``loss=0.123 acc=0.91``: the last value of each metric (a few of them)."""
    shown = [f"{m.name}={m.last:.4g}" for m in component.metrics if m.last is not None]
    more = len(shown) - METRICS_SHOWN
    return " ".join(shown[:METRICS_SHOWN]) + (f" +{more}" if more > 0 else "")


class _Record(Protocol):
    """What experiments and trials share (their tables show the same columns)."""

    @property
    def name(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def source_arn(self) -> str: ...
    @property
    def created(self) -> datetime | None: ...
    @property
    def modified(self) -> datetime | None: ...


R = TypeVar("R", bound=_Record)


def _columns(label: str) -> tuple[TableColumn, ...]:
    return (
        TableColumn("name", label, flex=True),
        TableColumn("source", "Source", compact_width=12, hide_when_compact=True),
        TableColumn("created", "Created", compact_width=11, descending_first=True),
        TableColumn("modified", "Last update", compact_width=11, descending_first=True),
    )


class _NamedTable(KeyedTable[R]):
    """Experiments or trials, newest first: name, source, created, last update."""

    DEFAULT_SORT = "created"

    def key_of(self, item: R) -> str:
        return item.name

    def cell_values(self, item: R, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.display_name,
            "source": item.source_arn.rsplit(":", 1)[-1] if item.source_arn else MISSING,
            "created": format_time(item.created, compact=self.compact),
            "modified": format_time(item.modified, compact=self.compact),
        }

    def filter_fields(self, item: R) -> Mapping[str, str]:
        return {"name": f"{item.name} {item.display_name}", "source": item.source_arn}

    def sort_value(self, item: R, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "created":
            return (item.created or epoch(), item.name)
        if column == "modified":
            return (item.modified or epoch(), item.name)
        if column == "source":
            return (item.source_arn, item.name)
        return (item.display_name.lower(),)


class SmExperimentsTable(_NamedTable[Experiment]):
    """SageMaker Experiments, newest first."""

    BINDINGS = [Binding("enter", "select_cursor", "Trials", id="sm_experiments.open")]
    COLUMNS = _columns("Experiment")

    def filter_fields(self, item: Experiment) -> Mapping[str, str]:
        return {**super().filter_fields(item), "description": item.description}


class TrialsTable(_NamedTable[Trial]):
    """One experiment's trials, newest first."""

    BINDINGS = [Binding("enter", "select_cursor", "Components", id="sm_trials.open")]
    COLUMNS = _columns("Trial")


class ComponentsTable(KeyedTable[TrialComponent]):
    """One trial's components: status, source job, timing, metrics' last values."""

    BINDINGS = [Binding("enter", "select_cursor", "Details", id="sm_components.open")]
    COLUMNS = (
        TableColumn("name", "Component", flex=True),
        TableColumn("status", "Status", compact_width=10),
        TableColumn("source", "Source job", compact_width=16, hide_when_compact=True),
        TableColumn("start", "Start", compact_width=11, descending_first=True),
        TableColumn("duration", "Duration", compact_width=8, descending_first=True),
        TableColumn("metrics", "Metrics (last)", compact_width=20),
    )
    DEFAULT_SORT = "start"
    COMPACT_WIDTH = 110

    def key_of(self, item: TrialComponent) -> str:
        return item.name

    def cell_values(self, item: TrialComponent, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.display_name,
            "status": item.status or MISSING,
            "source": source_label(item) or MISSING,
            "start": format_time(item.started or item.created, compact=self.compact),
            "duration": format_duration(item.duration_seconds),
            "metrics": metrics_label(item) or MISSING,
        }

    def filter_fields(self, item: TrialComponent) -> Mapping[str, str]:
        return {
            "name": f"{item.name} {item.display_name}",
            "status": item.status,
            "source": item.source_arn,
            "metrics": " ".join(m.name for m in item.metrics),
            "params": " ".join(item.parameters),
        }

    def sort_value(self, item: TrialComponent, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "start":
            return (item.started or item.created or epoch(), item.name)
        if column == "duration":
            return (item.duration_seconds or 0.0, item.name)
        if column == "status":
            return (item.status, item.name)
        if column == "source":
            return (source_label(item), item.name)
        if column == "metrics":
            return (metrics_label(item), item.name)
        return (item.display_name.lower(),)
