"""Incremental listing: refresh a keyed snapshot with only what changed since last time.

A naive poll relists the whole account history every time; with thousands of jobs that
is dozens of throttled calls per poll, shared by every operator of the account. Instead
the first refresh lists everything once and later refreshes ask only for items modified
after the newest modification time seen (minus a small overlap for clock skew).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

R = TypeVar("R")

OVERLAP = timedelta(seconds=2)


@dataclass(frozen=True)
class Delta(Generic[R]):
    """What one refresh found: the changed/new items and the whole current snapshot."""

    changed: tuple[R, ...]
    items: tuple[R, ...]
    full: bool


class IncrementalLister(Generic[R]):
    """Keeps ``{key: record}`` up to date from a ``fetch(since)`` function.

    ``fetch(None)`` must list everything; ``fetch(t)`` items modified after ``t``.
    """

    def __init__(
        self,
        fetch: Callable[[datetime | None], Iterable[R]],
        key: Callable[[R], Hashable],
        modified: Callable[[R], datetime | None],
    ) -> None:
        self._fetch = fetch
        self._key = key
        self._modified = modified
        self._items: dict[Hashable, R] = {}
        self._high_water: datetime | None = None
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._items.clear()
            self._high_water = None

    def refresh(self) -> Delta[R]:
        with self._lock:
            since = self._high_water - OVERLAP if self._high_water else None
        fetched = list(self._fetch(since))
        with self._lock:
            changed = []
            for item in fetched:
                key = self._key(item)
                if self._items.get(key) != item:
                    changed.append(item)
                self._items[key] = item
                stamp = self._modified(item)
                if stamp and (self._high_water is None or stamp > self._high_water):
                    self._high_water = stamp
            return Delta(tuple(changed), tuple(self._items.values()), full=since is None)
