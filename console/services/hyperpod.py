"""SageMaker HyperPod clusters and their nodes.

ListClusterNodes has no IP address: only DescribeClusterNode (one call per node) does.
Addresses never change for a given instance, so each describe is cached per
(cluster, instance id) and a poller that lists nodes every few seconds pays for each
node's describe once. Node actions (reboot, replace) go out in batches of at most 25,
the API's limit.

Cluster events (ListClusterEvents / DescribeClusterEvent) are HyperPod's own record of
what happened to the cluster, its instance groups and its instances: provisioning,
scaling, health-check failures, replacements. The API has them only for clusters created
with ``NodeProvisioningMode=Continuous``; for others it refuses, and the console says why.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from console import validate
from console.errors import SmError, ValidationError
from console.records import Record, as_datetime
from console.services.base import Service

CLUSTER_STATUSES = (
    "Creating",
    "Deleting",
    "Failed",
    "InService",
    "RollingBack",
    "SystemUpdating",
    "Updating",
)
NODE_STATUSES = (
    "Running",
    "Failure",
    "Pending",
    "ShuttingDown",
    "SystemUpdating",
    "DeepHealthCheckInProgress",
    "NotFound",
)
NODE_BATCH_MAX = 25
# Deep health checks HyperPod runs on request (MultiNodeTrainingValidation also exists,
# but needs several nodes of a group at once).
HEALTH_CHECKS = ("InstanceStress", "InstanceConnectivity")
EVENT_LEVELS = ("Info", "Warn", "Error")
EVENT_RESOURCE_TYPES = ("Cluster", "InstanceGroup", "Instance")
EVENT_ID_RE = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
NODE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_GROUP_KEYS = (
    "InstanceGroupName",
    "InstanceType",
    "InstanceCount",
    "LifeCycleConfig",
    "ExecutionRole",
)


def cluster_ref(value: str) -> str:
    """A cluster name, or a cluster ARN (both are accepted by the API)."""
    if isinstance(value, str) and value.startswith("arn:"):
        validate.arn(value, "cluster ARN", service="sagemaker")
        if ":cluster/" not in value:
            raise ValidationError(f"{value!r} is not a HyperPod cluster ARN")
        return value
    return validate.name(value, "cluster name")


def node_id(value: str) -> str:
    if not isinstance(value, str) or not NODE_ID_RE.match(value):
        raise ValidationError(
            f"node id {value!r} is not a HyperPod instance id", "e.g. i-0123456789abcdef0"
        )
    return value


def event_id(value: str) -> str:
    if not isinstance(value, str) or not EVENT_ID_RE.match(value):
        raise ValidationError(
            f"event id {value!r} is not a HyperPod cluster event id",
            "e.g. 0f1e2d3c-4b5a-6978-8899-aabbccddeeff (see cluster-events)",
        )
    return value


@dataclass(frozen=True)
class InstanceGroup(Record):
    name: str
    instance_type: str
    current_count: int
    target_count: int
    status: str
    slurm_node_type: str  # Controller | Login | Compute, or "" when not a Slurm group
    lifecycle_script_uri: str
    lifecycle_on_create: str
    execution_role: str
    threads_per_core: int | None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> InstanceGroup:
        lifecycle = d.get("LifeCycleConfig") or {}
        return cls(
            name=d.get("InstanceGroupName", ""),
            instance_type=d.get("InstanceType", ""),
            current_count=int(d.get("CurrentCount", 0) or 0),
            target_count=int(d.get("TargetCount", 0) or 0),
            status=d.get("Status", "") or "",
            slurm_node_type=str((d.get("SlurmConfig") or {}).get("NodeType", "") or ""),
            lifecycle_script_uri=lifecycle.get("SourceS3Uri", "") or "",
            lifecycle_on_create=lifecycle.get("OnCreate", "") or "",
            execution_role=d.get("ExecutionRole", "") or "",
            threads_per_core=d.get("ThreadsPerCore"),
        )


@dataclass(frozen=True)
class Cluster(Record):
    """A cluster. From a list summary, ``orchestrator`` and ``instance_groups`` are empty."""

    name: str
    arn: str
    status: str
    created: datetime | None
    failure_message: str
    orchestrator: str  # Slurm | EKS
    instance_groups: tuple[InstanceGroup, ...]

    @property
    def cluster_id(self) -> str:
        """The last ARN segment: SSM targets are ``sagemaker-cluster:<id>_<group>-<node>``."""
        return self.arn.rsplit("/", 1)[-1] if self.arn else ""

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> Cluster:
        groups = d.get("InstanceGroups")
        orchestrator = ""
        if groups is not None:  # a describe: no Eks orchestrator means Slurm
            orchestrator = "EKS" if (d.get("Orchestrator") or {}).get("Eks") else "Slurm"
        return cls(
            name=d["ClusterName"],
            arn=d.get("ClusterArn", ""),
            status=d.get("ClusterStatus", ""),
            created=as_datetime(d.get("CreationTime")),
            failure_message=d.get("FailureMessage", "") or "",
            orchestrator=orchestrator,
            instance_groups=tuple(InstanceGroup.from_api(g) for g in groups or []),
        )


@dataclass(frozen=True)
class ClusterNode(Record):
    """A node. Hostname and IP come from DescribeClusterNode (cached), not the list."""

    cluster: str
    instance_id: str
    group: str
    instance_type: str
    status: str
    message: str
    launched: datetime | None
    hostname: str = ""
    private_ip: str = ""

    @classmethod
    def from_api(cls, d: dict[str, Any], cluster: str) -> ClusterNode:
        status = d.get("InstanceStatus") or {}
        return cls(
            cluster=cluster,
            instance_id=d["InstanceId"],
            group=d.get("InstanceGroupName", ""),
            instance_type=d.get("InstanceType", ""),
            status=status.get("Status", "") or "",
            message=status.get("Message", "") or "",
            launched=as_datetime(d.get("LaunchTime")),
            hostname=d.get("PrivateDnsHostname", "") or "",
            private_ip=d.get("PrivatePrimaryIp", "") or "",
        )


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``{"Instance": {"FailureMessage": "x"}}`` -> ``("Instance.FailureMessage", "x")``.

    EventMetadata is a union of nested structures that grows with every API release;
    flattened, any new member shows up in the detail view and the JSON without a change
    here.
    """
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        if value and all(not isinstance(v, Mapping | list | tuple) for v in value):
            yield prefix, ", ".join(str(v) for v in value)
        else:
            for index, item in enumerate(value):
                yield from _flatten(item, f"{prefix}[{index}]")
    elif value is not None and value != "":
        yield prefix, str(value)


@dataclass(frozen=True)
class ClusterEvent(Record):
    """One HyperPod cluster event. ``details`` (flattened EventMetadata) only comes from
    DescribeClusterEvent; a listed event has none."""

    event_id: str
    cluster: str
    cluster_arn: str
    resource_type: str  # Cluster | InstanceGroup | Instance
    time: datetime | None
    level: str  # Info | Warn | Error
    group: str
    instance_id: str
    description: str
    operation_id: str
    details: tuple[tuple[str, str], ...] = ()

    @property
    def subject(self) -> str:
        """What the event is about, in the words of the console's Events table."""
        return self.instance_id or self.group or self.cluster

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> ClusterEvent:
        metadata = (d.get("EventDetails") or {}).get("EventMetadata") or {}
        return cls(
            event_id=str(d.get("EventId", "")),
            cluster=str(d.get("ClusterName", "")),
            cluster_arn=str(d.get("ClusterArn", "")),
            resource_type=str(d.get("ResourceType", "") or ""),
            time=as_datetime(d.get("EventTime")),
            level=str(d.get("EventLevel", "") or ""),
            group=str(d.get("InstanceGroupName", "") or ""),
            instance_id=str(d.get("InstanceId", "") or ""),
            description=str(d.get("Description", "") or ""),
            operation_id=str(d.get("OperationId", "") or ""),
            details=tuple(_flatten(metadata)),
        )


@dataclass(frozen=True)
class NodeActionResult(Record):
    """What a batch reboot/replace did, over all batches."""

    action: str
    successful: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (node id, error message)


class NodeCache:
    """A small thread-safe LRU of described nodes keyed by (cluster, instance id)."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], ClusterNode] = OrderedDict()

    def get(self, cluster: str, instance_id: str) -> ClusterNode | None:
        with self._lock:
            node = self._items.get((cluster, instance_id))
            if node is not None:
                self._items.move_to_end((cluster, instance_id))
            return node

    def put(self, node: ClusterNode) -> None:
        with self._lock:
            self._items[(node.cluster, node.instance_id)] = node
            self._items.move_to_end((node.cluster, node.instance_id))
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def forget(self, cluster: str, instance_ids: Sequence[str] | None = None) -> None:
        with self._lock:
            for key in list(self._items):
                if key[0] == cluster and (instance_ids is None or key[1] in instance_ids):
                    del self._items[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def validate_cluster_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Minimal checks on a CreateCluster request before sending it.

    The name rule and the instance groups' required keys; everything else is left to
    the API (its own validation names the field).
    """
    if not isinstance(spec, Mapping):
        raise ValidationError("cluster spec must be a mapping (a JSON/YAML object)")
    validate.name(spec.get("ClusterName", ""), "ClusterName")
    groups = spec.get("InstanceGroups")
    if not isinstance(groups, list) or not groups:
        raise ValidationError(
            "cluster spec has no InstanceGroups", "give at least one instance group"
        )
    seen: set[str] = set()
    for index, group in enumerate(groups):
        where = f"InstanceGroups[{index}]"
        if not isinstance(group, Mapping):
            raise ValidationError(f"{where} must be a mapping")
        missing = [key for key in _GROUP_KEYS if key not in group]
        if missing:
            raise ValidationError(f"{where} lacks {', '.join(missing)}")
        group_name = validate.name(group["InstanceGroupName"], f"{where}.InstanceGroupName")
        if group_name in seen:
            raise ValidationError(f"{where}: instance group name {group_name!r} is used twice")
        seen.add(group_name)
        validate.instance_type(group["InstanceType"], f"{where}.InstanceType")
        count = group["InstanceCount"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(f"{where}.InstanceCount must be a whole number >= 0")
        lifecycle = group["LifeCycleConfig"]
        if not isinstance(lifecycle, Mapping) or not lifecycle.get("SourceS3Uri"):
            raise ValidationError(f"{where}.LifeCycleConfig needs SourceS3Uri and OnCreate")
        validate.s3_uri(lifecycle["SourceS3Uri"], f"{where}.LifeCycleConfig.SourceS3Uri")
        if not lifecycle.get("OnCreate"):
            raise ValidationError(f"{where}.LifeCycleConfig needs OnCreate (the script to run)")
        validate.role_arn(group["ExecutionRole"], f"{where}.ExecutionRole")
    return dict(spec)


def _events_refused(exc: ValidationError, cluster: str) -> SmError:
    """The API's answer for a cluster whose events it does not keep, made plain."""
    text = exc.message.lower()
    if "continuous" in text or "provisioningmode" in text.replace(" ", ""):
        return ValidationError(
            f"cluster {cluster} has no events: HyperPod keeps them only for clusters "
            "created with NodeProvisioningMode=Continuous",
            "the lifecycle logs (/aws/sagemaker/Clusters/...) still show what happened",
        )
    return exc


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class HyperPodService(Service):
    """Clusters, instance groups and nodes; node reboot/replace in batches of 25."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node_cache = NodeCache()

    def list_clusters(self, *, limit: int | None = None) -> list[Cluster]:
        """Clusters, newest first (an account has few; sorted here too, as moto ignores
        the API's ``CREATION_TIME`` sort key)."""
        params = {"SortBy": "CREATION_TIME", "SortOrder": "Descending"}
        clusters = [
            Cluster.from_api(item)
            for item in self.paginate("list_clusters", "ClusterSummaries", limit=limit, **params)
        ]
        return sorted(
            clusters, key=lambda c: c.created.timestamp() if c.created else 0.0, reverse=True
        )

    def describe_cluster(self, name: str) -> Cluster:
        cluster_ref(name)
        return Cluster.from_api(self.call(self.client.describe_cluster, ClusterName=name))

    def list_nodes(
        self,
        cluster: str,
        *,
        group: str | None = None,
        addresses: bool = False,
        limit: int | None = None,
    ) -> Iterator[ClusterNode]:
        """Nodes with their current status; ``addresses`` adds hostname and IP (cached)."""
        cluster_ref(cluster)
        params: dict[str, Any] = {"ClusterName": cluster}
        if group:
            params["InstanceGroupNameContains"] = group
        for item in self.paginate(
            "list_cluster_nodes", "ClusterNodeSummaries", limit=limit, **params
        ):
            node = ClusterNode.from_api(item, cluster)
            if addresses:
                known = self.describe_node(cluster, node.instance_id)
                node = replace(
                    node,
                    hostname=node.hostname or known.hostname,
                    private_ip=known.private_ip,
                )
            yield node

    def describe_node(
        self, cluster: str, instance_id: str, *, refresh: bool = False
    ) -> ClusterNode:
        """A node with hostname and IP. Served from the cache unless ``refresh``: its
        status may then be old, but the address of an instance never changes."""
        cluster_ref(cluster)
        node_id(instance_id)
        if not refresh and (cached := self.node_cache.get(cluster, instance_id)) is not None:
            return cached
        data = self.call(self.client.describe_cluster_node, ClusterName=cluster, NodeId=instance_id)
        node = ClusterNode.from_api(data.get("NodeDetails") or {"InstanceId": instance_id}, cluster)
        self.node_cache.put(node)
        return node

    def list_events(
        self,
        cluster: str,
        *,
        group: str | None = None,
        node: str | None = None,
        resource_type: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[ClusterEvent]:
        """Cluster events, newest first, paged lazily (``limit`` stops the paging).

        ``group`` and ``node`` filter on the server (InstanceGroupName, NodeId). A cluster
        without continuous provisioning has no events: that refusal is turned into a
        message that says so instead of the API's bare ValidationException.
        """
        cluster_ref(cluster)
        params: dict[str, Any] = {
            "ClusterName": cluster,
            "SortBy": "EventTime",
            "SortOrder": "Descending",
        }
        if group:
            params["InstanceGroupName"] = validate.name(group, "instance group")
        if node:
            params["NodeId"] = node_id(node)
        if resource_type:
            if resource_type not in EVENT_RESOURCE_TYPES:
                raise ValidationError(
                    f"resource type {resource_type!r} is not one of "
                    f"{', '.join(EVENT_RESOURCE_TYPES)}"
                )
            params["ResourceType"] = resource_type
        if since is not None:
            params["EventTimeAfter"] = since
        try:
            for item in self.paginate("list_cluster_events", "Events", limit=limit, **params):
                yield ClusterEvent.from_api(item)
        except ValidationError as exc:
            raise _events_refused(exc, cluster) from exc

    def describe_event(self, cluster: str, event: str) -> ClusterEvent:
        """One event with its details (the flattened EventMetadata)."""
        cluster_ref(cluster)
        event_id(event)
        try:
            data = self.call(self.client.describe_cluster_event, ClusterName=cluster, EventId=event)
        except ValidationError as exc:
            raise _events_refused(exc, cluster) from exc
        return ClusterEvent.from_api(data.get("EventDetails") or {"EventId": event})

    def create_cluster(self, spec: Mapping[str, Any]) -> str:
        request = validate_cluster_spec(spec)
        name = str(request["ClusterName"])
        audited = {k: v for k, v in request.items() if k != "Tags"}
        result = self.mutate("cluster-create", name, audited, self.client.create_cluster, **request)
        return str(result.get("ClusterArn", ""))

    def reboot_nodes(self, cluster: str, node_ids: Sequence[str]) -> NodeActionResult:
        return self._node_action(
            "cluster-node-reboot", "batch_reboot_cluster_nodes", cluster, node_ids
        )

    def replace_nodes(self, cluster: str, node_ids: Sequence[str]) -> NodeActionResult:
        return self._node_action(
            "cluster-node-replace", "batch_replace_cluster_nodes", cluster, node_ids
        )

    def start_health_check(
        self,
        cluster: str,
        group: str,
        node_ids: Sequence[str],
        *,
        checks: Sequence[str] = HEALTH_CHECKS,
    ) -> str:
        """Deep health checks on nodes of one instance group (StartClusterHealthCheck).

        The nodes leave service while the checks run (DeepHealthCheckInProgress); one
        that fails them is replaced by HyperPod.
        """
        cluster_ref(cluster)
        ids = list(dict.fromkeys(node_id(n) for n in node_ids))
        if not ids:
            raise ValidationError("no node ids given")
        if not group:
            raise ValidationError("no instance group given for the health check")
        if len(ids) > NODE_BATCH_MAX:
            raise ValidationError(f"at most {NODE_BATCH_MAX} nodes per health check")
        configurations = [
            {"InstanceGroupName": group, "InstanceIds": ids, "DeepHealthChecks": list(checks)}
        ]
        result = self.mutate(
            "cluster-node-health-check",
            cluster,
            {"DeepHealthCheckConfigurations": configurations},
            self.client.start_cluster_health_check,
            ClusterName=cluster,
            DeepHealthCheckConfigurations=configurations,
        )
        self.node_cache.forget(cluster, ids)
        return str(result.get("ClusterArn", ""))

    def _node_action(
        self, action: str, operation: str, cluster: str, node_ids: Sequence[str]
    ) -> NodeActionResult:
        cluster_ref(cluster)
        ids = list(dict.fromkeys(node_id(n) for n in node_ids))  # de-duplicated, in order
        if not ids:
            raise ValidationError("no node ids given")
        successful: list[str] = []
        failed: list[tuple[str, str]] = []
        call = getattr(self.client, operation)
        for batch in _chunks(ids, NODE_BATCH_MAX):
            try:
                result = self.mutate(
                    action, cluster, {"NodeIds": batch}, call, ClusterName=cluster, NodeIds=batch
                )
            except SmError as exc:
                if successful or failed:  # say what already happened before this batch
                    exc.message = (
                        f"{exc.message} (after {len(successful) + len(failed)} nodes were sent)"
                    )
                raise
            successful.extend(str(n) for n in result.get("Successful") or [])
            failed.extend(
                (str(f.get("NodeId", "")), str(f.get("Message") or f.get("ErrorCode") or ""))
                for f in result.get("Failed") or []
            )
            self.node_cache.forget(cluster, batch)
        return NodeActionResult(action, tuple(successful), tuple(failed))
