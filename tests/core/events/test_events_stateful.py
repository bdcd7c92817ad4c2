"""Model-based test of the events consumer against a real SQS queue (moto server).

The machine sends SageMaker events for a few resources straight into the queue (some
twice, some out of order, some sharing a version), makes the handler fail at times, and
polls. The model says what the console must show: per resource, the status of the
newest event sent; and what the queue must hold: everything until a poll applied it.

Invariants: nothing is applied twice, an older event never overrides a newer one, a
failed apply deletes nothing, a successful poll leaves the queue empty. Coalescing: the
handler stands for the views (one describe per change it is handed), so a poll's batch
of N events on K resources with something new must be exactly K changes, one per
resource, each the newest by the resource's own time (``burst`` sends dozens at once).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from console.aws.session import AwsContext, SessionFactory
from console.events.consumer import EventConsumer
from console.events.records import ResourceChanged
from tests.support.events import job_detail, sagemaker_event
from tests.support.moto_server import MotoServer, start_moto_server
from tests.support.stateful import STATEFUL

BASE = datetime(2026, 1, 1, tzinfo=UTC)
NAMES = ("job-a", "job-b", "job-c")
# A burst spreads over these and NAMES (K resources among up to 8).
BURST_NAMES = (*NAMES, "job-d", "job-e", "job-f", "job-g", "job-h")
STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
# One server for the module (the machine cannot take fixtures): set by ``_moto``.
_servers: list[MotoServer] = []
_counter = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def _moto() -> Iterator[None]:
    _servers.append(start_moto_server())
    try:
        yield
    finally:
        _servers.pop().stop()


class HandlerFailed(Exception):
    pass


class ConsumerMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        server = _servers[0]
        self.sqs = server.client("sqs")
        self.queue_url = self.sqs.create_queue(QueueName=f"q-{next(_counter)}")["QueueUrl"]
        factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=server.url))
        self.failing = False
        self.shown: dict[str, tuple[datetime, str]] = {}
        self.applied_log: list[tuple[str, datetime]] = []
        self.batches: list[list[str]] = []  # the resources of each batch applied
        # Model: the newest event sent per resource, the status each version carries,
        # and how many messages are in the queue.
        self.newest: dict[str, tuple[datetime, str]] = {}
        self.version_status: dict[tuple[str, datetime], str] = {}
        self.pending: list[tuple[str, datetime]] = []
        self.consumer = EventConsumer(
            factory, self.queue_url, self.apply, wait_seconds=0, visibility_timeout=0
        )

    def apply(self, changes: Sequence[ResourceChanged]) -> None:
        if self.failing:
            raise HandlerFailed
        self.batches.append([change.name for change in changes])
        for change in changes:
            assert change.modified is not None
            self.applied_log.append((change.name, change.modified))
            self.shown[change.name] = (change.modified, change.status)

    @precondition(lambda self: len(self.pending) <= 7)
    @rule(
        name=st.sampled_from(NAMES),
        status=st.sampled_from(STATUSES),
        seconds=st.integers(0, 12),
        twice=st.booleans(),
    )
    def send(self, name: str, status: str, seconds: int, twice: bool) -> None:
        body = json.dumps(self._record(name, status, seconds))
        for _ in range(2 if twice else 1):
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)
            self.pending.append((name, BASE + timedelta(seconds=seconds)))

    @precondition(lambda self: len(self.pending) <= 8)
    @rule()
    def junk(self) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody="\x1b]52;c;aGk=\x07 not json")
        self.pending.append(("", BASE))

    @rule(failing=st.booleans())
    def set_failing(self, failing: bool) -> None:
        self.failing = failing

    def _with_news(self) -> set[str]:
        """The resources a pending event would change (newer than what is shown)."""
        news = set()
        for name, version in self.pending:
            if not name:
                continue
            held = self.shown.get(name)
            if held is None or version > held[0]:
                news.add(name)
        return news

    def _record(self, name: str, status: str, seconds: int) -> dict[str, object]:
        """One event of the model (its status fixed per version), as a message body."""
        modified = BASE + timedelta(seconds=seconds)
        # One version of a resource has one state: a second event at the same version is
        # a duplicate by content (SageMaker sends several events per change).
        status = self.version_status.setdefault((name, modified), status)
        held = self.newest.get(name)
        if held is None or modified > held[0]:
            self.newest[name] = (modified, status)
        detail_type, detail = job_detail("training", name, status, modified)
        return sagemaker_event(detail_type, detail, when=modified, event_id=str(uuid.uuid4()))

    @rule()
    def poll(self) -> None:
        news = self._with_news()
        if self.failing and news:
            with pytest.raises(HandlerFailed):
                self.consumer.poll_once()
            return  # nothing deleted: the model's queue is unchanged
        self._poll_all(news)

    def _poll_all(self, news: set[str]) -> None:
        batches = len(self.batches)
        result = self.consumer.poll_once()
        assert not result.error
        self.pending.clear()
        # Exactly one change (one describe) per resource with something new, in one batch.
        if news:
            assert len(self.batches) == batches + 1
            assert sorted(self.batches[-1]) == sorted(news)
        else:
            assert len(self.batches) == batches
        for name, (version, status) in self.newest.items():
            assert self.shown[name] == (version, status)

    @precondition(lambda self: not self.pending)
    @rule(
        events=st.lists(
            st.tuples(st.sampled_from(BURST_NAMES), st.sampled_from(STATUSES), st.integers(0, 30)),
            min_size=10,
            max_size=45,
        )
    )
    def burst(self, events: list[tuple[str, str, int]]) -> None:
        """N events on K resources, sent at once, then one poll: K changes, newest wins.

        The poll hides what it received for 30 s (not the machine's 0: a receive would
        hand the first ten out again) and never fails, so nothing stays hidden after it.
        """
        bodies = [json.dumps(self._record(n, s, t)) for n, s, t in events]
        for start in range(0, len(bodies), 10):
            chunk = bodies[start : start + 10]
            self.sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)],
            )
        self.pending.extend((n, BASE + timedelta(seconds=t)) for n, _, t in events)
        failing, self.failing = self.failing, False
        self.consumer.visibility_timeout = 30
        try:
            self._poll_all(self._with_news())
        finally:
            self.consumer.visibility_timeout = 0
            self.failing = failing

    @invariant()
    def never_applied_twice_nor_backwards(self) -> None:
        last: dict[str, datetime] = {}
        for name, version in self.applied_log:
            assert name not in last or version > last[name], (name, version, last)
            last[name] = version

    @invariant()
    def queue_holds_what_is_not_applied(self) -> None:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        depth = int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )
        assert depth == len(self.pending)


TestConsumer = ConsumerMachine.TestCase
# Each step is a round trip to the server: a third of the usual budget.
TestConsumer.settings = settings(STATEFUL, max_examples=max(10, STATEFUL.max_examples // 3))
