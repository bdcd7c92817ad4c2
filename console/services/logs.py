"""CloudWatch logs of training jobs, processing jobs and endpoints.

A job with N instances writes N streams (``<job>/algo-1-<epoch>``, ``<job>/algo-2-…``);
operators want one timeline, so events of every stream are merged by time. Following a
running job polls each stream with its forward token: GetLogEvents is throttled per
account and shared by every operator, so the work per poll is bounded (a fixed number of
calls, streams served in turn) and throttling backs off instead of failing.
"""

from __future__ import annotations

import heapq
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from console import validate
from console.errors import (
    NotFoundError,
    SmError,
    ThrottledError,
    UnreachableError,
    ValidationError,
)
from console.lines import bound_lines
from console.records import Record
from console.services.base import Service

TRAINING_GROUP = "/aws/sagemaker/TrainingJobs"
PROCESSING_GROUP = "/aws/sagemaker/ProcessingJobs"
TRANSFORM_GROUP = "/aws/sagemaker/TransformJobs"
ENDPOINT_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"
KINDS = ("training", "processing", "endpoint", "transform")
_LABELS = {
    "training": "training job",
    "processing": "processing job",
    "endpoint": "endpoint",
    "transform": "transform job",
}
_JOB_GROUPS = {
    "training": TRAINING_GROUP,
    "processing": PROCESSING_GROUP,
    "transform": TRANSFORM_GROUP,
}

STREAM_PAGE = 50  # DescribeLogStreams refuses a larger limit
MAX_STREAMS = 200  # more hosts than this is not a job a terminal can show
EVENTS_PER_CALL = 10_000  # GetLogEvents' own maximum
MAX_EVENTS_PER_STREAM = 100_000  # a one-shot read stops here; use ``since`` for more
MAX_CALLS_PER_POLL = 10  # GetLogEvents calls per follow poll, across all streams

_ALGO_HOST = re.compile(r"^(?P<host>algo-\d+)(?:-\d+)?$")


@dataclass(frozen=True)
class LogEvent(Record):
    """One log line: when, which stream, which host (``algo-1``) and the message.

    The message is what the job wrote, each of its lines bounded
    (:func:`console.lines.bound_lines`) and made inert when the record is built
    (``Record`` runs ``console.sanitize``): newlines kept, tabs as spaces, escapes shown
    visibly.
    """

    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"message"})

    timestamp: datetime
    stream: str
    host: str
    message: str

    @classmethod
    def from_api(cls, d: dict[str, Any], *, stream: str, host: str) -> LogEvent:
        millis = int(d.get("timestamp", 0) or 0)
        return cls(
            timestamp=datetime.fromtimestamp(millis / 1000, tz=UTC),
            stream=stream,
            host=host,
            message=bound_lines(str(d.get("message", ""))),  # up to 256 KB an event
        )


@dataclass(frozen=True)
class LogSource:
    """Where one resource's logs live: a log group and a stream-name prefix."""

    kind: str
    name: str
    group: str
    prefix: str  # "" means every stream of the group

    @property
    def label(self) -> str:
        return f"{_LABELS[self.kind]} {self.name}"

    def host(self, stream: str) -> str:
        """``algo-1`` for ``job/algo-1-1700000000``; the stream's own name otherwise."""
        rest = stream[len(self.prefix) :] if stream.startswith(self.prefix) else stream
        match = _ALGO_HOST.match(rest)
        return match.group("host") if match else rest


def log_source(kind: str, name: str) -> LogSource:
    """Validate ``kind`` and ``name`` and say where their logs are."""
    if kind not in KINDS:
        raise ValidationError(f"unknown log kind {kind!r}", f"one of {', '.join(KINDS)}")
    validate.name(name, f"{_LABELS[kind]} name")
    if kind == "endpoint":
        return LogSource(kind, name, ENDPOINT_GROUP_PREFIX + name, "")
    return LogSource(kind, name, _JOB_GROUPS[kind], f"{name}/")


def merge_events(streams: Iterable[Iterable[LogEvent]]) -> Iterator[LogEvent]:
    """Merge per-stream event sequences (each in time order) into one time order.

    Ties on the timestamp go to the stream that sorts first by name; events of one stream
    keep their order, so the merge is stable and repeatable.
    """
    return heapq.merge(*streams, key=lambda event: (event.timestamp, event.stream))


def _millis(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


class LogsService(Service):
    SERVICE = "logs"

    # --- discovery ----------------------------------------------------------------
    def find_streams(self, source: LogSource, *, limit: int = MAX_STREAMS) -> list[str]:
        """Names of the source's streams, sorted; NotFoundError if the group is missing."""
        params: dict[str, Any] = {"logGroupName": source.group, "limit": STREAM_PAGE}
        if source.prefix:
            params["logStreamNamePrefix"] = source.prefix
        names: list[str] = []
        while len(names) < limit:
            try:
                page = self.call(self.client.describe_log_streams, **params)
            except NotFoundError:
                raise self._no_logs(source) from None
            names.extend(str(s["logStreamName"]) for s in page.get("logStreams", []))
            token = page.get("nextToken")
            if not token:
                break
            params["nextToken"] = token
        return sorted(names[:limit])

    def streams(self, kind: str, name: str) -> list[str]:
        """The stream names of a job or endpoint; NotFoundError when there are none yet."""
        source = log_source(kind, name)
        names = self.find_streams(source)
        if not names:
            raise self._no_logs(source)
        return names

    @staticmethod
    def _no_logs(source: LogSource) -> NotFoundError:
        hint = (
            "an endpoint logs once its containers start"
            if source.kind == "endpoint"
            else "logs appear once the first instance starts; try --follow"
        )
        return NotFoundError(f"no logs yet for {source.label}", hint)

    # --- one-shot read --------------------------------------------------------------
    def read(
        self,
        kind: str,
        name: str,
        *,
        since: datetime | None = None,
        max_events_per_stream: int = MAX_EVENTS_PER_STREAM,
    ) -> list[LogEvent]:
        """Every event of every stream of ``name`` (from ``since``), merged by time."""
        source = log_source(kind, name)
        names = self.find_streams(source)
        if not names:
            raise self._no_logs(source)
        start = _millis(since)
        per_stream = [
            self._read_stream(source, stream, start, max_events_per_stream) for stream in names
        ]
        return list(merge_events(per_stream))

    def _read_stream(
        self, source: LogSource, stream: str, start: int | None, limit: int
    ) -> list[LogEvent]:
        host = source.host(stream)
        events: list[LogEvent] = []
        token: str | None = None
        while len(events) < limit:
            page, next_token = self.get_events(source, stream, token, start)
            events.extend(LogEvent.from_api(e, stream=stream, host=host) for e in page)
            if not page or next_token is None or next_token == token:
                break
            token = next_token
        return events[:limit]

    def get_events(
        self, source: LogSource, stream: str, token: str | None, start: int | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One GetLogEvents call, oldest first: (raw events, next forward token)."""
        params: dict[str, Any] = {
            "logGroupName": source.group,
            "logStreamName": stream,
            "startFromHead": True,
            "limit": EVENTS_PER_CALL,
        }
        # The same startTime on every call of a stream: tokens are positions within it.
        if start is not None:
            params["startTime"] = start
        if token:
            params["nextToken"] = token
        response = self.call(self.client.get_log_events, **params)
        return list(response.get("events", [])), response.get("nextForwardToken")

    # --- follow -------------------------------------------------------------------
    def tail(
        self,
        kind: str,
        name: str,
        *,
        since: datetime | None = None,
        max_calls_per_poll: int = MAX_CALLS_PER_POLL,
    ) -> LogTail:
        """An incremental reader; call :meth:`LogTail.poll` for what is new."""
        return LogTail(self, log_source(kind, name), since=since, max_calls=max_calls_per_poll)

    def follow(
        self,
        kind: str,
        name: str,
        *,
        since: datetime | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], None] = time.sleep,
        interval: float = 3.0,
        max_backoff: float = 120.0,
        on_notice: Callable[[str], None] | None = None,
        max_calls_per_poll: int = MAX_CALLS_PER_POLL,
    ) -> Iterator[LogEvent]:
        """Yield events as they arrive, polling every ``interval`` seconds.

        Stops when ``should_stop()`` turns true (after one last poll, so the final lines
        of a finished job are not lost). Throttling and network trouble double the wait
        (up to ``max_backoff``) and are reported through ``on_notice``; they never end the
        stream silently.
        """
        tail = self.tail(kind, name, since=since, max_calls_per_poll=max_calls_per_poll)
        delay = interval
        while True:
            try:
                batch = tail.poll()
                delay = interval
            except (ThrottledError, UnreachableError) as exc:
                batch = []
                delay = min(delay * 2, max_backoff)
                if on_notice is not None:
                    on_notice(f"{exc.message}; retrying in {delay:.0f}s")
            yield from batch
            if should_stop():
                try:
                    yield from tail.poll()
                except SmError as exc:
                    if on_notice is not None:
                        on_notice(f"last read failed: {exc.message}")
                return
            sleep(delay)


class LogTail:
    """Remembers a forward token per stream; each :meth:`poll` returns only new events.

    New streams (an instance that starts late, a restarted host) are found on every poll.
    At most ``max_calls`` GetLogEvents calls are made per poll; when there are more
    streams than that, the rest are served first on the next poll, so none starves.
    A missing log group is not an error here: a starting job has none yet.

    A poll is all-or-nothing: if a call fails part-way, the streams' tokens are put back,
    so the retry reads the same events again instead of losing the ones already fetched
    (the CLI's ``--follow`` and the TUI's log view both rely on this).
    """

    def __init__(
        self,
        service: LogsService,
        source: LogSource,
        *,
        since: datetime | None = None,
        max_calls: int = MAX_CALLS_PER_POLL,
    ) -> None:
        self.service = service
        self.source = source
        self.max_calls = max(1, max_calls)
        self._start = _millis(since)
        self._tokens: dict[str, str | None] = {}
        self._queue: list[str] = []  # streams in the order they will be served

    @property
    def streams(self) -> list[str]:
        return sorted(self._tokens)

    def _discover(self) -> None:
        try:
            found = self.service.find_streams(self.source)
        except NotFoundError:
            return
        for stream in found:
            if stream not in self._tokens:
                self._tokens[stream] = None
                self._queue.append(stream)

    def poll(self) -> list[LogEvent]:
        """New events of every stream since the previous poll, merged by time."""
        saved_tokens, saved_queue = dict(self._tokens), list(self._queue)
        try:
            return self._poll()
        except BaseException:
            self._tokens, self._queue = saved_tokens, saved_queue
            raise

    def _poll(self) -> list[LogEvent]:
        self._discover()
        calls = 0
        batches: list[list[LogEvent]] = []
        served: list[str] = []
        for stream in list(self._queue):
            if calls >= self.max_calls:
                break
            events: list[LogEvent] = []
            while calls < self.max_calls:
                token = self._tokens[stream]
                page, next_token = self.service.get_events(self.source, stream, token, self._start)
                calls += 1
                host = self.source.host(stream)
                events.extend(LogEvent.from_api(e, stream=stream, host=host) for e in page)
                if next_token:
                    self._tokens[stream] = next_token
                # A full page means more is waiting; otherwise this stream is caught up.
                if len(page) < EVENTS_PER_CALL or next_token in (None, token):
                    break
            served.append(stream)
            batches.append(events)
        # Served streams go to the back of the queue: the others come first next time.
        self._queue = [s for s in self._queue if s not in served] + served
        return list(merge_events(batches))
