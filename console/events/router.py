"""Where the TUI wires in: one consumer thread, many views, "refresh only this resource".

:class:`RefreshRouter` is the consumer's handler. Views subscribe with the kinds they show
and a callback taking the changes of those kinds in one coalesced batch (one per
resource): it describes each resource once and updates its rows once for the whole batch
(one table update and one hop to the UI thread per batch, not per event: a burst of
thousands must not queue thousands of redraws ahead of the operator's keys). A callback
that raises fails the batch, so its messages stay in the queue and come back (SQS
redelivery; the ledger drops what was applied already).

:class:`EventsRunner` owns the consumer thread; ``runner.health`` is what the header
shows and ``runner.poll_interval(normal)`` what each poller waits while events flow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from console.events.consumer import EventConsumer
from console.events.health import EventsHealth, HealthTracker
from console.events.records import ResourceChanged

# The changes of one batch that a subscription's kinds cover (never empty).
Callback = Callable[[Sequence[ResourceChanged]], None]


@dataclass(frozen=True)
class _Subscription:
    kinds: frozenset[str]
    callback: Callback


class RefreshRouter:
    """Hands each subscription the batch's changes of the kinds it shows, in one call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: list[_Subscription] = []

    def subscribe(self, kinds: Iterable[str], callback: Callback) -> Callable[[], None]:
        """Call ``callback`` with each batch's changes of ``kinds`` (once per batch, skipped
        when the batch has none); returns the unsubscribe function."""
        subscription = _Subscription(frozenset(kinds), callback)
        with self._lock:
            self._subscriptions.append(subscription)

        def unsubscribe() -> None:
            with self._lock:
                if subscription in self._subscriptions:
                    self._subscriptions.remove(subscription)

        return unsubscribe

    def __call__(self, changes: Sequence[ResourceChanged]) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            mine = [change for change in changes if change.kind in subscription.kinds]
            if mine:
                subscription.callback(mine)


class EventsRunner:
    """The consumer on a daemon thread, for the life of a console."""

    def __init__(
        self,
        factory: Any,
        queue_url: str,
        router: RefreshRouter,
        *,
        health: HealthTracker | None = None,
        wait_seconds: int | None = None,
    ) -> None:
        self.router = router
        self.consumer = EventConsumer(
            factory, queue_url, router, health=health, wait_seconds=wait_seconds
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def health(self) -> EventsHealth:
        return self.consumer.health.snapshot()

    def poll_interval(self, normal: float) -> float:
        return self.consumer.health.poll_interval(normal)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.consumer.run, args=(self._stop,), name="smconsole-events", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end; a receive under way ends within its wait (<= 20 s)."""
        self._stop.set()
        if self._thread is not None and timeout is not None:
            self._thread.join(timeout)
