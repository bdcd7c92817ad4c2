"""Nothing applied twice, and an older event never overrides a newer state.

SageMaker may send several events per state change, SQS delivers at least once and in
no particular order, and a describe made by the poller may already show a newer state
than an event still in the queue. The ledger remembers, per resource, the newest
version applied or observed (the resource's own last-modified time when the event or
the describe has one, else the event time) and a bounded set of event ids already seen.

``accept`` only answers "would applying this change anything?"; ``commit`` records a
change once the handler has applied it, so a change whose handler failed is offered
again when SQS redelivers the message.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from console.events.records import ResourceChanged, ResourceKey


@dataclass(frozen=True)
class Applied:
    """The newest state of one resource the console has shown."""

    version: datetime | None
    status: str


class Ledger:
    """Per-resource newest applied version plus recently seen event ids (bounded).

    Thread-safe: the consumer's thread accepts and commits, the pollers observe.
    """

    def __init__(self, *, max_ids: int = 50_000, max_resources: int = 100_000) -> None:
        self._max_ids = max_ids
        self._max_resources = max_resources
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._state: OrderedDict[ResourceKey, Applied] = OrderedDict()
        self._lock = threading.RLock()

    def applied(self, key: ResourceKey) -> Applied | None:
        with self._lock:
            return self._state.get(key)

    def accept(self, change: ResourceChanged) -> bool:
        """True when applying ``change`` would show something new."""
        with self._lock:
            return self._accept(change)

    def _accept(self, change: ResourceChanged) -> bool:
        if change.event_id and change.event_id in self._ids:
            return False
        previous = self._state.get(change.key)
        if previous is None:
            return True
        version = change.version
        if version is not None and previous.version is not None:
            if version < previous.version:
                return False
            if version == previous.version and change.status == previous.status:
                return False
        elif version is None and change.status == previous.status:
            return False
        return True

    def commit(self, change: ResourceChanged) -> None:
        """Record ``change`` as applied (its id seen, its version the resource's newest)."""
        with self._lock:
            self.seen(change.event_id)
            self._raise(change.key, change.version, change.status)

    def seen(self, event_id: str) -> None:
        if not event_id:
            return
        with self._lock:
            self._ids[event_id] = None
            self._ids.move_to_end(event_id)
            while len(self._ids) > self._max_ids:
                self._ids.popitem(last=False)

    def observe(self, key: ResourceKey, modified: datetime | None, status: str) -> None:
        """A describe or a listing showed this state: older events must not override it."""
        with self._lock:
            self._raise(key, modified, status)

    def _raise(self, key: ResourceKey, version: datetime | None, status: str) -> None:
        previous = self._state.get(key)
        if (
            previous is not None
            and previous.version is not None
            and (version is None or version < previous.version)
        ):
            return
        self._state[key] = Applied(version, status)
        self._state.move_to_end(key)
        while len(self._state) > self._max_resources:
            self._state.popitem(last=False)
