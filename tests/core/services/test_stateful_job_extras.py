"""Model-based test of the Jobs extras feed (Hypothesis stateful): what it asks AWS for.

Fakes stand in for the services (this is about counting calls and keeping facts, not
shapes; the moto test covers those). The model: a finished job is described once per
status it is seen in; a running job once; never more than DESCRIBE_BUDGET describes per
refresh; one metrics call per refresh at most, and none within a minute of the last one
unless a running job appeared that the last call did not cover or the refresh is live;
the extras hold only listed jobs, and usage only for running ones.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from console.errors import NotFoundError, ThrottledError
from console.services.cloudwatch import MetricBatch
from console.services.job_extras import (
    DESCRIBE_BUDGET,
    USAGE_SECONDS,
    JobExtrasFeed,
    JobExtrasSnapshot,
)
from console.services.jobs import JobSummary
from tests.support.stateful import STATEFUL

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
NAMES = [f"job-{i}" for i in range(14)]
STATUSES = ("InProgress", "Completed", "Failed", "Stopped")


@dataclass
class FakeRecord:
    name: str
    status: str
    failure_reason: str = ""
    instance_type: str = "ml.m5.large"
    instance_count: int = 2
    started: datetime | None = NOW - timedelta(hours=1)
    ended: datetime | None = None
    training_seconds: int | None = None
    billable_seconds: int | None = None


class FakeJobs:
    def __init__(self, machine: ExtrasMachine) -> None:
        self.machine = machine

    def describe_training_job(self, name: str) -> FakeRecord:
        machine = self.machine
        if machine.throttled:
            raise ThrottledError("slow down")
        machine.describes[(name, machine.jobs.get(name, "?"))] += 1
        machine.this_refresh += 1
        if name not in machine.jobs or name in machine.deleted:
            raise NotFoundError("training job", name)
        status = machine.jobs[name]
        final = status != "InProgress"
        return FakeRecord(
            name,
            status,
            failure_reason="boom" if status == "Failed" else "",
            ended=NOW if final else None,
            billable_seconds=600 if final else None,
            training_seconds=900 if final else None,
        )


class FakeCloudWatch:
    def __init__(self, machine: ExtrasMachine) -> None:
        self.machine = machine

    def fetch(self, queries: Any, *, start: datetime, end: datetime, period: int) -> MetricBatch:
        self.machine.metric_calls.append(self.machine.clock)
        return MetricBatch({}, start, end, period, 1)


class FakePricing:
    def prices(self) -> dict[str, float]:
        return {"Training|ml.m5.large": 0.115}


class FakeContext:
    def __init__(self, machine: ExtrasMachine) -> None:
        self.jobs = FakeJobs(machine)
        self.cloudwatch = FakeCloudWatch(machine)
        self.pricing = FakePricing()


class ExtrasMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[str, str] = {}  # name -> status (the account)
        self.deleted: set[str] = set()
        self.describes: Counter[tuple[str, str]] = Counter()
        self.metric_calls: list[float] = []
        self.clock = 0.0
        self.throttled = False
        self.this_refresh = 0
        self.last: JobExtrasSnapshot | None = None
        self.listed: list[JobSummary] = []
        self.covered: set[str] = set()  # running jobs the last metrics call covered
        self.feed = JobExtrasFeed(
            FakeContext(self),  # type: ignore[arg-type]
            clock=lambda: self.clock,
            wall=lambda: NOW,
        )

    # --- the account changes ------------------------------------------------------------
    @rule(name=st.sampled_from(NAMES), status=st.sampled_from(STATUSES))
    def job_appears_or_moves(self, name: str, status: str) -> None:
        if self.jobs.get(name, "InProgress") != "InProgress":
            return  # a finished job never changes
        self.jobs[name] = status

    @rule(name=st.sampled_from(NAMES))
    def job_deleted(self, name: str) -> None:
        if name in self.jobs:
            self.deleted.add(name)

    @rule(seconds=st.sampled_from([5.0, 30.0, USAGE_SECONDS, 300.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock += seconds

    @rule(on=st.booleans())
    def throttling(self, on: bool) -> None:
        self.throttled = on

    # --- the view refreshes -----------------------------------------------------------
    @rule(live=st.booleans())
    def refresh(self, live: bool) -> None:
        index = {name: i for i, name in enumerate(NAMES)}
        self.listed = [
            JobSummary(
                "training",
                name,
                status,
                "arn",
                NOW - timedelta(minutes=index[name]),
                None,
                None,
            )
            for name, status in self.jobs.items()
        ]
        before = len(self.metric_calls)
        last_call = self.metric_calls[-1] if self.metric_calls else None
        self.this_refresh = 0
        self.last = self.feed.refresh(self.listed, live=live)
        assert self.this_refresh <= DESCRIBE_BUDGET
        made = len(self.metric_calls) - before
        assert made <= 1
        running = {
            f"training:{j.name}"
            for j in self.listed
            if j.status == "InProgress" and f"training:{j.name}" in self.feed.facts
        }
        if made and not live and last_call is not None:
            due = self.clock - last_call >= USAGE_SECONDS or not running <= self.covered
            assert due, "a metrics call within the minute with nothing new to cover"
        if made:
            self.covered = running

    @precondition(lambda self: self.last is not None)
    @invariant()
    def extras_only_for_listed_jobs(self) -> None:
        assert self.last is not None
        listed = {f"training:{j.name}": j for j in self.listed}
        assert set(self.last.extras) <= set(listed)
        for key, extras in self.last.extras.items():
            if listed[key].status != "InProgress":
                assert extras.usage is None and extras.usd_per_hour is None
            facts = extras.facts
            if facts is not None and facts.status == listed[key].status == "Failed":
                assert extras.failure_reason == "boom"

    @invariant()
    def each_status_described_at_most_once(self) -> None:
        # A job is described once while running and once per final status; a job not
        # found is never asked again.
        assert all(count <= 1 for count in self.describes.values()), self.describes


ExtrasMachine.TestCase.settings = STATEFUL
TestJobExtras = ExtrasMachine.TestCase
