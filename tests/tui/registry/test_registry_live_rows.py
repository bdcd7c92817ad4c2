"""Registry live rows (issue 18): a model package event through a real EventBridge rule
and SQS queue changes the Registry tab without a listing. In the open group the version
is described once and its row updated in place (an approved one leaves the pending-only
list); in another group only that group's pending count is read again (no describe). The
tab title's pending count follows both. An endpoint event makes it list again (which
version an endpoint serves is part of the evidence)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from console.services.registry import RegistryService
from screens.kit.events_link import EventsLink
from screens.registry.table import GroupsTable
from tests.support.events import EventsStack, job_detail, package_detail
from tests.support.hostile import CORPUS
from tests.support.registry import add_version, seed_churn
from tests.tui.conftest import make_app, wait_until
from tests.tui.registry.test_registry_view import open_tab, packages, tab_label, versions, view

T0 = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EventsLink, "WAIT_SECONDS", 1)


@pytest.fixture
def described(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The package ARNs described (by the poll's feed or a live row)."""
    seen: list[str] = []
    original = RegistryService.describe_package

    def counting(self: RegistryService, arn: str, **kwargs: Any) -> Any:
        seen.append(arn)
        return original(self, arn, **kwargs)

    monkeypatch.setattr(RegistryService, "describe_package", counting)
    return seen


def _approve(aws: Any, arn: str) -> None:
    """Another operator (or a pipeline) decides on the account."""
    aws.client("sagemaker").update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus="Approved"
    )


def _event(stack: EventsStack, group: str, version: int, arn: str) -> None:
    detail_type, detail = package_detail(group, version, "Approved", T0)
    detail["ModelPackageArn"] = arn  # the ARN as the account spells it
    stack.put(detail_type, detail, when=T0)


def _pending(app: Any, group: str) -> str:
    return app.main_screen.query_one(GroupsTable).get_row(group)[0].plain


async def test_package_events_update_rows_and_counts_without_a_listing(
    aws: Any, described: list[str]
) -> None:
    arns = seed_churn(aws)
    arns["v4"] = add_version(aws, "churn", 4, "PendingManualApproval", {"auc": 0.85})
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    fraud = add_version(aws, "fraud", 1, "PendingManualApproval", None)
    stack = EventsStack.create(aws, name="registry-live")
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_tab(pilot, app)
        registry = view(app)
        if registry.group != "churn":
            registry.open_group("churn")
        await wait_until(pilot, lambda: versions(app) == [4, 3], what="churn pending")
        await wait_until(pilot, lambda: tab_label(app) == "Registry 3", what="tab count")
        poller = registry.poller
        assert poller.pushed
        await wait_until(pilot, lambda: not poller.schedule.running, what="poll done")
        polls = poller.schedule.polls_started
        described.clear()

        # Names no read accepts (remote text): dropped, never a failed batch that would
        # hold back the honest event behind them.
        for index, text in enumerate(CORPUS[:4]):
            _event(stack, f"x{text}", 1, f"{arns['v3']}{text}")
            _event(stack, "churn", 9 + index, f"{arns['v3']}{text}")
        # churn/3 approved elsewhere: one describe, its row leaves the pending list.
        _approve(aws, arns["v3"])
        _event(stack, "churn", 3, arns["v3"])
        await wait_until(pilot, lambda: versions(app) == [4], what="v3 left pending")
        assert [a for a in described if a == arns["v3"]] == [arns["v3"]]
        assert _pending(app, "churn") == "1"
        await wait_until(pilot, lambda: tab_label(app) == "Registry 2", what="tab count 2")
        await wait_until(pilot, lambda: stack.depth() == 0, what="hostile ones deleted too")
        described.clear()
        await pilot.press("p")  # all versions: v3's row shows its new status
        assert packages(app).items[arns["v3"]].approval_status == "Approved"

        # fraud/1 approved: another group, its count read again, nothing described.
        _approve(aws, fraud)
        _event(stack, "fraud", 1, fraud)
        await wait_until(pilot, lambda: _pending(app, "fraud") == "-", what="fraud count")
        await wait_until(pilot, lambda: tab_label(app) == "Registry 1", what="tab count 1")
        assert described == []
        assert fraud not in packages(app).items  # the open group is still churn
        assert poller.schedule.polls_started == polls  # no listing: pushed
        await wait_until(pilot, lambda: stack.depth() == 0, what="applied, then deleted")

        # An endpoint changed: what it serves may have, so the registry lists again.
        stack.put(*job_detail("endpoint", "churn-prod", "Updating", T0), when=T0)
        await wait_until(
            pilot, lambda: poller.schedule.polls_started > polls, what="a listing for serving"
        )
        await wait_until(pilot, lambda: not poller.schedule.running, what="listing done")
        # The pushed description was remembered: the listing did not describe v3 again.
        assert arns["v3"] not in described
