"""Saying what a slow AWS call waits for, instead of sitting silent.

A server that accepts a connection and never answers costs read timeout x attempts
(30 s x 4) before botocore gives up: two minutes of a silent terminal. The CLI installs
a :class:`CallWatch` on its clients: once a call has taken longer than ``after`` seconds
it says, on stderr, which call it is waiting for and how long it has waited, again every
``every`` seconds, until the call answers or fails. The TUI shows its own spinners and
installs none.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

AFTER_SECONDS = 1.0  # on a terminal: a person is watching
# Into a pipe or a log (scripts, CI), only a wait this long is worth a line: the usual
# second of a busy endpoint would be noise in front of the output a script parses.
QUIET_AFTER_SECONDS = 10.0
EVERY_SECONDS = 5.0
# Calls whose waiting is what was asked for: an SQS long poll holds for up to 20 s by
# design (smconsole watch), and saying "waiting for sqs ReceiveMessage" every poll is noise.
LONG_POLLS = frozenset({("sqs", "ReceiveMessage")})


@dataclass
class _Waiting:
    what: str
    since: float
    timer: threading.Timer | None = None


class CallWatch:
    """Tracks the call in flight on each thread; ``say`` gets one progress line."""

    def __init__(
        self,
        say: Callable[[str], None],
        *,
        after: float = AFTER_SECONDS,
        every: float = EVERY_SECONDS,
        hint: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._say = say
        self._after = after
        self._every = every
        self._hint = hint
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: dict[int, _Waiting] = {}

    def started(self, what: str) -> None:
        key = threading.get_ident()
        waiting = _Waiting(what, self._clock())
        with self._lock:
            self._cancel(key)
            self._calls[key] = waiting
            self._schedule(key, waiting, self._after)

    def finished(self) -> None:
        with self._lock:
            self._cancel(threading.get_ident())

    def _cancel(self, key: int) -> None:
        waiting = self._calls.pop(key, None)
        if waiting is not None and waiting.timer is not None:
            waiting.timer.cancel()

    def _schedule(self, key: int, waiting: _Waiting, delay: float) -> None:
        timer = threading.Timer(delay, self._tick, args=(key, waiting))
        timer.daemon = True
        waiting.timer = timer
        timer.start()

    def _tick(self, key: int, waiting: _Waiting) -> None:
        with self._lock:
            if self._calls.get(key) is not waiting:
                return  # answered meanwhile
            seconds = self._clock() - waiting.since
            self._schedule(key, waiting, self._every)
        hint = f"; {self._hint}" if self._hint else ""
        self._say(f"waiting for {waiting.what} ({seconds:.0f}s so far{hint})")

    def install(self, events: Any, service: str) -> None:
        """Hook a botocore client's event system (``client.meta.events``)."""

        def before(model: object, **_: object) -> None:
            name = getattr(model, "name", "?")
            if (service, name) in LONG_POLLS:
                self.finished()  # nothing in flight worth a line on this thread
                return
            self.started(f"{service} {name}")

        def after(**_: object) -> None:
            self.finished()

        register = events.register
        register("before-call.*.*", before)
        register("after-call.*.*", after)
        register("after-call-error.*.*", after)
