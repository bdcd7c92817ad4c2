"""The streaming refresh of the incremental lister against a dict model of the account.

A first listing of 100,000 jobs is a thousand pages, so a refresh reports each page as it
comes (``on_page``) and the screen shows the snapshot so far. Between two pages the
account moves on (jobs created, moving on, finishing), a poll may run a whole refresh of
its own (the overlap), the listing may fail, or the operator may switch context (the
report raises: the stream is dropped). The service pages by offset over its current
order, newest first or (a local stack) oldest first, so a job can show on two pages.

Whatever happens: no snapshot (partial or whole) holds a job twice or loses a job it held
before; a job's version never goes back (an older read finishing last does not undo a
newer one); a stream that fails or is dropped keeps nothing; and one quiet refresh after
it all holds exactly the account.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from console.services.incremental import Progress
from console.services.jobs import JobSummary, _job_lister, _newest_first_pages
from tests.support.stateful import STATEFUL

START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
NEXT = {"InProgress": ("Stopping", "Completed", "Failed"), "Stopping": ("Stopped",)}


class ListingFailed(Exception):
    pass


class Dropped(Exception):
    """What the screen's report raises once the context was switched."""


@dataclass(frozen=True)
class Between:
    """What happens before the next page of the stream is read."""

    what: str  # "create", "move", "poll", "fail", "drop", "nothing"
    pick: int = 0


# Failing or dropping ends the stream: rarer, or few streams would get far.
WHAT = ("create", "move", "move", "poll", "poll", "nothing") * 3 + ("fail", "drop")
STEP = st.builds(Between, st.sampled_from(WHAT), st.integers(0, 3))
# Several things may happen between two pages (a job finishes, then a poll sees it).
BETWEEN = st.lists(STEP, min_size=1, max_size=3)


def version(job: JobSummary) -> datetime:
    """Each change of a job is a new ``modified`` stamp: later is newer."""
    assert job.modified is not None
    return job.modified


class StreamingListerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.changes = 0
        self.account: dict[str, JobSummary] = {}
        self.page_size = 2
        self.newest_first = True
        self.plan: list[list[Between]] = []
        self.depth = 0  # refreshes under way (a poll inside a stream is 2)
        self.lister = _job_lister(self._fetch)
        self.seen: dict[str, datetime] = {}  # the newest version ever held, per job
        self.committed: dict[str, JobSummary] = {}  # what the last whole refresh kept

    # --- the fake service --------------------------------------------------------
    def _order(self) -> list[JobSummary]:
        jobs = sorted(self.account.values(), key=lambda j: (j.created or START, j.name))
        return jobs[::-1] if self.newest_first else jobs

    def _pages(self) -> Iterator[list[JobSummary]]:
        outer = self.depth == 1
        offset = 0
        while True:
            if outer and offset and self.plan:
                for step in self.plan.pop(0):
                    self._between(step)
            page = self._order()[offset : offset + self.page_size]  # offset tokens
            if not page:
                return
            yield page
            offset += self.page_size
            if offset >= len(self.account):
                return

    def _fetch(self, since: datetime | None) -> Iterator[list[JobSummary]]:
        return _newest_first_pages(since, self._pages())

    def _job(self, name: str, status: str, created: datetime) -> JobSummary:
        self.changes += 1
        return JobSummary(
            "training", name, status, f"arn:{name}", created, START + timedelta(self.changes), None
        )

    def _create(self, status: str) -> None:
        self.now += timedelta(seconds=3)
        name = f"job-{len(self.account):03d}"
        self.account[name] = self._job(name, status, self.now)

    def _move(self, pick: int) -> None:
        """Move on the ``pick``-th live job in listing order (small picks: early pages)."""
        live = [j.name for j in self._order() if j.status in NEXT]
        if not live:
            return
        old = self.account[live[pick % len(live)]]
        status = NEXT[old.status][pick % len(NEXT[old.status])]
        self.account[old.name] = self._job(old.name, status, old.created or START)

    def _between(self, step: Between) -> None:
        if step.what == "create":
            self._create(("InProgress", "Completed")[step.pick % 2])
        elif step.what == "move":
            self._move(step.pick)
        elif step.what == "poll":
            self._refresh()  # a whole refresh while the stream is between two pages
        elif step.what == "fail":
            raise ListingFailed("throttled")

    # --- checks ------------------------------------------------------------------
    def _held(self) -> dict[str, JobSummary]:
        return {str(key): job for key, job in self.lister._items.items()}

    def _check_snapshot(self, items: tuple[JobSummary, ...], held_before: set[str]) -> None:
        names = [job.name for job in items]
        assert len(names) == len(set(names)), "a job listed twice"
        assert held_before <= set(names), "a job held before went missing"
        for job in items:
            seen = self.seen.get(job.name)
            assert seen is None or version(job) >= seen, f"{job.name} went back"

    def _committed(self) -> None:
        for name, job in self._held().items():
            seen = self.seen.get(name)
            assert seen is None or version(job) >= seen, f"{name} went back"
            self.seen[name] = version(job)
        self.committed = self._held()

    def _refresh(self) -> None:
        self.depth += 1
        try:
            held_before = set(self._held())
            delta = self.lister.refresh()
            self._check_snapshot(delta.items, held_before)
            self._committed()
        finally:
            self.depth -= 1

    # --- rules -------------------------------------------------------------------
    @rule(status=st.sampled_from(("InProgress", "InProgress", "Completed")))
    def create(self, status: str) -> None:
        self._create(status)

    @rule(pick=st.integers(0, 3))
    def move_on(self, pick: int) -> None:
        self._move(pick)

    @rule(
        page_size=st.integers(1, 3),
        newest_first=st.booleans(),
        plan=st.lists(BETWEEN, max_size=6),
    )
    def stream(self, page_size: int, newest_first: bool, plan: list[list[Between]]) -> None:
        """A refresh reporting each page, with things happening between its pages."""
        self.page_size, self.newest_first, self.plan = page_size, newest_first, list(plan)
        drops = (i for i, steps in enumerate(plan) if any(s.what == "drop" for s in steps))
        drop_at = next(drops, None)
        held_before = set(self._held())
        at_start = dict(self.account)
        reports: list[Progress[JobSummary]] = []

        def on_page(progress: Progress[JobSummary]) -> None:
            reports.append(progress)
            self._check_snapshot(progress.snapshot(), held_before)
            if drop_at is not None and len(reports) > drop_at:
                raise Dropped

        full = not self.seen
        self.depth += 1
        try:
            try:
                delta = self.lister.refresh(on_page)
            except (ListingFailed, Dropped):
                # Kept nothing of its own: only what a poll inside it committed.
                assert self._held() == self.committed
                return
        finally:
            self.depth -= 1
            self.plan = []
        if full and at_start and newest_first:
            newest = sorted(at_start.values(), key=lambda j: (j.created or START, j.name))
            assert reports[0].page == tuple(newest[::-1][:page_size]), "newest page first"
        self._check_snapshot(delta.items, held_before)
        self._committed()
        # Every job there when the stream started is held (its version, or a newer one).
        held = self._held()
        for name, job in at_start.items():
            assert name in held and version(held[name]) >= version(job)

    @rule()
    def quiet_refresh(self) -> None:
        """Nothing moves meanwhile: the lister then holds exactly the account."""
        self.plan = []
        self._refresh()
        assert self._held() == self.account

    @invariant()
    def versions_never_go_back(self) -> None:
        for name, job in self._held().items():
            assert version(job) >= self.seen.get(name, version(job))


TestStreamingLister = StreamingListerMachine.TestCase
TestStreamingLister.settings = STATEFUL


def test_a_poll_between_two_pages_is_not_undone_by_the_stream_ending() -> None:
    """The overlap: the stream read job-000 as InProgress on its first page; a poll in
    the middle read it Completed and kept that; the stream ends last and must not put
    the older read back."""
    machine = StreamingListerMachine()
    machine._create("InProgress")
    machine._create("Completed")
    machine._create("Completed")
    machine.page_size, machine.newest_first = 1, False  # job-000 on the first page

    def on_page(progress: Progress[JobSummary]) -> None:
        if progress.pages == 1:
            machine.account["job-000"] = machine._job(
                "job-000", "Completed", machine.account["job-000"].created or START
            )  # job-0 finishes...
            machine._refresh()  # ...and a poll sees it

    machine.depth = 1
    machine.lister.refresh(on_page)
    assert machine._held()["job-000"].status == "Completed"
