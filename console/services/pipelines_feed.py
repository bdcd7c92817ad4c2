"""What the Pipelines tab's polls fetch: pipelines (with their latest execution's
status), one pipeline's executions (described: who started them, parameters, duration)
and one execution with its steps. Worker threads; no Textual here.

A pipeline's executions are described one by one (the list call has no parameters, no
``CreatedBy`` and no end time); a finished execution never changes, so its description
is cached and a poll of a quiet pipeline is one list call plus the running ones.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from console.errors import NotFoundError

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.pipelines import Execution, ExecutionSummary, PipelineSummary

LIST_LIMIT = 200
# Pipelines whose latest execution is looked up per poll (one call each); the rest
# show no last status until the operator opens them.
LATEST_LIMIT = 50
# Executions described per poll; older ones show their summary (no parameters).
DESCRIBE_LIMIT = 50
# Execution and step states that still change.
TRANSITIONAL = frozenset({"Executing", "Stopping", "Starting"})


@dataclass(frozen=True)
class PipelineRow:
    """A pipeline and what its newest execution is doing (``""``: never run, or not
    looked up)."""

    pipeline: PipelineSummary
    last_status: str
    last_started: datetime | None

    @property
    def name(self) -> str:
        return self.pipeline.name


@dataclass(frozen=True)
class PipelinesSnapshot:
    items: tuple[PipelineRow, ...]
    fetched_at: datetime

    @property
    def transitional(self) -> bool:
        return any(row.last_status in TRANSITIONAL for row in self.items)

    def counts(self) -> Counter[str]:
        return Counter(row.last_status or "never run" for row in self.items)


@dataclass(frozen=True)
class ExecutionsSnapshot:
    """One pipeline's executions, newest first: described (:class:`Execution`, no
    steps) or, beyond :data:`DESCRIBE_LIMIT`, summaries."""

    pipeline: str
    items: tuple[Execution | ExecutionSummary, ...]
    fetched_at: datetime

    @property
    def transitional(self) -> bool:
        return any(item.status in TRANSITIONAL for item in self.items)


@dataclass(frozen=True)
class ExecutionSnapshot:
    """One execution with its steps (oldest first)."""

    execution: Execution
    fetched_at: datetime

    @property
    def items(self) -> tuple[object, ...]:
        return self.execution.steps

    @property
    def transitional(self) -> bool:
        return self.execution.status in TRANSITIONAL or any(
            step.status in TRANSITIONAL for step in self.execution.steps
        )


def fetch_pipelines(context: ConsoleContext) -> PipelinesSnapshot:
    """Every pipeline and its newest execution's status (worker thread)."""
    service = context.pipelines
    rows = []
    for index, pipeline in enumerate(service.list_pipelines(limit=LIST_LIMIT)):
        status, started = "", None
        if index < LATEST_LIMIT:
            try:
                latest = next(iter(service.list_executions(pipeline.name, limit=1)), None)
            except NotFoundError:
                continue  # deleted between the two calls
            if latest is not None:
                status, started = latest.status, latest.started
        rows.append(PipelineRow(pipeline, status, started))
    return PipelinesSnapshot(tuple(rows), datetime.now(UTC))


class ExecutionsFeed:
    """Lists one pipeline's executions and describes those that may have changed.

    Polls never overlap (the poller waits for one to end before the next), so the cache
    is touched by one thread at a time.
    """

    def __init__(self, pipeline: str) -> None:
        self.pipeline = pipeline
        self._cache: dict[str, Execution] = {}

    def fetch(self, context: ConsoleContext) -> ExecutionsSnapshot:
        service = context.pipelines
        found: list[Execution | ExecutionSummary] = []
        for index, summary in enumerate(service.list_executions(self.pipeline, limit=LIST_LIMIT)):
            cached = self._cache.get(summary.arn)
            if cached is not None and cached.status == summary.status:
                found.append(cached)
                continue
            if index >= DESCRIBE_LIMIT:
                found.append(summary)
                continue
            try:
                full = service.describe_execution(summary.arn, with_steps=False)
            except NotFoundError:
                continue
            if full.status not in TRANSITIONAL:
                self._cache[summary.arn] = full
            found.append(full)
        return ExecutionsSnapshot(self.pipeline, tuple(found), datetime.now(UTC))


def fetch_execution(context: ConsoleContext, arn: str) -> ExecutionSnapshot:
    """One execution, its parameters and its steps (worker thread)."""
    return ExecutionSnapshot(context.pipelines.describe_execution(arn), datetime.now(UTC))
