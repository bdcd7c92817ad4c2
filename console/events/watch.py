"""The ``smconsole watch`` stream: state changes as lines, from the queue or a poll diff.

Two sources give the same :class:`ResourceChanged` records:

- :class:`QueueSource`: the events queue (``events_queue_url``), through the consumer
  (dedup, ordering, delete after the line is written).
- :class:`PollDiffSource`: no queue: list what the console lists (jobs, endpoints,
  clusters) every ``interval`` seconds and report what changed since the previous
  listing. The first listing is the baseline and prints nothing.

Lines are built only from record fields, which are sanitised where the record is made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.events.consumer import EventConsumer
from console.events.records import ResourceChanged, ResourceKey


@dataclass(frozen=True)
class WatchFilter:
    """``--kind`` (empty: every kind) and ``--filter`` (a case-insensitive substring of
    the kind, name, status or reason)."""

    kinds: frozenset[str] = frozenset()
    text: str = ""

    def matches(self, change: ResourceChanged) -> bool:
        if self.kinds and change.kind not in self.kinds:
            return False
        if not self.text:
            return True
        needle = self.text.lower()
        haystack = " ".join((change.kind, change.name, change.status, change.reason, change.parent))
        return needle in haystack.lower()


def _when(change: ResourceChanged) -> str:
    when = change.version
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else "-"


def format_line(change: ResourceChanged) -> str:
    """``TIME KIND NAME STATUS[  reason]``: one line, tab-free, greppable."""
    name = f"{change.parent}/{change.name}" if change.kind == "cluster-node" else change.name
    line = f"{_when(change)} {change.kind} {name} {change.status}"
    return f"{line}  {change.reason}" if change.reason else line


def to_json(change: ResourceChanged) -> dict[str, Any]:
    data = change.to_dict()
    data["time"] = data.pop("modified") or data.get("event_time")
    return data


class QueueSource:
    """Changes from the events queue; each batch is yielded before its messages go."""

    def __init__(self, factory: Any, queue_url: str, *, wait_seconds: int | None = None) -> None:
        self._batch: list[ResourceChanged] = []
        self.consumer = EventConsumer(
            factory, queue_url, self._batch.extend, wait_seconds=wait_seconds
        )

    def changes(self, stop: threading.Event) -> Iterator[ResourceChanged]:
        while not stop.is_set():
            self._batch.clear()
            result = self.consumer.poll_once()
            if result.error:
                health = self.consumer.health.snapshot()
                raise QueueUnavailable(health.label(), result.error)
            yield from list(self._batch)


class QueueUnavailable(Exception):
    """The queue is missing or unreadable (the CLI says so and exits)."""

    def __init__(self, label: str, detail: str) -> None:
        super().__init__(f"{label}: {detail}")
        self.label = label
        self.detail = detail


Snapshot = dict[ResourceKey, tuple[str, datetime | None, str]]


def console_snapshot(console: Any, *, limit: int = 100) -> Snapshot:
    """What the console lists, keyed: (status, modified, arn) per resource."""
    rows: Snapshot = {}
    jobs = console.jobs
    for lister in (jobs.list_training_jobs, jobs.list_processing_jobs):
        for job in lister(limit=limit):
            rows[ResourceKey(job.kind, job.name)] = (job.status, job.modified, job.arn)
    for job in jobs.list_tuning_jobs(limit=limit):
        rows[ResourceKey("tuning", job.name)] = (job.status, job.modified, job.arn)
    for endpoint in console.endpoints.list_endpoints(limit=limit):
        rows[ResourceKey("endpoint", endpoint.name)] = (
            endpoint.status,
            endpoint.modified,
            endpoint.arn,
        )
    for cluster in console.hyperpod.list_clusters(limit=limit):
        rows[ResourceKey("cluster", cluster.name)] = (cluster.status, None, cluster.arn)
    return rows


def diff(before: Snapshot, after: Snapshot, now: datetime) -> list[ResourceChanged]:
    """Resources new or with another status in ``after`` (a vanished one is not a change
    of state: listings are capped, so it may just have scrolled out)."""
    changes = []
    for key, (status, modified, arn) in after.items():
        held = before.get(key)
        if held is not None and held[0] == status:
            continue
        changes.append(
            ResourceChanged(
                kind=key.kind,
                name=key.name,
                arn=arn,
                status=status,
                event_time=now,
                modified=modified,
                detail_type="poll",
            )
        )
    return changes


class PollDiffSource:
    """Changes seen by listing every ``interval`` seconds (no queue configured)."""

    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        interval: float,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._snapshot = snapshot
        self.interval = interval
        self._clock = clock

    def changes(self, stop: threading.Event) -> Iterator[ResourceChanged]:
        previous = self._snapshot()
        while not stop.wait(self.interval):
            current = self._snapshot()
            yield from diff(previous, current, self._clock())
            previous = current


def stream(changes: Iterable[ResourceChanged], wanted: WatchFilter) -> Iterator[ResourceChanged]:
    return (change for change in changes if wanted.matches(change))
