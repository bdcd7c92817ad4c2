"""Snapshots of the production view (issue 16) at 80x24 and 160x50: the Endpoints table
with each endpoint's last hour (sparkline, 5xx rate) and the endpoint detail's charts.

Rows and numbers are fixed (the feed's fetch and the detail's metrics read are replaced:
the picture must not depend on moto's clock); the real app runs on the moto server.
Update with ``--snapshot-update`` after a deliberate change and look at the pictures.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest

from console.services.cloudwatch import EndpointSummaryMetrics
from console.services.endpoints_feed import EndpointsFeed, EndpointsSnapshot
from screens.endpoints.table import EndpointsTable
from tests.tui.test_snapshots import NOW, fixed_endpoints, fixed_world, settled

__all__ = ["fixed_world"]  # a fixture used below

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
DAY = (2.0, 5.0, 9.0, 14.0, 20.0, 26.0, 30.0, 31.0, 28.0, 22.0, 15.0, 9.0)


def fixed_metrics() -> dict[str, EndpointSummaryMetrics]:
    return {
        "fraud-detector": EndpointSummaryMetrics("fraud-detector", DAY, 0.0042, 211.0),
        "churn-xgb-prod": EndpointSummaryMetrics("churn-xgb-prod", DAY[::-1], 0.0, 211.0),
        "recs-ab-test": EndpointSummaryMetrics(
            "recs-ab-test", (0.0,) * 8 + (40.0, 80.0, 90.0, 95.0), 0.125, 305.0
        ),
        "sentiment-v2": EndpointSummaryMetrics("sentiment-v2", (0.0,) * 12, 0.0, 0.0),
    }


@pytest.fixture
def with_metrics(fixed_world: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    snapshot = EndpointsSnapshot(
        fixed_endpoints(), NOW, metrics=MappingProxyType(fixed_metrics()), metric_calls=1
    )
    monkeypatch.setattr(EndpointsFeed, "fetch", lambda self: snapshot)
    yield


@SIZES
def test_endpoints_table_with_the_last_hour(
    snap_compare: Any, with_metrics: None, size: tuple[int, int]
) -> None:
    from tests.tui.conftest import make_app, wait_until

    app = make_app(theme="smconsole-dark")

    async def ready(pilot: Any) -> None:
        await settled(pilot, app)
        app.action_show_tab("endpoints")
        table = app.main_screen.query_one(EndpointsTable)
        await wait_until(pilot, lambda: table.total_count == 5 and table.has_focus, what="rows")
        await wait_until(pilot, lambda: bool(table.metrics), what="metrics")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)
