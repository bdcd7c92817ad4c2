"""cluster-*: the seed's HyperPod commands, cluster events and the gated node actions.

``cluster-events`` is the AWS console's cluster Events tab (newest first, filtered by
instance group, node or resource type); ``cluster-event-describe`` shows one event with
its details. ``cluster-node-reboot``/``-replace``/``-health-check`` are the nodes pane's
actions: each asks first (``--yes`` skips that), is refused in read-only mode before
asking, and is audited through the mutation gate.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from console.cli.output import emit, field_col, print_json, print_table
from console.cli.root import (
    AwsChoice,
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    report_created,
    wants_json,
    yes_option,
)
from console.errors import SmError, ValidationError
from console.services.hyperpod import (
    EVENT_RESOURCE_TYPES,
    HEALTH_CHECKS,
    NODE_BATCH_MAX,
    Cluster,
    ClusterEvent,
    InstanceGroup,
    NodeActionResult,
)

SECTION = "HyperPod"
SPEC_MAX_BYTES = 1_048_576

CLUSTER_COLUMNS = [
    field_col("Name", "name"),
    field_col("Status", "status"),
    field_col("Created", "created"),
    field_col("ARN", "arn"),
]
NODE_COLUMNS = [
    field_col("Instance", "instance_id"),
    field_col("Group", "group"),
    field_col("Type", "instance_type"),
    field_col("Status", "status"),
    field_col("Message", "message"),
    field_col("Launched", "launched"),
]
ADDRESS_COLUMNS = [field_col("Hostname", "hostname"), field_col("IP", "private_ip")]
EVENT_COLUMNS = [
    field_col("Time", "time"),
    field_col("Level", "level"),
    field_col("Type", "resource_type"),
    field_col("Group", "group"),
    field_col("Node", "instance_id"),
    field_col("Description", "description"),
    field_col("Event ID", "event_id"),
]
EVENTS_DEFAULT_LIMIT = 100


def _group_line(group: InstanceGroup) -> str:
    parts = [
        f"{group.name}: {group.current_count}/{group.target_count} x {group.instance_type}",
        group.status,
        f"Slurm {group.slurm_node_type}" if group.slurm_node_type else "",
        f"lifecycle {group.lifecycle_script_uri.rstrip('/')}/{group.lifecycle_on_create}"
        if group.lifecycle_script_uri
        else "",
    ]
    return ", ".join(p for p in parts if p)


def cluster_fields(cluster: Cluster) -> list[tuple[str, object]]:
    return [
        ("Name", cluster.name),
        ("Status", cluster.status),
        ("Orchestrator", cluster.orchestrator),
        ("Created", cluster.created),
        ("Failure", cluster.failure_message or None),
        ("Instance groups", [_group_line(g) for g in cluster.instance_groups]),
        ("ARN", cluster.arn),
    ]


def event_fields(event: ClusterEvent) -> list[tuple[str, object]]:
    return [
        ("Time", event.time),
        ("Level", event.level),
        ("Type", event.resource_type),
        ("Cluster", event.cluster),
        ("Group", event.group or None),
        ("Node", event.instance_id or None),
        ("Description", event.description),
        ("Operation", event.operation_id or None),
        *((f"  {key}", value) for key, value in event.details),
        ("Event ID", event.event_id),
    ]


def load_spec(path: str) -> dict[str, Any]:
    """Read a CreateCluster request from a JSON or YAML file, with one-line errors."""
    from console.cli.files import read_text_file

    file = Path(path).expanduser()
    text = read_text_file(file, SPEC_MAX_BYTES, "cluster spec")
    if not text.strip():
        raise ValidationError(f"{path}: the file is empty", "expected a JSON or YAML object")
    suffix = file.suffix.lower()
    is_json = suffix == ".json" or (
        suffix not in {".yaml", ".yml"} and text.lstrip().startswith("{")
    )
    data = _parse_json(text, path) if is_json else _parse_yaml(text, path)
    if not isinstance(data, dict):
        raise ValidationError(
            f"{path}: the cluster spec must be an object with ClusterName and InstanceGroups, "
            f"got {type(data).__name__}"
        )
    return data


def _parse_json(text: str, path: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise ValidationError(f"{path}: nested too deeply") from None


def _parse_yaml(text: str, path: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise ValidationError(
            f"{path}: YAML needs PyYAML, which is not installed", "give the spec as JSON"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise ValidationError(
            f"{path}: not valid YAML: {exc.problem or exc.context}{where}"
        ) from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise ValidationError(f"{path}: nested too deeply") from None


@command("cluster-list", SECTION, short_help="List HyperPod clusters, newest first.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@json_option
@pass_invocation
def cluster_list(inv: Invocation, limit: int | None, json_output: bool) -> None:
    clusters = inv.console.hyperpod.list_clusters(limit=limit)
    emit(
        wants_json(inv, json_output),
        clusters,
        columns=CLUSTER_COLUMNS,
        empty="no HyperPod clusters",
    )


@command("cluster-describe", SECTION, short_help="Show a cluster and its instance groups.")
@click.argument("name")
@json_option
@pass_invocation
def cluster_describe(inv: Invocation, name: str, json_output: bool) -> None:
    cluster = inv.console.hyperpod.describe_cluster(name)
    emit(wants_json(inv, json_output), cluster, fields=cluster_fields)


@command("cluster-nodes", SECTION, short_help="List a cluster's nodes and their status.")
@click.argument("name")
@click.option("--group", metavar="TEXT", help="Only instance groups whose name contains TEXT.")
@click.option(
    "--addresses", is_flag=True, help="Add hostname and IP (one describe per node, cached)."
)
@json_option
@pass_invocation
def cluster_nodes(
    inv: Invocation, name: str, group: str | None, addresses: bool, json_output: bool
) -> None:
    service = inv.console.hyperpod
    service.describe_cluster(name)  # "cluster not found" rather than an empty table
    nodes = service.list_nodes(name, group=group, addresses=addresses)
    columns = NODE_COLUMNS + ADDRESS_COLUMNS if addresses else NODE_COLUMNS
    emit(wants_json(inv, json_output), nodes, columns=columns, empty=f"no nodes in {name}")


@command("cluster-create", SECTION, short_help="Create a HyperPod cluster from a JSON/YAML spec.")
@click.argument("spec", metavar="SPEC")
@json_option
@pass_invocation
def cluster_create(inv: Invocation, spec: str, json_output: bool) -> None:
    request = load_spec(spec)
    arn = inv.console.hyperpod.create_cluster(request)
    name = str(request.get("ClusterName", ""))
    report_created(inv, json_output, f"creating cluster {name}", name=name, arn=arn)


@command("cluster-events", SECTION, short_help="A cluster's events, newest first.")
@click.argument("name")
@click.option("--group", metavar="GROUP", help="Only events of this instance group.")
@click.option("--node", metavar="INSTANCE_ID", help="Only events of this node (instance id).")
@click.option(
    "--type",
    "resource_type",
    type=AwsChoice(EVENT_RESOURCE_TYPES),
    help="Only events about the cluster, an instance group or an instance.",
)
@click.option(
    "--since",
    "since_minutes",
    type=click.IntRange(min=1),
    default=None,
    help="Only the last N minutes.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=EVENTS_DEFAULT_LIMIT,
    show_default=True,
    help="At most this many (the newest).",
)
@json_option
@pass_invocation
def cluster_events(
    inv: Invocation,
    name: str,
    group: str | None,
    node: str | None,
    resource_type: str | None,
    since_minutes: int | None,
    limit: int,
    json_output: bool,
) -> None:
    """HyperPod's record of what happened to the cluster, its groups and instances.

    Only clusters created with NodeProvisioningMode=Continuous have events.
    """
    if resource_type:
        resource_type = next(t for t in EVENT_RESOURCE_TYPES if t.lower() == resource_type.lower())
    since = datetime.now(UTC) - timedelta(minutes=since_minutes) if since_minutes else None
    events = inv.console.hyperpod.list_events(
        name, group=group, node=node, resource_type=resource_type, since=since, limit=limit
    )
    if wants_json(inv, json_output):
        print_json(list(events))
    else:
        print_table(events, EVENT_COLUMNS, status_column="Level", empty=f"no events for {name}")


@command("cluster-event-describe", SECTION, short_help="Show one cluster event in full.")
@click.argument("name")
@click.argument("event_id", metavar="EVENT_ID")
@json_option
@pass_invocation
def cluster_event_describe(inv: Invocation, name: str, event_id: str, json_output: bool) -> None:
    event = inv.console.hyperpod.describe_event(name, event_id)
    emit(wants_json(inv, json_output), event, fields=event_fields)


def _node_ids(nodes: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(nodes))
    if len(ids) > NODE_BATCH_MAX * 4:
        raise ValidationError(f"at most {NODE_BATCH_MAX * 4} nodes at once")
    return ids


def _report(inv: Invocation, json_output: bool, verb: str, result: NodeActionResult) -> None:
    if wants_json(inv, json_output):
        print_json(result)
    else:
        for node_id in result.successful:
            click.echo(f"{verb} requested: {node_id}")
        for node_id, why in result.failed:
            click.echo(f"{verb} failed: {node_id}: {why}", err=True)
    if result.failed:
        total = len(result.failed) + len(result.successful)
        raise SmError(
            f"{verb} failed for {len(result.failed)} of {total} node(s)",
            "the lines above say why for each node; retry only those",
        )


@command("cluster-node-reboot", SECTION, short_help="Reboot cluster nodes (asks first).")
@click.argument("name")
@click.argument("nodes", metavar="INSTANCE_ID...", nargs=-1, required=True)
@yes_option
@json_option
@pass_invocation
def cluster_node_reboot(
    inv: Invocation, name: str, nodes: tuple[str, ...], yes: bool, json_output: bool
) -> None:
    """Reboot nodes (BatchRebootClusterNodes, 25 per call): their job steps are killed."""
    ids = _node_ids(nodes)
    confirm(
        inv,
        "cluster-node-reboot",
        name,
        yes=yes,
        prompt=f"Reboot {len(ids)} node(s) of {name} ({', '.join(ids)})? Jobs on them are killed.",
    )
    _report(inv, json_output, "reboot", inv.console.hyperpod.reboot_nodes(name, ids))


@command("cluster-node-replace", SECTION, short_help="Replace cluster nodes (asks first).")
@click.argument("name")
@click.argument("nodes", metavar="INSTANCE_ID...", nargs=-1, required=True)
@yes_option
@json_option
@pass_invocation
def cluster_node_replace(
    inv: Invocation, name: str, nodes: tuple[str, ...], yes: bool, json_output: bool
) -> None:
    """Terminate nodes and bring up new instances in their place (local disks are lost)."""
    ids = _node_ids(nodes)
    confirm(
        inv,
        "cluster-node-replace",
        name,
        yes=yes,
        prompt=f"Replace {len(ids)} node(s) of {name} ({', '.join(ids)})? Their local disks "
        "are lost and jobs on them are killed.",
    )
    _report(inv, json_output, "replace", inv.console.hyperpod.replace_nodes(name, ids))


@command(
    "cluster-node-health-check",
    SECTION,
    short_help="Run deep health checks on cluster nodes (asks first).",
)
@click.argument("name")
@click.argument("nodes", metavar="INSTANCE_ID...", nargs=-1, required=True)
@click.option(
    "--group",
    metavar="GROUP",
    help="The nodes' instance group (looked up per node when not given).",
)
@click.option(
    "--check",
    "checks",
    type=AwsChoice(HEALTH_CHECKS),
    multiple=True,
    help="Which checks (repeatable; default: all of them).",
)
@yes_option
@json_option
@pass_invocation
def cluster_node_health_check(
    inv: Invocation,
    name: str,
    nodes: tuple[str, ...],
    group: str | None,
    checks: tuple[str, ...],
    yes: bool,
    json_output: bool,
) -> None:
    """StartClusterHealthCheck: the nodes leave service while HyperPod stresses their GPUs
    and network (about an hour); jobs on them are killed; a node that fails is replaced.
    """
    service = inv.console.hyperpod
    ids = _node_ids(nodes)
    if len(ids) > NODE_BATCH_MAX:
        raise ValidationError(f"at most {NODE_BATCH_MAX} nodes per health check")
    inv.console.gate.precheck("cluster-node-health-check", name)  # before any lookup
    by_group: dict[str, list[str]] = {}
    for node_id in ids:
        node_group = group or service.describe_node(name, node_id).group
        by_group.setdefault(node_group, []).append(node_id)
    confirm(
        inv,
        "cluster-node-health-check",
        name,
        yes=yes,
        prompt=f"Run deep health checks on {len(ids)} node(s) of {name} ({', '.join(ids)})? "
        "They leave service for about an hour and jobs on them are killed.",
    )
    chosen = checks or HEALTH_CHECKS
    for node_group, members in by_group.items():
        service.start_health_check(name, node_group, members, checks=chosen)
    if wants_json(inv, json_output):
        print_json({"cluster": name, "groups": by_group, "checks": list(chosen)})
    else:
        for node_group, members in by_group.items():
            click.echo(f"deep health checks started on {', '.join(members)} (group {node_group})")
