"""The Jobs table's extras on a moto server: utilisation of running jobs (idle GPU
flagged), the failure reason (its own line at 80x24, a column on wide screens), cost
unknown without a price list (``?`` and why), and a created job shown at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.widgets import Static

from console.services.jobs_feed import JobsFeed, JobsSnapshot
from screens.jobs.table import REASON_MIN
from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from tests.support.job_metrics import put_host_metrics
from tests.tui.conftest import (
    ROLE,
    create_training_job,
    jobs_table,
    jobs_view,
    make_app,
    notifications,
    set_training_state,
    static_text,
    wait_for_rows,
    wait_until,
)
from tests.tui.jobs.test_training_form import IMAGE, fill, open_form

REASON = "AlgorithmError: CUDA out of memory. Tried to allocate 2.00 GiB\nTraceback: …"
# The demo's longest names (issue 15: at 200x50 they were cut to fit a Reason column).
LONG_NAME = "eval-resnet50-defects-2026-12-06-1006"
LONG_REASON = "ClientError: Data download failed: s3://data/train/ is empty"


def put_gpu(aws: Any, job: str, host: str, value: float) -> None:
    # The app reads "the last minutes" by the wall clock: points end now, not at import
    # (a long suite runs this module many minutes after collecting it).
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    put_host_metrics(aws, job, host, now, 12, GPUUtilization=value, CPUUtilization=value)


def seed(aws: Any, sm: Any) -> None:
    create_training_job(sm, LONG_NAME)
    set_training_state(LONG_NAME, "Failed", failure_reason=LONG_REASON)
    create_training_job(sm, "broken")
    create_training_job(sm, "busy")
    create_training_job(sm, "idle")
    set_training_state("busy", "InProgress")
    set_training_state("idle", "InProgress")
    set_training_state("broken", "Failed", failure_reason=REASON)
    put_gpu(aws, "busy", "algo-1", 88.0)
    put_gpu(aws, "idle", "algo-1", 2.0)


def cell(app: Any, key: str, column: str) -> str:
    table = jobs_table(app)
    index = list(table.columns).index(column)
    return table.get_row(key)[index].plain


async def test_util_reason_and_cost_at_80x24_and_wide(aws: Any, sm: Any) -> None:
    seed(aws, sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 4)
        table = jobs_table(app)
        await wait_until(pilot, lambda: len(table.extras) == 4, what="the extras")
        assert list(table.columns) == ["type", "name", "status", "created", "duration", "util"]
        assert cell(app, "training:busy", "util") == "g88%"
        assert cell(app, "training:idle", "util") == "g2%!"  # idle for 10 minutes
        assert cell(app, "training:broken", "util") == "-"
        # One metrics call answered both running jobs.
        assert app.context.cloudwatch.calls == 1
        reason_line = app.main_screen.query_one("#jobs-reason", Static)
        table.move_cursor(row=table.get_row_index("training:broken"))
        await wait_until(
            pilot, lambda: "broken:" in static_text(reason_line), what="the reason line"
        )
        text = static_text(reason_line)
        assert "broken: AlgorithmError: CUDA out of memory" in text and "Traceback" not in text
        table.move_cursor(row=table.get_row_index("training:busy"))
        await wait_until(pilot, lambda: not reason_line.display, what="no reason line")
        # An idle GPU: the line names the host and how long.
        table.move_cursor(row=table.get_row_index("training:idle"))
        await wait_until(
            pilot, lambda: static_text(reason_line).startswith("algo-1: GPU below 10% for 10 min")
        )

        # `/` finds the idle GPUs and the reasons.
        view = jobs_view(app)
        await pilot.press("slash", *"util:idle", "enter")
        await wait_until(pilot, lambda: table.shown_keys() == ["training:idle"], what="idle")
        await pilot.press("escape")

        # 200x50: the table ~146 wide beside the preview. The Util cell stays compact
        # (the preview has its long form), which leaves Reason room beside whole names.
        await pilot.resize_terminal(200, 50)
        await wait_until(pilot, lambda: "reason" in table.columns, what="wide columns")
        assert app.main_screen.query_one("#jobs-preview").display
        assert cell(app, "training:busy", "util") == "g88%"
        assert cell(app, "training:idle", "util") == "g2%!"
        assert cell(app, "training:broken", "reason").startswith("AlgorithmError: CUDA")
        widths = table.column_widths
        assert widths["name"] >= len(LONG_NAME) and widths["reason"] >= REASON_MIN
        row = table.get_row_index(f"training:{LONG_NAME}") + 1  # under the header
        assert f" {LONG_NAME} " in table.render_line(row).text
        assert " ClientError: Data" in table.render_line(row).text
        # moto has no Price List API: cost unknown, and the info line says why.
        assert cell(app, "training:busy", "cost") == "?"
        info = app.main_screen.query_one("#jobs-info", Static)
        await wait_until(
            pilot, lambda: "cost ?: prices unavailable" in static_text(info), what="cost note"
        )
        assert view.extras is not None


async def create_from_form(pilot: Any, app: Any, name: str) -> None:
    """``n``, the form filled, ``ctrl+s``, ``y``: back on the tab with the job created."""
    form = await open_form(pilot, app)
    fill(form, name=name, image=IMAGE, input="s3://bucket/in", output="s3://bucket/out")
    await pilot.pause()
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
    await pilot.press("y")
    await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="created")


async def test_a_created_job_is_shown_at_once_even_before_it_is_listed(
    sm: Any, monkeypatch: Any
) -> None:
    create_training_job(sm, "older")
    stale = JobsFeed.fetch

    def lagging(self: JobsFeed, on_page: Any = None) -> JobsSnapshot:
        # AWS's listing lags behind the create: the new job is not in it yet.
        snapshot = stale(self)
        kept = tuple(j for j in snapshot.items if not j.name.startswith("form-"))
        return JobsSnapshot(kept, snapshot.fetched_at, snapshot.unsupported)

    monkeypatch.setattr(JobsFeed, "fetch", lagging)
    app = make_app(execution_role_arn=ROLE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        table = jobs_table(app)
        await create_from_form(pilot, app, "form-job")
        assert "training:form-job" in table.shown_keys()
        assert table.cursor_key == "training:form-job"
        # Added here, not by an event: the info line does not say "(event)".
        info = app.main_screen.query_one("#jobs-info", Static)
        assert "updated" in static_text(info) and "(event)" not in static_text(info)
        # A poll whose listing lacks it keeps it shown.
        await pilot.press("r")
        await pilot.pause(0.5)
        await wait_until(pilot, lambda: not jobs_view(app).poller.schedule.running, what="poll")
        assert "training:form-job" in table.shown_keys()

        # Created while a filter hides it: said, not silently dropped or unfiltered.
        await pilot.press("slash", *"older", "enter")
        await wait_until(pilot, lambda: table.shown_keys() == ["training:older"], what="filter")
        await create_from_form(pilot, app, "form-two")
        assert "training:form-two" in table.jobs
        assert any("form-two created" in n and "hides it" in n for n in notifications(app))
