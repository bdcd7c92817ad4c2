"""The Poller widget in a small host app: non-overlap, pause, backoff banner, staleness,
and that a hanging poll never delays key handling. No AWS: the fetch is a fake."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message

from console.errors import AccessDeniedError, ThrottledError, UnreachableError
from screens.kit.messages import PollFailed, PollHealthChanged
from screens.kit.poll_schedule import PollSchedule
from screens.kit.poller import Poller
from tests.tui.conftest import wait_until


@dataclass
class ThingsListed(Message):
    generation: int
    value: int


class FakeFetch:
    """Counts calls and concurrency; can block, fail, or return a counter."""

    def __init__(self, *, sleep: float = 0.0) -> None:
        self.sleep = sleep
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self.errors: list[Exception] = []
        self.gate: threading.Event | None = None
        self._lock = threading.Lock()

    def __call__(self, context: Any) -> int:
        with self._lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            error = self.errors.pop(0) if self.errors else None
        try:
            if self.gate is not None:
                self.gate.wait(5)
            if self.sleep:
                time.sleep(self.sleep)
            if error is not None:
                raise error
            return self.calls
        finally:
            with self._lock:
                self.active -= 1


class HostApp(App[None]):
    """Implements the ConsoleHost protocol with no AWS at all."""

    BINDINGS = [Binding("x", "count", "Count")]

    def __init__(self, fetch: FakeFetch, **schedule: float) -> None:
        super().__init__()
        self.fetch = fetch
        self.context: Any = object()
        self.generation = 0
        self.jobs_snapshot = None
        self.keys_handled = 0
        self.listed: list[ThingsListed] = []
        self.failed: list[PollFailed] = []
        self.health: list[PollHealthChanged] = []
        params = {"interval": 0.05, "transitional_interval": 0.05, "max_backoff": 0.4, **schedule}
        self.schedule_factory = partial(PollSchedule, params.pop("interval"), **params)

    def compose(self) -> ComposeResult:
        yield Poller[int](
            "things",
            self.fetch,
            result=ThingsListed,
            transitional=lambda value: False,
            schedule=self.schedule_factory,
            id="poller",
        )

    @property
    def poller(self) -> Poller[int]:
        return self.query_one(Poller)

    def on_mount(self) -> None:
        self.poller.set_shown(True)

    def on_things_listed(self, message: ThingsListed) -> None:
        self.listed.append(message)

    def on_poll_failed(self, message: PollFailed) -> None:
        self.failed.append(message)

    def on_poll_health_changed(self, message: PollHealthChanged) -> None:
        self.health.append(message)

    def action_count(self) -> None:
        self.keys_handled += 1


async def test_polls_repeat_but_never_overlap() -> None:
    fetch = FakeFetch(sleep=0.08)
    app = HostApp(fetch, interval=0.01, transitional_interval=0.01)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: len(app.listed) >= 4, what="4 polls")
    assert fetch.max_active == 1
    assert [m.value for m in app.listed[:4]] == [1, 2, 3, 4]


async def test_hanging_poll_does_not_delay_keys() -> None:
    fetch = FakeFetch()
    fetch.gate = threading.Event()
    app = HostApp(fetch)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: fetch.active == 1, what="poll in flight")
        started = time.monotonic()
        await pilot.press("x", "x", "x")
        assert app.keys_handled == 3
        # The fetch is blocked for up to 5 s: keys must not wait for it.
        assert time.monotonic() - started < 3.0
        assert app.listed == []  # still hanging
        fetch.gate.set()
        await wait_until(pilot, lambda: app.listed, what="the poll to finish")


async def test_hidden_poller_makes_no_calls_and_resumes_when_shown() -> None:
    fetch = FakeFetch()
    app = HostApp(fetch)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: len(app.listed) >= 1, what="first poll")
        app.poller.set_shown(False)
        await pilot.pause(0.1)
        calls = fetch.calls
        await pilot.pause(0.4)  # 8 intervals
        assert fetch.calls == calls
        app.poller.set_shown(True)
        await wait_until(pilot, lambda: fetch.calls > calls, what="poll after resume")


async def test_throttling_backs_off_shows_banner_and_recovers() -> None:
    fetch = FakeFetch()
    fetch.errors = [ThrottledError("ListTrainingJobs is being throttled by AWS")] * 2
    app = HostApp(fetch, interval=0.05, max_backoff=0.3)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.failed, what="a failed poll")
        poller = app.poller
        assert poller.has_class("-degraded")
        assert poller.banner_text.startswith("throttled by AWS, retrying")
        assert app.health[0].problem == "throttled by AWS"
        assert app.failed[0].error.kind == "throttled"
        await wait_until(pilot, lambda: app.listed, what="recovery")
        assert poller.banner_text == ""
        assert not poller.has_class("-degraded")
        assert app.health[-1].problem is None
        assert poller.schedule.failures == 0


async def test_unreachable_banner_wording() -> None:
    fetch = FakeFetch()
    fetch.errors = [UnreachableError("could not connect to http://127.0.0.1:9")] * 50
    app = HostApp(fetch, interval=5.0, max_backoff=20.0)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.failed, what="a failed poll")
        text = app.poller.banner_text
        assert text.startswith("endpoint unreachable (could not connect to http://127.0.0.1:9)")
        assert "retrying in " in text and text.endswith(" s")
        seconds = int(text.rsplit("retrying in ", 1)[1].split()[0])
        assert 3 <= seconds <= 10  # first backoff: interval*2, half of it jittered


async def test_non_load_errors_are_shown_without_backoff() -> None:
    fetch = FakeFetch()
    fetch.errors = [AccessDeniedError("access denied for ListTrainingJobs")]
    app = HostApp(fetch)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.failed, what="a failed poll")
        assert app.poller.schedule.failures == 0
        await wait_until(pilot, lambda: app.listed, what="the next poll at the normal pace")


async def test_stale_results_are_dropped() -> None:
    fetch = FakeFetch()
    fetch.gate = threading.Event()
    app = HostApp(fetch, interval=10.0)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: fetch.active == 1, what="poll in flight")
        app.generation += 1  # the operator switched profile/region meanwhile
        fetch.gate.set()
        await wait_until(pilot, lambda: fetch.calls >= 2, what="a poll of the new context")
        await wait_until(pilot, lambda: app.listed, what="the new result")
        assert all(message.generation == 1 for message in app.listed)
        assert app.listed[0].value == 2


async def test_refresh_now_while_running_does_not_overlap() -> None:
    fetch = FakeFetch(sleep=0.1)
    app = HostApp(fetch, interval=10.0)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: fetch.active == 1, what="poll in flight")
        app.poller.refresh_now()
        app.poller.refresh_now()
        await wait_until(pilot, lambda: len(app.listed) >= 2, what="the requested refresh")
        assert fetch.max_active == 1
        await pilot.pause(0.2)
        assert fetch.calls == 2
