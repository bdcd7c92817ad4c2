"""The endpoint detail's "Health" section: per variant, invocations as a sparkline, the
5xx rate, p50/p99 latency and CPU/GPU over the last hour, plus the endpoint's kind.

Read by a second worker after the describe (best effort: CloudWatch may be denied or
empty while the endpoint itself is fine). One batched GetMetricData for every variant.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from textual.widget import Widget

from screens.endpoints.render import sparkline
from screens.kit.job_sections import columns_table, section

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.cloudwatch import MetricBatch
    from console.services.endpoint_kinds import EndpointKind

WINDOW = timedelta(hours=1)

Health = tuple["MetricBatch", "EndpointKind | None", tuple[str, ...]]


def read_health(context: ConsoleContext, name: str, variants: tuple[str, ...]) -> Health:
    """Blocking (a worker calls this): the metrics batch and the endpoint's kind."""
    batch = context.cloudwatch.endpoint_metrics(name, variants, since=WINDOW)
    try:
        kind: EndpointKind | None = context.endpoint_kinds.kind(name)
    except Exception:
        kind = None
    return batch, kind, variants


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def health_sections(name: str, health: Health) -> list[Widget]:
    from console.services.cloudwatch import health_of

    batch, kind, variants = health
    rows = []
    for variant in variants:
        figures = health_of(batch, name, variant)
        calls = batch.get(name, variant, "Invocations", "Sum")

        def last(metric: str, v: str = variant) -> float | None:
            series = batch.get(name, v, metric, "Average")
            return series.last if series else None

        rows.append(
            [
                variant,
                sparkline(calls.values if calls else []),
                f"{figures.error_rate_5xx:.2%}",
                _ms(figures.latency_p50_ms),
                _ms(figures.latency_p99_ms),
                _pct(last("CPUUtilization")),
                _pct(last("GPUUtilization")),
            ]
        )
    headers = ["Variant", "Invocations (1h)", "5xx", "p50 ms", "p99 ms", "CPU", "GPU"]
    widgets = section("Health (last hour)", columns_table(headers, rows))
    if kind is not None and kind.kind != "instance":
        lines = [f"kind: {kind.kind}"]
        lines += [
            f"{s.variant}: {s.memory_mb} MB, max concurrency {s.max_concurrency}, "
            f"provisioned {s.provisioned_concurrency or 0}"
            for s in kind.serverless
        ]
        if kind.async_config is not None:
            lines.append(f"output {kind.async_config.output_path}")
            lines.append(f"failures {kind.async_config.failure_path}")
        lines += [
            f"{c.name}: {c.model}, copies {c.current_copies}/{c.desired_copies}"
            + (" (scaled to zero)" if c.scaled_to_zero else "")
            for c in kind.components
        ]
        widgets += section("Kind", "\n".join(lines))
    return widgets
