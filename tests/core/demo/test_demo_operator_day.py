"""The operator's day on the demo: a failed pipeline step to its job, a retry, a ranked
tuning job, transform jobs, and a create refused by the quota pre-flight with numbers."""

from __future__ import annotations

from typing import Any

from console.demo.seed import PIPELINE_NAME
from console.demo.stack import DemoStack
from tests.core.demo.test_demo import client, demo, on_demo  # noqa: F401  (module fixtures)


def test_failed_step_names_its_job_and_the_execution_retries(
    on_demo: DemoStack,  # noqa: F811
    run_cli: Any,
) -> None:
    executions = run_cli("pipeline-execution-list", PIPELINE_NAME, "--json").json()
    assert sorted(e["status"] for e in executions) == ["Executing", "Failed", "Succeeded"]
    # The pipeline was made before its runs and last ran when its newest run started.
    (pipeline,) = [
        p for p in run_cli("pipeline-list", "--json").json() if p["name"] == PIPELINE_NAME
    ]
    starts = sorted(e["started"] for e in executions)
    assert pipeline["created"] < starts[0] and pipeline["last_run"] == starts[-1]
    failed = next(e for e in executions if e["status"] == "Failed")
    detail = run_cli("pipeline-execution-describe", failed["arn"], "--json").json()
    train = next(s for s in detail["steps"] if s["status"] == "Failed")
    assert train["job_type"] == "training" and train["job_name"] == on_demo.world.oom_job
    assert "CUDA out of memory" in train["failure_reason"]
    logs = run_cli("training-logs", train["job_name"])
    assert logs.exit_code == 0 and logs.stdout.strip()
    assert run_cli("pipeline-execution-retry", failed["arn"], "--yes").exit_code == 0
    again = run_cli("pipeline-execution-describe", failed["arn"], "--json").json()
    assert again["status"] == "Executing"
    declared = run_cli("pipeline-parameters", PIPELINE_NAME, "--json").json()
    assert {p["name"] for p in declared} == {"TrainInstanceType", "Epochs", "InputData"}


def test_tuning_transform_and_quota_on_the_demo(on_demo: DemoStack, run_cli: Any) -> None:  # noqa: F811
    finished = "xgb-churn-hpo-1118-2104"
    ranked = run_cli("tuning-describe", finished, "--json").json()
    values = [t["objective"] for t in ranked["trials"] if t["objective"] is not None]
    assert values and values == sorted(values, reverse=True)  # Maximize: best first
    assert ranked["trials"][0]["best"] is True
    # Each trial tried its own values (the detail's Differs column has something to say).
    tried = {tuple(sorted(t["differing"].items())) for t in ranked["trials"]}
    assert len(tried) == len(ranked["trials"]) > 1
    assert all(dict(values).keys() == {"eta", "max_depth"} for values in tried)

    jobs = {j["name"]: j["status"] for j in run_cli("transform-list", "--json").json()}
    assert jobs["churn-batch-score-1125"] == "InProgress"
    # Its logs: every instance's container log and data log, merged (there were none).
    logs = run_cli("--json", "transform-logs", "churn-batch-score-1124")
    assert logs.exit_code == 0, logs.stderr
    lines = logs.json()
    assert len({line["stream"] for line in lines}) == 4  # 2 instances x (container, data)
    assert any("Model loaded" in line["message"] for line in lines)
    assert any("records, 0 failed" in line["message"] for line in lines)
    times = [line["timestamp"] for line in lines]
    assert times == sorted(times)

    quotas = run_cli("quota-list", "--json").json()
    tight = next(q for q in quotas if q["in_use"] == q["quota"]["limit"] - 1)
    kind = tight["quota"]["instance_type"]
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    bucket = on_demo.world.buckets["output"]
    refused = run_cli(
        "training-create",
        "too-many",
        image,
        f"s3://{bucket}/in/",
        f"s3://{bucket}/out/",
        "--instance-type",
        kind,
        "--instance-count",
        "2",
        "--role",
        on_demo.world.role_arn,
    )
    assert refused.exit_code == 2
    assert f"limit {tight['quota']['limit']:g}" in refused.stderr
    assert "request an increase" in refused.stderr
