"""Endpoints: status, traffic split between variants, test invocations and lineage.

An invocation is treated as a mutation: it runs the operator's payload on a production
model (it may cost money, write to a feature store, or page someone), so it goes through
the gate and the audit log. The audit keeps the payload's size, never its content.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from console import validate
from console.errors import NotFoundError, ValidationError
from console.records import Record, as_datetime
from console.sanitize import clean_block
from console.services.base import Service
from console.services.models import ModelsService

ENDPOINT_STATUSES = (
    "OutOfService",
    "Creating",
    "Updating",
    "SystemUpdating",
    "RollingBack",
    "InService",
    "Deleting",
    "Failed",
    "UpdateRollbackFailed",
)
TRANSITIONAL_STATUSES = frozenset(
    {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}
)
CONTENT_TYPE_RE = re.compile(r"^[\w.+*-]+/[\w.+*-]+(?:\s*;\s*[\w.+-]+=[\w.+\"-]+)*$")


def mime_type(value: str, field: str = "content type") -> str:
    """A MIME type such as ``application/json`` or ``text/csv; charset=utf-8``."""
    if not isinstance(value, str) or not CONTENT_TYPE_RE.match(value.strip()):
        raise ValidationError(
            f"{field} {value!r} is not a MIME type", "e.g. application/json or text/csv"
        )
    return value.strip()


def is_json_type(value: str) -> bool:
    """True for ``application/json`` and ``…+json`` types (payloads we can check)."""
    base = value.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


@dataclass(frozen=True)
class EndpointSummary(Record):
    name: str
    arn: str
    status: str
    created: datetime | None
    modified: datetime | None

    @property
    def transitional(self) -> bool:
        return self.status in TRANSITIONAL_STATUSES

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> EndpointSummary:
        return cls(
            name=str(d["EndpointName"]),
            arn=str(d.get("EndpointArn", "")),
            status=str(d.get("EndpointStatus", "")),
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
        )


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def _count(value: Any) -> int | None:
    return int(value) if value is not None else None


@dataclass(frozen=True)
class EndpointVariant(Record):
    """A variant as the endpoint runs it: what it serves now and what it is moving to."""

    name: str
    current_weight: float | None
    desired_weight: float | None
    current_instance_count: int | None
    desired_instance_count: int | None
    status: str = ""

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> EndpointVariant:
        statuses = [str(s.get("Status", "")) for s in d.get("VariantStatus") or []]
        return cls(
            name=str(d.get("VariantName", "")),
            current_weight=_number(d.get("CurrentWeight")),
            desired_weight=_number(d.get("DesiredWeight")),
            current_instance_count=_count(d.get("CurrentInstanceCount")),
            desired_instance_count=_count(d.get("DesiredInstanceCount")),
            status=", ".join(s for s in statuses if s),
        )


@dataclass(frozen=True)
class Endpoint(Record):
    # Failure reasons are paragraphs (tracebacks, NCCL errors): shown with their lines.
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    name: str
    arn: str
    status: str
    failure_reason: str
    config_name: str
    created: datetime | None
    modified: datetime | None
    variants: tuple[EndpointVariant, ...]

    @property
    def transitional(self) -> bool:
        return self.status in TRANSITIONAL_STATUSES

    def variant(self, name: str) -> EndpointVariant | None:
        return next((v for v in self.variants if v.name == name), None)

    def traffic_split(self, *, desired: bool = False) -> dict[str, float]:
        """Each variant's share of traffic (0-1) from its current (or desired) weight."""
        weights = {
            v.name: (v.desired_weight if desired else v.current_weight) or 0.0
            for v in self.variants
        }
        total = sum(weights.values())
        return {name: (w / total if total else 0.0) for name, w in weights.items()}

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> Endpoint:
        return cls(
            name=str(d["EndpointName"]),
            arn=str(d.get("EndpointArn", "")),
            status=str(d.get("EndpointStatus", "")),
            failure_reason=str(d.get("FailureReason", "") or ""),
            config_name=str(d.get("EndpointConfigName", "")),
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
            variants=tuple(EndpointVariant.from_api(v) for v in d.get("ProductionVariants") or []),
        )


@dataclass(frozen=True)
class InvocationResult(Record):
    """What an endpoint answered to one test request."""

    endpoint: str
    body: bytes
    content_type: str
    invoked_variant: str
    latency_ms: float
    custom_attributes: str = ""

    @property
    def text(self) -> str | None:
        """The body as inert text (``console.sanitize``), or None when it is not UTF-8
        (images, protobuf, …). ``body`` keeps the raw bytes for ``--output`` files."""
        try:
            return clean_block(self.body.decode("utf-8"))
        except UnicodeDecodeError:
            return None


@dataclass(frozen=True)
class ServingModel(Record):
    """What one variant of an endpoint serves: the link from endpoint to model data."""

    endpoint: str
    config_name: str
    variant: str
    model: str
    image: str
    model_data_url: str
    model_package_arn: str


class EndpointsService(Service):
    """Endpoints: list, describe, create, update, delete, invoke, shift traffic."""

    # --- reads --------------------------------------------------------------------
    def list_endpoints(
        self,
        *,
        status: str | None = None,
        name_contains: str | None = None,
        limit: int | None = None,
    ) -> Iterator[EndpointSummary]:
        params = self.newest_first(
            validate.choice(status, ENDPOINT_STATUSES, "endpoint status"), name_contains
        )
        for item in self.paginate("list_endpoints", "Endpoints", limit=limit, **params):
            yield EndpointSummary.from_api(item)

    def describe_endpoint(self, name: str) -> Endpoint:
        validate.name(name, "endpoint name")
        return Endpoint.from_api(self.call(self.client.describe_endpoint, EndpointName=name))

    def serving_model_data(self, endpoint: str) -> list[ServingModel]:
        """Endpoint -> config -> models: the model data / package each variant serves."""
        described = self.describe_endpoint(endpoint)
        models = ModelsService(self.sessions, self.gate)
        config = models.describe_endpoint_config(described.config_name)
        serving: list[ServingModel] = []
        for variant in config.variants:
            model = models.describe_model(variant.model)
            package = model.model_package_name
            serving.append(
                ServingModel(
                    endpoint=described.name,
                    config_name=config.name,
                    variant=variant.name,
                    model=model.name,
                    image=model.image,
                    model_data_url=model.model_data_url,
                    # ModelPackageName takes a name or an ARN; only ARNs identify a version.
                    model_package_arn=package if package.startswith("arn:") else "",
                )
            )
        return serving

    # --- mutations ----------------------------------------------------------------
    def create_endpoint(self, name: str, config_name: str) -> str:
        validate.name(name, "endpoint name")
        validate.name(config_name, "endpoint config name")
        result = self.mutate(
            "endpoint-create",
            name,
            {"EndpointConfigName": config_name},
            self.client.create_endpoint,
            EndpointName=name,
            EndpointConfigName=config_name,
        )
        return str(result.get("EndpointArn", ""))

    def update_endpoint(self, name: str, config_name: str) -> str:
        """Move ``name`` to another endpoint config (a blue/green deployment in AWS)."""
        validate.name(name, "endpoint name")
        validate.name(config_name, "endpoint config name")
        result = self.mutate_checked(
            "endpoint-update",
            name,
            {"EndpointConfigName": config_name},
            lambda: self.client.update_endpoint(EndpointName=name, EndpointConfigName=config_name),
            lambda: self._moving_to(name, config_name),
        )
        return str((result or {}).get("EndpointArn", ""))

    def _moving_to(self, name: str, config_name: str) -> bool:
        endpoint = self.describe_endpoint(name)
        return endpoint.config_name == config_name or endpoint.status == "Updating"

    def _gone_or_going(self, name: str) -> bool:
        try:
            return self.describe_endpoint(name).status == "Deleting"
        except NotFoundError:
            return True

    def delete_endpoint(self, name: str) -> None:
        validate.name(name, "endpoint name")
        self.mutate_checked(
            "endpoint-delete",
            name,
            {},
            lambda: self.client.delete_endpoint(EndpointName=name),
            lambda: self._gone_or_going(name),
        )

    def invoke(
        self,
        name: str,
        body: bytes | str,
        *,
        content_type: str = "application/json",
        accept: str | None = None,
        target_variant: str | None = None,
    ) -> InvocationResult:
        """Send one request to the endpoint and time it (latency includes the network)."""
        validate.name(name, "endpoint name")
        ctype = mime_type(content_type)
        payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        if not payload:
            raise ValidationError("payload is empty")
        if is_json_type(ctype):
            validate.json_payload(payload.decode("utf-8", "replace"))
        request: dict[str, Any] = {
            "EndpointName": name,
            "Body": payload,
            "ContentType": ctype,
        }
        if accept:
            request["Accept"] = ", ".join(
                mime_type(part, "accept type") for part in accept.split(",")
            )
        if target_variant:
            request["TargetVariant"] = validate.name(target_variant, "target variant")
        audit = {
            "ContentType": ctype,
            "Accept": accept or "",
            "TargetVariant": target_variant or "",
            "PayloadBytes": len(payload),
        }
        runtime = self.sessions.client("sagemaker-runtime")

        def send() -> InvocationResult:
            started = time.perf_counter()
            response = runtime.invoke_endpoint(**request)
            data = response["Body"].read()
            latency = (time.perf_counter() - started) * 1000.0
            return InvocationResult(
                endpoint=name,
                body=bytes(data),
                content_type=str(response.get("ContentType", "")),
                invoked_variant=str(response.get("InvokedProductionVariant", "")),
                latency_ms=round(latency, 3),
                custom_attributes=str(response.get("CustomAttributes", "") or ""),
            )

        return self.mutate("endpoint-invoke", name, audit, send)

    def plan_variant_weights(
        self,
        endpoint: Endpoint,
        weights: Mapping[str, float],
        counts: Mapping[str, int] | None = None,
    ) -> list[dict[str, Any]]:
        """Check a weight change against ``endpoint`` and build the API request entries.

        Pure (no AWS call), so the CLI and TUI can show the resulting split before
        asking for confirmation. Variants not named keep their desired weight and count;
        the split is checked as a whole: someone must still get traffic.
        """
        counts = dict(counts or {})
        if not weights and not counts:
            raise ValidationError("give at least one VARIANT=WEIGHT")
        for variant_name, weight in weights.items():
            if not isinstance(weight, int | float) or isinstance(weight, bool):
                raise ValidationError(f"weight of {variant_name} must be a number")
            if math.isnan(weight) or math.isinf(weight) or weight < 0:
                raise ValidationError(f"weight of {variant_name} must be >= 0, got {weight!r}")
        for variant_name, count in counts.items():
            validate.positive_int(count, f"instance count of {variant_name}", maximum=100)
        known = {v.name for v in endpoint.variants}
        unknown = sorted((set(weights) | set(counts)) - known)
        if unknown:
            raise ValidationError(
                f"endpoint {endpoint.name} has no variant {', '.join(unknown)}",
                f"its variants: {', '.join(sorted(known)) or 'none'}",
            )
        resulting = {
            v.name: float(weights.get(v.name, v.desired_weight or 0.0)) for v in endpoint.variants
        }
        if not any(w > 0 for w in resulting.values()):
            raise ValidationError(
                "every variant would get weight 0",
                "at least one variant must take traffic",
            )
        desired: list[dict[str, Any]] = []
        for variant in endpoint.variants:
            if variant.name not in weights and variant.name not in counts:
                continue
            entry: dict[str, Any] = {
                "VariantName": variant.name,
                "DesiredWeight": resulting[variant.name],
            }
            new_count = counts.get(variant.name, variant.desired_instance_count)
            # Sent even when unchanged: moto reads a missing count as "no instances".
            if new_count is not None:
                entry["DesiredInstanceCount"] = int(new_count)
            desired.append(entry)
        return desired

    def update_variant_weights(
        self,
        name: str,
        weights: Mapping[str, float],
        counts: Mapping[str, int] | None = None,
    ) -> Endpoint:
        """Shift traffic (and optionally instances) between an endpoint's variants.

        Reads the endpoint first to check the variant names, then returns it as
        described after the change.
        """
        desired = self.plan_variant_weights(self.describe_endpoint(name), weights, counts)

        def applied() -> bool:
            now = {v.name: v for v in self.describe_endpoint(name).variants}
            return all(
                d["VariantName"] in now
                and (
                    "DesiredWeight" not in d
                    or now[d["VariantName"]].desired_weight == d["DesiredWeight"]
                )
                for d in desired
            )

        self.mutate_checked(
            "endpoint-weights",
            name,
            {"DesiredWeightsAndCapacities": desired},
            lambda: self.client.update_endpoint_weights_and_capacities(
                EndpointName=name, DesiredWeightsAndCapacities=desired
            ),
            applied,
        )
        return self.describe_endpoint(name)
