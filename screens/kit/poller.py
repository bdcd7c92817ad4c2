"""The one reusable poller: a self-rescheduling fetch loop with a degraded-state banner.

Each view that shows a polled resource mounts one :class:`Poller`. The poller runs the
view's blocking ``fetch(context)`` in a thread worker, posts the typed result message the
view asked for (it bubbles up to the view and beyond), and schedules the next poll with a
one-shot timer only after the last one finished, so polls never overlap. The timing rules
live in :class:`screens.kit.poll_schedule.PollSchedule`; this class is the Textual glue.

While a poll is failing the widget shows one line ("endpoint unreachable, retrying in
8 s") counting down; the line disappears by itself on the next success.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from console.config import PollIntervals
from console.errors import SmError, translate, translate_detached
from screens.kit.host import ConsoleHost, console_host
from screens.kit.messages import Listed, PollFailed, PollHealthChanged
from screens.kit.poll_schedule import PollSchedule

if TYPE_CHECKING:
    from console.context import ConsoleContext

T = TypeVar("T")
MIN_DELAY = 0.01


@dataclass(frozen=True)
class PollRun:
    """The poll running in a worker thread: what a fetch that streams partial results
    posts them through (see :class:`screens.kit.work.PartialListing`)."""

    poller: Poller[Any]
    generation: int
    host: ConsoleHost  # read in the thread: the app is only known on the UI thread

    def current(self) -> bool:
        """Whether this poll's answer is still wanted (same context, poller mounted)."""
        return self.host.generation == self.generation and self.poller.is_attached


class Answer(Generic[T]):
    """A poll's value, handed from its worker to the UI thread once.

    A finished worker outlives its work: the thread that ran it keeps it as its current
    worker, and it is a reference cycle (worker, task, context) that only a collection
    frees. A large table sync freezes the heap out of the collector's walks (see
    ``screens.kit.keyed_table._bulk``): a dead worker frozen there is kept for good,
    with its result. Taken, the answer leaves the worker holding nothing: a poll of
    100,000 jobs kept its snapshot per poll before (issue 21).
    """

    __slots__ = ("_values",)

    def __init__(self, value: T) -> None:
        self._values = [value]

    def take(self) -> T | None:
        """The value the first time; None after."""
        return self._values.pop() if self._values else None


CURRENT_POLL: ContextVar[PollRun] = ContextVar("current_poll")
NOT_HEALTH_KINDS = frozenset({"config"})


def schedule_for(poll: PollIntervals, resource: str) -> Callable[[], PollSchedule]:
    """A schedule factory for ``resource`` from the config's ``[poll]`` table."""
    return partial(
        PollSchedule,
        float(getattr(poll, resource)),
        transitional_interval=poll.transitional,
        max_backoff=poll.max_backoff,
    )


class Poller(Static, Generic[T]):
    """Polls one resource while its view is shown; visible only while degraded."""

    # Whether :meth:`prime` may poll once while hidden (tab counts at start-up). Off for
    # pollers whose first poll is costly or interactive (an SSH connection to a cluster).
    PRIME_WHEN_HIDDEN = True

    DEFAULT_CSS = """
    Poller { display: none; height: auto; }
    Poller.-degraded { display: block; }
    """

    def __init__(
        self,
        resource: str,
        fetch: Callable[[ConsoleContext], T],
        *,
        result: Callable[[int, T], Message] | None = None,
        transitional: Callable[[T], bool],
        schedule: Callable[[], PollSchedule],
        id: str | None = None,
    ) -> None:
        super().__init__("", id=id)
        self.resource = resource
        self._fetch = fetch
        # What a fetched value is posted as: a :class:`Listed` unless the view says else.
        self._result: Callable[[int, T], Message] = result or (
            lambda generation, value: Listed(resource, generation, value)
        )
        self._transitional = transitional
        self._new_schedule = schedule
        self.schedule = schedule()
        self._shown = False
        self._timer: Timer | None = None
        self._countdown: Timer | None = None
        self._inflight: tuple[Worker[Answer[T]], int] | None = None
        self._primed_unseen = False
        # Set by screens.kit.live_rows: pushed changes keep these rows current, so while
        # events flow the poll is only the slow safety net.
        self.pushed = False
        self.banner_text = ""
        """The degraded banner's text, "" while healthy."""

    # --- control from the view / screen ------------------------------------------------
    @property
    def shown(self) -> bool:
        return self._shown

    def set_shown(self, shown: bool) -> None:
        """Resume when the view becomes visible; pause when hidden or covered by a modal."""
        if shown == self._shown:
            return
        self._shown = shown
        if shown:
            if self._primed_unseen:
                # First visit after the start-up poll: that answer may be a while old.
                self._primed_unseen = False
                self.schedule.request_now()
            delay = self.schedule.resume()
            if delay is not None:
                self._arm(delay)
        else:
            self.schedule.pause()
            self._disarm()

    def prime(self) -> None:
        """Poll once even while hidden, if it never polled: tab counts from the start.

        The next polls wait until the view is shown, as usual.
        """
        if self.PRIME_WHEN_HIDDEN and self.schedule.try_start_first():
            self._primed_unseen = True
            self._launch()

    def adopt(self, value: T) -> None:
        """A first result obtained elsewhere (the start-up helper process): posted as if
        this poller had fetched it, and the next poll is a normal interval away."""
        if not self.schedule.try_start_first():
            return
        delay = self.schedule.succeeded(transitional=self._transitional(value))
        message = self._result(console_host(self).generation, value)
        # Sent by this poller, whoever called: Textual stops a message from bubbling
        # past its sender, and the view that calls this is the screen's way up.
        message.set_sender(self)
        self.post_message(message)
        if self._shown:
            self._arm(delay)

    def refresh_now(self) -> None:
        """Poll as soon as possible (manual refresh, or after a mutation)."""
        self.schedule.request_now()
        if self._shown and not self.schedule.running:
            self._arm(0)

    def reset(self) -> None:
        """Forget all state (context switch): the next poll starts from scratch."""
        if self._inflight is not None:
            self._inflight[0].cancel()
        self._inflight = None
        self._disarm()
        self.schedule = self._new_schedule()
        was_degraded = self.has_class("-degraded")
        self._show_banner()
        if was_degraded:
            self.post_message(PollHealthChanged(self.resource, None))
        if self._shown:
            self.schedule.resume()
            self._arm(0)

    # --- the loop ----------------------------------------------------------------------
    def _arm(self, delay: float) -> None:
        self._disarm()
        # Textual timers divide by their interval: "at once" is the next few milliseconds.
        delay = max(MIN_DELAY, delay)
        self._timer = self.set_timer(delay, self._fire, name=f"poll:{self.resource}")

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        if self.schedule.try_start():
            self._launch()

    def _launch(self) -> None:
        host = console_host(self)
        generation, context = host.generation, host.context
        worker = self.run_worker(
            partial(self._poll_once, context, PollRun(self, generation, host)),
            name=f"poll:{self.resource}",
            group=f"poll:{self.resource}",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )
        self._inflight = (worker, generation)

    def _poll_once(self, context: ConsoleContext, run: PollRun) -> Answer[T]:
        """The fetch, in the worker thread, knowing which poll it is.

        Its value is handed over in an :class:`Answer` and its error without tracebacks:
        the finished worker keeps both, and may be frozen out of collections for good
        (see :class:`Answer`)."""
        CURRENT_POLL.set(run)
        try:
            return Answer(self._fetch(context))
        except Exception as exc:
            error = translate_detached(exc)
        raise error  # outside the handler: not chained to (and holding) ``exc``

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        inflight = self._inflight
        if inflight is None or event.worker is not inflight[0]:
            return
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self._inflight = None
        worker, generation = inflight
        answer = worker.result
        value = answer.take() if answer is not None else None
        if event.state is WorkerState.CANCELLED or generation != console_host(self).generation:
            # A result for a context the operator left: drop it, poll the new one.
            delay = self.schedule.abandoned()
        elif event.state is WorkerState.SUCCESS:
            assert answer is not None
            value = cast("T", value)
            recovered = self.schedule.degraded is not None
            delay = self._pushed_delay(
                self.schedule.succeeded(transitional=self._transitional(value))
            )
            self.post_message(self._result(generation, value))
            if recovered:
                self.post_message(PollHealthChanged(self.resource, None))
        else:
            error = _as_sm_error(worker.error)
            delay = self.schedule.failed(error.kind, error.message)
            self.post_message(PollFailed(self.resource, generation, error))
            degraded = self.schedule.degraded
            # A setting the operator has not made (no MLflow tracking URI...) is shown in
            # the view's banner, but it is not the API being unhealthy: the header stays ok.
            if error.kind not in NOT_HEALTH_KINDS:
                self.post_message(
                    PollHealthChanged(
                        self.resource, degraded.message if degraded else error.message
                    )
                )
        self._show_banner()
        if self._shown:
            self._arm(delay)

    def _pushed_delay(self, delay: float) -> float:
        """While events flow the next poll waits the safety net (see :mod:`events_link`)."""
        link = getattr(self.app, "events", None)
        if not self.pushed or link is None:
            return delay
        waited: float = link.poll_interval(delay)
        if waited > delay:
            self.schedule.due_at = self.schedule.now() + waited
        return waited

    def events_stopped(self) -> None:
        """Events no longer flow: poll now and at the normal pace again."""
        if self.pushed:
            self.refresh_now()

    # --- the degraded banner -------------------------------------------------------------
    def _show_banner(self) -> None:
        degraded = self.schedule.degraded
        self.set_class(degraded is not None, "-degraded")
        if degraded is None:
            if self._countdown is not None:
                self._countdown.stop()
                self._countdown = None
            self._set_banner("")
            return
        self._tick_banner()
        if self._countdown is None:
            self._countdown = self.set_interval(1.0, self._tick_banner, name="poll-countdown")

    def _tick_banner(self) -> None:
        degraded = self.schedule.degraded
        if degraded is None:
            return
        if self.schedule.running:
            self._set_banner(f"{degraded.message}, retrying now…")
        elif not self._shown:
            self._set_banner(f"{degraded.message}, paused while hidden")
        else:
            self._set_banner(degraded.describe(self.schedule.now()))

    def _set_banner(self, text: str) -> None:
        self.banner_text = text
        self.update(Content(text))  # plain text: error messages may contain "[...]"


def _as_sm_error(error: BaseException | None) -> SmError:
    if error is None:
        return SmError("the poll failed for an unknown reason")
    return translate(error)
