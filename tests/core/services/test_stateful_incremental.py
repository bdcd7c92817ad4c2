"""The incremental job lister against a plain dict model of the account.

The lister re-lists only what can still change (plus what is new), reading pages newest
first and stopping early; the model is the service's whole state. Whatever the account
does between polls (jobs created, moving on, finishing; a listing that fails part-way; a
local stack that ignores the sort order) a successful refresh must hold exactly the
account's jobs with their current status, and a failed one must change nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from console.services.incremental import Delta
from console.services.jobs import JobSummary, _job_lister, _newest_first_pages
from tests.support.stateful import STATEFUL

START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
# The moves a job can make; terminal states never change again.
NEXT = {
    "InProgress": ("Stopping", "Completed", "Failed"),
    "Stopping": ("Stopped",),
}


class ListingFailed(Exception):
    pass


def job(name: str, status: str, created: datetime) -> JobSummary:
    return JobSummary("training", name, status, f"arn:{name}", created, created, None)


class IncrementalListerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.account: dict[str, JobSummary] = {}
        # How the next listing behaves: page size, order, where it fails.
        self.page_size = 2
        self.ordered = True
        self.fail_after: int | None = None
        self.calls = 0
        self.lister = _job_lister(self._fetch)
        self.held: dict[str, JobSummary] = {}
        self.listed = False

    # --- the fake service ----------------------------------------------------------
    def _pages(self) -> Iterator[list[JobSummary]]:
        jobs = sorted(self.account.values(), key=lambda j: (j.created, j.name), reverse=True)
        if not self.ordered:  # a local stack that ignores SortBy: creation order
            jobs.reverse()
        served = 0
        for start in range(0, len(jobs), self.page_size):
            page = jobs[start : start + self.page_size]
            if self.fail_after is not None and served + len(page) > self.fail_after:
                raise ListingFailed("throttled")
            served += len(page)
            self.calls += 1
            yield page

    def _fetch(self, since: datetime | None) -> Iterator[list[JobSummary]]:
        return _newest_first_pages(since, self._pages())

    # --- the account moves -------------------------------------------------------
    @rule(status=st.sampled_from(("InProgress", "InProgress", "Completed", "Failed")),
          wait=st.integers(0, 8))  # fmt: skip
    def create(self, status: str, wait: int) -> None:
        self.now += timedelta(seconds=wait)
        name = f"job-{len(self.account):03d}"
        self.account[name] = job(name, status, self.now)

    @rule(seconds=st.integers(0, 120))
    def wait(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @precondition(lambda self: any(j.status in NEXT for j in self.account.values()))
    @rule(data=st.data())
    def move_on(self, data: st.DataObject) -> None:
        live = sorted(n for n, j in self.account.items() if j.status in NEXT)
        name = data.draw(st.sampled_from(live))
        old = self.account[name]
        status = data.draw(st.sampled_from(NEXT[old.status]))
        self.account[name] = job(name, status, old.created or START)

    # --- polls -------------------------------------------------------------------
    @rule(page_size=st.integers(1, 4), ordered=st.booleans())
    def refresh(self, page_size: int, ordered: bool) -> None:
        self.page_size, self.ordered, self.fail_after = page_size, ordered, None
        before = dict(self.held)
        delta: Delta[JobSummary] = self.lister.refresh()
        self.held = {j.name: j for j in delta.items}
        self.listed = True
        assert self.held == self.account
        changed = {j.name for j in delta.changed}
        assert changed == {n for n, j in self.account.items() if before.get(n) != j}
        # Read again unchanged, a job stays the object held before: the table holds
        # that one, so a poll never makes a second copy of the listing (issue 21).
        assert all(j is before[n] for n, j in self.held.items() if before.get(n) == j)

    @rule(page_size=st.integers(1, 4), after=st.integers(0, 6))
    def failed_refresh(self, page_size: int, after: int) -> None:
        """A listing that fails part-way (throttled on page 3) changes nothing."""
        self.page_size, self.ordered, self.fail_after = page_size, True, after
        try:
            delta = self.lister.refresh()
        except ListingFailed:
            return
        # Fewer jobs than the failure point: the listing succeeded.
        self.held = {j.name: j for j in delta.items}
        self.listed = True
        assert self.held == self.account

    @invariant()
    def steady_state_is_cheap(self) -> None:
        """Once listed, a poll with nothing live and nothing new reads one page."""
        if not self.listed or any(j.status in NEXT for j in self.account.values()):
            return
        if self.held != self.account:
            return
        self.page_size, self.ordered, self.fail_after = 1, True, None
        self.calls = 0
        delta = self.lister.refresh()
        assert delta.changed == ()
        # The early stop reads until a page ends before the newest job (minus the skew
        # allowance): every job created in those last 5 s, and one more page.
        newest = max((j.created for j in self.account.values() if j.created), default=None)
        recent = sum(
            1
            for j in self.account.values()
            if newest and j.created and j.created >= newest - timedelta(seconds=5)
        )
        assert self.calls <= recent + 1


TestIncrementalLister = IncrementalListerMachine.TestCase
TestIncrementalLister.settings = STATEFUL


def test_an_oldest_first_listing_of_one_job_per_page_is_read_to_the_end() -> None:
    """Found by the machine: a service that ignores SortBy lists in creation order; its
    first page of one old job looked newest-first and ended before ``since``, so paging
    stopped there and the running job's change was never seen."""
    old, running = (
        job("old", "Completed", START),
        job("new", "InProgress", START + timedelta(seconds=6)),
    )
    account = {"old": old, "new": running}

    def fetch(since: datetime | None) -> Iterator[list[JobSummary]]:
        oldest_first = sorted(account.values(), key=lambda j: j.created or START)
        return _newest_first_pages(since, iter([[j] for j in oldest_first]))

    lister = _job_lister(fetch)
    lister.refresh()
    account["new"] = job("new", "Failed", START + timedelta(seconds=6))
    assert {j.name: j.status for j in lister.refresh().items} == {
        "old": "Completed",
        "new": "Failed",
    }


def test_a_reread_of_unchanged_jobs_holds_no_second_copy() -> None:
    """A long listing read again (a local stack ignoring SortBy re-reads everything)
    parses a new object per job; an unchanged one is dropped as it is read, the held
    object taking its place, so the stream never holds two copies (issue 21)."""
    account = {f"job-{i:03d}": job(f"job-{i:03d}", "Completed", START) for i in range(30)}
    copies = 0

    def fetch(since: datetime | None) -> Iterator[list[JobSummary]]:
        nonlocal copies
        fresh = [dataclasses.replace(j) for j in account.values()]  # equal, not the same
        copies += len(fresh)
        return iter([fresh[:10], fresh[10:20], fresh[20:]])

    lister = _job_lister(fetch)
    held = {j.name: j for j in lister.refresh().items}
    seen: list[JobSummary] = []
    # Read again in full (this fetch ignores the "since" the lister asks for).
    delta = lister.refresh(lambda progress: seen.extend(progress.snapshot()))

    assert copies == 60 and delta.changed == ()
    assert seen and all(j is held[j.name] for j in seen)
    assert all(j is held[j.name] for j in delta.items)
