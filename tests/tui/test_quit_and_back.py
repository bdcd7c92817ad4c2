"""Back never quits (issue 15): ``q``/``escape`` go back along the tabs jumps left; at
the start of that history ``q`` asks "Quit smconsole?"; ``ctrl+c`` quits at once."""

from __future__ import annotations

from typing import Any

from textual.widgets import TabbedContent

from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from tests.support.helpers import audit_records

from .conftest import create_training_job, make_app, wait_for_rows, wait_until


def active(app: Any) -> str:
    return str(app.main_screen.query_one(TabbedContent).active)


async def test_q_goes_back_along_jumps_then_asks_before_quitting(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    before = len(audit_records(intents=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.press("2")
        await pilot.press("7")
        assert active(app) == "status"
        await pilot.press("q")
        await wait_until(pilot, lambda: active(app) == "endpoints", what="back to endpoints")
        app.action_show_tab("status")
        await wait_until(pilot, lambda: active(app) == "status", what="status again")
        # escape is Back too (a table with no filter applied lets it through).
        await pilot.press("escape")
        await wait_until(pilot, lambda: active(app) == "endpoints", what="escape back")
        await pilot.press("q")
        await wait_until(pilot, lambda: active(app) == "jobs", what="back to jobs")
        await pilot.press("q")  # nothing left to go back to: asks
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.title_text == "Quit smconsole?" and dialog.change is None
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="stayed")
        assert app.is_running and app.return_code is None
        await pilot.press("escape")  # no history: escape does nothing, never quits
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.press("q")  # q in the dialog is "no", never a second quit
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="stayed")
        assert app.is_running
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0
    # No audit record: quitting changes nothing remote.
    assert len(audit_records(intents=True)) == before


async def test_ctrl_c_quits_the_main_screen_at_once(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.press("3")
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0 and app.crash is None
