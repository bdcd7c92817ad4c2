"""Model-based test of the metrics service's batching and cache (Hypothesis stateful).

A fake CloudWatch client (no server: this is about counting and paging, not shapes)
answers GetMetricData in pages of a chosen size. The model: an endpoint's detail costs
ceil(queries / 500) calls (+ one per extra page) unless it was fetched less than a
minute ago and the caller did not ask for live data.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from console.services.cloudwatch import (
    CACHE_SECONDS,
    MAX_QUERIES_PER_CALL,
    CloudWatchMetricsService,
)
from tests.support.stateful import STATEFUL

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


class FakeCloudWatch:
    """Answers every query with one point; splits results over ``pages`` pages."""

    def __init__(self) -> None:
        self.calls = 0
        self.pages = 1

    def get_metric_data(self, **request: Any) -> dict[str, Any]:
        self.calls += 1
        assert len(request["MetricDataQueries"]) <= MAX_QUERIES_PER_CALL
        page = int(request.get("NextToken") or 0)
        answer: dict[str, Any] = {
            "MetricDataResults": [
                {
                    "Id": q["Id"],
                    "Timestamps": [NOW - timedelta(minutes=page + 1)],
                    "Values": [1.0],
                    "StatusCode": "Complete",
                }
                for q in request["MetricDataQueries"]
            ]
        }
        if page + 1 < self.pages:
            answer["NextToken"] = str(page + 1)
        return answer


class FakeSessions:
    def __init__(self, client: FakeCloudWatch) -> None:
        self._client = client

    def client(self, service: str) -> FakeCloudWatch:
        assert service == "cloudwatch"
        return self._client

    def translate(self, exc: BaseException) -> BaseException:
        return exc


class MetricsCacheMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = 0.0
        self.fake = FakeCloudWatch()
        self.service = CloudWatchMetricsService(
            FakeSessions(self.fake),  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            clock=lambda: self.clock,
        )
        self.expected_calls = 0
        self.fetched_at: dict[tuple[str, tuple[str, ...]], float] = {}
        self.points = 0

    @rule(seconds=st.sampled_from([1.0, 30.0, 59.0, 60.0, 61.0, 300.0]))
    def wait(self, seconds: float) -> None:
        self.clock += seconds

    @rule(pages=st.integers(1, 3))
    def page_size(self, pages: int) -> None:
        self.fake.pages = pages

    @rule(
        endpoint=st.sampled_from(["a", "b"]),
        variants=st.integers(1, 40),
        live=st.booleans(),
    )
    def open_detail(self, endpoint: str, variants: int, live: bool) -> None:
        names = tuple(f"v{i}" for i in range(variants))
        key = (endpoint, names)
        queries = len(self.service.endpoint_queries(endpoint, names))
        cached = key in self.fetched_at and self.clock - self.fetched_at[key] < CACHE_SECONDS
        batch = self.service.endpoint_metrics(
            endpoint, names, since=timedelta(hours=1), live=live, now=NOW
        )
        if live or not cached:
            self.expected_calls += math.ceil(queries / MAX_QUERIES_PER_CALL) * self.fake.pages
            self.fetched_at[key] = self.clock
            # every page's point kept, every series present
            assert len(batch.series) == queries
            assert all(len(s.points) == self.fake.pages for s in batch.series.values())

    @invariant()
    def calls_match_the_model(self) -> None:
        assert self.fake.calls == self.expected_calls
        assert self.service.calls == self.expected_calls


MetricsCacheMachine.TestCase.settings = STATEFUL
TestMetricsCache = MetricsCacheMachine.TestCase
