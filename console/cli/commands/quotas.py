"""quota-list, and the pre-flight quota check the create/start/update commands run."""

from __future__ import annotations

from typing import Any

import click

from console.cli.output import emit
from console.cli.root import Invocation, command, json_option, pass_invocation, wants_json
from console.services.quotas import QuotaExceededError

SECTION = "Logs and status"

QUOTA_COLUMNS = [
    ("Instance type", lambda u: u.quota.instance_type),
    ("Usage", lambda u: u.quota.usage),
    ("In use", lambda u: "?" if u.in_use is None else u.in_use),
    ("Limit", lambda u: f"{u.quota.limit:g}"),
    ("Code", lambda u: u.quota.code),
]


def preflight(
    inv: Invocation,
    action: str,
    target: str,
    needs: list[tuple[str, str, int]],
) -> None:
    """Refuse ``action`` on ``target`` before anything is sent when one of ``needs``
    (kind, instance type, count) would exceed its quota; audited as refused."""
    inv.console.gate.precheck(action, target)  # read-only refuses first, not a quota
    service = inv.console.quotas
    for kind, instance_type, count in needs:
        try:
            service.preflight(
                kind,
                instance_type,
                count,
                warn=lambda m: click.echo(f"warning: {m}", err=True),
                quiet_unsupported=inv.config.is_local_endpoint,
            )
        except QuotaExceededError as exc:
            inv.console.gate.refused(action, target, exc)
            raise


def endpoint_config_needs(inv: Invocation, config: str) -> list[tuple[str, str, int]]:
    """What an endpoint on ``config`` runs: (``endpoint``, type, count) per variant."""
    client: Any = inv.console.sessions.client("sagemaker")
    try:
        data = client.describe_endpoint_config(EndpointConfigName=config)
    except Exception:
        return []  # the create itself says what is wrong with the config
    return [
        ("endpoint", str(v["InstanceType"]), int(v.get("InitialInstanceCount") or 1))
        for v in data.get("ProductionVariants") or []
        if v.get("InstanceType")
    ]


@command(
    "quota-list",
    SECTION,
    short_help="SageMaker quotas of the instance types in use, beside their use.",
)
@click.option("--type", "instance_type", metavar="ml.TYPE", help="One instance type.")
@json_option
@pass_invocation
def quota_list(inv: Invocation, instance_type: str | None, json_output: bool) -> None:
    if instance_type:
        from console.validate import instance_type as valid_type

        valid_type(instance_type)
    rows = inv.console.quotas.list_with_use(instance_type)
    emit(
        wants_json(inv, json_output),
        rows,
        columns=QUOTA_COLUMNS,
        empty="no SageMaker quota applies to an instance type in use"
        if not instance_type
        else f"no SageMaker quota found for {instance_type}",
    )


COST_COLUMNS = [
    ("Kind", lambda r: r.kind),
    ("Name", lambda r: r.name),
    ("Instances", lambda r: f"{r.instance_count} x {r.instance_type}"),
    ("$/h", lambda r: "?" if r.usd_per_hour is None else f"{r.usd_per_hour:.3f}"),
    ("$ so far", lambda r: "?" if r.usd_so_far is None else f"{r.usd_so_far:.2f}"),
    ("Note", lambda r: r.note or None),
]


@command("cost", SECTION, short_help="What is running now and what it costs per hour.")
@json_option
@pass_invocation
def cost(inv: Invocation, json_output: bool) -> None:
    rows = inv.console.cost.running()
    if wants_json(inv, json_output):
        from console.cli.output import print_json

        print_json([{**r.to_dict(), "usd_so_far": r.usd_so_far} for r in rows])
        return
    emit(False, rows, columns=COST_COLUMNS, empty="nothing billable is running")
    total = sum(r.usd_per_hour or 0.0 for r in rows)
    unknown = sum(r.usd_per_hour is None for r in rows)
    click.echo(f"total: ${total:.2f}/h" + (f" (+{unknown} without a price)" if unknown else ""))
