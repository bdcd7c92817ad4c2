"""A training job's algorithm metrics (its MetricDefinitions, namespace ``TrainingJobs``)
charted in its detail without MLflow: read with the CLI's ``training-metrics`` call, once;
metric names from the job are shown inert.

moto's CreateTrainingJob replaces the MetricDefinitions with its own (``test:dcg``): the
first test charts that one; the others put their definitions in through
:meth:`CloudWatchMetricsService.job_metrics` (the call ``training_metrics`` ends in), so
GetMetricData still goes to moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Static

from console.services.cloudwatch import CloudWatchMetricsService, JobMetrics
from screens.jobs.algorithm_metrics import AlgorithmMetricsPanel, algorithm_series
from screens.jobs.detail import JobDetailScreen
from screens.kit.charts import SeriesChart
from tests.support.hostile import HOSTILE_SHORT, assert_inert_output
from tests.support.job_metrics import put_algorithm_metrics
from tests.tui.conftest import (
    create_training_job,
    jobs_table,
    make_app,
    set_training_state,
    static_text,
    wait_for_rows,
    wait_until,
)

MOTO_DEFINITION = "test:dcg"  # what moto's DescribeTrainingJob answers for every job


def define(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """The job defines ``names`` (moto cannot hold them); the metrics are still read."""

    def training_metrics(
        self: CloudWatchMetricsService, job: str, *, since: timedelta = timedelta(hours=3)
    ) -> JobMetrics:
        return self.job_metrics(job, kind="training", metric_names=names, since=since)

    monkeypatch.setattr(CloudWatchMetricsService, "training_metrics", training_metrics)


async def open_detail(pilot: Any, app: Any) -> AlgorithmMetricsPanel:
    await wait_for_rows(pilot, app, 1)
    jobs_table(app).move_cursor(row=0)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
    screen = app.screen
    await wait_until(pilot, lambda: screen.query(AlgorithmMetricsPanel), what="the panel")
    panel = screen.query_one(AlgorithmMetricsPanel)
    await wait_until(pilot, lambda: panel.data is not None or panel.error, what="metrics")
    return panel


async def test_detail_charts_the_jobs_metric_definitions(aws: Any, sm: Any) -> None:
    create_training_job(sm, "auc-job")
    set_training_state("auc-job", "InProgress")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    put_algorithm_metrics(
        aws,
        "auc-job",
        now,
        5,
        **{MOTO_DEFINITION: [0.9, 0.7, 0.5, 0.4, 0.3], "validation:auc": [0.6, 0.7, 0.8]},
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_detail(pilot, app)
        assert panel.error == ""
        chart = panel.query_one(SeriesChart)
        assert chart.title == "algorithm metrics · last 3h"
        # validation:auc has points but is not defined by the job: not read, not drawn.
        assert set(chart.series) == {MOTO_DEFINITION}
        assert [v for _, v in chart.series[MOTO_DEFINITION]] == [0.9, 0.7, 0.5, 0.4, 0.3]
        hint = static_text(panel.query_one("#algorithm-hint", Static))
        assert hint.strip() == f"{MOTO_DEFINITION}: 0.3"
        calls = app.context.cloudwatch.calls
        await pilot.pause()
        assert app.context.cloudwatch.calls == calls


async def test_a_job_without_definitions_says_so(
    aws: Any, sm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    define(monkeypatch)
    create_training_job(sm, "plain-job")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_detail(pilot, app)
        chart = panel.query_one(SeriesChart)
        assert chart.series == {}
        assert "defines no metrics" in chart.title


async def test_hostile_metric_names_are_inert(
    aws: Any, sm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = "loss" + HOSTILE_SHORT
    define(monkeypatch, hostile)
    create_training_job(sm, "evil-job")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    put_algorithm_metrics(aws, "evil-job", now, 2, **{hostile: [1.0, 2.0]})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_detail(pilot, app)
        chart = panel.query_one(SeriesChart)
        assert len(chart.series) == 1
        (label,) = chart.series
        assert label.startswith("loss")
        assert_inert_output(label, where="chart label")
        assert_inert_output(chart.title, where="chart title")
        assert_inert_output(static_text(panel.query_one("#algorithm-hint", Static)), where="hint")


def test_series_end_at_the_last_point_one_period_apart() -> None:
    end = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    metrics = JobMetrics(
        job="j",
        kind="training",
        hosts=(),
        algorithm={"a": (1.0, 2.0, 3.0), "empty": ()},
        flags=(),
        period=60,
    )
    series = algorithm_series(metrics, end)
    assert list(series) == ["a"]
    assert series["a"] == [
        (end - timedelta(minutes=2), 1.0),
        (end - timedelta(minutes=1), 2.0),
        (end, 3.0),
    ]
