"""A tuning job's detail: trials ranked by the objective (best first, marked), the
differing hyperparameters, the objective chart, enter opens a trial and q comes back.
Against moto (its trials' objective values from the demo's moto extras), and a snapshot
at 80x24 of a fixed detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import screens.jobs.detail
from console.services.jobs import TuningJob
from console.services.tuning import TuningDetail, rank_trials
from screens.jobs.detail import JobDetailScreen
from screens.jobs.tuning_detail import TuningTrialsTable, objective_points
from screens.kit.charts import SeriesChart
from screens.kit.poller import Poller
from screens.main import MainScreen
from tests.core.services.test_tuning import extras  # noqa: F401 - the moto extras fixture
from tests.support.tuning import add_trial as support_add_trial
from tests.tui.conftest import (
    create_tuning_job,
    jobs_table,
    make_app,
    wait_for_rows,
    wait_until,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def add_trial(aws: Any, tuning: str, name: str, loss: float, lr: str) -> None:
    support_add_trial(aws, tuning, name, loss, "val:loss", lr=lr, epochs="3")


async def test_trials_ranked_best_marked_enter_opens_and_q_returns(extras: Any) -> None:  # noqa: F811
    sm = extras.client("sagemaker")
    create_tuning_job(sm, "sweep")  # Minimize val:loss
    for name, loss, lr in (("sweep-001", 0.42, "0.1"), ("sweep-002", 0.17, "0.01")):
        add_trial(extras, "sweep", name, loss, lr)
    add_trial(extras, "sweep", "sweep-003", 0.30, "0.05")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 4)
        table = jobs_table(app)
        table.move_cursor(row=table.get_row_index("tuning:sweep"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
        detail = app.screen
        await wait_until(pilot, lambda: detail.query(TuningTrialsTable), what="the trials")
        trials = detail.query_one(TuningTrialsTable)
        assert trials.shown_keys() == ["sweep-002", "sweep-003", "sweep-001"]  # lowest loss
        cells = [c.plain for c in trials.get_row("sweep-002")]
        assert cells[0] == "1★" and cells[2] == "0.17" and cells[4] == "lr=0.01"
        assert "epochs" not in cells[4]  # the same in every trial: not a difference
        chart = detail.query_one(SeriesChart)
        assert chart.title == "val:loss per trial"
        assert [v for _, v in chart.series["best so far"]] == [0.42, 0.17, 0.17]

        # enter opens the highlighted trial (the best one, first); q comes back.
        assert trials.has_focus
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, JobDetailScreen) and app.screen is not detail,
            what="the trial's detail",
        )
        assert app.screen.kind == "training" and app.screen.job_name == "sweep-002"  # type: ignore[attr-defined]
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is detail, what="back to the tuning job")
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="the table")


def fixed_detail() -> TuningDetail:
    items = [
        {
            "TrainingJobName": f"sft-sweep-nov-{i:03d}-{'x' * 6}",
            "TrainingJobStatus": "Failed" if loss is None else "Completed",
            "CreationTime": T0 + timedelta(minutes=20 * i),
            "TrainingEndTime": T0 + timedelta(minutes=20 * i + 18),
            "TunedHyperParameters": {"lr": lr, "warmup": warm, "epochs": "3"},
            **(
                {}
                if loss is None
                else {
                    "FinalHyperParameterTuningJobObjectiveMetric": {
                        "MetricName": "validation:loss",
                        "Value": loss,
                    }
                }
            ),
        }
        for i, (loss, lr, warm) in enumerate(
            [
                (0.91, "1e-4", "100"),
                (0.52, "5e-5", "100"),
                (None, "1e-3", "0"),
                (0.48, "2e-5", "200"),
                (0.61, "5e-5", "0"),
                (0.47, "2e-5", "400"),
            ],
            start=1,
        )
    ]
    job = TuningJob(
        name="sft-sweep-nov",
        arn="arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/sft-sweep-nov",
        status="Completed",
        strategy="Bayesian",
        objective="validation:loss (Minimize)",
        best_training_job="",
        created=T0,
        ended=T0 + timedelta(hours=2),
        modified=T0 + timedelta(hours=2),
        counters={"Completed": 5, "Failed": 1},
        failure_reason="",
    )
    return TuningDetail(
        job=job,
        objective_type="Minimize",
        objective_metric="validation:loss",
        trials=rank_trials(items, "Minimize"),
        warm_start_parents=("sft-sweep-oct",),
        warm_start_type="IdenticalDataAndAlgorithm",
    )


def test_objective_points_best_so_far_by_direction() -> None:
    points = objective_points(fixed_detail())
    assert [v for _, v in points["trial"]] == [0.91, 0.52, 0.48, 0.61, 0.47]
    assert [v for _, v in points["best so far"]] == [0.91, 0.52, 0.48, 0.48, 0.47]


def test_tuning_detail_snapshot_80x24(
    snap_compare: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    detail = fixed_detail()
    monkeypatch.setattr(screens.jobs.detail, "describe_job", lambda context, kind, name: detail)
    app = make_app()

    async def ready(pilot: Any) -> None:
        # The tabs settle first (start-up polls, identity): nothing redraws under the shot.
        await wait_until(pilot, lambda: app.main_screen.query(Poller), what="composed")
        pollers = [p for p in app.main_screen.query(Poller) if p.PRIME_WHEN_HIDDEN]
        await wait_until(
            pilot,
            lambda: all(p.schedule.polls_started and not p.schedule.running for p in pollers),
            what="start-up polls done",
        )
        app.push_screen(JobDetailScreen("tuning", "sft-sweep-nov"))
        await wait_until(pilot, lambda: app.screen.query(TuningTrialsTable), what="trials")
        trials = app.screen.query_one(TuningTrialsTable)
        await wait_until(pilot, lambda: trials.total_count == 6, what="rows")
        await wait_until(pilot, lambda: trials.has_focus, what="focus on the trials")
        chart = app.screen.query_one(SeriesChart)
        await wait_until(pilot, lambda: chart.series, what="the chart drawn")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
