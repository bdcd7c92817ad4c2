"""Fetching the Endpoints view's rows: every endpoint with its variants, cheaply.

ListEndpoints carries no variants, so each row needs a DescribeEndpoint. Describing every
endpoint on every poll would cost calls in proportion to the account's size; the feed
instead keeps the last description of each endpoint and describes one again only when
the listing says it changed (status or LastModifiedTime), while it is transitional
(Creating, Updating…), after this console changed it, or on a full refresh (`r`, and
every :data:`FULL_REFRESH_EVERY` polls as a safety net). Runs in a worker thread; no
Textual here.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from console.errors import NotFoundError

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.endpoints import Endpoint, EndpointSummary

LIST_LIMIT = 1000
FULL_REFRESH_EVERY = 20


@dataclass(frozen=True)
class EndpointsSnapshot:
    """Every endpoint, described, at ``fetched_at``."""

    items: tuple[Endpoint, ...]
    fetched_at: datetime
    # DescribeEndpoint calls this poll made (0 in a quiet steady state).
    described: int = 0

    @property
    def transitional(self) -> bool:
        return any(endpoint.transitional for endpoint in self.items)

    def counts(self) -> Counter[str]:
        return Counter(endpoint.status for endpoint in self.items)


def _stamp(summary: EndpointSummary | Endpoint) -> tuple[str, datetime | None]:
    return (summary.status, summary.modified)


@dataclass
class EndpointsFeed:
    """The descriptions of one :class:`ConsoleContext`'s endpoints, kept between polls.

    One feed per context (a profile/region switch starts a new one). Polls never overlap
    (see the poller); :meth:`invalidate` and :meth:`request_full` are called from the UI
    thread, hence the lock.
    """

    context: ConsoleContext
    _known: dict[str, Endpoint] = field(default_factory=dict)
    _stale: set[str] = field(default_factory=set)
    _full: bool = True
    _polls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def invalidate(self, name: str) -> None:
        """Describe ``name`` again on the next poll (this console just changed it)."""
        with self._lock:
            self._stale.add(name)

    def request_full(self) -> None:
        """Describe every endpoint on the next poll (manual refresh)."""
        with self._lock:
            self._full = True

    def fetch(self) -> EndpointsSnapshot:
        with self._lock:
            self._polls += 1
            full = self._full or self._polls % FULL_REFRESH_EVERY == 0
            stale, self._stale, self._full = self._stale, set(), False
        try:
            return self._fetch(full, stale)
        except BaseException:
            # Not done: the next poll must still describe what this one was asked to.
            with self._lock:
                self._stale |= stale
                self._full = self._full or full
            raise

    def _fetch(self, full: bool, stale: set[str]) -> EndpointsSnapshot:
        service = self.context.endpoints
        items: list[Endpoint] = []
        described = 0
        for summary in service.list_endpoints(limit=LIST_LIMIT):
            known = self._known.get(summary.name)
            if (
                full
                or known is None
                or summary.name in stale
                or summary.transitional
                or known.transitional
                or _stamp(known) != _stamp(summary)
            ):
                try:
                    known = service.describe_endpoint(summary.name)
                except NotFoundError:
                    continue  # deleted between the list and the describe
                described += 1
            items.append(known)
        self._known = {endpoint.name: endpoint for endpoint in items}
        return EndpointsSnapshot(tuple(items), datetime.now(UTC), described)
