"""IAM roles and HyperPod clusters/nodes: services and CLI over a real moto server."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from console.errors import (
    ConflictError,
    NotFoundError,
    NotSupportedError,
    ReadOnlyError,
    ValidationError,
)
from console.services.hyperpod import ClusterNode, NodeCache, validate_cluster_spec
from console.services.iam import (
    DEFAULT_ROLE_NAME,
    S3_POLICY_NAME,
    managed_policy_arn,
    s3_policy,
    trusts_sagemaker,
)
from tests.support.helpers import assert_one_error, audit_records, context

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/hyperpod-exec"
FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


# --- helpers --------------------------------------------------------------------------
@pytest.fixture
def iam_aws(aws: Any) -> Any:
    """moto with the AWS managed policy AmazonSageMakerFullAccess in IAM.

    moto only knows AWS managed policies with MOTO_IAM_LOAD_MANAGED_POLICIES=true, and
    loading all ~1,600 costs seconds per test; the in-process server's backend gets the
    one policy we attach instead.
    """
    from console.demo.moto_extras import add_managed_policies

    add_managed_policies(account_id=ACCOUNT)
    return aws


def spec(name: str = "hp-1", workers: int = 2) -> dict[str, Any]:
    def group(group_name: str, count: int, node_type: str) -> dict[str, Any]:
        return {
            "InstanceGroupName": group_name,
            "InstanceType": "ml.g5.xlarge" if node_type == "Compute" else "ml.m5.xlarge",
            "InstanceCount": count,
            # moto: the lifecycle bucket must start with "sagemaker", and ThreadsPerCore is
            # required (without it moto fails half-way and leaves a cluster with no nodes).
            "LifeCycleConfig": {
                "SourceS3Uri": "s3://sagemaker-lifecycle/slurm/",
                "OnCreate": "on_create.sh",
            },
            "ExecutionRole": ROLE_ARN,
            "ThreadsPerCore": 1,
            "SlurmConfig": {"NodeType": node_type},
        }

    return {
        "ClusterName": name,
        "InstanceGroups": [
            group("controller", 1, "Controller"),
            group("workers", workers, "Compute"),
        ],
    }


# --- IAM: service ---------------------------------------------------------------------
def test_trust_policy_detection() -> None:
    sagemaker = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["ec2.amazonaws.com", "sagemaker.amazonaws.com"]},
                "Action": ["sts:AssumeRole"],
            }
        ]
    }
    assert trusts_sagemaker(sagemaker)
    assert trusts_sagemaker(json.dumps(sagemaker).replace(" ", "%20"))  # URL-encoded form
    denied = {
        "Statement": {
            "Effect": "Deny",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    }
    assert not trusts_sagemaker(denied)
    assert not trusts_sagemaker(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    )
    assert not trusts_sagemaker(None)
    assert (
        managed_policy_arn("cn-north-1") == "arn:aws-cn:iam::aws:policy/AmazonSageMakerFullAccess"
    )


def test_create_execution_role_matches_boto3(iam_aws: Any) -> None:
    iam = iam_aws.client("iam")
    service = context().iam
    result = service.create_execution_role(buckets=["data-in", "s3://models-out/prefix"])
    assert (result.name, result.created) == (DEFAULT_ROLE_NAME, True)
    role = iam.get_role(RoleName=DEFAULT_ROLE_NAME)["Role"]
    assert result.arn == role["Arn"]
    assert trusts_sagemaker(role["AssumeRolePolicyDocument"])
    attached = iam.list_attached_role_policies(RoleName=DEFAULT_ROLE_NAME)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [FULL_ACCESS]
    inline = iam.get_role_policy(RoleName=DEFAULT_ROLE_NAME, PolicyName=S3_POLICY_NAME)
    assert inline["PolicyDocument"] == s3_policy(["data-in", "models-out"])

    described = service.describe_role(DEFAULT_ROLE_NAME)
    assert described.managed_policies == (FULL_ACCESS,)
    assert described.inline_policies == (S3_POLICY_NAME,)
    assert described.sagemaker_trusted

    again = service.create_execution_role()
    assert (again.created, again.changes, again.arn) == (False, (), role["Arn"])


def test_create_completes_a_half_made_role(iam_aws: Any) -> None:
    iam = iam_aws.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="half", AssumeRolePolicyDocument=json.dumps(trust))
    result = context().iam.create_execution_role("half")
    assert (result.created, result.changes) == (False, ("attach AmazonSageMakerFullAccess",))
    attached = iam.list_attached_role_policies(RoleName="half")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [FULL_ACCESS]


def test_create_refuses_a_role_sagemaker_cannot_assume(iam_aws: Any) -> None:
    iam = iam_aws.client("iam")
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=json.dumps(trust))
    with pytest.raises(ConflictError, match="SageMaker cannot assume it"):
        context().iam.create_execution_role("ec2-role")
    assert iam.list_attached_role_policies(RoleName="ec2-role")["AttachedPolicies"] == []


def test_list_roles_filter_and_delete(iam_aws: Any) -> None:
    iam = iam_aws.client("iam")
    service = context().iam
    service.create_execution_role("sm-role", buckets=["data-in"])
    ec2_trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    iam.create_role(
        RoleName="ec2-role", AssumeRolePolicyDocument=json.dumps(ec2_trust), Path="/svc/"
    )
    everything = list(service.list_roles())
    boto = iam.list_roles()["Roles"]
    assert sorted((r.name, r.arn, r.path) for r in everything) == sorted(
        (b["RoleName"], b["Arn"], b["Path"]) for b in boto
    )
    assert [r.name for r in service.list_roles(sagemaker_only=True)] == ["sm-role"]

    steps = service.delete_role("sm-role")
    assert steps == (f"detach {FULL_ACCESS}", f"delete inline {S3_POLICY_NAME}", "delete role")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["ec2-role"]
    deletes = [r for r in audit_records() if r["action"] == "role-delete"]
    assert [(r["target"], r["outcome"], r["params"]["steps"]) for r in deletes] == [
        ("sm-role", "ok", list(steps))
    ]
    with pytest.raises(NotFoundError):
        service.delete_role("sm-role")


def test_role_input_validated_before_sending(aws: Any) -> None:
    ctx = context()
    with pytest.raises(ValidationError, match="not a valid IAM role name"):
        ctx.iam.create_execution_role("bad name")
    with pytest.raises(ValidationError, match="not a valid S3 bucket name"):
        ctx.iam.create_execution_role("ok-name", buckets=["Bad_Bucket"])
    assert ctx.sessions.metrics.calls_total() == 0


# --- IAM: CLI -------------------------------------------------------------------------
def test_cli_role_create_list_delete(run_cli: Any, iam_aws: Any) -> None:
    iam = iam_aws.client("iam")
    created = run_cli("role-create", "--bucket", "data-in")
    assert created.exit_code == 0, created.stderr
    arn = iam.get_role(RoleName=DEFAULT_ROLE_NAME)["Role"]["Arn"]
    assert f"created role {DEFAULT_ROLE_NAME}: {arn}" in created.stdout
    again = run_cli("role-create", "--json")
    assert again.json() == {"name": DEFAULT_ROLE_NAME, "arn": arn, "created": False, "changes": []}

    for args in (("role-list", "--json"), ("--json", "role-list", "--sagemaker")):
        rows = run_cli(*args).json()
        boto = iam.list_roles()["Roles"]
        assert [(r["name"], r["arn"]) for r in rows] == [(b["RoleName"], b["Arn"]) for b in boto]
        assert rows[0]["sagemaker_trusted"] is True
    assert DEFAULT_ROLE_NAME in run_cli("role-list").stdout

    assert_one_error(run_cli("role-delete"), 4, "needs confirmation")
    deleted = run_cli("role-delete", "--yes")
    assert deleted.exit_code == 0 and f"deleted role {DEFAULT_ROLE_NAME}" in deleted.stdout
    assert iam.list_roles()["Roles"] == []


def test_cli_role_bad_input(run_cli: Any, aws: Any) -> None:
    assert_one_error(run_cli("role-create", "has space"), 2, "not a valid IAM role name")
    assert_one_error(run_cli("role-create", "ok", "--bucket", "s3://"), 2, "bucket")
    assert_one_error(run_cli("role-delete", "x" * 65, "--yes"), 2)
    assert_one_error(run_cli("role-delete", "ghost", "--yes"), 5, "role ghost not found")
    assert_one_error(run_cli("--endpoint-url", "nowhere", "role-list"), 2, "endpoint_url")


def test_cli_role_create_error_is_audited(run_cli: Any, aws: Any) -> None:
    # Without AWS managed policies loaded, moto cannot attach AmazonSageMakerFullAccess.
    result = run_cli("role-create", "sm-role")
    assert_one_error(result, 5, "AmazonSageMakerFullAccess")
    record = audit_records()[-1]
    assert (record["action"], record["target"], record["outcome"]) == (
        "role-create",
        "sm-role",
        "error",
    )
    assert record["params"]["steps"] == ["create role", "attach AmazonSageMakerFullAccess"]


def test_read_only_refuses_role_create(run_cli: Any, iam_aws: Any) -> None:
    assert_one_error(run_cli("--read-only", "role-create"), 3, "read-only mode")
    assert iam_aws.client("iam").list_roles()["Roles"] == []
    assert audit_records()[-1]["outcome"] == "refused"
    assert_one_error(run_cli("--read-only", "role-delete", "--yes"), 3)


# --- HyperPod: service ----------------------------------------------------------------
def test_cluster_spec_validation() -> None:
    assert validate_cluster_spec(spec())["ClusterName"] == "hp-1"
    broken: list[tuple[dict[str, Any], str]] = [
        ({"ClusterName": "bad_name", "InstanceGroups": spec()["InstanceGroups"]}, "ClusterName"),
        ({"ClusterName": "hp"}, "no InstanceGroups"),
        ({"ClusterName": "hp", "InstanceGroups": []}, "no InstanceGroups"),
        (
            {"ClusterName": "hp", "InstanceGroups": [{"InstanceGroupName": "g"}]},
            "lacks InstanceType",
        ),
        ({**spec(), "InstanceGroups": [spec()["InstanceGroups"][0]] * 2}, "used twice"),
        (
            {**spec(), "InstanceGroups": [{**spec()["InstanceGroups"][0], "InstanceType": "p4d"}]},
            "InstanceType",
        ),
        (
            {**spec(), "InstanceGroups": [{**spec()["InstanceGroups"][0], "InstanceCount": -1}]},
            "InstanceCount",
        ),
        (
            {
                **spec(),
                "InstanceGroups": [{**spec()["InstanceGroups"][0], "ExecutionRole": "role"}],
            },
            "ExecutionRole",
        ),
        (
            {
                **spec(),
                "InstanceGroups": [
                    {
                        **spec()["InstanceGroups"][0],
                        "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-x/"},
                    }
                ],
            },
            "OnCreate",
        ),
    ]
    for bad, text in broken:
        with pytest.raises(ValidationError, match=text):
            validate_cluster_spec(bad)


def test_cluster_create_describe_and_nodes_match_boto3(aws: Any) -> None:
    sm = aws.client("sagemaker")
    hyperpod = context().hyperpod
    arn = hyperpod.create_cluster(spec())
    assert [c.arn for c in hyperpod.list_clusters()] == [arn]
    cluster = hyperpod.describe_cluster("hp-1")
    assert (cluster.status, cluster.orchestrator, cluster.cluster_id) == (
        "InService",
        "Slurm",
        "hp-1",
    )
    controller, workers = cluster.instance_groups
    assert (controller.slurm_node_type, workers.slurm_node_type) == ("Controller", "Compute")
    assert (workers.instance_type, workers.current_count, workers.target_count) == (
        "ml.g5.xlarge",
        2,
        2,
    )
    assert workers.lifecycle_script_uri == "s3://sagemaker-lifecycle/slurm/"

    nodes = list(hyperpod.list_nodes("hp-1"))
    boto = sm.list_cluster_nodes(ClusterName="hp-1")["ClusterNodeSummaries"]
    assert sorted(n.instance_id for n in nodes) == sorted(b["InstanceId"] for b in boto)
    assert sorted(n.instance_id for n in nodes) == ["controller-0", "workers-0", "workers-1"]
    assert {n.status for n in nodes} == {"Running"}
    assert [n.instance_id for n in hyperpod.list_nodes("hp-1", group="work")] != []
    assert {n.group for n in hyperpod.list_nodes("hp-1", group="work")} == {"workers"}

    with pytest.raises(NotFoundError):
        hyperpod.describe_cluster("ghost")
    with pytest.raises(ConflictError):
        hyperpod.create_cluster(spec())


def test_node_describe_is_cached(aws: Any) -> None:
    ctx = context()
    hyperpod = ctx.hyperpod
    hyperpod.create_cluster(spec())
    first = hyperpod.describe_node("hp-1", "workers-0")
    assert (first.instance_id, first.group, first.status) == ("workers-0", "workers", "Running")
    calls = ctx.sessions.metrics.calls_total("sagemaker")
    assert hyperpod.describe_node("hp-1", "workers-0") is first
    assert ctx.sessions.metrics.calls_total("sagemaker") == calls
    # Polling with addresses describes each node once, then only lists.
    list(hyperpod.list_nodes("hp-1", addresses=True))
    after_first_poll = ctx.sessions.metrics.calls_total("sagemaker")
    assert after_first_poll == calls + 1 + 2  # one list + the two nodes not yet cached
    list(hyperpod.list_nodes("hp-1", addresses=True))
    assert ctx.sessions.metrics.calls_total("sagemaker") == after_first_poll + 1
    hyperpod.describe_node("hp-1", "workers-0", refresh=True)
    assert ctx.sessions.metrics.calls_total("sagemaker") == after_first_poll + 2
    with pytest.raises(NotFoundError):
        hyperpod.describe_node("hp-1", "workers-9")
    with pytest.raises(ValidationError):
        hyperpod.describe_node("hp-1", "bad id!")


def test_node_cache_is_thread_safe_and_bounded() -> None:
    cache = NodeCache(max_entries=50)

    def node(i: int) -> ClusterNode:
        return ClusterNode("hp", f"i-{i}", "workers", "ml.g5.xlarge", "Running", "", None)

    def work(offset: int) -> None:
        for i in range(200):
            cache.put(node(offset + i))
            cache.get("hp", f"i-{offset + i // 2}")

    threads = [threading.Thread(target=work, args=(n * 1000,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50
    cache.put(node(1))
    cache.forget("hp", ["i-1"])
    assert cache.get("hp", "i-1") is None
    cache.forget("hp")
    assert len(cache) == 0


def test_node_actions_go_in_batches_of_25(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = context()
    hyperpod = ctx.hyperpod
    sent: list[list[str]] = []

    class FakeClient:
        def batch_reboot_cluster_nodes(
            self, ClusterName: str, NodeIds: list[str]
        ) -> dict[str, Any]:
            sent.append(NodeIds)
            return {
                "Successful": NodeIds[1:],
                "Failed": [{"NodeId": NodeIds[0], "ErrorCode": "X", "Message": "busy"}],
            }

    monkeypatch.setattr(type(hyperpod), "client", property(lambda self: FakeClient()))
    ids = [f"i-{n:03d}" for n in range(60)]
    result = hyperpod.reboot_nodes("hp-1", ids + ids[:5])  # duplicates sent once
    assert [len(batch) for batch in sent] == [25, 25, 10]
    assert len(result.successful) == 57
    assert result.failed == (("i-000", "busy"), ("i-025", "busy"), ("i-050", "busy"))
    reboots = [r for r in audit_records() if r["action"] == "cluster-node-reboot"]
    assert [len(r["params"]["NodeIds"]) for r in reboots] == [25, 25, 10]


def test_node_actions_not_supported_by_moto(aws: Any) -> None:
    hyperpod = context().hyperpod
    hyperpod.create_cluster(spec())
    with pytest.raises(NotSupportedError):
        hyperpod.reboot_nodes("hp-1", ["workers-0"])
    with pytest.raises(NotSupportedError):
        hyperpod.replace_nodes("hp-1", ["workers-1"])
    with pytest.raises(ValidationError):
        hyperpod.reboot_nodes("hp-1", [])
    read_only = context(read_only=True).hyperpod
    with pytest.raises(ReadOnlyError):
        read_only.reboot_nodes("hp-1", ["workers-0"])


# --- HyperPod: CLI --------------------------------------------------------------------
def test_cli_cluster_create_json_and_yaml(run_cli: Any, aws: Any, tmp_path: Path) -> None:
    import yaml

    sm = aws.client("sagemaker")
    json_spec = tmp_path / "cluster.json"
    json_spec.write_text(json.dumps(spec("hp-json")))
    created = run_cli("cluster-create", str(json_spec))
    assert created.exit_code == 0, created.stderr
    assert sm.describe_cluster(ClusterName="hp-json")["ClusterArn"] in created.stdout

    yaml_spec = tmp_path / "cluster.yaml"
    yaml_spec.write_text(yaml.safe_dump(spec("hp-yaml", workers=3)))
    made = run_cli("cluster-create", str(yaml_spec), "--json").json()
    assert made["arn"] == sm.describe_cluster(ClusterName="hp-yaml")["ClusterArn"]
    record = audit_records()[-1]
    assert (record["action"], record["target"], record["outcome"]) == (
        "cluster-create",
        "hp-yaml",
        "ok",
    )
    assert [c.name for c in context().hyperpod.list_clusters()] == ["hp-yaml", "hp-json"]


def test_cli_cluster_create_bad_files(run_cli: Any, aws: Any, tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"ClusterName": "hp",\n  "InstanceGroups": [}')
    assert_one_error(run_cli("cluster-create", str(bad_json)), 2, "not valid JSON")
    assert "line 2 column" in run_cli("cluster-create", str(bad_json)).stderr
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("ClusterName: hp\nInstanceGroups: [a, b\n")
    assert_one_error(run_cli("cluster-create", str(bad_yaml)), 2, "not valid YAML")
    listed = tmp_path / "list.yml"
    listed.write_text("- a\n- b\n")
    assert_one_error(run_cli("cluster-create", str(listed)), 2, "must be an object")
    no_groups = tmp_path / "nogroups.json"
    no_groups.write_text(json.dumps({"ClusterName": "hp"}))
    assert_one_error(run_cli("cluster-create", str(no_groups)), 2, "no InstanceGroups")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert_one_error(run_cli("cluster-create", str(empty)), 2, "empty")
    assert_one_error(run_cli("cluster-create", str(tmp_path / "missing.json")), 2, "does not exist")
    assert aws.client("sagemaker").list_clusters()["ClusterSummaries"] == []


def test_cli_cluster_list_describe_nodes(run_cli: Any, aws: Any) -> None:
    sm = aws.client("sagemaker")
    context().hyperpod.create_cluster(spec())
    for args in (("cluster-list", "--json"), ("--json", "cluster-list")):
        rows = run_cli(*args).json()
        boto = sm.list_clusters()["ClusterSummaries"]
        assert [(r["name"], r["arn"], r["status"]) for r in rows] == [
            (b["ClusterName"], b["ClusterArn"], b["ClusterStatus"]) for b in boto
        ]
    described = run_cli("cluster-describe", "hp-1", "--json").json()
    boto_cluster = sm.describe_cluster(ClusterName="hp-1")
    assert described["arn"] == boto_cluster["ClusterArn"]
    assert [(g["name"], g["current_count"]) for g in described["instance_groups"]] == [
        (g["InstanceGroupName"], g["CurrentCount"]) for g in boto_cluster["InstanceGroups"]
    ]
    human = run_cli("cluster-describe", "hp-1").stdout
    assert "workers: 2/2 x ml.g5.xlarge" in human and "Slurm Compute" in human

    nodes = run_cli("cluster-nodes", "hp-1", "--json").json()
    boto_nodes = sm.list_cluster_nodes(ClusterName="hp-1")["ClusterNodeSummaries"]
    assert sorted((n["instance_id"], n["group"], n["status"]) for n in nodes) == sorted(
        (b["InstanceId"], b["InstanceGroupName"], b["InstanceStatus"]["Status"]) for b in boto_nodes
    )
    table = run_cli("cluster-nodes", "hp-1", "--addresses").stdout
    assert "workers-1" in table and "Hostname" in table
    assert "hp-1" in run_cli("cluster-list").stdout


def test_cli_cluster_bad_input(run_cli: Any, aws: Any) -> None:
    assert_one_error(run_cli("cluster-describe", "bad_name"), 2, "not a valid SageMaker name")
    assert_one_error(run_cli("cluster-describe", "ghost"), 5, "ghost")
    assert_one_error(run_cli("cluster-nodes", "ghost"), 5)
    assert_one_error(run_cli("--endpoint-url", "nowhere", "cluster-list"), 2, "endpoint_url")


def test_read_only_refuses_cluster_create(run_cli: Any, aws: Any, tmp_path: Path) -> None:
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps(spec()))
    assert_one_error(run_cli("--read-only", "cluster-create", str(path)), 3, "read-only mode")
    assert aws.client("sagemaker").list_clusters()["ClusterSummaries"] == []
    record = audit_records()[-1]
    assert (record["action"], record["outcome"]) == ("cluster-create", "refused")
