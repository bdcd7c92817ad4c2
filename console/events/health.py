"""Is the push channel working? The answer the header shows and the poller obeys.

- ``off``: no queue configured: the console polls as it always did.
- ``starting``: a queue is configured and not read yet: poll meanwhile.
- ``flowing``: the queue answers and events arrived recently: polls slow to the safety
  net (every few minutes, and once at start).
- ``silent``: the queue answers but nothing arrived for longer than expected (a rule
  deleted, a target misconfigured): poll again.
- ``missing`` / ``unreadable``: the queue does not exist, or cannot be read (access
  denied, credentials, network): poll again and say why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class EventsState(StrEnum):
    OFF = "off"
    STARTING = "starting"
    FLOWING = "flowing"
    SILENT = "silent"
    MISSING = "missing"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class EventsHealth:
    """A snapshot for the header: the state, a short label and why."""

    state: EventsState
    detail: str = ""
    last_event_age: float | None = None

    @property
    def pushing(self) -> bool:
        """True while events replace polling (the poller may slow to the safety net)."""
        return self.state is EventsState.FLOWING

    def label(self) -> str:
        labels = {
            EventsState.OFF: "polling",
            EventsState.STARTING: "events: connecting (polling)",
            EventsState.FLOWING: "events: live",
            EventsState.SILENT: "events: silent (polling)",
            EventsState.MISSING: "events: queue missing (polling)",
            EventsState.UNREADABLE: "events: queue unreadable (polling)",
        }
        return labels[self.state]


class HealthTracker:
    """Thread-safe: the consumer's thread writes, the UI thread reads."""

    # With no event for this long the channel counts as silent. An idle account may be
    # quiet for hours; polling then costs what it always did, and the first event
    # switches back to push.
    SILENT_AFTER = 900.0
    # While events flow, the periodic polls still run this often (a missed event is
    # corrected within this time).
    SAFETY_NET = 300.0

    def __init__(
        self,
        *,
        configured: bool = True,
        silent_after: float | None = None,
        safety_net: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.silent_after = silent_after if silent_after is not None else self.SILENT_AFTER
        self.safety_net = safety_net if safety_net is not None else self.SAFETY_NET
        self._configured = configured
        self._started = clock()
        self._last_read: float | None = None
        self._last_event: float | None = None
        self._failure: EventsState | None = None
        self._detail = ""

    def read_ok(self, *, events: int) -> None:
        """A receive answered (with ``events`` messages of ours)."""
        with self._lock:
            now = self._clock()
            self._last_read = now
            if events:
                self._last_event = now
            self._failure = None
            self._detail = ""

    def read_failed(self, state: EventsState, detail: str) -> None:
        with self._lock:
            self._failure = state
            self._detail = detail

    def snapshot(self) -> EventsHealth:
        with self._lock:
            now = self._clock()
            if not self._configured:
                return EventsHealth(EventsState.OFF)
            age = None if self._last_event is None else now - self._last_event
            if self._failure is not None:
                return EventsHealth(self._failure, self._detail, age)
            if self._last_read is None:
                return EventsHealth(EventsState.STARTING, "", age)
            # Silence counts from the last event, or from the start when none came yet.
            quiet_since = self._last_event if self._last_event is not None else self._started
            if now - quiet_since > self.silent_after:
                return EventsHealth(
                    EventsState.SILENT, f"no event for {int(now - quiet_since)} s", age
                )
            return EventsHealth(EventsState.FLOWING, "", age)

    def poll_interval(self, normal: float) -> float:
        """The poller's interval for a view whose normal interval is ``normal``."""
        return max(normal, self.safety_net) if self.snapshot().pushing else normal
