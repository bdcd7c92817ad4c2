"""One way to run blocking work for the current context off the UI thread.

Every lookup a screen makes (describe, search, resolve a URL) has the same shape: read
the context and its generation, call the service in a thread worker, and back on the UI
thread drop the answer if the operator has switched profile/region meanwhile (or the
widget is gone), else show the value or the one-line error. :func:`run_for_context` is
that shape once; the caller gives the call and what to do with its value and its error.

A poll whose first listing is long (100,000 jobs: a thousand pages) streams it instead:
its fetch hands each page to a :class:`PartialListing`, which posts the snapshot so far
as an incomplete :class:`Listed` now and then (the first page at once, then less often
as the rows grow: every table sync costs time per row), and stops the listing when the
operator has switched context meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from console.errors import SmError, translate_detached
from screens.kit.host import console_host
from screens.kit.messages import Listed
from screens.kit.poller import CURRENT_POLL, PollRun

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.worker import Worker

    from console.context import ConsoleContext

R = TypeVar("R")


def run_for_context(
    node: DOMNode,
    call: Callable[[ConsoleContext], R],
    *,
    done: Callable[[R], object],  # may be async: awaited on the UI thread
    failed: Callable[[SmError], object],
    name: str,
    group: str | None = None,
    exclusive: bool = True,
) -> Worker[None]:
    """Run ``call(context)`` in a thread worker of ``node``; on the UI thread, ``done``
    with its value or ``failed`` with the translated error, unless the context changed
    (or ``node`` was unmounted) meanwhile: then the answer is dropped.

    ``exclusive`` (the default) cancels the previous work of the same ``group``.

    ``call`` is let go of once it has run: a finished worker outlives its work (the
    thread that ran it keeps it as its current worker, and it is a reference cycle, so
    only a collection frees it), and a large table sync freezes the heap out of the
    collector's walks (see ``screens.kit.keyed_table._bulk``): what a frozen dead worker
    still held would be kept for good. The Jobs extras' call holds every job (issue 21).
    """
    host = console_host(node)
    generation, context = host.generation, host.context
    pending = [call]

    def deliver(outcome: Callable[[Any], object], value: Any) -> object:
        # What ``outcome`` returns is returned: Textual awaits it if it is a coroutine.
        if node.is_attached and console_host(node).generation == generation:
            return outcome(value)
        return None

    def work() -> None:
        try:
            value = pending.pop()(context)
        except Exception as exc:  # every failure is shown as one line, never raised
            node.call_later(deliver, failed, translate_detached(exc))
        else:
            node.call_later(deliver, done, value)

    return node.run_worker(
        work,
        name=name,
        group=group or name,
        thread=True,
        exclusive=exclusive,
        exit_on_error=False,
    )


# Each update of a streaming table costs the UI thread ~6 us per row it holds (sync, sort,
# counts): an interval of 60 us per row keeps that near a tenth of the stream's time
# (bench/startup_stream.py): 100 rows are redrawn at once, 100,000 every 6 s.
PER_ROW_SECONDS = 60e-6


class StreamDropped(Exception):
    """A streaming listing's context was switched away (or its view removed): stop."""


class PartialListing:
    """Throttled partial :class:`Listed` messages for the poll running in this thread.

    Call it with the number of rows known so far and a function building the snapshot
    so far; it builds and posts one only when due. Interval: ``base`` seconds plus
    ``per_row`` for each row known (the bigger the table, the dearer each update, the
    rarer they come: see :data:`PER_ROW_SECONDS`).
    """

    def __init__(
        self,
        run: PollRun,
        *,
        base: float = 0.25,
        per_row: float = PER_ROW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run = run
        self._base = base
        self._per_row = per_row
        self._clock = clock
        self._due = float("-inf")
        self.posted = 0

    @classmethod
    def for_current_poll(cls, **kwargs: Any) -> PartialListing | None:
        """One for the poll running in this thread; None outside a poll (nothing to post
        to: the caller just lists)."""
        run = CURRENT_POLL.get(None)
        return None if run is None else cls(run, **kwargs)

    def __call__(self, known: int, build: Callable[[], object]) -> None:
        run = self._run
        if not run.current():
            raise StreamDropped(f"{run.poller.resource}: the context changed while listing")
        now = self._clock()
        if now < self._due:
            return
        self._due = now + self._base + self._per_row * known
        message = Listed(run.poller.resource, run.generation, build(), complete=False)
        run.poller.post_message(message)  # thread-safe; bubbles like the poll's own result
        self.posted += 1
