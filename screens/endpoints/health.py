"""The endpoint detail's metrics (issue 16): per variant a headline table and time charts
(invocations, 5xx/4xx, ModelLatency p50/p99, CPU/GPU/memory) over the chosen range, the
traffic shifts marked on them, what the endpoint's kind adds (cold starts, backlog, each
inference component) and its autoscaling.

Read by a worker after the describe (best effort: CloudWatch may be denied or empty while
the endpoint itself is fine): the endpoint's kind, then ONE batched GetMetricData for
every variant and the kind's metrics, the shifts from the audit log; the charts are
drawn then, and the autoscaling read by a second worker after them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual.widget import Widget

from screens.endpoints.charts import ChartRow, EndpointMetricChart
from screens.endpoints.render import sparkline
from screens.kit.job_sections import columns_table, section

if TYPE_CHECKING:
    from console.audit import AuditRecord
    from console.context import ConsoleContext
    from console.services.autoscaling import ScalingView
    from console.services.cloudwatch import MetricBatch, MetricSeries
    from console.services.endpoint_kinds import EndpointKind

WINDOW = timedelta(hours=1)
# Audit actions that moved traffic: the charts mark them.
SHIFT_ACTIONS = frozenset({"endpoint-weights", "endpoint-weights-rollback"})


@dataclass(frozen=True)
class Health:
    """Everything the metrics part of the detail shows, read in one worker."""

    batch: MetricBatch
    kind: EndpointKind | None
    variants: tuple[str, ...]
    shifts: tuple[datetime, ...] = ()
    label: str = "1h"
    live: bool = False


def shift_times(records: Iterable[AuditRecord], endpoint: str, since: datetime) -> list[datetime]:
    """When this endpoint's traffic was shifted (or rolled back) after ``since``."""
    found = []
    for record in records:
        if record.action not in SHIFT_ACTIONS or record.target != endpoint:
            continue
        if record.outcome != "ok":
            continue
        try:
            moment = datetime.fromisoformat(record.time)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if moment >= since:
            found.append(moment)
    return sorted(found)


_UNREAD: Any = object()


def read_health(
    context: ConsoleContext,
    name: str,
    variants: tuple[str, ...],
    *,
    since: timedelta = WINDOW,
    label: str = "1h",
    live: bool = False,
    kind: EndpointKind | None = _UNREAD,
) -> Health:
    """Blocking (a worker calls this): the kind (unless known from an earlier read), one
    metrics batch with the kind's own metrics, the shifts from the audit log."""
    from console.errors import SmError
    from console.services.cloudwatch import kind_queries

    if kind is _UNREAD:
        try:
            kind = context.endpoint_kinds.kind(name)
        except SmError:
            kind = None
    extra = (
        kind_queries(
            name,
            serverless=[s.variant for s in kind.serverless],
            asynchronous=kind.async_config is not None,
            components=[c.name for c in kind.components],
        )
        if kind is not None
        else []
    )
    batch = context.cloudwatch.endpoint_metrics(name, variants, since=since, live=live, extra=extra)
    try:
        shifts = tuple(shift_times(context.audit.records(), name, batch.start))
    except OSError:
        shifts = ()
    return Health(batch, kind, variants, shifts, label=label, live=live)


Scaling = tuple["ScalingView | None", str]


def read_scaling(
    context: ConsoleContext, name: str, variants: tuple[str, ...], kind: EndpointKind | None
) -> Scaling:
    """Blocking: the endpoint's autoscaling (after the charts: they come first)."""
    from console.errors import SmError

    try:
        components = [c.name for c in kind.components] if kind is not None else []
        return context.autoscaling.scaling(name, variants, components, activities=5), ""
    except SmError as exc:
        return None, exc.one_line()


def _pct(value: float | None) -> str:
    # A gauge near 0 reads slightly negative in noisy data: never "-2%".
    return "-" if value is None else f"{max(0.0, value):.0f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _points(series: MetricSeries | None, scale: float = 1.0) -> tuple[tuple[datetime, float], ...]:
    return tuple((p.time, p.value * scale) for p in series.points) if series else ()


def _rate(part: float, whole: float) -> str:
    return f"{part / whole:.2%}" if whole else "-"


def variant_rows(batch: MetricBatch, name: str, variant: str) -> list[ChartRow]:
    """The chart rows of one variant; instance rows only where the metric has data."""
    from console.services.cloudwatch import health_of

    figures = health_of(batch, name, variant)

    def get(metric: str, stat: str = "Average") -> MetricSeries | None:
        return batch.get(name, variant, metric, stat)

    rows = [
        ChartRow(
            "invocations",
            _points(get("Invocations", "Sum")),
            "sum",
            f"Σ {figures.invocations:,.0f}",
        ),
        ChartRow(
            "5xx",
            _points(get("Invocation5XXErrors", "Sum")),
            "sum",
            _rate(figures.errors_5xx, figures.invocations),
        ),
        ChartRow(
            "4xx",
            _points(get("Invocation4XXErrors", "Sum")),
            "sum",
            _rate(figures.errors_4xx, figures.invocations),
        ),
        ChartRow(
            "p50 ms",
            _points(get("ModelLatency", "p50"), 0.001),
            "mean",
            _ms(figures.latency_p50_ms),
        ),
        ChartRow(
            "p99 ms", _points(get("ModelLatency", "p99"), 0.001), "max", _ms(figures.latency_p99_ms)
        ),
    ]
    for metric, label in (
        ("CPUUtilization", "CPU %"),
        ("GPUUtilization", "GPU %"),
        ("GPUMemoryUtilization", "GPU mem %"),
        ("MemoryUtilization", "memory %"),
        ("DiskUtilization", "disk %"),
    ):
        series = get(metric)
        if series is not None and (series.points or metric == "CPUUtilization"):
            rows.append(ChartRow(label, _points(series), "mean", _pct(series.last)))
    return rows


def kind_section(health: Health) -> list[Widget]:
    """What the endpoint's kind is and its own metrics (cold starts, backlog, components)."""
    kind, batch = health.kind, health.batch
    if kind is None or kind.kind == "instance":
        return []
    lines = [f"kind: {kind.kind}"]
    rows: list[ChartRow] = []
    for s in kind.serverless:
        lines.append(
            f"{s.variant}: {s.memory_mb} MB, max concurrency {s.max_concurrency}, "
            f"provisioned {s.provisioned_concurrency or 0}"
        )
        starts = batch.get("serverless", s.variant, "ModelSetupTime", "SampleCount")
        setup = batch.get("serverless", s.variant, "ModelSetupTime", "Average")
        count = starts.total() if starts else 0.0
        label = "cold starts" if len(kind.serverless) == 1 else f"{s.variant[:5]} cold"
        rows.append(ChartRow(label, _points(starts), "sum", f"{count:.0f} starts"))
        last = setup.last if setup else None
        rows.append(
            ChartRow("setup ms", _points(setup, 0.001), "max", _ms(last / 1000 if last else None))
        )
    if kind.async_config is not None:
        lines.append(f"output {kind.async_config.output_path}")
        lines.append(f"failures {kind.async_config.failure_path}")
        backlog = batch.get("async", "ApproximateBacklogSize", "Average")
        last = backlog.last if backlog else None
        rows.append(
            ChartRow("backlog", _points(backlog), "mean", "-" if last is None else f"{last:.0f}")
        )
    for c in kind.components:
        lines.append(
            f"{c.name}: {c.model}, copies {c.current_copies}/{c.desired_copies}"
            + (" (scaled to zero)" if c.scaled_to_zero else "")
        )
        calls = batch.get("component", c.name, "Invocations", "Sum")
        p99 = batch.get("component", c.name, "ModelLatency", "p99")
        rows.append(
            ChartRow(
                f"{c.name}"[:11],
                _points(calls),
                "sum",
                f"Σ {calls.total():,.0f}" if calls else "-",
            )
        )
        rows.append(
            ChartRow(
                "  p99 ms",
                _points(p99, 0.001),
                "max",
                _ms(p99.last / 1000 if p99 and p99.last else None),
            )
        )
    widgets = section("Kind", "\n".join(lines))
    if rows:
        widgets.append(
            EndpointMetricChart(
                rows,
                batch.start,
                batch.end,
                health.shifts,
                period=batch.period,
                classes="section-body chart",
            )
        )
    return widgets


def scaling_section(scaling: Scaling) -> list[Widget]:
    """Targets (min/max, suspended), policies, the newest activities and why."""
    view, error = scaling
    if view is None:
        if error:
            return section("Autoscaling", f"not available: {error}")
        return []
    if not view.targets:
        return section("Autoscaling", "no scalable target: the instance counts are fixed")
    lines = []
    for t in view.targets:
        paused = " (scaling paused)" if t.suspended else ""
        lines.append(f"{t.resource_id}: min {t.min_capacity}, max {t.max_capacity}{paused}")
    lines += [f"policy {p.name} ({p.kind}): {p.summary}" for p in view.policies]
    lines += [f"scheduled {s.name}: {s.schedule}" for s in view.scheduled]
    for a in view.activities:
        when = a.started.astimezone().strftime("%m-%d %H:%M") if a.started else "-"
        lines.append(f"{when} {a.status}: {a.description}")
        # Why it did not scale: what an operator opens this section for.
        if a.failed and a.message:
            lines.append(f"  why: {a.message}")
        if a.failed and a.cause:
            lines.append(f"  cause: {a.cause}")
        if a.not_scaled:
            lines.append(f"  not scaled: {', '.join(a.not_scaled)}")
    return section("Autoscaling", "\n".join(lines))


def health_sections(name: str, health: Health) -> list[Widget]:
    from console.services.cloudwatch import health_of

    batch, variants = health.batch, health.variants
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
                sparkline(calls.values if calls else [], width=12),
                f"{figures.error_rate_5xx:.2%}",
                _ms(figures.latency_p50_ms),
                _ms(figures.latency_p99_ms),
                _pct(last("CPUUtilization")),
                _pct(last("GPUUtilization")),
            ]
        )
    mode = " · live" if health.live else ""
    title = f"Health (last {health.label}{mode})"
    headers = ["Variant", "Invocations", "5xx", "p50 ms", "p99 ms", "CPU", "GPU"]
    widgets = section(title, columns_table(headers, rows, gap=2))
    if health.shifts:
        stamps = ", ".join(m.astimezone().strftime("%m-%d %H:%M") for m in health.shifts)
        widgets += section("Traffic shifts (▼ on the charts)", stamps)
    for variant in variants:
        widgets += section(f"Variant {variant}", "")[:1]
        widgets.append(
            EndpointMetricChart(
                variant_rows(batch, name, variant),
                batch.start,
                batch.end,
                health.shifts,
                period=batch.period,
                classes="section-body chart",
            )
        )
    widgets += kind_section(health)
    return widgets
