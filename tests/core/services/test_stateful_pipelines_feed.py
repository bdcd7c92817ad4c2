"""The Pipelines executions feed (console/services/pipelines_feed.py) against a plain model.

The feed lists a pipeline's executions and describes only those it has not seen finished
in the same state: a finished execution is described once, a running one on every poll,
a retried one (Failed -> Executing) again. Every fetch must hold exactly the account's
executions, newest first, each with its current status, and make exactly the describes
the model predicts; an execution deleted between the list and its describe is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from console.errors import NotFoundError
from console.services.pipelines import Execution, ExecutionSummary
from console.services.pipelines_feed import TRANSITIONAL, ExecutionsFeed
from tests.support.stateful import STATEFUL

START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
PIPELINE = "churn"
ENDS = ("Succeeded", "Failed", "Stopped")


@dataclass
class FakePipelines:
    """The pipelines service as the feed sees it, over the machine's account."""

    account: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    described: list[str] = field(default_factory=list)
    vanish_on_describe: set[str] = field(default_factory=set)

    def list_executions(self, pipeline: str, *, limit: int | None = None) -> Iterator[Any]:
        assert pipeline == PIPELINE
        newest = sorted(self.account.items(), key=lambda item: item[1][1], reverse=True)
        for arn, (status, started) in newest[:limit]:
            yield ExecutionSummary(arn, PIPELINE, arn[-4:], status, started, "")

    def describe_execution(self, arn: str, *, with_steps: bool = True) -> Execution:
        assert not with_steps  # a list never needs steps
        self.described.append(arn)
        if arn in self.vanish_on_describe:
            self.vanish_on_describe.discard(arn)
            self.account.pop(arn, None)
            raise NotFoundError(f"pipeline execution {arn} not found")
        status, started = self.account[arn]
        return Execution(
            arn, PIPELINE, arn[-4:], status, "", started, started, "someone", (("k", "v"),), ()
        )


@dataclass
class FakeContext:
    pipelines: FakePipelines


class ExecutionsFeedMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.service = FakePipelines()
        self.context: Any = FakeContext(self.service)
        self.feed = ExecutionsFeed(PIPELINE)
        self.cached: dict[str, str] = {}  # the model of the feed's cache: arn -> status
        self.count = 0

    @property
    def account(self) -> dict[str, tuple[str, datetime]]:
        return self.service.account

    def _arns(self, status: str | None = None) -> list[str]:
        return sorted(a for a, (s, _t) in self.account.items() if status is None or s == status)

    @rule()
    def start(self) -> None:
        self.count += 1
        arn = f"arn:aws:sagemaker:us-east-1:1:pipeline/{PIPELINE}/execution/e{self.count:03d}"
        self.account[arn] = ("Executing", START + timedelta(minutes=self.count))

    @precondition(lambda self: self._arns("Executing"))
    @rule(data=st.data(), end=st.sampled_from(ENDS))
    def finish(self, data: st.DataObject, end: str) -> None:
        arn = data.draw(st.sampled_from(self._arns("Executing")))
        self.account[arn] = (end, self.account[arn][1])

    @precondition(lambda self: self._arns("Failed"))
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        arn = data.draw(st.sampled_from(self._arns("Failed")))
        self.account[arn] = ("Executing", self.account[arn][1])

    @precondition(lambda self: self._arns())
    @rule(data=st.data())
    def deleted_while_listing(self, data: st.DataObject) -> None:
        """The next describe of this one finds it gone (deleted after the list)."""
        self.service.vanish_on_describe.add(data.draw(st.sampled_from(self._arns())))

    @rule()
    def fetch(self) -> None:
        listed = [(a, s) for a, (s, _t) in sorted(self.account.items(), key=lambda i: i[1][1])]
        listed.reverse()
        expected_describes = [a for a, s in listed if self.cached.get(a) != s]
        vanishing = set(self.service.vanish_on_describe) & set(expected_describes)
        self.service.described.clear()
        snapshot = self.feed.fetch(self.context)
        assert self.service.described == expected_describes
        assert [item.arn for item in snapshot.items] == [
            a for a, _s in listed if a not in vanishing
        ]
        for item in snapshot.items:
            assert isinstance(item, Execution)  # described (small account)
            assert item.status == self.account[item.arn][0]
            assert item.parameters == (("k", "v"),)
        for arn, status in listed:
            if arn in expected_describes and arn not in vanishing and status not in TRANSITIONAL:
                self.cached[arn] = status
        kept = [s for a, s in listed if a not in vanishing]
        assert snapshot.transitional == any(s in TRANSITIONAL for s in kept)

    @invariant()
    def running_ones_are_never_cached(self) -> None:
        assert all(status not in TRANSITIONAL for status in self.cached.values())


TestExecutionsFeed = ExecutionsFeedMachine.TestCase
TestExecutionsFeed.settings = STATEFUL
