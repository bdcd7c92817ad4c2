"""HyperPod lifecycle: scale a group, update software, delete nodes, through the gate.

moto 5.2.5 answers DescribeCluster and ListClusterNodes but not UpdateCluster,
UpdateClusterSoftware or BatchDeleteClusterNodes: the demo's handlers
(``console.demo.moto_extras``, in the API's response shapes) are put on the real moto
server, and the CLI talks HTTP to it, through the fault proxy where a test counts or
breaks requests. The Slurm side of a node deletion is a joined fixture (SlurmNode rows
named after the instances' private DNS names, as HyperPod names them).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from console.errors import ConflictError, ValidationError
from console.services.hyperpod_lifecycle import (
    ClusterLifecycle,
    NodeSlurmState,
    group_spec,
    refuse_busy,
)
from console.slurm.records import SlurmNode
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.helpers import assert_one_error, audit_records, context
from tests.support.hostile import HOSTILE, HOSTILE_SHORT, assert_inert_output

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/hyperpod-exec"
HANDLERS = ("update_cluster", "update_cluster_software", "batch_delete_cluster_nodes")


def slurm_node(name: str, state: str = "IDLE", flags: tuple[str, ...] = ()) -> SlurmNode:
    return SlurmNode(
        name=name,
        hostname=name,
        address="",
        state=state,
        flags=flags,
        reason="",
        cpus_total=8,
        cpus_allocated=8 if state in {"ALLOCATED", "MIXED"} else 0,
        gres="",
        gres_used="",
        gpus_total=0,
        gpus_used=0,
        memory_mb=None,
        free_memory_mb=None,
        partitions=("gpu",),
    )


def _make_cluster(aws: Any, name: str, offset: int) -> dict[str, str]:
    """A cluster whose nodes look like AWS's: instance ids, private DNS names."""
    from moto.sagemaker.models import sagemaker_backends

    from console.demo.moto_extras import demo_cluster_node

    aws.client("sagemaker").create_cluster(
        ClusterName=name,
        InstanceGroups=[
            {
                "InstanceGroupName": group,
                "InstanceType": "ml.g5.xlarge",
                "InstanceCount": count,
                "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/x", "OnCreate": "on.sh"},
                "ExecutionRole": ROLE,
                "ThreadsPerCore": 1,
            }
            for group, count in (("controller", 1), ("workers", 2))
        ],
    )
    cluster = sagemaker_backends[ACCOUNT][REGION].clusters[name]
    nodes: dict[str, Any] = {}
    hostnames: dict[str, str] = {}
    for index, node in enumerate(list(cluster.nodes.values())):
        instance_id = f"i-0{offset + index:016x}"
        demo_cluster_node(node, instance_id, offset + index, datetime.now(UTC))
        nodes[instance_id] = node
        hostnames[f"{node.instance_group_name}-{index}"] = instance_id
        hostnames[instance_id] = node.hostname.split(".", 1)[0]
    cluster.nodes = nodes
    return hostnames


@pytest.fixture
def clusters(aws: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    """Two clusters in one account, served with the demo's lifecycle handlers."""
    from moto.sagemaker.responses import SageMakerResponse

    from console.demo import moto_extras

    monkeypatch.setitem(moto_extras._installed, "state", moto_extras.DemoState("http://x"))
    for name in HANDLERS:
        monkeypatch.setattr(SageMakerResponse, name, getattr(moto_extras, name), raising=False)
    return {"hp-1": _make_cluster(aws, "hp-1", 0), "hp-2": _make_cluster(aws, "hp-2", 50)}


@pytest.fixture
def proxy(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(aws.url).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    yield fault_proxy
    fault_proxy.stop()


@pytest.fixture
def slurm(clusters: Any, monkeypatch: pytest.MonkeyPatch) -> list[SlurmNode]:
    """What the CLI's Slurm connection answers: hp-1's nodes, idle (a test sets
    ``slurm[:]`` for other states)."""
    nodes = [slurm_node(v) for k, v in clusters["hp-1"].items() if k.startswith("i-")]
    holder: dict[str, list[SlurmNode] | None] = {"nodes": nodes}
    monkeypatch.setattr(
        "console.cli.commands.hyperpod_lifecycle.slurm_view",
        lambda inv, connection: holder["nodes"],
    )
    return nodes


def targets(aws: Any, cluster: str) -> dict[str, int]:
    groups = aws.client("sagemaker").describe_cluster(ClusterName=cluster)["InstanceGroups"]
    return {g["InstanceGroupName"]: g["TargetCount"] for g in groups}


def actions(action: str, *, intents: bool = False) -> list[str]:
    return [r["outcome"] for r in audit_records(intents=intents) if r["action"] == action]


# --- several clusters ---------------------------------------------------------------------


def test_the_service_lists_and_selects_any_cluster(clusters: Any, aws: Any) -> None:
    lifecycle = ClusterLifecycle(context().hyperpod)
    assert sorted(c.name for c in lifecycle.clusters()) == ["hp-1", "hp-2"]
    lifecycle.scale("hp-2", "workers", 3)  # the second cluster, the first untouched
    assert targets(aws, "hp-2")["workers"] == 3
    assert targets(aws, "hp-1")["workers"] == 2


# --- scale --------------------------------------------------------------------------------


def test_scale_sends_every_group_the_others_unchanged(
    clusters: Any, aws: Any, proxy: FaultProxy, run_cli: Any
) -> None:
    result = run_cli("hyperpod-scale", "hp-1", "workers", "4", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    answer = result.json()
    assert {k: answer[k] for k in ("cluster", "group", "from", "to", "instance_type")} == {
        "cluster": "hp-1",
        "group": "workers",
        "from": 2,
        "to": 4,
        "instance_type": "ml.g5.xlarge",
    }
    assert answer["cost"]["usd_per_hour_change"] is None  # no prices on a local stack
    assert proxy.delivered("UpdateCluster") == 1
    assert targets(aws, "hp-1") == {"controller": 1, "workers": 4}
    intent, outcome = [r for r in audit_records(intents=True) if r["action"] == "hyperpod-scale"]
    assert (intent["outcome"], outcome["outcome"]) == ("intent", "ok")
    assert intent["params"]["InstanceGroup"] == "workers" and intent["params"]["From"] == 2


def test_group_spec_keeps_the_request_shape_and_the_target() -> None:
    details = {
        "InstanceGroupName": "controller",
        "InstanceType": "ml.m5.xlarge",
        "CurrentCount": 1,
        "TargetCount": 2,
        "Status": "InService",
        "ExecutionRole": ROLE,
        "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/x", "OnCreate": "on.sh"},
        "DesiredImageId": "ami-0123456789abcdef0",
        "CurrentImageId": "ami-0fedcba9876543210",
    }
    spec = group_spec(details)
    assert spec["InstanceCount"] == 2  # scaling to 2: keep going there
    assert spec["ImageId"] == "ami-0123456789abcdef0"
    assert not {"CurrentCount", "TargetCount", "Status", "CurrentImageId"} & set(spec)
    assert group_spec(details, 5)["InstanceCount"] == 5


def test_scale_declined_or_read_only_sends_nothing(
    clusters: Any, aws: Any, proxy: FaultProxy, run_cli: Any
) -> None:
    declined = run_cli("hyperpod-scale", "hp-1", "workers", "4")  # no terminal, no --yes
    assert_one_error(declined, 4, "needs confirmation")
    refused = run_cli("--read-only", "hyperpod-scale", "hp-1", "workers", "4", "--yes")
    assert_one_error(refused, 3, "read-only mode")
    assert proxy.calls("UpdateCluster") == 0
    assert actions("hyperpod-scale", intents=True) == ["refused", "refused"]
    assert targets(aws, "hp-1")["workers"] == 2


def test_scale_bad_input_is_one_line_with_a_hint(
    clusters: Any, proxy: FaultProxy, run_cli: Any
) -> None:
    unknown = run_cli("hyperpod-scale", "hp-1", "gpus", "4", "--yes")
    assert_one_error(unknown, 2, "no instance group 'gpus'")
    assert "hint: its groups: controller, workers" in unknown.stderr
    too_many = run_cli("hyperpod-scale", "hp-1", "workers", "99999", "--yes")
    assert_one_error(too_many, 2, "out of range")
    assert "0 to 6758" in too_many.stderr
    assert_one_error(run_cli("hyperpod-scale", "hp-1", "workers", "--yes", "--", "-1"), 2, "range")
    assert_one_error(run_cli("hyperpod-scale", "hp-1", "workers", "2", "--yes"), 2, "already")
    assert_one_error(run_cli("hyperpod-scale", "ghost", "workers", "3", "--yes"), 5, "ghost")
    assert proxy.calls("UpdateCluster") == 0


def test_scale_5xx_after_applying_is_read_back_not_resent(
    clusters: Any, aws: Any, proxy: FaultProxy, run_cli: Any
) -> None:
    proxy.add(Fault("500_after", "sagemaker", "UpdateCluster"))
    result = run_cli("hyperpod-scale", "hp-1", "workers", "3", "--yes")
    assert result.exit_code == 0, result.stderr
    assert proxy.delivered("UpdateCluster") == 1 and proxy.delivered_twice() == 0
    (record,) = [r for r in audit_records() if r["action"] == "hyperpod-scale"]
    assert record["outcome"] == "ok" and "confirmed by reading back" in record["detail"]
    assert targets(aws, "hp-1")["workers"] == 3


def test_scale_answer_lost_and_unreadable_state_is_audited_unknown(
    clusters: Any, proxy: FaultProxy, run_cli: Any
) -> None:
    """The change went through, its answer was lost, and the read-back failed too."""
    proxy.add(Fault("500_after", "sagemaker", "UpdateCluster"))
    proxy.add(Fault("500", "sagemaker", "DescribeCluster", after=2))  # plan + build pass
    result = run_cli("hyperpod-scale", "hp-1", "workers", "3", "--yes")
    assert result.exit_code != 0
    assert proxy.delivered("UpdateCluster") == 1
    assert actions("hyperpod-scale", intents=True) == ["intent", "unknown"]


# --- software update ----------------------------------------------------------------------


def test_update_software_through_the_gate(
    clusters: Any, aws: Any, proxy: FaultProxy, run_cli: Any
) -> None:
    assert_one_error(run_cli("hyperpod-update-software", "hp-2"), 4, "needs confirmation")
    assert_one_error(
        run_cli("--read-only", "hyperpod-update-software", "hp-2", "--yes"), 3, "read-only"
    )
    assert proxy.calls("UpdateClusterSoftware") == 0
    result = run_cli("hyperpod-update-software", "hp-2", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["status"] == "updating" and result.json()["arn"].endswith("hp-2")
    status = aws.client("sagemaker").describe_cluster(ClusterName="hp-2")["ClusterStatus"]
    assert status == "Updating"
    assert actions("hyperpod-update-software", intents=True) == [
        "refused",
        "refused",
        "intent",
        "ok",
    ]
    again = run_cli("hyperpod-update-software", "hp-2", "--yes")  # not InService now
    assert_one_error(again, 10, "not InService")
    assert proxy.delivered("UpdateClusterSoftware") == 1


def test_update_software_5xx_after_applying_is_read_back(
    clusters: Any, proxy: FaultProxy, run_cli: Any
) -> None:
    proxy.add(Fault("503_after", "sagemaker", "UpdateClusterSoftware"))
    result = run_cli("hyperpod-update-software", "hp-1", "--yes")
    assert result.exit_code == 0, result.stderr
    assert proxy.delivered("UpdateClusterSoftware") == 1 and proxy.delivered_twice() == 0
    (record,) = [r for r in audit_records() if r["action"] == "hyperpod-update-software"]
    assert record["outcome"] == "ok" and "confirmed by reading back" in record["detail"]


# --- delete nodes -------------------------------------------------------------------------


def test_delete_refuses_a_node_running_jobs_unless_forced(
    clusters: Any, aws: Any, proxy: FaultProxy, run_cli: Any, slurm: list[SlurmNode]
) -> None:
    names = clusters["hp-1"]
    busy, idle = names["workers-1"], names["workers-2"]
    slurm[:] = [slurm_node(names[busy], "MIXED"), slurm_node(names[idle], "IDLE")]
    refused = run_cli("hyperpod-delete-nodes", "hp-1", busy, idle, "--yes")
    assert refused.exit_code == 10, refused.stderr
    assert f"{busy} (workers, Running): {names[busy]} MIXED" in refused.stderr
    assert "error: refusing to delete node(s) running jobs" in refused.stderr
    assert "--force" in refused.stderr
    assert proxy.calls("BatchDeleteClusterNodes") == 0
    assert actions("hyperpod-delete-nodes") == ["refused"]

    ok = run_cli("hyperpod-delete-nodes", "hp-1", idle, "--yes", "--json")
    assert ok.exit_code == 0, ok.stderr
    assert ok.json() == {"cluster": "hp-1", "successful": [idle], "failed": []}
    forced = run_cli("hyperpod-delete-nodes", "hp-1", busy, "--yes", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert f"delete requested: {busy}" in forced.stdout
    left = aws.client("sagemaker").list_cluster_nodes(ClusterName="hp-1")["ClusterNodeSummaries"]
    assert {n["InstanceId"] for n in left} == {names["controller-0"]}
    records = [r for r in audit_records() if r["action"] == "hyperpod-delete-nodes"]
    assert [r["outcome"] for r in records] == ["refused", "ok", "ok"]
    assert records[-1]["params"] == {"NodeIds": [busy], "Force": True}


def test_a_slurm_view_of_another_cluster_says_nothing(
    clusters: Any, proxy: FaultProxy, run_cli: Any, slurm: list[SlurmNode]
) -> None:
    """Connected to hp-1's Slurm, deleting from hp-2: not "not in Slurm" but unknown."""
    node = clusters["hp-2"]["workers-1"]
    result = run_cli("hyperpod-delete-nodes", "hp-2", node, "--yes")
    assert result.exit_code == 10 and "cannot see the Slurm state" in result.stderr
    assert proxy.calls("BatchDeleteClusterNodes") == 0


def test_delete_without_a_slurm_view_needs_force(
    clusters: Any, proxy: FaultProxy, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "console.cli.commands.hyperpod_lifecycle.slurm_view", lambda inv, connection: None
    )
    node = clusters["hp-1"]["workers-1"]
    result = run_cli("hyperpod-delete-nodes", "hp-1", node, "--yes")
    assert result.exit_code == 10 and "cannot see the Slurm state" in result.stderr
    assert "Slurm state unknown" in result.stderr
    assert proxy.calls("BatchDeleteClusterNodes") == 0


def test_delete_declined_read_only_and_unknown_nodes_send_nothing(
    clusters: Any, proxy: FaultProxy, run_cli: Any, slurm: list[SlurmNode]
) -> None:
    node = clusters["hp-1"]["workers-1"]
    declined = run_cli("hyperpod-delete-nodes", "hp-1", node)
    assert declined.exit_code == 4 and "needs confirmation" in declined.stderr
    assert_one_error(
        run_cli("--read-only", "hyperpod-delete-nodes", "hp-1", node, "--yes"), 3, "read-only"
    )
    ghost = run_cli("hyperpod-delete-nodes", "hp-1", "i-0ffffffffffffffff", "--yes")
    assert_one_error(ghost, 2, "no node i-0ffffffffffffffff")
    other = run_cli("hyperpod-delete-nodes", "hp-2", node, "--yes")  # hp-1's node
    assert_one_error(other, 2, "in this cluster")
    assert proxy.calls("BatchDeleteClusterNodes") == 0
    assert actions("hyperpod-delete-nodes") == ["refused", "refused"]


def test_delete_reports_each_failed_node(
    clusters: Any, aws: Any, run_cli: Any, slurm: list[SlurmNode], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node that went between the check and the call: AWS's per-node failure shown."""
    from moto.sagemaker.models import sagemaker_backends

    names = clusters["hp-1"]
    gone, kept = names["workers-1"], names["workers-2"]
    original = ClusterLifecycle.delete_preview

    def preview_then_vanish(self: Any, *args: Any, **kwargs: Any) -> Any:
        states = original(self, *args, **kwargs)
        sagemaker_backends[ACCOUNT][REGION].clusters["hp-1"].nodes.pop(gone, None)
        return states

    monkeypatch.setattr(ClusterLifecycle, "delete_preview", preview_then_vanish)
    result = run_cli("hyperpod-delete-nodes", "hp-1", gone, kept, "--yes")
    assert result.exit_code == 1
    assert f"delete requested: {kept}" in result.stdout
    assert f"delete failed: {gone}: NodeIdNotFound Node {gone} not found" in result.stderr
    assert "error: delete failed for 1 of 2 node(s)" in result.stderr


def test_delete_5xx_after_applying_is_read_back_not_resent(
    clusters: Any, proxy: FaultProxy, run_cli: Any, slurm: list[SlurmNode]
) -> None:
    node = clusters["hp-1"]["workers-1"]
    proxy.add(Fault("500_after", "sagemaker", "BatchDeleteClusterNodes"))
    result = run_cli("hyperpod-delete-nodes", "hp-1", node, "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["successful"] == [node]
    assert proxy.delivered("BatchDeleteClusterNodes") == 1 and proxy.delivered_twice() == 0
    (record,) = [r for r in audit_records() if r["action"] == "hyperpod-delete-nodes"]
    assert record["outcome"] == "ok" and "confirmed by reading back" in record["detail"]


def test_refuse_busy_model() -> None:
    def state(slurm_state: str, known: bool = True) -> NodeSlurmState:
        return NodeSlurmState("i-1", "workers", "Running", "ip-1", slurm_state, known)

    for busy in ("ALLOCATED", "MIXED", "COMPLETING", "MIXED+DRAIN"):
        with pytest.raises(ConflictError, match="running jobs"):
            refuse_busy([state(busy)], force=False)
        refuse_busy([state(busy)], force=True)
    for free in ("IDLE", "DOWN+DRAIN", ""):  # "": an instance Slurm does not know
        refuse_busy([state(free)], force=False)
    with pytest.raises(ConflictError, match="cannot see"):
        refuse_busy([state("", known=False)], force=False)


# --- hostile text -------------------------------------------------------------------------


def test_hostile_names_are_refused_or_rendered_inert(
    clusters: Any, proxy: FaultProxy, run_cli: Any, slurm: list[SlurmNode]
) -> None:
    for args in (
        ("hyperpod-scale", HOSTILE_SHORT, "workers", "3"),
        ("hyperpod-scale", "hp-1", HOSTILE, "3"),
        ("hyperpod-update-software", HOSTILE),
        ("hyperpod-delete-nodes", HOSTILE_SHORT, "i-0abc"),
        ("hyperpod-delete-nodes", "hp-1", HOSTILE_SHORT),
    ):
        result = run_cli(*args, "--yes")
        assert result.exit_code == 2, (args, result.stderr)
        assert_inert_output(result.stdout + result.stderr, where=str(args[0]))
    # Remote text (a Slurm state as sinfo printed it) shown before deleting stays inert.
    names = clusters["hp-1"]
    node = names["workers-1"]
    slurm[:] = [slurm_node(names[node], "MIXED", ("DRAIN" + HOSTILE_SHORT,))]
    result = run_cli("hyperpod-delete-nodes", "hp-1", node, "--yes")
    assert_inert_output(result.stdout + result.stderr)
    assert proxy.calls("UpdateCluster") + proxy.calls("BatchDeleteClusterNodes") == 0


def test_validation_happens_before_any_request(clusters: Any) -> None:
    lifecycle = ClusterLifecycle(context().hyperpod)
    with pytest.raises(ValidationError):
        lifecycle.plan_scale("hp-1", "workers", True)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="no node ids"):
        lifecycle.delete_nodes("hp-1", [], [], force=True)


def test_delete_answer_lost_is_read_back_from_the_node_list(
    clusters: Any, proxy: FaultProxy, run_cli: Any, slurm: list[SlurmNode]
) -> None:
    """The connection drops after the deletion was applied: the node list shows it went."""
    node = clusters["hp-1"]["workers-2"]
    proxy.add(Fault("lose_response", "sagemaker", "BatchDeleteClusterNodes", times=1))
    lists_before = proxy.calls("ListClusterNodes")
    result = run_cli("hyperpod-delete-nodes", "hp-1", node, "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["successful"] == [node]
    assert proxy.delivered("BatchDeleteClusterNodes") == 1
    assert proxy.calls("ListClusterNodes") > lists_before + 1  # the preview, then a read-back
    intent, outcome = [
        r for r in audit_records(intents=True) if r["action"] == "hyperpod-delete-nodes"
    ]
    assert (intent["outcome"], outcome["outcome"]) == ("intent", "ok")
    assert "confirmed by reading back" in outcome["detail"]
