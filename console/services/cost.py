"""What the account spends per hour now: running endpoints, notebooks, jobs and HyperPod
instance groups (one row per group: ``cluster/group``, its instances now), priced.

A resource whose price cannot be read keeps ``usd_per_hour`` None and says why in
``note`` (shown as ``?``), never a guessed number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.errors import SmError
from console.records import Record, as_datetime
from console.services.base import Service
from console.services.pricing import PricingService, price_of


@dataclass(frozen=True)
class RunningCost(Record):
    kind: str  # endpoint | notebook | training | processing | transform | cluster
    name: str
    instance_type: str
    instance_count: int
    usd_per_hour: float | None
    since: datetime | None
    note: str = ""

    @property
    def usd_so_far(self) -> float | None:
        """Price x hours since it started (jobs; endpoints since creation)."""
        if self.usd_per_hour is None or self.since is None:
            return None
        hours = max(0.0, (datetime.now(UTC) - self.since).total_seconds()) / 3600.0
        return self.usd_per_hour * hours


class CostService(Service):
    """Running resources with their hourly cost (prices from :class:`PricingService`)."""

    def __init__(self, *args: Any, pricing: PricingService, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.pricing = pricing

    def running(self) -> list[RunningCost]:
        try:
            prices: dict[str, float] | None = self.pricing.prices()
            why = ""
        except SmError as exc:
            prices, why = None, f"prices unavailable: {exc.message}"
        out = []
        for kind, name, instance_type, count, since in self._resources():
            hourly = price_of(prices, kind, instance_type) if prices is not None else None
            note = why or ("" if hourly is not None else f"no price for {instance_type}")
            out.append(
                RunningCost(
                    kind=kind,
                    name=name,
                    instance_type=instance_type,
                    instance_count=count,
                    usd_per_hour=None if hourly is None else hourly * max(1, count),
                    since=since,
                    note=note,
                )
            )
        out.sort(key=lambda r: -(r.usd_per_hour or 0.0))
        return out

    def _resources(self) -> Iterator[tuple[str, str, str, int, datetime | None]]:
        sm = self.client
        for item in self.paginate("list_endpoints", "Endpoints"):
            if item.get("EndpointStatus") in ("Deleting", "Failed", "OutOfService"):
                continue
            name = item["EndpointName"]
            endpoint = self.call(sm.describe_endpoint, EndpointName=name)
            config = self.call(
                sm.describe_endpoint_config, EndpointConfigName=endpoint["EndpointConfigName"]
            )
            types = {
                v["VariantName"]: v.get("InstanceType", "") for v in config["ProductionVariants"]
            }
            for variant in endpoint.get("ProductionVariants") or []:
                count = int(variant.get("CurrentInstanceCount") or 0)
                label = f"{name}/{variant.get('VariantName')}"
                kind = str(types.get(variant.get("VariantName"), ""))
                if not kind or count == 0:
                    # Serverless (billed per request) or scaled to zero: no instance-hours.
                    continue
                yield "endpoint", label, kind, count, as_datetime(item.get("CreationTime"))
        for item in self.paginate(
            "list_notebook_instances", "NotebookInstances", StatusEquals="InService"
        ):
            yield (
                "notebook",
                item["NotebookInstanceName"],
                str(item.get("InstanceType", "")),
                1,
                as_datetime(item.get("LastModifiedTime")),
            )
        yield from self._clusters()
        yield from self._jobs()

    def _clusters(self) -> Iterator[tuple[str, str, str, int, datetime | None]]:
        """HyperPod groups with instances now. An account that cannot list clusters (no
        HyperPod permission, a region without it) has none to bill: skipped, not an error
        that would hide the rest of the spend."""
        sm = self.client
        try:
            summaries = list(self.paginate("list_clusters", "ClusterSummaries"))
        except SmError:
            return
        for item in summaries:
            name = str(item.get("ClusterName", ""))
            try:
                data = self.call(sm.describe_cluster, ClusterName=name)
            except SmError:  # deleted meanwhile
                continue
            for group in data.get("InstanceGroups") or []:
                count = int(group.get("CurrentCount") or 0)
                if count == 0:
                    continue
                yield (
                    "cluster",
                    f"{name}/{group.get('InstanceGroupName', '')}",
                    str(group.get("InstanceType", "")),
                    count,
                    as_datetime(item.get("CreationTime")),
                )

    def _jobs(self) -> Iterator[tuple[str, str, str, int, datetime | None]]:
        sm = self.client
        shapes = (
            ("training", "list_training_jobs", "TrainingJobSummaries", "TrainingJobName"),
            ("processing", "list_processing_jobs", "ProcessingJobSummaries", "ProcessingJobName"),
            ("transform", "list_transform_jobs", "TransformJobSummaries", "TransformJobName"),
        )
        for kind, operation, key, name_key in shapes:
            for item in self.paginate(operation, key, StatusEquals="InProgress"):
                name = item[name_key]
                data = self.call(getattr(sm, f"describe_{kind}_job"), **{name_key: name})
                resources = (
                    data.get("ResourceConfig")
                    or (data.get("ProcessingResources") or {}).get("ClusterConfig")
                    or data.get("TransformResources")
                    or {}
                )
                yield (
                    kind,
                    name,
                    str(resources.get("InstanceType", "")),
                    int(resources.get("InstanceCount") or 1),
                    as_datetime(item.get("CreationTime")),
                )
