"""One row per machine: the Slurm node beside the HyperPod instance it runs on.

HyperPod names Slurm nodes after the instance's private DNS name (``ip-10-1-2-3``), and
DescribeClusterNode gives ``PrivateDnsHostname`` (``ip-10-1-2-3.ec2.internal``) and the
private IP: rows are matched on the short host name, then on the address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.records import Record
from console.slurm.records import SlurmNode

if TYPE_CHECKING:
    from console.services.hyperpod import ClusterNode


@dataclass(frozen=True)
class JoinedNode(Record):
    name: str
    slurm: SlurmNode | None  # None: an instance Slurm does not know (yet)
    instance: ClusterNode | None  # None: a Slurm node with no matching instance


def _short(name: str) -> str:
    return name.split(".", 1)[0].lower()


def join_nodes(slurm: Sequence[SlurmNode], instances: Sequence[ClusterNode]) -> list[JoinedNode]:
    """Slurm nodes in their order, each with its instance; unmatched instances last."""
    by_name = {_short(i.hostname): i for i in instances if i.hostname}
    by_ip = {i.private_ip: i for i in instances if i.private_ip}
    used: set[str] = set()
    rows = []
    for node in slurm:
        instance = (
            by_name.get(_short(node.name))
            or by_name.get(_short(node.hostname))
            or by_ip.get(node.address)
        )
        if instance is not None:
            used.add(instance.instance_id)
        rows.append(JoinedNode(node.name, node, instance))
    for instance in instances:
        if instance.instance_id not in used:
            rows.append(
                JoinedNode(_short(instance.hostname) or instance.instance_id, None, instance)
            )
    return rows
