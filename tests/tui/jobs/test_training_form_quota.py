"""The training form's quota pre-flight (issue 17), as the CLI's ``training-create``: over
the training quota of its instance type, the create is refused before anything is sent,
with the limit, the use and a hint, on the form at 80x24; one audited refusal; no confirm
dialog opens. Within the quota the confirm opens as before."""

from __future__ import annotations

from typing import Any

from screens.jobs.training_form import TrainingForm
from screens.kit.confirm import ConfirmDialog
from tests.core.services.test_quota_scaling import quotas  # noqa: F401
from tests.support.helpers import audit_records
from tests.tui.conftest import ROLE, make_app, notifications, wait_until
from tests.tui.jobs.test_training_form import IMAGE, fill, open_form, status_line


def app_with_quota(applied: dict[tuple[str, str], float]) -> Any:
    """The console, with a training quota of 2 for the form's default type."""
    applied[("ml.m5.large", "training job")] = 2.0
    return make_app(execution_role_arn=ROLE)


async def create(pilot: Any, app: Any, count: str) -> TrainingForm:
    form = await open_form(pilot, app)
    fill(
        form,
        name="big-job",
        image=IMAGE,
        input="s3://bucket/in",
        output="s3://bucket/out",
        count=count,
    )
    await pilot.pause()
    await pilot.press("ctrl+s")
    return form


async def test_a_create_over_the_quota_is_refused_with_the_numbers(
    sm: Any,
    quotas: dict[tuple[str, str], float],  # noqa: F811
) -> None:
    app = app_with_quota(quotas)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await create(pilot, app, "3")
        await wait_until(pilot, lambda: "refused" in status_line(form), what="the refusal")
        line = status_line(form)
        assert "limit 2, 0 in use, this needs 3 more; nothing was sent" in line, line
        assert "request an increase" in line
        assert any("limit 2" in n for n in notifications(app))
        await pilot.pause()
        assert app.screen is form  # no confirm dialog: the form stays, everything typed
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    assert [(r["action"], r["target"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("training-create", "big-job", "refused")
    ]


async def test_a_create_within_the_quota_asks_as_before(
    sm: Any,
    quotas: dict[tuple[str, str], float],  # noqa: F811
) -> None:
    app = app_with_quota(quotas)
    async with app.run_test(size=(80, 24)) as pilot:
        await create(pilot, app, "2")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
    assert audit_records(intents=True) == []
