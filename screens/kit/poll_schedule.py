"""When the next poll may run: the pure, clock-driven half of the poller.

Kept free of Textual so the rules operators care about can be tested with a fake clock:

- polls never overlap: a new one starts only after the last one finished;
- the interval is per resource, shorter while something shown is transitional
  (InProgress, Creating, Stopping...), so changes show up quickly without spending the
  account's shared API quota the rest of the time;
- while paused (tab hidden, modal open) nothing starts; a poll that fell due meanwhile
  runs as soon as the view is shown again;
- throttling and network errors back off exponentially with jitter, capped; any success
  resets the backoff and clears the degraded message.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

# Error kinds (``SmError.kind``) that mean "the service is overloaded or unreachable":
# retrying at the normal rate would make things worse, so these back off.
BACKOFF_KINDS = frozenset({"throttled", "unreachable"})


@dataclass(frozen=True)
class Degraded:
    """Why the last poll failed, and when the next attempt is due (for the banner)."""

    kind: str
    message: str
    retry_at: float

    def describe(self, now: float) -> str:
        """One line such as ``endpoint unreachable, retrying in 8 s``."""
        seconds = max(0, round(self.retry_at - now))
        return f"{self.message}, retrying in {seconds} s"


def degraded_message(kind: str, message: str) -> str:
    """The operator-facing lead of the degraded banner for an error kind."""
    if kind == "unreachable":
        return f"endpoint unreachable ({message})"
    if kind == "throttled":
        return "throttled by AWS"
    return message


class PollSchedule:
    """State machine deciding when a poll may start and how long to wait after it.

    The owner calls :meth:`try_start` when a timer fires (or on demand), then exactly one
    of :meth:`succeeded`, :meth:`failed` or :meth:`abandoned` when the fetch ends; those
    return the delay until the next poll, which the owner turns into a one-shot timer.
    """

    def __init__(
        self,
        interval: float,
        *,
        transitional_interval: float | None = None,
        max_backoff: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.interval = interval
        self.transitional_interval = min(interval, transitional_interval or interval)
        self.max_backoff = max(max_backoff, interval)
        self._clock = clock
        self._rng = rng or random.Random()
        self.running = False
        self.paused = True  # nothing polls until the owner says the view is shown
        self.failures = 0
        self.transitional = False
        self.degraded: Degraded | None = None
        self.due_at: float | None = clock()  # the first poll is due at once
        self.polls_started = 0

    # --- starting ----------------------------------------------------------------
    def try_start(self) -> bool:
        """Start a poll if none is running, the view is shown and one is due."""
        if self.running or self.paused or not self.is_due():
            return False
        self.running = True
        self.due_at = None
        self.polls_started += 1
        return True

    def try_start_first(self) -> bool:
        """Start the very first poll even while paused (a hidden tab's count at start-up).

        Only once and never beside a running poll; later polls wait for the view.
        """
        if self.running or self.polls_started:
            return False
        self.running = True
        self.due_at = None
        self.polls_started += 1
        return True

    def is_due(self) -> bool:
        return self.due_at is not None and self._clock() >= self.due_at

    def request_now(self) -> None:
        """Make a poll due at once (manual refresh, after a mutation).

        If one is running, the next one is due as soon as it finishes: never two at once.
        """
        self.due_at = self._clock()

    # --- finishing ---------------------------------------------------------------
    def succeeded(self, *, transitional: bool) -> float:
        self.running = False
        self.failures = 0
        self.degraded = None
        self.transitional = transitional
        return self._next(self.transitional_interval if transitional else self.interval)

    def failed(self, kind: str, message: str) -> float:
        self.running = False
        if kind in BACKOFF_KINDS:
            self.failures += 1
            delay = self.backoff_delay(self.failures)
        else:
            # Not a load problem (e.g. access denied): retry at the normal pace.
            delay = self.interval
        delay = self._next(delay)
        assert self.due_at is not None
        self.degraded = Degraded(kind, degraded_message(kind, message), self.due_at)
        return delay

    def abandoned(self) -> float:
        """The fetch was cancelled (context switch, shutdown): due again at once."""
        self.running = False
        return self._next(0.0)

    def backoff_delay(self, failures: int) -> float:
        """Exponential from the normal interval, capped, with "equal jitter".

        Half the delay is fixed and half random, so many consoles of one account that
        failed together do not retry in lock-step, yet each waits at least half.
        """
        base = self.transitional_interval if self.transitional else self.interval
        capped = min(self.max_backoff, base * 2.0 ** min(failures, 30))
        return capped / 2 + self._rng.uniform(0, capped / 2)

    def _next(self, delay: float) -> float:
        now = self._clock()
        due = now + delay
        # A manual request made while running keeps its earlier due time.
        if self.due_at is not None and self.due_at < due:
            return max(0.0, self.due_at - now)
        self.due_at = due
        return delay

    # --- visibility --------------------------------------------------------------
    def pause(self) -> None:
        self.paused = True

    def resume(self) -> float | None:
        """Unpause; return seconds until the next poll (0 if overdue), None if running."""
        self.paused = False
        if self.running or self.due_at is None:
            return None
        return max(0.0, self.due_at - self._clock())

    def now(self) -> float:
        return self._clock()

    def seconds_until_due(self) -> float | None:
        if self.due_at is None:
            return None
        return max(0.0, self.due_at - self._clock())
