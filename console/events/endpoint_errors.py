"""The endpoint 5xx-rate alert (``when = "endpoint-5xx"``): a small CloudWatch query.

SageMaker publishes ``Invocation5XXErrors`` and ``Invocations`` per endpoint and variant
in the ``AWS/SageMaker`` namespace; the rate over the last ``minutes`` is their sums'
ratio across the endpoint's variants, from one GetMetricData call. The result becomes a
:class:`ResourceChanged` of kind ``endpoint-errors`` (``Errors5xxHigh`` or
``Errors5xxOk``) fed to the alert engine, so incidents open once and close when the rate
falls back, like every other alert.

The query itself is the production view's (console/services/cloudwatch.py): one place
knows how GetMetricData is asked and read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from console.events.records import ResourceChanged
from console.services.cloudwatch import ENDPOINT_NAMESPACE as NAMESPACE
from console.services.cloudwatch import read_batch, summary_queries, summed

HIGH = "Errors5xxHigh"
OK = "Errors5xxOk"


@dataclass(frozen=True)
class ErrorRate:
    endpoint: str
    errors: float
    invocations: float

    @property
    def rate(self) -> float | None:
        return self.errors / self.invocations if self.invocations else None


def error_rate(
    factory: Any,
    endpoint: str,
    variants: Sequence[str],
    *,
    minutes: int = 5,
    now: datetime | None = None,
) -> ErrorRate:
    """5xx errors and invocations of ``endpoint`` over the last ``minutes`` (one call,
    the production view's summary queries: console/services/cloudwatch.py)."""
    end = now or datetime.now(UTC)
    start = end - timedelta(minutes=minutes)
    if not variants:
        return ErrorRate(endpoint, 0.0, 0.0)
    batch = read_batch(
        factory.client("cloudwatch").get_metric_data,
        summary_queries({endpoint: variants}),
        start=start,
        end=end,
        period=minutes * 60,
    )
    return ErrorRate(
        endpoint,
        summed(batch, endpoint, variants, "Invocation5XXErrors"),
        summed(batch, endpoint, variants, "Invocations"),
    )


def as_change(rate: ErrorRate, threshold: float, now: datetime | None = None) -> ResourceChanged:
    """The rate as a change the alert engine evaluates (high: at or above ``threshold``)."""
    value = rate.rate
    high = value is not None and value >= threshold
    reason = (
        f"{value:.1%} of {int(rate.invocations)} invocations answered 5xx"
        if value is not None
        else "no invocations"
    )
    return ResourceChanged(
        kind="endpoint-errors",
        name=rate.endpoint,
        arn="",
        status=HIGH if high else OK,
        event_time=now or datetime.now(UTC),
        reason=reason,
    )


def endpoint_variants(factory: Any) -> dict[str, list[str]]:
    """Endpoint -> variants that reported invocations (CloudWatch ListMetrics: no
    SageMaker call, so the check costs nothing from the account's SageMaker quota)."""
    found: dict[str, list[str]] = {}
    paginator = factory.client("cloudwatch").get_paginator("list_metrics")
    for page in paginator.paginate(Namespace=NAMESPACE, MetricName="Invocations"):
        for metric in page.get("Metrics") or []:
            dims = {d.get("Name"): d.get("Value") for d in metric.get("Dimensions") or []}
            endpoint, variant = dims.get("EndpointName"), dims.get("VariantName")
            if isinstance(endpoint, str) and isinstance(variant, str):
                variants = found.setdefault(endpoint, [])
                if variant not in variants:
                    variants.append(variant)
    return found


def check_endpoints(factory: Any, engine: Any, *, now: datetime | None = None) -> list[Any]:
    """Evaluate the engine's ``endpoint-5xx`` rules on every endpoint with metrics;
    the alerts that fired (the engine dedups incidents and rate-limits)."""
    import fnmatch

    rules = [r for r in engine.rules if r.when == "endpoint-5xx"]
    if not rules:
        return []
    fired: list[Any] = []
    for endpoint, variants in sorted(endpoint_variants(factory).items()):
        wanted = [r for r in rules if fnmatch.fnmatchcase(endpoint, r.match)]
        if not wanted:
            continue
        rate = error_rate(factory, endpoint, variants, now=now)
        for rule in wanted:  # each rule judges the rate by its own threshold
            fired.extend(engine.evaluate(as_change(rate, rule.threshold, now), only=rule))
    return fired
