"""SageMaker Experiments on the Experiments tab, against the real moto server: `e` switches
the source, experiments -> trials -> components (status, source job, metrics) -> detail
(parameters, metric summaries, artifacts), `/` filter, `j` jumps to the source job's
detail on the Jobs tab, `escape` goes back level by level and `e` back to MLflow.

moto fills a trial component's ``Sources`` only from its own objects, so the test sets
the source on moto's in-process record (the server runs in this process); metrics go in
through the real ``sagemaker-metrics`` BatchPutMetrics call.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from screens.app import SmConsoleApp
from screens.jobs.detail import JobDetailScreen
from screens.main import MainScreen
from screens.sm_experiments.table import ComponentsTable, SmExperimentsTable, TrialsTable
from screens.sm_experiments.view import (
    ComponentDetailScreen,
    ComponentsScreen,
    SmExperimentsScreen,
    TrialsScreen,
)
from tests.tui.conftest import (
    ACCOUNT,
    REGION,
    create_training_job,
    jobs_table,
    make_app,
    notifications,
    static_text,
    wait_until,
)

START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
JOB = "churn-xgb-train-0042"


def set_source(component: str, arn: str) -> None:
    """What SageMaker does for a job's component (moto only reads its own object)."""
    from moto.sagemaker.models import sagemaker_backends

    record = sagemaker_backends[ACCOUNT][REGION].trial_components[component]
    record.sources = [{"SourceArn": arn, "SourceType": "SageMakerTrainingJob"}]


def pin_times(when: datetime) -> None:
    """Fixed creation/modification times on every moto experiment object (snapshots)."""
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[ACCOUNT][REGION]
    for store in (backend.experiments, backend.trials, backend.trial_components):
        for index, item in enumerate(store.values()):
            item.creation_time = item.last_modified_time = when + timedelta(minutes=index)


@pytest.fixture
def churn(aws: Any) -> dict[str, str]:
    sm = aws.client("sagemaker")
    create_training_job(sm, JOB)
    sm.create_experiment(ExperimentName="churn-xgb", Description="weekly churn model")
    sm.create_experiment(ExperimentName="ranking-bert")
    sm.create_trial(TrialName="churn-xgb-lr-sweep", ExperimentName="churn-xgb")
    sm.create_trial(TrialName="churn-xgb-baseline", ExperimentName="churn-xgb")
    sm.create_trial_component(
        TrialComponentName=f"{JOB}-aws-training-job",
        DisplayName="train",
        Status={"PrimaryStatus": "Completed", "Message": "Status: Completed"},
        StartTime=START,
        EndTime=START + timedelta(minutes=21, seconds=7),
        Parameters={
            "eta": {"NumberValue": 0.1},
            "max_depth": {"NumberValue": 6},
            "objective": {"StringValue": "binary:logistic"},
        },
        InputArtifacts={"train": {"Value": "s3://data/churn/train/"}},
        OutputArtifacts={"model": {"Value": f"s3://out/{JOB}/output/model.tar.gz"}},
    )
    sm.create_trial_component(
        TrialComponentName="churn-eval-0042",
        DisplayName="evaluate",
        Status={"PrimaryStatus": "Failed", "Message": "holdout missing"},
        StartTime=START + timedelta(minutes=25),
        EndTime=START + timedelta(minutes=26),
    )
    for component in (f"{JOB}-aws-training-job", "churn-eval-0042"):
        sm.associate_trial_component(TrialComponentName=component, TrialName="churn-xgb-lr-sweep")
    set_source(
        f"{JOB}-aws-training-job", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{JOB}"
    )
    metrics = aws.client("sagemaker-metrics")
    stamp = START.timestamp()
    metrics.batch_put_metrics(
        TrialComponentName=f"{JOB}-aws-training-job",
        MetricData=[
            {"MetricName": name, "Timestamp": stamp + step, "Step": step, "Value": value}
            for step in range(3)
            for name, value in (
                ("validation:auc", 0.85 + step * 0.03),
                ("train:logloss", 0.5 - step * 0.1),
            )
        ],
    )
    return {"train": f"{JOB}-aws-training-job", "eval": "churn-eval-0042"}


async def open_components(pilot: Any, app: SmConsoleApp) -> ComponentsTable:
    await pilot.press("3", "e")
    await wait_until(pilot, lambda: isinstance(app.screen, SmExperimentsScreen), what="screen")
    experiments = app.screen.query_one(SmExperimentsTable)
    await wait_until(pilot, lambda: experiments.total_count == 2, what="experiments")
    assert experiments.has_focus
    experiments.move_cursor(row=experiments.get_row_index("churn-xgb"))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TrialsScreen), what="trials screen")
    trials = app.screen.query_one(TrialsTable)
    await wait_until(pilot, lambda: trials.total_count == 2, what="trials")
    trials.move_cursor(row=trials.get_row_index("churn-xgb-lr-sweep"))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ComponentsScreen), what="components")
    components = app.screen.query_one(ComponentsTable)
    await wait_until(pilot, lambda: components.total_count == 2, what="components listed")
    return components


async def test_drill_down_filter_and_back(churn: dict[str, str]) -> None:
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        components = await open_components(pilot, app)
        row = [c.plain for c in components.get_row(churn["train"])]
        assert row[:3] == ["train", "Completed", f"training {JOB}"]
        assert row[4] == "21m07s"
        assert row[5] == "validation:auc=0.91 train:logloss=0.3"
        assert [c.plain for c in components.get_row(churn["eval"])][1] == "Failed"
        # `/` filters the components (by status here)
        await pilot.press("slash", *"status:failed", "enter")
        assert components.shown_keys() == [churn["eval"]]
        info = static_text(app.screen.query_one(".view-info"))  # type: ignore[arg-type]
        assert "1/2 trial components" in info and "filter: status:failed" in info
        await pilot.press("slash", "ctrl+u", "enter")
        assert components.shown_count == 2
        # back, level by level; `e` on the first level goes back to MLflow
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, TrialsScreen), what="trials")
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, SmExperimentsScreen))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="MLflow")
        assert app.main_screen.active_tab == "experiments"  # type: ignore[attr-defined]


async def test_component_detail_and_jump_to_its_training_job(
    aws: Any, churn: dict[str, str]
) -> None:
    create_training_job(aws.client("sagemaker"), "a-newer-job")  # listed first
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        components = await open_components(pilot, app)
        components.move_cursor(row=components.get_row_index(churn["train"]))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ComponentDetailScreen))
        detail = app.screen
        assert isinstance(detail, ComponentDetailScreen)
        await wait_until(pilot, lambda: detail.component is not None, what="described")
        text = "\n".join(static_text(s) for s in detail.query(".section-body"))  # type: ignore[arg-type]
        assert "Completed: Status: Completed" in text
        assert f"training {JOB}" in text
        assert "binary:logistic" in text and "max_depth" in text
        assert "validation:auc" in text and "0.91" in text and "0.85" in text  # last, min
        assert f"s3://out/{JOB}/output/model.tar.gz" in text
        await pilot.press("j")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="job")
        job = app.screen
        assert isinstance(job, JobDetailScreen) and job.job_name == JOB
        assert job.kind == "training"
        await wait_until(pilot, lambda: job.record is not None, what="job described")
        # The experiments screens were closed: back lands on the Jobs tab.
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert app.main_screen.active_tab == "jobs"  # type: ignore[attr-defined]
        assert jobs_table(app).cursor_key == f"training:{JOB}"  # on the job's row
        # Back again: the experiments screens the jump left, as they were (issue 15).
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is detail, what="the component again")
        assert app.main_screen.active_tab == "experiments"  # type: ignore[attr-defined]


async def test_jump_from_a_component_without_a_job_says_why(churn: dict[str, str]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        components = await open_components(pilot, app)
        components.move_cursor(row=components.get_row_index(churn["eval"]))
        await pilot.press("j")
        assert isinstance(app.screen, ComponentsScreen)
        assert "evaluate was not made by a training or processing job" in notifications(app)[-1]


async def test_no_experiments_and_missing_trial_are_one_line(aws: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("3")
        hint = "no MLflow: e SageMaker Experiments, T servers"
        info = app.main_screen.query_one("#experiments-info")
        await wait_until(pilot, lambda: hint in static_text(info), what="hint")  # type: ignore[arg-type]
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, SmExperimentsScreen))
        view = app.screen.query_one(".view-info")
        await wait_until(
            pilot,
            lambda: "0/0 SageMaker experiments" in static_text(view),  # type: ignore[arg-type]
            what="empty listing",
        )
        app.push_screen(ComponentDetailScreen("no-such-component"))
        await wait_until(pilot, lambda: isinstance(app.screen, ComponentDetailScreen))
        failure = app.screen.query(".failure")
        await wait_until(pilot, lambda: bool(app.screen.query(".failure")), what="error")
        failure = app.screen.query(".failure")
        assert len(failure) == 1
        assert "Traceback" not in static_text(failure.first())  # type: ignore[arg-type]


# --- snapshots (80x24, one per screen) -------------------------------------------------------
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


class FixedClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
        return NOW if tz is not None else NOW.replace(tzinfo=None)


@pytest.fixture
def pinned(churn: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """UTC, fixed moto timestamps and a fixed "updated" clock."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    pin_times(START - timedelta(hours=1))
    monkeypatch.setattr("console.services.sm_experiments_feed.datetime", FixedClock)
    yield churn
    monkeypatch.delenv("TZ")
    time.tzset()


async def _rows(pilot: Any, app: SmConsoleApp, screen: type, count: int) -> Any:
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, screen) and app.screen.query(".sm-view KeyedTable"),
        what=screen.__name__,
    )
    table = app.screen.query_one(".sm-view KeyedTable")
    await wait_until(pilot, lambda: table.total_count == count, what="rows")  # type: ignore[attr-defined]
    return table


async def _open(pilot: Any, table: Any, key: str) -> None:
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")


@pytest.mark.parametrize("level", ["experiments", "trials", "components", "detail"])
def test_snapshot(snap_compare: Any, pinned: dict[str, str], level: str) -> None:
    from screens.jobs.table import JobsTable

    app = make_app()
    order = ["experiments", "trials", "components", "detail"]
    depth = order.index(level)

    async def ready(pilot: Any) -> None:
        # snap_compare's pilot starts before the main screen has composed.
        await wait_until(pilot, lambda: app.main_screen.query(JobsTable), what="composed")
        app.push_screen(SmExperimentsScreen(app.context.config))
        table = await _rows(pilot, app, SmExperimentsScreen, 2)
        if depth >= 1:
            await _open(pilot, table, "churn-xgb")
            table = await _rows(pilot, app, TrialsScreen, 2)
        if depth >= 2:
            await _open(pilot, table, "churn-xgb-lr-sweep")
            table = await _rows(pilot, app, ComponentsScreen, 2)
        if depth >= 3:
            await _open(pilot, table, pinned["train"])
            await wait_until(pilot, lambda: isinstance(app.screen, ComponentDetailScreen))
            await wait_until(pilot, lambda: app.screen.component is not None)  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
