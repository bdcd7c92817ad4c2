"""On-demand SageMaker prices from the AWS Price List API, cached on disk for a day.

Never a hand-kept table: ``pricing`` ``GetProducts`` (service ``AmazonSageMaker``,
filtered to the account's region) answers a list of JSON documents, one per product;
each carries its ``instanceName`` and ``component`` (Training, Hosting, Notebook, …)
and an on-demand USD price per hour. HyperPod cluster instances are products of the same
service told apart by their usage type, ``<REGION>-Cluster:ml.<type>`` (what the bill and
the CUR show); they are read as the ``Cluster`` component whatever else the product
carries, and a usage type with a suffix (``…-Reserved``: reserved capacity, not an
on-demand hour) is not an instance's on-demand price. The parsed table is kept in the user cache dir
(platformdirs) for :data:`CACHE_SECONDS`, so a day's commands ask once.

The cost of a training job is billable seconds x instance count x price (SageMaker's
BillableTimeInSeconds is per instance); spot savings are what the saved seconds would
have cost.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.services.base import Service

SERVICE_CODE = "AmazonSageMaker"
CACHE_SECONDS = 24 * 3600
# The Price List API answers from these regions only; us-east-1 serves every region.
PRICING_REGION = "us-east-1"
# What a resource is billed as -> the product's ``component``.
COMPONENTS = {
    "training": "Training",
    "processing": "Processing",
    "transform": "Batch Transform",
    "endpoint": "Hosting",
    "notebook": "Notebook",
    "cluster": "Cluster",  # HyperPod cluster instances (usage type <REGION>-Cluster:ml.*)
}
CLUSTER_USAGE = "-Cluster:"

Prices = dict[str, float]  # "component|instance type" -> USD per hour


def _key(component: str, instance_type: str) -> str:
    return f"{component}|{instance_type}"


def parse_price_list(documents: Iterable[str]) -> Prices:
    """GetProducts' ``PriceList`` (JSON strings) -> on-demand USD per hour by key.

    A product without an instance name, a component or a positive hourly USD price is
    skipped (storage, data processing per GB, free tiers)."""
    out: Prices = {}
    for text in documents:
        try:
            product = json.loads(text)
        except (TypeError, ValueError):
            continue
        attributes = (product.get("product") or {}).get("attributes") or {}
        instance, component = _identity(attributes)
        if not instance.startswith("ml.") or not component:
            continue
        for term in ((product.get("terms") or {}).get("OnDemand") or {}).values():
            for dimension in (term.get("priceDimensions") or {}).values():
                if str(dimension.get("unit", "")).lower() not in ("hrs", "hours", "hour"):
                    continue
                try:
                    usd = float((dimension.get("pricePerUnit") or {}).get("USD", ""))
                except ValueError:
                    continue
                if usd > 0:
                    out[_key(component, instance)] = usd
    return out


def _identity(attributes: Mapping[str, Any]) -> tuple[str, str]:
    """(instance type, component) of a product; ("", "") when it is not one instance's
    on-demand hour. The usage type's instance (``USE1-Train:ml.m5.large``) must be the
    instance name when both are given: ``…:ml.p5.48xlarge-Reserved`` is another product.
    """
    instance = str(attributes.get("instanceName", "") or "")
    component = str(attributes.get("component", "") or "")
    usage = str(attributes.get("usagetype", "") or "")
    used = usage.split(":", 1)[1] if ":" in usage else ""
    if CLUSTER_USAGE in usage:  # HyperPod: the usage type is what names it
        exact = "-" not in used and used == (instance or used)
        return (used, "Cluster") if exact else ("", "")
    if used and instance and used != instance:
        return "", ""
    return instance, component


@dataclass(frozen=True)
class JobCost:
    """What a finished or running job has cost (USD) and what spot saved."""

    usd: float
    spot_savings_usd: float


def job_cost(
    price_per_hour: float,
    instance_count: int,
    billable_seconds: float,
    training_seconds: float | None = None,
) -> JobCost:
    """Billable seconds x instances x price; the spot saving is the same for the
    seconds not billed (training - billable)."""
    count = max(1, instance_count)
    usd = billable_seconds / 3600.0 * count * price_per_hour
    saved_seconds = max(0.0, (training_seconds or billable_seconds) - billable_seconds)
    return JobCost(usd, saved_seconds / 3600.0 * count * price_per_hour)


def projected_cost(price_per_hour: float, instance_count: int, max_runtime_s: float) -> float:
    """The most a job can cost: price x count x its max runtime."""
    return price_per_hour * max(1, instance_count) * max_runtime_s / 3600.0


def _cache_dir() -> Path:
    from platformdirs import user_cache_path

    return Path(user_cache_path("smconsole"))


def cache_path(region: str, endpoint_url: str | None = None) -> Path:
    """The cache file of ``region``'s prices: one per endpoint when one is set, so a
    local stack's (the demo's, a test's) prices never stand in for AWS's."""
    if endpoint_url:
        import hashlib

        digest = hashlib.sha256(endpoint_url.encode()).hexdigest()[:12]
        return _cache_dir() / f"prices-{region}-{digest}.json"
    return _cache_dir() / f"prices-{region}.json"


def store_prices(path: Path, prices: Prices, fetched: float) -> None:
    """Write a price table where :class:`PricingService` reads it (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fetched": fetched, "prices": prices}))
    tmp.replace(path)


class PricingService(Service):
    """Hourly on-demand prices for the session's region (cached on disk for a day)."""

    SERVICE = "pricing"

    def __init__(self, *args: Any, clock: Callable[[], float] = time.time, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._clock = clock
        self._prices: Prices | None = None

    @property
    def client(self) -> Any:
        return self.sessions.client(self.SERVICE)

    def _cache_file(self) -> Path:
        return cache_path(
            self.sessions.region or PRICING_REGION, self.sessions.context.endpoint_url
        )

    def prices(self) -> Prices:
        if self._prices is not None:
            return self._prices
        path = self._cache_file()
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if self._clock() - float(cached["fetched"]) < CACHE_SECONDS:
                self._prices = {str(k): float(v) for k, v in cached["prices"].items()}
                return self._prices
        except (OSError, ValueError, KeyError, TypeError):
            pass
        if self.sessions.context.endpoint_url:
            # A local stack (moto, LocalStack) has no Price List API; moto in this process
            # would even print its complaint onto our terminal. Prices stay unknown.
            from console.errors import NotSupportedError

            raise NotSupportedError(
                "the Price List API is not served by this endpoint (a local stack)",
                "costs are shown with real AWS credentials and no endpoint override",
            )
        region = self.sessions.region or PRICING_REGION
        documents = self.paginate(
            "get_products",
            "PriceList",
            ServiceCode=SERVICE_CODE,
            Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
        )
        prices = parse_price_list(str(d) for d in documents)  # PriceList: JSON strings
        with contextlib.suppress(OSError):  # an unwritable cache costs a call next time
            store_prices(path, prices, self._clock())
        self._prices = prices
        return prices

    def hourly(self, kind: str, instance_type: str) -> float | None:
        """USD per hour of one instance of ``instance_type`` used as ``kind``."""
        return self.prices().get(_key(COMPONENTS[kind], instance_type))


def price_of(prices: Mapping[str, float], kind: str, instance_type: str) -> float | None:
    return prices.get(_key(COMPONENTS[kind], instance_type))
