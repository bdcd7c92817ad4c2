"""Model-based test of the Endpoints feed's metrics cache (issue 16; Hypothesis stateful).

A fake account (endpoints with 1-3 variants) and a fake CloudWatch that counts calls and
can be told to fail. The model: a poll reads, in ONE call, the endpoints on screen (all
until the view says which) whose numbers are a minute old or missing, in screen order,
as many as fit one GetMetricData; a failed read costs the rows nothing and is not retried
for a minute; numbers of endpoints that left are forgotten.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from console.errors import ThrottledError
from console.services.cloudwatch import EndpointSummaryMetrics
from console.services.endpoints import Endpoint, EndpointSummary, EndpointVariant
from console.services.endpoints_feed import METRICS_EVERY, VARIANTS_PER_CALL, EndpointsFeed
from tests.core.services.test_production_view import extras, via
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.moto_server import MotoServer
from tests.support.stateful import STATEFUL

__all__ = ["extras"]  # a fixture used below

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
NAMES = [f"ep-{i}" for i in range(8)]


def endpoint(name: str, variants: int) -> Endpoint:
    return Endpoint(
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}",
        status="InService",
        failure_reason="",
        config_name=f"{name}-config",
        created=NOW,
        modified=NOW,
        variants=tuple(EndpointVariant(f"v{i}", 1.0, 1.0, 1, 1) for i in range(variants)),
    )


class FakeEndpoints:
    def __init__(self) -> None:
        self.items: dict[str, Endpoint] = {}

    def list_endpoints(self, limit: int) -> list[EndpointSummary]:
        return [
            EndpointSummary(e.name, e.arn, e.status, e.created, e.modified)
            for e in self.items.values()
        ]

    def describe_endpoint(self, name: str) -> Endpoint:
        return self.items[name]


class FakeCloudWatch:
    def __init__(self, clock: Any = lambda: 0.0) -> None:
        self.calls = 0
        self.fail = False
        self.clock = clock
        self.asked: list[dict[str, list[str]]] = []
        self.log: list[tuple[float, str]] = []  # (when, endpoint) of every ask

    def endpoints_summary(self, endpoints: dict[str, list[str]]) -> dict[str, Any]:
        self.calls += 1
        self.asked.append({k: list(v) for k, v in endpoints.items()})
        self.log += [(self.clock(), name) for name in endpoints]
        assert sum(len(v) for v in endpoints.values()) <= VARIANTS_PER_CALL
        if self.fail:
            raise ThrottledError("Rate exceeded", "wait a minute")
        return {
            name: EndpointSummaryMetrics(name, (1.0,) * 12, 0.0, float(self.calls))
            for name in endpoints
        }


class FakeContext:
    def __init__(self) -> None:
        self.endpoints = FakeEndpoints()
        self.cloudwatch = FakeCloudWatch()


class MetricsFeedMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = 0.0
        self.context = FakeContext()
        self.context.cloudwatch.clock = lambda: self.clock
        self.deleted: dict[str, float] = {}  # endpoint -> when a poll found it gone
        self.feed = EndpointsFeed(self.context)  # type: ignore[arg-type]
        self.feed.clock = lambda: self.clock
        # The model: when each endpoint's numbers were last asked for.
        self.asked_at: dict[str, float] = {}
        self.shown: list[str] | None = None
        self.last_error = ""

    @rule(name=st.sampled_from(NAMES), variants=st.integers(1, 3))
    def create(self, name: str, variants: int) -> None:
        self.context.endpoints.items[name] = endpoint(name, variants)

    @rule(name=st.sampled_from(NAMES))
    def delete(self, name: str) -> None:
        # The feed forgets an endpoint's numbers when a poll no longer lists it (one
        # deleted and created again between two polls keeps them: same name, same data).
        self.context.endpoints.items.pop(name, None)

    @rule(seconds=st.sampled_from([1.0, 30.0, METRICS_EVERY - 1, METRICS_EVERY, 600.0]))
    def wait(self, seconds: float) -> None:
        self.clock += seconds

    @rule(names=st.lists(st.sampled_from(NAMES), unique=True, max_size=5))
    def show(self, names: list[str]) -> None:
        self.feed.show(names)
        self.shown = names

    @rule(fail=st.booleans())
    def cloudwatch_fails(self, fail: bool) -> None:
        self.context.cloudwatch.fail = fail

    @rule()
    def poll(self) -> None:
        present = self.context.endpoints.items
        for gone in set(self.asked_at) - set(present):
            del self.asked_at[gone]
            self.deleted[gone] = self.clock
        order = [n for n in self.shown if n in present] if self.shown is not None else list(present)
        due = [
            n
            for n in order
            if n not in self.asked_at or self.clock - self.asked_at[n] >= METRICS_EVERY
        ]
        calls = self.context.cloudwatch.calls
        snapshot = self.feed.fetch()
        made = self.context.cloudwatch.calls - calls
        assert {e.name for e in snapshot.items} == set(present)  # rows come regardless
        assert made == (1 if due else 0)
        assert snapshot.metric_calls in (0, made)
        if due:
            asked = self.context.cloudwatch.asked[-1]
            assert list(asked) == due  # every due endpoint fits: 8 x 3 variants < 250
            for name in due:
                self.asked_at[name] = self.clock
        failed = due and self.context.cloudwatch.fail
        assert bool(snapshot.metrics_error) == bool(failed)
        if failed:
            assert "Rate exceeded" in snapshot.metrics_error
        assert set(snapshot.metrics) <= set(present)

    @invariant()
    def a_minute_between_two_reads_of_an_endpoint(self) -> None:
        """From CloudWatch's side: the same endpoint (not deleted and created again in
        between) is never asked for twice within a minute."""
        last: dict[str, float] = {}
        for when, name in self.context.cloudwatch.log:
            recreated = self.deleted.get(name, -1.0) >= last.get(name, -1.0)
            if name in last and not recreated:
                assert when - last[name] >= METRICS_EVERY, (name, last[name], when)
            last[name] = when


MetricsFeedMachine.TestCase.settings = STATEFUL
TestMetricsFeed = MetricsFeedMachine.TestCase


def test_more_variants_than_one_call_holds_wait_for_the_next_poll() -> None:
    context = FakeContext()
    feed = EndpointsFeed(context)  # type: ignore[arg-type]
    per = 100
    for i in range(4):  # 400 variants: 2 endpoints (200) fit in one call of 250
        context.endpoints.items[f"big-{i}"] = endpoint(f"big-{i}", per)
    first = feed.fetch()
    assert context.cloudwatch.calls == 1 and set(first.metrics) == {"big-0", "big-1"}
    second = feed.fetch()
    assert context.cloudwatch.calls == 2 and set(second.metrics) == {f"big-{i}" for i in range(4)}
    assert feed.fetch().metric_calls == 0  # all fresh: no call


@pytest.mark.parametrize("kind", ["garbage", "refuse", "503", "throttle"])
def test_a_failing_metrics_read_costs_no_rows(extras: MotoServer, kind: str) -> None:
    """Through the fault proxy: GetMetricData broken, the endpoints still listed, the
    reason in the snapshot, and the next minute's poll reads again."""
    from tests.core.services.test_models_endpoints import make_ab_endpoint

    make_ab_endpoint(extras)
    proxy = FaultProxy(extras.url).start()
    try:
        proxy.add(Fault(kind, "monitoring", "GetMetricData"))  # until cleared
        feed = EndpointsFeed(via(proxy))
        clock = [0.0]
        feed.clock = lambda: clock[0]
        broken = feed.fetch()
        assert [e.name for e in broken.items] == ["fraud"]
        assert broken.metrics_error and not broken.metrics
        asked = proxy.calls("GetMetricData")  # a read: botocore's own retries only
        assert feed.fetch().metric_calls == 0  # not again within the minute
        assert proxy.calls("GetMetricData") == asked
        proxy.clear()
        clock[0] += METRICS_EVERY
        healed = feed.fetch()
        assert healed.metrics_error == "" and set(healed.metrics) == {"fraud"}
    finally:
        proxy.stop()
