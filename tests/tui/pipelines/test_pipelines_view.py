"""The Pipelines tab against a real moto server (with the demo's extras for steps, stop
and retry): pipelines -> executions -> steps -> the step's job; retry, stop and start
with parameters, each confirmed and audited; read-only refuses before any form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import Input

from console.demo.moto_extras import set_pipeline_execution
from console.demo.seed import utc_now
from screens.app import SmConsoleApp
from screens.jobs.detail import JobDetailScreen
from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from screens.pipelines.executions import ExecutionsScreen, StepsScreen
from screens.pipelines.start_form import StartExecutionForm
from screens.pipelines.tables import ExecutionsTable, PipelinesTable, StepsTable
from tests.core.services.test_pipelines import (
    fail_at_train,
    make_pipeline,
    moto_execution,
    start,
)
from tests.support.helpers import audit_records
from tests.tui.conftest import create_training_job, make_app, notifications, static_text, wait_until


@pytest.fixture
def world(extras: Any) -> dict[str, str]:
    """One pipeline with a failed execution (at its Train step) and a running one."""
    make_pipeline(extras)
    create_training_job(extras.client("sagemaker"), "churn-train-1")
    failed = start(extras)
    fail_at_train(failed)
    running = start(extras)
    execution = moto_execution(running)
    step = {"StepName": "Train", "StepType": "Training", "StepStatus": "Executing"}
    set_pipeline_execution(execution, "Executing", [{**step, "StartTime": utc_now()}])
    execution.start_time = utc_now() + timedelta(seconds=1)  # the newest, whatever the clock
    return {"failed": failed, "running": running}


def status_in_moto(aws: Any, arn: str) -> str:
    answer = aws.client("sagemaker").describe_pipeline_execution(PipelineExecutionArn=arn)
    return str(answer["PipelineExecutionStatus"])


async def open_tab(pilot: Any, app: SmConsoleApp) -> PipelinesTable:
    await pilot.press("8")
    table = app.main_screen.query_one(PipelinesTable)
    await wait_until(pilot, lambda: table.total_count >= 1, what="pipelines listed")
    await wait_until(pilot, lambda: table.has_focus, what="table focused")
    return table


async def open_executions(pilot: Any, app: SmConsoleApp) -> ExecutionsTable:
    table = await open_tab(pilot, app)
    row = table.cursor_item()
    assert row is not None and row.name == "churn-pipeline"
    assert row.last_status == "Executing"  # the newest run
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), what="executions")
    executions = app.screen.query_one(ExecutionsTable)
    await wait_until(pilot, lambda: executions.total_count == 2, what="two executions")
    return executions


async def move_to(pilot: Any, table: Any, key: str) -> None:
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()
    assert table.cursor_key == key


async def open_steps_of(pilot: Any, app: SmConsoleApp, arn: str, count: int) -> None:
    executions = app.screen.query_one(ExecutionsTable)
    await move_to(pilot, executions, arn)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, StepsScreen), what="steps")
    steps = app.screen.query_one(StepsTable)
    await wait_until(pilot, lambda: steps.total_count == count, what="steps listed")


async def every_change_key(
    pilot: Any,
    app: SmConsoleApp,
    world: dict[str, str],
    act: Callable[[str, str], Awaitable[None]],
) -> None:
    """``act(key, action)`` at every change key of every Pipelines screen: `t` on the
    tab and on the executions, `ctrl+k` on a running execution (listed and its steps),
    `R` on a failed one (listed and its steps)."""
    executions = await open_executions(pilot, app)
    await pilot.press("q")
    await wait_until(pilot, lambda: app.screen is app.main_screen, what="back on the tab")
    await act("t", "pipeline-execution-start")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), what="again")
    executions = app.screen.query_one(ExecutionsTable)
    await wait_until(pilot, lambda: executions.total_count == 2, what="executions")
    await act("t", "pipeline-execution-start")
    await move_to(pilot, executions, world["running"])
    await act("ctrl+k", "pipeline-execution-stop")
    await move_to(pilot, executions, world["failed"])
    await act("R", "pipeline-execution-retry")
    await open_steps_of(pilot, app, world["failed"], 2)
    await act("R", "pipeline-execution-retry")
    await pilot.press("q")
    await wait_until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), what="back")
    await open_steps_of(pilot, app, world["running"], 1)
    await act("ctrl+k", "pipeline-execution-stop")


async def test_failed_step_jumps_to_its_training_job(world: dict[str, str]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        executions = await open_executions(pilot, app)
        failed = executions.items[world["failed"]]
        assert failed.status == "Failed"
        await move_to(pilot, executions, world["failed"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StepsScreen), what="steps")
        steps = app.screen.query_one(StepsTable)
        await wait_until(pilot, lambda: steps.total_count == 2, what="two steps")
        summary = static_text(app.screen.query_one("#pipeline-execution-summary"))
        assert "Failed" in summary and "CUDA OOM" in summary
        train = steps.items["Train"]
        assert train.job_name == "churn-train-1" and train.failure_reason
        assert steps.items["Preprocess"].cache_hit
        assert "hit" in " ".join(c.plain for c in steps.get_row("Preprocess"))
        await move_to(pilot, steps, "Train")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
        detail = app.screen
        assert isinstance(detail, JobDetailScreen)
        assert (detail.kind, detail.job_name) == ("training", "churn-train-1")
        # The Pipelines screens closed: back from the job lands on the Jobs tab.
        assert [type(s) for s in app.screen_stack] == [MainScreen, JobDetailScreen]
        assert app.main_screen.active_tab == "jobs"


async def test_a_step_without_a_job_says_so(world: dict[str, str]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        executions = await open_executions(pilot, app)
        await move_to(pilot, executions, world["failed"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StepsScreen), what="steps")
        steps = app.screen.query_one(StepsTable)
        await wait_until(pilot, lambda: steps.total_count == 2, what="steps listed")
        await move_to(pilot, steps, "Preprocess")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StepsScreen)
        assert any("ran no job" in n for n in notifications(app))


async def test_retry_a_failed_execution_confirmed_and_audited(
    world: dict[str, str], extras: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        executions = await open_executions(pilot, app)
        # Retry of the running one is refused before any dialog.
        await move_to(pilot, executions, world["running"])
        await pilot.press("R")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("only Failed executions" in n for n in notifications(app))
        await move_to(pilot, executions, world["failed"])
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: status_in_moto(extras, world["failed"]) == "Executing",
            what="retried in moto",
        )
        await wait_until(
            pilot,
            lambda: executions.items[world["failed"]].status == "Executing",
            what="row refreshed",
        )
    outcomes = [r["outcome"] for r in audit_records() if r["action"] == "pipeline-execution-retry"]
    assert outcomes and outcomes[-1] not in ("refused", "failed"), outcomes


async def test_stop_declined_sends_nothing_then_confirmed_stops(
    world: dict[str, str], extras: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        executions = await open_executions(pilot, app)
        await move_to(pilot, executions, world["running"])
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.press("n")
        await pilot.pause()
        assert status_in_moto(extras, world["running"]) == "Executing"
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: status_in_moto(extras, world["running"]) in ("Stopping", "Stopped"),
            what="stopped in moto",
        )
    records = [r for r in audit_records() if r["action"] == "pipeline-execution-stop"]
    assert any("not confirmed" in str(r) for r in records), records


async def test_start_with_parameters_sends_only_the_changed_values(
    world: dict[str, str], extras: Any
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tab(pilot, app)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, StartExecutionForm), what="form")
        form = app.screen
        fields = {p.name: f"#ps-field-{i}" for i, p in enumerate(form.declared)}
        assert set(fields) == {"InstanceType", "Epochs"}
        assert form.query_one(fields["InstanceType"], Input).value == "ml.m5.large"
        form.query_one(fields["Epochs"], Input).value = "7"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        assert "Epochs=7" in app.screen.message
        await pilot.press("y")
        sm = extras.client("sagemaker")

        def started() -> list[str]:
            found = sm.list_pipeline_executions(PipelineName="churn-pipeline")
            return [
                e["PipelineExecutionArn"]
                for e in found["PipelineExecutionSummaries"]
                if e["PipelineExecutionArn"] not in world.values()
            ]

        await wait_until(pilot, started, what="a third execution")
        params = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=started()[0])
        assert params["PipelineParameters"] == [{"Name": "Epochs", "Value": "7"}]


async def test_read_only_refuses_every_pipeline_change(world: dict[str, str], extras: Any) -> None:
    """t / ctrl+k / R on every Pipelines screen: refused up front, one audited refusal
    each, no form or dialog, nothing sent."""
    app = make_app(read_only=True)

    async def refused(key: str, action: str) -> None:
        before = len(notifications(app))
        screen = app.screen
        await pilot.press(key)
        await wait_until(pilot, lambda: len(notifications(app)) > before, what=key)
        await pilot.pause()
        assert app.screen is screen, key  # no form, no dialog
        assert f"read-only mode: {action}" in notifications(app)[-1], notifications(app)[-1]

    async with app.run_test(size=(120, 40)) as pilot:
        await every_change_key(pilot, app, world, refused)
    assert status_in_moto(extras, world["failed"]) == "Failed"
    assert status_in_moto(extras, world["running"]) == "Executing"
    records = audit_records()
    assert [r["outcome"] for r in records] == ["refused"] * 6, records
    assert sorted(r["action"] for r in records) == sorted(
        ["pipeline-execution-start"] * 2
        + ["pipeline-execution-stop"] * 2
        + ["pipeline-execution-retry"] * 2
    )


async def test_hostile_failure_reasons_render_inert(extras: Any) -> None:
    from tests.support.hostile import HOSTILE
    from tests.tui.test_hostile_text_screens import assert_screen_inert

    make_pipeline(extras)
    arn = start(extras)
    fail_at_train(arn, reason=HOSTILE)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_tab(pilot, app)
        await move_to(pilot, table, "churn-pipeline")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), what="list")
        executions = app.screen.query_one(ExecutionsTable)
        await wait_until(pilot, lambda: executions.total_count == 1, what="the execution")
        await pilot.pause()
        assert_screen_inert(app, "executions", shows="churn-pipeline")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StepsScreen), what="steps")
        steps = app.screen.query_one(StepsTable)
        await wait_until(pilot, lambda: steps.total_count == 2, what="steps listed")
        await pilot.pause()
        assert_screen_inert(app, "steps and summary")


async def test_declining_every_pipeline_change_is_audited_once(
    world: dict[str, str], extras: Any
) -> None:
    """t (through its form) / ctrl+k / R on every Pipelines screen, declined: one
    ``refused`` record each saying it was not confirmed, no intent, nothing changed."""
    app = make_app()

    async def declined(key: str, action: str) -> None:
        screen = app.screen
        before = len(audit_records(intents=True))
        await pilot.press(key)
        if action == "pipeline-execution-start":
            await wait_until(pilot, lambda: isinstance(app.screen, StartExecutionForm), what="form")
            await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what=key)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.change is not None
        assert dialog.change[0] == action
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: app.screen is screen, what=f"back from {key}")
        await pilot.pause()
        new = audit_records(intents=True)[before:]
        assert [(r["action"], r["outcome"]) for r in new] == [(action, "refused")], new
        assert "not confirmed" in new[0]["detail"]

    async with app.run_test(size=(120, 40)) as pilot:
        await every_change_key(pilot, app, world, declined)
    assert status_in_moto(extras, world["failed"]) == "Failed"
    assert status_in_moto(extras, world["running"]) == "Executing"
    listed = extras.client("sagemaker").list_pipeline_executions(PipelineName="churn-pipeline")
    assert len(listed["PipelineExecutionSummaries"]) == 2  # no start went through
