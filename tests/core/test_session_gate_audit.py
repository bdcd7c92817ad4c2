"""Session factory, mutation gate and audit log: the guarantees every service relies on."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from console.audit import REDACTED, AuditLog, AuditRecord, redact
from console.aws.metrics import ApiMetrics
from console.aws.session import AwsContext, SessionFactory, is_mutating
from console.config import load_config
from console.context import ConsoleContext
from console.errors import NotFoundError, ReadOnlyError, UngatedMutationError
from console.gate import MutationGate

ROLE = "arn:aws:iam::123456789012:role/sm"


def test_clients_are_cached_and_counted(aws) -> None:
    metrics = ApiMetrics()
    factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url), metrics)
    client = factory.client("sagemaker")
    assert factory.client("sagemaker") is client
    client.list_training_jobs()
    client.list_endpoints()
    snapshot = metrics.snapshot()
    (row,) = snapshot.services
    assert (row.service, row.calls_last_minute, row.calls_total) == ("sagemaker", 2, 2)


def test_client_policy_has_adaptive_retries_and_timeouts(aws) -> None:
    client = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url)).client(
        "sagemaker"
    )
    config = client.meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.connect_timeout == SessionFactory.CONNECT_TIMEOUT
    assert config.read_timeout == SessionFactory.READ_TIMEOUT
    assert client.meta.endpoint_url == aws.url


def test_client_creation_is_thread_safe(aws) -> None:
    factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url))
    seen = []
    threads = [
        threading.Thread(target=lambda: seen.append(factory.client("logs"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in seen}) == 1


def test_errors_are_counted_for_the_budget(aws) -> None:
    context = ConsoleContext(load_config())
    with pytest.raises(NotFoundError):
        context.jobs.describe_training_job("missing-job")
    snapshot = context.sessions.metrics.snapshot()
    assert snapshot.services[0].errors_total == 1
    assert "DescribeTrainingJob" in snapshot.last_error


def test_calls_that_get_no_answer_are_errors_too() -> None:
    """Issue 15 walkthrough: `status` against a server that never answered listed every
    call as timed out, and its API budget said "Errors 0"."""
    import socket

    from console.errors import UnreachableError

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens there once it is closed
    metrics = ApiMetrics()
    factory = SessionFactory(
        AwsContext(region="us-east-1", endpoint_url=f"http://127.0.0.1:{port}"),
        metrics,
        max_attempts=1,
    )
    with pytest.raises(UnreachableError):
        try:
            factory.client("sagemaker").list_training_jobs()
        except Exception as exc:
            raise factory.translate(exc) from exc
    (row,) = metrics.snapshot().services
    assert (row.calls_total, row.errors_total) == (1, 1)
    assert "ListTrainingJobs" in metrics.snapshot().last_error


@pytest.mark.parametrize(
    ("name", "mutating"),
    [
        ("CreateTrainingJob", True),
        ("StopTrainingJob", True),
        ("UpdateEndpointWeightsAndCapacities", True),
        ("InvokeEndpoint", True),
        ("BatchRebootClusterNodes", True),
        ("ListTrainingJobs", False),
        ("DescribeEndpoint", False),
        ("GetLogEvents", False),
        ("CreatePresignedNotebookInstanceUrl", False),
        ("StartLiveTail", False),
    ],
)
def test_mutating_operation_names(name: str, mutating: bool) -> None:
    assert is_mutating(name) is mutating


def test_mutation_outside_gate_is_refused_before_sending(aws) -> None:
    context = ConsoleContext(load_config())
    client = context.sessions.client("sagemaker")
    with pytest.raises(UngatedMutationError):
        client.create_model_package_group(ModelPackageGroupName="sneaky")
    # Nothing reached the server.
    assert aws.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"] == []


def test_gate_audits_success_with_caller(aws) -> None:
    context = ConsoleContext(load_config())
    client = context.sessions.client("sagemaker")
    context.gate.run(
        "model-package-group-create",
        "grp",
        {"Description": "d", "SecretAccessKey": "abc"},
        lambda: client.create_model_package_group(ModelPackageGroupName="grp"),
    )
    (record,) = list(context.audit.records())
    assert record.action == "model-package-group-create"
    assert record.target == "grp"
    assert record.outcome == "ok"
    assert record.caller.startswith("arn:aws:")
    assert record.region == "us-east-1"
    assert record.params == {"Description": "d", "SecretAccessKey": REDACTED}
    assert stat.S_IMODE(context.audit.path.stat().st_mode) == 0o600


def test_gate_audits_failure_with_real_outcome(aws) -> None:
    context = ConsoleContext(load_config())
    with pytest.raises(Exception) as info:
        context.jobs.stop_training_job("ghost")
    (record,) = list(context.audit.records())
    assert record.outcome == "error"
    assert record.detail == info.value.args[0]


def test_read_only_refuses_and_audits_without_calling(aws, monkeypatch) -> None:
    monkeypatch.setenv("SMCONSOLE_READ_ONLY", "1")
    context = ConsoleContext(load_config())
    called = []
    with pytest.raises(ReadOnlyError, match="read-only"):
        context.gate.run("endpoint-delete", "ep", {}, lambda: called.append(1))
    assert called == []
    (record,) = list(context.audit.records())
    assert (record.outcome, record.action) == ("refused", "endpoint-delete")


def test_caller_lookup_failure_does_not_block_mutation(tmp_path: Path) -> None:
    def boom() -> str:
        raise RuntimeError("sts down")

    gate = MutationGate(AuditLog(tmp_path / "a.jsonl"), AwsContext(), caller=boom)
    assert gate.run("x", "t", {}, lambda: 42) == 42
    (record,) = list(gate.audit.records())
    assert record.caller == "unknown"


def test_audit_appends_and_skips_torn_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    record = AuditRecord("t", "c", "p", "r", "a", "x", {}, "ok")
    log.write(record)
    with log.path.open("a") as handle:
        handle.write('{"time": "t", "cal')  # a crash mid-write
    log.write(record)
    assert list(log.records()) == [record, record]
    assert all(json.loads(line)["action"] == "a" for line in log.path.read_text().splitlines()[:1])


def test_redact_keys_and_values() -> None:
    planted = {
        "AccessKeyId": "AKIAABCDEFGHIJKLMNOP",
        "note": "key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here",
        "Environment": {"DB_PASSWORD": "hunter2", "MODE": "fast"},
        "pem": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
        "SessionToken": "FwoGZXIvYXdzEBYaDExampleToken",
        "list": ["ASIAABCDEFGHIJKLMNOP"],
    }
    out = redact(planted)
    text = json.dumps(out)
    for secret in (
        "AKIAABCDEFGHIJKLMNOP",
        "wJalrXUtnFEMI",
        "hunter2",
        "abc\\n",
        "FwoGZXIv",
        "ASIA",
    ):
        assert secret not in text
    assert out["Environment"]["MODE"] == "fast"


def test_audit_is_thread_safe(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    record = AuditRecord("t", "c", "p", "r", "a", "x", {"n": 1}, "ok")
    threads = [
        threading.Thread(target=lambda: [log.write(record) for _ in range(25)]) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(list(log.records())) == 100
