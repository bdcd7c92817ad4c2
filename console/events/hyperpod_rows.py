"""Pushed HyperPod changes as the HyperPod tab applies them (no widget here).

A cluster state change is one DescribeCluster (its row and instance groups). A node
health event is one DescribeClusterNode, for nodes of the cluster the tab shows only;
the fresh instance replaces the AWS half of its joined row (the Slurm half is the
nodes pane's own poll: Slurm sends no events).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from console.slurm.join import JoinedNode, join_nodes

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.events.records import ResourceChanged
    from console.services.hyperpod import Cluster, ClusterNode


def cluster_row(context: ConsoleContext, change: ResourceChanged) -> Cluster | None:
    """The clusters pane's row of the changed cluster."""
    if change.kind != "cluster" or not change.name:
        return None
    return context.hyperpod.describe_cluster(change.name)


def node_row(context: ConsoleContext, change: ResourceChanged, cluster: str) -> ClusterNode | None:
    """The changed node, read afresh, when it belongs to ``cluster`` (the one shown)."""
    if change.kind != "cluster-node" or not cluster or change.parent != cluster:
        return None
    return context.hyperpod.describe_node(cluster, change.name, refresh=True)


def joined_with(rows: Iterable[JoinedNode], node: ClusterNode) -> JoinedNode:
    """The nodes pane's row for ``node``: its joined row with the instance replaced (the
    address kept when the describe lacks it), or a row of its own for a new instance."""
    for row in rows:
        if row.instance is not None and row.instance.instance_id == node.instance_id:
            old = row.instance
            fresh = replace(
                node,
                hostname=node.hostname or old.hostname,
                private_ip=node.private_ip or old.private_ip,
            )
            return replace(row, instance=fresh)
    [alone] = join_nodes((), (node,))  # named as the join names an instance Slurm lacks
    return alone
