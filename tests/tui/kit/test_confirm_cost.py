"""The confirm dialog's cost line, and :func:`with_cost`: the projection read first, a
dialog with its line, or (above the config's cap) an audited refusal and no dialog."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from console.services.projection import CostCapError, CostProjection
from screens.kit.confirm import ConfirmDialog, with_cost
from tests.support.helpers import audit_records
from tests.tui.conftest import make_app, notifications, static_text, wait_until

LINE = "projected cost: at most $28.36 (2 x ml.g5.12xlarge at $7.09/h for up to 2 h)"


def projection(refusal: CostCapError | None = None, warning: str = "") -> CostProjection:
    return CostProjection(28.36, False, LINE, warning, refusal)


def open_on(app: Any) -> Any:
    def opened(line: str) -> None:
        dialog = ConfirmDialog(
            "Create training job?",
            "big runs on 2 x ml.g5.12xlarge",
            change=("training-create", "big"),
            confirm_label="Create",
            cost=line,
        )
        app.push_screen(dialog)

    return opened


async def test_the_cost_line_is_shown_under_the_message(aws: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.main_screen.is_mounted, what="composed")
        with_cost(
            app.main_screen,
            ("training-create", "big"),
            lambda context: projection(warning="no price for x"),
            open_on(app),
        )
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.pause()
        cost = static_text(app.screen.query_one("#confirm-cost", Static))
        assert "at most $28.36" in cost and "no price for x" in cost


async def test_above_the_cap_no_dialog_opens_and_the_refusal_is_audited(aws: Any) -> None:
    app = make_app()
    refusal = CostCapError(
        "big: projected cost $28.36 is above max_job_cost $20.00; nothing was sent", "lower it"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.main_screen.is_mounted, what="composed")
        with_cost(
            app.main_screen,
            ("training-create", "big"),
            lambda context: projection(refusal),
            open_on(app),
        )
        await wait_until(
            pilot, lambda: any("max_job_cost" in n for n in notifications(app)), what="refusal"
        )
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
    (record,) = audit_records()
    assert (record["action"], record["target"], record["outcome"]) == (
        "training-create",
        "big",
        "refused",
    )


async def test_a_dialog_without_cost_has_no_cost_line(aws: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.main_screen.is_mounted, what="composed")
        app.push_screen(ConfirmDialog("Stop?", "stop it", change=None))
        await wait_until(pilot, lambda: app.screen.query("#cancel"), what="dialog composed")
        await pilot.pause()
        assert app.screen.query("#confirm-message") and not app.screen.query("#confirm-cost")
