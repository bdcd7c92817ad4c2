"""Batch transform commands against a moto server (stop: the demo's extra handler)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.hostile import HOSTILE, assert_inert_output

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1"


@pytest.fixture
def extras(aws: Any) -> Iterator[Any]:
    from console.demo import moto_extras

    moto_extras.install(moto_extras.DemoState(notebook_url_base="http://127.0.0.1:9"))
    try:
        yield aws
    finally:
        moto_extras.uninstall()


def make_model(aws: Any) -> None:
    aws.client("sagemaker").create_model(
        ModelName="churn-model",
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://models-bkt/m.tar.gz"},
        ExecutionRoleArn=ROLE,
    )


def test_create_defaults_to_m5_large_and_lists_and_describes(aws: Any, run_cli: Any) -> None:
    make_model(aws)
    made = run_cli(
        "transform-create", "score-1", "churn-model", "s3://in-bkt/d", "s3://out-bkt/o", "--json"
    )
    assert made.exit_code == 0, made.stderr
    assert made.json()["arn"].endswith(":transform-job/score-1")
    sent = aws.client("sagemaker").describe_transform_job(TransformJobName="score-1")
    assert sent["TransformResources"] == {"InstanceType": "ml.m5.large", "InstanceCount": 1}
    bigger = run_cli(
        "transform-create",
        "score-2",
        "churn-model",
        "s3://in-bkt/d",
        "s3://out-bkt/o",
        "ml.c5.xlarge",
        "3",
        "--content-type",
        "text/csv",
        "--split",
        "Line",
    )
    assert bigger.exit_code == 0, bigger.stderr
    assert "creating transform job score-2" in bigger.stdout
    listed = run_cli("transform-list", "--json").json()
    assert {j["name"] for j in listed} == {"score-1", "score-2"}
    assert {j["kind"] for j in listed} == {"xform"}
    described = run_cli("transform-describe", "score-2", "--json").json()
    assert (described["instance_type"], described["instance_count"]) == ("ml.c5.xlarge", 3)
    assert (described["input_uri"], described["output_uri"]) == ("s3://in-bkt/d", "s3://out-bkt/o")
    assert (described["input_content_type"], described["split_type"]) == ("text/csv", "Line")
    text = run_cli("transform-describe", "score-2")
    assert "3 x ml.c5.xlarge" in text.stdout


def test_bad_instance_type_is_refused_before_sending(aws: Any, run_cli: Any) -> None:
    result = run_cli(
        "transform-create", "score-1", "m", "s3://in-bkt/d", "s3://out-bkt/o", "ml.m5.huge"
    )
    assert result.exit_code == 2 and "hint:" in result.stderr
    jobs = aws.client("sagemaker").list_transform_jobs()["TransformJobSummaries"]
    assert jobs == []


def test_stop_asks_and_goes_through_the_gate(extras: Any, run_cli: Any) -> None:
    from moto.sagemaker.models import sagemaker_backends

    make_model(extras)
    assert (
        run_cli(
            "transform-create", "score-1", "churn-model", "s3://in-bkt/d", "s3://out-bkt/o"
        ).exit_code
        == 0
    )
    job = sagemaker_backends["123456789012"]["us-east-1"].transform_jobs["score-1"]
    job.transform_job_status = "InProgress"
    assert run_cli("transform-stop", "score-1").exit_code == 4  # no terminal, no --yes
    stopped = run_cli("transform-stop", "score-1", "--yes")
    assert stopped.exit_code == 0, stopped.stderr
    assert run_cli("transform-describe", "score-1", "--json").json()["status"] == "Stopping"
    again = run_cli("transform-stop", "score-1", "--yes")
    assert again.exit_code != 0 and "Stopping" in again.stderr


def test_logs_merge_every_host(aws: Any, run_cli: Any) -> None:
    make_model(aws)
    run_cli("transform-create", "score-1", "churn-model", "s3://in-bkt/d", "s3://out-bkt/o")
    logs = aws.client("logs")
    group = "/aws/sagemaker/TransformJobs"
    base = int(time.time() * 1000) - 60_000
    logs.create_log_group(logGroupName=group)
    for index, stream in enumerate(("score-1/i-0aaa-1700000000", "score-1/i-0bbb-1700000000")):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[
                {"timestamp": base + 1000 * (2 * i + index), "message": f"{stream} {i}"}
                for i in range(2)
            ]
            + ([{"timestamp": base + 9000, "message": HOSTILE}] if index else []),
        )
    result = run_cli("transform-logs", "score-1")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(" | ")[1] for line in lines[:4]] == [
        "score-1/i-0aaa-1700000000 0",
        "score-1/i-0bbb-1700000000 0",
        "score-1/i-0aaa-1700000000 1",
        "score-1/i-0bbb-1700000000 1",
    ]
    assert_inert_output(result.stdout)
    missing = run_cli("transform-logs", "nope")
    assert missing.exit_code == 5
