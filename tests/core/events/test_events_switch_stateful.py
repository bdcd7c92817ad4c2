"""Model-based test of the live/not-live poll switch (issue 18).

The parts are the real ones: an :class:`EventConsumer` reading a real SQS queue on the
moto server (through the fault proxy, which denies ReceiveMessage on demand), its
:class:`HealthTracker` on a clock the machine turns, the app's :class:`EventsLink`
(``health``, ``poll_interval``) with the header's :func:`header_label`, and a pushed
poller's own switch code (``Poller._pushed_delay`` and ``Poller.events_stopped``, run on a
:class:`PollSchedule` with the same clock). The app's once-a-second check
(``SmConsoleApp.show_events_health``: ``EventsLink.stopped_flowing`` -> the pushed
pollers poll at once) is :meth:`SwitchMachine.tick`.

The model is a few numbers: when the queue last answered, when an event last came, and
whether the last read failed and why. It says what must hold:

- events flowing: the header says ``events: live`` and a finished poll waits the slow
  safety net;
- queue missing, unreadable, or silent longer than expected: the header says so and
  ``— polling``; a finished poll waits its normal interval, and once the app's check has
  seen the change, a poll that was waiting for the safety net is due within the normal
  interval (at once).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from console.aws.session import AwsContext, SessionFactory
from console.events.consumer import EventConsumer
from console.events.health import EventsState, HealthTracker
from console.events.router import EventsRunner, RefreshRouter
from screens.kit.events_link import EventsLink, header_label
from screens.kit.poll_schedule import PollSchedule
from screens.kit.poller import Poller
from tests.support.events import job_detail, sagemaker_event
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.moto_server import MotoServer, start_moto_server
from tests.support.stateful import STATEFUL

SILENT_AFTER = 120.0
SAFETY_NET = 300.0
INTERVAL = 15.0
TRANSITIONAL = 5.0
T0 = datetime(2026, 1, 1, tzinfo=UTC)
_servers: list[tuple[MotoServer, FaultProxy]] = []
_counter = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def _moto() -> Iterator[None]:
    server = start_moto_server()
    proxy = FaultProxy(server.url).start()
    _servers.append((server, proxy))
    try:
        yield
    finally:
        _servers.pop()
        proxy.stop()
        server.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class PushedPoller:
    """A pushed poller without a screen: its switch methods are the Poller's own."""

    def __init__(self, schedule: PollSchedule, link: EventsLink) -> None:
        self.pushed = True
        self.schedule = schedule
        self.app = SimpleNamespace(events=link)

    def refresh_now(self) -> None:
        self.schedule.request_now()  # the Poller's refresh_now, less its timer

    def finish_poll(self, *, transitional: bool) -> float:
        delay = self.schedule.succeeded(transitional=transitional)
        return float(Poller._pushed_delay(self, delay))  # type: ignore[arg-type]

    def events_stopped(self) -> None:
        Poller.events_stopped(self)  # type: ignore[arg-type]


class SwitchMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        server, self.proxy = _servers[0]
        self.proxy.clear()
        self.sqs = server.client("sqs")
        self.queue_name = f"switch-{next(_counter)}"
        self.queue_url = self.sqs.create_queue(QueueName=self.queue_name)["QueueUrl"]
        self.clock = Clock()
        health = HealthTracker(silent_after=SILENT_AFTER, safety_net=SAFETY_NET, clock=self.clock)
        factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=self.proxy.url))
        self.link = EventsLink(SimpleNamespace())  # type: ignore[arg-type]
        self.link.runner = EventsRunner(
            factory, self.queue_url, RefreshRouter(), health=health, wait_seconds=0
        )
        self.consumer: EventConsumer = self.link.runner.consumer
        self.consumer.visibility_timeout = 0
        schedule = PollSchedule(INTERVAL, transitional_interval=TRANSITIONAL, clock=self.clock)
        schedule.resume()
        self.poller = PushedPoller(schedule, self.link)
        # The model.
        self.started = self.clock.now
        self.queue_exists = True
        self.denied = False
        self.queued_events = 0
        self.last_read: float | None = None
        self.last_event: float | None = None
        self.failure: EventsState | None = None
        self.waiting_for_net = False  # a poll finished while flowing, not yet called off

    # --- the model's answer -------------------------------------------------------------
    def expected(self) -> EventsState:
        if self.failure is not None:
            return self.failure
        if self.last_read is None:
            return EventsState.STARTING
        quiet_since = self.last_event if self.last_event is not None else self.started
        if self.clock.now - quiet_since > SILENT_AFTER:
            return EventsState.SILENT
        return EventsState.FLOWING

    # --- the world ----------------------------------------------------------------------
    @precondition(lambda self: self.queue_exists and self.queued_events < 6)
    @rule(count=st.integers(1, 3))
    def send(self, count: int) -> None:
        for _ in range(count):
            detail_type, detail = job_detail("training", "job-a", "InProgress", T0)
            event = sagemaker_event(detail_type, detail, when=T0, event_id=str(uuid.uuid4()))
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(event))
        self.queued_events += count

    @precondition(lambda self: self.queue_exists and self.queued_events < 6)
    @rule(count=st.integers(1, 3), then_poll=st.booleans())
    def events_arrive(self, count: int, then_poll: bool = False) -> None:
        """Events sent and the consumer's next receive, in one step (the common case);
        ``then_poll``: a poll finishes in the same second, before the app's next check."""
        self.send(count)
        self.receive()
        if then_poll:
            self.poll_finished(False)

    @precondition(lambda self: self.queue_exists)
    @rule()
    def junk(self) -> None:
        """Not a SageMaker event: read, deleted, and no sign that events flow."""
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody='{"source": "aws.ec2"}')

    @precondition(lambda self: self.queue_exists)
    @rule()
    def delete_queue(self) -> None:
        self.sqs.delete_queue(QueueUrl=self.queue_url)
        self.queue_exists = False
        self.queued_events = 0

    @precondition(lambda self: not self.queue_exists)
    @rule()
    def recreate_queue(self) -> None:
        self.queue_url = self.sqs.create_queue(QueueName=self.queue_name)["QueueUrl"]
        self.queue_exists = True

    @rule(denied=st.booleans())
    def set_denied(self, denied: bool) -> None:
        self.proxy.clear()
        if denied:
            self.proxy.add(Fault("denied", "sqs", "ReceiveMessage"))
        self.denied = denied

    @rule(seconds=st.sampled_from([1.0, 20.0, 60.0, 119.0, 121.0, 299.0, 301.0]))
    def advance(self, seconds: float) -> None:
        self.clock.now += seconds

    # --- the console ----------------------------------------------------------------------
    @rule()
    def receive(self) -> None:
        result = self.consumer.poll_once()
        if self.denied:
            self.failure = EventsState.UNREADABLE
        elif not self.queue_exists:
            self.failure = EventsState.MISSING
        else:
            assert not result.error, result.error
            self.failure = None
            self.last_read = self.clock.now
            if self.queued_events:
                self.last_event = self.clock.now
            self.queued_events = 0
            return
        assert result.error

    @rule()
    def tick(self) -> None:
        """The app's once-a-second check (SmConsoleApp.show_events_health)."""
        if self.link.stopped_flowing():
            self.poller.events_stopped()
        if not self.link.health.pushing:
            self.waiting_for_net = False

    @rule(transitional=st.booleans())
    def poll_finished(self, transitional: bool) -> None:
        schedule = self.poller.schedule
        schedule.request_now()
        assert schedule.try_start()
        waited = self.poller.finish_poll(transitional=transitional)
        normal = TRANSITIONAL if transitional else INTERVAL
        flowing = self.expected() is EventsState.FLOWING
        wanted = max(normal, SAFETY_NET) if flowing else normal
        assert waited == wanted
        assert schedule.seconds_until_due() == wanted
        self.waiting_for_net = flowing

    # --- what must hold -----------------------------------------------------------------
    @invariant()
    def header_says_what_the_model_says(self) -> None:
        health = self.link.health
        expected = self.expected()
        assert health.state is expected
        label = header_label(health)
        if expected is EventsState.FLOWING:
            assert label == "events: live"
            assert self.link.poll_interval(INTERVAL) == SAFETY_NET
            return
        assert label.endswith("— polling"), label
        words = {
            EventsState.STARTING: "events: connecting",
            EventsState.SILENT: "events: silent",
            EventsState.MISSING: "events: queue missing",
            EventsState.UNREADABLE: "events: queue unreadable",
        }[expected]
        assert label.startswith(words), label
        assert self.link.poll_interval(INTERVAL) == INTERVAL

    @invariant()
    def polling_resumes_once_the_app_saw_events_stop(self) -> None:
        if self.waiting_for_net:
            return  # events were flowing at the last poll: the safety net may hold
        due = self.poller.schedule.seconds_until_due()
        assert due is not None and due <= INTERVAL, due


TestSwitch = SwitchMachine.TestCase
TestSwitch.settings = settings(STATEFUL)


def test_the_machine_reaches_every_state_and_the_race_it_found() -> None:
    """A scripted run: the rules reach every state the header shows (else the machine
    tests less than it claims), including the race the machine found: a poll handed the
    safety net before the app's check ever saw events flow, events then stopping. The
    app used to react only to an edge of ``pushing`` it had seen, so that poll waited
    the safety net out while the header said "polling"."""
    machine = SwitchMachine()
    machine.setup()
    seen = {machine.expected()}
    machine.events_arrive(1)
    seen.add(machine.expected())
    machine.poll_finished(False)  # before any check: the safety net, 300 s
    machine.advance(121.0)
    seen.add(machine.expected())
    machine.tick()
    machine.polling_resumes_once_the_app_saw_events_stop()
    assert machine.poller.schedule.seconds_until_due() == 0  # due at once
    machine.delete_queue()
    machine.receive()
    seen.add(machine.expected())
    machine.header_says_what_the_model_says()
    machine.recreate_queue()
    machine.set_denied(True)
    machine.receive()
    seen.add(machine.expected())
    machine.header_says_what_the_model_says()
    machine.set_denied(False)
    assert seen == {
        EventsState.STARTING,
        EventsState.FLOWING,
        EventsState.SILENT,
        EventsState.MISSING,
        EventsState.UNREADABLE,
    }
    machine.teardown()
