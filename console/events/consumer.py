"""The SQS long-poll loop: receive, parse, drop what changes nothing, coalesce, apply,
and only then delete.

One :class:`EventConsumer` per console (or ``smconsole watch``), on its own thread via
:meth:`EventConsumer.run`. The SQS client comes from the one session factory (its call
counter, timeouts and error translation apply). A receive waits up to 20 s, so an idle
console costs three ReceiveMessage calls a minute to SQS and none to SageMaker.

Delivery is at-least-once end to end: a message is deleted after the handler returned
for the batch it was in. A handler that raises leaves the batch in the queue (SQS shows
it again after the visibility timeout; after ``maxReceiveCount`` tries it goes to the
dead-letter queue). Messages that are not SageMaker events of a kind we show, and
duplicates or stale events, are deleted without calling the handler.

The interface for the poller (what the TUI wires to):

- ``handler(changes)``: called on the consumer's thread with one :class:`ResourceChanged`
  per resource (coalesced, newest first-seen order); refresh only those resources (one
  describe each) in every view that shows them. Marshal to the UI thread yourself.
- ``consumer.health.snapshot()``: the header's label; ``consumer.health.poll_interval(n)``:
  the poller's interval while events flow (the safety net) or ``n`` when they do not.
- ``consumer.ledger.observe(key, modified, status)``: a describe/listing showed this
  state, so an older event still in the queue must not override it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from console.errors import NotFoundError, SmError
from console.events.coalesce import coalesce
from console.events.health import EventsState, HealthTracker
from console.events.ledger import Ledger
from console.events.parse import parse_body
from console.events.records import ResourceChanged

Handler = Callable[[Sequence[ResourceChanged]], None]

_MISSING_CODES = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


@dataclass
class PollResult:
    """What one :meth:`EventConsumer.poll_once` did (for tests and the bench)."""

    received: int = 0
    applied: list[ResourceChanged] = field(default_factory=list)
    deleted: int = 0
    ignored: int = 0
    error: str = ""


class EventConsumer:
    """Reads one queue of SageMaker events and hands coalesced changes to ``handler``."""

    WAIT_SECONDS = 20
    # Per poll: keep receiving (without waiting) while batches come full, up to this many
    # messages, so a burst is coalesced into one refresh per resource.
    MAX_BATCH = 500
    # ... and for at most this long: the first message of a batch waits for the rest
    # (only in a burst: a batch that is not full ends the gathering), and a batch held
    # longer than the queue's visibility timeout (30 s by default) would be handed out
    # again before it is deleted. SQS answers a receive in tens of milliseconds, so the
    # batch cap binds first; on a slow link (~0.1 s a receive) 5 s still gathers ~500.
    GATHER_SECONDS = 5.0

    def __init__(
        self,
        factory: Any,
        queue_url: str,
        handler: Handler,
        *,
        ledger: Ledger | None = None,
        health: HealthTracker | None = None,
        wait_seconds: int | None = None,
        visibility_timeout: int | None = None,
        max_batch: int | None = None,
        gather_seconds: float | None = None,
    ) -> None:
        self._factory = factory
        self.queue_url = queue_url
        self._handler = handler
        self.ledger = ledger or Ledger()
        self.health = health or HealthTracker()
        self.wait_seconds = self.WAIT_SECONDS if wait_seconds is None else wait_seconds
        self.visibility_timeout = visibility_timeout
        self.max_batch = max_batch or self.MAX_BATCH
        self.gather_seconds = self.GATHER_SECONDS if gather_seconds is None else gather_seconds

    def _client(self) -> Any:
        return self._factory.client("sqs")

    def _receive(self, wait: int) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "QueueUrl": self.queue_url,
            "MaxNumberOfMessages": 10,
            "WaitTimeSeconds": wait,
        }
        if self.visibility_timeout is not None:
            params["VisibilityTimeout"] = self.visibility_timeout
        answer = self._client().receive_message(**params)
        messages = answer.get("Messages") or []
        return [m for m in messages if isinstance(m, dict)]

    def _delete(self, handles: list[str]) -> int:
        deleted = 0
        client = self._client()
        for start in range(0, len(handles), 10):
            chunk = handles[start : start + 10]
            answer = client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)],
            )
            deleted += len(answer.get("Successful") or [])
        return deleted

    def _fail(self, exc: BaseException) -> PollResult:
        code = ""
        response = getattr(exc, "response", None)
        if isinstance(response, dict):
            code = str(response.get("Error", {}).get("Code", ""))
        error = self._factory.translate(exc) if not isinstance(exc, SmError) else exc
        missing = code in _MISSING_CODES or isinstance(error, NotFoundError)
        state = EventsState.MISSING if missing else EventsState.UNREADABLE
        text = str(getattr(error, "message", "") or error)
        self.health.read_failed(state, text)
        return PollResult(error=text)

    def poll_once(self, wait: int | None = None) -> PollResult:
        """One long poll (and a drain of a burst behind it); never raises for AWS errors.

        ``wait``: this receive's wait instead of ``wait_seconds``."""
        result = PollResult()
        messages: list[dict[str, Any]] = []
        try:
            batch = self._receive(self.wait_seconds if wait is None else wait)
            messages.extend(batch)
            until = time.monotonic() + self.gather_seconds
            while len(batch) == 10 and len(messages) < self.max_batch and time.monotonic() < until:
                batch = self._receive(0)
                messages.extend(batch)
        except Exception as exc:  # translated: the header says why, polling resumes
            if not messages:
                return self._fail(exc)
        result.received = len(messages)
        parsed = [parse_body(str(m.get("Body", ""))) for m in messages]
        ours = [c for c in parsed if c is not None]
        self.health.read_ok(events=len(ours))
        fresh = [c for c in ours if self.ledger.accept(c)]
        result.ignored = len(messages) - len(fresh)
        changes = coalesce(fresh)
        if changes:
            self._handler(changes)  # raises: nothing deleted, SQS redelivers
            for change in changes:
                self.ledger.commit(change)
        for change in ours:  # duplicates and superseded ones: seen, never offered again
            self.ledger.seen(change.event_id)
        result.applied = changes
        handles = [str(m["ReceiptHandle"]) for m in messages if m.get("ReceiptHandle")]
        if handles:
            try:
                result.deleted = self._delete(handles)
            except Exception as exc:  # redelivered later; the ledger drops the repeats
                result.error = str(self._factory.translate(exc))
        return result

    def run(self, stop: threading.Event, *, on_error: Callable[[str], None] | None = None) -> None:
        """Poll until ``stop`` is set. After a failure, wait a little before retrying."""
        backoff = 1.0
        # The first receive answers at once: the queue is known readable (the header says
        # "live" and the polls slow to the safety net) from the start, not after a whole
        # long poll of an idle queue (4 extra Jobs polls, 16 SageMaker calls, at start).
        wait: int | None = 0
        while not stop.is_set():
            try:
                result = self.poll_once(wait)
                wait = None
            except Exception as exc:  # the handler failed: its batch stays in the queue
                result = PollResult(error=f"applying events failed: {exc}")
            if result.error:
                if on_error is not None:
                    on_error(result.error)
                stop.wait(backoff)
                backoff = min(backoff * 2, 60.0)
            else:
                backoff = 1.0
