"""``G`` on the HyperPod tab at 80x24 (nodes pane and clusters pane) shows the scale's
projected cost in the confirm dialog, priced from the demo's served Price List (HyperPod
instances under ``USE1-Cluster:ml.*``); above ``max_hourly_cost`` no dialog opens, the
refusal is audited once and UpdateCluster is never sent; an unknown price says ``?``."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static

from console.config import load_config
from console.demo.prices import TABLE, write_demo_prices
from screens.hyperpod.prompt import ValuePrompt
from screens.hyperpod.tables import ClustersTable
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.tui.conftest import notifications, static_text

from .test_hyperpod_lifecycle_keys import answer, cursor_on, lifecycle_api, targets
from .test_hyperpod_view import app_on, clock, cluster, open_nodes, wait_until

__all__ = ["clock", "cluster", "lifecycle_api"]  # fixtures, imported to be used here

P5 = TABLE[("Cluster", "ml.p5.48xlarge")]  # 113.068: every group of the test cluster


@pytest.fixture
def priced(aws: Any) -> None:
    config = load_config()
    write_demo_prices(config.region or "us-east-1", config.endpoint_url or aws.url)


async def cost_line(pilot: Any) -> str:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
    await pilot.pause()
    return static_text(app.screen.query_one("#confirm-cost", Static))


async def test_nodes_pane_scale_shows_what_it_adds(
    cluster: str, sm: Any, lifecycle_api: None, priced: None
) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_nodes(pilot, app)
        cursor_on(table, lambda row: row.instance is not None and row.instance.group == "workers")
        await pilot.press("G")
        await answer(pilot, "5")
        line = " ".join((await cost_line(pilot)).split())
        # 3 -> 5 workers: +2 x 113.068 = 226.136; 5 -> 7 instances in the cluster.
        assert P5 == 113.068
        assert (
            "projected cost: +2 x ml.p5.48xlarge at $113.068/h = +$226.136/h "
            f"({cluster} now $565.340/h -> $791.476/h)"
        ) in line
        await pilot.press("y")
        await wait_until(pilot, lambda: targets(sm, cluster)["workers"] == 5, what="scaled")
    assert [r["outcome"] for r in audit_records() if r["action"] == "hyperpod-scale"] == ["ok"]


async def test_clusters_pane_shrink_shows_the_saving(
    cluster: str, sm: Any, lifecycle_api: None, priced: None
) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_nodes(pilot, app)
        await pilot.press("L")
        clusters = app.main_screen.query_one("#hp-clusters-table", ClustersTable)
        await wait_until(pilot, lambda: cluster in clusters.items, what="the cluster")
        await pilot.press("G")
        await answer(pilot, "workers 2")
        line = " ".join((await cost_line(pilot)).split())
        assert "projected saving: -1 x ml.p5.48xlarge at $113.068/h = -$113.068/h" in line
        assert f"({cluster} now $565.340/h -> $452.272/h)" in line
        await pilot.press("ctrl+c")  # declined: nothing sent
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="closed")
    assert targets(sm, cluster)["workers"] == 3
    assert [r["outcome"] for r in audit_records() if r["action"] == "hyperpod-scale"] == ["refused"]


async def test_scale_above_max_hourly_cost_opens_no_dialog(
    cluster: str, sm: Any, lifecycle_api: None, priced: None
) -> None:
    app = app_on(cluster, max_hourly_cost="600")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_nodes(pilot, app)
        cursor_on(table, lambda row: row.instance is not None and row.instance.group == "workers")
        await pilot.press("G")
        await answer(pilot, "4")  # 6 x 113.068 = 678.408 > 600
        await wait_until(
            pilot,
            lambda: any("max_hourly_cost $600.00" in n for n in notifications(app)),
            what="refusal",
        )
        await pilot.pause()
        assert not isinstance(app.screen, (ConfirmDialog, ValuePrompt))
        assert any("$678.408/h" in n for n in notifications(app))
    assert targets(sm, cluster)["workers"] == 3
    records = [(r["action"], r["outcome"]) for r in audit_records(intents=True)]
    assert records == [("hyperpod-scale", "refused")]


async def test_unknown_price_says_so_and_goes_on(
    cluster: str, sm: Any, lifecycle_api: None
) -> None:
    app = app_on(cluster, max_hourly_cost="1")  # no price list: the cap cannot refuse
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_nodes(pilot, app)
        cursor_on(table, lambda row: row.instance is not None and row.instance.group == "workers")
        await pilot.press("G")
        await answer(pilot, "4")
        assert "projected cost: ? (no price)" in await cost_line(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.query_one("#cancel").has_focus
        assert not dialog.query(Input)  # growing: no typed name
        await pilot.press("y")
        await wait_until(pilot, lambda: targets(sm, cluster)["workers"] == 4, what="scaled")
