"""endpoint-*: the seed's endpoint commands, plus invoke and A/B traffic weights."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from console import validate
from console.cli.output import emit, field_col
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    list_options,
    pass_invocation,
    report_created,
    wants_json,
    yes_option,
)
from console.cli.waiting import WAIT_OPTION_HELP, wait_in_service
from console.errors import GuardRolledBackError, ValidationError
from console.services.endpoints import (
    ENDPOINT_STATUSES,
    Endpoint,
    EndpointVariant,
    InvocationResult,
    is_json_type,
)

if TYPE_CHECKING:
    from console.services.cloudwatch import GuardReport

SECTION = "Endpoints"
MAX_PAYLOAD_FILE_BYTES = 25 * 1024 * 1024  # refuse to slurp anything bigger into memory

ENDPOINT_COLUMNS = [
    field_col("Name", "name"),
    field_col("Status", "status"),
    field_col("Created", "created"),
    field_col("Modified", "modified"),
]


def _weight(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def _variant_line(variant: EndpointVariant, share: float) -> str:
    line = (
        f"{share:.0%} of traffic, weight {_weight(variant.current_weight)}, "
        f"{_count(variant.current_instance_count)} instance(s)"
    )
    current = (variant.current_weight, variant.current_instance_count)
    if (variant.desired_weight, variant.desired_instance_count) != current:
        line += (
            f" -> weight {_weight(variant.desired_weight)}, "
            f"{_count(variant.desired_instance_count)} instance(s)"
        )
    if variant.status:
        line += f" [{variant.status}]"
    return line


def endpoint_fields(endpoint: Endpoint) -> list[tuple[str, object]]:
    split = endpoint.traffic_split()
    return [
        ("Name", endpoint.name),
        ("Status", endpoint.status),
        ("Failure reason", endpoint.failure_reason or None),
        ("Config", endpoint.config_name),
        ("Created", endpoint.created),
        ("Modified", endpoint.modified),
        # One row per variant: the traffic split is what operators look for.
        *[
            (f"Variant {v.name}", _variant_line(v, split.get(v.name, 0.0)))
            for v in endpoint.variants
        ],
        ("ARN", endpoint.arn),
    ]


@command("endpoint-create", SECTION, short_help="Create an endpoint from an endpoint config.")
@click.argument("name")
@click.argument("config")
@click.option("--wait", is_flag=True, help=WAIT_OPTION_HELP)
@click.option("--dry-run", is_flag=True, help="Check and print the cost per hour; send nothing.")
@json_option
@pass_invocation
def endpoint_create(
    inv: Invocation, name: str, config: str, wait: bool, dry_run: bool, json_output: bool
) -> None:
    from console.cli.commands.quotas import endpoint_config_needs, preflight

    needs = endpoint_config_needs(inv, config)
    preflight(inv, "endpoint-create", name, needs)
    from console.cli.cost_check import hourly_projection

    hourly = hourly_projection(inv, "endpoint-create", name, needs)
    shown = "?" if hourly is None else f"${hourly:,.3f}/h"
    if not needs and _serverless(inv, config):
        shown = "no instance-hours (serverless: billed per request)"  # not "$0.000/h"
    if dry_run:
        click.echo(f"dry run: endpoint {name} on {config}: {shown}; nothing was sent")
        return
    arn = inv.console.endpoints.create_endpoint(name, config)
    report_created(
        inv, json_output, f"creating endpoint {name} from config {config}", name=name, arn=arn
    )
    if wait:
        _wait_endpoint(inv, name)


def _serverless(inv: Invocation, config: str) -> bool:
    """Whether every variant of ``config`` is serverless (False if it cannot be read:
    the create itself says what is wrong with it)."""
    client: Any = inv.console.sessions.client("sagemaker")
    try:
        variants = client.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
    except Exception:
        return False
    return bool(variants) and all(v.get("ServerlessConfig") for v in variants)


def _wait_endpoint(inv: Invocation, name: str) -> None:
    """Until the endpoint is InService (creating or updating takes 5-10 minutes)."""
    wait_in_service(
        inv.console.sessions.client("sagemaker"),
        "endpoint_in_service",
        {"EndpointName": name},
        what=f"endpoint {name}",
        status_field="EndpointStatus",
        describe=f"endpoint-describe {name}",
        translate=inv.console.sessions.translate,
    )


@command("endpoint-list", SECTION, short_help="List endpoints, newest first.")
@list_options(ENDPOINT_STATUSES)
@pass_invocation
def endpoint_list(
    inv: Invocation,
    *,
    status: str | None,
    name_contains: str | None,
    limit: int | None,
    json_output: bool,
) -> None:
    endpoints = inv.console.endpoints.list_endpoints(
        status=status, name_contains=name_contains, limit=limit
    )
    emit(
        wants_json(inv, json_output),
        endpoints,
        columns=ENDPOINT_COLUMNS,
        empty="no endpoints",
    )


@command(
    "endpoint-describe",
    SECTION,
    short_help="Show an endpoint, its variants and traffic.",
)
@click.argument("name")
@json_option
@pass_invocation
def endpoint_describe(inv: Invocation, name: str, json_output: bool) -> None:
    endpoint = inv.console.endpoints.describe_endpoint(name)
    emit(wants_json(inv, json_output), endpoint, fields=endpoint_fields)


@command(
    "endpoint-update",
    SECTION,
    short_help="Move an endpoint to another config (asks first).",
)
@click.argument("name")
@click.argument("config")
@click.option("--wait", is_flag=True, help=WAIT_OPTION_HELP)
@yes_option
@pass_invocation
def endpoint_update(inv: Invocation, name: str, config: str, wait: bool, yes: bool) -> None:
    validate.name(name, "endpoint name")
    validate.name(config, "endpoint config name")
    confirm(
        inv,
        "endpoint-update",
        name,
        yes=yes,
        prompt=f"Update endpoint {name} to config {config}? (traffic moves to the new config)",
    )
    from console.cli.commands.quotas import endpoint_config_needs, preflight

    # An update runs the new fleet beside the old until it is InService: it needs all.
    preflight(inv, "endpoint-update", name, endpoint_config_needs(inv, config))
    inv.console.endpoints.update_endpoint(name, config)
    click.echo(f"updating endpoint {name} to config {config}")
    if wait:
        _wait_endpoint(inv, name)


@command("endpoint-delete", SECTION, short_help="Delete an endpoint (asks first).")
@click.argument("name")
@yes_option
@pass_invocation
def endpoint_delete(inv: Invocation, name: str, yes: bool) -> None:
    validate.name(name, "endpoint name")
    confirm(inv, "endpoint-delete", name, yes=yes, prompt=f"Delete endpoint {name}?")
    inv.console.endpoints.delete_endpoint(name)
    click.echo(f"deleting endpoint {name}")


def read_payload(payload: str) -> str:
    """PAYLOAD as given: inline text, ``@file`` to read a file, ``-`` for stdin.

    A file or stdin is read up to :data:`MAX_PAYLOAD_FILE_BYTES` (``@/dev/zero`` is
    refused after that many bytes, not read forever).
    """
    from console.cli.files import read_capped, read_text_file

    if payload == "-":
        data = read_capped(sys.stdin.buffer, MAX_PAYLOAD_FILE_BYTES, "the payload on stdin")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("the payload on stdin is not UTF-8 text") from None
    if payload.startswith("@"):
        if not payload[1:]:
            raise ValidationError("payload file name is empty", "use @path/to/file.json")
        path = Path(payload[1:]).expanduser()
        return read_text_file(path, MAX_PAYLOAD_FILE_BYTES, "payload file")
    return payload


def _print_invocation(result: InvocationResult, output: str | None) -> None:
    from console.sanitize import strip_escapes

    if output:
        Path(output).expanduser().write_bytes(result.body)
        click.echo(f"wrote {len(result.body)} bytes to {output}", err=True)
    else:
        text = result.text
        if text is None:
            click.echo(
                f"({len(result.body)} bytes of {result.content_type or 'binary data'}; "
                "use --output FILE to save them)"
            )
        else:
            click.echo(strip_escapes(text))
    click.echo(f"variant {result.invoked_variant or '-'}, {result.latency_ms:.1f} ms", err=True)


@command("endpoint-invoke", SECTION, short_help="Send one request to an endpoint.")
@click.argument("name")
@click.argument("payload")
@click.option("--content-type", default="application/json", show_default=True)
@click.option("--accept", default=None, help="Response type to ask for, e.g. application/json.")
@click.option(
    "--target-variant",
    default=None,
    metavar="VARIANT",
    help="Bypass the traffic split.",
)
@click.option("--output", "-o", default=None, metavar="FILE", help="Save the response body.")
@json_option
@pass_invocation
def endpoint_invoke(
    inv: Invocation,
    *,
    name: str,
    payload: str,
    content_type: str,
    accept: str | None,
    target_variant: str | None,
    output: str | None,
    json_output: bool,
) -> None:
    """Invoke endpoint NAME with PAYLOAD: JSON text, @file.json, or - for stdin."""
    validate.name(name, "endpoint name")
    body = read_payload(payload)
    if is_json_type(content_type):
        validate.json_payload(body)
    result = inv.console.endpoints.invoke(
        name,
        body,
        content_type=content_type,
        accept=accept,
        target_variant=target_variant,
    )
    if wants_json(inv, json_output):
        if output:
            Path(output).expanduser().write_bytes(result.body)
        emit(
            True,
            {
                "endpoint": result.endpoint,
                "body": result.text,
                "body_bytes": len(result.body),
                "content_type": result.content_type,
                "variant": result.invoked_variant,
                "latency_ms": result.latency_ms,
            },
        )
    else:
        _print_invocation(result, output)


def parse_weights(pairs: tuple[str, ...]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for pair in pairs:
        variant, sep, text = pair.partition("=")
        if not sep or not variant:
            raise ValidationError(
                f"{pair!r} must look like VARIANT=WEIGHT", "e.g. blue=90 green=10"
            )
        try:
            weight = float(text)
        except ValueError:
            raise ValidationError(f"weight of {variant} must be a number, got {text!r}") from None
        if math.isnan(weight) or math.isinf(weight) or weight < 0:
            raise ValidationError(f"weight of {variant} must be >= 0, got {text!r}")
        if variant in weights:
            raise ValidationError(f"variant {variant} is given twice")
        weights[validate.name(variant, "variant name")] = weight
    return weights


def parse_counts(pairs: tuple[str, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pair in pairs:
        variant, sep, text = pair.partition("=")
        if not sep or not variant:
            raise ValidationError(f"--count {pair!r} must look like VARIANT=N")
        counts[validate.name(variant, "variant name")] = validate.positive_int(
            text, f"instance count of {variant}", maximum=100
        )
    return counts


@command("endpoint-weights", SECTION, short_help="Shift traffic between variants (A/B).")
@click.argument("name")
@click.argument("weights", nargs=-1, metavar="VARIANT=WEIGHT...")
@click.option(
    "--count",
    "counts",
    multiple=True,
    metavar="VARIANT=N",
    help="Also set instances (repeatable).",
)
@click.option(
    "--guard",
    default=None,
    metavar="RULE",
    help="Roll back if the variant gaining traffic breaks RULE, e.g. '5xx<1%'.",
)
@click.option(
    "--guard-minutes",
    type=click.IntRange(1, 180),
    default=15,
    show_default=True,
    help="How long the guard watches.",
)
@yes_option
@json_option
@pass_invocation
def endpoint_weights(
    inv: Invocation,
    *,
    name: str,
    weights: tuple[str, ...],
    counts: tuple[str, ...],
    guard: str | None,
    guard_minutes: int,
    yes: bool,
    json_output: bool,
) -> None:
    """Set the traffic weights of endpoint NAME's variants, e.g. `blue=90 green=10`.

    Variants not named keep their weight; shares are weight / sum of weights.
    """
    validate.name(name, "endpoint name")
    parsed = parse_weights(weights)
    parsed_counts = parse_counts(counts)
    if not parsed and not parsed_counts:
        raise ValidationError("give at least one VARIANT=WEIGHT", "e.g. blue=90 green=10")
    service = inv.console.endpoints
    current = service.describe_endpoint(name)
    planned = service.plan_variant_weights(current, parsed, parsed_counts)
    after = {v.name: v.desired_weight or 0.0 for v in current.variants}
    after.update({entry["VariantName"]: entry["DesiredWeight"] for entry in planned})
    total = sum(after.values())
    change = ", ".join(f"{v} {w / total:.0%}" for v, w in after.items())
    rule = None
    report: GuardReport | None = None
    if guard is not None:
        from console.services.cloudwatch import GuardRule

        rule = GuardRule.parse(guard)
        change += f", guarded by {rule.describe()} for {guard_minutes} min (rolls back by itself)"
    confirm(
        inv,
        "endpoint-weights",
        name,
        yes=yes,
        prompt=f"Shift endpoint {name} traffic to {change}?",
    )
    previous = {v.name: v.desired_weight or 0.0 for v in current.variants}
    endpoint = service.update_variant_weights(name, parsed, parsed_counts)
    if rule is not None:
        from console.services.traffic_guard import TrafficGuard, gained_traffic

        watched = gained_traffic(current, parsed) or [v.name for v in current.variants]
        click.echo(
            f"guard: watching {', '.join(watched)} for {guard_minutes} min ({rule.describe()})",
            err=True,
        )
        report = TrafficGuard(service, inv.console.cloudwatch).watch(
            name,
            previous,
            watched,
            rule,
            guard_minutes,
            on_check=lambda v, rate: click.echo(f"guard: {v} {rate:.2%}", err=True),
        )
        if report.rolled_back:
            endpoint = service.describe_endpoint(name)
        else:
            click.echo("guard: no breach; the new split stays", err=True)
    if wants_json(inv, json_output):
        emit(True, endpoint)
    else:
        _print_split(endpoint)
    if report is not None and report.rolled_back:
        # After the split is shown: the run ends on the `error:` line and a non-zero exit.
        raise GuardRolledBackError(f"guard rolled the shift back: {report.reason}")


def _print_split(endpoint: Endpoint) -> None:
    """The endpoint's desired traffic split, a line per variant."""
    split = endpoint.traffic_split(desired=True)
    click.echo(f"endpoint {endpoint.name} traffic split ({endpoint.status}):")
    width = max((len(v.name) for v in endpoint.variants), default=0)
    for variant in endpoint.variants:
        click.echo(
            f"  {variant.name:<{width}}  {split.get(variant.name, 0.0):>6.1%}  "
            f"weight {_weight(variant.desired_weight)}, "
            f"{_count(variant.desired_instance_count)} instance(s)"
        )
