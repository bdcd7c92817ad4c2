"""processing-*, tuning-* and status: happy paths, bad input, counts against boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.services import status as status_module

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/prep:1"


def _create(run_cli: Any, name: str, *extra: str) -> Any:
    return run_cli(
        "processing-create",
        name,
        IMAGE,
        "s3://bucket/in",
        "s3://bucket/out",
        "--role",
        ROLE,
        *extra,
    )


def _audit(home: Any) -> list[dict[str, Any]]:
    """The audit's outcome records (the ``intent`` written before each call left out)."""
    path = home / ".local/state/smconsole/audit.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [r for r in map(json.loads, lines) if r["outcome"] != "intent"]


# --- processing ---------------------------------------------------------------------


def test_processing_create_describe_list(aws: Any, run_cli: Any, isolated_env: Any) -> None:
    created = _create(
        run_cli,
        "prep-1",
        "--instance-type",
        "ml.c5.2xlarge",
        "--instance-count",
        "2",
        "--volume-gb",
        "50",
        "--max-runtime",
        "3600",
        "--env",
        "MODE=fast",
        "--env",
        "API_TOKEN=hunter2",
        "--entrypoint",
        "python3 /opt/ml/code/run.py --x 'a b'",
    )
    assert created.exit_code == 0, created.stderr
    assert created.stdout.startswith("created processing job prep-1: arn:aws:sagemaker:")

    described = run_cli("processing-describe", "prep-1", "--json")
    assert described.exit_code == 0, described.stderr
    data = described.json()
    raw = aws.client("sagemaker").describe_processing_job(ProcessingJobName="prep-1")
    assert data["arn"] == raw["ProcessingJobArn"]
    assert data["status"] == raw["ProcessingJobStatus"]
    assert data["inputs"] == [{"name": "input", "s3_uri": "s3://bucket/in"}]
    assert data["outputs"] == [{"name": "output", "s3_uri": "s3://bucket/out"}]

    # moto 5.2.5 drops ProcessingResources, Environment and ContainerEntrypoint from
    # describe; the audit record shows what was sent (and never the environment's values).
    records = [r for r in _audit(isolated_env) if r["action"] == "processing-create"]
    assert len(records) == 1 and records[0]["outcome"] == "ok"
    sent = records[0]["params"]
    cluster = sent["ProcessingResources"]["ClusterConfig"]
    assert cluster == {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50}
    assert sent["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert sent["AppSpecification"]["ContainerEntrypoint"] == [
        "python3",
        "/opt/ml/code/run.py",
        "--x",
        "a b",
    ]
    assert "hunter2" not in json.dumps(records[0])

    human = run_cli("processing-describe", "prep-1")
    assert human.exit_code == 0 and "input=s3://bucket/in" in human.stdout
    assert "Completed" in human.stdout and "hunter2" not in human.stdout

    _create(run_cli, "prep-2")
    listed = run_cli("processing-list", "--json")
    assert listed.exit_code == 0, listed.stderr
    names = [row["name"] for row in listed.json()]
    raw_names = [
        s["ProcessingJobName"]
        for s in aws.client("sagemaker").list_processing_jobs()["ProcessingJobSummaries"]
    ]
    assert sorted(names) == sorted(raw_names) == ["prep-1", "prep-2"]
    assert run_cli("--json", "processing-list", "--status", "failed").json() == []
    table = run_cli("processing-list", "--status", "Completed")
    assert table.exit_code == 0 and "prep-1" in table.stdout and "Completed" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("bad_name", IMAGE, "s3://bucket/in", "s3://bucket/out", "--role", ROLE),
            "not a valid SageMaker name",
        ),
        (
            ("prep", "bad image!", "s3://bucket/in", "s3://bucket/out", "--role", ROLE),
            "not a container image",
        ),
        (
            ("prep", IMAGE, "http://bucket/in", "s3://bucket/out", "--role", ROLE),
            "must start with s3://",
        ),
        (("prep", IMAGE, "s3://bucket/in", "s3://bucket/out"), "no execution role given"),
        (
            ("prep", IMAGE, "s3://bucket/in", "s3://bucket/out", "--role", "arn:aws:s3:::x"),
            "expected iam",
        ),
        (
            (
                "prep",
                IMAGE,
                "s3://bucket/in",
                "s3://bucket/out",
                "--role",
                ROLE,
                "--instance-type",
                "m5",
            ),
            "instance type",
        ),
        (
            (
                "prep",
                IMAGE,
                "s3://bucket/in",
                "s3://bucket/out",
                "--role",
                ROLE,
                "--env",
                "NOEQUALS",
            ),
            "KEY=VALUE",
        ),
        (
            (
                "prep",
                IMAGE,
                "s3://bucket/in",
                "s3://bucket/out",
                "--role",
                ROLE,
                "--entrypoint",
                "python 'x",
            ),
            "cannot be parsed",
        ),
        (
            (
                "prep",
                IMAGE,
                "s3://bucket/in",
                "s3://bucket/out",
                "--role",
                ROLE,
                "--max-runtime",
                "0",
            ),
            "max runtime",
        ),
    ],
)
def test_processing_create_bad_input(
    aws: Any, run_cli: Any, args: tuple[str, ...], message: str
) -> None:
    result = run_cli("processing-create", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr
    assert aws.client("sagemaker").list_processing_jobs()["ProcessingJobSummaries"] == []


def test_processing_describe_and_list_bad_input(aws: Any, run_cli: Any) -> None:
    missing = run_cli("processing-describe", "nope")
    bad = run_cli("processing-describe", "-bad-")
    status = run_cli("processing-list", "--status", "Sleeping")
    assert missing.exit_code == 5 and "Could not find processing job" in missing.stderr
    assert bad.exit_code != 0 and bad.exit_code != 5
    assert status.exit_code == 2 and "Sleeping" in status.stderr
    for result in (missing, bad, status):
        assert "Traceback" not in result.stderr


def test_processing_stop_confirms_and_is_gated(aws: Any, run_cli: Any, isolated_env: Any) -> None:
    assert _create(run_cli, "prep-stop").exit_code == 0

    no_tty = run_cli("processing-stop", "prep-stop")
    assert no_tty.exit_code == 4 and "pass --yes" in no_tty.stderr

    read_only = run_cli("--read-only", "processing-stop", "prep-stop", "--yes")
    assert read_only.exit_code == 3 and "read-only" in read_only.stderr

    stopped = run_cli("processing-stop", "prep-stop", "--yes")
    assert stopped.exit_code == 0, stopped.stderr
    assert stopped.stdout == "stopping processing job prep-stop\n"
    outcomes = [(r["action"], r["outcome"]) for r in _audit(isolated_env)]
    assert ("processing-stop", "ok") in outcomes
    # Both refusals (not confirmed, read-only) are audited, before anything was sent.
    assert outcomes.count(("processing-stop", "refused")) == 2

    bad = run_cli("processing-stop", "bad_name", "--yes")
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr


def test_processing_logs_without_logs_is_not_found(aws: Any, run_cli: Any) -> None:
    assert _create(run_cli, "quiet").exit_code == 0
    result = run_cli("processing-logs", "quiet")
    assert result.exit_code == 5
    # moto completes it at once: an ended job that wrote none (not "try --follow").
    assert result.stderr.splitlines()[0] == (
        "error: processing job quiet is Completed and wrote no logs"
    )


# --- tuning -------------------------------------------------------------------------


def _create_tuning_job(aws: Any, name: str) -> None:
    aws.client("sagemaker").create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "val:loss"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
        },
        TrainingJobDefinition={
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        },
    )


def test_tuning_list_and_describe(aws: Any, run_cli: Any) -> None:
    _create_tuning_job(aws, "tune-a")
    _create_tuning_job(aws, "tune-b")

    listed = run_cli("tuning-list", "--json")
    assert listed.exit_code == 0, listed.stderr
    raw = aws.client("sagemaker").list_hyper_parameter_tuning_jobs()[
        "HyperParameterTuningJobSummaries"
    ]
    assert sorted(r["name"] for r in listed.json()) == sorted(
        s["HyperParameterTuningJobName"] for s in raw
    )
    assert {r["kind"] for r in listed.json()} == {"tuning"}
    assert run_cli("--json", "tuning-list", "--status", "Failed").json() == []

    described = run_cli("tuning-describe", "tune-a", "--json")
    assert described.exit_code == 0, described.stderr
    data = described.json()
    assert data["name"] == "tune-a" and data["strategy"] == "Bayesian"
    assert data["objective"] == "Minimize val:loss"

    human = run_cli("tuning-describe", "tune-b")
    assert (
        human.exit_code == 0 and "Bayesian" in human.stdout and "Minimize val:loss" in human.stdout
    )
    table = run_cli("tuning-list")
    assert table.exit_code == 0 and "tune-a" in table.stdout and "tune-b" in table.stdout


def test_tuning_bad_input(aws: Any, run_cli: Any) -> None:
    too_long = run_cli("tuning-describe", "t" * 33)
    missing = run_cli("tuning-describe", "ghost")
    status = run_cli("tuning-list", "--status", "Paused")
    assert too_long.exit_code == 2 and "at most 32" in too_long.stderr
    assert missing.exit_code != 0 and missing.stderr.startswith("error: ")
    assert status.exit_code == 2
    for result in (too_long, missing, status):
        assert "Traceback" not in result.stderr


# --- status -------------------------------------------------------------------------


def _populate(aws: Any, run_cli: Any) -> None:
    sm = aws.client("sagemaker")
    for name in ("train-1", "train-2"):
        result = run_cli(
            "training-create", name, IMAGE, "s3://bucket/in", "s3://bucket/out", "--role", ROLE
        )
        assert result.exit_code == 0, result.stderr
    assert _create(run_cli, "prep-1").exit_code == 0
    _create_tuning_job(aws, "tune-1")
    sm.create_model(ModelName="model-1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    sm.create_endpoint_config(
        EndpointConfigName="config-1",
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": "model-1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName="endpoint-1", EndpointConfigName="config-1")
    sm.create_notebook_instance(
        NotebookInstanceName="notebook-1", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    sm.create_model_package_group(ModelPackageGroupName="group-1")
    for approval in ("Approved", "PendingManualApproval", "Approved"):
        sm.create_model_package(
            ModelPackageGroupName="group-1",
            ModelApprovalStatus=approval,
            InferenceSpecification={
                "Containers": [{"Image": IMAGE}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )
    # moto 5.2.5 raises KeyError (HTTP 500) without ThreadsPerCore.
    sm.create_cluster(
        ClusterName="cluster-1",
        InstanceGroups=[
            {
                "InstanceGroupName": "workers",
                "InstanceType": "ml.t3.medium",
                "InstanceCount": 2,
                "ThreadsPerCore": 1,
                "LifeCycleConfig": {
                    "SourceS3Uri": "s3://sagemaker-lc/x",
                    "OnCreate": "on_create.sh",
                },
                "ExecutionRole": ROLE,
            }
        ],
    )


def test_status_counts_match_what_was_created(aws: Any, run_cli: Any) -> None:
    _populate(aws, run_cli)

    result = run_cli("status", "--json")

    assert result.exit_code == 0, result.stderr
    data = result.json()
    overview = data["overview"]
    counts = {row["resource"]: row for row in overview["counts"]}
    expected = {
        "training jobs": (2, {"Completed": 2}),
        "processing jobs": (1, {"Completed": 1}),
        "tuning jobs": (1, {"Completed": 1}),
        "endpoints": (1, {"InService": 1}),
        "endpoint configs": (1, {}),
        "models": (1, {}),
        "notebooks": (1, {"InService": 1}),
        "model packages": (3, {"Approved": 2, "PendingManualApproval": 1}),
        "HyperPod clusters": (1, {"InService": 1}),
    }
    assert {k: (v["total"], v["by_state"]) for k, v in counts.items()} == expected
    assert all(not row["error"] and not row["capped"] for row in counts.values())
    assert overview["account"] == "123456789012"
    assert overview["caller_arn"] == aws.client("sts").get_caller_identity()["Arn"]
    assert overview["region"] == "us-east-1"
    assert overview["endpoint_url"] == aws.url
    budget = {row["service"]: row for row in data["api_budget"]["services"]}
    assert budget["sagemaker"]["calls_total"] >= 9 and budget["sts"]["calls_total"] >= 1

    human = run_cli("status")
    assert human.exit_code == 0, human.stderr
    assert "Approved=2, PendingManualApproval=1" in human.stdout
    assert f"{aws.url} (local)" in human.stdout and "API budget" in human.stdout


def test_status_keeps_going_when_one_count_fails(
    aws: Any, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto lacks ListSpaces: that row carries the error, the rest still count.
    extra = status_module._ListSpec("spaces", "list_spaces", "Spaces", "Status")
    monkeypatch.setattr(status_module, "_RAW_LISTS", (*status_module._RAW_LISTS, extra))
    monkeypatch.setattr(status_module, "COUNT_CAP", 1)
    # moto answers HTTP 500, which botocore retries with backoff: one attempt is enough.
    from console.aws.session import SessionFactory

    monkeypatch.setattr(SessionFactory, "MAX_ATTEMPTS", 1)
    for name in ("train-1", "train-2"):
        run_cli("training-create", name, IMAGE, "s3://bucket/in", "s3://bucket/out", "--role", ROLE)

    overview = ConsoleContext(load_config()).status.overview()

    spaces = overview.count("spaces")
    assert spaces.total == 0 and "not supported by this endpoint" in spaces.error
    training = overview.count("training jobs")
    assert (training.total, training.capped, training.error) == (1, True, "")
    assert overview.count("models").error == ""

    human = run_cli("status")
    assert human.exit_code == 0
    assert "error: ListSpaces is not supported" in human.stdout
    assert "1+" in human.stdout


def test_status_without_a_reachable_endpoint_reports_rows(run_cli: Any) -> None:
    # No `aws` fixture: AWS_ENDPOINT_URL points at a closed port; errors, not a crash.
    monkey_budget = run_cli("status", "--json")
    assert monkey_budget.exit_code == 0, monkey_budget.stderr
    overview = monkey_budget.json()["overview"]
    assert overview["identity_error"].startswith("could not connect")
    assert all(row["error"].startswith("could not connect") for row in overview["counts"])


def test_status_bad_option(aws: Any, run_cli: Any) -> None:
    result = run_cli("status", "--nope")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
