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


def fixed_health(name: str = "fraud-detector") -> Any:
    """An hour of both variants: green's 5xx burst and latency bump after a shift at
    11:40; CPU on both, GPU on green."""
    from datetime import timedelta

    from console.services.cloudwatch import MetricBatch, MetricSeries, SeriesPoint
    from screens.endpoints.health import Health

    start = NOW - timedelta(hours=1)
    shift = NOW - timedelta(minutes=20)
    series: dict[tuple[str, ...], MetricSeries] = {}

    def add(variant: str, metric: str, stat: str, value: Any) -> None:
        points = tuple(
            SeriesPoint(start + timedelta(minutes=m), float(value(m, start + timedelta(minutes=m))))
            for m in range(60)
        )
        key = (name, variant, metric, stat)
        series[key] = MetricSeries(key, "AWS/SageMaker", metric, stat, points)

    for variant, share in (("blue", 0.9), ("green", 0.1)):
        after = variant == "green"
        add(variant, "Invocations", "Sum", lambda m, t, s=share: 100 * s + (m % 12) * 3)
        add(
            variant,
            "Invocation5XXErrors",
            "Sum",
            lambda m, t, a=after: 4.0 if a and t >= shift and m < 50 else 0.0,
        )
        add(variant, "Invocation4XXErrors", "Sum", lambda m, t: 1.0 if m % 17 == 0 else 0.0)
        add(variant, "ModelLatency", "p50", lambda m, t: 20000 + (m % 5) * 1000)
        add(
            variant,
            "ModelLatency",
            "p99",
            lambda m, t, a=after: 90000 if a and t >= shift else 40000 + (m % 7) * 2000,
        )
        add(variant, "CPUUtilization", "Average", lambda m, t: 30 + (m % 10) * 4)
        if after:
            add(variant, "GPUUtilization", "Average", lambda m, t: 55 + (m % 6) * 5)
    batch = MetricBatch(series, start, NOW, 60, 1)
    return Health(batch, None, ("blue", "green"), (shift,), "1h", False)


@pytest.fixture
def fixed_detail(with_metrics: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import screens.endpoints.detail
    import screens.endpoints.health

    endpoint = fixed_endpoints()[0]
    monkeypatch.setattr(
        screens.endpoints.detail, "describe_endpoint", lambda context, name: (endpoint, (), None)
    )
    monkeypatch.setattr(
        screens.endpoints.health, "read_health", lambda *args, **kwargs: fixed_health()
    )
    monkeypatch.setattr(
        screens.endpoints.health, "read_scaling", lambda *args, **kwargs: (None, "")
    )
    yield


async def open_fixed_detail(pilot: Any, app: Any) -> Any:
    """From start-up to the fixed endpoint's detail (fraud-detector, the first row)."""
    from screens.endpoints.detail import EndpointDetailScreen
    from tests.tui.conftest import wait_until

    await settled(pilot, app)
    app.action_show_tab("endpoints")
    table = app.main_screen.query_one(EndpointsTable)
    await wait_until(pilot, lambda: table.total_count == 5 and table.has_focus, what="rows")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
    return app.screen


@SIZES
def test_endpoint_detail_charts(
    snap_compare: Any, fixed_detail: None, size: tuple[int, int]
) -> None:
    from screens.endpoints.charts import EndpointMetricChart
    from tests.tui.conftest import make_app, wait_until

    app = make_app(theme="smconsole-dark")

    async def ready(pilot: Any) -> None:
        await open_fixed_detail(pilot, app)
        await wait_until(
            pilot, lambda: len(app.screen.query(EndpointMetricChart)) == 2, what="charts"
        )
        if size[1] < 30:  # scroll the first variant's chart into view
            body = app.screen.query_one("#detail-body")
            await pilot.pause()
            body.scroll_to_widget(
                app.screen.query(EndpointMetricChart).first(), animate=False, top=True
            )
            await wait_until(pilot, lambda: body.scroll_y > 0, what="scrolled")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.fixture
def fixed_scaling(fixed_detail: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The detail's autoscaling (both variants scalable, blue paused) and each variant's
    last hour as the weights dialog reads it."""
    import screens.endpoints.health
    from console.services.autoscaling import VARIANT_DIMENSION, ScalableTarget, ScalingView

    def target(variant: str, high: int, paused: bool) -> ScalableTarget:
        resource = f"endpoint/fraud-detector/variant/{variant}"
        return ScalableTarget(resource, VARIANT_DIMENSION, 1, high, paused, paused, paused, NOW)

    from console.services.cloudwatch import CloudWatchMetricsService, VariantHealth

    def last_hour(self: Any, name: str, variants: list[str], **kwargs: Any) -> list[Any]:
        return [
            VariantHealth(name, "blue", 5400.0, 54.0, 0.0, 21.0, 20.0, 48.0),
            VariantHealth(name, "green", 600.0, 6.0, 15.0, 35.0, 30.0, 90.0),
        ]

    monkeypatch.setattr(CloudWatchMetricsService, "variant_health", last_hour)
    view = ScalingView(
        "fraud-detector", (target("blue", 4, True), target("green", 2, False)), (), (), ()
    )
    monkeypatch.setattr(
        screens.endpoints.health, "read_scaling", lambda *args, **kwargs: (view, "")
    )
    yield


@pytest.mark.parametrize("key", ["w", "G"], ids=["weights", "scaling"])
def test_endpoint_dialogs_at_80x24(snap_compare: Any, fixed_scaling: None, key: str) -> None:
    """The weights dialog names its guard fields (rule "none" when empty, minutes) and
    the scaling dialog spells out each target's paused state without cutting it."""
    from screens.endpoints.scaling import ScalingDialog
    from screens.endpoints.weights import WeightsDialog
    from tests.tui.conftest import make_app, wait_until

    app = make_app(theme="smconsole-dark")
    dialog = {"w": WeightsDialog, "G": ScalingDialog}[key]

    async def ready(pilot: Any) -> None:
        await open_fixed_detail(pilot, app)
        detail = app.screen
        await wait_until(pilot, lambda: detail.scaling is not None, what="scaling read")
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, dialog), what="the dialog")
        if key == "w":  # each variant's last hour, read by a worker
            from textual.widgets import Static

            from tests.tui.conftest import static_text

            health = app.screen.query_one("#weights-health", Static)
            await wait_until(pilot, lambda: "green" in static_text(health), what="last hour")
        from textual.widgets import Input

        for field in app.screen.query(Input):  # a blinking cursor is a coin toss per frame
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
