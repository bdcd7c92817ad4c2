"""Helpers for the TUI tests: seed jobs on the moto server, build the app, wait for state."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from console.config import load_config
from console.context import ConsoleContext
from screens.app import SmConsoleApp, create_app
from screens.jobs.table import JobsTable
from screens.jobs.view import JobsView
from screens.tabs import TABS

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"


def create_training_job(sm: Any, name: str, **extra: Any) -> None:
    request: dict[str, Any] = dict(
        TrainingJobName=name,
        AlgorithmSpecification={
            "TrainingImage": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1",
            "TrainingInputMode": "File",
        },
        RoleArn=ROLE,
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://data/train/"}
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://out/{name}"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters={"lr": "0.1", "epochs": "3"},
    )
    request.update(extra)
    sm.create_training_job(**request)


def create_processing_job(sm: Any, name: str) -> None:
    sm.create_processing_job(
        ProcessingJobName=name,
        RoleArn=ROLE,
        AppSpecification={"ImageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/prep:1"},
        ProcessingResources={
            "ClusterConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            }
        },
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )


def create_tuning_job(sm: Any, name: str) -> None:
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "val:loss"},
        },
        TrainingJobDefinition={
            "AlgorithmSpecification": {
                "TrainingImage": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1",
                "TrainingInputMode": "File",
            },
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://out/tuning"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        },
    )


def moto_training_job(name: str) -> Any:
    """moto's in-process record of a training job (its states never move by themselves)."""
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[ACCOUNT][REGION].training_jobs[name]


def set_training_state(name: str, status: str, *, failure_reason: str = "") -> None:
    job = moto_training_job(name)
    job.training_job_status = status
    job.secondary_status = "Training" if status == "InProgress" else status
    if failure_reason:
        # moto builds describe output from the attributes (snake -> CamelCase).
        job.failure_reason = failure_reason


def make_app(**overrides: Any) -> SmConsoleApp:
    """The real app on the moto server (the ``aws`` fixture set AWS_ENDPOINT_URL)."""
    return create_app(ConsoleContext(load_config(overrides=overrides or None), source="tui"))


# How often wait_until looks again, and every how many looks it also pauses the Pilot way.
POLL_SECONDS = 0.02
FULL_PAUSE_EVERY = 10


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], Any], *, timeout: float = 30.0, what: str = ""
) -> None:
    """Let the app run until ``predicate()`` is true (workers run in threads).

    The limit is generous: it only bounds a test that fails; on a loaded machine a
    worker thread may wait seconds for a core.

    Between looks the test mostly just sleeps: the app runs on this event loop, so its
    messages, its workers' answers and its screen refreshes go on meanwhile. A
    ``pilot.pause`` per look posted a callback to every widget on the screen and waited
    for each: ~9 ms of CPU per look once every tab is mounted (125 widgets), ~30% of a
    core spent watching at a look every 20 ms, taken from the workers waited for.

    What the tests saw is kept: a predicate found true is looked at again right after a
    full ``pilot.pause`` (every message then pending handled, the screen refreshed), as
    each look used to be; only if it still holds does the wait end. Every tenth look is
    a full pause too.
    """
    deadline = time.monotonic() + timeout
    if predicate():
        return
    looks = 0
    while True:
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        looks += 1
        if looks % FULL_PAUSE_EVERY:
            await asyncio.sleep(POLL_SECONDS)
            if not predicate():
                continue
        await pilot.pause(0)  # not pause(): that also waits for the process to go idle
        if predicate():
            return


async def all_views(pilot: Pilot[Any], app: SmConsoleApp) -> None:
    """Mount every tab's view now, for tests that drive a hidden tab directly.

    The app mounts the views of the tabs not shown at start only once the first jobs are
    drawn (start-up speed); pressing a tab's key mounts them too.
    """
    main = app.main_screen
    main.mount_views()

    def mounted() -> bool:
        views = main.views()
        return len(views) == len(TABS) and all(view.is_mounted for view in views)

    await wait_until(pilot, mounted, what="every tab's view mounted")


def jobs_table(app: SmConsoleApp) -> JobsTable:
    return app.main_screen.query_one(JobsTable)


def jobs_view(app: SmConsoleApp) -> JobsView:
    return app.main_screen.query_one(JobsView)


async def wait_for_rows(pilot: Pilot[Any], app: SmConsoleApp, count: int) -> None:
    await wait_until(
        pilot, lambda: jobs_table(app).total_count >= count, what=f"{count} jobs listed"
    )


def static_text(widget: Static) -> str:
    """What a Static shows, as plain text (Rich tables included)."""
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def notifications(app: SmConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture
def sm(aws: Any) -> Any:
    """A plain boto3 SageMaker client on the (reset) moto server."""
    return aws.client("sagemaker")
