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
    [row] = joined_all(rows, (node,))
    return row


def joined_all(rows: Iterable[JoinedNode], nodes: Iterable[ClusterNode]) -> list[JoinedNode]:
    """:func:`joined_with` for a pushed batch of nodes: the rows are indexed once (a
    burst of node events on a large cluster is not one pass over every row per node)."""
    by_instance = {row.instance.instance_id: row for row in rows if row.instance is not None}
    joined = []
    for node in nodes:
        row = by_instance.get(node.instance_id)
        if row is None or row.instance is None:
            [alone] = join_nodes((), (node,))  # named as the join names an instance Slurm lacks
            joined.append(alone)
            continue
        old = row.instance
        fresh = replace(
            node,
            hostname=node.hostname or old.hostname,
            private_ip=node.private_ip or old.private_ip,
        )
        joined.append(replace(row, instance=fresh))
    return joined
