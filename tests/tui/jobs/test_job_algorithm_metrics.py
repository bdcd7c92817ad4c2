"""A training job's algorithm metrics (its MetricDefinitions, namespace ``TrainingJobs``)
charted in its detail without MLflow, by CloudWatch's own timestamps, in the same one
GetMetricData as the hosts' charts; metric names from the job are shown inert.

moto's CreateTrainingJob replaces the MetricDefinitions with its own (``test:dcg``): the
first test charts that one; the others give the described record other definitions, so
GetMetricData still goes to moto."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Static

from screens.jobs.algorithm_metrics import AlgorithmMetricsPanel, algorithm_series, latest_values
from screens.jobs.detail import JobDetailScreen
from screens.jobs.usage_panel import JobUsagePanel
from screens.kit.charts import SeriesChart
from tests.support.hostile import HOSTILE_SHORT, assert_inert_output
from tests.support.job_metrics import put_algorithm_metrics
from tests.tui.conftest import (
    create_training_job,
    make_app,
    set_training_state,
    static_text,
    wait_for_rows,
    wait_until,
)
from tests.tui.jobs.test_job_usage_detail import open_first_job_detail

MOTO_DEFINITION = "test:dcg"  # what moto's DescribeTrainingJob answers for every job


def define(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """The job defines ``names`` (moto cannot hold them); the metrics are still read."""
    import screens.jobs.detail

    described = screens.jobs.detail.describe_job

    def describe(context: Any, kind: str, name: str) -> Any:
        return dataclasses.replace(described(context, kind, name), metric_definitions=names)

    monkeypatch.setattr(screens.jobs.detail, "describe_job", describe)


async def open_detail(pilot: Any, app: Any) -> AlgorithmMetricsPanel:
    screen = await open_first_job_detail(pilot, app)
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
        # Plotted at CloudWatch's timestamps (4 … 0 minutes before ``now``), not spread
        # back from the wall clock one period apart.
        times = [t for t, _ in chart.series[MOTO_DEFINITION]]
        assert times == [now - timedelta(minutes=5 - i) for i in range(5)]
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
    """The names reach the panel raw (as CloudWatch and the read hand them over; a record
    would have cleaned them already): every label it draws is inert."""
    import screens.jobs.detail
    from console.services.job_extras import JobDetailMetrics, JobHostSeries

    hostile = "loss" + HOSTILE_SHORT
    create_training_job(sm, "evil-job")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    hosts = JobHostSeries("evil-job", "training", timedelta(hours=3), 60, {}, ())
    read = JobDetailMetrics(hosts, {hostile: ((now, 1.0), (now + timedelta(minutes=1), 2.0))})
    monkeypatch.setattr(screens.jobs.detail, "job_detail_metrics", lambda *a, **k: read)
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


def test_series_keep_their_own_times_and_finals_fill_in() -> None:
    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    late = t0 + timedelta(minutes=45)  # after a 44-minute gap in the job's output
    algorithm = {"a": ((late, 3.0), (t0, 1.0)), "empty": ()}
    assert algorithm_series(algorithm) == {"a": [(t0, 1.0), (late, 3.0)]}
    # Newest value per metric; a metric with no points in the range: its final value.
    assert latest_values(algorithm, {"empty": 0.25, "a": 9.0}) == ["a: 3", "empty: 0.25 (final)"]
    assert latest_values({}, {"train:progress": 100.0}) == []  # not defined: not shown
    assert latest_values(algorithm) == ["a: 3"]


def metric_reads(app: Any) -> list[str]:
    """Every GetMetricData the app's CloudWatch client sends (the endpoint tests' hook)."""
    seen: list[str] = []
    client = app.context.sessions.client("cloudwatch")
    client.meta.events.register(
        "before-call.cloudwatch.GetMetricData", lambda **_: seen.append("GetMetricData")
    )
    return seen


async def test_the_detail_reads_every_chart_in_one_call_per_refresh(aws: Any, sm: Any) -> None:
    """Usage panel and algorithm chart: one GetMetricData on open, one per `r`, one per
    range step (not one per panel); `m` draws from the answer it has."""
    create_training_job(sm, "one-read-job")
    set_training_state("one-read-job", "InProgress")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    put_algorithm_metrics(aws, "one-read-job", now, 3, **{MOTO_DEFINITION: [0.5, 0.4, 0.3]})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.pause(0.3)  # the Jobs table's own utilisation read is done
        reads = metric_reads(app)
        panel = await open_detail(pilot, app)
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        usage = screen.query_one(JobUsagePanel)
        await wait_until(pilot, lambda: usage.data is not None, what="usage drawn")
        assert reads == ["GetMetricData"]
        assert panel.data is not None and MOTO_DEFINITION in panel.data

        first = screen.metrics
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.metrics is not first, what="re-read")
        assert reads == ["GetMetricData"] * 2
        await pilot.press("m")
        await pilot.press("right_square_bracket")
        await wait_until(
            pilot,
            lambda: "last 12h" in screen.query_one(JobUsagePanel).query_one(SeriesChart).title,
            what="12h",
        )
        algorithm = screen.query_one(AlgorithmMetricsPanel).query_one(SeriesChart)
        assert algorithm.title == "algorithm metrics · last 12h"  # the same read
        await pilot.pause()
        assert reads == ["GetMetricData"] * 3
