"""The endpoint detail's Health section (issue 16) against moto: a sparkline of each
variant's invocations, its 5xx rate and latency, read in one GetMetricData; on a stack
without percentile statistics (plain moto) the section says it is not available."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Static

from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.render import BARS, sparkline
from tests.tui.conftest import make_app, static_text, wait_until
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, open_tab
from tests.tui.endpoints.test_production_snapshots import fixed_detail, with_metrics
from tests.tui.test_snapshots import fixed_world


def test_sparkline_scales_to_the_largest_value() -> None:
    assert sparkline([]) == "-"
    assert sparkline([0.0, 0.0]) == BARS[0] * 2
    assert sparkline([1.0, 2.0, 4.0, 8.0]) == "▁▂▄█"
    assert len(sparkline(list(range(100)), width=20)) == 20


async def open_detail(pilot: Any, app: Any) -> Any:
    """The first endpoint's detail, from the Endpoints tab."""
    await open_tab(pilot, app)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
    return app.screen


def put(aws: Any, variant: str, errors: float) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dims = [{"Name": "EndpointName", "Value": "fraud"}, {"Name": "VariantName", "Value": variant}]
    aws.client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": dims,
                "Timestamp": now - timedelta(minutes=m),
                "Value": value,
            }
            for m in range(1, 11)
            for metric, value in (
                ("Invocations", 10.0 * m),
                ("Invocation5XXErrors", errors),
                ("ModelLatency", 25000.0),
            )
        ],
    )


@pytest.mark.parametrize("percentiles", [True, False])
async def test_detail_shows_health_per_variant(
    sm: Any, aws: Any, monkeypatch: pytest.MonkeyPatch, percentiles: bool
) -> None:
    if percentiles:
        from moto.cloudwatch.models import Statistics

        from console.demo import moto_extras

        monkeypatch.setattr(Statistics, "get_statistics_for_type", moto_extras.percentile_statistic)
    make_ab_endpoint(sm)
    put(aws, "green", 5.0)
    put(aws, "blue", 0.0)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, app)

        def text() -> str:
            return "\n".join(static_text(s) for s in screen.query(Static).results(Static))

        await wait_until(pilot, lambda: "Health (last 1h)" in text(), what="health")
        if percentiles:
            assert "9.09%" in text()  # green: 50 errors of 550 invocations
            assert "▁" in text() and "█" in text()
        else:
            assert "not available" in text()


async def test_weights_dialog_shows_each_variants_last_hour(
    sm: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.cloudwatch.models import Statistics

    from console.demo import moto_extras
    from screens.endpoints.weights import WeightsDialog

    monkeypatch.setattr(Statistics, "get_statistics_for_type", moto_extras.percentile_statistic)
    make_ab_endpoint(sm)
    put(aws, "green", 5.0)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, WeightsDialog), what="dialog")
        dialog = app.screen

        def health() -> str:
            return static_text(dialog.query_one("#weights-health", Static))

        await wait_until(pilot, lambda: "green" in health(), what="health")
        assert "green: 5xx 9.09% of 550" in health()
        assert "blue: 5xx 0.00% of 0" in health()


async def test_health_rows_fit_80_columns_with_long_variant_names(
    fixed_detail: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80x24 each variant's row is one line: a sparkline folded onto a second line
    (as `v2-candidate`'s was in the demo) reads as two variants' worth of bars."""
    from dataclasses import replace

    import screens.endpoints.health
    from console.services.cloudwatch import MetricBatch
    from tests.tui.endpoints.test_production_snapshots import fixed_health

    names = {"blue": "v1-baseline", "green": "v2-candidate"}
    health = fixed_health()
    series = {
        (key[0], names.get(key[1], key[1]), *key[2:]): value
        for key, value in health.batch.series.items()
    }
    batch = MetricBatch(series, health.batch.start, health.batch.end, 60, 1)
    renamed = replace(health, batch=batch, variants=tuple(names.values()))
    monkeypatch.setattr(screens.endpoints.health, "read_health", lambda *a, **k: renamed)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, app)

        def health_body() -> Static | None:
            titles = list(screen.query(".section-title"))
            for title in titles:
                if isinstance(title, Static) and static_text(title).startswith("Health"):
                    siblings = list(title.parent.children) if title.parent else []
                    body = siblings[siblings.index(title) + 1]
                    return body if isinstance(body, Static) else None
            return None

        await wait_until(pilot, lambda: health_body() is not None, what="health section")
        await pilot.pause()
        body = health_body()
        assert body is not None
        assert body.size.height == 1 + len(names), body.size  # a header and one line each


__all__ = ["fixed_detail", "fixed_world", "with_metrics"]
