"""Pipelines against a moto server with the demo's extras (steps, stop, retry)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from console.demo.seed import utc_now
from tests.support.hostile import HOSTILE, assert_inert_output

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [
        {"Name": "InstanceType", "Type": "String", "DefaultValue": "ml.m5.large"},
        {"Name": "Epochs", "Type": "Integer", "DefaultValue": 3},
    ],
    "Steps": [],
}
TRAIN_ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/churn-train-1"


@pytest.fixture
def extras(aws: Any) -> Iterator[Any]:
    """moto lacks ListPipelineExecutionSteps/Stop/Retry: the demo's handlers supply them."""
    from console.demo import moto_extras

    moto_extras.install(moto_extras.DemoState(notebook_url_base="http://127.0.0.1:9"))
    try:
        yield aws
    finally:
        moto_extras.uninstall()


def make_pipeline(aws: Any, name: str = "churn-pipeline") -> None:
    aws.client("sagemaker").create_pipeline(
        PipelineName=name, PipelineDefinition=json.dumps(DEFINITION), RoleArn=ROLE
    )


def start(aws: Any, name: str = "churn-pipeline") -> str:
    answer = aws.client("sagemaker").start_pipeline_execution(PipelineName=name)
    return str(answer["PipelineExecutionArn"])


def moto_execution(arn: str) -> Any:
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends["123456789012"]["us-east-1"]
    for pipeline in backend.pipelines.values():
        if arn in pipeline.pipeline_executions:
            return pipeline.pipeline_executions[arn]
    raise AssertionError(arn)


def fail_at_train(arn: str, reason: str = "ClientError: AlgorithmError: CUDA OOM") -> None:
    from console.demo.moto_extras import set_pipeline_execution

    t0 = utc_now() - timedelta(minutes=30)
    steps = [
        {
            "StepName": "Preprocess",
            "StepStatus": "Succeeded",
            "StartTime": t0,
            "EndTime": t0 + timedelta(minutes=5),
            "CacheHitResult": {"SourcePipelineExecutionArn": arn},
            "Metadata": {},
        },
        {
            "StepName": "Train",
            "StepType": "Training",
            "StepStatus": "Failed",
            "StartTime": t0 + timedelta(minutes=6),
            "EndTime": t0 + timedelta(minutes=20),
            "FailureReason": reason,
            "AttemptCount": 1,
            "Metadata": {"TrainingJob": {"Arn": TRAIN_ARN}},
        },
    ]
    set_pipeline_execution(moto_execution(arn), "Failed", steps, reason)


def test_list_pipelines_and_executions_with_status_filter(extras: Any, run_cli: Any) -> None:
    make_pipeline(extras)
    failed, running = start(extras), start(extras)
    fail_at_train(failed)
    listed = run_cli("pipeline-list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [p["name"] for p in listed.json()] == ["churn-pipeline"]
    everything = run_cli("pipeline-execution-list", "churn-pipeline", "--json").json()
    assert {e["arn"] for e in everything} == {failed, running}
    only = run_cli("pipeline-execution-list", "churn-pipeline", "--status", "failed", "--json")
    assert [e["arn"] for e in only.json()] == [failed]
    assert only.json()[0]["failure_reason"].startswith("ClientError")
    missing = run_cli("pipeline-execution-list", "nope")
    assert missing.exit_code == 5, missing.stderr


def test_describe_names_the_failed_step_and_its_job(extras: Any, run_cli: Any) -> None:
    make_pipeline(extras)
    arn = start(extras)
    fail_at_train(arn)
    data = run_cli("pipeline-execution-describe", arn, "--json").json()
    assert data["status"] == "Failed"
    assert [s["name"] for s in data["steps"]] == ["Preprocess", "Train"]
    train = data["steps"][1]
    assert (train["job_type"], train["job_name"]) == ("training", "churn-train-1")
    assert data["steps"][0]["cache_hit"] is True
    assert train["failure_reason"] == "ClientError: AlgorithmError: CUDA OOM"
    text = run_cli("pipeline-execution-describe", arn)
    assert "Train (training churn-train-1)" in text.stdout
    assert "14m00s" in text.stdout  # the Train step took 14 minutes


def test_a_running_execution_and_step_count_their_time_to_now(extras: Any) -> None:
    """While an execution runs its last change is a step's start: its duration read 0s
    right after the start, then froze; a running step had none."""
    from console.demo.moto_extras import set_pipeline_execution
    from console.demo.moto_state import patch
    from tests.support.helpers import context

    make_pipeline(extras)
    arn = start(extras)
    execution = moto_execution(arn)
    started = utc_now() - timedelta(minutes=30)

    def described(last_change_after: timedelta) -> Any:
        modified = started + last_change_after
        patch(execution, creation_time=started, start_time=started, last_modified_time=modified)
        return context().pipelines.describe_execution(arn)

    step = {"StepName": "Train", "StepType": "Training", "StepStatus": "Executing"}
    set_pipeline_execution(execution, "Executing", [{**step, "StartTime": started}])
    running = described(timedelta(minutes=1))
    assert running.duration_s is not None and running.duration_s >= 30 * 60
    assert running.steps[0].duration_s is not None and running.steps[0].duration_s >= 30 * 60
    fail_at_train(arn)
    ended = described(timedelta(minutes=20))
    assert ended.duration_s == 20 * 60  # until its last change
    assert ended.steps[1].duration_s == 14 * 60


def test_start_with_parameters_checks_the_declared_ones(extras: Any, run_cli: Any) -> None:
    make_pipeline(extras)
    bad = run_cli("pipeline-execution-start", "churn-pipeline", "--param", "Epoch=5", "--yes")
    assert bad.exit_code == 2
    assert "Epoch" in bad.stderr and "InstanceType=ml.m5.large" in bad.stderr
    assert "Epochs=3" in bad.stderr
    client = extras.client("sagemaker")
    assert (
        client.list_pipeline_executions(PipelineName="churn-pipeline")["PipelineExecutionSummaries"]
        == []
    )
    ok = run_cli(
        "pipeline-execution-start", "churn-pipeline", "--param", "Epochs=5", "--yes", "--json"
    )
    assert ok.exit_code == 0, ok.stderr
    arn = ok.json()["arn"]
    params = client.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)
    assert params["PipelineParameters"] == [{"Name": "Epochs", "Value": "5"}]
    described = run_cli("pipeline-execution-describe", arn, "--json").json()
    assert described["parameters"] == [["Epochs", "5"]]
    declared = run_cli("pipeline-parameters", "churn-pipeline", "--json").json()
    assert declared == [
        {"name": "InstanceType", "type": "String", "default": "ml.m5.large"},
        {"name": "Epochs", "type": "Integer", "default": "3"},
    ]


def test_stop_and_retry_go_through_the_gate(extras: Any, run_cli: Any) -> None:
    from console.demo.moto_extras import set_pipeline_execution

    make_pipeline(extras)
    running, failed = start(extras), start(extras)
    set_pipeline_execution(moto_execution(running), "Executing", [])
    fail_at_train(failed)
    client = extras.client("sagemaker")

    assert run_cli("pipeline-execution-stop", running, "--yes").exit_code == 0
    status = client.describe_pipeline_execution(PipelineExecutionArn=running)
    assert status["PipelineExecutionStatus"] == "Stopping"
    again = run_cli("pipeline-execution-stop", failed, "--yes")
    assert again.exit_code == 10 and "Failed" in again.stderr

    assert run_cli("pipeline-execution-retry", failed, "--yes").exit_code == 0
    retried = run_cli("pipeline-execution-describe", failed, "--json").json()
    assert retried["status"] == "Executing"
    assert retried["steps"][1]["status"] == "Executing"
    assert retried["steps"][1]["attempts"] == 2

    refused = run_cli("--read-only", "pipeline-execution-retry", failed, "--yes")
    assert refused.exit_code == 3
    unconfirmed = run_cli("pipeline-execution-stop", failed)
    assert unconfirmed.exit_code == 4


def test_hostile_names_and_failure_reasons_are_inert(extras: Any, run_cli: Any) -> None:
    from console.demo.moto_extras import set_pipeline_execution

    make_pipeline(extras)
    arn = start(extras)
    fail_at_train(arn, reason=HOSTILE)
    execution = moto_execution(arn)
    steps = [dict(s, StepName=HOSTILE) for s in execution.demo_steps]
    set_pipeline_execution(execution, "Failed", steps, HOSTILE)
    for args in (
        ("pipeline-execution-describe", arn),
        ("pipeline-execution-describe", arn, "--json"),
        ("pipeline-execution-list", "churn-pipeline"),
    ):
        result = run_cli(*args)
        assert result.exit_code == 0, result.stderr
        assert_inert_output(result.stdout)


def test_bad_execution_arn_is_refused_before_sending(extras: Any, run_cli: Any) -> None:
    result = run_cli("pipeline-execution-describe", "arn:aws:sagemaker:us-east-1:1:model/x")
    assert result.exit_code == 2
    assert "hint:" in result.stderr


@pytest.mark.parametrize("kind", ["garbage", "short"])
def test_a_garbage_answer_to_a_stop_is_unknown_not_success(
    extras: Any, run_cli: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 200 that is not an answer: audited ``unknown``, read back, never sent twice."""
    from console.demo.moto_extras import set_pipeline_execution
    from tests.support.fault_proxy import Fault, FaultProxy
    from tests.support.helpers import audit_records

    make_pipeline(extras)
    arn = start(extras)
    set_pipeline_execution(moto_execution(arn), "Executing", [])
    proxy = FaultProxy(extras.url).start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        proxy.add(Fault(kind, "sagemaker", "StopPipelineExecution", times=1))
        result = run_cli("pipeline-execution-stop", arn, "--yes")
        assert result.exit_code == 8, result.stderr
        assert proxy.delivered("StopPipelineExecution") == (1 if kind == "short" else 0)
    finally:
        proxy.stop()
    found = "it took effect" if kind == "short" else "it did not take effect"
    (record,) = [r for r in audit_records() if r["action"] == "pipeline-execution-stop"]
    assert record["outcome"] == "unknown" and f"read back: {found}" in record["detail"]
