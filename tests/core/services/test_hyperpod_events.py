"""HyperPod cluster events (service and CLI) and the CLI's gated node actions.

moto 5.2.5 has no ListClusterEvents / DescribeClusterEvent (it answers 500). Two ways
in, then: botocore's Stubber for the AWS shapes only real AWS produces (several pages
with NextToken, the refusal for a cluster without continuous provisioning), and the
demo's own handlers (``console.demo.moto_extras``) put on the real moto server, so the
CLI and the service talk HTTP to a server that keeps events the way the demo does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from console.errors import NotSupportedError, ValidationError
from console.services.hyperpod import ClusterEvent
from tests.support.helpers import assert_one_error, audit_records, context

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/hyperpod-exec"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:cluster/hp-1"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def event_id(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-000000000000"


def summary(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "EventId": event_id(n),
        "ClusterArn": ARN,
        "ClusterName": "hp-1",
        "ResourceType": "Instance",
        "EventTime": T0 - timedelta(minutes=n),
        "EventLevel": "Info",
        "InstanceGroupName": "workers",
        "InstanceId": "i-0123456789abcdef0",
        "Description": f"event {n}",
        **extra,
    }


# --- the service, with AWS's shapes from the Stubber -----------------------------------


def test_events_newest_first_over_pages_with_filters(aws: Any) -> None:
    """moto lacks ListClusterEvents: the pages come from botocore's Stubber."""
    ctx = context()
    stub = Stubber(ctx.sessions.client("sagemaker"))
    expected = {
        "ClusterName": "hp-1",
        "SortBy": "EventTime",
        "SortOrder": "Descending",
        "InstanceGroupName": "workers",
        "NodeId": "i-0123456789abcdef0",
        "MaxResults": 100,
    }
    stub.add_response(
        "list_cluster_events",
        {"Events": [summary(1), summary(2)], "NextToken": "page-2"},
        expected,
    )
    stub.add_response(
        "list_cluster_events",
        {"Events": [summary(3, EventLevel="Error", ResourceType="Cluster")]},
        {**expected, "NextToken": "page-2"},
    )
    with stub:
        events = list(ctx.hyperpod.list_events("hp-1", group="workers", node="i-0123456789abcdef0"))
    stub.assert_no_pending_responses()
    assert [e.description for e in events] == ["event 1", "event 2", "event 3"]
    first = events[0]
    assert isinstance(first, ClusterEvent)
    assert (first.level, first.resource_type, first.group, first.subject) == (
        "Info",
        "Instance",
        "workers",
        "i-0123456789abcdef0",
    )
    assert first.time == T0 - timedelta(minutes=1) and first.details == ()
    assert events[2].level == "Error"


def test_a_limit_stops_the_paging(aws: Any) -> None:
    """The Stubber: with ``limit`` met on the first page no second call goes out."""
    ctx = context()
    stub = Stubber(ctx.sessions.client("sagemaker"))
    stub.add_response(
        "list_cluster_events", {"Events": [summary(1), summary(2)], "NextToken": "more"}
    )
    with stub:
        events = list(ctx.hyperpod.list_events("hp-1", limit=2))
    stub.assert_no_pending_responses()
    assert len(events) == 2


def test_describe_flattens_the_metadata(aws: Any) -> None:
    """The Stubber: DescribeClusterEvent's nested EventMetadata, as AWS shapes it."""
    ctx = context()
    stub = Stubber(ctx.sessions.client("sagemaker"))
    detail = summary(
        4,
        EventLevel="Warn",
        EventDetails={
            # a tagged union: one member per event
            "EventMetadata": {
                "InstanceGroup": {
                    "FailureMessage": "Insufficient capacity",
                    "SecurityGroupIds": ["sg-1", "sg-2"],
                    "CapacityReservation": {"Arn": "arn:aws:ec2:us-east-1:1:cr/cr-1"},
                }
            }
        },
    )
    stub.add_response(
        "describe_cluster_event",
        {"EventDetails": detail},
        {"ClusterName": "hp-1", "EventId": event_id(4)},
    )
    with stub:
        event = ctx.hyperpod.describe_event("hp-1", event_id(4))
    assert event.level == "Warn"
    assert dict(event.details) == {
        "InstanceGroup.FailureMessage": "Insufficient capacity",
        "InstanceGroup.SecurityGroupIds": "sg-1, sg-2",
        "InstanceGroup.CapacityReservation.Arn": "arn:aws:ec2:us-east-1:1:cr/cr-1",
    }
    assert event.to_dict()["details"][0] == [
        "InstanceGroup.FailureMessage",
        "Insufficient capacity",
    ]


def test_a_cluster_without_continuous_provisioning_is_explained(aws: Any) -> None:
    """The Stubber: the ValidationException only real AWS sends for such a cluster."""
    ctx = context()
    stub = Stubber(ctx.sessions.client("sagemaker"))
    stub.add_client_error(
        "list_cluster_events",
        service_error_code="ValidationException",
        service_message="This operation is only supported for clusters with "
        "NodeProvisioningMode set to Continuous.",
        http_status_code=400,
    )
    with stub, pytest.raises(ValidationError) as caught:
        list(ctx.hyperpod.list_events("hp-1"))
    assert "NodeProvisioningMode=Continuous" in caught.value.message
    assert "has no events" in caught.value.message


def test_input_checked_before_sending_and_plain_moto_says_unsupported(aws: Any) -> None:
    hyperpod = context().hyperpod
    with pytest.raises(ValidationError, match="event id"):
        hyperpod.describe_event("hp-1", "not-an-id")
    with pytest.raises(ValidationError, match="resource type"):
        list(hyperpod.list_events("hp-1", resource_type="Node"))
    with pytest.raises(ValidationError, match="instance id"):
        list(hyperpod.list_events("hp-1", node="bad id!"))
    with pytest.raises(NotSupportedError, match="not supported by this endpoint"):
        list(hyperpod.list_events("hp-1"))


# --- the CLI, on moto with the demo's event handlers --------------------------------------


@pytest.fixture
def events_cluster(aws: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A moto cluster with events, served by the demo's ListClusterEvents handlers."""
    from moto.sagemaker.models import sagemaker_backends
    from moto.sagemaker.responses import SageMakerResponse

    from console.demo import moto_extras

    for name in ("list_cluster_events", "describe_cluster_event"):
        monkeypatch.setattr(SageMakerResponse, name, getattr(moto_extras, name), raising=False)
    sm = aws.client("sagemaker")
    sm.create_cluster(
        ClusterName="hp-1",
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
    cluster = sagemaker_backends[ACCOUNT][REGION].clusters["hp-1"]
    now = datetime.now(UTC).replace(tzinfo=None)
    made = {
        "created": moto_extras.add_cluster_event(
            cluster, "Cluster creation started", at=now - timedelta(days=2)
        ),
        "group": moto_extras.add_cluster_event(
            cluster,
            "Instance group provisioning started",
            resource_type="InstanceGroup",
            group="controller",
            at=now - timedelta(days=2) + timedelta(minutes=1),
        ),
        "failed": moto_extras.add_cluster_event(
            cluster,
            "Instance failed deep health checks",
            resource_type="Instance",
            level="Error",
            group="workers",
            instance_id="i-0aaaabbbbccccdddd",
            at=now - timedelta(minutes=5),
            metadata={"Instance": {"FailureMessage": "GPU 5: Xid 79"}},
        ),
    }
    return made


def test_cli_cluster_events_table_json_and_filters(run_cli: Any, events_cluster: Any) -> None:
    rows = run_cli("cluster-events", "hp-1", "--json").json()
    assert [r["description"] for r in rows] == [
        "Instance failed deep health checks",
        "Instance group provisioning started",
        "Cluster creation started",
    ]
    assert rows[0]["level"] == "Error" and rows[0]["instance_id"] == "i-0aaaabbbbccccdddd"
    by_node = run_cli("cluster-events", "hp-1", "--node", "i-0aaaabbbbccccdddd", "--json").json()
    assert [r["event_id"] for r in by_node] == [events_cluster["failed"]["EventId"]]
    by_group = run_cli("cluster-events", "hp-1", "--group", "controller", "--json").json()
    assert [r["group"] for r in by_group] == ["controller"]
    clusters_only = run_cli("cluster-events", "hp-1", "--type", "cluster", "--json").json()
    assert [r["resource_type"] for r in clusters_only] == ["Cluster"]
    recent = run_cli("cluster-events", "hp-1", "--since", "60", "--json").json()
    assert len(recent) == 1
    assert len(run_cli("cluster-events", "hp-1", "--limit", "2", "--json").json()) == 2
    table = run_cli("cluster-events", "hp-1")
    assert table.exit_code == 0 and "Instance failed deep health checks" in table.stdout
    assert "Level" in table.stdout and "Error" in table.stdout
    nothing = run_cli("cluster-events", "hp-1", "--group", "login")
    assert nothing.exit_code == 0 and "no events for hp-1" in nothing.stderr


def test_cli_cluster_event_describe(run_cli: Any, events_cluster: Any) -> None:
    failed = events_cluster["failed"]["EventId"]
    shown = run_cli("cluster-event-describe", "hp-1", failed)
    assert shown.exit_code == 0, shown.stderr
    assert "Instance.FailureMessage" in shown.stdout and "GPU 5: Xid 79" in shown.stdout
    data = run_cli("cluster-event-describe", "hp-1", failed, "--json").json()
    assert data["details"] == [["Instance.FailureMessage", "GPU 5: Xid 79"]]
    assert_one_error(run_cli("cluster-event-describe", "hp-1", "nope"), 2, "event id")
    missing = event_id(99)
    assert_one_error(run_cli("cluster-event-describe", "hp-1", missing), 5, missing)
    assert_one_error(run_cli("cluster-events", "ghost"), 5, "ghost")
    assert_one_error(run_cli("cluster-events", "hp-1", "--node", "x y"), 2, "instance id")


def test_cli_events_on_plain_moto_say_unsupported(run_cli: Any, aws: Any) -> None:
    assert_one_error(run_cli("cluster-events", "hp-1"), 9, "not supported by this endpoint")


# --- the CLI's node actions ----------------------------------------------------------------


@pytest.fixture
def node_calls(aws: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """moto lacks the node actions: record what reaches the server and answer like AWS."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    calls: list[tuple[str, Any]] = []

    def batch(name: str) -> Any:
        def handler(self: Any) -> ActionResult:
            ids = list(self._get_param("NodeIds"))
            calls.append((name, ids))
            ok = [i for i in ids if i != "controller-0"]
            failed = [
                {"NodeId": i, "ErrorCode": "Busy", "Message": "busy"} for i in ids if i not in ok
            ]
            return ActionResult({"Successful": ok, "Failed": failed})

        return handler

    def health(self: Any) -> ActionResult:
        calls.append(("health", self._get_param("DeepHealthCheckConfigurations")))
        return ActionResult({"ClusterArn": ARN})

    for name in ("batch_reboot_cluster_nodes", "batch_replace_cluster_nodes"):
        monkeypatch.setattr(SageMakerResponse, name, batch(name), raising=False)
    monkeypatch.setattr(SageMakerResponse, "start_cluster_health_check", health, raising=False)
    aws.client("sagemaker").create_cluster(
        ClusterName="hp-1",
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
    return calls


def test_cli_health_check_groups_nodes_by_instance_group(run_cli: Any, node_calls: Any) -> None:
    result = run_cli(
        "cluster-node-health-check", "hp-1", "workers-0", "controller-0", "workers-1", "--yes"
    )
    assert result.exit_code == 0, result.stderr
    configs = sorted(
        (c["InstanceGroupName"], c["InstanceIds"], c["DeepHealthChecks"])
        for _, c0 in node_calls
        for c in c0
    )
    assert configs == [
        ("controller", ["controller-0"], ["InstanceStress", "InstanceConnectivity"]),
        ("workers", ["workers-0", "workers-1"], ["InstanceStress", "InstanceConnectivity"]),
    ]
    assert "deep health checks started on workers-0, workers-1 (group workers)" in result.stdout
    records = [r for r in audit_records() if r["action"] == "cluster-node-health-check"]
    assert [(r["target"], r["outcome"]) for r in records] == [("hp-1", "ok"), ("hp-1", "ok")]
    one = run_cli(
        "cluster-node-health-check",
        "hp-1",
        "workers-0",
        "--group",
        "workers",
        "--check",
        "InstanceStress",
        "--yes",
        "--json",
    )
    assert one.json() == {
        "cluster": "hp-1",
        "groups": {"workers": ["workers-0"]},
        "checks": ["InstanceStress"],
    }


def test_cli_node_actions_confirm_refuse_and_report(run_cli: Any, node_calls: Any) -> None:
    # no terminal and no --yes: refused before anything is sent
    assert_one_error(run_cli("cluster-node-health-check", "hp-1", "workers-0"), 4, "confirmation")
    assert_one_error(run_cli("cluster-node-reboot", "hp-1", "workers-0"), 4, "confirmation")
    assert node_calls == []
    declined = run_cli("cluster-node-replace", "hp-1", "workers-0", input="n\n")
    assert declined.exit_code != 0 and node_calls == []
    # read-only: refused before asking or looking anything up
    read_only = run_cli("--read-only", "cluster-node-health-check", "hp-1", "workers-0")
    assert_one_error(read_only, 3, "read-only mode")
    assert node_calls == []
    # a node AWS will not reboot: reported, exit 1, one error line
    rebooted = run_cli("cluster-node-reboot", "hp-1", "workers-0", "controller-0", "--yes")
    assert rebooted.exit_code == 1
    assert "reboot requested: workers-0" in rebooted.stdout
    # The error line, then its hint (every error has one).
    error, hint = rebooted.stderr.strip().splitlines()[-2:]
    assert error == "error: reboot failed for 1 of 2 node(s)"
    assert hint.startswith("hint: ")
    replaced = run_cli("cluster-node-replace", "hp-1", "workers-1", "--yes", "--json")
    assert replaced.json()["successful"] == ["workers-1"]
    assert [name for name, _ in node_calls] == [
        "batch_reboot_cluster_nodes",
        "batch_replace_cluster_nodes",
    ]
    # bad input: one line, nothing sent
    assert_one_error(run_cli("cluster-node-health-check", "hp-1", "bad id!", "--yes"), 2)
    assert_one_error(run_cli("cluster-node-health-check", "hp-1", "workers-9", "--yes"), 5)
    many = [f"i-{n:03d}" for n in range(26)]
    assert_one_error(
        run_cli("cluster-node-health-check", "hp-1", *many, "--group", "workers", "--yes"),
        2,
        "at most 25",
    )
    assert len(node_calls) == 2
    assert json.dumps(node_calls)  # plain data only
