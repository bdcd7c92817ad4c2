"""What the SageMaker Experiments screens' polls fetch: experiments, an experiment's
trials, a trial's components (described when they changed). Worker threads; no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from console.errors import NotFoundError

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.experiments import TrialComponent

LIST_LIMIT = 1000
# Components described per poll; any beyond show their summary (no parameters/metrics
# until `enter`). Trials rarely have more than a handful.
DESCRIBE_LIMIT = 50
# Component states whose parameters/metrics still change.
TRANSITIONAL = frozenset({"InProgress", "Stopping"})


@dataclass(frozen=True)
class SmListing:
    """One poll of one level (experiments, trials or components)."""

    items: tuple[Any, ...]
    fetched_at: datetime

    @property
    def transitional(self) -> bool:
        return any(getattr(item, "status", "") in TRANSITIONAL for item in self.items)


class ComponentsFeed:
    """Lists a trial's components and describes the ones that changed (worker thread).

    Polls never overlap (the poller waits for one to end before scheduling the next), so
    the cache is only ever touched by one thread at a time.
    """

    def __init__(self, trial: str) -> None:
        self.trial = trial
        self._cache: dict[str, tuple[datetime | None, TrialComponent]] = {}

    def fetch(self, context: ConsoleContext) -> SmListing:
        service = context.experiments
        found: list[TrialComponent] = []
        for index, summary in enumerate(
            service.list_trial_components(self.trial, limit=LIST_LIMIT)
        ):
            cached = self._cache.get(summary.name)
            if (
                cached is not None
                and cached[0] == summary.modified
                and cached[1].status not in TRANSITIONAL
            ):
                found.append(cached[1])
                continue
            if index >= DESCRIBE_LIMIT:
                found.append(summary)
                continue
            try:
                full = service.describe_trial_component(summary.name)
            except NotFoundError:
                continue  # deleted between the list and the describe
            self._cache[summary.name] = (summary.modified, full)
            found.append(full)
        return SmListing(tuple(found), datetime.now(UTC))


def fetch_sm_experiments(context: ConsoleContext) -> SmListing:
    """Every experiment (worker thread)."""
    items = tuple(context.experiments.list_experiments(limit=LIST_LIMIT))
    return SmListing(items, datetime.now(UTC))


def fetch_trials(context: ConsoleContext, experiment: str) -> SmListing:
    """The trials of ``experiment`` (worker thread)."""
    items = tuple(context.experiments.list_trials(experiment, limit=LIST_LIMIT))
    return SmListing(items, datetime.now(UTC))
