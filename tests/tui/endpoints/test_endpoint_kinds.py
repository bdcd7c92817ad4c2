"""Each endpoint kind in the detail (issue 16): serverless cold starts, the async backlog,
each inference component's own traffic, and the autoscaling section with why it did not
scale. Drawing from fixed records, then one endpoint with an inference component, a
scalable target and a failed activity against moto (with the demo's extras)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from textual.widget import Widget
from textual.widgets import Static

from console.services.cloudwatch import MetricBatch, MetricSeries, SeriesPoint, kind_queries
from console.services.endpoint_kinds import (
    AsyncConfig,
    EndpointKind,
    InferenceComponent,
    ServerlessVariant,
)
from screens.endpoints.charts import EndpointMetricChart
from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.health import Health, kind_section
from tests.core.services.test_production_view import extras, register_target
from tests.tui.conftest import make_app, static_text, wait_until
from tests.tui.endpoints.test_endpoints_metrics import count_metric_reads
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, open_tab

__all__ = ["extras"]  # a fixture used below

END = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
START = END - timedelta(hours=1)


def batch_of(values: dict[tuple[str, ...], float]) -> MetricBatch:
    series = {
        key: MetricSeries(
            key,
            "AWS/SageMaker",
            key[-2],
            key[-1],
            tuple(SeriesPoint(START + timedelta(minutes=m), value) for m in range(0, 60, 5)),
        )
        for key, value in values.items()
    }
    return MetricBatch(series, START, END, 60, 1)


def text_of(widgets: list[Widget]) -> str:
    parts = []
    for widget in widgets:
        if isinstance(widget, EndpointMetricChart):
            parts += widget.lines(100)
        elif isinstance(widget, Static):
            parts.append(static_text(widget))
    return "\n".join(parts)


def test_kind_queries_name_what_each_kind_adds() -> None:
    keys = {
        q.key for q in kind_queries("ep", serverless=["a"], asynchronous=True, components=["ic-1"])
    }
    assert ("serverless", "a", "ModelSetupTime", "SampleCount") in keys
    assert ("async", "ApproximateBacklogSize", "Average") in keys
    assert ("component", "ic-1", "Invocations", "Sum") in keys
    assert kind_queries("ep") == []


def test_serverless_shows_memory_concurrency_and_cold_starts() -> None:
    kind = EndpointKind("s", "serverless", (ServerlessVariant("a", 2048, 5, None),))
    batch = batch_of(
        {
            ("serverless", "a", "ModelSetupTime", "SampleCount"): 2.0,
            ("serverless", "a", "ModelSetupTime", "Average"): 1500000.0,
        }
    )
    text = text_of(kind_section(Health(batch, kind, ("a",))))
    assert "kind: serverless" in text and "2048 MB, max concurrency 5, provisioned 0" in text
    assert "24 starts" in text  # 12 five-minute points of 2
    assert "1500" in text  # the last setup, in ms


def test_async_shows_its_locations_and_the_backlog() -> None:
    kind = EndpointKind("q", "async", async_config=AsyncConfig("s3://b/out", "s3://b/fail", 4))
    batch = batch_of({("async", "ApproximateBacklogSize", "Average"): 37.0})
    text = text_of(kind_section(Health(batch, kind, ("AllTraffic",))))
    assert "output s3://b/out" in text and "failures s3://b/fail" in text
    assert any(line.startswith("backlog") and line.endswith("37") for line in text.splitlines())


def test_components_show_copies_scale_to_zero_and_their_own_traffic() -> None:
    component = InferenceComponent(
        "ic-llm", "fraud", "blue", "InService", "llm-v1", 0, 0, 2.0, 1.0, 1024
    )
    kind = EndpointKind("fraud", "inference-components", components=(component,))
    batch = batch_of({("component", "ic-llm", "Invocations", "Sum"): 10.0})
    text = text_of(kind_section(Health(batch, kind, ("blue",))))
    assert "ic-llm: llm-v1, copies 0/0 (scaled to zero)" in text
    assert "Σ 120" in text


def test_a_plain_instance_endpoint_has_no_kind_section() -> None:
    assert kind_section(Health(batch_of({}), EndpointKind("p", "instance"), ("a",))) == []


async def test_detail_of_a_component_endpoint_with_autoscaling(extras: Any, sm: Any) -> None:
    from console.demo import moto_extras

    make_ab_endpoint(sm)
    moto_extras.add_inference_component(
        "123456789012",
        "us-east-1",
        name="ic-llm",
        endpoint="fraud",
        variant="blue",
        model="fraud-v1",
        copies=0,
        accelerators=1,
    )
    resource = register_target(extras)
    moto_extras.add_scaling_activity(
        "123456789012",
        "us-east-1",
        resource_id=resource,
        status="Failed",
        description="Setting desired instance count to 5.",
        cause="monitor alarm TargetTracking-High in state ALARM triggered policy invocations-70",
        message="Failed to set desired instance count: insufficient capacity for ml.m5.large",
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        reads = count_metric_reads(app)
        await open_tab(pilot, app)
        reads.clear()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
        screen = app.screen

        def text() -> str:
            return text_of(list(screen.query(Widget).results()))

        await wait_until(pilot, lambda: "Autoscaling" in text(), what="autoscaling")
        shown = text()
        assert "kind: inference-components" in shown
        assert "ic-llm: fraud-v1, copies" in shown and "(scaled to zero)" in shown
        assert "endpoint/fraud/variant/blue: min 1, max 4" in shown
        assert "policy invocations-70 (TargetTrackingScaling)" in shown
        assert "why: Failed to set desired instance count: insufficient capacity" in shown
        assert reads == ["GetMetricData"]  # variants and the component: one call
