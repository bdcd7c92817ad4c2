"""Training/processing/tuning jobs through our services and the training-* CLI."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.errors import NotFoundError, ValidationError
from console.services.jobs import TrainingJob, TrainingSpec

ROLE = "arn:aws:iam::123456789012:role/sm"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"


def create_job(sm, name: str, **extra) -> None:
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://output-bkt/x"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        **extra,
    )


@pytest.fixture
def ctx(aws) -> ConsoleContext:
    return ConsoleContext(load_config())


def test_list_matches_boto3(aws, ctx) -> None:
    sm = aws.client("sagemaker")
    for i in range(5):
        create_job(sm, f"job-{i}")
    ours = [job.name for job in ctx.jobs.list_training_jobs()]
    theirs = [
        s["TrainingJobName"]
        for s in sm.list_training_jobs(SortBy="CreationTime", SortOrder="Descending")[
            "TrainingJobSummaries"
        ]
    ]
    assert ours == theirs
    assert [job.name for job in ctx.jobs.list_training_jobs(limit=2)] == theirs[:2]
    assert [job.name for job in ctx.jobs.list_training_jobs(name_contains="job-3")] == ["job-3"]


def test_list_status_filter_is_case_insensitive_and_checked(aws, ctx) -> None:
    create_job(aws.client("sagemaker"), "done-1")
    assert [j.status for j in ctx.jobs.list_training_jobs(status="completed")] == ["Completed"]
    with pytest.raises(ValidationError, match="unknown training job status"):
        list(ctx.jobs.list_training_jobs(status="Running"))


def test_describe_record(aws, ctx) -> None:
    create_job(
        aws.client("sagemaker"),
        "spot-1",
        HyperParameters={"lr": "0.1"},
        EnableManagedSpotTraining=True,
        CheckpointConfig={"S3Uri": "s3://ckpt/x"},
    )
    job = ctx.jobs.describe_training_job("spot-1")
    assert isinstance(job, TrainingJob)
    assert (job.name, job.spot, job.hyperparameters) == ("spot-1", True, {"lr": "0.1"})
    assert job.checkpoint_uri == "s3://ckpt/x"
    assert job.to_dict()["created"].endswith("+00:00")
    with pytest.raises(NotFoundError):
        ctx.jobs.describe_training_job("nope")


def test_spot_savings() -> None:
    base = TrainingJob.from_api(
        {
            "TrainingJobName": "x",
            "EnableManagedSpotTraining": True,
            "TrainingTimeInSeconds": 1000,
            "BillableTimeInSeconds": 300,
        }
    )
    assert base.spot_savings == pytest.approx(0.7)
    on_demand = TrainingJob.from_api({"TrainingJobName": "y", "TrainingTimeInSeconds": 10})
    assert on_demand.spot_savings is None


def test_incremental_lister_finds_new_jobs(aws, ctx) -> None:
    sm = aws.client("sagemaker")
    for i in range(12):
        create_job(sm, f"inc-{i}")
    lister = ctx.jobs.training_lister()
    first = lister.refresh()
    assert first.full and len(first.items) == 12
    # Nothing changed: the second refresh only asks for what changed since the high water.
    second = lister.refresh()
    assert not second.full and len(second.items) == 12
    assert {job.name for job in second.changed} <= {job.name for job in first.items}
    create_job(sm, "inc-new")
    third = lister.refresh()
    assert "inc-new" in {job.name for job in third.changed}
    assert len(third.items) == 13


def count_list_calls(ctx) -> list[int]:
    calls: list[int] = []
    ctx.sessions.client("sagemaker").meta.events.register(
        "before-call.sagemaker.ListTrainingJobs", lambda **_: calls.append(1)
    )
    return calls


def test_incremental_refresh_is_correct_on_mis_sorted_listings(aws, ctx) -> None:
    """moto ignores SortBy (oldest first): the early stop must notice and read on."""
    from moto.sagemaker.models import sagemaker_backends

    sm = aws.client("sagemaker")
    backend = sagemaker_backends["123456789012"]["us-east-1"]
    for i in range(150):
        create_job(sm, f"old-{i:03d}")
    for job in backend.training_jobs.values():  # make history really old
        job.creation_time = job.creation_time - timedelta(days=3)
    lister = ctx.jobs.training_lister()
    assert len(lister.refresh().items) == 150
    for i in range(3):
        create_job(sm, f"new-{i}")
    delta = lister.refresh()
    assert {job.name for job in delta.changed} == {"new-0", "new-1", "new-2"}
    assert len(delta.items) == 153


def _summaries(stamps: list[datetime], status: str = "Completed") -> list:
    from console.services.jobs import JobSummary

    return [
        JobSummary("training", f"j{i}", status, "", stamp, stamp, None)
        for i, stamp in enumerate(stamps)
    ]


def test_early_stop_reads_one_page_on_a_newest_first_service() -> None:
    from console.services.jobs import _newest_first_until

    now = datetime(2026, 11, 23, tzinfo=UTC)
    pages = [
        _summaries([now - timedelta(minutes=m) for m in range(p * 100, p * 100 + 100)])
        for p in range(50)
    ]
    consumed = []

    def source():
        for page in pages:
            consumed.append(page)
            yield page

    out = list(_newest_first_until(now - timedelta(minutes=10), source()))
    assert len(consumed) == 1 and len(out) == 100
    consumed.clear()
    out = list(_newest_first_until(now - timedelta(minutes=250), source()))
    assert len(consumed) == 3
    # Ascending order (a service ignoring SortBy): no early stop, nothing missed.
    consumed.clear()
    ascending = [list(reversed(page)) for page in reversed(pages)]
    pages[:] = ascending
    out = list(_newest_first_until(now - timedelta(minutes=10), source()))
    assert len(consumed) == 50 and len(out) == 5000


def test_lister_rereads_from_the_oldest_job_that_can_change() -> None:
    from console.services.incremental import OVERLAP, IncrementalLister

    now = datetime(2026, 11, 23, tzinfo=UTC)
    jobs = _summaries([now, now - timedelta(days=2)])
    jobs[1] = dataclasses.replace(jobs[1], status="InProgress")
    asked = []

    def fetch(since):
        asked.append(since)
        return jobs

    lister = IncrementalLister(
        fetch, lambda j: j.name, lambda j: j.created, lambda j: j.transitional
    )
    lister.refresh()
    lister.refresh()
    assert asked == [None, now - timedelta(days=2) - OVERLAP]
    jobs[1] = dataclasses.replace(jobs[1], status="Completed")
    lister.refresh()
    lister.refresh()
    assert asked[-1] == now - OVERLAP


def test_spec_validation_before_sending(ctx) -> None:
    good = dict(
        name="ok-1",
        image=IMAGE,
        s3_input="s3://input-bkt/x",
        s3_output="s3://output-bkt/y",
        role_arn=ROLE,
    )
    TrainingSpec(**good).validated()
    cases = {
        "name": ("bad_name", "valid SageMaker name"),
        "s3_input": ("in/x", "must start with s3://"),
        "role_arn": ("", "no execution role"),
        "instance_type": ("m5.large", "instance type"),
        "instance_count": (0, "instance count"),
    }
    for field, (value, fragment) in cases.items():
        with pytest.raises(ValidationError, match=fragment):
            TrainingSpec(**{**good, field: value}).validated()
    with pytest.raises(ValidationError, match="--max-wait"):
        TrainingSpec(**good, spot=True).validated()
    with pytest.raises(ValidationError, match="must be >= max runtime"):
        TrainingSpec(**good, spot=True, max_wait_seconds=10, max_runtime_seconds=100).validated()
    with pytest.raises(ValidationError, match="only applies with --spot"):
        TrainingSpec(**good, max_wait_seconds=10).validated()


def test_spec_to_api_spot() -> None:
    spec = TrainingSpec(
        name="s",
        image=IMAGE,
        s3_input="s3://input-bkt/x",
        s3_output="s3://output-bkt/y",
        role_arn=ROLE,
        spot=True,
        max_wait_seconds=7200,
        max_runtime_seconds=3600,
        checkpoint_uri="s3://ckpt/k",
        hyperparameters={"epochs": "3"},
    ).validated()
    request = spec.to_api()
    assert request["EnableManagedSpotTraining"] is True
    assert request["StoppingCondition"] == {
        "MaxRuntimeInSeconds": 3600,
        "MaxWaitTimeInSeconds": 7200,
    }
    assert request["CheckpointConfig"] == {"S3Uri": "s3://ckpt/k"}
    assert request["HyperParameters"] == {"epochs": "3"}


def test_tuning_and_processing_listing(aws, ctx) -> None:
    sm = aws.client("sagemaker")
    sm.create_processing_job(
        ProcessingJobName="proc-1",
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 10,
            }
        },
        AppSpecification={"ImageUri": IMAGE},
        RoleArn=ROLE,
    )
    (proc,) = ctx.jobs.list_processing_jobs()
    assert (proc.kind, proc.name) == ("processing", "proc-1")
    assert ctx.jobs.describe_processing_job("proc-1").image == IMAGE
    assert list(ctx.jobs.list_tuning_jobs()) == []


# --- CLI --------------------------------------------------------------------------------


def test_cli_training_create_list_describe(aws, run_cli) -> None:
    created = run_cli(
        "training-create",
        "cli-job",
        IMAGE,
        "s3://input-bkt/data",
        "s3://output-bkt/o",
        "--role",
        ROLE,
        "--instance-type",
        "ml.g5.xlarge",
        "--hp",
        "lr=0.01",
        "--spot",
        "--max-wait",
        "90000",
        "--checkpoint-s3",
        "s3://ckpt/cli-job",
    )
    assert created.exit_code == 0, created.stderr
    assert "created training job cli-job" in created.stdout
    described = aws.client("sagemaker").describe_training_job(TrainingJobName="cli-job")
    assert described["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"
    assert described["HyperParameters"] == {"lr": "0.01"}
    listing = run_cli("training-list")
    assert listing.exit_code == 0 and "cli-job" in listing.stdout
    detail = run_cli("training-describe", "cli-job", "--json")
    assert detail.json()["instance_type"] == "ml.g5.xlarge"
    assert detail.json()["arn"] == described["TrainingJobArn"]


def test_cli_training_create_uses_config_role(aws, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("SMCONSOLE_EXECUTION_ROLE_ARN", ROLE)
    result = run_cli("training-create", "cfg-role", IMAGE, "s3://input-bkt/d", "s3://output-bkt/o")
    assert result.exit_code == 0, result.stderr
    assert (
        aws.client("sagemaker").describe_training_job(TrainingJobName="cfg-role")["RoleArn"] == ROLE
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            (
                "training-create",
                "bad_name",
                IMAGE,
                "s3://input-bkt/d",
                "s3://output-bkt/o",
                "--role",
                ROLE,
            ),
            "valid SageMaker name",
        ),
        (
            ("training-create", "n", IMAGE, "in/d", "s3://output-bkt/o", "--role", ROLE),
            "must start with s3://",
        ),
        (
            ("training-create", "n", IMAGE, "s3://input-bkt/d", "s3://output-bkt/o"),
            "no execution role",
        ),
        (
            (
                "training-create",
                "n",
                IMAGE,
                "s3://input-bkt/d",
                "s3://output-bkt/o",
                "--role",
                ROLE,
                "--hp",
                "lr",
            ),
            "KEY=VALUE",
        ),
        (("training-describe", "missing"), "Could not find"),
        (("training-describe", "a;b"), "valid SageMaker name"),
    ],
)
def test_cli_training_bad_input(aws, run_cli, args, fragment) -> None:
    result = run_cli(*args)
    assert result.exit_code != 0
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing was created by a refused create.
    assert aws.client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []


def test_cli_training_list_bad_status(aws, run_cli) -> None:
    result = run_cli("training-list", "--status", "Running")
    assert result.exit_code == 2
    assert "Invalid value for '--status'" in result.stderr


def test_cli_stop_needs_confirmation_without_terminal(aws, run_cli) -> None:
    create_job(aws.client("sagemaker"), "to-stop")
    result = run_cli("training-stop", "to-stop")
    assert result.exit_code == 4
    assert "pass --yes" in result.stderr


def test_cli_stop_read_only_refused_before_asking(aws, run_cli) -> None:
    result = run_cli("--read-only", "training-stop", "to-stop", "--yes")
    assert result.exit_code == 3
    assert "read-only" in result.stderr


def test_a_listed_job_is_compact() -> None:
    """100,000 rows are held for a session (issue 21): a job from a listing keeps no
    instance dict and nothing of the API dict, one object for each repeated text, and
    one for equal times; text is made inert before it is shared."""
    import gc
    import sys

    from console.services.jobs import _summary

    def listed(i: int, status: str) -> dict[str, object]:
        created = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=i)
        ended = created + timedelta(minutes=5)
        return {
            "TrainingJobName": f"job-{i}",
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:1:training-job/job-{i}",
            # Parsed afresh per item, as a listing's JSON is: not the same objects.
            "TrainingJobStatus": "".join(status),
            "SecondaryStatus": "".join(status),
            "CreationTime": created,
            "LastModifiedTime": datetime.fromisoformat(ended.isoformat()),
            "TrainingEndTime": ended,
        }

    first, second = (_summary("training", "TrainingJob", listed(i, "Completed")) for i in (1, 2))
    raw = listed(3, "Completed")
    third = _summary("training", "TrainingJob", raw)

    assert not hasattr(first, "__dict__")
    assert first.status is second.status is first.secondary_status
    assert first.kind is second.kind
    assert first.modified is first.ended and first.modified != first.created
    assert raw not in gc.get_referents(third) and sys.getsizeof(third) < 120
    assert third.status == "Completed" and third.name == "job-3"
    # Hostile text is made inert first: the shared copy is the inert one.
    hostile = _summary("training", "TrainingJob", listed(4, "Failed\x1b[2J"))
    assert "\x1b" not in hostile.status and hostile.status is hostile.secondary_status


def test_timestamps_share_one_zone_object() -> None:
    """botocore parses each timestamp with a new ``tzlocal()`` (a dozen objects): held
    for 100,000 jobs x 3 times, they were most of the TUI's memory (issue 21). Records
    keep one zone object per zone; the times read the same."""
    from botocore.utils import parse_timestamp
    from dateutil.tz import tzoffset

    from console.records import as_datetime

    parsed = [parse_timestamp(1_790_000_000 + i) for i in range(3)]
    assert parsed[0].tzinfo is not parsed[1].tzinfo  # what botocore gives
    held = [as_datetime(value) for value in parsed]
    assert all(h is not None and h.tzinfo is held[0].tzinfo for h in held)  # type: ignore[union-attr]
    assert [h.isoformat() for h in held if h] == [p.isoformat() for p in parsed]
    assert [h.tzname() for h in held if h] == [p.tzname() for p in parsed]
    # Another zone stays itself: the same instant written elsewhere is not merged.
    elsewhere = as_datetime(parse_timestamp(1_790_000_000).astimezone(tzoffset("X", 3600)))
    assert elsewhere is not None and elsewhere.utcoffset() == timedelta(hours=1)
