"""The poller's timing rules, with a fake clock (no Textual, no network)."""

from __future__ import annotations

import random

import pytest

from screens.kit.poll_schedule import PollSchedule


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(clock: FakeClock, **kwargs: float) -> PollSchedule:
    params = {"interval": 15.0, "transitional_interval": 5.0, "max_backoff": 120.0, **kwargs}
    interval = params.pop("interval")
    schedule = PollSchedule(interval, clock=clock, rng=random.Random(7), **params)
    schedule.resume()
    return schedule


def test_nothing_polls_until_shown() -> None:
    clock = FakeClock()
    schedule = PollSchedule(15.0, clock=clock)
    assert not schedule.try_start()
    assert schedule.resume() == 0.0
    assert schedule.try_start()


def test_a_hidden_view_may_poll_once_then_waits_to_be_shown() -> None:
    clock = FakeClock()
    schedule = PollSchedule(15.0, clock=clock)
    assert schedule.try_start_first()
    assert not schedule.try_start_first()  # never beside the running one
    schedule.succeeded(transitional=False)
    assert not schedule.try_start_first()  # only the very first
    clock.advance(20)
    assert not schedule.try_start()  # still hidden: paused
    assert schedule.resume() == 0.0  # shown later: due since 5 s, polls at once
    assert schedule.try_start() and schedule.polls_started == 2


def test_polls_never_overlap_even_when_asked_to_refresh() -> None:
    clock = FakeClock()
    schedule = make(clock)
    assert schedule.try_start()
    assert not schedule.try_start()
    schedule.request_now()  # operator pressed r while the poll was running
    assert not schedule.try_start()
    delay = schedule.succeeded(transitional=False)
    # The refresh asked during the poll runs right after it, not concurrently.
    assert delay == 0.0
    assert schedule.try_start()
    assert schedule.polls_started == 2


def test_interval_and_transitional_interval() -> None:
    clock = FakeClock()
    schedule = make(clock)
    assert schedule.try_start()
    assert schedule.succeeded(transitional=False) == 15.0
    clock.advance(14.9)
    assert not schedule.try_start()
    clock.advance(0.2)
    assert schedule.try_start()
    assert schedule.succeeded(transitional=True) == 5.0


@pytest.mark.parametrize("kind", ["throttled", "unreachable"])
def test_backoff_is_exponential_jittered_and_capped(kind: str) -> None:
    clock = FakeClock()
    schedule = make(clock)
    delays = []
    for _ in range(6):
        clock.advance(1000)
        assert schedule.try_start()
        delays.append(schedule.failed(kind, "could not connect"))
    for failures, delay in enumerate(delays, start=1):
        ceiling = min(120.0, 15.0 * 2**failures)
        assert ceiling / 2 <= delay <= ceiling, (failures, delay)
    assert delays[0] < delays[1] < delays[2]
    assert max(delays) <= 120.0
    assert schedule.degraded is not None


def test_jitter_spreads_retries() -> None:
    clock = FakeClock()
    seen = set()
    for seed in range(20):
        schedule = PollSchedule(10.0, clock=clock, rng=random.Random(seed))
        seen.add(round(schedule.backoff_delay(3), 3))
    assert len(seen) > 10


def test_other_errors_retry_at_the_normal_pace() -> None:
    clock = FakeClock()
    schedule = make(clock)
    assert schedule.try_start()
    assert schedule.failed("access-denied", "access denied") == 15.0
    assert schedule.failures == 0
    assert schedule.degraded is not None
    assert schedule.degraded.message == "access denied"


def test_degraded_message_counts_down_and_clears_on_success() -> None:
    clock = FakeClock()
    schedule = make(clock, interval=4.0, transitional_interval=4.0)
    schedule.try_start()
    delay = schedule.failed("unreachable", "could not connect to http://127.0.0.1:9")
    degraded = schedule.degraded
    assert degraded is not None
    assert degraded.describe(clock()) == (
        f"endpoint unreachable (could not connect to http://127.0.0.1:9), "
        f"retrying in {round(delay)} s"
    )
    clock.advance(delay)
    assert degraded.describe(clock()).endswith("retrying in 0 s")
    assert schedule.try_start()
    schedule.succeeded(transitional=False)
    assert schedule.degraded is None
    assert schedule.failures == 0


def test_success_resets_backoff() -> None:
    clock = FakeClock()
    schedule = make(clock)
    for _ in range(3):
        clock.advance(1000)
        schedule.try_start()
        schedule.failed("throttled", "slow down")
    clock.advance(1000)
    schedule.try_start()
    assert schedule.succeeded(transitional=False) == 15.0
    clock.advance(1000)
    schedule.try_start()
    first_again = schedule.failed("throttled", "slow down")
    assert 15.0 <= first_again <= 30.0


def test_pause_holds_a_due_poll_until_resumed() -> None:
    clock = FakeClock()
    schedule = make(clock)
    schedule.try_start()
    schedule.succeeded(transitional=False)
    schedule.pause()
    clock.advance(60)
    assert not schedule.try_start()  # hidden tab: no API calls
    assert schedule.resume() == 0.0  # overdue: poll as soon as shown
    assert schedule.try_start()


def test_resume_before_due_waits_for_the_rest_of_the_interval() -> None:
    clock = FakeClock()
    schedule = make(clock)
    schedule.try_start()
    schedule.succeeded(transitional=False)
    schedule.pause()
    clock.advance(5)
    assert schedule.resume() == pytest.approx(10.0)


def test_resume_while_running_schedules_nothing_new() -> None:
    clock = FakeClock()
    schedule = make(clock)
    schedule.try_start()
    schedule.pause()
    assert schedule.resume() is None


def test_abandoned_poll_is_due_again_at_once() -> None:
    clock = FakeClock()
    schedule = make(clock)
    schedule.try_start()
    assert schedule.abandoned() == 0.0
    assert schedule.try_start()
