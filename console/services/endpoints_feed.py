"""Fetching the Endpoints view's rows: every endpoint with its variants, cheaply.

ListEndpoints carries no variants, so each row needs a DescribeEndpoint. Describing every
endpoint on every poll would cost calls in proportion to the account's size; the feed
instead keeps the last description of each endpoint and describes one again only when
the listing says it changed (status or LastModifiedTime), while it is transitional
(Creating, Updating…), after this console changed it, or on a full refresh (`r`, and
every :data:`FULL_REFRESH_EVERY` polls as a safety net). Runs in a worker thread; no
Textual here.

The table's sparkline and 5xx rate (issue 16) come with the rows: one batched
GetMetricData per poll for the endpoints on screen whose numbers are older than a minute
(:data:`METRICS_EVERY`), so a fast poll of a busy account costs no more CloudWatch calls
than a slow one. Metrics are best effort: a denied or failing read keeps the last numbers
and says why, the rows come regardless.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from console.errors import NotFoundError, SmError, translate
from console.services.cloudwatch import CACHE_SECONDS, MAX_QUERIES_PER_CALL, SUMMARY_METRICS

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.cloudwatch import EndpointSummaryMetrics
    from console.services.endpoints import Endpoint, EndpointSummary

LIST_LIMIT = 1000
FULL_REFRESH_EVERY = 20
# An endpoint's sparkline is read again at most this often (seconds).
METRICS_EVERY = CACHE_SECONDS
# Variants whose summary fits one GetMetricData call: one refresh, one call.
VARIANTS_PER_CALL = MAX_QUERIES_PER_CALL // len(SUMMARY_METRICS)


@dataclass(frozen=True)
class EndpointsSnapshot:
    """Every endpoint, described, at ``fetched_at``."""

    items: tuple[Endpoint, ...]
    fetched_at: datetime
    # DescribeEndpoint calls this poll made (0 in a quiet steady state).
    described: int = 0
    # Each endpoint's last hour (sparkline, 5xx rate), as last read; GetMetricData calls
    # this poll made (0 or 1); why the metrics could not be read this time ("" if they were).
    metrics: Mapping[str, EndpointSummaryMetrics] = field(
        default_factory=lambda: MappingProxyType({})
    )
    metric_calls: int = 0
    metrics_error: str = ""

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
    clock: Callable[[], float] = time.monotonic
    _metrics: dict[str, EndpointSummaryMetrics] = field(default_factory=dict)
    _metrics_at: dict[str, float] = field(default_factory=dict)
    _shown: tuple[str, ...] | None = None

    def show(self, names: Iterable[str]) -> None:
        """The endpoints on screen (filtered rows, in order): only these get metrics."""
        with self._lock:
            self._shown = tuple(names)

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
        calls, error = self._read_metrics(items)
        return EndpointsSnapshot(
            tuple(items),
            datetime.now(UTC),
            described,
            MappingProxyType(dict(self._metrics)),
            calls,
            error,
        )

    def due_for_metrics(self, items: Iterable[Endpoint]) -> dict[str, list[str]]:
        """Endpoint -> variants whose numbers are older than :data:`METRICS_EVERY`, on
        screen, in screen order, as many as one GetMetricData call holds."""
        with self._lock:
            shown = self._shown
        by_name = {e.name: e for e in items}
        order = [n for n in shown if n in by_name] if shown is not None else list(by_name)
        now = self.clock()
        due: dict[str, list[str]] = {}
        room = VARIANTS_PER_CALL
        for name in order:
            at = self._metrics_at.get(name)
            variants = [v.name for v in by_name[name].variants]
            if not variants or (at is not None and now - at < METRICS_EVERY):
                continue
            if len(variants) > room:
                break  # the next poll takes the rest
            due[name] = variants
            room -= len(variants)
        return due

    def _read_metrics(self, items: list[Endpoint]) -> tuple[int, str]:
        """One batched read for the endpoints due; (calls made, why it failed)."""
        present = {e.name for e in items}
        for gone in set(self._metrics) - present:
            self._metrics.pop(gone, None)
            self._metrics_at.pop(gone, None)
        due = self.due_for_metrics(items)
        if not due:
            return 0, ""
        service = self.context.cloudwatch
        before = service.calls
        try:
            fresh = service.endpoints_summary(due)
        except SmError as exc:
            error = exc.one_line()
        except Exception as exc:  # a metrics failure never costs the operator the rows
            error = translate(exc).one_line()
        else:
            now = self.clock()
            self._metrics.update(fresh)
            self._metrics_at.update({name: now for name in fresh})
            return service.calls - before, ""
        # Failed: wait a minute before asking again for the same endpoints.
        now = self.clock()
        self._metrics_at.update({name: now for name in due})
        return service.calls - before, error
