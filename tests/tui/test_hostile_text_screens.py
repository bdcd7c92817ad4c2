"""Screens opened on hostile remote text render it visibly and inertly.

Each test puts the corpus (tests/support/hostile.py) in a field someone else controls,
opens the screen that shows it, and checks what the app rendered (its screenshot: every
cell of the screen) holds no ESC byte, no C1 control and no bidi/format character, while
the text itself is there in visible form (``␛]52;c;…``, ``⟨U+202E⟩``).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from screens.app import SmConsoleApp
from screens.jobs.detail import JobDetailScreen
from tests.support.hostile import HOSTILE, HOSTILE_SHORT, assert_inert_output
from tests.support.registry import add_version

from .conftest import (
    create_training_job,
    make_app,
    set_training_state,
    wait_for_rows,
    wait_until,
)

VISIBLE_OSC52 = "␛]52;c;"


def rendered(app: SmConsoleApp) -> str:
    """Every cell the app drew, as text (the SVG screenshot, unescaped)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def assert_screen_inert(app: SmConsoleApp, where: str, *, shows: str = VISIBLE_OSC52) -> None:
    text = rendered(app)
    assert_inert_output(text, where=where)
    assert shows in text, f"{where}: the hostile text is not shown at all"


async def test_job_detail_failure_reason(sm: Any) -> None:
    create_training_job(sm, "bad-job")
    set_training_state("bad-job", "Failed", failure_reason=HOSTILE)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for_rows(pilot, app, 1)
        assert_inert_output(rendered(app), where="jobs table")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        await wait_until(pilot, lambda: screen.record is not None, what="describe")
        await pilot.pause()
        assert_screen_inert(app, "job detail")


async def test_registry_description_and_approval_history(aws: Any) -> None:
    from screens.registry.history import HistoryScreen

    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    aws.client("s3").create_bucket(Bucket="reports")  # the version's metrics report
    arn = add_version(aws, "churn", 1, "PendingManualApproval", {"auc": 0.8})
    sm.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus="Rejected", ApprovalDescription=HOSTILE
    )
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("4")
        await pilot.press("p")  # every version, not only the pending ones
        await wait_until(pilot, lambda: "churn" in rendered(app), what="the version listed")
        await pilot.pause()
        assert_inert_output(rendered(app), where="registry tab")
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="history")
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count > 0, what="history rows")
        # The note is in the rows as they arrive; the columns are sized with them (a frame
        # drawn before DataTable's idle pass used to keep them at their labels' width).
        await wait_until(pilot, lambda: VISIBLE_OSC52 in rendered(app), what="the note shown")
        assert_screen_inert(app, "approval history")


async def test_endpoint_variant_names(sm: Any) -> None:
    from tests.tui.endpoints.test_endpoints_view import open_tab

    sm.create_model(
        ModelName="m1",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
        PrimaryContainer={"Image": "1.dkr.ecr.us-east-1.amazonaws.com/s:1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName="cfg",
        ProductionVariants=[
            {
                "VariantName": HOSTILE_SHORT,
                "ModelName": "m1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await open_tab(pilot, app)
        await wait_until(pilot, lambda: VISIBLE_OSC52 in rendered(app), what="variants shown")
        assert_screen_inert(app, "endpoints tab")


@pytest.fixture
def hostile_runs(aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from mlflow.entities import Param, RunTag

    from console.mlflow.quiet import quiet
    from tests.support.mlflow_seed import client

    uri = f"sqlite:///{tmp_path / 'hostile.db'}"
    c = client(uri)
    with quiet():
        exp = c.create_experiment("hostile", artifact_location=(tmp_path / "a").as_uri())
        run = c.create_run(exp, run_name=HOSTILE_SHORT, tags={"note": HOSTILE})
        c.log_batch(
            run.info.run_id, params=[Param("lr", HOSTILE)], tags=[RunTag("t", HOSTILE_SHORT)]
        )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    return exp


async def test_mlflow_runs_names_params_tags(hostile_runs: str) -> None:
    from screens.mlflow.runs import RunsScreen
    from screens.mlflow.table import ExperimentsTable, RunsTable

    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("3")
        table = app.main_screen.query_one(ExperimentsTable)
        await wait_until(pilot, lambda: hostile_runs in table.items, what="experiments", timeout=30)
        table.move_cursor(row=table.get_row_index(hostile_runs))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen), what="runs screen")
        runs = app.screen.query_one(RunsTable)
        await wait_until(pilot, lambda: runs.total_count >= 1, what="runs listed", timeout=30)
        await pilot.pause()
        assert_screen_inert(app, "mlflow runs")
