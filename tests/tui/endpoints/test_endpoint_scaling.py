"""Autoscaling edits from the endpoint detail (issue 16): ``c`` opens the scaling dialog
(min/max, paused per target, checked as typed), the one confirm dialog asks, the gated
service changes the target in moto (audited); read-only refuses before asking; a bad
value is explained and nothing sent. Plus the dialog's pure planner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input

from console.errors import ValidationError
from console.services.autoscaling import ScalableTarget
from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.scaling import (
    ScalingChange,
    ScalingDialog,
    describe_change,
    plan_changes,
    target_label,
)
from screens.kit.confirm import ConfirmDialog
from tests.core.services.test_production_view import extras, register_target
from tests.support.helpers import audit_records
from tests.support.hostile import CORPUS, assert_inert_output
from tests.tui.conftest import make_app, notifications, wait_until
from tests.tui.endpoints.test_endpoint_kinds import text_of
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, open_tab

__all__ = ["extras"]  # a fixture used below

DIMENSION = "sagemaker:variant:DesiredInstanceCount"


def target(low: int = 1, high: int = 4, paused: bool = False) -> ScalableTarget:
    return ScalableTarget(
        "endpoint/fraud/variant/blue",
        DIMENSION,
        low,
        high,
        paused,
        paused,
        paused,
        datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_plan_changes_only_what_was_edited() -> None:
    targets = (target(),)
    assert plan_changes(targets, [("1", "4", False)]) == []
    assert plan_changes(targets, [(" 2", "6 ", False)]) == [
        ScalingChange("endpoint/fraud/variant/blue", DIMENSION, 2, 6, None)
    ]
    (paused,) = plan_changes(targets, [("1", "4", True)])
    assert (paused.minimum, paused.suspend, paused.action) == (None, True, "autoscaling-suspend")
    (resumed,) = plan_changes((target(paused=True),), [("1", "4", False)])
    assert resumed.action == "autoscaling-resume"


@pytest.mark.parametrize(
    ("low", "high", "said"),
    [
        ("5", "4", "blue: min capacity 5 is above max capacity 4"),
        ("-1", "4", "blue: min capacity must be >= 0"),
        ("x", "4", "min capacity of blue must be a whole number"),
        ("1", "", "max capacity of blue must be a whole number"),
        ("0", "0", "blue: "),
    ],
)
def test_plan_changes_refuses_bad_values(low: str, high: str, said: str) -> None:
    with pytest.raises(ValidationError) as caught:
        plan_changes((target(),), [(low, high, False)])
    assert said in caught.value.one_line()


def scalable(aws: Any) -> dict[str, Any]:
    client = aws.client("application-autoscaling")
    (found,) = client.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    return dict(found)


async def open_detail(pilot: Any, app: Any) -> EndpointDetailScreen:
    await open_tab(pilot, app)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
    screen = app.screen
    assert isinstance(screen, EndpointDetailScreen)
    await wait_until(pilot, lambda: screen.scaling is not None, what="autoscaling read")
    return screen


async def test_edit_min_max_and_pause_from_the_detail(extras: Any, sm: Any) -> None:
    make_ab_endpoint(sm)
    register_target(extras)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, app)
        await pilot.press("G")
        await wait_until(pilot, lambda: isinstance(app.screen, ScalingDialog), what="dialog")
        dialog = app.screen
        assert isinstance(dialog, ScalingDialog)
        assert dialog.query_one("#apply", Button).disabled  # nothing changed yet
        await pilot.press("2", "tab", "end", "backspace", "6", "tab", "space")
        paused = dialog.query_one("#scaling-paused-0", Checkbox)
        assert paused.value
        assert str(paused.label) == "yes: paused"  # spelled out: no colour needed to read it
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "min 1->2, max 4->6, pause scaling" in confirm.message
        assert confirm.change == ("autoscaling-set", "endpoint/fraud/variant/blue")
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: (
                scalable(extras)["MinCapacity"] == 2
                and scalable(extras).get("SuspendedState", {}).get("DynamicScalingInSuspended")
            ),
            what="moto's target changed",
        )
        found = scalable(extras)
        assert (found["MinCapacity"], found["MaxCapacity"]) == (2, 6)
        # the detail reads its autoscaling again and shows the new limits
        await wait_until(
            pilot,
            lambda: (
                "endpoint/fraud/variant/blue: min 2, max 6 (scaling paused)"
                in text_of(list(screen.query(Widget).results()))
            ),
            what="detail shows the new limits",
        )
        await wait_until(
            pilot, lambda: any("scaling paused" in n for n in notifications(app)), what="notify"
        )
    outcomes = [(r["action"], r["target"], r["outcome"]) for r in audit_records()]
    assert outcomes == [
        ("autoscaling-set", "endpoint/fraud/variant/blue", "ok"),
        ("autoscaling-suspend", "endpoint/fraud/variant/blue", "ok"),
    ]


async def test_a_bad_value_or_a_no_sends_nothing(extras: Any, sm: Any) -> None:
    make_ab_endpoint(sm)
    register_target(extras)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, app)
        await pilot.press("G")
        await wait_until(pilot, lambda: isinstance(app.screen, ScalingDialog), what="dialog")
        dialog = app.screen
        assert isinstance(dialog, ScalingDialog)
        await pilot.press("9")  # min 9 > max 4
        assert "min capacity 9 is above max capacity 4" in dialog.error
        assert dialog.query_one("#apply", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert any("min capacity 9" in n for n in notifications(app))
        await pilot.press("escape")
        await wait_until(
            pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="back to detail"
        )
        # declined at the confirm dialog: nothing sent
        await pilot.press("G")
        await wait_until(pilot, lambda: isinstance(app.screen, ScalingDialog), what="dialog")
        min_input = app.screen.query_one("#scaling-min-0", Input)
        assert min_input.value == "1"
        await pilot.press("3", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("n")
        await wait_until(
            pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="back to detail"
        )
    assert scalable(extras)["MinCapacity"] == 1
    # the "n" is audited as a refusal before anything was sent
    assert [(r["action"], r["target"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("autoscaling-set", "endpoint/fraud/variant/blue", "refused")
    ]


async def test_read_only_refuses_before_asking(extras: Any, sm: Any) -> None:
    make_ab_endpoint(sm)
    register_target(extras)
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, app)
        await pilot.press("G")
        await pilot.pause()
        assert app.screen is screen
        assert any("read-only mode: autoscaling-set fraud refused" in n for n in notifications(app))
    assert [(r["action"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("autoscaling-set", "refused")
    ]
    assert scalable(extras)["MinCapacity"] == 1


async def test_no_scalable_target_says_so(extras: Any, sm: Any) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, app)
        await pilot.press("G")
        await pilot.pause()
        assert app.screen is screen
        assert any("no scalable target to edit" in n for n in notifications(app))
    assert audit_records(intents=True) == []


@pytest.mark.parametrize("hostile", CORPUS)
def test_a_hostile_resource_id_is_shown_inert(hostile: str) -> None:
    """The resource id is AWS's text: the dialog's labels and the confirm lines are inert."""
    from dataclasses import replace

    hostile_target = replace(target(), resource_id=f"endpoint/fraud/variant/{hostile}")
    assert_inert_output(target_label(hostile_target), where="dialog label")
    (change,) = plan_changes((hostile_target,), [("2", "4", False)])
    assert_inert_output(describe_change(change, hostile_target), where="confirm line")
