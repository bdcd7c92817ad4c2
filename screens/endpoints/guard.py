"""The traffic guard in the TUI (issue 16): after a confirmed shift with a guard, watch the
variants that gained traffic and roll back by itself on a breach.

The operator confirmed the guard with the shift (the confirm dialog names it). Its start
is a change of its own through the gate (``endpoint-weights-guard``: refused read-only,
audited with the rule, the minutes, the watched variants and the weights to go back
to); the rollback is audited by the guard's gated call
(``endpoint-weights-rollback``, with the reason). The watch runs in a thread worker of
the Endpoints view (one per endpoint; a newer shift's guard replaces it) and reports by
notification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from console.errors import SmError
from console.services.traffic_guard import TrafficGuard, gained_traffic
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.cloudwatch import GuardReport
    from console.services.endpoints import Endpoint
    from screens.endpoints.view import EndpointsView
    from screens.endpoints.weights import WeightPlan

GuardFactory = Callable[["ConsoleContext"], TrafficGuard]


def default_guard(context: ConsoleContext) -> TrafficGuard:
    return TrafficGuard(context.endpoints, context.cloudwatch)


def start_guard(
    view: EndpointsView,
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

    def watch(context: ConsoleContext) -> GuardReport:
        context.gate.run(
            "endpoint-weights-guard",
            name,
            {"rule": rule.describe(), "minutes": minutes, "watch": watched, "previous": previous},
            lambda: None,
        )
        return build(context).watch(name, previous, watched, rule, minutes)

    def done(report: GuardReport) -> None:
        view.changed(name)
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
    run_for_context(view, watch, done=done, failed=failed, name=f"guard-{name}")
