"""An answer that is not an answer, a mutation sent twice, a change made without a record.

Against the moto server through the fault proxy: a 200 that is empty, HTML, garbage or cut
short under a matching Content-Length is an error (exit 8, "unreadable answer from …"),
never "no jobs" or a create that worked; a mutation answered that way is audited
``unknown`` and read back. A 500/503 after the change was applied is not resent (counted
at the proxy). An audit log that cannot take the intent record means nothing is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.audit import AuditLog, AuditRecord
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.helpers import assert_one_error, audit_records
from tests.support.registry import pending_version

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"
NOT_ANSWERS = ("empty", "html", "garbage", "short")


@pytest.fixture
def proxy(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """The fault proxy in front of moto, as the CLI's endpoint."""
    fault_proxy = FaultProxy(aws.url).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    yield fault_proxy
    fault_proxy.stop()


def _train(aws: Any, name: str) -> None:
    aws.client("sagemaker").create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )


def _exists(fn: Any, **params: Any) -> bool:
    import botocore.exceptions

    try:
        fn(**params)
    except botocore.exceptions.ClientError:
        return False
    return True


# --- reads ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", NOT_ANSWERS)
def test_a_listing_that_is_not_an_answer_is_exit_8_not_no_jobs(
    kind: str, proxy: FaultProxy, aws: Any, run_cli: Any
) -> None:
    _train(aws, "job-a")
    proxy.add(Fault(kind, "sagemaker", "ListTrainingJobs"))
    result = run_cli("training-list")
    assert_one_error(result, 8, "unreadable answer from sagemaker (127.0.0.1:")
    assert "no training jobs" not in result.stdout
    proxy.clear()
    assert "job-a" in run_cli("training-list").stdout


@pytest.mark.parametrize("kind", NOT_ANSWERS)
def test_a_describe_that_is_not_an_answer_is_exit_8_not_a_key_error(
    kind: str, proxy: FaultProxy, aws: Any, run_cli: Any
) -> None:
    _train(aws, "job-a")
    proxy.add(Fault(kind, "sagemaker", "DescribeTrainingJob"))
    result = run_cli("training-describe", "job-a")
    assert_one_error(result, 8, "unreadable answer from sagemaker")
    assert "internal error" not in result.stderr


def test_an_answer_missing_a_list_we_read_is_unreadable() -> None:
    """``{}`` parses, but a listing without its list would read as "none"."""
    import botocore.session

    from console.aws.answers import unreadable_reason

    model = botocore.session.get_session().get_service_model("sagemaker")
    listing = model.operation_model("ListTrainingJobs")
    answer = {"status_code": 200, "headers": {}, "body": b"{}"}
    assert "TrainingJobSummaries" in unreadable_reason(listing, answer)
    whole = {**answer, "body": b'{"TrainingJobSummaries": []}'}
    assert unreadable_reason(listing, whole) == ""
    assert unreadable_reason(model.operation_model("StopTrainingJob"), answer) == ""
    sts = botocore.session.get_session().get_service_model("sts")
    caller = sts.operation_model("GetCallerIdentity")
    assert "XML" in unreadable_reason(caller, {**answer, "body": b"<Get"})
    assert "not a GetCallerIdentity" in unreadable_reason(caller, {**answer, "body": b"<a/>"})


def test_the_body_decides_html_not_the_label() -> None:
    """moto labels its CloudWatch Logs JSON answers ``text/html``: that JSON is an answer;
    a login page is not, whatever its label says."""
    import botocore.session

    from console.aws.answers import unreadable_reason

    logs = botocore.session.get_session().get_service_model("logs")
    filtered = logs.operation_model("FilterLogEvents")
    labelled_html = {"content-type": "text/html; charset=utf-8"}
    json_body = {"status_code": 200, "headers": labelled_html, "body": b'{"events": []}'}
    assert unreadable_reason(filtered, json_body) == ""
    page = b"<html><body>Sign in to the proxy</body></html>"
    for headers in (labelled_html, {"content-type": "application/x-amz-json-1.1"}):
        answer = {"status_code": 200, "headers": headers, "body": page}
        assert "HTML" in unreadable_reason(filtered, answer)
    bare = {"status_code": 200, "headers": labelled_html, "body": b"<p>login</p>"}
    assert "HTML" in unreadable_reason(filtered, bare)


# --- mutations whose answer is not an answer --------------------------------------------

MUTATIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    # command: (AWS action, CLI args, the read-back's describe)
    "experiment-create": ("CreateExperiment", ("exp-new",), "ListExperiments"),
    "training-create": (
        "CreateTrainingJob",
        ("t-new", IMAGE, "s3://input-bkt/d", "s3://output-bkt/o", "--role", ROLE),
        "DescribeTrainingJob",
    ),
    "model-package-approve": ("UpdateModelPackage", ("{package}", "--yes"), "DescribeModelPackage"),
}


def _args(args: tuple[str, ...], package: str) -> list[str]:
    return [package if a == "{package}" else a for a in args]


@pytest.mark.parametrize("kind", NOT_ANSWERS)
@pytest.mark.parametrize("command", sorted(MUTATIONS))
def test_a_mutation_answered_with_no_answer_is_unknown_and_read_back(
    command: str, kind: str, proxy: FaultProxy, aws: Any, run_cli: Any
) -> None:
    action, args, describe = MUTATIONS[command]
    package = pending_version(aws, "grp")
    proxy.add(Fault(kind, "sagemaker", action, times=1))
    reads_before = proxy.calls(describe)
    result = run_cli(command, *_args(args, package))
    assert_one_error(result, 8, "unreadable answer from sagemaker")
    assert proxy.calls(describe) > reads_before  # the state was read back
    found = "it took effect" if kind == "short" else "it did not take effect"
    assert found in result.stderr  # "short" forwards (applied); the others never did
    assert proxy.delivered(action) == (1 if kind == "short" else 0)
    (record,) = [r for r in audit_records() if r["action"] == command]
    assert record["outcome"] == "unknown" and f"read back: {found}" in record["detail"]
    intent, outcome = [r for r in audit_records(intents=True) if r["action"] == command]
    assert (intent["outcome"], outcome["outcome"]) == ("intent", "unknown")


# --- 500/503 after the change was applied: sent once, read back --------------------------


@pytest.mark.parametrize("kind", ["500_after", "503_after"])
@pytest.mark.parametrize("command", sorted(MUTATIONS))
def test_a_5xx_after_applying_is_never_resent(
    command: str, kind: str, proxy: FaultProxy, aws: Any, run_cli: Any
) -> None:
    action, args, _ = MUTATIONS[command]
    package = pending_version(aws, "grp")
    proxy.add(Fault(kind, "sagemaker", action))  # every attempt: a resend would land too
    result = run_cli(command, *_args(args, package))
    assert proxy.delivered(action) == 1
    assert proxy.delivered_twice() == 0
    assert result.exit_code == 0, result.stderr  # applied, and reading back confirms it
    (record,) = [r for r in audit_records() if r["action"] == command]
    assert record["outcome"] == "ok" and "confirmed by reading back" in record["detail"]
    sm = aws.client("sagemaker")
    if command == "experiment-create":
        assert _exists(sm.describe_experiment, ExperimentName="exp-new")
    elif command == "training-create":
        assert _exists(sm.describe_training_job, TrainingJobName="t-new")
    else:
        described = sm.describe_model_package(ModelPackageName=package)
        assert described["ModelApprovalStatus"] == "Approved"


def test_a_5xx_on_a_change_that_did_not_happen_is_an_error_and_not_resent(
    proxy: FaultProxy, aws: Any, run_cli: Any
) -> None:
    proxy.add(Fault("503", "sagemaker", "CreateExperiment"))  # refused before applying
    result = run_cli("experiment-create", "exp-new")
    assert_one_error(result, 10, "did not take effect")
    assert proxy.calls("CreateExperiment") == 1
    (record,) = [r for r in audit_records() if r["action"] == "experiment-create"]
    assert record["outcome"] == "error"


def test_reads_are_still_retried_after_a_5xx(proxy: FaultProxy, aws: Any, run_cli: Any) -> None:
    proxy.add(Fault("503", "sagemaker", "ListExperiments", times=1))
    assert run_cli("experiment-list").exit_code == 0
    assert proxy.calls("ListExperiments") == 2


# --- the audit log cannot be written: nothing is sent --------------------------------------


def _dir(path: Path) -> None:
    path.mkdir(parents=True)


def _parent_is_file(path: Path) -> None:
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    path.parent.write_text("not a directory")


def _disk_full(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("/dev/full")


@pytest.mark.parametrize("breakage", [_dir, _parent_is_file, _disk_full])
@pytest.mark.parametrize("command", sorted(MUTATIONS))
def test_an_unwritable_audit_log_means_nothing_is_sent(
    command: str,
    breakage: Any,
    proxy: FaultProxy,
    aws: Any,
    run_cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    action, args, _ = MUTATIONS[command]
    package = pending_version(aws, "grp")
    log = tmp_path / "audit" / "log.jsonl"
    breakage(log)
    monkeypatch.setenv("SMCONSOLE_AUDIT_LOG", str(log))
    result = run_cli(command, *_args(args, package))
    assert_one_error(result, 13, "cannot write the audit log")
    assert "internal error" not in result.stderr
    assert proxy.delivered(action) == 0


def test_an_outcome_follows_its_intent(tmp_path: Path) -> None:
    from console.aws.session import AwsContext
    from console.gate import MutationGate

    gate = MutationGate(AuditLog(tmp_path / "a.jsonl"), AwsContext())
    seen: list[list[str]] = []

    def act() -> int:
        seen.append([r.outcome for r in gate.audit.records(intents=True)])
        return 1

    assert gate.run("x", "t", {}, act) == 1
    assert seen == [["intent"]]  # written (and fsync'd) before the call ran
    assert [r.outcome for r in gate.audit.records(intents=True)] == ["intent", "ok"]


# --- secrets in free text -----------------------------------------------------------------


def test_passwords_in_urls_and_token_assignments_are_redacted(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    planted = {
        "db": "postgres://u:S3cretPw@h/db",
        "HyperParameters": {"url": "mysql://admin:Hunter22@db:3306/x", "lr": "0.1"},
        "comment": "run with token=abc123XYZ and password=pa55 secret: 's p' api_key=K1",
        "query": "https://h/x?user=me&access_token=tok987&page=2",
    }
    log.write(AuditRecord("t", "c", "p", "r", "a", "x", planted, "ok", "detail token=tok555"))
    text = log.path.read_text()
    for secret in ("S3cretPw", "Hunter22", "abc123XYZ", "pa55", "'s p'", "K1", "tok987", "tok555"):
        assert secret not in text, secret
    (record,) = log.records()
    assert record.params["db"] == "postgres://u:***@h/db"
    assert record.params["HyperParameters"]["lr"] == "0.1"
    assert "user=me" in record.params["query"] and "page=2" in record.params["query"]


def test_a_hyperparameter_password_never_reaches_the_audit_log(
    proxy: FaultProxy, aws: Any, run_cli: Any
) -> None:
    args = ("t-hp", IMAGE, "s3://input-bkt/d", "s3://output-bkt/o", "--role", ROLE)
    hps = ("--hp", "db=postgres://u:PlantedPw1@h/db", "--hp", "note=token=PlantedTok2")
    assert run_cli("training-create", *args, *hps).exit_code == 0
    text = json.dumps(audit_records(intents=True))
    assert "PlantedPw1" not in text and "PlantedTok2" not in text
    assert "postgres://u:***@h/db" in text


# --- every mutating call the services send has a read-back ---------------------------------


def test_every_mutating_call_the_services_send_has_a_read_back() -> None:
    """A lost answer to any of them is settled by reading back (or knowingly "unknown")."""
    import re

    import botocore.session
    from botocore import xform_name

    from console.aws.readback import CANNOT_TELL, READ_BACKS
    from console.aws.session import is_mutating

    root = Path(__file__).resolve().parents[3] / "console"
    called = {
        name
        for path in root.rglob("*.py")
        for name in re.findall(r"\.client(?:\([^)]*\))?\.([a-z_]+)\b", path.read_text())
    }
    session = botocore.session.get_session()
    operations = set()
    for service in ("sagemaker", "iam", "sagemaker-runtime", "logs"):
        model = session.get_service_model(service)
        by_method = {xform_name(op): op for op in model.operation_names}
        operations |= {by_method[m] for m in called if m in by_method}
    mutating = {op for op in operations if is_mutating(op)}
    assert {"CreateTrainingJob", "UpdateModelPackage", "StopNotebookInstance"} <= mutating
    assert mutating - set(READ_BACKS) - CANNOT_TELL == set()


def test_the_audit_log_is_created_private(tmp_path: Path) -> None:
    """README: the audit log is created mode 0600 (it names callers and targets)."""
    import stat

    from console.audit import AuditLog, AuditRecord

    log = AuditLog(tmp_path / "state" / "audit.jsonl")
    log.write(AuditRecord("t", "c", "p", "r", "notebook-stop", "nb", {}, "refused"))
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
