"""The pure halves of the Registry and HyperPod live rows: how one pushed change is
folded into what the tab shows (no widget, no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.events.hyperpod_rows import joined_all, joined_with
from console.events.records import ResourceChanged
from console.events.registry_rows import PackageChanged, group_of, registry_with
from console.services.hyperpod import ClusterNode
from console.services.registry import ModelPackage
from console.services.registry_feed import PENDING, GroupRow, RegistrySnapshot
from console.slurm.join import join_nodes
from console.slurm.records import SlurmNode

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package"


def _package(group: str, version: int, approval: str) -> ModelPackage:
    return ModelPackage.from_api(
        {
            "ModelPackageGroupName": group,
            "ModelPackageVersion": version,
            "ModelPackageArn": f"{ARN}/{group}/{version}",
            "ModelApprovalStatus": approval,
            "CreationTime": T0 + timedelta(minutes=version),
        }
    )


def _snapshot() -> RegistrySnapshot:
    packages = (_package("churn", 2, PENDING), _package("churn", 1, "Approved"))
    groups = (GroupRow("churn", "", None, 1), GroupRow("fraud", "", None, 2))
    return RegistrySnapshot(groups, "churn", packages, (), T0)


def _pending(snapshot: RegistrySnapshot) -> dict[str, int]:
    return {g.name: g.pending for g in snapshot.groups}


def test_a_version_of_the_open_group_is_replaced_and_its_group_recounted() -> None:
    snapshot = _snapshot()
    approved = _package("churn", 2, "Approved")
    after = registry_with(snapshot, PackageChanged("churn", package=approved))
    assert [(p.version, p.approval_status) for p in after.packages] == [
        (2, "Approved"),
        (1, "Approved"),
    ]
    assert _pending(after) == {"churn": 0, "fraud": 2}
    assert after.pending_total == 2
    assert after.fetched_at > snapshot.fetched_at


def test_a_new_version_comes_first_and_counts() -> None:
    after = registry_with(
        _snapshot(), PackageChanged("churn", package=_package("churn", 3, PENDING))
    )
    assert [p.version for p in after.packages] == [3, 2, 1]
    assert _pending(after)["churn"] == 2


def test_another_group_moves_only_its_count_and_a_new_group_is_added() -> None:
    snapshot = _snapshot()
    after = registry_with(snapshot, PackageChanged("fraud", pending=1))
    assert after.packages == snapshot.packages
    assert _pending(after) == {"churn": 1, "fraud": 1}
    after = registry_with(after, PackageChanged("spam", pending=1))
    assert _pending(after) == {"churn": 1, "fraud": 1, "spam": 1}


def test_the_group_of_a_package_change() -> None:
    change = ResourceChanged(
        kind="model-package",
        name="churn/7",
        arn=f"{ARN}/churn/7",
        status="Approved",
        event_time=T0,
    )
    assert group_of(change) == "churn"


def _node(instance: str, status: str, hostname: str = "", ip: str = "") -> ClusterNode:
    return ClusterNode("hp", instance, "workers", "ml.p5.48xlarge", status, "", T0, hostname, ip)


def _slurm(name: str) -> SlurmNode:
    return SlurmNode(name, name, "", "IDLE", (), "", 8, 0, "gpu:8", "", 8, 0, None, None, ("dev",))


def test_a_node_keeps_its_slurm_half_and_its_address() -> None:
    rows = join_nodes(
        [_slurm("ip-10-0-0-1")],
        [_node("i-01", "Running", "ip-10-0-0-1.ec2.internal", "10.0.0.1")],
    )
    fresh = joined_with(rows, _node("i-01", "SystemUpdating"))
    assert fresh.name == rows[0].name and fresh.slurm == rows[0].slurm
    assert fresh.instance is not None
    assert (fresh.instance.status, fresh.instance.hostname, fresh.instance.private_ip) == (
        "SystemUpdating",
        "ip-10-0-0-1.ec2.internal",
        "10.0.0.1",
    )


def test_a_new_instance_gets_a_row_of_its_own() -> None:
    fresh = joined_with([], _node("i-02", "Pending", "ip-10-0-0-2.ec2.internal"))
    assert (fresh.name, fresh.slurm) == ("ip-10-0-0-2", None)
    assert joined_with([], _node("i-03", "Pending")).name == "i-03"


def test_a_batch_of_nodes_is_joined_in_order_known_and_new_alike() -> None:
    rows = join_nodes(
        [_slurm("ip-10-0-0-1"), _slurm("ip-10-0-0-4")],
        [
            _node("i-01", "Running", "ip-10-0-0-1.ec2.internal", "10.0.0.1"),
            _node("i-04", "Running", "ip-10-0-0-4.ec2.internal", "10.0.0.4"),
        ],
    )
    batch = [_node("i-04", "SystemUpdating"), _node("i-05", "Pending"), _node("i-01", "Failed")]
    fresh = joined_all(rows, batch)
    assert [(r.name, r.instance.status if r.instance else "") for r in fresh] == [
        ("ip-10-0-0-4", "SystemUpdating"),
        ("i-05", "Pending"),
        ("ip-10-0-0-1", "Failed"),
    ]
    assert fresh == [joined_with(rows, node) for node in batch]
