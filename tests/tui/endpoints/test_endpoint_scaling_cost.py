"""``G`` on the endpoint detail at 80x24: raising a variant's autoscaling max shows the
worst case it adds per hour ((new max - old max) x the variant's instance price, from the
demo's served Price List) in the confirm dialog; above ``max_hourly_cost`` no dialog
opens, the refusal is audited once and RegisterScalableTarget is never sent; a change
that adds no instance (a lower max, min only) shows no cost line."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from console.config import load_config
from console.demo.prices import TABLE, write_demo_prices
from screens.endpoints.scaling import ScalingDialog
from screens.kit.confirm import ConfirmDialog
from tests.core.services.test_production_view import extras, register_target
from tests.support.helpers import audit_records
from tests.tui.conftest import make_app, notifications, static_text, wait_until
from tests.tui.endpoints.test_endpoint_scaling import open_detail, scalable
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint

__all__ = ["extras"]  # a fixture used below

M5 = TABLE[("Hosting", "ml.m5.large")]  # 0.115: blue's instance type


@pytest.fixture
def priced(aws: Any) -> None:
    config = load_config()
    write_demo_prices(config.region or "us-east-1", config.endpoint_url or aws.url)


async def edit_max(pilot: Any, maximum: str) -> None:
    """``G``, then blue's max (the second field) replaced, then review (ctrl+s)."""
    app = pilot.app
    await pilot.press("G")
    await wait_until(pilot, lambda: isinstance(app.screen, ScalingDialog), what="dialog")
    await pilot.press("tab", "end", "backspace", *maximum, "ctrl+s")


async def test_raise_max_shows_the_worst_case(extras: Any, sm: Any, priced: None) -> None:
    make_ab_endpoint(sm)
    register_target(extras)  # blue: min 1, max 4
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, app)
        await edit_max(pilot, "6")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.pause()
        line = " ".join(static_text(app.screen.query_one("#confirm-cost", Static)).split())
        assert M5 == 0.115  # the line below by hand: 2 more at most, 4 -> 6 x 0.115
        assert line == (
            "projected cost: at most +2 x ml.m5.large at $0.115/h = +$0.230/h "
            "(blue at max $0.460/h -> $0.690/h)"
        )
        await pilot.press("y")
        await wait_until(pilot, lambda: scalable(extras)["MaxCapacity"] == 6, what="raised")
    assert [r["outcome"] for r in audit_records() if r["action"] == "autoscaling-set"] == ["ok"]


async def test_lower_max_shows_no_cost(extras: Any, sm: Any, priced: None) -> None:
    make_ab_endpoint(sm)
    register_target(extras)
    app = make_app(max_hourly_cost="0.01")  # even a tiny cap: lowering adds nothing
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, app)
        await edit_max(pilot, "3")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        assert not app.screen.query("#confirm-cost")
        await pilot.press("y")
        await wait_until(pilot, lambda: scalable(extras)["MaxCapacity"] == 3, what="lowered")


async def test_raise_max_above_max_hourly_cost_is_refused(
    extras: Any, sm: Any, priced: None
) -> None:
    make_ab_endpoint(sm)
    register_target(extras)
    app = make_app(max_hourly_cost="0.5")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, app)
        await edit_max(pilot, "6")  # up to 6 x 0.115 = 0.69 > 0.5
        await wait_until(
            pilot,
            lambda: any("max_hourly_cost $0.50" in n for n in notifications(app)),
            what="refusal",
        )
        await pilot.pause()
        assert not isinstance(app.screen, (ConfirmDialog, ScalingDialog))
        assert any("up to $0.690/h (+$0.230/h)" in n for n in notifications(app))
    assert scalable(extras)["MaxCapacity"] == 4
    records = [(r["action"], r["target"], r["outcome"]) for r in audit_records(intents=True)]
    assert records == [("autoscaling-set", "endpoint/fraud/variant/blue", "refused")]
