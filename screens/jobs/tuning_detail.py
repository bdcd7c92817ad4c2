"""A tuning job's detail: its training jobs ranked by the objective, best first.

The ranking is :func:`console.services.tuning.rank_trials` (the CLI's ``tuning-describe``
prints the same). The trials are a keyed table: ``enter`` opens a training job's own
detail (``q`` comes back here). Below it, the objective of each finished trial over time
with the best value so far, so an operator sees whether the search still improves.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from console.services.tuning import TuningDetail, TuningTrial
from screens.kit.formatting import (
    MISSING,
    StatusPalette,
    elapsed_seconds,
    format_duration,
    format_timestamp,
)
from screens.kit.job_sections import grid, section
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

BEST = "★"
# Rows shown before the trials table scrolls (the chart and the rest stay reachable).
MAX_VISIBLE_TRIALS = 10


def objective_text(value: float | None) -> str:
    return MISSING if value is None else f"{value:.6g}"


def differing_text(trial: TuningTrial) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(trial.differing.items())) or MISSING


class TuningTrialsTable(KeyedTable[TuningTrial]):
    """The trials, best first; ``enter`` opens one (the screen handles RowSelected)."""

    COLUMNS = (
        TableColumn("rank", "#", compact_width=4),
        TableColumn("name", "Training job", flex=True),
        TableColumn("objective", "Objective", compact_width=9, descending_first=True),
        TableColumn("status", "Status", compact_width=9),
        TableColumn("differing", "Differs", compact_width=18, shrink_label=True),
    )
    DEFAULT_SORT = "rank"
    COMPACT_WIDTH = 0  # the short forms are the only forms: a rank, a number, a status

    def key_of(self, item: TuningTrial) -> str:
        return item.name

    def cell_values(self, item: TuningTrial, now: datetime) -> Mapping[str, str]:
        return {
            "rank": f"{item.rank}{BEST if item.best else ''}",
            "name": item.name,
            "objective": objective_text(item.objective),
            "status": item.status,
            "differing": differing_text(item),
        }

    def filter_fields(self, item: TuningTrial) -> Mapping[str, str]:
        return {"name": item.name, "status": item.status, "differing": differing_text(item)}

    def sort_value(self, item: TuningTrial, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "objective":
            return (item.objective is not None, item.objective or 0.0, item.name)
        if column == "status":
            return (item.status, item.rank)
        if column == "name":
            return (item.name.lower(),)
        if column == "differing":
            return (differing_text(item), item.rank)
        return (item.rank, item.created or epoch())


def objective_points(detail: TuningDetail) -> dict[str, list[tuple[datetime, float]]]:
    """Each trial's objective at its end (creation if it has none), and the best so far
    (by the objective's direction)."""
    maximize = detail.objective_type.lower() == "maximize"
    points = sorted(
        (trial.ended or trial.created, trial.objective)
        for trial in detail.trials
        if trial.objective is not None and (trial.ended or trial.created) is not None
    )
    trials: list[tuple[datetime, float]] = []
    best: list[tuple[datetime, float]] = []
    for moment, value in points:
        assert moment is not None and value is not None  # filtered above
        trials.append((moment, value))
        if not best:
            best.append((moment, value))
        else:
            last = best[-1][1]
            best.append((moment, max(last, value) if maximize else min(last, value)))
    return {"trial": trials, "best so far": best} if trials else {}


def tuning_widgets(detail: TuningDetail, palette: StatusPalette) -> list[Widget]:
    """The sections of a tuning job's detail: reason, summary, warm start, ranked trials
    (a table), and the objective chart."""
    job = detail.job
    best = next((t for t in detail.trials if t.best), None)
    objective = f"{detail.objective_metric} ({detail.objective_type or '?'})"
    widgets: list[Widget] = []
    if job.failure_reason:
        widgets += section("Failure reason", job.failure_reason, classes="failure")
    widgets += section(
        "Summary",
        grid(
            [
                ("Status", palette.text(job.status)),
                ("Objective", objective),
                ("Best", f"{best.name} = {objective_text(best.objective)}" if best else MISSING),
                ("Strategy", job.strategy),
                ("Created", format_timestamp(job.created)),
                ("Elapsed", format_duration(elapsed_seconds(job.created, job.ended))),
                (
                    "Counts",
                    ", ".join(f"{k} {v}" for k, v in sorted(job.counters.items())) or MISSING,
                ),
            ]
        ),
    )
    if detail.warm_start_parents:
        widgets += section(
            "Warm start",
            grid(
                [
                    ("Type", detail.warm_start_type),
                    ("Parents", ", ".join(detail.warm_start_parents)),
                ]
            ),
        )
    title = f"Training jobs by {detail.objective_metric or 'objective'}, best first"
    widgets.append(Static(Content(f"{title} (enter: open)"), classes="section-title"))
    if detail.trials_unavailable:
        widgets.append(Static(Content(detail.trials_unavailable), classes="section-body"))
    elif not detail.trials:
        widgets.append(Static(Content("no training jobs yet"), classes="section-body"))
    else:
        table = TuningTrialsTable(id="tuning-trials")
        table.styles.height = min(len(detail.trials), MAX_VISIBLE_TRIALS) + 1
        table.set_palette(palette)
        widgets.append(table)
        from screens.kit.charts import SeriesChart  # plotext: only when a chart is shown

        chart = SeriesChart(id="tuning-objective", classes="section-body")
        widgets.append(chart)
    return widgets


def fill_tuning(screen: Widget, detail: TuningDetail) -> None:
    """Rows and chart, once mounted (the table measures, plotext needs its size)."""
    from screens.kit.charts import SeriesChart

    for table in screen.query("#tuning-trials").results(TuningTrialsTable):
        table.sync(detail.trials)
    for chart in screen.query("#tuning-objective").results(SeriesChart):
        chart.show(
            f"{detail.objective_metric} per trial",
            objective_points(detail),
            empty="no trial has an objective value yet",
        )
