"""HyperPod cluster nodes and events as the demo keeps them on moto's objects.

Used by the seed (the account's history) and by the handlers and simulator (node
actions): here so that neither imports the other for them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from moto.sagemaker.models import ClusterNode

from console.demo.moto_state import patch, utc_now


class DemoClusterNode(ClusterNode):
    """A cluster node that answers like AWS: private IP and hostname, a real status message.

    The "private" addresses are on 127.0.0.0/8 on purpose: the demo must never make
    anything try a host off this machine, even by accident.
    """

    private_ip: str
    hostname: str
    status_message: str

    def describe(self) -> dict[str, Any]:
        data = super().describe()
        data["InstanceStatus"] = {"Status": self.status, "Message": self.status_message}
        data["PrivatePrimaryIp"] = self.private_ip
        data["PrivateDnsHostname"] = self.hostname
        data["Placement"] = {"AvailabilityZone": "us-east-1a", "AvailabilityZoneId": "use1-az4"}
        return data

    def summary(self) -> dict[str, Any]:
        data = super().summary()
        data["InstanceStatus"] = {"Status": self.status, "Message": self.status_message}
        return data


def demo_cluster_node(node: Any, instance_id: str, index: int, launched: datetime) -> None:
    """Give a moto cluster node a realistic id, address and status message."""
    ip = f"127.31.{index // 200 + 1}.{index % 200 + 10}"
    patch(
        node,
        instance_id=instance_id,
        launch_time=launched,
        private_ip=ip,
        hostname=f"ip-{ip.replace('.', '-')}.ec2.internal",
        status_message="",
    )
    node.__class__ = DemoClusterNode


def add_cluster_event(
    cluster: Any,
    description: str,
    *,
    resource_type: str = "Cluster",
    level: str = "Info",
    group: str = "",
    instance_id: str = "",
    at: datetime | None = None,
    metadata: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Record one event on a moto cluster (callers hold the demo lock, or own the cluster)."""
    event: dict[str, Any] = {
        "EventId": event_id or str(uuid.uuid4()),
        "ClusterArn": cluster.arn,
        "ClusterName": cluster.cluster_name,
        "ResourceType": resource_type,
        "EventTime": at or utc_now(),
        "EventLevel": level,
        "Description": description,
    }
    if group:
        event["InstanceGroupName"] = group
    if instance_id:
        event["InstanceId"] = instance_id
    if metadata:
        event["EventDetails"] = {"EventMetadata": metadata}
    patch(cluster, demo_events=[*getattr(cluster, "demo_events", []), event])
    return event
