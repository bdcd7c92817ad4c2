"""Starting a notebook shows its projected hourly cost; above max_hourly_cost it is
refused (audited) and no dialog opens."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from console.services.pricing import PricingService
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.tui.conftest import make_app, notifications, static_text, wait_until
from tests.tui.notebooks.test_notebooks_view import make_notebook, open_tab, status_in_moto


@pytest.fixture
def prices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PricingService, "prices", lambda self: {"Notebook|ml.t3.medium": 0.05})


async def test_start_confirm_shows_the_hourly_cost(sm: Any, prices: None) -> None:
    make_notebook(sm, "explore")
    sm.stop_notebook_instance(NotebookInstanceName="explore")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await open_tab(pilot, app, 1)
        await wait_until(
            pilot, lambda: rows.get_row("explore")[1].plain == "Stopped", what="stopped row"
        )
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.pause()
        cost = static_text(app.screen.query_one("#confirm-cost", Static))
        assert "$0.050/h" in cost and "1 x ml.t3.medium" in cost


async def test_start_above_max_hourly_cost_is_refused(sm: Any, prices: None) -> None:
    make_notebook(sm, "explore")
    sm.stop_notebook_instance(NotebookInstanceName="explore")
    app = make_app(max_hourly_cost="0.01")
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await open_tab(pilot, app, 1)
        await wait_until(
            pilot, lambda: rows.get_row("explore")[1].plain == "Stopped", what="stopped row"
        )
        await pilot.press("t")
        await wait_until(
            pilot,
            lambda: any("max_hourly_cost" in n for n in notifications(app)),
            what="refusal",
        )
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
    assert status_in_moto(sm, "explore") == "Stopped"
    assert [(r["action"], r["target"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("notebook-start", "explore", "refused")
    ]
