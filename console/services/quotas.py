"""SageMaker service quotas beside the console's own count of what is running.

Operators lose hours to ``ResourceLimitExceeded`` after a job was configured: the
pre-flight check (:meth:`QuotasService.preflight`) refuses before sending when the change
would exceed the applied quota, with the limit, the current use and a hint. A quota that
cannot be read (no permission, a local stack without Service Quotas) warns and goes on.

Quota names look like ``ml.g5.12xlarge for training job usage``; the usage word tells
which resources count against it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from console.errors import NotSupportedError, SmError, UnreachableError, ValidationError
from console.records import Record
from console.services.base import Service

SERVICE_CODE = "sagemaker"
# What a pre-flight names -> the usage word of its quota.
USAGES = {
    "training": "training job",
    "processing": "processing job",
    "transform": "transform job",
    "endpoint": "endpoint",
    "notebook": "notebook instance",
    "cluster": "cluster",
}
_NAME = re.compile(r"^(?P<type>ml\.[a-z0-9.\-]+) for (?P<usage>[a-z ]+?) usage$")


class QuotaExceededError(ValidationError):
    """The change would exceed an applied quota; nothing was sent (exit 2)."""


@dataclass(frozen=True)
class Quota(Record):
    instance_type: str
    usage: str  # "training job", "endpoint", …
    limit: float
    code: str
    name: str
    adjustable: bool


@dataclass(frozen=True)
class QuotaUse(Record):
    """One quota beside the console's count of instances using it now."""

    quota: Quota
    in_use: int | None  # None: not counted (this usage is not counted by the console)


def parse_quota(item: dict[str, object]) -> Quota | None:
    """A ListServiceQuotas item as a :class:`Quota`; None for non-instance quotas."""
    name = str(item.get("QuotaName", ""))
    match = _NAME.match(name.strip())
    if not match:
        return None
    try:
        limit = float(item.get("Value"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return Quota(
        instance_type=match.group("type"),
        usage=match.group("usage"),
        limit=limit,
        code=str(item.get("QuotaCode", "")),
        name=name,
        adjustable=bool(item.get("Adjustable", False)),
    )


def check(quota: Quota, in_use: int, adding: int) -> None:
    """Refuse when ``in_use + adding`` would exceed ``quota``."""
    if in_use + adding <= quota.limit:
        return
    raise QuotaExceededError(
        f"{quota.name}: limit {quota.limit:g}, {in_use} in use, this needs {adding} more; "
        "nothing was sent",
        f"request an increase (Service Quotas, code {quota.code}) or use another instance "
        "type (smconsole quota-list shows the limits)",
    )


class QuotasService(Service):
    """Applied SageMaker quotas (Service Quotas) and the console's count of their use."""

    SERVICE = "service-quotas"

    def applied(self, instance_type: str | None = None) -> Iterator[Quota]:
        items = self.paginate("list_service_quotas", "Quotas", ServiceCode=SERVICE_CODE)
        for item in items:
            quota = parse_quota(item)
            if quota and (instance_type is None or quota.instance_type == instance_type):
                yield quota

    def find(self, usage: str, instance_type: str) -> Quota | None:
        return next(
            (q for q in self.applied(instance_type) if q.usage == usage),
            None,
        )

    def in_use(self, usage: str) -> Counter[str] | None:
        """Instances per type the console counts against ``usage`` now (None: not
        counted by the console)."""
        counter = _COUNTERS.get(usage)
        return None if counter is None else counter(self)

    def list_with_use(self, instance_type: str | None = None) -> list[QuotaUse]:
        """Quotas for the instance types in use (or for one type), with their use.

        Each usage is counted once (one listing of what runs, a describe per running
        job or endpoint), never once per quota."""
        counts: dict[str, Counter[str] | None] = {}
        out = []
        for quota in self.applied(instance_type):
            if quota.usage not in counts:
                counts[quota.usage] = self.in_use(quota.usage)
            usage = counts[quota.usage]
            used = None if usage is None else usage.get(quota.instance_type, 0)
            if instance_type is None and not used:
                continue  # hundreds of quotas: show the ones in use
            out.append(QuotaUse(quota, used))
        return out

    def preflight(
        self,
        kind: str,
        instance_type: str,
        count: int,
        *,
        warn: Callable[[str], None],
        quiet_unsupported: bool = False,
    ) -> None:
        """Refuse (:class:`QuotaExceededError`) before a change that would exceed the
        quota; a quota that cannot be read is a warning and the change goes on."""
        usage = USAGES[kind]
        try:
            quota = self.find(usage, instance_type)
            if quota is None:
                warn(f"no applied quota found for {instance_type} for {usage} usage; not checked")
                return
            counted = self.in_use(usage)
            used = counted.get(instance_type, 0) if counted is not None else 0
        except SmError as exc:
            # A local stack without Service Quotas has no quota to check: say nothing.
            if not (quiet_unsupported and isinstance(exc, NotSupportedError | UnreachableError)):
                warn(f"quota for {instance_type} not checked: {exc.message}")
            return
        check(quota, used, count)

    def guard(
        self,
        action: str,
        target: str,
        needs: Iterable[tuple[str, str, int]],
        *,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        """The pre-flight of a change a service makes (autoscaling max, HyperPod scale):
        read-only refuses first; then each of ``needs`` (kind, instance type, instances
        added) over its quota is refused, audited, before anything is sent. A need of 0
        or less (lowering) is never refused."""
        self.gate.precheck(action, target)
        local = bool(self.sessions.context.endpoint_url)
        for kind, instance_type, count in needs:
            if count <= 0 or not instance_type:
                continue
            try:
                self.preflight(
                    kind, instance_type, count, warn=warn or _quiet, quiet_unsupported=local
                )
            except QuotaExceededError as exc:
                self.gate.refused(action, target, exc)
                raise

    # --- counting what runs -----------------------------------------------------------
    def _sm(self) -> Any:
        return self.sessions.client("sagemaker")

    def _running(self, operation: str, key: str, status: str) -> Iterable[dict[str, Any]]:
        return self.paginate(operation, key, client=self._sm(), StatusEquals=status)

    def _count_jobs(self, operation: str, key: str, describe: str) -> Counter[str]:
        client = self._sm()
        counts: Counter[str] = Counter()
        name_key, resources = _JOB_SHAPES[describe]
        for item in self._running(operation, key, "InProgress"):
            data = self.call(getattr(client, describe), **{name_key: item[name_key]})
            config = resources(data)
            counts[str(config.get("InstanceType", ""))] += int(config.get("InstanceCount") or 0)
        return counts

    def _count_notebooks(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for status in ("InService", "Pending"):
            for item in self._running("list_notebook_instances", "NotebookInstances", status):
                counts[str(item.get("InstanceType", ""))] += 1
        return counts

    def _count_clusters(self) -> Counter[str]:
        """HyperPod instances per type across the account's clusters (their groups'
        current counts): one describe per cluster."""
        client: Any = self._sm()
        counts: Counter[str] = Counter()
        for item in self.paginate("list_clusters", "ClusterSummaries", client=client):
            if item.get("ClusterStatus") in ("Deleting", "Failed"):
                continue
            data = self.call(client.describe_cluster, ClusterName=item["ClusterName"])
            for group in data.get("InstanceGroups") or []:
                kind = str(group.get("InstanceType", ""))
                if kind:
                    counts[kind] += int(group.get("CurrentCount") or 0)
        return counts

    def _count_endpoints(self) -> Counter[str]:
        client: Any = self._sm()
        counts: Counter[str] = Counter()
        for item in self.paginate("list_endpoints", "Endpoints", client=client):
            if item.get("EndpointStatus") in ("Deleting", "Failed", "OutOfService"):
                continue
            endpoint = self.call(client.describe_endpoint, EndpointName=item["EndpointName"])
            config = self.call(
                client.describe_endpoint_config,
                EndpointConfigName=endpoint["EndpointConfigName"],
            )
            types = {v["VariantName"]: v.get("InstanceType") for v in config["ProductionVariants"]}
            for variant in endpoint.get("ProductionVariants") or []:
                kind = types.get(variant.get("VariantName"))
                if kind:
                    counts[str(kind)] += int(variant.get("CurrentInstanceCount") or 0)
        return counts


_JOB_SHAPES: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "describe_training_job": ("TrainingJobName", lambda d: d.get("ResourceConfig") or {}),
    "describe_processing_job": (
        "ProcessingJobName",
        lambda d: (d.get("ProcessingResources") or {}).get("ClusterConfig") or {},
    ),
    "describe_transform_job": ("TransformJobName", lambda d: d.get("TransformResources") or {}),
}

_COUNTERS: dict[str, Callable[[QuotasService], Counter[str]]] = {
    "training job": lambda s: s._count_jobs(
        "list_training_jobs", "TrainingJobSummaries", "describe_training_job"
    ),
    "processing job": lambda s: s._count_jobs(
        "list_processing_jobs", "ProcessingJobSummaries", "describe_processing_job"
    ),
    "transform job": lambda s: s._count_jobs(
        "list_transform_jobs", "TransformJobSummaries", "describe_transform_job"
    ),
    "notebook instance": lambda s: s._count_notebooks(),
    "endpoint": lambda s: s._count_endpoints(),
    "cluster": lambda s: s._count_clusters(),
}


def _quiet(_message: str) -> None:
    """The default warning of :meth:`QuotasService.guard`: a caller that shows warnings
    passes its own."""
