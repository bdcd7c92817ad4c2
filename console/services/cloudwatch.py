"""CloudWatch metrics of endpoints and jobs: one batched GetMetricData per refresh.

Not :mod:`console.aws.metrics` (the console's own API budget). This module reads what
SageMaker publishes about the operator's resources:

- ``AWS/SageMaker`` per endpoint and variant: invocations, 4xx/5xx, model and overhead
  latency (average, p50, p99);
- ``/aws/sagemaker/Endpoints`` per endpoint and variant: CPU, GPU, GPU memory, memory and
  disk utilisation of the instances;
- ``/aws/sagemaker/TrainingJobs`` and ``/aws/sagemaker/ProcessingJobs`` per host
  (``Host = <job>/algo-N``), and the algorithm metrics a training job defines
  (``TrainingJobs`` namespace, dimension ``TrainingJobName``).

GetMetricData is priced per metric queried and throttled per account, so everything a
screen needs goes in one call (at most 500 queries each; ``NextToken`` pages are followed),
and an endpoint's answer is reused for a minute unless the caller asks for live data.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.errors import UnreadableAnswerError, ValidationError
from console.records import Record, as_datetime
from console.services.base import Service

MAX_QUERIES_PER_CALL = 500  # GetMetricData's limit
CACHE_SECONDS = 60.0
ENDPOINT_NAMESPACE = "AWS/SageMaker"
ENDPOINT_HOST_NAMESPACE = "/aws/sagemaker/Endpoints"
TRAINING_HOST_NAMESPACE = "/aws/sagemaker/TrainingJobs"
PROCESSING_HOST_NAMESPACE = "/aws/sagemaker/ProcessingJobs"
ALGORITHM_NAMESPACE = "TrainingJobs"

# (metric, statistic, label) per variant: what the endpoint detail charts.
ENDPOINT_METRICS: tuple[tuple[str, str], ...] = (
    ("Invocations", "Sum"),
    ("Invocation4XXErrors", "Sum"),
    ("Invocation5XXErrors", "Sum"),
    ("ModelLatency", "Average"),
    ("ModelLatency", "p50"),
    ("ModelLatency", "p99"),
    ("OverheadLatency", "p50"),
    ("OverheadLatency", "p99"),
)
INSTANCE_METRICS: tuple[str, ...] = (
    "CPUUtilization",
    "MemoryUtilization",
    "DiskUtilization",
    "GPUUtilization",
    "GPUMemoryUtilization",
)
# The Endpoints table's sparkline and error rate need only these.
SUMMARY_METRICS: tuple[tuple[str, str], ...] = (
    ("Invocations", "Sum"),
    ("Invocation5XXErrors", "Sum"),
)

IDLE_GPU_PERCENT = 10.0
IDLE_GPU_MINUTES = 10
DISK_FULL_PERCENT = 90.0
STRAGGLER_FRACTION = 0.5  # a host below half its peers' median CPU/GPU is a straggler

_SINCE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_STAT = re.compile(r"^(Sum|Average|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d+)?)$")


def parse_since(text: str) -> timedelta:
    """``90m``, ``3h``, ``1d``, ``1w`` -> a timedelta (CloudWatch keeps 15 months)."""
    match = _SINCE.match(str(text))
    if not match or int(match.group(1)) == 0:
        raise ValidationError(f"time range {text!r} is not a duration", "e.g. 30m, 3h, 1d or 1w")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > 455 * 86400:
        raise ValidationError(f"time range {text!r} is too long", "CloudWatch keeps 15 months")
    return timedelta(seconds=seconds)


def period_for(span: timedelta) -> int:
    """A period giving at most ~360 points (1 min up to 6 h, then coarser), as CloudWatch
    allows: multiples of 60 s."""
    seconds = span.total_seconds()
    for period in (60, 300, 900, 3600, 21600, 86400):
        if seconds / period <= 360:
            return period
    return 86400


@dataclass(frozen=True)
class MetricQuery:
    """One series to fetch: a metric, its dimensions and a statistic.

    ``key`` is the caller's name for the result (e.g. ``("ep", "blue", "ModelLatency",
    "p99")``); the wire id is assigned when the batch is sent.
    """

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    key: tuple[str, ...]

    def __post_init__(self) -> None:
        if not _STAT.match(self.stat):
            raise ValidationError(f"statistic {self.stat!r} is not a CloudWatch statistic")

    def to_api(self, query_id: str, period: int) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
                },
                "Period": period,
                "Stat": self.stat,
            },
            "ReturnData": True,
        }


@dataclass(frozen=True)
class SeriesPoint(Record):
    time: datetime
    value: float


@dataclass(frozen=True)
class MetricSeries(Record):
    """One metric's points, oldest first; ``status`` is CloudWatch's (Complete,
    PartialData: more points than one answer held, InternalError, Forbidden)."""

    key: tuple[str, ...]
    namespace: str
    metric: str
    stat: str
    points: tuple[SeriesPoint, ...]
    status: str = "Complete"

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points]

    @property
    def last(self) -> float | None:
        return self.points[-1].value if self.points else None

    def total(self) -> float:
        return sum(self.values)


@dataclass(frozen=True)
class MetricBatch:
    """What one refresh fetched: each series by its key, and how many calls it took."""

    series: Mapping[tuple[str, ...], MetricSeries]
    start: datetime
    end: datetime
    period: int
    calls: int
    messages: tuple[str, ...] = ()

    def get(self, *key: str) -> MetricSeries | None:
        return self.series.get(tuple(key))


@dataclass(frozen=True)
class VariantHealth(Record):
    """A variant's headline numbers over a window: what the weights dialog and the guard
    compare."""

    endpoint: str
    variant: str
    invocations: float
    errors_4xx: float
    errors_5xx: float
    latency_avg_ms: float | None
    latency_p50_ms: float | None
    latency_p99_ms: float | None

    @property
    def error_rate_5xx(self) -> float:
        """5xx errors per invocation (0-1); 0 with no traffic."""
        return self.errors_5xx / self.invocations if self.invocations else 0.0

    @property
    def error_rate(self) -> float:
        total = self.errors_4xx + self.errors_5xx
        return total / self.invocations if self.invocations else 0.0


@dataclass(frozen=True)
class EndpointSummaryMetrics(Record):
    """One row of the Endpoints table: invocations per period (sparkline) and the last
    hour's 5xx error rate, all variants together."""

    endpoint: str
    invocations: tuple[float, ...]
    error_rate_5xx: float
    total: float = 0.0  # invocations in the window (0: no traffic, the rate means nothing)


@dataclass(frozen=True)
class HostFlag(Record):
    """Something wrong with one host of a job (or one endpoint variant's instances)."""

    host: str
    kind: str  # idle-gpu | straggler | disk-full
    detail: str


@dataclass(frozen=True)
class HostMetrics(Record):
    host: str
    series: dict[str, tuple[float, ...]]  # metric -> averages per period, oldest first

    def latest(self, metric: str) -> float | None:
        values = self.series.get(metric) or ()
        return values[-1] if values else None

    def mean(self, metric: str) -> float | None:
        values = self.series.get(metric) or ()
        return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class JobMetrics(Record):
    """A job's host metrics, the algorithm metrics it defines, and what looks wrong."""

    job: str
    kind: str  # training | processing
    hosts: tuple[HostMetrics, ...]
    algorithm: dict[str, tuple[float, ...]]
    flags: tuple[HostFlag, ...]
    period: int = 60
    # The same algorithm metrics with CloudWatch's timestamps (a job that logged nothing
    # for a while has a gap, not a squeezed line): what the detail's chart plots.
    algorithm_points: dict[str, tuple[SeriesPoint, ...]] = field(default_factory=dict)


def _host_label(job: str, host: str) -> str:
    return host[len(job) + 1 :] if host.startswith(f"{job}/") else host


GetMetricData = Callable[..., Mapping[str, Any]]


def read_batch(
    get_metric_data: GetMetricData,
    queries: Sequence[MetricQuery],
    *,
    start: datetime,
    end: datetime,
    period: int,
    where: Callable[[], str] = lambda: "AWS",
) -> MetricBatch:
    """Every query in as few GetMetricData calls as the 500-per-call limit allows.

    The one place that speaks GetMetricData: the service wraps it with its error
    translation, the 5xx alert (console/events/endpoint_errors.py) passes a bare client's
    method. Pages (``NextToken``) of one chunk are followed and their points merged.
    """
    if period < 60 or period % 60:
        raise ValidationError(f"period {period} s is not a multiple of 60 s")
    by_id = {f"q{i}": q for i, q in enumerate(queries)}
    points: dict[str, list[SeriesPoint]] = {i: [] for i in by_id}
    statuses: dict[str, str] = {}
    messages: list[str] = []
    calls = 0
    ids = list(by_id)
    for chunk_start in range(0, len(ids), MAX_QUERIES_PER_CALL):
        chunk = ids[chunk_start : chunk_start + MAX_QUERIES_PER_CALL]
        request: dict[str, Any] = {
            "MetricDataQueries": [by_id[i].to_api(i, period) for i in chunk],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        while True:
            answer = get_metric_data(**request)
            calls += 1
            _read_page(answer, points, statuses, messages, where)
            token = answer.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
    series = {
        by_id[i].key: MetricSeries(
            key=by_id[i].key,
            namespace=by_id[i].namespace,
            metric=by_id[i].metric,
            stat=by_id[i].stat,
            points=tuple(sorted(points[i], key=lambda p: p.time)),
            status=statuses.get(i, "Complete"),
        )
        for i in ids
    }
    return MetricBatch(series, start, end, period, calls, tuple(messages))


def _read_page(
    answer: Mapping[str, Any],
    points: dict[str, list[SeriesPoint]],
    statuses: dict[str, str],
    messages: list[str],
    where: Callable[[], str],
) -> None:
    results = answer.get("MetricDataResults")
    if not isinstance(results, list):
        raise UnreadableAnswerError("cloudwatch", where(), "no MetricDataResults")
    for result in results:
        if not isinstance(result, dict) or result.get("Id") not in points:
            continue
        query_id = str(result["Id"])
        stamps = result.get("Timestamps") or []
        values = result.get("Values") or []
        for stamp, value in zip(stamps, values, strict=False):
            moment = as_datetime(stamp)
            if moment is None or not isinstance(value, int | float) or math.isnan(value):
                continue
            points[query_id].append(SeriesPoint(moment, float(value)))
        statuses[query_id] = str(result.get("StatusCode") or "Complete")
    for message in answer.get("Messages") or []:
        if isinstance(message, dict):
            messages.append(f"{message.get('Code', '')}: {message.get('Value', '')}")


def summary_queries(endpoints: Mapping[str, Sequence[str]]) -> list[MetricQuery]:
    """Invocations and 5xx errors (sums) of every variant of every endpoint, keyed
    ``(endpoint, variant, metric)``: the Endpoints table and the 5xx alert."""
    return [
        MetricQuery(
            ENDPOINT_NAMESPACE,
            metric,
            (("EndpointName", name), ("VariantName", variant)),
            stat,
            (name, variant, metric),
        )
        for name, variants in endpoints.items()
        for variant in variants
        for metric, stat in SUMMARY_METRICS
    ]


# What each endpoint kind adds to the detail's charts (issue 16): the serverless cold
# start (ModelSetupTime, and how often it happened), the async queue
# (ApproximateBacklogSize, per endpoint), and each inference component's own traffic,
# latency and utilisation.
SERVERLESS_METRICS: tuple[tuple[str, str], ...] = (
    ("ModelSetupTime", "Average"),
    ("ModelSetupTime", "SampleCount"),
)
ASYNC_METRICS: tuple[tuple[str, str], ...] = (
    ("ApproximateBacklogSize", "Average"),
    ("HasBacklogWithoutCapacity", "Maximum"),
)
COMPONENT_METRICS: tuple[tuple[str, str, str], ...] = (
    (ENDPOINT_NAMESPACE, "Invocations", "Sum"),
    (ENDPOINT_NAMESPACE, "Invocation5XXErrors", "Sum"),
    (ENDPOINT_NAMESPACE, "ModelLatency", "p99"),
    ("/aws/sagemaker/InferenceComponents", "CPUUtilizationNormalized", "Average"),
    ("/aws/sagemaker/InferenceComponents", "GPUUtilizationNormalized", "Average"),
)


def kind_queries(
    endpoint: str,
    *,
    serverless: Iterable[str] = (),
    asynchronous: bool = False,
    components: Iterable[str] = (),
) -> list[MetricQuery]:
    """The metrics of an endpoint's kind, keyed ``("serverless", variant, metric,
    stat)``, ``("async", metric, stat)`` and ``("component", name, metric, stat)``."""
    queries = [
        MetricQuery(
            ENDPOINT_NAMESPACE,
            metric,
            (("EndpointName", endpoint), ("VariantName", variant)),
            stat,
            ("serverless", variant, metric, stat),
        )
        for variant in serverless
        for metric, stat in SERVERLESS_METRICS
    ]
    if asynchronous:
        queries += [
            MetricQuery(
                ENDPOINT_NAMESPACE,
                metric,
                (("EndpointName", endpoint),),
                stat,
                ("async", metric, stat),
            )
            for metric, stat in ASYNC_METRICS
        ]
    queries += [
        MetricQuery(
            namespace,
            metric,
            (("InferenceComponentName", component),),
            stat,
            ("component", component, metric, stat),
        )
        for component in components
        for namespace, metric, stat in COMPONENT_METRICS
    ]
    return queries


def summed(batch: MetricBatch, endpoint: str, variants: Iterable[str], metric: str) -> float:
    """A summary metric's total over the batch's window, all ``variants`` together."""
    return sum(
        series.total()
        for variant in variants
        if (series := batch.get(endpoint, variant, metric)) is not None
    )


def algorithm_queries(job: str, metric_names: Iterable[str]) -> list[MetricQuery]:
    """A training job's MetricDefinitions as SageMaker publishes them (namespace
    ``TrainingJobs``, dimension ``TrainingJobName``), keyed ``("algorithm", metric)``."""
    return [
        MetricQuery(
            ALGORITHM_NAMESPACE,
            metric,
            (("TrainingJobName", job),),
            "Average",
            ("algorithm", metric),
        )
        for metric in dict.fromkeys(metric_names)  # a name defined twice: asked once
    ]


def algorithm_points(
    batch: MetricBatch, metric_names: Iterable[str]
) -> dict[str, tuple[SeriesPoint, ...]]:
    """Each defined metric's points (oldest first, with their times) out of a batch that
    held :func:`algorithm_queries`; a metric with no points maps to ``()``."""
    return {
        metric: found.points
        for metric in dict.fromkeys(metric_names)
        if (found := batch.get("algorithm", metric)) is not None
    }


@dataclass
class _Cached:
    at: float
    batch: MetricBatch


class CloudWatchMetricsService(Service):
    """Reads metric series in batches; counts its calls (bench, tests)."""

    SERVICE = "cloudwatch"

    def __init__(self, *args: Any, clock: Callable[[], float] = time.monotonic, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._clock = clock
        self._cache: dict[tuple[Any, ...], _Cached] = {}
        self._lock = threading.Lock()
        self.calls = 0

    # --- the one batched read ---------------------------------------------------------
    def fetch(
        self,
        queries: Sequence[MetricQuery],
        *,
        start: datetime,
        end: datetime,
        period: int,
    ) -> MetricBatch:
        """Every query in as few GetMetricData calls as the 500-per-call limit allows
        (see :func:`read_batch`), errors translated, calls counted."""
        batch = read_batch(
            lambda **request: self.call(self.client.get_metric_data, **request),
            queries,
            start=start,
            end=end,
            period=period,
            where=lambda: self.sessions.context.endpoint_url or "AWS",
        )
        with self._lock:
            self.calls += batch.calls
        return batch

    # --- endpoints --------------------------------------------------------------------
    @staticmethod
    def endpoint_queries(
        endpoint: str, variants: Iterable[str], *, instances: bool = True
    ) -> list[MetricQuery]:
        queries: list[MetricQuery] = []
        for variant in variants:
            dims = (("EndpointName", endpoint), ("VariantName", variant))
            for metric, stat in ENDPOINT_METRICS:
                queries.append(
                    MetricQuery(
                        ENDPOINT_NAMESPACE, metric, dims, stat, (endpoint, variant, metric, stat)
                    )
                )
            if instances:
                for metric in INSTANCE_METRICS:
                    key = (endpoint, variant, metric, "Average")
                    queries.append(
                        MetricQuery(ENDPOINT_HOST_NAMESPACE, metric, dims, "Average", key)
                    )
        return queries

    def endpoint_metrics(
        self,
        endpoint: str,
        variants: Sequence[str],
        *,
        since: timedelta = timedelta(hours=3),
        live: bool = False,
        now: datetime | None = None,
        extra: Sequence[MetricQuery] = (),
    ) -> MetricBatch:
        """The detail's charts for one endpoint: one call, reused for a minute unless
        ``live``. ``extra``: the queries of the endpoint's kind (:func:`kind_queries`),
        in the same call."""
        cache_key = ("endpoint", endpoint, tuple(variants), since, tuple(q.key for q in extra))
        if not live:
            cached = self._cached(cache_key)
            if cached is not None:
                return cached
        end = now or datetime.now(UTC)
        batch = self.fetch(
            [*self.endpoint_queries(endpoint, variants), *extra],
            start=end - since,
            end=end,
            period=period_for(since),
        )
        self._store(cache_key, batch)
        return batch

    def variant_health(
        self,
        endpoint: str,
        variants: Sequence[str],
        *,
        since: timedelta = timedelta(hours=1),
        now: datetime | None = None,
    ) -> list[VariantHealth]:
        """Each variant's totals over ``since`` (the weights dialog; the guard). One call,
        never cached: a guard must see the newest minute."""
        end = now or datetime.now(UTC)
        queries = [
            q
            for q in self.endpoint_queries(endpoint, variants, instances=False)
            if q.stat in ("Sum", "Average", "p50", "p99") and q.metric != "OverheadLatency"
        ]
        batch = self.fetch(queries, start=end - since, end=end, period=60)
        return [health_of(batch, endpoint, v) for v in variants]

    def endpoints_summary(
        self,
        endpoints: Mapping[str, Sequence[str]],
        *,
        since: timedelta = timedelta(hours=1),
        now: datetime | None = None,
    ) -> dict[str, EndpointSummaryMetrics]:
        """The Endpoints table: for every endpoint (name -> variants) invocations per
        5 minutes and the 5xx rate, in one call for up to 250 variants.

        The window ends on a whole minute, as CloudWatch rounds its start: unaligned, the
        answer's buckets straddle ours, the newest came back (nearly) empty and every
        sparkline ended in a drop that was not there."""
        end = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        queries = summary_queries(endpoints)
        period = 300
        batch = self.fetch(queries, start=end - since, end=end, period=period)
        buckets = int(since.total_seconds() // period)
        summary: dict[str, EndpointSummaryMetrics] = {}
        for name, variants in endpoints.items():
            counts = [0.0] * buckets
            for variant in variants:
                inv = batch.get(name, variant, "Invocations")
                for point in inv.points if inv else ():
                    index = int((point.time - batch.start).total_seconds() // period)
                    if 0 <= index < buckets:
                        counts[index] += point.value
            invocations = summed(batch, name, variants, "Invocations")
            errors = summed(batch, name, variants, "Invocation5XXErrors")
            summary[name] = EndpointSummaryMetrics(
                endpoint=name,
                invocations=tuple(counts),
                error_rate_5xx=errors / invocations if invocations else 0.0,
                total=invocations,
            )
        return summary

    # --- jobs -------------------------------------------------------------------------
    def job_metrics(
        self,
        job: str,
        *,
        kind: str = "training",
        hosts: int = 1,
        metric_names: Sequence[str] = (),
        since: timedelta = timedelta(hours=3),
        now: datetime | None = None,
    ) -> JobMetrics:
        """A job's per-host utilisation and its algorithm metrics, in one call, with the
        flags an operator must not miss (idle GPU, straggler, disk nearly full)."""
        if kind not in ("training", "processing"):
            raise ValidationError(f"job kind {kind!r} is not training or processing")
        namespace = TRAINING_HOST_NAMESPACE if kind == "training" else PROCESSING_HOST_NAMESPACE
        end = now or datetime.now(UTC)
        period = 60
        host_names = [f"{job}/algo-{i}" for i in range(1, max(hosts, 1) + 1)]
        queries = [
            MetricQuery(namespace, metric, (("Host", host),), "Average", ("host", host, metric))
            for host in host_names
            for metric in INSTANCE_METRICS
        ]
        queries += algorithm_queries(job, metric_names)
        batch = self.fetch(queries, start=end - since, end=end, period=period)
        host_records = tuple(
            HostMetrics(
                host=_host_label(job, host),
                series={
                    metric: tuple(s.values)
                    for metric in INSTANCE_METRICS
                    if (s := batch.get("host", host, metric)) is not None and s.points
                },
            )
            for host in host_names
        )
        points = algorithm_points(batch, metric_names)
        return JobMetrics(
            job=job,
            kind=kind,
            hosts=host_records,
            algorithm={metric: tuple(p.value for p in found) for metric, found in points.items()},
            flags=tuple(host_flags(host_records, period=period)),
            period=period,
            algorithm_points=points,
        )

    def training_metrics(self, job: str, *, since: timedelta = timedelta(hours=3)) -> JobMetrics:
        """:meth:`job_metrics` for a training job as it was defined: its host count and
        its MetricDefinitions come from DescribeTrainingJob."""
        from console import validate

        validate.name(job, "training job name")
        sagemaker = self.sessions.client("sagemaker")
        described = self.call(sagemaker.describe_training_job, TrainingJobName=job)
        hosts = int((described.get("ResourceConfig") or {}).get("InstanceCount") or 1)
        spec = described.get("AlgorithmSpecification") or {}
        names = [str(d.get("Name")) for d in spec.get("MetricDefinitions") or [] if d.get("Name")]
        return self.job_metrics(job, kind="training", hosts=hosts, metric_names=names, since=since)

    # --- cache ------------------------------------------------------------------------
    def _cached(self, key: tuple[Any, ...]) -> MetricBatch | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and self._clock() - entry.at < CACHE_SECONDS:
                return entry.batch
        return None

    def _store(self, key: tuple[Any, ...], batch: MetricBatch) -> None:
        with self._lock:
            self._cache[key] = _Cached(self._clock(), batch)


def health_of(batch: MetricBatch, endpoint: str, variant: str) -> VariantHealth:
    """A variant's totals and mean latencies (ms) from a batch holding its endpoint
    queries: what the weights dialog, the detail and the guard compare."""

    def total(metric: str) -> float:
        series = batch.get(endpoint, variant, metric, "Sum")
        return series.total() if series else 0.0

    def mean(stat: str) -> float | None:
        series = batch.get(endpoint, variant, "ModelLatency", stat)
        if not series or not series.points:
            return None
        return sum(series.values) / len(series.values) / 1000.0  # µs -> ms

    return VariantHealth(
        endpoint=endpoint,
        variant=variant,
        invocations=total("Invocations"),
        errors_4xx=total("Invocation4XXErrors"),
        errors_5xx=total("Invocation5XXErrors"),
        latency_avg_ms=mean("Average"),
        latency_p50_ms=mean("p50"),
        latency_p99_ms=mean("p99"),
    )


def host_flags(hosts: Sequence[HostMetrics], *, period: int = 60) -> list[HostFlag]:
    """Idle GPUs (below 10% for the last 10 minutes), stragglers (well below the median
    of their peers) and disks above 90%."""
    flags: list[HostFlag] = []
    window = max(1, (IDLE_GPU_MINUTES * 60) // period)
    for host in hosts:
        gpu = host.series.get("GPUUtilization") or ()
        if len(gpu) >= window and max(gpu[-window:]) < IDLE_GPU_PERCENT:
            flags.append(
                HostFlag(
                    host.host,
                    "idle-gpu",
                    f"GPU below {IDLE_GPU_PERCENT:g}% for {IDLE_GPU_MINUTES} min "
                    f"(now {gpu[-1]:.0f}%)",
                )
            )
        disk = host.latest("DiskUtilization")
        if disk is not None and disk > DISK_FULL_PERCENT:
            flags.append(HostFlag(host.host, "disk-full", f"disk {disk:.0f}% used"))
    if len(hosts) >= 2:
        metric = (
            "GPUUtilization"
            if all(h.series.get("GPUUtilization") for h in hosts)
            else ("CPUUtilization")
        )
        means = {h.host: h.mean(metric) for h in hosts}
        known = sorted(v for v in means.values() if v is not None)
        if len(known) >= 2:
            median = (
                known[len(known) // 2]
                if len(known) % 2
                else sum(known[len(known) // 2 - 1 : len(known) // 2 + 1]) / 2
            )
            for label, mean in means.items():
                if mean is not None and median > 0 and mean < median * STRAGGLER_FRACTION:
                    already_idle = any(f.host == label and f.kind == "idle-gpu" for f in flags)
                    if not already_idle:
                        flags.append(
                            HostFlag(
                                label,
                                "straggler",
                                f"{metric} {mean:.0f}% vs peers' median {median:.0f}%",
                            )
                        )
    return flags


@dataclass(frozen=True)
class GuardRule:
    """``5xx<1%``: roll back when the new variant's 5xx rate reaches the threshold."""

    metric: str  # "5xx" | "4xx" | "errors"
    threshold: float  # a fraction (0.01 for 1%)

    @classmethod
    def parse(cls, text: str) -> GuardRule:
        match = re.match(r"^\s*(5xx|4xx|errors)\s*<\s*(\d+(?:\.\d+)?)\s*%\s*$", str(text))
        if not match:
            raise ValidationError(
                f"guard {text!r} is not a rule", "e.g. --guard '5xx<1%' (also 4xx, errors)"
            )
        value = float(match.group(2))
        if not 0 < value <= 100:
            raise ValidationError(f"guard threshold {value:g}% must be in (0, 100]")
        return cls(match.group(1), value / 100.0)

    def rate(self, health: VariantHealth) -> float:
        if self.metric == "5xx":
            return health.error_rate_5xx
        if self.metric == "4xx":
            return health.errors_4xx / health.invocations if health.invocations else 0.0
        return health.error_rate

    def breached(self, health: VariantHealth) -> bool:
        return self.rate(health) >= self.threshold

    def describe(self) -> str:
        return f"{self.metric}<{self.threshold * 100:g}%"


@dataclass
class GuardReport:
    """What the guard saw, minute by minute, and whether it rolled back."""

    rule: str
    variant: str
    checks: list[tuple[datetime, float]] = field(default_factory=list)
    rolled_back: bool = False
    reason: str = ""
