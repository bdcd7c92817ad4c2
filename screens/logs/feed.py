"""Where the log view's lines come from, and the loop that fetches them in a thread.

A source is pluggable (:class:`LogFeedSource`: a kind and a name, a way to open a tail,
and optionally a status that ends the follow): :class:`CloudWatchLogs` covers training
and processing jobs now and endpoints later; tests inject their own.

:func:`run_feed` runs in a Textual thread worker. It polls the tail, turns events into
inert lines (off the UI thread) and posts them in batches as ``@dataclass`` messages. A
poll that fails (throttled, unreachable, expired credentials…) is retried with backoff and
reported as :class:`LogStreamBroke` / :class:`LogStreamResumed`, never silently. Jobs are
asked for their status rarely (every 30 s, as the SDK and ``logs_output.py`` do:
DescribeTrainingJob is throttled too); once a job is terminal the loop reads what is left
and ends with :class:`LogFollowEnded`. It waits on the worker's ``cancelled_event``, so
closing the view stops it at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from textual.message import Message

from console.errors import SmError, ValidationError, translate
from console.services.logs import EVENTS_PER_CALL, LogEvent, LogTail, log_source
from screens.logs.lines import Row, convert_events

if TYPE_CHECKING:
    from console.context import ConsoleContext

TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped"})
CHUNK_LINES = 5_000  # lines per message: big enough to be cheap, small enough to stay smooth
KIND_LABELS = {"training": "training job", "processing": "processing job", "endpoint": "endpoint"}


class LogPoll(Protocol):
    """What the loop needs of a tail: new events since the last call, merged by time."""

    def poll(self) -> Sequence[LogEvent]: ...


class LogFeedSource(Protocol):
    """A resource whose logs the view shows (``kind`` + ``name``)."""

    kind: str
    name: str

    @property
    def label(self) -> str: ...

    @property
    def ends(self) -> bool:
        """True when the resource finishes (a job); False for endpoints (follow forever)."""
        ...

    @property
    def known_status(self) -> str | None:
        """The status the caller already knows (from the listing), if any."""
        ...

    def open(self) -> LogPoll: ...

    def status(self) -> str | None: ...


@dataclass
class CloudWatchLogs:
    """Logs of a training/processing job or an endpoint, read through the core's service."""

    context: ConsoleContext
    kind: str
    name: str
    status_hint: str | None = None

    @property
    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} {self.name}"

    @property
    def ends(self) -> bool:
        return self.kind in ("training", "processing")

    @property
    def known_status(self) -> str | None:
        return self.status_hint

    def open(self) -> LogPoll:
        return LogTail(self.context.logs, log_source(self.kind, self.name))

    def status(self) -> str | None:
        jobs = self.context.jobs
        if self.kind == "training":
            return str(jobs.describe_training_job(self.name).status)
        if self.kind == "processing":
            return str(jobs.describe_processing_job(self.name).status)
        return None


class Backlog:
    """Batches posted to the UI and not yet taken: the feed waits while ``limit`` are.

    Toolong's trick: a reader thread that outruns the UI only fills its message queue,
    and every batch it converts meanwhile takes the GIL from key handling and drawing.
    The UI calls :meth:`taken` as it takes each batch.
    """

    def __init__(self, limit: int = 2) -> None:
        self._slots = threading.Semaphore(limit)

    def reserve(self, cancelled: threading.Event) -> bool:
        """Wait for a free slot; False if cancelled meanwhile."""
        while not self._slots.acquire(timeout=0.05):
            if cancelled.is_set():
                return False
        return True

    def taken(self) -> None:
        self._slots.release()


# --- messages (worker -> UI) ----------------------------------------------------------------
@dataclass
class LogLinesArrived(Message):
    """A batch of new inert lines (rows: see ``LogLine.row``), in time order, the hosts
    they came from and the cells of the widest."""

    rows: list[Row]
    hosts: frozenset[str]
    widest: int
    backlog: Backlog | None = None
    """The slot this batch holds: the receiver frees it with ``taken()``."""


@dataclass
class LogStreamBroke(Message):
    """A poll failed; the next attempt is in ``retry_in`` seconds (``failures`` in a row)."""

    error: SmError
    retry_in: float
    failures: int
    since: datetime


@dataclass
class LogStreamRetrying(Message):
    """The wait is over; the feed is trying again now."""


@dataclass
class LogStreamResumed(Message):
    """A poll succeeded after failures: the gap from ``since`` to ``until`` is over."""

    error: SmError
    since: datetime
    until: datetime
    failures: int


@dataclass
class LogSourceStatus(Message):
    """The resource's status, as last checked (None: unknown or not applicable)."""

    status: str | None


@dataclass
class LogFollowEnded(Message):
    """The job is terminal and every line has been read: the feed has stopped."""

    status: str | None


@dataclass
class LogFeedFailed(Message):
    """The feed cannot go on (bad name, …): shown, not retried."""

    error: SmError


# --- the loop ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedTiming:
    """Seconds the loop waits: between polls, at most after failures, between status
    checks, and between polls while catching up on a backlog."""

    interval: float = 3.0
    max_backoff: float = 120.0
    status_every: float = 30.0
    catch_up: float = 0.5

    def backoff(self, failures: int) -> float:
        """Wait after ``failures`` failed polls in a row: interval, doubling, capped."""
        delay: float = self.interval * 2.0 ** max(0, failures - 1)
        return min(delay, self.max_backoff)


@dataclass
class _Gap:
    since: datetime
    error: SmError
    failures: int = 0


@dataclass
class FeedState:
    """What the loop knows between iterations (kept for tests and the bench)."""

    polls: int = 0
    lines: int = 0
    status: str | None = None
    gap: _Gap | None = None
    terminal: bool = False
    last_status_check: float = field(default=float("-inf"))


def post_lines(
    post: Callable[[Message], object],
    events: Sequence[LogEvent],
    backlog: Backlog | None = None,
    cancelled: threading.Event | None = None,
) -> int:
    """Convert and post ``events`` in chunks; return the number of lines posted."""
    posted = 0
    for start in range(0, len(events), CHUNK_LINES):
        if backlog is not None and not backlog.reserve(cancelled or threading.Event()):
            break
        batch = convert_events(events[start : start + CHUNK_LINES])
        if batch.rows:
            post(LogLinesArrived(batch.rows, batch.hosts, batch.widest, backlog))
            posted += len(batch.rows)
        elif backlog is not None:
            backlog.taken()
    return posted


def run_feed(
    source: LogFeedSource,
    post: Callable[[Message], object],
    cancelled: threading.Event,
    timing: FeedTiming = FeedTiming(),
    *,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    state: FeedState | None = None,
    backlog: Backlog | None = None,
) -> FeedState:
    """Poll ``source`` until cancelled or, for a job, until it ended and was read out."""
    state = state or FeedState()
    state.status = source.known_status
    state.terminal = source.ends and state.status in TERMINAL_STATUSES
    if state.status is not None:
        state.last_status_check = clock()
        post(LogSourceStatus(state.status))
    tail: LogPoll | None = None
    while not cancelled.is_set():
        try:
            if tail is None:
                tail = source.open()
            events = tail.poll()
        except Exception as exc:
            error = translate(exc)
            if isinstance(error, ValidationError):
                post(LogFeedFailed(error))
                return state
            gap = state.gap or _Gap(since=now(), error=error)
            gap.error = error
            gap.failures += 1
            state.gap = gap
            delay = timing.backoff(gap.failures)
            post(LogStreamBroke(error, delay, gap.failures, gap.since))
            if cancelled.wait(delay):
                return state
            post(LogStreamRetrying())
            continue
        state.polls += 1
        if state.gap is not None:
            gap, state.gap = state.gap, None
            post(LogStreamResumed(gap.error, gap.since, now(), gap.failures))
        state.lines += post_lines(post, events, backlog, cancelled)
        more_waiting = len(events) >= EVENTS_PER_CALL
        if state.terminal and not more_waiting:
            post(LogFollowEnded(state.status))
            return state
        wait = timing.catch_up if more_waiting else timing.interval
        due = clock() - state.last_status_check >= timing.status_every
        if source.ends and not state.terminal and due:
            state.last_status_check = clock()
            try:
                status = source.status()
            except Exception:  # a failed check (throttled) only means "not known yet"
                status = state.status
            if status != state.status:
                state.status = status
                post(LogSourceStatus(status))
            if status in TERMINAL_STATUSES:
                state.terminal = True
                wait = 0.0  # one more poll at once: the job's last lines
        if cancelled.wait(wait):
            return state
    return state
