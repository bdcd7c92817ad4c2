"""What the Experiments (MLflow) tab's polls fetch: experiments, one experiment's runs,
the managed tracking servers. Worker threads; no Textual here, and nothing that imports
mlflow at module level (the tab is on the start-up path; mlflow comes with a first poll).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from console.errors import NotFoundError

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.mlflow.records import MlflowExperiment, MlflowRun, TrackingServer

# Run counts are capped (counting means listing runs): "200+" is enough to size a table.
COUNT_CAP = 200
# TrackingServerStatus values that move by themselves (polled faster).
TRANSITIONAL = frozenset(
    {"Creating", "Updating", "Deleting", "Stopping", "Starting", "MaintenanceInProgress"}
)


@dataclass(frozen=True)
class ExperimentsSnapshot:
    items: tuple[MlflowExperiment, ...]
    fetched_at: datetime
    target: str


def fetch_experiments(context: ConsoleContext) -> ExperimentsSnapshot:
    """One listing with capped run counts (worker thread)."""
    items = context.mlflow.list_experiments(with_counts=True, count_cap=COUNT_CAP)
    return ExperimentsSnapshot(tuple(items), datetime.now(UTC), context.mlflow.describe_target())


@dataclass(frozen=True)
class RunsSnapshot:
    runs: tuple[MlflowRun, ...]
    search: str
    fetched_at: datetime
    # False: the first page(s) of a listing still being fetched.
    complete: bool = True


@dataclass(frozen=True)
class ServersListing:
    items: tuple[TrackingServer, ...]
    fetched_at: datetime

    @property
    def transitional(self) -> bool:
        return any(server.status in TRANSITIONAL for server in self.items)


class ServersFeed:
    """Lists the servers and describes the ones that changed (worker thread; polls of
    one feed never overlap, so its cache has one writer at a time)."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[datetime | None, str, TrackingServer]] = {}

    def fetch(self, context: ConsoleContext) -> ServersListing:
        service = context.mlflow_servers
        found: list[TrackingServer] = []
        for summary in service.list_servers():
            cached = self._cache.get(summary.name)
            if cached is not None and cached[:2] == (summary.modified, summary.status):
                found.append(cached[2])
                continue
            try:
                full = service.describe_server(summary.name)
            except NotFoundError:
                continue  # deleted between the list and the describe
            self._cache[summary.name] = (summary.modified, summary.status, full)
            found.append(full)
        return ServersListing(tuple(found), datetime.now(UTC))
