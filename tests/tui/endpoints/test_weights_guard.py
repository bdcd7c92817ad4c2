"""The traffic guard from the weights dialog (issue 16) against moto: a bad rule is
explained in the dialog; a confirmed shift with ``5xx<1%`` watches the variant that gained
traffic and, on a synthetic 5xx burst, puts the weights back by itself, with its start and
the rollback audited; a healthy variant keeps the new split."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Input

from console.services.traffic_guard import TrafficGuard
from screens.endpoints.guard import GuardStopped, GuardStops, stoppable
from screens.endpoints.view import EndpointsView
from screens.endpoints.weights import WeightsDialog
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.tui.conftest import make_app, notifications, wait_until
from tests.tui.endpoints.test_endpoint_charts import percentiles
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, open_tab, weights_in_moto

__all__ = ["percentiles"]  # a fixture used below


def quick_guard(context: Any) -> TrafficGuard:
    """Checks at once instead of once a minute, its clock 40 s further at each look: the
    first check reads the last minute, the second is past a 1-minute watch."""
    looks = itertools.count()
    started = datetime.now(UTC)
    return TrafficGuard(
        context.endpoints,
        context.cloudwatch,
        sleep=lambda _s: None,
        now=lambda: started + timedelta(seconds=40 * next(looks)),
        interval=0,
    )


def burst(aws: Any, variant: str, errors: float) -> None:
    """100 invocations and ``errors`` 5xx on ``variant`` a few seconds ago."""
    dims = [{"Name": "EndpointName", "Value": "fraud"}, {"Name": "VariantName", "Value": variant}]
    stamp = datetime.now(UTC) - timedelta(seconds=5)
    aws.client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {"MetricName": metric, "Dimensions": dims, "Timestamp": stamp, "Value": value}
            for metric, value in (
                ("Invocations", 100.0),
                ("Invocation5XXErrors", errors),
                ("ModelLatency", 30000.0),
            )
        ],
    )


async def shift_with_guard(pilot: Any, app: Any, rule: str) -> WeightsDialog:
    await open_tab(pilot, app)
    app.main_screen.query_one(EndpointsView).guard_factory = quick_guard
    await pilot.press("w")
    await wait_until(pilot, lambda: isinstance(app.screen, WeightsDialog), what="dialog")
    dialog = app.screen
    assert isinstance(dialog, WeightsDialog)
    dialog.query_one("#weight-0", Input).value = "10"
    dialog.query_one("#weight-1", Input).value = "90"
    dialog.query_one("#guard-rule", Input).value = rule
    dialog.query_one("#guard-minutes", Input).value = "1"
    await pilot.pause()
    return dialog


async def test_a_bad_guard_rule_is_explained_and_blocks_apply(sm: Any) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await shift_with_guard(pilot, app, "5xx>1")
        assert dialog.plan is None and "is not a rule" in dialog.error
        dialog.query_one("#guard-rule", Input).value = "5xx<1%"
        dialog.query_one("#guard-minutes", Input).value = "999"
        await pilot.pause()
        assert dialog.plan is None and "1-180" in dialog.error


@pytest.mark.parametrize("bad", [True, False], ids=["5xx-burst", "healthy"])
async def test_guard_rolls_back_a_shift_on_a_5xx_burst(
    sm: Any, aws: Any, percentiles: None, bad: bool
) -> None:
    make_ab_endpoint(sm)
    burst(aws, "green", 12.0 if bad else 0.0)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await shift_with_guard(pilot, app, "5xx<1%")
        assert dialog.plan is not None and dialog.plan.guard is not None
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "guard: roll back if 5xx<1% is broken within 1 min" in confirm.message
        await pilot.press("y")
        ended = "rolled back" if bad else "no breach"
        await wait_until(
            pilot, lambda: any(ended in n for n in notifications(app)), what="guard's end"
        )
        actions = [(r["action"], r["outcome"]) for r in audit_records()]
        assert ("endpoint-weights", "ok") in actions
        assert ("endpoint-weights-guard", "ok") in actions
        if bad:
            assert weights_in_moto(sm) == {"blue": 1.0, "green": 1.0}
            (rollback,) = [r for r in audit_records() if r["action"] == "endpoint-weights-rollback"]
            assert rollback["outcome"] == "ok" and "green" in rollback["params"]["Reason"]
        else:
            assert weights_in_moto(sm) == {"blue": 10.0, "green": 90.0}
            assert ("endpoint-weights-rollback", "ok") not in actions


def test_a_newer_guard_stops_the_older_one() -> None:
    stops = GuardStops()
    first = stops.replace("fraud")
    sleep = stoppable(first)
    sleep(0)  # not stopped: returns
    second = stops.replace("fraud")
    assert first.is_set() and not second.is_set()
    with pytest.raises(GuardStopped):
        sleep(60)  # wakes at once
    assert stops.running() == ["fraud"]
    stops.stop_all()
    assert second.is_set() and stops.running() == []


async def test_quitting_stops_a_watching_guard_without_rollback(sm: Any, aws: Any) -> None:
    """A guard sleeping its minute must not hold the console's exit, nor roll back."""
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await shift_with_guard(pilot, app, "5xx<1%")
        view = app.main_screen.query_one(EndpointsView)
        view.guard_factory = lambda context: TrafficGuard(
            context.endpoints, context.cloudwatch, interval=60
        )
        assert dialog.plan is not None
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: view.guards.running() == ["fraud"], what="watching")
        await wait_until(
            pilot,
            lambda: (
                ("endpoint-weights-guard", "ok")
                in [(r["action"], r["outcome"]) for r in audit_records()]
            ),
            what="guard started",
        )
        started = time.monotonic()
    assert time.monotonic() - started < 20  # not the guard's minute
    assert weights_in_moto(sm) == {"blue": 10.0, "green": 90.0}
    assert "endpoint-weights-rollback" not in [r["action"] for r in audit_records()]
