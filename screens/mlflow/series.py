"""A metric curve as the run detail loads it and the chart draws it (shared by both
without the detail importing the chart, whose textual-plotext import is slow)."""

from __future__ import annotations

from dataclasses import dataclass

from console.mlflow.records import MetricPoint


@dataclass(frozen=True)
class Series:
    """One run's curve of one metric."""

    label: str
    points: tuple[MetricPoint, ...]
