"""A safety net for traffic shifts: watch the variant that gained traffic, roll back if its
error rate passes the threshold.

After ``endpoint-weights NAME blue=90 green=10 --guard '5xx<1%' --guard-minutes 15`` the
guard reads green's invocations and errors since the shift once a minute (one batched
GetMetricData each time). If the rate reaches the threshold, it puts the weights back as
they were, through the same gate as any change (refused read-only, audited as
``endpoint-weights-rollback``). The operator confirmed the guard with the shift.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from console.services.cloudwatch import (
    CloudWatchMetricsService,
    GuardReport,
    GuardRule,
    VariantHealth,
)
from console.services.endpoints import Endpoint, EndpointsService


def gained_traffic(before: Endpoint, weights: Mapping[str, float]) -> list[str]:
    """The variants whose share grows with ``weights`` (the candidates to watch)."""
    old = before.traffic_split(desired=True)
    after = {v.name: float(weights.get(v.name, v.desired_weight or 0.0)) for v in before.variants}
    total = sum(after.values()) or 1.0
    return [name for name, w in after.items() if w / total > old.get(name, 0.0) + 1e-9]


def breach_reason(health: VariantHealth, rule: GuardRule) -> str:
    """Why the guard rolled back, in whole requests: CloudWatch sums of a minute's counts
    can be fractional (``10.9349 of 182.248`` read as noise, not as requests). The count is
    the rule's own: 4xx for ``4xx<…``, both for ``errors<…``."""
    errors = {
        "5xx": health.errors_5xx,
        "4xx": health.errors_4xx,
    }.get(rule.metric, health.errors_4xx + health.errors_5xx)
    return (
        f"{health.variant}: {rule.metric} rate {rule.rate(health):.2%} "
        f"({errors:,.0f} of {health.invocations:,.0f}) >= {rule.threshold:.2%}"
    )


class TrafficGuard:
    """Watches one shift. ``sleep`` and ``now`` are injected so tests run in no time."""

    def __init__(
        self,
        endpoints: EndpointsService,
        metrics: CloudWatchMetricsService,
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        interval: float = 60.0,
    ) -> None:
        self.endpoints = endpoints
        self.metrics = metrics
        self.sleep = sleep
        self.now = now
        self.interval = interval

    def watch(
        self,
        endpoint: str,
        previous: Mapping[str, float],
        variants: list[str],
        rule: GuardRule,
        minutes: int,
        *,
        shifted_at: datetime | None = None,
        on_check: Callable[[str, float], None] | None = None,
    ) -> GuardReport:
        """Check every ``interval`` for ``minutes``; roll back to ``previous`` on a breach."""
        started = shifted_at or self.now()
        deadline = started + timedelta(minutes=minutes)
        report = GuardReport(rule=rule.describe(), variant=", ".join(variants))
        while True:
            self.sleep(self.interval)
            moment = self.now()
            window = max(moment - started, timedelta(minutes=1))
            healths = self.metrics.variant_health(endpoint, variants, since=window, now=moment)
            worst = max(healths, key=rule.rate)
            rate = rule.rate(worst)
            report.checks.append((moment, rate))
            if on_check is not None:
                on_check(worst.variant, rate)
            if rule.breached(worst):
                report.reason = breach_reason(worst, rule)
                self.rollback(endpoint, previous, report.reason)
                report.rolled_back = True
                return report
            if moment >= deadline:
                return report

    def rollback(self, endpoint: str, previous: Mapping[str, float], reason: str) -> None:
        """Put the weights back, through the gate (audited with the reason)."""
        service = self.endpoints
        desired = service.plan_variant_weights(service.describe_endpoint(endpoint), previous)
        service.mutate_checked(
            "endpoint-weights-rollback",
            endpoint,
            {"DesiredWeightsAndCapacities": desired, "Reason": reason},
            lambda: service.client.update_endpoint_weights_and_capacities(
                EndpointName=endpoint, DesiredWeightsAndCapacities=desired
            ),
            lambda: all(
                (v := service.describe_endpoint(endpoint).variant(d["VariantName"])) is not None
                and v.desired_weight == d["DesiredWeight"]
                for d in desired
            ),
        )
