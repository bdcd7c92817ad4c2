"""A training job's detail: cost (by hand from a price table; ``?`` and why without one)
and host utilisation charts (every host a line, idle GPU flagged, `m` cycles the metric and
`[`/`]` step the time range, one GetMetricData per range)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import Static

from console.services.job_extras import JobFacts
from screens.jobs.algorithm_metrics import AlgorithmMetricsPanel
from screens.jobs.detail import JobDetailScreen, cost_line
from screens.jobs.usage_panel import JobUsagePanel
from screens.kit.charts import SeriesChart, series_markers
from tests.support.job_metrics import put_host_metrics
from tests.tui.conftest import (
    create_training_job,
    jobs_table,
    make_app,
    notifications,
    set_training_state,
    static_text,
    wait_for_rows,
    wait_until,
)

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def test_cost_line_by_hand() -> None:
    prices = {"Training|ml.g5.2xlarge": 1.5}
    facts = JobFacts(
        "training",
        "j",
        "Completed",
        "ml.g5.2xlarge",
        2,
        "",
        NOW - timedelta(hours=3),
        NOW - timedelta(hours=1),
        billable_seconds=1800.0,
        training_seconds=7200.0,
    )
    # 1800 s x 2 x $1.5/h = $1.50; 5400 s not billed = $4.50 saved.
    assert cost_line(facts, prices, NOW) == (
        "$1.50 in total · $3.00/h (ml.g5.2xlarge x 2) · spot saved $4.50"
    )
    running = JobFacts(
        "training", "j", "InProgress", "ml.g5.2xlarge", 1, "", NOW - timedelta(hours=2), None
    )
    assert cost_line(running, prices, NOW) == "$3.00 so far · $1.50/h (ml.g5.2xlarge x 1)"
    assert cost_line(running, {}, NOW) == "? (no price for ml.g5.2xlarge)"


async def open_first_job_detail(pilot: Any, app: Any) -> JobDetailScreen:
    """``enter`` on the first job listed: its detail screen, once on top."""
    await wait_for_rows(pilot, app, 1)
    jobs_table(app).move_cursor(row=0)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
    screen = app.screen
    assert isinstance(screen, JobDetailScreen)
    return screen


async def open_usage_panel(pilot: Any, app: Any) -> tuple[JobDetailScreen, JobUsagePanel]:
    """The first job's detail and its usage panel, once the metrics are read."""
    screen = await open_first_job_detail(pilot, app)
    await wait_until(pilot, lambda: screen.query(JobUsagePanel), what="the usage panel")
    panel = screen.query_one(JobUsagePanel)
    await wait_until(pilot, lambda: panel.data is not None, what="the metrics")
    return screen, panel


def put_host(aws: Any, job: str, host: str, gpu: float) -> None:
    # Points end now (the app reads by the wall clock), not when the module was imported.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    put_host_metrics(aws, job, host, now, 15, GPUUtilization=gpu, CPUUtilization=30.0)


async def test_detail_charts_hosts_flags_idle_and_cycles(aws: Any, sm: Any) -> None:
    create_training_job(
        sm,
        "gpu-job",
        ResourceConfig={"InstanceType": "ml.g5.2xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50},
    )
    set_training_state("gpu-job", "InProgress")
    put_host(aws, "gpu-job", "algo-1", 93.0)
    put_host(aws, "gpu-job", "algo-2", 3.0)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, panel = await open_usage_panel(pilot, app)
        algorithm = screen.query_one(AlgorithmMetricsPanel)  # drawn from the same read
        assert algorithm.data is not None
        calls = app.context.cloudwatch.calls
        chart = panel.query_one(SeriesChart)
        assert chart.title == "GPU % per host · last 3h"
        assert set(chart.series) == {"algo-1", "algo-2"}
        flags = static_text(panel.query_one("#usage-flags", Static))
        assert "algo-2: idle-gpu" in flags and "algo-1" not in flags
        cost = screen.query_one("#detail-cost", Static)
        await wait_until(pilot, lambda: "prices unavailable" in static_text(cost), what="cost")
        assert static_text(cost).startswith("?")
        # Cost and utilisation come right after the summary: the cost above the fold.
        assert cost.region.y < 24

        await pilot.press("m")  # the metrics with points only: GPU -> CPU -> GPU
        assert chart.title.startswith("CPU % per host")
        await pilot.press("m")
        assert chart.title.startswith("GPU % per host")
        assert app.context.cloudwatch.calls == calls  # drawn from the same answer
        await pilot.press("right_square_bracket")  # `]` longer, as on the endpoint detail
        await wait_until(pilot, lambda: chart.title.endswith("last 12h"), what="12h")
        assert app.context.cloudwatch.calls == calls + 1
        assert any("last 12h" in n for n in notifications(app))
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_until(pilot, lambda: chart.title.endswith("last 1h"), what="1h")
        assert app.context.cloudwatch.calls == calls + 3
        await pilot.press("left_square_bracket")  # held at the shortest: nothing read again
        await pilot.pause()
        assert chart.title.endswith("last 1h")
        assert app.context.cloudwatch.calls == calls + 3


def fixed_training() -> Any:
    from console.services.jobs import TrainingJob

    t0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    return TrainingJob.from_api(
        {
            "TrainingJobName": "llama3-8b-sft-lr2e-5-run-0042",
            "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x",
            "TrainingJobStatus": "InProgress",
            "SecondaryStatus": "Training",
            "CreationTime": t0,
            "TrainingStartTime": t0 + timedelta(minutes=5),
            "LastModifiedTime": t0 + timedelta(minutes=5),
            "AlgorithmSpecification": {"TrainingImage": "123.dkr.ecr/x:1"},
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "ResourceConfig": {
                "InstanceType": "ml.p4d.24xlarge",
                "InstanceCount": 2,
                "VolumeSizeInGB": 500,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        }
    )


def fixed_series(*args: Any, **kwargs: Any) -> Any:
    from console.services.cloudwatch import HostFlag
    from console.services.job_extras import JobHostSeries

    t0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    busy = tuple((t0 + timedelta(minutes=m), 80.0 + (m % 7)) for m in range(0, 180, 5))
    idle = tuple((t0 + timedelta(minutes=m), 60.0 if m < 120 else 2.0) for m in range(0, 180, 5))
    return JobHostSeries(
        job="llama3-8b-sft-lr2e-5-run-0042",
        kind="training",
        since=timedelta(hours=3),
        period=60,
        series={"GPUUtilization": {"algo-1": busy, "algo-2": idle}},
        flags=(HostFlag("algo-2", "idle-gpu", "GPU below 10% for 10 min (now 2%)"),),
    )


def fixed_read(*args: Any, **kwargs: Any) -> Any:
    """The detail's one read: the hosts above and the job's MetricDefinitions (loss
    falling; validation logged every 15 minutes, train every 5, by their own times)."""
    from console.services.job_extras import JobDetailMetrics

    t0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    return JobDetailMetrics(
        hosts=fixed_series(),
        algorithm={
            "train:loss": tuple(
                (t0 + timedelta(minutes=m), 2.0 / (1 + m / 30)) for m in range(0, 180, 5)
            ),
            "validation:loss": tuple(
                (t0 + timedelta(minutes=m), 2.2 / (1 + m / 40)) for m in range(0, 180, 15)
            ),
        },
        calls=1,
    )


async def test_without_colour_each_host_has_its_own_marker(
    aws: Any, sm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: under NO_COLOR the GPU-per-host chart drew every host alike (braille, the
    legend "⢕⢕ algo-1", "⢕⢕ algo-2"): each host gets its own character, in its line and
    beside its name in the legend."""
    monkeypatch.setenv("NO_COLOR", "1")
    create_training_job(
        sm,
        "mono-job",
        ResourceConfig={"InstanceType": "ml.g5.2xlarge", "InstanceCount": 3, "VolumeSizeInGB": 50},
    )
    set_training_state("mono-job", "InProgress")
    for host, gpu in (("algo-1", 90.0), ("algo-2", 50.0), ("algo-3", 10.0)):
        put_host(aws, "mono-job", host, gpu)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        assert app.no_color
        _screen, panel = await open_usage_panel(pilot, app)
        chart = panel.query_one(SeriesChart)
        assert set(chart.series) == {"algo-1", "algo-2", "algo-3"}
        markers = chart.markers
        assert len(set(markers.values())) == 3 and "braille" not in markers.values()
        drawn = chart.render()
        assert isinstance(drawn, Text)
        for host, marker in markers.items():
            assert f"{marker * 2} {host}" in drawn.plain  # the legend maps marker to host
            assert drawn.plain.count(marker) > 2  # and the line is drawn with it
    # In colour the lines stay braille (finer), told apart by their colours.
    assert series_markers(["algo-1", "algo-2"], monochrome=False) == {
        "algo-1": "braille",
        "algo-2": "braille",
    }


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_training_detail_snapshot(
    snap_compare: Any, aws: Any, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    import screens.jobs.detail

    monkeypatch.setenv("TZ", "UTC")
    record = fixed_training()
    monkeypatch.setattr(screens.jobs.detail, "describe_job", lambda context, kind, name: record)
    monkeypatch.setattr(screens.jobs.detail, "job_detail_metrics", fixed_read)
    monkeypatch.setattr(screens.jobs.detail, "pipeline_origin", lambda *a: None)
    monkeypatch.setattr(
        screens.jobs.detail, "datetime", _FixedNow, raising=True
    )  # elapsed and cost "so far" against a fixed clock
    import screens.kit.formatting

    monkeypatch.setattr(screens.kit.formatting, "datetime", _FixedNow)  # Elapsed
    app = make_app()

    async def ready(pilot: Any) -> None:
        app.push_screen(JobDetailScreen("training", record.name))
        await wait_until(pilot, lambda: app.screen.query(JobUsagePanel), what="panel")
        panel = app.screen.query_one(JobUsagePanel)
        await wait_until(pilot, lambda: panel.data is not None, what="series")
        algorithm = app.screen.query_one(AlgorithmMetricsPanel)
        await wait_until(pilot, lambda: algorithm.data is not None, what="algorithm metrics")
        cost = app.screen.query_one("#detail-cost", Static)
        await wait_until(pilot, lambda: "reading" not in static_text(cost), what="cost")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)


class _FixedNow(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
