"""The Jobs table's extras against a moto server: facts read once, one batched metrics
call per minute for every running job, the idle GPU flagged, costs by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.services.job_extras import (
    DESCRIBE_BUDGET,
    JobExtrasFeed,
    JobFacts,
    cost_of,
)
from console.services.jobs import JobSummary
from tests.support.helpers import context
from tests.support.job_metrics import put_host_metrics
from tests.tui.conftest import create_training_job, set_training_state

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
PRICES = {"Training|ml.p4d.24xlarge": 32.0, "Processing|ml.m5.large": 0.1}


def facts(**over: Any) -> JobFacts:
    base: dict[str, Any] = dict(
        kind="training",
        name="j",
        status="Completed",
        instance_type="ml.p4d.24xlarge",
        instance_count=2,
        failure_reason="",
        started=NOW - timedelta(hours=2),
        ended=NOW - timedelta(hours=1),
        billable_seconds=900.0,
        training_seconds=3600.0,
    )
    base.update(over)
    return JobFacts(**base)


def test_cost_by_hand() -> None:
    # Finished spot job: 900 billable s x 2 hosts x $32/h = $16; 2700 s saved = $48.
    hourly, usd, saved, note = cost_of(facts(), PRICES, NOW)
    assert (hourly, usd, saved, note) == (64.0, 16.0, 48.0, "")
    # Running: 30 min of wall time x 2 x $32 = $32 so far.
    running = facts(
        status="InProgress", ended=None, billable_seconds=None, started=NOW - timedelta(minutes=30)
    )
    assert cost_of(running, PRICES, NOW)[:2] == (64.0, 32.0)
    # Not started yet: nothing spent.
    assert (
        cost_of(
            facts(status="InProgress", ended=None, started=None, billable_seconds=None), PRICES, NOW
        )[1]
        == 0.0
    )
    # Unknown price or prices: None, with the reason.
    assert cost_of(facts(instance_type="ml.zz.large"), PRICES, NOW) == (
        None,
        None,
        None,
        "no price for ml.zz.large",
    )
    assert cost_of(facts(), None, NOW)[3] == "prices unavailable"
    processing = facts(
        kind="processing", instance_type="ml.m5.large", instance_count=1, billable_seconds=None
    )
    assert cost_of(processing, PRICES, NOW)[1] == pytest.approx(0.1)


def summaries(sm: Any) -> list[JobSummary]:
    items = sm.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]
    return [
        JobSummary(
            kind="training",
            name=i["TrainingJobName"],
            status=i["TrainingJobStatus"],
            arn=i["TrainingJobArn"],
            created=i["CreationTime"],
            modified=None,
            ended=None,
        )
        for i in items
    ]


def put_gpu(aws: Any, job: str, host: str, value: float) -> None:
    put_host_metrics(aws, job, host, NOW, 12, GPUUtilization=value, CPUUtilization=value)


def test_facts_once_usage_batched_and_idle_gpu_flagged(aws: Any) -> None:
    sm = aws.client("sagemaker")
    create_training_job(
        sm,
        "busy",
        ResourceConfig={
            "InstanceType": "ml.p4d.24xlarge",
            "InstanceCount": 2,
            "VolumeSizeInGB": 50,
        },
    )
    create_training_job(sm, "idle")
    create_training_job(sm, "broken")
    set_training_state("busy", "InProgress")
    set_training_state("idle", "InProgress")
    set_training_state("broken", "Failed", failure_reason="AlgorithmError: CUDA out of memory")
    put_gpu(aws, "busy", "algo-1", 91.0)
    put_gpu(aws, "busy", "algo-2", 85.0)
    put_gpu(aws, "idle", "algo-1", 2.0)

    ticks = [1000.0]
    feed = JobExtrasFeed(context(), clock=lambda: ticks[0], wall=lambda: NOW)
    feed._prices = PRICES  # no Price List API on moto: the table a real account answers
    items = summaries(sm)
    described: list[str] = []
    original = feed.context.jobs.describe_training_job

    def counting(name: str) -> Any:
        described.append(name)
        return original(name)

    feed.context.jobs.describe_training_job = counting  # type: ignore[method-assign]
    calls_before = feed.context.cloudwatch.calls
    snap = feed.refresh(items)
    assert sorted(described) == ["broken", "busy", "idle"]
    assert snap.metric_calls == 1 and feed.context.cloudwatch.calls - calls_before == 1
    assert snap.extras["training:broken"].failure_reason.startswith("AlgorithmError")
    busy = snap.extras["training:busy"]
    assert busy.usage is not None and busy.usage.latest("GPUUtilization") == pytest.approx(88.0)
    assert busy.usd_per_hour == 64.0
    idle = snap.extras["training:idle"].usage
    assert idle is not None and idle.idle_gpu
    assert snap.extras["training:broken"].usage is None  # only running jobs

    # Within the minute: no describe, no metrics call.
    described.clear()
    ticks[0] += 30
    again = feed.refresh(items)
    assert described == [] and again.metric_calls == 0
    assert again.extras["training:busy"].usage == busy.usage
    # A minute later: one call again; a job that ended is described once more.
    ticks[0] += 31
    set_training_state("busy", "Completed")
    items = summaries(sm)
    later = feed.refresh(items)
    assert described == ["busy"] and later.metric_calls == 1
    assert later.extras["training:busy"].usage is None


def test_every_running_job_is_described_in_one_refresh(aws: Any) -> None:
    """More running jobs than the describe budget: the oldest (the one burning money for
    hours, the demo's idle-GPU job) is not left without Util and cost until the next
    listing, which with live events can be minutes away."""
    sm = aws.client("sagemaker")
    names = [f"run-{index:02d}" for index in range(DESCRIBE_BUDGET + 3)]
    for name in names:
        create_training_job(sm, name)
        set_training_state(name, "InProgress")
    items = summaries(sm)
    assert {job.status for job in items} == {"InProgress"}
    first = JobExtrasFeed(context(), wall=lambda: NOW).refresh(items)
    assert set(first.extras) == {f"training:{name}" for name in names}


def test_describe_budget_and_missing_jobs(aws: Any) -> None:
    sm = aws.client("sagemaker")
    for index in range(DESCRIBE_BUDGET + 3):
        create_training_job(sm, f"job-{index:02d}")
    items = summaries(sm)
    ghost = JobSummary("training", "ghost", "Failed", "arn", NOW + timedelta(hours=1), None, None)
    feed = JobExtrasFeed(context(), wall=lambda: NOW)
    first = feed.refresh([ghost, *items])
    # The ghost (newest) is not found: remembered, never asked again.
    assert len(first.extras) == DESCRIBE_BUDGET - 1
    second = feed.refresh([ghost, *items])
    assert len(second.extras) == DESCRIBE_BUDGET + 3
    assert "training:ghost" not in second.extras
    # Prices: moto has no Price List API: unknown, with the reason, never a number.
    assert second.prices_note.startswith("prices unavailable")
    assert all(e.usd is None for e in second.extras.values())
