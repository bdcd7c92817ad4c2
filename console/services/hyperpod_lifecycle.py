"""HyperPod cluster lifecycle: scale an instance group, update software, delete nodes.

Each change goes through the mutation gate (read-only refusal, audited intent and
outcome, never sent twice) with its own read-back, because none of these calls leaves a
field that says "this request took effect" the way a create does:

- scaling (UpdateCluster) is confirmed by the group's ``TargetCount`` in DescribeCluster;
- a software update (UpdateClusterSoftware) by the cluster leaving InService;
- a node deletion (BatchDeleteClusterNodes) by the nodes leaving ListClusterNodes.

UpdateCluster replaces the cluster's instance-group settings: every group is sent, the
other groups exactly as DescribeCluster returns them (only the members the request shape
has), so scaling one group never changes another.

Deleting a node kills what runs on it. Before deleting, the node's Slurm state (joined
as the nodes pane joins it, console/slurm/join.py) is checked: a node with jobs, or a
node whose Slurm state cannot be seen, is refused unless forced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from console.errors import ConflictError, ValidationError
from console.records import Record
from console.services.hyperpod import (
    Cluster,
    ClusterNode,
    HyperPodService,
    InstanceGroup,
    cluster_ref,
    node_id,
)
from console.slurm.join import join_nodes
from console.slurm.records import SlurmNode

if TYPE_CHECKING:
    from console.services.pricing import PricingService
    from console.services.projection import CostProjection

COUNT_MAX = 6758  # ClusterInstanceGroupSpecification.InstanceCount's maximum
DELETE_MAX = 99  # the console's own bound per command (the API takes 3,000)
BUSY_STATES = frozenset({"ALLOCATED", "MIXED", "COMPLETING"})
SOFTWARE_UPDATING = frozenset({"SystemUpdating", "Updating"})


@cache
def _spec_members() -> frozenset[str]:
    """The members of UpdateCluster's instance-group shape, from botocore's model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    shape: Any = model.shape_for("ClusterInstanceGroupSpecification")  # a StructureShape
    return frozenset(shape.members)


def group_spec(details: Mapping[str, Any], count: int | None = None) -> dict[str, Any]:
    """An UpdateCluster instance-group entry from DescribeCluster's group details.

    The count is the group's target (what it is scaling to), unless ``count`` is given;
    the desired image stays the desired image.
    """
    members = _spec_members()
    spec = {key: value for key, value in details.items() if key in members}
    if details.get("DesiredImageId") and "ImageId" in members:
        spec["ImageId"] = details["DesiredImageId"]
    current = details.get("TargetCount", details.get("CurrentCount", 0))
    spec["InstanceCount"] = int(count if count is not None else current or 0)
    return spec


def check_count(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= COUNT_MAX:
        raise ValidationError(
            f"instance count {value!r} is out of range",
            f"give a whole number from 0 to {COUNT_MAX}",
        )
    return value


@dataclass(frozen=True)
class ScalePlan(Record):
    """A group's scale as checked against the cluster now. The instance types (the
    group's, and the other groups' with their targets) are what the projected cost of
    the change is priced from (console/services/projection.py :func:`project_scale`)."""

    cluster: str
    group: str
    current: int
    target: int
    new: int
    instance_type: str = ""
    others: tuple[tuple[str, int], ...] = ()  # every other group: (instance type, target)


@dataclass(frozen=True)
class NodeSlurmState(Record):
    """A node to delete with what Slurm says about it (``known`` False: no Slurm view)."""

    instance_id: str
    group: str
    status: str
    slurm_name: str
    slurm_state: str  # "" when Slurm does not know the node
    known: bool

    @property
    def busy(self) -> bool:
        return self.slurm_state.split("+", 1)[0] in BUSY_STATES


@dataclass(frozen=True)
class DeleteResult(Record):
    cluster: str
    successful: tuple[str, ...]
    failed: tuple[tuple[str, str, str], ...]  # (node id, code, message)


def slurm_states(
    instances: Sequence[ClusterNode],
    ids: Sequence[str],
    slurm: Sequence[SlurmNode] | None,
) -> list[NodeSlurmState]:
    """Each node id with its instance and Slurm state; unknown ids are refused.

    ``known`` is False for every node when there is no Slurm view, or when the view is
    of another cluster (none of this cluster's instances is in it).
    """
    by_id = {i.instance_id: i for i in instances}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ValidationError(
            f"no node {', '.join(missing)} in this cluster", "see cluster-nodes CLUSTER"
        )
    joined = {
        row.instance.instance_id: row for row in join_nodes(slurm or [], instances) if row.instance
    }
    # A Slurm view that knows none of this cluster's instances is another cluster's (the
    # connection points elsewhere): it says nothing about these nodes.
    seen = slurm is not None and any(row.slurm is not None for row in joined.values())
    out = []
    for instance_id in ids:
        row = joined.get(instance_id)
        found = row.slurm if row is not None else None
        out.append(
            NodeSlurmState(
                instance_id=instance_id,
                group=by_id[instance_id].group,
                status=by_id[instance_id].status,
                slurm_name=found.name if found else "",
                slurm_state=found.display_state if found else "",
                known=seen,
            )
        )
    return out


def refuse_busy(states: Sequence[NodeSlurmState], *, force: bool) -> None:
    """Refuse to delete nodes running jobs, or nodes whose Slurm state is unseen."""
    if force:
        return
    busy = [s for s in states if s.busy]
    if busy:
        listed = ", ".join(f"{s.instance_id} ({s.slurm_name} {s.slurm_state})" for s in busy)
        raise ConflictError(
            f"refusing to delete node(s) running jobs: {listed}",
            "drain them and wait for their jobs, or pass --force to kill the jobs",
        )
    unseen = [s.instance_id for s in states if not s.known]
    if unseen:
        raise ConflictError(
            f"cannot see the Slurm state of {', '.join(unseen)}: jobs on them would be killed",
            "connect to Slurm (--ssm/--ssh/--local) to check, or pass --force",
        )


def scale_cost(pricing: PricingService, config: Any, plan: ScalePlan) -> CostProjection:
    """The plan's change per hour (its group's target -> new), with the cluster's hourly
    cost before and after when every group is priced; refused above ``max_hourly_cost``.
    Reads prices (once a day from the Price List API): call it off the UI thread."""
    from console.services.projection import project_scale

    rest = [("cluster", kind, count) for kind, count in plan.others if count > 0]
    return project_scale(
        pricing,
        config,
        plan.cluster,
        "cluster",
        plan.instance_type,
        plan.target,
        plan.new,
        label=plan.group,
        rest=rest,
        # While the group is still scaling, "now" would be a bill not yet (or no longer)
        # paid: the change is from its target.
        basis="now" if plan.current == plan.target else "at target",
    )


class ClusterLifecycle:
    """Scale, software update and node deletion for one account's clusters."""

    def __init__(self, hyperpod: HyperPodService) -> None:
        self.hyperpod = hyperpod

    def clusters(self) -> list[Cluster]:
        """Every cluster of the account and region (several may be switched between)."""
        return self.hyperpod.list_clusters()

    def _describe(self, cluster: str) -> dict[str, Any]:
        cluster_ref(cluster)
        client = self.hyperpod.client
        data: dict[str, Any] = self.hyperpod.call(client.describe_cluster, ClusterName=cluster)
        return data

    def plan_scale(
        self, cluster: str, group: str, count: int, described: Mapping[str, Any] | None = None
    ) -> ScalePlan:
        """Check the group and count against the cluster as it is now."""
        check_count(count)
        data = described if described is not None else self._describe(cluster)
        groups = Cluster.from_api(dict(data)).instance_groups
        found: InstanceGroup | None = next((g for g in groups if g.name == group), None)
        if found is None:
            names = ", ".join(g.name for g in groups) or "none"
            raise ValidationError(
                f"cluster {cluster} has no instance group {group!r}", f"its groups: {names}"
            )
        if found.target_count == count:
            raise ValidationError(
                f"instance group {group} of {cluster} already has a target of {count}",
                "give a different count",
            )
        others = tuple((g.instance_type, g.target_count) for g in groups if g.name != group)
        return ScalePlan(
            cluster,
            group,
            found.current_count,
            found.target_count,
            count,
            instance_type=found.instance_type,
            others=others,
        )

    def scale(
        self, cluster: str, group: str, count: int, *, warn: Callable[[str], None] | None = None
    ) -> ScalePlan:
        """UpdateCluster with ``group`` at ``count`` and every other group as it is.

        Growing a group is checked against the cluster-usage quota of its instance type
        first: over it, refused before anything is sent."""
        described = self._describe(cluster)  # once: the plan and the request agree
        plan = self.plan_scale(cluster, group, count, described)
        details = described.get("InstanceGroups") or []
        self._preflight(cluster, group, count, plan, details, warn)
        groups = [
            group_spec(g, count if g.get("InstanceGroupName") == group else None) for g in details
        ]
        client = self.hyperpod.client

        def applied() -> bool | None:
            for g in self._describe(cluster).get("InstanceGroups") or []:
                if g.get("InstanceGroupName") == group:
                    return int(g.get("TargetCount", -1)) == count
            return None

        self.hyperpod.mutate_checked(
            "hyperpod-scale",
            cluster,
            {"InstanceGroup": group, "InstanceCount": count, "From": plan.target},
            lambda: client.update_cluster(ClusterName=cluster, InstanceGroups=groups),
            applied,
        )
        return plan

    def _preflight(
        self,
        cluster: str,
        group: str,
        count: int,
        plan: ScalePlan,
        details: Sequence[Mapping[str, Any]],
        warn: Callable[[str], None] | None,
    ) -> None:
        from console.services.quotas import QuotasService

        instance_type = next(
            (
                str(g.get("InstanceType") or "")
                for g in details
                if g.get("InstanceGroupName") == group
            ),
            "",
        )
        adding = count - max(plan.current, plan.target)
        QuotasService(self.hyperpod.sessions, self.hyperpod.gate).guard(
            "hyperpod-scale", cluster, [("cluster", instance_type, adding)], warn=warn
        )

    def update_software(self, cluster: str) -> str:
        """UpdateClusterSoftware: every group to the latest HyperPod image (rolling)."""
        status = Cluster.from_api(self._describe(cluster)).status
        if status != "InService":
            raise ConflictError(
                f"cluster {cluster} is {status or 'in an unknown state'}, not InService",
                "wait until it is InService, then update its software",
            )
        client = self.hyperpod.client

        def applied() -> bool | None:
            now = Cluster.from_api(self._describe(cluster)).status
            return True if now in SOFTWARE_UPDATING else None

        result = self.hyperpod.mutate_checked(
            "hyperpod-update-software",
            cluster,
            {},
            lambda: client.update_cluster_software(ClusterName=cluster),
            applied,
        )
        return str((result or {}).get("ClusterArn", ""))

    def delete_preview(
        self, cluster: str, ids: Sequence[str], slurm: Sequence[SlurmNode] | None
    ) -> list[NodeSlurmState]:
        """The nodes to delete with their Slurm state (None: Slurm not reachable)."""
        cluster_ref(cluster)
        wanted = list(dict.fromkeys(node_id(n) for n in ids))
        if not wanted:
            raise ValidationError("no node ids given")
        if len(wanted) > DELETE_MAX:
            raise ValidationError(f"at most {DELETE_MAX} nodes at once")
        instances = list(self.hyperpod.list_nodes(cluster, addresses=slurm is not None))
        return slurm_states(instances, wanted, slurm)

    def delete_nodes(
        self,
        cluster: str,
        ids: Sequence[str],
        slurm: Sequence[SlurmNode] | None,
        *,
        force: bool = False,
        states: Sequence[NodeSlurmState] | None = None,
    ) -> DeleteResult:
        """BatchDeleteClusterNodes, after refusing nodes with jobs (unless ``force``).

        ``states``: the preview the operator was shown (:meth:`delete_preview`); without
        it the nodes and their Slurm state are looked up here.
        """
        if states is None:
            states = self.delete_preview(cluster, ids, slurm)
        refuse_busy(states, force=force)
        wanted = [s.instance_id for s in states]
        client = self.hyperpod.client

        def applied() -> bool | None:
            left = {
                n.instance_id
                for n in self.hyperpod.list_nodes(cluster)
                if n.status != "ShuttingDown"
            }
            gone = [i for i in wanted if i not in left]
            if len(gone) == len(wanted):
                return True
            return False if not gone else None

        result = self.hyperpod.mutate_checked(
            "hyperpod-delete-nodes",
            cluster,
            {"NodeIds": wanted, "Force": force},
            lambda: client.batch_delete_cluster_nodes(ClusterName=cluster, NodeIds=wanted),
            applied,
        )
        self.hyperpod.node_cache.forget(cluster, wanted)
        if result is None:  # the answer was lost; reading back showed them gone
            return DeleteResult(cluster, tuple(wanted), ())
        failed = tuple(
            (str(f.get("NodeId", "")), str(f.get("Code", "")), str(f.get("Message", "")))
            for f in result.get("Failed") or []
        )
        return DeleteResult(cluster, tuple(str(n) for n in result.get("Successful") or []), failed)
