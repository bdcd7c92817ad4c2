"""The console's push channel in the TUI: one events runner, the header's label, live rows.

The app owns one :class:`EventsLink` for its life. With a queue configured
(``events_queue_url``, from the config or the Terraform stack's outputs) it runs one
:class:`console.events.router.EventsRunner` per AWS context: stopped on quit and on a
profile/region switch, started again for the new context. Without a queue it does
nothing and every poller polls as it always did.

Views do not talk to SQS: they :meth:`EventsLink.subscribe` with the kinds they show and a
``refresh`` that reads each changed resource of a batch through the console's services.
The describes run on the consumer's thread (so a message is deleted only after its row
was refreshed), and the fresh items reach the view in one hop to the UI thread, which
updates its rows in place once per batch. What the describes saw is recorded in the
consumer's ledger, so an older event still queued never overrides it.

Alerts (``[[alerts]]``) are evaluated on the same changes; fired ones are kept, newest
first, for the notifications list (``!``) and announced with the bell and a desktop
notification through the terminal; a rule's SNS topic is published to unless the console
is read-only (:class:`console.events.alerts.AlertPublisher`: refused, said once).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from console.events.alerts import (
    Alert,
    AlertEngine,
    AlertPublisher,
    rules_from_config,
    run_command,
    terminal_sequences,
)
from console.events.health import EventsHealth, EventsState, HealthTracker
from console.events.records import KINDS, ResourceChanged, ResourceKey
from console.events.router import EventsRunner, RefreshRouter
from screens.kit.plain import notify

if TYPE_CHECKING:
    from textual.app import App

    from console.context import ConsoleContext


@dataclass
class AlertFired(Message):
    """An ``[[alerts]]`` rule fired (posted to the app)."""

    alert: Alert


def header_label(health: EventsHealth) -> str:
    """The header's words: ``events: live``, ``events: silent 3m — polling``…"""
    if health.state is EventsState.OFF:
        return ""
    if health.state is EventsState.FLOWING:
        return "events: live"
    if health.state is EventsState.STARTING:
        return "events: connecting — polling"
    if health.state is EventsState.SILENT:
        age = health.last_event_age
        quiet = f" {max(1, int(age // 60))}m" if age is not None else ""
        return f"events: silent{quiet} — polling"
    if health.state is EventsState.MISSING:
        return "events: queue missing — polling"
    return "events: queue unreadable — polling"


class StaleRunner(RuntimeError):
    """A stopped runner's last receive brought messages: left in the queue (not deleted)
    for the runner of the context now shown, which gets them after the visibility
    timeout."""


class _Gated(RefreshRouter):
    """The app's router behind a switch: a stopped runner applies (and deletes) nothing."""

    def __init__(self, router: RefreshRouter) -> None:
        super().__init__()
        self._router = router
        self.closed = False

    def __call__(self, changes: Sequence[ResourceChanged]) -> None:
        if self.closed:
            raise StaleRunner("events runner stopped")
        self._router(changes)


class EventsLink:
    """The app's push channel: runner per context, router for views, alerts."""

    MAX_NOTIFICATIONS = 200
    # The consumer's receive wait (None: its 20 s long poll); tests shorten it.
    WAIT_SECONDS: int | None = None
    # How often endpoint-5xx rules read CloudWatch (no SageMaker call).
    METRICS_EVERY = 60.0

    def __init__(
        self,
        app: App[Any],
        *,
        silent_after: float | None = None,
        safety_net: float | None = None,
    ) -> None:
        self._app = app
        self.router = RefreshRouter()
        self.runner: EventsRunner | None = None
        self._generation = 0
        self._silent_after = silent_after
        self._safety_net = safety_net
        self._lock = threading.Lock()
        self._net_given = False  # a poller was told to wait the safety net
        self.notifications: list[Alert] = []
        self.engine: AlertEngine | None = None
        self._publisher: AlertPublisher | None = None
        self._metrics_stop = threading.Event()
        self.router.subscribe(
            KINDS,
            self._alerts,
        )

    # --- lifecycle ----------------------------------------------------------------------
    def start(self, context: ConsoleContext, generation: int) -> None:
        """Run the consumer for ``context`` (nothing without a queue)."""
        self.stop()
        self._generation = generation
        config = context.config
        self._publisher = AlertPublisher(context.sessions, context.gate, told=self._refused)
        self.engine = AlertEngine(rules_from_config(config.alerts)) if config.alerts else None
        if self.engine is not None and any(r.when == "endpoint-5xx" for r in self.engine.rules):
            self._start_metrics(self.engine, context.sessions)
        if not config.events_queue_url:
            return
        health = HealthTracker(silent_after=self._silent_after, safety_net=self._safety_net)
        self.runner = EventsRunner(
            context.sessions,
            config.events_queue_url,
            _Gated(self.router),
            health=health,
            wait_seconds=self.WAIT_SECONDS,
        )
        self.runner.start()

    def _start_metrics(self, engine: AlertEngine, sessions: Any) -> None:
        from console.events.endpoint_errors import check_endpoints

        stop = self._metrics_stop = threading.Event()

        def loop() -> None:
            while not stop.wait(self.METRICS_EVERY):
                try:
                    alerts = check_endpoints(sessions, engine)
                except Exception:  # CloudWatch unreachable: try again next round
                    alerts = []
                for alert in alerts:
                    self._fired(alert)

        threading.Thread(target=loop, name="smconsole-endpoint-5xx", daemon=True).start()

    def stop(self) -> None:
        self._metrics_stop.set()
        runner, self.runner = self.runner, None
        if runner is not None:
            if isinstance(runner.router, _Gated):
                runner.router.closed = True
            runner.stop()

    # --- state for the header and pollers -------------------------------------------------
    @property
    def health(self) -> EventsHealth:
        if self.runner is None:
            return EventsHealth(EventsState.OFF)
        return self.runner.health

    @property
    def pushing(self) -> bool:
        return self.health.pushing

    def poll_interval(self, normal: float) -> float:
        """What a pushed poller waits after a poll: the safety net while events flow."""
        if self.runner is None:
            return normal
        waited = self.runner.poll_interval(normal)
        if waited > normal:
            with self._lock:
                self._net_given = True
        return waited

    def stopped_flowing(self) -> bool:
        """True (once) when events no longer flow while a poller waits the safety net:
        the app, checking every second, then has the pushed pollers poll at once.

        Not an edge of ``pushing`` seen by that check: a poll may be handed the safety
        net in the second events started flowing and stop before the next check (found
        by tests/core/events/test_events_switch_stateful.py).
        """
        if self.health.pushing:
            return False
        with self._lock:
            given, self._net_given = self._net_given, False
        return given

    def observe(self, key: ResourceKey, modified: Any, status: str) -> None:
        """A describe or listing showed this state (older queued events lose)."""
        if self.runner is not None:
            self.runner.consumer.ledger.observe(key, modified, status)

    # --- views ----------------------------------------------------------------------------
    def subscribe(
        self,
        kinds: Iterable[str],
        refresh: Callable[[ConsoleContext, Sequence[ResourceChanged]], Sequence[Any]],
    ) -> Callable[[], None]:
        """Call ``refresh(context, changes)`` on the consumer's thread, once per batch, with
        the batch's changes of ``kinds`` (one per resource).

        ``refresh`` describes each resource and applies them all (see
        :mod:`screens.kit.live_rows`) and returns what it saw, one item (or None) per
        change, recorded in the ledger. A batch that arrives for a context the operator
        already left is dropped. An exception fails the batch: its messages come back
        from the queue.
        """

        def changed(changes: Sequence[ResourceChanged]) -> None:
            host: Any = self._app
            if self._generation != host.generation:
                return
            items = refresh(host.context, changes)
            for change, item in zip(changes, items, strict=False):
                if item is None:
                    continue
                status = str(getattr(item, "status", "") or change.status)
                modified = getattr(item, "modified", None) or change.version
                self.observe(change.key, modified, status)

        return self.router.subscribe(kinds, changed)

    # --- alerts ---------------------------------------------------------------------------
    def _alerts(self, changes: Sequence[ResourceChanged]) -> None:
        engine = self.engine
        if engine is None:
            return
        for change in changes:
            for alert in engine.evaluate(change):
                self._fired(alert)

    def _fired(self, alert: Alert) -> None:
        """Keep it for `!`, tell the UI (bell, toast), run its command, publish to SNS."""
        with self._lock:
            self.notifications.insert(0, alert)
            del self.notifications[self.MAX_NOTIFICATIONS :]
        self._app.post_message(AlertFired(alert))
        run_command(alert)
        if self._publisher is not None:
            self._publisher.publish(alert)

    def _refused(self, text: str) -> None:
        """Read-only mode refused publishing an alert (said once: see AlertPublisher)."""
        notify(self._app, text, severity="warning", title="alerts", timeout=10)

    def ring(self, alert: Alert) -> None:
        """Bell and desktop notification on the terminal the console runs in."""
        stream = sys.__stdout__
        if stream is None or not stream.isatty():
            return
        try:
            stream.write(terminal_sequences(alert, in_tmux=bool(os.environ.get("TMUX"))))
            stream.flush()
        except OSError:
            return


def alert_time(alert: Alert) -> str:
    """When the alert's change happened (UTC), for the notifications list."""
    when = alert.change.version
    if when is None:
        return time.strftime("%H:%M:%S")
    return when.strftime("%Y-%m-%d %H:%M:%S")
