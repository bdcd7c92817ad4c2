"""The poller's schedule against a model: any mix of timers, results, pauses, requests.

Rules checked on every step, whatever the order of events: a poll never starts beside
another; nothing starts while hidden (except the one first poll); the delay after a poll
is the normal or transitional interval, or an exponential backoff within its jittered
bounds and never above the cap; a success clears the backoff and the degraded banner; a
manual request made during a poll makes the next one due as soon as it ends.
"""

from __future__ import annotations

import math
import random

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from screens.kit.poll_schedule import BACKOFF_KINDS, PollSchedule
from tests.support.stateful import STATEFUL

KINDS = st.sampled_from(("throttled", "unreachable", "access_denied", "not_found"))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class PollScheduleMachine(RuleBasedStateMachine):
    @initialize(
        interval=st.sampled_from((5.0, 15.0, 30.0)),
        transitional=st.one_of(st.none(), st.sampled_from((2.0, 5.0, 60.0))),
        max_backoff=st.sampled_from((10.0, 120.0, 600.0)),
        seed=st.integers(0, 99),
    )
    def start(
        self, interval: float, transitional: float | None, max_backoff: float, seed: int
    ) -> None:
        self.clock = Clock()
        self.schedule = PollSchedule(
            interval,
            transitional_interval=transitional,
            max_backoff=max_backoff,
            clock=self.clock,
            rng=random.Random(seed),
        )
        self.interval = interval
        self.fast = min(interval, transitional or interval)
        self.cap = max(max_backoff, interval)
        self.running = False
        self.paused = True
        self.started = 0
        self.failures = 0
        self.transitional = False
        self.requested_while_running = False
        self.last_delay: float | None = None

    # --- events -----------------------------------------------------------------------
    @rule(seconds=st.floats(0, 200, allow_nan=False))
    def time_passes(self, seconds: float) -> None:
        self.clock.now += seconds

    @rule()
    def timer_fires(self) -> None:
        due = self.schedule.due_at
        expected = (
            not self.running and not self.paused and due is not None and self.clock.now >= due
        )
        assert self.schedule.try_start() == expected
        if expected:
            self.running, self.requested_while_running = True, False
            self.started += 1

    @rule()
    def first_poll_while_hidden(self) -> None:
        expected = not self.running and self.started == 0
        assert self.schedule.try_start_first() == expected
        if expected:
            self.running, self.requested_while_running = True, False
            self.started += 1

    @rule()
    def refresh_key(self) -> None:
        self.schedule.request_now()
        if self.running:
            self.requested_while_running = True
        else:
            assert self.schedule.seconds_until_due() == 0.0

    @rule()
    def hidden(self) -> None:
        self.schedule.pause()
        self.paused = True

    @rule()
    def shown(self) -> None:
        wait = self.schedule.resume()
        self.paused = False
        if self.running:
            assert wait is None
        elif wait is not None:
            assert wait >= 0.0

    @precondition(lambda self: self.running)
    @rule(transitional=st.booleans())
    def poll_succeeds(self, transitional: bool) -> None:
        delay = self.schedule.succeeded(transitional=transitional)
        self._finished(delay, self.fast if transitional else self.interval)
        self.failures, self.transitional = 0, transitional
        assert self.schedule.degraded is None
        assert self.schedule.failures == 0

    @precondition(lambda self: self.running)
    @rule(kind=KINDS)
    def poll_fails(self, kind: str) -> None:
        delay = self.schedule.failed(kind, "boom")
        if kind in BACKOFF_KINDS:
            self.failures += 1
            base = self.fast if self.transitional else self.interval
            capped = min(self.cap, base * 2.0 ** min(self.failures, 30))
            if not self.requested_while_running:
                assert capped / 2 <= delay <= capped
            self._finished(delay, capped, exact=False)
        else:
            self._finished(delay, self.interval)
        degraded = self.schedule.degraded
        assert degraded is not None and degraded.kind == kind
        assert degraded.retry_at == self.schedule.due_at

    @precondition(lambda self: self.running)
    @rule()
    def poll_cancelled(self) -> None:
        delay = self.schedule.abandoned()
        self._finished(delay, 0.0)
        assert delay == 0.0

    def _finished(self, delay: float, nominal: float, *, exact: bool = True) -> None:
        """``nominal``: the delay the rules give (``exact``: no jitter in it)."""
        self.running = False
        assert 0.0 <= delay <= max(nominal, self.cap)
        if self.requested_while_running:
            # Asked for during the poll: due the moment it ends.
            assert delay == 0.0
        elif exact:
            assert delay == nominal
        assert math.isclose(self.schedule.seconds_until_due() or 0.0, delay, abs_tol=1e-9)
        self.last_delay = delay

    # --- always ---------------------------------------------------------------------
    @invariant()
    def agrees(self) -> None:
        schedule = self.schedule
        assert schedule.running == self.running
        assert schedule.paused == self.paused
        assert schedule.polls_started == self.started
        assert schedule.failures == self.failures
        # While a poll runs nothing else is due from the timer's side: no second poll.
        if self.running:
            assert not schedule.try_start()
            assert not schedule.try_start_first()


TestPollSchedule = PollScheduleMachine.TestCase
TestPollSchedule.settings = STATEFUL
