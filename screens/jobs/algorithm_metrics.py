"""A training job's algorithm metrics (its MetricDefinitions, e.g. ``train:loss``,
``validation:auc``) charted in its detail, without MLflow.

SageMaker publishes what the job's regexes matched in its logs to CloudWatch under the
``TrainingJobs`` namespace. The panel reads nothing itself: the detail screen asks for
these series in the same batched GetMetricData as the hosts' utilisation
(:func:`~console.services.job_extras.job_detail_metrics`: one call per refresh or range)
and hands them here with CloudWatch's timestamps, so the x axis is real time (a job
that logged nothing for a while shows the gap). A metric with no points in the range
still shows its final value when the job reported one (``FinalMetricDataList``).
Metric names come from the job's definition (remote text): every label is made inert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from console.sanitize import inert
from screens.kit.charts import SeriesChart

LABEL_LIMIT = 32
Points = Sequence[tuple[datetime, float]]


def algorithm_series(algorithm: Mapping[str, Points]) -> dict[str, list[tuple[datetime, float]]]:
    """Each defined metric with points as a chart series (inert label -> its points at
    their own times, oldest first)."""
    return {
        inert(name, LABEL_LIMIT): sorted(points) for name, points in algorithm.items() if points
    }


def latest_values(
    algorithm: Mapping[str, Points], finals: Mapping[str, float] | None = None
) -> list[str]:
    """``name: value`` of each defined metric, newest point first, else the job's final
    value (``(final)``); sorted by name, names inert."""
    finals = finals or {}
    shown: list[str] = []
    for name in sorted(algorithm):  # the defined ones (the list holds built-ins too)
        points = algorithm.get(name) or ()
        if points:
            shown.append(f"{inert(name, LABEL_LIMIT)}: {max(points)[1]:.4g}")
        elif name in finals:
            shown.append(f"{inert(name, LABEL_LIMIT)}: {finals[name]:.4g} (final)")
    return shown


class AlgorithmMetricsPanel(Vertical):
    """One chart of every algorithm metric of the job and a line saying what was read."""

    DEFAULT_CSS = """
    AlgorithmMetricsPanel {
        height: auto;
    }
    AlgorithmMetricsPanel #algorithm-hint {
        color: $text-muted;
    }
    """

    def __init__(self, name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.job_name = name
        self.data: dict[str, Points] | None = None
        self.error = ""

    def compose(self) -> ComposeResult:
        yield SeriesChart(id="algorithm-chart")
        yield Static(Content("reading algorithm metrics…"), id="algorithm-hint")

    def show(
        self,
        algorithm: Mapping[str, Points],
        range_label: str,
        finals: Mapping[str, float] | None = None,
    ) -> None:
        """Draw the defined metrics' points (name -> points; ``()``: none in the range)."""
        self.data = dict(algorithm)
        self.error = ""
        defined = len(algorithm)
        empty = (
            "the job defines no metrics (MetricDefinitions)"
            if not defined
            else "no points (the job published none in this range)"
        )
        self.query_one(SeriesChart).show(
            f"algorithm metrics · last {range_label}", algorithm_series(algorithm), empty=empty
        )
        latest = "   ".join(latest_values(algorithm, finals))
        self.query_one("#algorithm-hint", Static).update(
            Content(latest or f"{defined} metric(s) defined, none with points")
        )

    def show_error(self, message: str) -> None:
        self.error = message
        self.query_one("#algorithm-hint", Static).update(
            Content(f"algorithm metrics: {self.error}")
        )
