"""The account at a glance: who we are, where, and how many of everything in which state.

Each count is independent: when one fails (a call moto lacks, a missing permission) its
row carries the error and the others still arrive. Counts are capped (the newest
``COUNT_CAP`` items) so a large account costs a bounded number of list calls; every call
is visible in the API budget, which this service also exposes.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.aws.metrics import BudgetSnapshot
from console.errors import SmError
from console.records import Record

if TYPE_CHECKING:
    from console.context import ConsoleContext

COUNT_CAP = 1000
PAGE_SIZE = 100
PARALLEL_CALLS = 4


@dataclass(frozen=True)
class ResourceCount(Record):
    """One row: a resource type, its total and a breakdown by state (if it has states)."""

    resource: str
    total: int
    by_state: dict[str, int] = field(default_factory=dict)
    capped: bool = False  # True: only the newest COUNT_CAP were counted
    error: str = ""


@dataclass(frozen=True)
class StatusOverview(Record):
    profile: str
    region: str
    endpoint_url: str
    account: str
    caller_arn: str
    identity_error: str
    counts: tuple[ResourceCount, ...]
    credential_source: str = ""  # environment, profile, SSO, instance role, ...

    def count(self, resource: str) -> ResourceCount:
        for row in self.counts:
            if row.resource == resource:
                return row
        raise KeyError(resource)


@dataclass(frozen=True)
class _ListSpec:
    """A SageMaker list call and the field of its items that holds the state."""

    resource: str
    operation: str
    result_key: str
    state_field: str | None
    params: dict[str, Any] = field(default_factory=dict)


# Everything but jobs, which come from the jobs service. Counted with direct list calls so
# this module depends on no other area's service.
_RAW_LISTS = (
    _ListSpec("endpoints", "list_endpoints", "Endpoints", "EndpointStatus"),
    _ListSpec("endpoint configs", "list_endpoint_configs", "EndpointConfigs", None),
    _ListSpec("models", "list_models", "Models", None),
    _ListSpec(
        "notebooks", "list_notebook_instances", "NotebookInstances", "NotebookInstanceStatus"
    ),
    _ListSpec(
        "model packages",
        "list_model_packages",
        "ModelPackageSummaryList",
        "ModelApprovalStatus",
        {"ModelPackageType": "Both"},
    ),
    _ListSpec("HyperPod clusters", "list_clusters", "ClusterSummaries", "ClusterStatus"),
)
RESOURCES = (
    "training jobs",
    "processing jobs",
    "tuning jobs",
    *(spec.resource for spec in _RAW_LISTS),
)


def _tally(resource: str, states: Iterable[str | None]) -> ResourceCount:
    """Count up to COUNT_CAP items (reading one more tells whether there were more)."""
    counter: Counter[str] = Counter()
    total = 0
    capped = False
    for state in states:
        if total >= COUNT_CAP:
            capped = True
            break
        total += 1
        if state is not None:
            counter[state] += 1
    return ResourceCount(resource, total, dict(sorted(counter.items())), capped)


class StatusService:
    """Built with the whole :class:`ConsoleContext`: it reads across every area."""

    def __init__(self, ctx: ConsoleContext) -> None:
        self.ctx = ctx

    def api_budget(self) -> BudgetSnapshot:
        return self.ctx.sessions.metrics.snapshot()

    def overview(self) -> StatusOverview:
        """Identity, region and every count; a failing count becomes an error row."""
        jobs = self.ctx.jobs  # resolved here, not concurrently in the worker threads
        counters: list[tuple[str, Callable[[], Iterable[str | None]]]] = [
            (
                "training jobs",
                lambda: (j.status for j in jobs.list_training_jobs(limit=COUNT_CAP + 1)),
            ),
            (
                "processing jobs",
                lambda: (j.status for j in jobs.list_processing_jobs(limit=COUNT_CAP + 1)),
            ),
            (
                "tuning jobs",
                lambda: (j.status for j in jobs.list_tuning_jobs(limit=COUNT_CAP + 1)),
            ),
        ]
        for spec in _RAW_LISTS:
            counters.append((spec.resource, functools.partial(self._states, spec)))
        with ThreadPoolExecutor(max_workers=PARALLEL_CALLS) as pool:
            futures = [pool.submit(self._count, name, states) for name, states in counters]
            identity = self._identity()
            counts = tuple(future.result() for future in futures)
        config = self.ctx.config
        return StatusOverview(
            profile=config.profile,
            region=self.ctx.sessions.context.region or self._region(),
            endpoint_url=config.endpoint_url,
            account=identity[0],
            caller_arn=identity[1],
            identity_error=identity[2],
            counts=counts,
            credential_source=self.credential_source(),
        )

    def credential_source(self) -> str:
        """Where the session's credentials come from (environment, profile, SSO, instance
        role, …); the CLI's ``status`` and the Status tab both say this."""
        from console.aws.credential_source import credential_source

        sessions = self.ctx.sessions
        try:
            session = sessions.session
        except SmError as exc:
            return f"unresolved ({exc.message})"
        return credential_source(session, sessions.context.profile or self.ctx.config.profile)

    def _region(self) -> str:
        try:
            return self.ctx.sessions.region
        except SmError:
            return ""

    def _identity(self) -> tuple[str, str, str]:
        try:
            caller = self.ctx.identity.caller()
        except SmError as exc:
            return "", "", exc.one_line()
        return caller.account, caller.arn, ""

    @staticmethod
    def _count(resource: str, states: Callable[[], Iterable[str | None]]) -> ResourceCount:
        try:
            return _tally(resource, states())
        except SmError as exc:
            return ResourceCount(resource, 0, error=exc.one_line())

    def _states(self, spec: _ListSpec) -> Iterator[str | None]:
        """Item states of one list call, page by page (errors translated)."""
        sessions = self.ctx.sessions
        try:
            client = sessions.client("sagemaker")
            paginator = client.get_paginator(spec.operation)
            config = {"PageSize": PAGE_SIZE, "MaxItems": COUNT_CAP + 1}
            for page in paginator.paginate(**spec.params, PaginationConfig=config):
                for item in page.get(spec.result_key, []):
                    yield str(item.get(spec.state_field, "")) if spec.state_field else None
        except SmError:
            raise
        except Exception as exc:
            raise sessions.translate(exc) from exc
