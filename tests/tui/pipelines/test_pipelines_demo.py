"""The operator's day on the demo, in the console (issue 17's "done when"): find the
failed pipeline step, jump to its job and open its logs, retry the execution; a
transform step opens its xform job; the Status tab shows what the account spends per
hour (the demo's prices) and which endpoint idles."""

from __future__ import annotations

from typing import Any

from console.demo.seed import IDLE_ENDPOINT, PIPELINE_NAME, SCORING_PIPELINE
from console.demo.stack import DemoStack
from screens.jobs.detail import JobDetailScreen
from screens.kit.confirm import ConfirmDialog
from screens.logs.view import LogScreen
from screens.pipelines.executions import ExecutionsScreen, StepsScreen
from screens.pipelines.tables import ExecutionsTable, PipelinesTable, StepsTable
from screens.status.view import StatusView
from tests.core.demo.test_demo import demo, on_demo  # noqa: F401  (module fixtures)
from tests.tui.conftest import make_app, static_text, wait_until


async def open_pipeline(pilot: Any, app: Any, name: str, executions: int) -> ExecutionsTable:
    await pilot.press("8")
    table = app.main_screen.query_one(PipelinesTable)
    await wait_until(pilot, lambda: name in table.items and table.has_focus, what=name)
    table.move_cursor(row=table.get_row_index(name))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ExecutionsScreen), what="executions")
    rows = app.screen.query_one(ExecutionsTable)
    await wait_until(pilot, lambda: rows.total_count == executions, what="executions listed")
    return rows


async def open_steps(pilot: Any, app: Any, rows: ExecutionsTable, arn: str) -> StepsTable:
    rows.move_cursor(row=rows.get_row_index(arn))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, StepsScreen), what="steps")
    steps = app.screen.query_one(StepsTable)
    await wait_until(pilot, lambda: steps.total_count >= 1, what="steps listed")
    return steps


async def test_failed_step_to_its_logs_then_retry(on_demo: DemoStack) -> None:  # noqa: F811
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        rows = await open_pipeline(pilot, app, PIPELINE_NAME, 3)
        failed = next(k for k, e in rows.items.items() if e.status == "Failed")
        steps = await open_steps(pilot, app, rows, failed)
        summary = static_text(app.screen.query_one("#pipeline-execution-summary"))
        assert "CUDA out of memory" in summary  # the failed step's own reason, on top
        train = steps.items["Train"]
        assert train.status == "Failed" and train.job_name == on_demo.world.oom_job
        steps.move_cursor(row=steps.get_row_index("Train"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="job")
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="its logs")
        # Back to the Pipelines tab, and retry the failed execution.
        while len(app.screen_stack) > 1:
            app.pop_screen()
        await pilot.pause()
        rows = await open_pipeline(pilot, app, PIPELINE_NAME, 3)
        rows.move_cursor(row=rows.get_row_index(failed))
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: rows.items[failed].status == "Executing", what="retried and listed"
        )


async def test_a_transform_step_opens_its_xform_job(on_demo: DemoStack) -> None:  # noqa: F811
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        rows = await open_pipeline(pilot, app, SCORING_PIPELINE, 1)
        (arn,) = rows.items
        steps = await open_steps(pilot, app, rows, arn)
        assert steps.items["Score"].job_type == "xform"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="job")
        detail = app.screen
        assert isinstance(detail, JobDetailScreen)
        assert (detail.kind, detail.job_name) == ("xform", "churn-batch-score-1124")


async def test_status_shows_the_spend_with_the_demo_prices(on_demo: DemoStack) -> None:  # noqa: F811
    # `smconsole demo` publishes them as it points the console at the stack
    # (DemoStack.environment); this test's cache dir is its own.
    on_demo.publish_prices()
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("7")
        status = app.main_screen.query_one(StatusView)
        cost = status.query_one("#status-cost")
        await wait_until(pilot, lambda: "Spend now" in static_text(cost), what="cost", timeout=60)
        text = static_text(cost)
        assert "? = unknown" not in text, text  # the demo's prices were read
        assert "Most expensive" in text and "/h" in text
        assert "?" not in text.split("Today")[0], text  # every running thing priced
        idle = text.split("Idle", 1)[1]
        assert f"endpoint {IDLE_ENDPOINT} $0.230/h" in idle  # 1 x ml.m5.xlarge, nobody calls
