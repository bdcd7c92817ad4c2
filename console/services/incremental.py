"""Incremental listing: refresh a keyed snapshot at a cost proportional to what can change.

A naive poll relists the whole account history every time; with thousands of jobs that
is dozens of throttled calls per poll, shared by every operator of the account. Jobs in a
terminal state (Completed, Failed, Stopped) never change again, so after one full listing
a refresh only needs the items created since the oldest one that can still change (or
since the newest one seen, if none can). Lists are read newest-first and paging stops
there: one call in a steady state, on real AWS and on local stacks alike (moto filters
after slicing pages, so its ``LastModifiedTimeAfter`` would still walk every page).

The first listing of a large account is long (100,000 jobs are 1,000 pages), so a
refresh reports each page as it arrives (``on_page``): the caller shows the newest page
at once and the rest as it streams in. What a refresh learns is only kept once it ends:
a listing that fails part-way changes nothing. Refreshes may overlap (a poll during a
long stream): every page is stamped when it was asked for, and an item is only replaced
by one read later, so an older read finishing last never undoes a newer one.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Generic, TypeVar

R = TypeVar("R")

# Clock skew allowance between the service's timestamps and ours.
OVERLAP = timedelta(seconds=5)


@dataclass(frozen=True)
class Delta(Generic[R]):
    """What one refresh found: the changed/new items and the whole current snapshot."""

    changed: tuple[R, ...]
    items: tuple[R, ...]
    full: bool


@dataclass(frozen=True)
class Progress(Generic[R]):
    """One page of a refresh still under way (see :meth:`IncrementalLister.refresh`).

    :meth:`snapshot` costs time in proportion to everything known, so a caller that
    shows progress asks for it only when it will show it (throttled), not per page."""

    page: tuple[R, ...]
    read: int  # distinct items read so far by this refresh
    pages: int  # pages read so far
    full: bool
    _snapshot: Callable[[], tuple[R, ...]]

    def snapshot(self) -> tuple[R, ...]:
        """What was known before this refresh, with the pages read so far applied."""
        return self._snapshot()


class IncrementalLister(Generic[R]):
    """Keeps ``{key: record}`` up to date from a ``fetch(created_since)`` function.

    ``fetch(None)`` lists everything; ``fetch(t)`` must list at least every item created
    at or after ``t`` (newest first, stopping early is the point). :meth:`paged` takes a
    fetch that yields pages, so a refresh can report each one.
    """

    def __init__(
        self,
        fetch: Callable[[datetime | None], Iterable[R]],
        key: Callable[[R], Hashable],
        created: Callable[[R], datetime | None],
        can_change: Callable[[R], bool],
    ) -> None:
        self._pages: Callable[[datetime | None], Iterable[Sequence[R]]] = lambda since: (
            tuple(fetch(since)),
        )
        self._key = key
        self._created = created
        self._can_change = can_change
        self._items: dict[Hashable, R] = {}
        # When each item was read (a tick of ``_clock``): newer reads win, see the module.
        self._read_at: dict[Hashable, int] = {}
        self._clock = itertools.count(1)
        self._listed_once = False
        self._lock = threading.Lock()

    @classmethod
    def paged(
        cls,
        fetch_pages: Callable[[datetime | None], Iterable[Sequence[R]]],
        key: Callable[[R], Hashable],
        created: Callable[[R], datetime | None],
        can_change: Callable[[R], bool],
    ) -> IncrementalLister[R]:
        """A lister whose ``fetch_pages(created_since)`` yields one sequence per page."""
        lister: IncrementalLister[R] = cls(lambda since: (), key, created, can_change)
        lister._pages = fetch_pages
        return lister

    def reset(self) -> None:
        with self._lock:
            self._items.clear()
            self._read_at.clear()
            self._listed_once = False

    def seed(self, items: Iterable[R]) -> None:
        """Start from a full listing made elsewhere (the start-up helper process, see
        :mod:`console.services.jobs_prefetch`): the next refresh is incremental."""
        with self._lock:
            tick = next(self._clock)
            self._items = {self._key(item): item for item in items}
            self._read_at = dict.fromkeys(self._items, tick)
            self._listed_once = True

    def _since(self) -> datetime | None:
        if not self._listed_once:
            return None
        stamps = [self._created(item) for item in self._items.values()]
        known = [s for s in stamps if s is not None]
        if not known:
            return None
        newest = max(known)
        live = [
            stamp
            for item in self._items.values()
            if self._can_change(item) and (stamp := self._created(item)) is not None
        ]
        return min([newest, *live]) - OVERLAP

    def refresh(self, on_page: Callable[[Progress[R]], object] | None = None) -> Delta[R]:
        """Fetch what can have changed; keep it once the listing has ended.

        ``on_page`` is called in this thread after each page with its :class:`Progress`.
        If it raises, the refresh stops there (and keeps nothing): that is how a caller
        drops a stream nobody wants any more (a context switch).
        """
        with self._lock:
            since = self._since()
        read: dict[Hashable, tuple[int, R]] = {}
        pages = iter(self._pages(since))
        count = 0
        while True:
            with self._lock:
                tick = next(self._clock)  # before the call: this read is at least as new
            page = next(pages, None)
            if page is None:
                break
            count += 1
            held_items = self._items  # read without the lock: a get is atomic
            for item in page:
                key = self._key(item)
                # Unchanged: the object held already (the table's), so a long re-read
                # never holds a second copy of the listing while it goes on (issue 21).
                held = held_items.get(key)
                read[key] = (tick, held if held is not None and held == item else item)
            if on_page is not None:
                snapshot = partial(self._merged, read)  # read on, never copied per page
                on_page(Progress(tuple(page), len(read), count, since is None, snapshot))
        with self._lock:
            changed = []
            for key, (tick, item) in read.items():
                if self._read_at.get(key, 0) > tick:
                    continue  # an overlapping refresh read it later: keep that
                if self._items.get(key) != item:
                    changed.append(item)
                    self._items[key] = item
                # else the object held stays: the table holds it too, so a re-read of
                # an unchanged item is not a second copy of it (issue 21)
                self._read_at[key] = tick
            self._listed_once = True
            return Delta(tuple(changed), tuple(self._items.values()), full=since is None)

    def _merged(self, read: dict[Hashable, tuple[int, R]]) -> tuple[R, ...]:
        """The snapshot as it would be if the listing ended with ``read``."""
        with self._lock:
            held, read_at = dict(self._items), dict(self._read_at)
        for key, (tick, item) in read.items():
            if read_at.get(key, 0) <= tick:
                held[key] = item
        return tuple(held.values())
