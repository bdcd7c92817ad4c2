"""cluster-*: the seed's HyperPod commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from console.cli.output import emit, field_col
from console.cli.root import (
    Invocation,
    command,
    json_option,
    pass_invocation,
    report_created,
    wants_json,
)
from console.errors import ValidationError
from console.services.hyperpod import Cluster, InstanceGroup

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


def load_spec(path: str) -> dict[str, Any]:
    """Read a CreateCluster request from a JSON or YAML file, with one-line errors."""
    file = Path(path).expanduser()
    try:
        if file.stat().st_size > SPEC_MAX_BYTES:
            raise ValidationError(f"{path}: cluster spec is larger than 1 MiB")
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{path}: not a text file (expected JSON or YAML)") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read: {exc.strerror or exc}") from None
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
