"""Incremental listing: refresh a keyed snapshot at a cost proportional to what can change.

A naive poll relists the whole account history every time; with thousands of jobs that
is dozens of throttled calls per poll, shared by every operator of the account. Jobs in a
terminal state (Completed, Failed, Stopped) never change again, so after one full listing
a refresh only needs the items created since the oldest one that can still change (or
since the newest one seen, if none can). Lists are read newest-first and paging stops
there: one call in a steady state, on real AWS and on local stacks alike (moto filters
after slicing pages, so its ``LastModifiedTimeAfter`` would still walk every page).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
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


class IncrementalLister(Generic[R]):
    """Keeps ``{key: record}`` up to date from a ``fetch(created_since)`` function.

    ``fetch(None)`` lists everything; ``fetch(t)`` must list at least every item created
    at or after ``t`` (newest first, stopping early is the point).
    """

    def __init__(
        self,
        fetch: Callable[[datetime | None], Iterable[R]],
        key: Callable[[R], Hashable],
        created: Callable[[R], datetime | None],
        can_change: Callable[[R], bool],
    ) -> None:
        self._fetch = fetch
        self._key = key
        self._created = created
        self._can_change = can_change
        self._items: dict[Hashable, R] = {}
        self._listed_once = False
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._items.clear()
            self._listed_once = False

    def seed(self, items: Iterable[R]) -> None:
        """Start from a full listing made elsewhere (the start-up helper process, see
        :mod:`console.services.jobs_prefetch`): the next refresh is incremental."""
        with self._lock:
            self._items = {self._key(item): item for item in items}
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

    def refresh(self) -> Delta[R]:
        with self._lock:
            since = self._since()
        fetched = list(self._fetch(since))
        with self._lock:
            changed = []
            for item in fetched:
                key = self._key(item)
                if self._items.get(key) != item:
                    changed.append(item)
                self._items[key] = item
            self._listed_once = True
            return Delta(tuple(changed), tuple(self._items.values()), full=since is None)
