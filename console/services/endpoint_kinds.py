"""What kind of endpoint this is: instance variants, serverless, async, inference components.

DescribeEndpoint alone makes every endpoint look like instance variants. An operator
needs to know that a serverless variant has memory and a concurrency limit (not
instances), that an async endpoint writes to S3 and has a backlog, and that an endpoint
with inference components serves several models, each with its own copies and scaling
(down to zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console import validate
from console.records import Record
from console.services.base import Service

KINDS = ("instance", "serverless", "async", "inference-components")


@dataclass(frozen=True)
class ServerlessVariant(Record):
    variant: str
    memory_mb: int | None
    max_concurrency: int | None
    provisioned_concurrency: int | None

    @classmethod
    def from_api(cls, variant: str, d: Mapping[str, Any]) -> ServerlessVariant:
        def number(key: str) -> int | None:
            value = d.get(key)
            return int(value) if value is not None else None

        return cls(
            variant=variant,
            memory_mb=number("MemorySizeInMB"),
            max_concurrency=number("MaxConcurrency"),
            provisioned_concurrency=number("ProvisionedConcurrency"),
        )


@dataclass(frozen=True)
class AsyncConfig(Record):
    output_path: str
    failure_path: str
    max_concurrent_per_instance: int | None


@dataclass(frozen=True)
class InferenceComponent(Record):
    name: str
    endpoint: str
    variant: str
    status: str
    model: str
    current_copies: int | None
    desired_copies: int | None
    cpu_cores: float | None
    accelerators: float | None
    min_memory_mb: int | None

    @property
    def scaled_to_zero(self) -> bool:
        return self.desired_copies == 0

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> InferenceComponent:
        spec = d.get("Specification") or {}
        resources = spec.get("ComputeResourceRequirements") or {}
        runtime = d.get("RuntimeConfig") or {}

        def num(source: Mapping[str, Any], key: str) -> float | None:
            value = source.get(key)
            return float(value) if value is not None else None

        def count(source: Mapping[str, Any], key: str) -> int | None:
            value = source.get(key)
            return int(value) if value is not None else None

        return cls(
            name=str(d.get("InferenceComponentName", "")),
            endpoint=str(d.get("EndpointName", "")),
            variant=str(d.get("VariantName", "")),
            status=str(d.get("InferenceComponentStatus", "")),
            model=str(spec.get("ModelName", "")),
            current_copies=count(runtime, "CurrentCopyCount"),
            desired_copies=count(runtime, "DesiredCopyCount"),
            cpu_cores=num(resources, "NumberOfCpuCoresRequired"),
            accelerators=num(resources, "NumberOfAcceleratorDevicesRequired"),
            min_memory_mb=count(resources, "MinMemoryRequiredInMb"),
        )


@dataclass(frozen=True)
class EndpointKind(Record):
    """Which kind an endpoint is, and the facts of that kind."""

    endpoint: str
    kind: str  # one of KINDS
    serverless: tuple[ServerlessVariant, ...] = ()
    async_config: AsyncConfig | None = None
    components: tuple[InferenceComponent, ...] = ()


def kind_of(described: Mapping[str, Any], components: list[InferenceComponent]) -> EndpointKind:
    """Classify a DescribeEndpoint answer (plus its inference components, if any)."""
    name = str(described.get("EndpointName", ""))
    variants = described.get("ProductionVariants") or []
    serverless = tuple(
        ServerlessVariant.from_api(
            str(v.get("VariantName", "")),
            v.get("CurrentServerlessConfig") or v.get("DesiredServerlessConfig") or {},
        )
        for v in variants
        if v.get("CurrentServerlessConfig") or v.get("DesiredServerlessConfig")
    )
    async_raw = described.get("AsyncInferenceConfig") or {}
    async_config = None
    if async_raw:
        output = async_raw.get("OutputConfig") or {}
        client = async_raw.get("ClientConfig") or {}
        limit = client.get("MaxConcurrentInvocationsPerInstance")
        async_config = AsyncConfig(
            output_path=str(output.get("S3OutputPath", "")),
            failure_path=str(output.get("S3FailurePath", "")),
            max_concurrent_per_instance=int(limit) if limit is not None else None,
        )
    if components:
        kind = "inference-components"
    elif async_config is not None:
        kind = "async"
    elif serverless:
        kind = "serverless"
    else:
        kind = "instance"
    return EndpointKind(name, kind, serverless, async_config, tuple(components))


class EndpointKindsService(Service):
    def components(self, endpoint: str) -> list[InferenceComponent]:
        """The endpoint's inference components, described (copies, resources)."""
        validate.name(endpoint, "endpoint name")
        names = [
            str(item.get("InferenceComponentName", ""))
            for item in self.paginate(
                "list_inference_components", "InferenceComponents", EndpointNameEquals=endpoint
            )
        ]
        return [
            InferenceComponent.from_api(
                self.call(self.client.describe_inference_component, InferenceComponentName=n)
            )
            for n in names
            if n
        ]

    def kind(self, endpoint: str) -> EndpointKind:
        validate.name(endpoint, "endpoint name")
        described = self.call(self.client.describe_endpoint, EndpointName=endpoint)
        return kind_of(described, self._components_or_none(endpoint))

    def _components_or_none(self, endpoint: str) -> list[InferenceComponent]:
        """A stack without inference components (moto) answers "not supported": none."""
        from console.errors import NotSupportedError

        try:
            return self.components(endpoint)
        except NotSupportedError:
            return []
