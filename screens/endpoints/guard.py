"""The traffic guard in the TUI (issue 16): after a confirmed shift with a guard, watch the
variants that gained traffic and roll back by itself on a breach.

The operator confirmed the guard with the shift (the confirm dialog names it). Its start
is a change of its own through the gate (``endpoint-weights-guard``: refused read-only,
audited with the rule, the minutes, the watched variants and the weights to go back
to); the rollback is audited by the guard's gated call
(``endpoint-weights-rollback``, with the reason). The watch runs in a thread worker of
the Endpoints view (one per endpoint: a newer shift's guard stops the older one) and
reports by notification. A guard stops, without rolling back, when the view goes away
(the console quits) or the context switches: its waits wake at once, so quitting never
waits a minute for a guard.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

from console.errors import SmError
from console.services.traffic_guard import TrafficGuard, gained_traffic
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from textual.widget import Widget

    from console.context import ConsoleContext
    from console.services.cloudwatch import GuardReport
    from console.services.endpoints import Endpoint
    from screens.endpoints.weights import WeightPlan

GuardFactory = Callable[["ConsoleContext"], TrafficGuard]


class GuardStopped(Exception):
    """The watch was stopped (a newer guard, the view gone): no rollback."""


class GuardStops:
    """One stop signal per watched endpoint (UI thread sets, guard threads wait on it)."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}

    def replace(self, endpoint: str) -> threading.Event:
        """A fresh signal for ``endpoint``; the previous guard's is set (it stops)."""
        old = self._events.get(endpoint)
        if old is not None:
            old.set()
        event = self._events[endpoint] = threading.Event()
        return event

    def stop_all(self) -> None:
        for event in self._events.values():
            event.set()
        self._events.clear()

    def running(self) -> list[str]:
        return [name for name, event in self._events.items() if not event.is_set()]


def stoppable(stop: threading.Event) -> Callable[[float], None]:
    """A sleep that ends early, raising :class:`GuardStopped`, when ``stop`` is set."""

    def sleep(seconds: float) -> None:
        if stop.wait(seconds) or stop.is_set():
            raise GuardStopped

    return sleep


class GuardHost(Protocol):
    """What a guard needs of the view that started it (the Endpoints view, a widget), named
    here so this module does not import the view (which imports it)."""

    guards: GuardStops

    def changed(self, name: str) -> None: ...


def default_guard(context: ConsoleContext) -> TrafficGuard:
    return TrafficGuard(context.endpoints, context.cloudwatch)


def start_guard(
    view: Widget,
    before: Endpoint,
    plan: WeightPlan,
    factory: GuardFactory | None = None,
) -> None:
    """Watch ``before``'s endpoint after ``plan`` was applied (``plan.guard`` is set)."""
    rule, minutes = plan.guard, plan.guard_minutes
    if rule is None:
        return
    name = before.name
    previous = {v.name: v.desired_weight or 0.0 for v in before.variants}
    watched = gained_traffic(before, plan.weights) or [v.name for v in before.variants]
    build = factory or default_guard
    host = cast("GuardHost", view)
    stop = host.guards.replace(name)

    def watch(context: ConsoleContext) -> GuardReport | None:
        context.gate.run(
            "endpoint-weights-guard",
            name,
            {"rule": rule.describe(), "minutes": minutes, "watch": watched, "previous": previous},
            lambda: None,
        )
        guard = build(context)
        guard.sleep = stoppable(stop)
        try:
            return guard.watch(name, previous, watched, rule, minutes)
        except GuardStopped:
            return None

    def done(report: GuardReport | None) -> None:
        if report is None:
            return  # stopped by a newer guard or the view going: it says so itself
        host.changed(name)
        if report.rolled_back:
            notify(
                view,
                f"rolled back: {report.reason}",
                severity="error",
                title=f"guard of {name}",
                timeout=30,
            )
        else:
            notify(view, "no breach: the new split stays", title=f"guard of {name}")

    def failed(error: SmError) -> None:
        notify(view, error.one_line(), severity="error", title=f"guard of {name} stopped")

    notify(
        view,
        f"watching {', '.join(watched)} for {minutes} min ({rule.describe()})",
        title=f"guard of {name}",
    )
    # Not exclusive: a thread cannot be cancelled; the stop signal ends the older watch.
    run_for_context(view, watch, done=done, failed=failed, name=f"guard-{name}", exclusive=False)
