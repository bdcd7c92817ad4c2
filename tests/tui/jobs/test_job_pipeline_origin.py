"""A job's detail names the pipeline execution that made it (issue 17), and `p` jumps back
to that execution's steps on the Pipelines tab; `q` then returns to the job's detail.

Against moto with the demo's extras (steps): the job carries the tags SageMaker
Pipelines puts on every job a step starts (``sagemaker:pipeline-execution-arn``,
``sagemaker:pipeline-step-name``); a job without them says so on `p` and shows no line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Static

from screens.jobs.detail import JobDetailScreen
from screens.main import MainScreen
from screens.pipelines.executions import StepsScreen
from screens.pipelines.tables import StepsTable
from tests.core.services.test_pipelines import (
    TRAIN_ARN,
    fail_at_train,
    make_pipeline,
    start,
)
from tests.tui.conftest import (
    create_training_job,
    make_app,
    notifications,
    static_text,
    wait_until,
)
from tests.tui.jobs.test_job_usage_detail import open_first_job_detail


@pytest.fixture
def extras(aws: Any) -> Iterator[Any]:
    """moto lacks ListPipelineExecutionSteps: the demo's handlers supply it."""
    from console.demo import moto_extras

    moto_extras.install(moto_extras.DemoState(notebook_url_base="http://127.0.0.1:9"))
    try:
        yield aws
    finally:
        moto_extras.uninstall()


async def open_job(pilot: Any, app: Any) -> JobDetailScreen:
    screen = await open_first_job_detail(pilot, app)
    await wait_until(pilot, lambda: screen.origin is not None, what="origin read")
    return screen


async def test_detail_names_its_execution_and_p_opens_its_steps(extras: Any) -> None:
    sm = extras.client("sagemaker")
    make_pipeline(extras)
    create_training_job(sm, "churn-train-1")
    failed = start(extras)
    fail_at_train(failed)
    sm.add_tags(
        ResourceArn=TRAIN_ARN,
        Tags=[
            {"Key": "sagemaker:pipeline-execution-arn", "Value": failed},
            {"Key": "sagemaker:pipeline-step-name", "Value": "Train"},
        ],
    )
    execution_id = failed.rsplit("/", 1)[-1]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_job(pilot, app)
        line = detail.query_one("#detail-pipeline", Static)
        assert line.display
        text = static_text(line)
        assert text.startswith("Pipeline (p): churn-pipeline / ")
        assert "(Failed) · step Train" in text
        assert execution_id in text or "nightly" in text  # its display name, else its id
        assert line.region.y == 1  # right under the title, above the fold at 80x24

        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, StepsScreen), what="steps")
        steps_screen = app.screen
        assert isinstance(steps_screen, StepsScreen) and steps_screen.arn == failed
        assert app.main_screen.active_tab == "pipelines"
        steps = steps_screen.query_one(StepsTable)
        await wait_until(pilot, lambda: steps.total_count == 2, what="its steps")
        assert steps.items["Train"].job_name == "churn-train-1"

        await pilot.press("q")  # the steps close: the Pipelines tab
        await wait_until(pilot, lambda: app.screen is app.main_screen, what="the tab")
        await pilot.press("q")  # Back to where the jump left: the job's detail, as it was
        await wait_until(pilot, lambda: app.screen is detail, what="the detail again")
        assert [type(s) for s in app.screen_stack] == [MainScreen, JobDetailScreen]
        assert app.main_screen.active_tab == "jobs"


async def test_a_job_no_pipeline_made_says_so_on_p(extras: Any) -> None:
    create_training_job(extras.client("sagemaker"), "solo-job")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_job(pilot, app)
        assert detail.origin is False
        assert not detail.query_one("#detail-pipeline", Static).display
        await pilot.press("p")
        await pilot.pause()
        assert app.screen is detail
        assert any("was not started by a pipeline" in n for n in notifications(app))


async def test_p_is_in_the_details_help(extras: Any) -> None:
    from screens.kit.help import HelpScreen

    create_training_job(extras.client("sagemaker"), "solo-job")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_job(pilot, app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        table = app.screen.query_one("#help-table", Static)
        rows = [line.split() for line in static_text(table).splitlines()]
        assert ["p", "Pipeline", "detail.pipeline"] in rows  # listed, with its keymap id
