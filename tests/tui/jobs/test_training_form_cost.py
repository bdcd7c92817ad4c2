"""The training form's create confirm shows the job's projected cost (at most price x
count x max runtime); above max_job_cost it is refused (audited) and nothing is sent."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from console.services.pricing import PricingService
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.tui.conftest import ROLE, make_app, notifications, static_text, wait_until
from tests.tui.jobs.test_training_form import IMAGE, fill, open_form


class EveryPrice(dict[str, float]):
    """$2/h for any instance type (the form's default type needs no naming here)."""

    def get(self, key: str, default: Any = None) -> float:  # type: ignore[override]
        return 2.0


@pytest.fixture
def prices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PricingService, "prices", lambda self: EveryPrice())


async def create(app: Any, pilot: Any) -> None:
    form = await open_form(pilot, app)
    fill(form, name="form-job", image=IMAGE, input="s3://bucket/in", output="s3://bucket/out")
    await pilot.pause()
    await pilot.press("ctrl+s")


async def test_create_confirm_shows_the_projected_cost(sm: Any, prices: None) -> None:
    app = make_app(execution_role_arn=ROLE)
    async with app.run_test(size=(100, 40)) as pilot:
        await create(app, pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.pause()
        cost = static_text(app.screen.query_one("#confirm-cost", Static))
        assert "projected cost: at most $" in cost and "at $2/h" in cost


async def test_create_above_max_job_cost_is_refused(sm: Any, prices: None) -> None:
    app = make_app(execution_role_arn=ROLE, max_job_cost="0.01")
    async with app.run_test(size=(100, 40)) as pilot:
        await create(app, pilot)
        await wait_until(
            pilot, lambda: any("max_job_cost" in n for n in notifications(app)), what="refusal"
        )
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    assert [(r["action"], r["target"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("training-create", "form-job", "refused")
    ]
