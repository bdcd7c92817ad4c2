"""Hostile remote text through the Jobs tab's new boundaries: the failure reason (line
under the table, Reason column, preview) and a tuning trial's hyperparameters (ranked
table) render visibly and inertly."""

from __future__ import annotations

from typing import Any

from screens.jobs.detail import JobDetailScreen
from screens.jobs.tuning_detail import TuningTrialsTable
from tests.core.services.test_tuning import extras  # noqa: F401 - the moto extras fixture
from tests.support.hostile import HOSTILE, HOSTILE_SHORT, assert_inert_output
from tests.tui.conftest import (
    create_training_job,
    create_tuning_job,
    jobs_table,
    make_app,
    set_training_state,
    wait_for_rows,
    wait_until,
)
from tests.tui.jobs.test_tuning_detail import add_trial
from tests.tui.test_hostile_text_screens import VISIBLE_OSC52, rendered


async def test_failure_reason_in_the_table_line_and_preview(sm: Any) -> None:
    create_training_job(sm, "bad-job")
    set_training_state("bad-job", "Failed", failure_reason=HOSTILE)
    app = make_app()
    for size in ((80, 24), (148, 40), (170, 40)):
        async with app.run_test(size=size) as pilot:
            await wait_for_rows(pilot, app, 1)
            table = jobs_table(app)
            await wait_until(pilot, lambda: table.extras, what="the reason read")
            line = app.main_screen.query_one("#jobs-reason")
            await wait_until(pilot, lambda: line.display, what="the reason line")
            await pilot.pause()
            text = rendered(app)
            assert_inert_output(text, where=f"jobs tab at {size}")
            assert VISIBLE_OSC52 in text
        app = make_app()


async def test_hyperparameters_in_the_ranked_trials(extras: Any) -> None:  # noqa: F811
    sm = extras.client("sagemaker")
    create_tuning_job(sm, "sweep")
    add_trial(extras, "sweep", "sweep-001", 0.4, HOSTILE_SHORT)
    add_trial(extras, "sweep", "sweep-002", 0.2, "0.01")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 3)
        table = jobs_table(app)
        table.move_cursor(row=table.get_row_index("tuning:sweep"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
        await wait_until(pilot, lambda: app.screen.query(TuningTrialsTable), what="trials")
        await pilot.pause()
        text = rendered(app)
        assert_inert_output(text, where="tuning trials")
        assert "lr=ok␛]52" in text  # shown (cut in the middle to fit), never sent
