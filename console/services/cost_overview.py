"""The Status tab's Cost section: spend per hour by kind, today's accrued, idle resources.

Built on :class:`console.services.cost.CostService` (what runs, priced) with two more
reads: CloudWatch ``Invocations`` of the running endpoints over the last day (one
batched call; an endpoint with none is idle and still billed per instance-hour) and the
endpoint configs no endpoint uses (free: a config is only a description, say so rather
than let an operator delete them to save money). A notebook instance has no activity
metric in the API: one InService for over a day is listed as a candidate, with how long.

"Today" is since midnight UTC, for what runs now: a job that ran and finished this
morning is not counted (the Jobs tab's detail has each job's own cost).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from console.errors import SmError
from console.records import Record

if TYPE_CHECKING:
    from collections.abc import Callable

    from console.services.cloudwatch import CloudWatchMetricsService
    from console.services.cost import CostService, RunningCost

IDLE_AFTER = timedelta(hours=24)
# Rows of the most expensive running resources shown.
TOP = 5


@dataclass(frozen=True)
class IdleResource(Record):
    kind: str  # endpoint | notebook
    name: str
    usd_per_hour: float | None
    why: str


@dataclass(frozen=True)
class CostOverview(Record):
    running: tuple[RunningCost, ...]
    by_kind: tuple[tuple[str, float | None, int], ...]  # kind, $/h (None: unknown), count
    per_hour: float
    unpriced: int  # running resources without a price (not in per_hour)
    today: float
    idle: tuple[IdleResource, ...]
    unused_configs: int | None  # endpoint configs no endpoint uses (None: not read)
    prices_note: str  # why prices are unknown ("" when they are known)
    idle_note: str  # why idle endpoints could not be told ("" when they could)
    fetched_at: datetime

    @property
    def top(self) -> tuple[RunningCost, ...]:
        priced = [r for r in self.running if r.usd_per_hour]
        return tuple(priced[:TOP])


def accrued_since(row: RunningCost, start: datetime, now: datetime) -> float:
    """What ``row`` cost from ``start`` (or when it started, if later) until ``now``."""
    if row.usd_per_hour is None:
        return 0.0
    since = max(start, row.since) if row.since is not None else start
    return row.usd_per_hour * max(0.0, (now - since).total_seconds()) / 3600.0


def by_kind(rows: tuple[RunningCost, ...]) -> tuple[tuple[str, float | None, int], ...]:
    """$/h per kind, most expensive first; a kind with any unpriced row is None."""
    totals: dict[str, float | None] = {}
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.kind] += 1
        known = totals.get(row.kind, 0.0)
        totals[row.kind] = (
            None if known is None or row.usd_per_hour is None else known + row.usd_per_hour
        )
    ordered = sorted(totals.items(), key=lambda item: (-(item[1] or 0.0), item[0]))
    return tuple((kind, usd, counts[kind]) for kind, usd in ordered)


class CostOverviewService:
    """Reads what the Cost section shows (worker thread; several calls)."""

    def __init__(
        self,
        cost: CostService,
        metrics: CloudWatchMetricsService,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.cost = cost
        self.metrics = metrics
        self._clock = clock or (lambda: datetime.now(UTC))

    def overview(self) -> CostOverview:
        now = self._clock()
        rows = tuple(self.cost.running())
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        notes = {r.note for r in rows if r.note.startswith("prices unavailable")}
        if not rows:
            notes |= self._prices_note()
        idle, idle_note = self._idle_endpoints(rows, now)
        idle += self._idle_notebooks(rows, now)
        return CostOverview(
            running=rows,
            by_kind=by_kind(rows),
            per_hour=sum(r.usd_per_hour or 0.0 for r in rows),
            unpriced=sum(r.usd_per_hour is None for r in rows),
            today=sum(accrued_since(r, midnight, now) for r in rows),
            idle=tuple(idle),
            unused_configs=self._unused_configs(),
            prices_note=min(notes, default=""),
            idle_note=idle_note,
            fetched_at=now,
        )

    def _prices_note(self) -> set[str]:
        """Nothing runs: still say whether prices could be read (the next thing will)."""
        try:
            self.cost.pricing.prices()
        except SmError as exc:
            return {f"prices unavailable: {exc.message}"}
        return set()

    def _idle_endpoints(
        self, rows: tuple[RunningCost, ...], now: datetime
    ) -> tuple[list[IdleResource], str]:
        """Endpoints up for over a day with no invocation in the last day."""
        variants: dict[str, list[str]] = defaultdict(list)
        hourly: dict[str, float | None] = {}
        for row in rows:
            if row.kind != "endpoint" or "/" not in row.name:
                continue
            if row.since is not None and now - row.since < IDLE_AFTER:
                continue  # too new to call idle
            endpoint, _, variant = row.name.partition("/")
            variants[endpoint].append(variant)
            known = hourly.get(endpoint, 0.0)
            hourly[endpoint] = (
                None if known is None or row.usd_per_hour is None else known + row.usd_per_hour
            )
        if not variants:
            return [], ""
        try:
            summary = self.metrics.endpoints_summary(variants, since=IDLE_AFTER, now=now)
        except SmError as exc:
            return [], f"idle endpoints not checked: {exc.message}"
        idle = [
            IdleResource("endpoint", name, hourly[name], "no invocations in 24 h")
            for name in sorted(variants)
            if name in summary and sum(summary[name].invocations) == 0
        ]
        return idle, ""

    @staticmethod
    def _idle_notebooks(rows: tuple[RunningCost, ...], now: datetime) -> list[IdleResource]:
        out = []
        for row in rows:
            if row.kind != "notebook" or row.since is None or now - row.since < IDLE_AFTER:
                continue
            hours = (now - row.since).total_seconds() / 3600.0
            up = f"{hours / 24:.0f} d" if hours >= 48 else f"{hours:.0f} h"
            out.append(IdleResource("notebook", row.name, row.usd_per_hour, f"InService for {up}"))
        return out

    def _unused_configs(self) -> int | None:
        sm: Any = self.cost.client
        try:
            configs = {
                c["EndpointConfigName"]
                for c in self.cost.paginate("list_endpoint_configs", "EndpointConfigs")
            }
            used = {
                e.get("EndpointConfigName")
                for e in (
                    self.cost.call(sm.describe_endpoint, EndpointName=item["EndpointName"])
                    for item in self.cost.paginate("list_endpoints", "Endpoints")
                )
            }
        except SmError:
            return None
        return len(configs - used)
