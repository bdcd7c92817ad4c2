"""Fetching the Jobs view's rows: training, processing and tuning jobs in one snapshot.

Runs in a worker thread (blocking boto3 calls). Training and processing jobs come from
the services' incremental listers, so a steady-state poll costs calls in proportion to
what changed; tuning jobs are few and listed newest-first with a cap. No Textual here.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from console.errors import NotSupportedError, SmError
from console.services.base import PAGE_SIZE

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.incremental import IncrementalLister, Progress
    from console.services.jobs import JobSummary

TUNING_LIMIT = 200
TRANSFORM_LIMIT = 200  # batch transform jobs (kind "xform"), newest first like tuning
KINDS = ("training", "processing", "tuning", "xform")


@dataclass(frozen=True)
class JobsSnapshot:
    """Every job the console knows about at ``fetched_at``."""

    items: tuple[JobSummary, ...]
    fetched_at: datetime
    # Kinds this endpoint cannot list (e.g. a local stack without tuning jobs).
    unsupported: tuple[str, ...] = ()
    # False while a long first listing streams in (more pages to come).
    complete: bool = True

    @property
    def transitional(self) -> bool:
        return any(job.transitional for job in self.items)

    def counts(self) -> dict[str, Counter[str]]:
        """``{kind: Counter(status)}`` for the Status tab, every kind present."""
        return count_jobs(self.items)


@dataclass(frozen=True)
class JobsProgress:
    """A page of a listing under way: the jobs it brought, how many jobs are known so
    far, and the snapshot so far (built on demand: it costs time per job known)."""

    page: tuple[JobSummary, ...]
    known: int
    snapshot: Callable[[], JobsSnapshot]


def count_jobs(items: Iterable[JobSummary]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    for job in items:
        counts.setdefault(job.kind, Counter())[job.status] += 1
    return counts


@dataclass
class JobsFeed:
    """Keeps the incremental listers of one :class:`ConsoleContext` between polls.

    One feed per context: after a profile/region switch a new feed starts from scratch.
    Polls never overlap (see the poller), so the listers are not shared between threads.
    """

    context: ConsoleContext
    _training: IncrementalLister[JobSummary] | None = None
    _processing: IncrementalLister[JobSummary] | None = None
    # Kinds the endpoint does not list (a local stack), and when to try them again: a
    # "not supported" answer may be a misreading of a passing fault, so it is not forever.
    _unsupported: dict[str, float] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic

    def retry_unsupported(self) -> None:
        """Try every kind again on the next fetch (a manual refresh)."""
        self._unsupported.clear()

    def fetch(self, on_page: Callable[[JobsProgress], object] | None = None) -> JobsSnapshot:
        """Every job; ``on_page`` hears of each page of a long listing as it arrives
        (see :mod:`console.services.incremental`), and may raise to stop it."""
        if self._training is None:
            # The first poll of the TUI: a helper process may have listed already.
            prefetched = self.context.take_prefetched_jobs(on_page=on_page)
            if prefetched is not None:
                self._adopt(prefetched)
                return prefetched
        jobs = self.context.jobs
        if self._training is None:
            self._training = jobs.training_lister()
        if self._processing is None:
            self._processing = jobs.processing_lister()
        items: list[JobSummary] = []
        training, processing = self._training, self._processing

        def progress(page: Progress[JobSummary]) -> object:
            # A first listing's full pages only: more are coming (a short page is the last).
            if on_page is None or not page.full or len(page.page) < PAGE_SIZE:
                return None
            done = len(items)  # the kinds listed before this one
            return on_page(
                JobsProgress(
                    page.page,
                    done + page.read,
                    lambda: JobsSnapshot(
                        (*items[:done], *page.snapshot()), datetime.now(UTC), complete=False
                    ),
                )
            )

        loaders: tuple[tuple[str, Callable[[], Iterable[JobSummary]]], ...] = (
            ("training", lambda: training.refresh(progress).items),
            ("processing", lambda: processing.refresh(progress).items),
            ("tuning", lambda: tuple(jobs.list_tuning_jobs(limit=TUNING_LIMIT))),
            ("xform", self._transform_jobs),
        )
        now = self.clock()
        for kind, load in loaders:
            if self._unsupported.get(kind, 0.0) > now:
                continue
            try:
                items.extend(load())
            except NotSupportedError:
                # Say so in the view; keep showing the kinds that work; ask again later.
                self._unsupported[kind] = now + UNSUPPORTED_RETRY_SECONDS
            else:
                self._unsupported.pop(kind, None)
        return JobsSnapshot(tuple(items), datetime.now(UTC), tuple(sorted(self._unsupported)))

    def _transform_jobs(self) -> tuple[JobSummary, ...]:
        return tuple(self.context.transform.list_transform_jobs(limit=TRANSFORM_LIMIT))

    def take_prefetched(self) -> JobsSnapshot | None:
        """The start-up helper's listing if it has arrived (never waits: the UI thread
        may ask). An error answer is dropped: the first poll then meets it by itself."""
        if self._training is not None:
            return None
        try:
            snapshot = self.context.take_prefetched_jobs(wait=False)
        except SmError:
            return None
        if snapshot is not None:
            self._adopt(snapshot)
        return snapshot

    def _adopt(self, snapshot: JobsSnapshot) -> None:
        """Carry on from ``snapshot`` as if this feed had fetched it."""
        jobs = self.context.jobs
        self._training = jobs.training_lister()
        self._training.seed(job for job in snapshot.items if job.kind == "training")
        self._processing = jobs.processing_lister()
        self._processing.seed(job for job in snapshot.items if job.kind == "processing")
        retry_at = self.clock() + UNSUPPORTED_RETRY_SECONDS
        self._unsupported = dict.fromkeys(snapshot.unsupported, retry_at)


UNSUPPORTED_RETRY_SECONDS = 600.0
