"""hyperpod-*: a cluster's lifecycle (scale a group, update software, delete nodes).

Each names the cluster (an account may have several), asks first (``--yes`` skips that),
is refused in read-only mode before asking, and goes through the mutation gate.
``hyperpod-delete-nodes`` shows each node's Slurm state first and refuses a node running
jobs (or one whose Slurm state cannot be seen) unless ``--force``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from console import validate
from console.cli.commands.slurm import connection_options, open_client
from console.cli.output import print_json
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    wants_json,
    yes_option,
)
from console.errors import SmError
from console.sanitize import clean
from console.services.hyperpod import cluster_ref
from console.services.hyperpod_lifecycle import ClusterLifecycle, NodeSlurmState, refuse_busy
from console.slurm.records import SlurmNode

SECTION = "HyperPod"


def _lifecycle(inv: Invocation) -> ClusterLifecycle:
    return ClusterLifecycle(inv.console.hyperpod)


@command("hyperpod-scale", SECTION, short_help="Scale an instance group (asks first).")
@click.argument("cluster")
@click.argument("group")
@click.argument("count", type=int)
@yes_option
@json_option
@pass_invocation
def hyperpod_scale(
    inv: Invocation, cluster: str, group: str, count: int, yes: bool, json_output: bool
) -> None:
    """UpdateCluster with GROUP at COUNT instances; the other groups are sent unchanged.

    Says first what the change adds (or saves) per hour; growing above max_hourly_cost
    is refused before anything is sent."""
    validate.name(group, "instance group")
    inv.console.gate.precheck("hyperpod-scale", cluster)  # before any lookup
    lifecycle = _lifecycle(inv)
    plan = lifecycle.plan_scale(cluster, group, count)
    from console.cli.cost_check import ask_with_cost, cost_json, scale_projection
    from console.services.hyperpod_lifecycle import scale_cost

    cost = scale_cost(inv.console.pricing, inv.config, plan)
    shrink = " Nodes are removed and jobs on them are killed." if count < plan.current else ""
    ask_with_cost(
        inv,
        "hyperpod-scale",
        cluster,
        yes=yes,
        prompt=f"Scale {group} of {cluster} from {plan.target} to {count} instance(s)?{shrink}",
        cost_line=scale_projection(inv, "hyperpod-scale", cluster, cost),
    )
    done = lifecycle.scale(
        cluster, group, count, warn=lambda m: click.echo(f"warning: {m}", err=True)
    )
    if wants_json(inv, json_output):
        print_json(
            {
                "cluster": cluster,
                "group": group,
                "from": done.target,
                "to": count,
                "instance_type": plan.instance_type,
                "cost": cost_json(cost),
            }
        )
    else:
        click.echo(f"scaling {group} of {cluster} from {done.target} to {count}")


@command(
    "hyperpod-update-software",
    SECTION,
    short_help="Update a cluster's software to the latest image (asks first).",
)
@click.argument("cluster")
@yes_option
@json_option
@pass_invocation
def hyperpod_update_software(inv: Invocation, cluster: str, yes: bool, json_output: bool) -> None:
    """UpdateClusterSoftware: nodes are patched group by group; jobs on them are killed."""
    cluster_ref(cluster)
    inv.console.gate.precheck("hyperpod-update-software", cluster)
    lifecycle = _lifecycle(inv)
    confirm(
        inv,
        "hyperpod-update-software",
        cluster,
        yes=yes,
        prompt=f"Update the software of every node of {cluster}? Nodes restart and jobs on "
        "them are killed.",
    )
    arn = lifecycle.update_software(cluster)
    if wants_json(inv, json_output):
        print_json({"cluster": cluster, "arn": arn, "status": "updating"})
    else:
        click.echo(f"software update started on {cluster}")


def slurm_view(inv: Invocation, connection: dict[str, Any]) -> list[SlurmNode] | None:
    """Slurm's nodes, or None when Slurm cannot be reached (the caller refuses then)."""
    try:
        client = open_client(inv, connection)
    except SmError:
        return None
    try:
        nodes: list[SlurmNode] = client.nodes()
        return nodes
    except SmError:
        return None
    finally:
        client.transport.close()


def _show(states: Sequence[NodeSlurmState]) -> None:
    for s in states:
        slurm = f"{s.slurm_name} {s.slurm_state}" if s.slurm_state else "not in Slurm"
        if not s.known:
            slurm = "Slurm state unknown"
        click.echo(clean(f"{s.instance_id} ({s.group}, {s.status}): {slurm}"), err=True)


@command("hyperpod-delete-nodes", SECTION, short_help="Delete cluster nodes (asks first).")
@click.argument("cluster")
@click.argument("nodes", metavar="NODE_ID...", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Delete even nodes running jobs (they are killed).")
@yes_option
@json_option
@connection_options
@pass_invocation
def hyperpod_delete_nodes(
    inv: Invocation,
    cluster: str,
    nodes: tuple[str, ...],
    force: bool,
    yes: bool,
    json_output: bool,
    connection: dict[str, Any],
) -> None:
    """BatchDeleteClusterNodes: the instances are terminated and the group shrinks."""
    inv.console.gate.precheck("hyperpod-delete-nodes", cluster)
    lifecycle = _lifecycle(inv)
    slurm = slurm_view(inv, connection)
    states = lifecycle.delete_preview(cluster, nodes, slurm)
    _show(states)
    ids = [s.instance_id for s in states]
    if not force:
        try:
            refuse_busy(states, force=False)
        except SmError as refused:
            inv.console.gate.refused("hyperpod-delete-nodes", cluster, refused)
            raise
    confirm(
        inv,
        "hyperpod-delete-nodes",
        cluster,
        yes=yes,
        prompt=f"Delete {len(ids)} node(s) of {cluster} ({', '.join(ids)})? The instances are "
        "terminated and their local disks are lost.",
    )
    result = lifecycle.delete_nodes(cluster, ids, slurm, force=force, states=states)
    if wants_json(inv, json_output):
        print_json(result)
    else:
        for node_id in result.successful:
            click.echo(f"delete requested: {node_id}")
        for node_id, code, why in result.failed:
            click.echo(clean(f"delete failed: {node_id}: {code} {why}".rstrip()), err=True)
    if result.failed:
        total = len(result.failed) + len(result.successful)
        raise SmError(
            f"delete failed for {len(result.failed)} of {total} node(s)",
            "the lines above say why for each node; retry only those",
        )
