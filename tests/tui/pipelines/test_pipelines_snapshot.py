"""The Pipelines screens at 80x24: the pipelines tab, and a failed execution's steps
with its failed step's reason above the table.

The real app runs on the moto server; the rows come from fixed snapshots (the feeds are
replaced, so the picture does not depend on moto's clock) and the time zone is UTC.
Update with ``--snapshot-update`` after a deliberate change and look at the pictures.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import TabbedContent

import screens.pipelines.executions
import screens.pipelines.view
from console.services.pipelines import Execution, ExecutionStep, PipelineSummary
from console.services.pipelines_feed import (
    ExecutionsFeed,
    ExecutionSnapshot,
    ExecutionsSnapshot,
    PipelineRow,
    PipelinesSnapshot,
)
from screens.pipelines.executions import StepsScreen
from screens.pipelines.tables import PipelinesTable, StepsTable
from tests.tui.conftest import make_app, wait_until
from tests.tui.test_snapshots import (  # noqa: F401  (fixed_world: a fixture)
    bar_settled,
    fixed_world,
    settled,
)

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-train-pipeline/execution/k3x9"
JOB = "arn:aws:sagemaker:us-east-1:123456789012:training-job/churn-xgb-0412"


def fixed_pipelines() -> PipelinesSnapshot:
    def row(name: str, status: str, ago: int, description: str) -> PipelineRow:
        summary = PipelineSummary(
            name=name,
            arn=f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{name}",
            display_name=name,
            description=description,
            created=NOW - timedelta(days=30),
            last_run=NOW - timedelta(minutes=ago),
        )
        return PipelineRow(summary, status, NOW - timedelta(minutes=ago) if status else None)

    return PipelinesSnapshot(
        (
            row("churn-train-pipeline", "Failed", 540, "Nightly retraining of the churn model"),
            row("fraud-features-daily", "Executing", 25, "Feature engineering for fraud"),
            row("llm-eval-suite", "Succeeded", 2900, "MMLU and internal evals"),
            row("sandbox-pipeline", "", 0, ""),
        ),
        NOW,
    )


def fixed_execution() -> Execution:
    def step(name: str, kind: str, status: str, start: int, minutes: int, **extra: Any) -> Any:
        return ExecutionStep(
            name=name,
            display_name=name,
            step_type=kind,
            status=status,
            started=NOW - timedelta(minutes=start),
            ended=NOW - timedelta(minutes=start - minutes),
            failure_reason=extra.get("reason", ""),
            cache_hit=extra.get("cache", False),
            job_arn=extra.get("job", ""),
            job_type="training" if extra.get("job") else "",
            job_name=extra.get("job", "").rsplit("/", 1)[-1],
            attempts=1,
        )

    return Execution(
        arn=ARN,
        pipeline="churn-train-pipeline",
        display_name="nightly-failed",
        status="Failed",
        failure_reason="Step Train failed.",
        started=NOW - timedelta(minutes=540),
        modified=NOW - timedelta(minutes=485),
        started_by="arn:aws:iam::123456789012:role/pipeline-scheduler",
        parameters=(("Epochs", "12"), ("TrainInstanceType", "ml.m5.xlarge")),
        steps=(
            step("Preprocess", "Processing", "Succeeded", 540, 1, cache=True),
            step(
                "Train",
                "Training",
                "Failed",
                530,
                42,
                job=JOB,
                reason="AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB",
            ),
        ),
    )


@pytest.fixture
def fixed_pipelines_world(
    monkeypatch: pytest.MonkeyPatch,
    fixed_world: None,  # noqa: F811  (the other tabs' rows, the clock, UTC)
) -> Iterator[None]:
    pipelines = fixed_pipelines()
    monkeypatch.setattr(screens.pipelines.view, "fetch_pipelines", lambda context: pipelines)
    execution = fixed_execution()
    monkeypatch.setattr(
        ExecutionsFeed,
        "fetch",
        lambda self, context: ExecutionsSnapshot(self.pipeline, (execution,), NOW),
    )
    monkeypatch.setattr(
        screens.pipelines.executions,
        "fetch_execution",
        lambda context, arn: ExecutionSnapshot(execution, NOW),
    )
    yield


def test_pipelines_tab_80x24(snap_compare: Any, fixed_pipelines_world: None) -> None:
    app = make_app()

    async def ready(pilot: Any) -> None:
        await settled(pilot, app)
        await pilot.press("8")
        table = app.main_screen.query_one(PipelinesTable)
        await wait_until(pilot, lambda: table.total_count == 4 and table.has_focus, what="rows")
        tab = app.main_screen.query_one(TabbedContent).get_tab("pipelines")
        await wait_until(pilot, lambda: str(tab.label) == "Pipes 4", what="tab count")
        await bar_settled(pilot, app, "pipelines")

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_failed_execution_steps_80x24(snap_compare: Any, fixed_pipelines_world: None) -> None:
    app = make_app()

    async def ready(pilot: Any) -> None:
        await settled(pilot, app)
        app.push_screen(StepsScreen(ARN, app.context.config))
        await wait_until(pilot, lambda: app.screen.query(StepsTable), what="steps composed")
        table = app.screen.query_one(StepsTable)
        await wait_until(pilot, lambda: table.total_count == 2, what="steps listed")
        table.move_cursor(row=table.get_row_index("Train"))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
