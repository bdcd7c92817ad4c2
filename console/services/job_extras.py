"""What the Jobs table shows beyond the listing: why a job failed, how busy its hosts
are, what it has cost. No Textual here; runs in a worker thread after each listing.

The list calls carry none of this, so it costs extra calls, kept small:

- **Facts** (instance type and count, failure reason, billable time) come from one
  describe per job. A finished job never changes, so its facts are read once and kept;
  a running job is described when first seen (its instance type and count do not change)
  and again when it ends. Per refresh every running job not known yet (up to
  :data:`RUNNING_BUDGET`), then at most :data:`DESCRIBE_BUDGET` of the newest finished
  ones (only the :data:`FACTS_WINDOW` newest: the rest of a long history shows ``-``
  until opened).
- **Utilisation** of every running training and processing job in one batched
  ``GetMetricData`` (``/aws/sagemaker/TrainingJobs`` / ``ProcessingJobs``, per host),
  at most once a minute (:data:`USAGE_SECONDS`), with the idle-GPU, straggler and
  full-disk flags of :func:`console.services.cloudwatch.host_flags`.
- **Cost**: price (``pricing``, cached a day) x instances x time: billable seconds for a
  finished training job, wall time otherwise. Unknown prices stay None with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from console.errors import NotFoundError, SmError
from console.records import Record
from console.services.cloudwatch import (
    INSTANCE_METRICS,
    PROCESSING_HOST_NAMESPACE,
    TRAINING_HOST_NAMESPACE,
    CloudWatchMetricsService,
    HostFlag,
    HostMetrics,
    MetricBatch,
    MetricQuery,
    algorithm_points,
    algorithm_queries,
    host_flags,
    period_for,
)
from console.services.pricing import job_cost, price_of

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.jobs import JobSummary

DESCRIBE_BUDGET = 10
# Running jobs not described yet, per refresh, on top of DESCRIBE_BUDGET: with live events
# the listing (and so this refresh) can be minutes apart, and a shared budget left the
# oldest running job, the one burning money for hours, without Util or cost until then.
RUNNING_BUDGET = 50
FACTS_WINDOW = 200
USAGE_SECONDS = 60.0
USAGE_WINDOW = timedelta(minutes=15)  # the idle-GPU flag needs 10 minutes of points
# Kinds with instances (tuning jobs run training jobs: those carry the cost).
PRICED_KINDS = {"training": "training", "processing": "processing", "xform": "transform"}
USAGE_KINDS = {"training": TRAINING_HOST_NAMESPACE, "processing": PROCESSING_HOST_NAMESPACE}


@dataclass(frozen=True)
class JobFacts(Record):
    """One describe of a job, reduced to what the table needs."""

    # A failure reason is a paragraph (a traceback): its lines kept, as in the describe.
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    kind: str
    name: str
    status: str
    instance_type: str
    instance_count: int
    failure_reason: str
    started: datetime | None
    ended: datetime | None
    billable_seconds: float | None = None
    training_seconds: float | None = None


@dataclass(frozen=True)
class JobUsage(Record):
    """A running job's hosts over the last minutes: the newest average per metric across
    hosts, and what looks wrong."""

    hosts: tuple[HostMetrics, ...]
    flags: tuple[HostFlag, ...]

    def latest(self, metric: str) -> float | None:
        values = [v for h in self.hosts if (v := h.latest(metric)) is not None]
        return sum(values) / len(values) if values else None

    @property
    def has_gpu(self) -> bool:
        return self.latest("GPUUtilization") is not None

    @property
    def idle_gpu(self) -> bool:
        return any(f.kind == "idle-gpu" for f in self.flags)


@dataclass(frozen=True)
class JobExtras(Record):
    """The Jobs table's extra cells of one job (any part may be unknown)."""

    facts: JobFacts | None = None
    usage: JobUsage | None = None
    usd_per_hour: float | None = None
    usd: float | None = None
    spot_savings_usd: float | None = None
    cost_note: str = ""  # why the cost is unknown ("" when known or not applicable)

    @property
    def failure_reason(self) -> str:
        return self.facts.failure_reason if self.facts else ""


@dataclass(frozen=True)
class JobExtrasSnapshot:
    extras: Mapping[str, JobExtras]  # by the table's key, ``kind:name``
    usage_at: datetime | None
    prices_note: str = ""  # why prices are unknown ("" when they were read)
    metric_calls: int = 0  # GetMetricData calls this refresh made (0 or 1 normally)


def facts_of(kind: str, record: Any) -> JobFacts:
    """A describe record (TrainingJob, ProcessingJob, TransformJob) -> its facts."""
    reason = str(getattr(record, "failure_reason", "") or "")
    exit_message = str(getattr(record, "exit_message", "") or "")
    training = getattr(record, "training_seconds", None) if kind == "training" else None
    billable = getattr(record, "billable_seconds", None) if kind == "training" else None
    return JobFacts(
        kind=kind,
        name=record.name,
        status=record.status,
        instance_type=str(record.instance_type or ""),
        instance_count=int(record.instance_count or 0),
        failure_reason=reason or exit_message,
        started=record.started,
        ended=record.ended,
        billable_seconds=None if billable is None else float(billable),
        training_seconds=None if training is None else float(training),
    )


def describe_facts(context: ConsoleContext, kind: str, name: str) -> JobFacts:
    if kind == "training":
        return facts_of(kind, context.jobs.describe_training_job(name))
    if kind == "processing":
        return facts_of(kind, context.jobs.describe_processing_job(name))
    if kind == "xform":
        return facts_of(kind, context.transform.describe_transform_job(name))
    raise ValueError(f"no facts for {kind} jobs")


def cost_of(
    facts: JobFacts, prices: Mapping[str, float] | None, now: datetime
) -> tuple[float | None, float | None, float | None, str]:
    """(USD per hour, USD so far, spot savings USD, note) of one job.

    Finished training jobs: billable seconds (what AWS bills, spot included). Others:
    wall time since the start (a running job's accrued cost; a job not started yet
    has cost nothing)."""
    if prices is None:
        return None, None, None, "prices unavailable"
    unit = price_of(prices, PRICED_KINDS[facts.kind], facts.instance_type)
    if unit is None:
        return None, None, None, f"no price for {facts.instance_type or 'its instance type'}"
    count = max(1, facts.instance_count)
    hourly = unit * count
    if facts.billable_seconds is not None and facts.ended is not None:
        cost = job_cost(unit, count, facts.billable_seconds, facts.training_seconds)
        return hourly, cost.usd, cost.spot_savings_usd, ""
    if facts.started is None:
        return hourly, 0.0, None, ""
    seconds = max(0.0, ((facts.ended or now) - facts.started).total_seconds())
    return hourly, job_cost(unit, count, seconds).usd, None, ""


def usage_queries(running: Iterable[JobFacts]) -> list[MetricQuery]:
    """Every host metric of every running job (keys ``(job key, host, metric)``)."""
    queries: list[MetricQuery] = []
    for facts in running:
        namespace = USAGE_KINDS.get(facts.kind)
        if namespace is None:
            continue
        key = f"{facts.kind}:{facts.name}"
        for index in range(1, max(1, facts.instance_count) + 1):
            host = f"{facts.name}/algo-{index}"
            for metric in INSTANCE_METRICS:
                queries.append(
                    MetricQuery(
                        namespace, metric, (("Host", host),), "Average", (key, host, metric)
                    )
                )
    return queries


@dataclass
class JobExtrasFeed:
    """Keeps facts, the last utilisation and the prices of one context between refreshes.

    One refresh at a time (the view runs it in one exclusive worker)."""

    context: ConsoleContext
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], datetime] = lambda: datetime.now(UTC)
    facts: dict[str, JobFacts] = field(default_factory=dict)
    usage: dict[str, JobUsage] = field(default_factory=dict)
    usage_at: datetime | None = None
    _usage_clock: float | None = None
    _prices: Mapping[str, float] | None = None
    _prices_note: str = ""
    _gone: set[str] = field(default_factory=set)
    _queried: frozenset[str] = frozenset()  # running jobs the last metrics call covered

    def note_facts(self, facts: JobFacts) -> None:
        """A describe made elsewhere (the detail screen): no need to ask again."""
        self.facts[f"{facts.kind}:{facts.name}"] = facts

    def refresh(self, items: Sequence[JobSummary], *, live: bool = False) -> JobExtrasSnapshot:
        now = self.wall()
        if live:
            self._prices_note = ""  # a manual refresh asks for the prices again
        self._read_facts(items)
        calls = self._read_usage(items, now, force=live)
        prices = self._read_prices()
        extras: dict[str, JobExtras] = {}
        for job in items:
            key = f"{job.kind}:{job.name}"
            facts = self.facts.get(key)
            if facts is None:
                continue
            hourly, usd, saved, note = cost_of(facts, prices, now)
            if prices is None:
                note = self._prices_note or note
            extras[key] = JobExtras(
                facts=facts,
                usage=self.usage.get(key) if job.status == "InProgress" else None,
                usd_per_hour=hourly if job.status == "InProgress" else None,
                usd=usd,
                spot_savings_usd=saved,
                cost_note=note,
            )
        return JobExtrasSnapshot(extras, self.usage_at, self._prices_note, calls)

    # --- facts -------------------------------------------------------------------------
    def _wanted(self, items: Sequence[JobSummary]) -> list[JobSummary]:
        """Jobs to describe now: running ones not known yet, then finished ones whose
        facts are missing or were read while they ran; newest first."""
        candidates = [job for job in items if job.kind in PRICED_KINDS and job.status != "Deleting"]
        candidates.sort(key=lambda j: j.created or datetime.min.replace(tzinfo=UTC), reverse=True)
        running: list[JobSummary] = []
        finished: list[JobSummary] = []
        for job in candidates[:FACTS_WINDOW]:
            key = f"{job.kind}:{job.name}"
            if key in self._gone:
                continue
            known = self.facts.get(key)
            if job.transitional:
                if known is None:
                    running.append(job)
            elif known is None or known.status != job.status:
                finished.append(job)
        return running[:RUNNING_BUDGET] + finished[:DESCRIBE_BUDGET]

    def _read_facts(self, items: Sequence[JobSummary]) -> None:
        for job in self._wanted(items):
            key = f"{job.kind}:{job.name}"
            try:
                self.facts[key] = describe_facts(self.context, job.kind, job.name)
            except NotFoundError:
                self._gone.add(key)  # deleted (or never there): not asked again
            except SmError:
                break  # throttled or offline: the next refresh tries again

    # --- utilisation -----------------------------------------------------------------
    def _read_usage(self, items: Sequence[JobSummary], now: datetime, *, force: bool) -> int:
        running = [
            self.facts[key]
            for job in items
            if job.status == "InProgress"
            and job.kind in USAGE_KINDS
            and (key := f"{job.kind}:{job.name}") in self.facts
        ]
        due = (
            force
            or self._usage_clock is None
            or self.clock() - self._usage_clock >= USAGE_SECONDS
            or not {f"{f.kind}:{f.name}" for f in running} <= self._queried
        )
        if not running:
            self.usage = {}
            return 0
        if not due:
            return 0
        queries = usage_queries(running)
        try:
            batch = self.context.cloudwatch.fetch(
                queries, start=now - USAGE_WINDOW, end=now, period=60
            )
        except SmError:
            return 0  # the column keeps its last numbers; the next refresh asks again
        usage: dict[str, JobUsage] = {}
        for facts in running:
            key = f"{facts.kind}:{facts.name}"
            hosts = tuple(
                HostMetrics(
                    host=f"algo-{index}",
                    series={
                        metric: tuple(s.values)
                        for metric in INSTANCE_METRICS
                        if (s := batch.get(key, f"{facts.name}/algo-{index}", metric)) and s.points
                    },
                )
                for index in range(1, max(1, facts.instance_count) + 1)
            )
            if any(h.series for h in hosts):
                usage[key] = JobUsage(hosts, tuple(host_flags(hosts)))
        self.usage = usage
        self._queried = frozenset(f"{f.kind}:{f.name}" for f in running)
        self.usage_at = now
        self._usage_clock = self.clock()
        return batch.calls

    # --- prices ----------------------------------------------------------------------
    def _read_prices(self) -> Mapping[str, float] | None:
        if self._prices is None and not self._prices_note:
            try:
                self._prices = self.context.pricing.prices()
            except SmError as exc:
                self._prices_note = f"prices unavailable: {exc.message}"
        return self._prices


# --- a job's detail: its hosts' series over a time range -----------------------------------
Series = tuple[tuple[datetime, float], ...]


@dataclass(frozen=True)
class JobHostSeries(Record):
    """Every host metric of one job over ``since``: metric -> host (``algo-N``) -> points,
    oldest first; ``flags`` from the last minutes of the same answer."""

    job: str
    kind: str
    since: timedelta
    period: int
    series: dict[str, dict[str, Series]]
    flags: tuple[HostFlag, ...]
    calls: int = 0


def host_series_of(
    batch: MetricBatch, kind: str, name: str, hosts: int, since: timedelta
) -> JobHostSeries:
    """The host part of a batch that held :func:`usage_queries` for this one job."""
    key = f"{kind}:{name}"
    series: dict[str, dict[str, Series]] = {}
    host_records: list[HostMetrics] = []
    for index in range(1, max(1, hosts) + 1):
        label = f"algo-{index}"
        values: dict[str, tuple[float, ...]] = {}
        for metric in INSTANCE_METRICS:
            found = batch.get(key, f"{name}/{label}", metric)
            if found is None or not found.points:
                continue
            points = tuple((p.time, p.value) for p in found.points)
            series.setdefault(metric, {})[label] = points
            values[metric] = tuple(found.values)
        host_records.append(HostMetrics(label, values))
    return JobHostSeries(
        job=name,
        kind=kind,
        since=since,
        period=batch.period,
        series=series,
        flags=tuple(host_flags(host_records, period=batch.period)),
        calls=batch.calls,
    )


def period_end(now: datetime, period: int) -> datetime:
    """``now`` rounded up to a whole period (UTC epoch): each point then sits at the
    start of its own period (``10:03:00``, not ``10:02:07``), the newest partial period
    included, so the charts' x axis is the time the job logged."""
    seconds = now.timestamp()
    return datetime.fromtimestamp(-(-seconds // period) * period, UTC)


@dataclass(frozen=True)
class JobDetailMetrics(Record):
    """Everything a job's detail charts, from ONE GetMetricData: its hosts' utilisation
    and (a training job) the algorithm metrics it defines, with their timestamps.

    ``algorithm``: each defined metric -> its points, oldest first (``()``: defined, none
    published in the range); ``calls``: the GetMetricData calls the read took."""

    hosts: JobHostSeries
    algorithm: dict[str, Series]
    calls: int = 0

    @property
    def defined(self) -> tuple[str, ...]:
        return tuple(self.algorithm)


def job_detail_metrics(
    cloudwatch: CloudWatchMetricsService,
    kind: str,
    name: str,
    hosts: int,
    *,
    metric_names: Sequence[str] = (),
    since: timedelta,
    now: datetime | None = None,
) -> JobDetailMetrics:
    """The detail's one read per refresh: every host metric of every host and each of
    ``metric_names`` (the job's MetricDefinitions) in one batched call, so the usage and
    the algorithm charts of one range cost GetMetricData once, not once per panel."""
    facts = JobFacts(kind, name, "InProgress", "", max(1, hosts), "", None, None)
    period = period_for(since)
    end = period_end(now or datetime.now(UTC), period)
    queries = usage_queries([facts]) + algorithm_queries(name, metric_names)
    batch = cloudwatch.fetch(queries, start=end - since, end=end, period=period)
    return JobDetailMetrics(
        hosts=host_series_of(batch, kind, name, hosts, since),
        algorithm={
            metric: tuple((p.time, p.value) for p in found)
            for metric, found in algorithm_points(batch, metric_names).items()
        },
        calls=batch.calls,
    )
