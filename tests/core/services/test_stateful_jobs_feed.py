"""The Jobs view's feed (console/services/jobs_feed.py) against a plain model of the account.

tests/core/services/test_stateful_incremental.py checks one incremental lister; this checks
what the feed adds on top: three kinds in one snapshot (training and processing through
their listers, tuning listed whole), a kind the endpoint says it cannot list (skipped, said
so in the snapshot, asked again after ``UNSUPPORTED_RETRY_SECONDS`` or at once on a manual
refresh), a failed listing (the error reaches the poller; the next fetch is whole again),
and a start-up helper's snapshot adopted in place of the first fetch. Every successful fetch
must hold exactly the jobs of the kinds it did not skip, each with its current status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from console.errors import NotSupportedError, ThrottledError
from console.services.jobs import JobSummary, _job_lister, _newest_first_pages
from console.services.jobs_feed import UNSUPPORTED_RETRY_SECONDS, JobsFeed, JobsSnapshot
from tests.support.stateful import STATEFUL

START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
KINDS = ("training", "processing", "tuning", "xform")
NEXT = {"InProgress": ("Stopping", "Completed", "Failed"), "Stopping": ("Stopped",)}


class FakeJobs:
    """The jobs service as the feed sees it, over the machine's account."""

    def __init__(self, machine: JobsFeedMachine) -> None:
        self.machine = machine

    def _listing(self, kind: str) -> Iterator[JobSummary]:
        machine = self.machine
        if kind in machine.unsupported:
            raise NotSupportedError(f"{kind} jobs are not supported by this endpoint")
        if machine.failing:
            raise ThrottledError("throttled")
        jobs = [j for j in machine.account.values() if j.kind == kind]
        return iter(sorted(jobs, key=lambda j: (j.created, j.name), reverse=True))

    def _lister(self, kind: str) -> Any:
        def pages(since: datetime | None) -> Iterator[list[JobSummary]]:
            listed = list(self._listing(kind))  # raises before any page, like boto3
            return _newest_first_pages(
                since, iter([listed[i : i + 2] for i in range(0, len(listed), 2)])
            )

        return _job_lister(pages)

    def training_lister(self) -> Any:
        return self._lister("training")

    def processing_lister(self) -> Any:
        return self._lister("processing")

    def list_tuning_jobs(self, *, limit: int) -> Iterator[JobSummary]:
        return iter(list(self._listing("tuning"))[:limit])

    def list_transform_jobs(self, *, limit: int) -> Iterator[JobSummary]:
        return iter(list(self._listing("xform"))[:limit])


class FakeContext:
    def __init__(self, machine: JobsFeedMachine) -> None:
        self.jobs = FakeJobs(machine)
        self.transform = self.jobs  # the transform service's listing, same fake account
        self.prefetched: JobsSnapshot | None = None

    def take_prefetched_jobs(
        self, *, wait: bool = True, on_page: object = None
    ) -> JobsSnapshot | None:
        snapshot, self.prefetched = self.prefetched, None
        return snapshot


class JobsFeedMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.clock_s = 0.0
        self.account: dict[tuple[str, str], JobSummary] = {}
        self.unsupported: set[str] = set()
        self.failing = False
        self.context = FakeContext(self)
        self.feed = JobsFeed(self.context, clock=lambda: self.clock_s)  # type: ignore[arg-type]
        # What the feed believes is skipped, and until when (the model of its memory).
        self.skipped_until: dict[str, float] = {}
        self.fetched = False

    def _job(self, kind: str, name: str, status: str, created: datetime) -> JobSummary:
        return JobSummary(kind, name, status, f"arn:{kind}:{name}", created, created, None)

    # --- the account moves ---------------------------------------------------------
    @rule(kind=st.sampled_from(KINDS), status=st.sampled_from(("InProgress", "Completed")),
          wait=st.integers(0, 8))  # fmt: skip
    def create(self, kind: str, status: str, wait: int) -> None:
        self.now += timedelta(seconds=wait)
        name = f"{kind[:2]}-{len(self.account):03d}"
        self.account[(kind, name)] = self._job(kind, name, status, self.now)

    @precondition(lambda self: any(j.status in NEXT for j in self.account.values()))
    @rule(data=st.data())
    def move_on(self, data: st.DataObject) -> None:
        live = sorted(k for k, j in self.account.items() if j.status in NEXT)
        key = data.draw(st.sampled_from(live))
        old = self.account[key]
        status = data.draw(st.sampled_from(NEXT[old.status]))
        self.account[key] = self._job(old.kind, old.name, status, old.created or START)

    @rule(kind=st.sampled_from(KINDS))
    def endpoint_support_flips(self, kind: str) -> None:
        """The endpoint starts (or stops) listing ``kind`` (a passing fault read as "not
        supported", a local stack upgraded)."""
        self.unsupported ^= {kind}

    @rule(long=st.booleans())
    def time_passes(self, long: bool) -> None:
        self.clock_s += UNSUPPORTED_RETRY_SECONDS + 1 if long else 60.0

    # --- the feed ------------------------------------------------------------------
    def _expect(self, snapshot: JobsSnapshot, asked: set[str]) -> None:
        listed = {(j.kind, j.name): j for j in snapshot.items}
        want = {k: j for k, j in self.account.items() if k[0] in asked - self.unsupported}
        assert listed == want
        assert len(snapshot.items) == len(listed), "a job listed twice"
        for kind in asked & self.unsupported:
            self.skipped_until[kind] = self.clock_s + UNSUPPORTED_RETRY_SECONDS
        for kind in asked - self.unsupported:
            self.skipped_until.pop(kind, None)
        assert set(snapshot.unsupported) == set(self.skipped_until)

    def _asked(self) -> set[str]:
        return {k for k in KINDS if self.skipped_until.get(k, 0.0) <= self.clock_s}

    @rule()
    def fetch(self) -> None:
        self.failing = False
        asked = self._asked()
        snapshot = self.feed.fetch()
        self.fetched = True
        self._expect(snapshot, asked)

    @rule()
    def manual_refresh(self) -> None:
        """``r``: every kind is asked again at once."""
        self.failing = False
        self.feed.retry_unsupported()
        self.skipped_until.clear()
        self._expect(self.feed.fetch(), set(KINDS))
        self.fetched = True

    @precondition(lambda self: self.fetched)
    @rule()
    def failed_fetch(self) -> None:
        """A listing that fails (throttled): the error reaches the poller, and the next
        fetch still holds exactly the account."""
        self.failing = True
        asked = self._asked()
        # The feed asks kind by kind: an unsupported kind before the failing one is
        # remembered as such; the first kind that is asked and supported fails the fetch.
        failing_kind = None
        for kind in KINDS:
            if kind not in asked:
                continue
            if kind in self.unsupported:
                self.skipped_until[kind] = self.clock_s + UNSUPPORTED_RETRY_SECONDS
                continue
            failing_kind = kind
            break
        try:
            self.feed.fetch()
        except ThrottledError:
            assert failing_kind is not None
        else:
            assert failing_kind is None
        self.failing = False

    @precondition(lambda self: not self.fetched)
    @rule()
    def helper_answered_first(self) -> None:
        """The start-up helper's snapshot is the first fetch; later ones carry on from it."""
        items = tuple(self.account.values())
        snapshot = JobsSnapshot(items, datetime.now(UTC), ())
        self.context.prefetched = snapshot
        assert self.feed.fetch() is snapshot
        self.fetched = True

    @invariant()
    def skipped_kinds_come_back_in_time(self) -> None:
        assert all(
            until <= self.clock_s + UNSUPPORTED_RETRY_SECONDS
            for until in self.skipped_until.values()
        )


TestJobsFeed = JobsFeedMachine.TestCase
TestJobsFeed.settings = STATEFUL
