"""A job's detail, its reads against moto (issues 16, 17):

- every chart (hosts' utilisation and the algorithm metrics, with their timestamps) from
  ONE GetMetricData (:func:`job_detail_metrics`), counted on the wire;
- the pipeline execution that made a job, from its ``sagemaker:pipeline-execution-arn``
  tag (:func:`pipeline_origin`): named with the execution's display name and status, None
  for a job no pipeline made, the ARN alone once the execution is gone; remote text inert.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.services.job_extras import job_detail_metrics
from console.services.pipeline_origin import (
    EXECUTION_TAG,
    STEP_TAG,
    PipelineOrigin,
    origin_tags,
    pipeline_origin,
)
from tests.support.helpers import context
from tests.support.hostile import HOSTILE_SHORT, assert_inert_output
from tests.support.job_metrics import put_algorithm_metrics, put_host_metrics
from tests.tui.conftest import ACCOUNT, REGION, ROLE, create_training_job

JOB_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/churn-train-7"


def metric_reads(ctx: Any) -> list[str]:
    seen: list[str] = []
    ctx.sessions.client("cloudwatch").meta.events.register(
        "before-call.cloudwatch.GetMetricData", lambda **_: seen.append("GetMetricData")
    )
    return seen


def test_hosts_and_algorithm_metrics_in_one_call_with_real_times(aws: Any) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    put_host_metrics(aws, "gpu-job", "algo-1", now, 10, GPUUtilization=90.0)
    put_host_metrics(aws, "gpu-job", "algo-2", now, 10, GPUUtilization=2.0)
    # The loss was logged 40, 39, 38 minutes ago and then not for half an hour: a gap.
    put_algorithm_metrics(
        aws, "gpu-job", now - timedelta(minutes=37), 3, **{"train:loss": [3.0, 2.0, 1.5]}
    )
    put_algorithm_metrics(aws, "gpu-job", now, 2, **{"train:loss": [0.9, 0.8]})
    ctx = context()
    reads = metric_reads(ctx)
    data = job_detail_metrics(
        ctx.cloudwatch,
        "training",
        "gpu-job",
        2,
        metric_names=("train:loss", "validation:auc", "train:loss"),
        since=timedelta(hours=1),
        now=now,
    )
    assert reads == ["GetMetricData"]
    assert data.calls == 1
    assert set(data.hosts.series["GPUUtilization"]) == {"algo-1", "algo-2"}
    assert [f.host for f in data.hosts.flags if f.kind == "idle-gpu"] == ["algo-2"]
    assert data.defined == ("train:loss", "validation:auc")
    assert data.algorithm["validation:auc"] == ()  # defined, nothing published
    loss = data.algorithm["train:loss"]
    assert [v for _, v in loss] == [3.0, 2.0, 1.5, 0.9, 0.8]
    minutes_ago = [round((now - t).total_seconds() / 60) for t, _ in loss]
    assert minutes_ago == [40, 39, 38, 2, 1]  # CloudWatch's own times, gap kept


def test_the_cli_record_keeps_the_timestamps_too(aws: Any) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    put_algorithm_metrics(aws, "j", now, 3, **{"a": [1.0, 2.0, 3.0]})
    metrics = context().cloudwatch.job_metrics("j", metric_names=("a",), now=now)
    assert metrics.algorithm["a"] == (1.0, 2.0, 3.0)
    assert [p.time for p in metrics.algorithm_points["a"]] == [
        now - timedelta(minutes=3),
        now - timedelta(minutes=2),
        now - timedelta(minutes=1),
    ]


def tag(aws: Any, arn: str, **tags: str) -> None:
    aws.client("sagemaker").add_tags(
        ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )


def make_execution(aws: Any, display: str = "nightly-7") -> str:
    sm = aws.client("sagemaker")
    sm.create_pipeline(
        PipelineName="churn-pipeline",
        PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
        RoleArn=ROLE,
    )
    answer = sm.start_pipeline_execution(
        PipelineName="churn-pipeline", PipelineExecutionDisplayName=display
    )
    return str(answer["PipelineExecutionArn"])


def test_a_pipeline_job_names_its_execution_and_step(aws: Any) -> None:
    create_training_job(aws.client("sagemaker"), "churn-train-7")
    execution = make_execution(aws)
    tag(aws, JOB_ARN, **{EXECUTION_TAG: execution, STEP_TAG: "Train", "team": "churn"})
    origin = pipeline_origin(context().pipelines, JOB_ARN)
    assert origin == PipelineOrigin(execution, "churn-pipeline", "nightly-7", "Train", "Succeeded")
    assert origin.label == "churn-pipeline / nightly-7 (Succeeded) · step Train"


def test_a_job_no_pipeline_made_has_no_origin(aws: Any) -> None:
    create_training_job(aws.client("sagemaker"), "churn-train-7")
    ctx = context()
    assert pipeline_origin(ctx.pipelines, JOB_ARN) is None
    tag(aws, JOB_ARN, **{EXECUTION_TAG: "not-an-arn"})
    assert pipeline_origin(ctx.pipelines, JOB_ARN) is None
    assert pipeline_origin(ctx.pipelines, "") is None


def test_a_gone_execution_is_named_from_its_arn(aws: Any) -> None:
    create_training_job(aws.client("sagemaker"), "churn-train-7")
    gone = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/old-pipeline/execution/abc123xyz"
    tag(aws, JOB_ARN, **{EXECUTION_TAG: gone})
    origin = pipeline_origin(context().pipelines, JOB_ARN)
    assert origin == PipelineOrigin(gone, "old-pipeline", "abc123xyz")
    assert origin.label == "old-pipeline / abc123xyz"


@pytest.mark.parametrize("hostile", [HOSTILE_SHORT])
def test_hostile_step_and_display_names_are_inert(aws: Any, hostile: str) -> None:
    create_training_job(aws.client("sagemaker"), "churn-train-7")
    execution = make_execution(aws)
    tag(aws, JOB_ARN, **{EXECUTION_TAG: execution, STEP_TAG: "Train" + hostile})
    origin = pipeline_origin(context().pipelines, JOB_ARN)
    assert origin is not None and origin.step.startswith("Train")
    assert_inert_output(origin.label, where="origin label")


def test_origin_tags_reads_only_an_execution_arn() -> None:
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/p/execution/e1"
    assert origin_tags([{"Key": EXECUTION_TAG, "Value": arn}]) == (arn, "")
    assert origin_tags([{"Key": "other", "Value": arn}]) is None
    assert origin_tags([{"Key": EXECUTION_TAG, "Value": f"{arn}/extra"}]) is None
