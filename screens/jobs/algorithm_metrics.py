"""A training job's algorithm metrics (its MetricDefinitions, e.g. ``train:loss``,
``validation:auc``) charted in its detail, without MLflow.

SageMaker publishes what the job's regexes matched in its logs to CloudWatch under the
``TrainingJobs`` namespace; this panel reads them with the very call the CLI's
``training-metrics`` uses (:meth:`CloudWatchMetricsService.training_metrics`: one
DescribeTrainingJob for the definitions, one batched GetMetricData), once, in a worker.
Metric names come from the job's definition (remote text): every label is made inert.
The records hold one average per period, oldest first (no timestamps), so the chart's x
axis counts periods back from the last point; gaps in the job's output are closed up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from console.sanitize import inert
from screens.kit.charts import SeriesChart
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.errors import SmError
    from console.services.cloudwatch import JobMetrics

SINCE = timedelta(hours=3)
LABEL_LIMIT = 32


def algorithm_series(metrics: JobMetrics, end: datetime) -> dict[str, list[tuple[datetime, float]]]:
    """Each defined metric with points as a chart series (inert label -> points), the last
    point at ``end`` and one period apart."""
    step = timedelta(seconds=metrics.period)
    series: dict[str, list[tuple[datetime, float]]] = {}
    for name, values in metrics.algorithm.items():
        if not values:
            continue
        count = len(values)
        series[inert(name, LABEL_LIMIT)] = [
            (end - step * (count - 1 - i), value) for i, value in enumerate(values)
        ]
    return series


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
        self.data: JobMetrics | None = None
        self.error = ""

    def compose(self) -> ComposeResult:
        yield SeriesChart(id="algorithm-chart")
        yield Static(Content("reading algorithm metrics…"), id="algorithm-hint")

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        name = self.job_name

        def call(context: ConsoleContext) -> JobMetrics:
            return context.cloudwatch.training_metrics(name, since=SINCE)

        run_for_context(
            self, call, done=self._loaded, failed=self._failed, name="algorithm metrics"
        )

    def _loaded(self, data: JobMetrics) -> None:
        self.data = data
        self.error = ""
        series = algorithm_series(data, datetime.now(UTC))
        defined = len(data.algorithm)
        empty = (
            "the job defines no metrics (MetricDefinitions)"
            if not defined
            else "no points (the job published none in this range)"
        )
        self.query_one(SeriesChart).show("algorithm metrics · last 3h", series, empty=empty)
        latest = "   ".join(
            f"{label}: {points[-1][1]:.4g}" for label, points in sorted(series.items())
        )
        self.query_one("#algorithm-hint", Static).update(
            Content(latest or f"{defined} metric(s) defined, none with points")
        )

    def _failed(self, error: SmError) -> None:
        self.error = error.one_line()
        self.query_one("#algorithm-hint", Static).update(
            Content(f"algorithm metrics: {self.error}")
        )
