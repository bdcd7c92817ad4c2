"""Production view: endpoint and job metrics (CloudWatch), autoscaling, a load test.

``endpoint-metrics``, ``endpoint-autoscaling``, ``endpoint-autoscaling-set``,
``endpoint-bench``, ``endpoint-kind`` and ``training-metrics``. Read commands take
``--json``; the two that change or cost something ask first.
"""

from __future__ import annotations

import time
from typing import Any

import click

from console import validate
from console.cli.output import print_json, print_table
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    wants_json,
    yes_option,
)
from console.errors import ValidationError
from console.services.cloudwatch import MetricBatch, health_of, parse_since

SECTION = "Endpoints"


def _variants(inv: Invocation, name: str, variant: str | None) -> list[str]:
    endpoint = inv.console.endpoints.describe_endpoint(name)
    names = [v.name for v in endpoint.variants]
    if variant is not None:
        if variant not in names:
            raise ValidationError(
                f"endpoint {name} has no variant {variant}",
                f"its variants: {', '.join(names) or 'none'}",
            )
        return [variant]
    return names


def _rows(batch: MetricBatch) -> list[dict[str, Any]]:
    """One row per (variant, metric, statistic, time): the long shape scripts want."""
    rows: list[dict[str, Any]] = []
    for key, series in batch.series.items():
        for point in series.points:
            rows.append(
                {
                    "variant": key[1],
                    "metric": series.metric,
                    "stat": series.stat,
                    "time": point.time.isoformat(),
                    "value": point.value,
                }
            )
    return rows


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}{unit}" if abs(value) < 1e6 else f"{value:,.0f}{unit}"


@command("endpoint-metrics", SECTION, short_help="CloudWatch metrics of an endpoint's variants.")
@click.argument("name")
@click.option("--variant", default=None, help="Only this variant.")
@click.option("--since", default="3h", show_default=True, help="Time range: 30m, 3h, 1d, 1w.")
@click.option("--csv", "csv_output", is_flag=True, help="Every point as CSV.")
@json_option
@pass_invocation
def endpoint_metrics(
    inv: Invocation,
    *,
    name: str,
    variant: str | None,
    since: str,
    csv_output: bool,
    json_output: bool,
) -> None:
    """Invocations, 4xx/5xx, latency (avg/p50/p99) and instance utilisation per variant,
    read in one batched GetMetricData call."""
    validate.name(name, "endpoint name")
    span = parse_since(since)
    if csv_output and wants_json(inv, json_output):
        raise ValidationError("--csv and --json do not go together", "pick one")
    variants = _variants(inv, name, variant)
    batch = inv.console.cloudwatch.endpoint_metrics(name, variants, since=span, live=True)
    if wants_json(inv, json_output):
        print_json(
            {
                "endpoint": name,
                "start": batch.start.isoformat(),
                "end": batch.end.isoformat(),
                "period": batch.period,
                "series": [
                    {
                        "variant": key[1],
                        "namespace": s.namespace,
                        "metric": s.metric,
                        "stat": s.stat,
                        "status": s.status,
                        "points": [[p.time.isoformat(), p.value] for p in s.points],
                    }
                    for key, s in batch.series.items()
                ],
            }
        )
        return
    if csv_output:
        import csv
        import sys

        from console.sanitize import csv_cell

        writer = csv.writer(sys.stdout)
        writer.writerow(["variant", "metric", "stat", "time", "value"])
        for row in _rows(batch):
            writer.writerow(
                [csv_cell(row["variant"]), row["metric"], row["stat"], row["time"], row["value"]]
            )
        return
    health = {v: health_of(batch, name, v) for v in variants}
    table = []
    for v in variants:
        h = health[v]

        def last(metric: str, stat: str = "Average", v: str = v) -> float | None:
            series = batch.get(name, v, metric, stat)
            return series.last if series else None

        table.append(
            {
                "variant": v,
                "invocations": h.invocations,
                "5xx": h.error_rate_5xx,
                "4xx": h.errors_4xx,
                "p50": h.latency_p50_ms,
                "p99": h.latency_p99_ms,
                "cpu": last("CPUUtilization"),
                "gpu": last("GPUUtilization"),
                "mem": last("MemoryUtilization"),
                "disk": last("DiskUtilization"),
            }
        )
    click.echo(f"endpoint {name}, last {since} ({batch.period} s periods, {batch.calls} call(s))")
    print_table(
        table,
        [
            ("Variant", lambda r: r["variant"]),
            ("Invocations", lambda r: f"{r['invocations']:,.0f}"),
            ("5xx rate", lambda r: f"{r['5xx']:.2%}"),
            ("4xx", lambda r: f"{r['4xx']:,.0f}"),
            ("p50 ms", lambda r: _fmt(r["p50"])),
            ("p99 ms", lambda r: _fmt(r["p99"])),
            ("CPU", lambda r: _fmt(r["cpu"], "%")),
            ("GPU", lambda r: _fmt(r["gpu"], "%")),
            ("Mem", lambda r: _fmt(r["mem"], "%")),
            ("Disk", lambda r: _fmt(r["disk"], "%")),
        ],
        status_column=None,
        empty="no variants",
    )


@command("endpoint-autoscaling", SECTION, short_help="Scaling targets, policies and activities.")
@click.argument("name")
@json_option
@pass_invocation
def endpoint_autoscaling(inv: Invocation, name: str, json_output: bool) -> None:
    """Each variant's (and inference component's) scalable target, its policies, scheduled
    actions and the newest scaling activities with their causes and failures."""
    variants = _variants(inv, name, None)
    components = [c.name for c in inv.console.endpoint_kinds.kind(name).components]
    view = inv.console.autoscaling.scaling(name, variants, components)
    if wants_json(inv, json_output):
        print_json(view)
        return
    if not view.targets:
        click.echo(f"endpoint {name}: no autoscaling (no scalable target on any variant)")
        return
    click.echo("Targets")
    print_table(
        view.targets,
        [
            ("Resource", lambda t: t.resource_id),
            ("Min", lambda t: t.min_capacity),
            ("Max", lambda t: t.max_capacity),
            ("Scaling", lambda t: "suspended" if t.suspended else "active"),
        ],
        status_column=None,
    )
    click.echo("\nPolicies")
    print_table(
        [*view.policies, *view.scheduled],
        [
            ("Resource", lambda p: p.resource_id),
            ("Name", lambda p: p.name),
            ("Kind", lambda p: getattr(p, "kind", "Scheduled")),
            (
                "What",
                lambda p: (
                    getattr(p, "summary", "")
                    or f"{p.schedule}: min {p.min_capacity} max {p.max_capacity}"
                ),
            ),
        ],
        status_column=None,
        empty="no policies",
    )
    click.echo("\nActivities (newest first)")
    print_table(
        view.activities,
        [
            ("Started", lambda a: a.started),
            ("Resource", lambda a: a.resource_id),
            ("Status", lambda a: a.status),
            ("What", lambda a: a.description),
            ("Why", lambda a: a.message or a.cause),
        ],
        empty="no scaling activities",
    )


@command(
    "endpoint-autoscaling-set",
    SECTION,
    short_help="Set a variant's autoscaling min/max (asks first).",
)
@click.argument("name")
@click.argument("variant")
@click.option("--min", "minimum", type=int, default=None, help="Minimum instances.")
@click.option("--max", "maximum", type=int, default=None, help="Maximum instances.")
@click.option("--suspend", is_flag=True, help="Pause dynamic and scheduled scaling.")
@click.option("--resume", is_flag=True, help="Resume scaling.")
@yes_option
@json_option
@pass_invocation
def endpoint_autoscaling_set(
    inv: Invocation,
    *,
    name: str,
    variant: str,
    minimum: int | None,
    maximum: int | None,
    suspend: bool,
    resume: bool,
    yes: bool,
    json_output: bool,
) -> None:
    """Change VARIANT's scalable target: --min/--max, or --suspend / --resume.

    A raised max says first what it may add per hour (every new instance it allows);
    above max_hourly_cost it is refused before anything is sent."""
    from console.services.autoscaling import VARIANT_DIMENSION, variant_resource

    validate.name(name, "endpoint name")
    validate.name(variant, "variant name")
    if suspend and resume:
        raise ValidationError("--suspend and --resume do not go together")
    if (minimum is None) != (maximum is None):
        raise ValidationError("give both --min and --max", "e.g. --min 1 --max 4")
    if minimum is None and not (suspend or resume):
        raise ValidationError("nothing to change", "give --min N --max M, --suspend or --resume")
    service = inv.console.autoscaling
    resource = variant_resource(name, variant)
    if minimum is not None and maximum is not None:
        service.check_capacity(minimum, maximum)
    current = service.target(resource)
    changes = []
    if minimum is not None:
        changes.append(
            f"min {current.min_capacity}->{minimum}, max {current.max_capacity}->{maximum}"
        )
    if suspend or resume:
        changes.append("suspend scaling" if suspend else "resume scaling")
    action = (
        "autoscaling-set"
        if minimum is not None
        else ("autoscaling-suspend" if suspend else "autoscaling-resume")
    )
    from console.cli.cost_check import ask_with_cost, scale_projection

    cost = None
    if maximum is not None and maximum > current.max_capacity:
        # Read-only refuses before prices are read; the worst case (every new instance
        # the max allows) is shown with the question and capped by max_hourly_cost.
        inv.console.gate.precheck(action, resource)
        cost = service.max_cost(
            inv.console.pricing, inv.config, resource, current.max_capacity, maximum
        )
    ask_with_cost(
        inv,
        action,
        resource,
        yes=yes,
        prompt=f"{resource}: {', '.join(changes)}?",
        cost_line="" if cost is None else scale_projection(inv, action, resource, cost),
    )
    target = current
    if minimum is not None and maximum is not None:
        target = service.set_capacity(
            resource,
            VARIANT_DIMENSION,
            minimum,
            maximum,
            warn=lambda m: click.echo(f"warning: {m}", err=True),
        )
    if suspend or resume:
        target = service.set_suspended(resource, VARIANT_DIMENSION, suspend)
    if wants_json(inv, json_output):
        if cost is None:
            print_json(target)
        else:
            from console.cli.cost_check import cost_json
            from console.records import to_plain

            print_json({**to_plain(target), "cost": cost_json(cost)})
        return
    state = "suspended" if target.suspended else "active"
    click.echo(f"{resource}: min {target.min_capacity}, max {target.max_capacity}, scaling {state}")


@command(
    "endpoint-kind", SECTION, short_help="Instance, serverless, async or inference components."
)
@click.argument("name")
@json_option
@pass_invocation
def endpoint_kind(inv: Invocation, name: str, json_output: bool) -> None:
    """What kind of endpoint NAME is, with that kind's facts."""
    kind = inv.console.endpoint_kinds.kind(name)
    if wants_json(inv, json_output):
        print_json(kind)
        return
    click.echo(f"endpoint {name}: {kind.kind}")
    for s in kind.serverless:
        click.echo(
            f"  {s.variant}: serverless, {s.memory_mb} MB, max concurrency {s.max_concurrency}, "
            f"provisioned {s.provisioned_concurrency or 0}"
        )
    if kind.async_config is not None:
        click.echo(f"  async output {kind.async_config.output_path or '-'}")
        click.echo(f"  async failures {kind.async_config.failure_path or '-'}")
    for c in kind.components:
        zero = " (scaled to zero)" if c.scaled_to_zero else ""
        click.echo(
            f"  component {c.name} [{c.status}]: model {c.model}, copies "
            f"{c.current_copies}/{c.desired_copies}{zero}, {c.cpu_cores:g} CPU, "
            f"{c.accelerators or 0:g} accelerator(s), {c.min_memory_mb} MB"
        )


@command("endpoint-bench", SECTION, short_help="Load-test an endpoint (asks first).")
@click.argument("name")
@click.option("--requests", "count", type=click.IntRange(1, 10000), default=100, show_default=True)
@click.option(
    "--rate",
    type=click.FloatRange(0.1, 1000),
    default=10.0,
    show_default=True,
    help="Requests per second.",
)
@click.option("--variant", default=None, help="Send to this variant only (TargetVariant).")
@click.option(
    "--payload",
    default='{"instances": [[1.0, 2.0]]}',
    show_default=True,
    help="JSON text, @file or - (stdin).",
)
@click.option("--content-type", default="application/json", show_default=True)
@yes_option
@json_option
@pass_invocation
def endpoint_bench(
    inv: Invocation,
    *,
    name: str,
    count: int,
    rate: float,
    variant: str | None,
    payload: str,
    content_type: str,
    yes: bool,
    json_output: bool,
) -> None:
    """Send N requests at R per second; p50/p95/p99 latency and errors per variant.
    Invocations can cost money: asks first, audited as one endpoint-bench change."""
    from console.cli.commands.endpoints import read_payload
    from console.services.bench import run_bench

    validate.name(name, "endpoint name")
    body = read_payload(payload)
    confirm(
        inv,
        "endpoint-bench",
        name,
        yes=yes,
        prompt=f"Send {count} requests to {name}{' / ' + variant if variant else ''} "
        f"at {rate:g}/s? (invocations may cost money)",
    )
    result = run_bench(
        inv.console.endpoints,
        name,
        body,
        requests=count,
        rate=rate,
        variant=variant,
        content_type=content_type,
        sleep=time.sleep,
    )
    if wants_json(inv, json_output):
        print_json(result)
        return
    print_table(
        result.variants,
        [
            ("Variant", lambda v: v.variant),
            ("Requests", lambda v: v.requests),
            ("Errors", lambda v: v.errors),
            ("p50 ms", lambda v: _fmt(v.p50_ms)),
            ("p95 ms", lambda v: _fmt(v.p95_ms)),
            ("p99 ms", lambda v: _fmt(v.p99_ms)),
        ],
        status_column=None,
        empty="no answers",
    )
    for error in result.errors[:5]:
        click.echo(f"error: {error}", err=True)


@command("training-metrics", "Training jobs", short_help="Host and algorithm metrics of a job.")
@click.argument("name")
@click.option("--since", default="3h", show_default=True, help="Time range: 30m, 3h, 1d.")
@json_option
@pass_invocation
def training_metrics(inv: Invocation, name: str, since: str, json_output: bool) -> None:
    """CPU/GPU/memory/disk per host and the job's MetricDefinitions, with idle GPUs,
    stragglers and full disks flagged."""
    validate.name(name, "training job name")
    span = parse_since(since)
    metrics = inv.console.cloudwatch.training_metrics(name, since=span)
    if wants_json(inv, json_output):
        print_json(metrics)
        return
    click.echo(f"training job {name}: {len(metrics.hosts)} host(s), last {since}")
    print_table(
        metrics.hosts,
        [
            ("Host", lambda h: h.host),
            ("CPU", lambda h: _fmt(h.latest("CPUUtilization"), "%")),
            ("GPU", lambda h: _fmt(h.latest("GPUUtilization"), "%")),
            ("GPU mem", lambda h: _fmt(h.latest("GPUMemoryUtilization"), "%")),
            ("Mem", lambda h: _fmt(h.latest("MemoryUtilization"), "%")),
            ("Disk", lambda h: _fmt(h.latest("DiskUtilization"), "%")),
        ],
        status_column=None,
        empty="no host metrics yet",
    )
    for metric, values in metrics.algorithm.items():
        click.echo(f"{metric}: {_fmt(values[-1]) if values else '-'} ({len(values)} points)")
    for flag in metrics.flags:
        click.secho(f"flag: {flag.host} {flag.kind}: {flag.detail}", fg="yellow")
