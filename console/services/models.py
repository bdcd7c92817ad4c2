"""Models and endpoint configs: the two resources an endpoint is built from.

A model ties a serving image to model data (or a registered model package); an endpoint
config places one or more models (production variants) on instances with traffic
weights. Records keep only environment variable *names*: values often hold tokens.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console import validate
from console.aws import enums
from console.errors import ValidationError
from console.records import Record, as_datetime
from console.services.base import Service

DEFAULT_ENDPOINT_INSTANCE_TYPE = "ml.m5.large"
DEFAULT_VARIANT_NAME = "AllTraffic"
MAX_VARIANTS = 10  # SageMaker's limit of production variants per endpoint config


@dataclass(frozen=True)
class ModelSummary(Record):
    """One row of the models list."""

    name: str
    arn: str
    created: datetime | None

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ModelSummary:
        return cls(
            name=str(d["ModelName"]),
            arn=str(d.get("ModelArn", "")),
            created=as_datetime(d.get("CreationTime")),
        )


@dataclass(frozen=True)
class Model(Record):
    """A model in detail. Only the primary (or first) container is described."""

    name: str
    arn: str
    created: datetime | None
    image: str
    model_data_url: str
    role_arn: str
    environment_keys: tuple[str, ...]
    model_package_name: str = ""
    container_count: int = 1

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> Model:
        containers = list(d.get("Containers") or [])
        primary: Mapping[str, Any] = d.get("PrimaryContainer") or (
            containers[0] if containers else {}
        )
        return cls(
            name=str(d["ModelName"]),
            arn=str(d.get("ModelArn", "")),
            created=as_datetime(d.get("CreationTime")),
            image=str(primary.get("Image", "")),
            model_data_url=str(primary.get("ModelDataUrl", "")),
            role_arn=str(d.get("ExecutionRoleArn", "")),
            environment_keys=tuple(sorted(primary.get("Environment") or {})),
            model_package_name=str(primary.get("ModelPackageName", "")),
            container_count=max(1, len(containers)),
        )


@dataclass(frozen=True)
class ConfigVariant(Record):
    """A production variant as an endpoint config declares it."""

    name: str
    model: str
    instance_type: str
    initial_count: int | None
    initial_weight: float | None

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ConfigVariant:
        count = d.get("InitialInstanceCount")
        weight = d.get("InitialVariantWeight")
        return cls(
            name=str(d.get("VariantName", "")),
            model=str(d.get("ModelName", "")),
            # Serverless variants have no instance type.
            instance_type=str(
                d.get("InstanceType") or ("serverless" if d.get("ServerlessConfig") else "")
            ),
            initial_count=int(count) if count is not None else None,
            initial_weight=float(weight) if weight is not None else None,
        )


@dataclass(frozen=True)
class EndpointConfigSummary(Record):
    name: str
    arn: str
    created: datetime | None

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> EndpointConfigSummary:
        return cls(
            name=str(d["EndpointConfigName"]),
            arn=str(d.get("EndpointConfigArn", "")),
            created=as_datetime(d.get("CreationTime")),
        )


@dataclass(frozen=True)
class EndpointConfig(Record):
    name: str
    arn: str
    created: datetime | None
    variants: tuple[ConfigVariant, ...]

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> EndpointConfig:
        return cls(
            name=str(d["EndpointConfigName"]),
            arn=str(d.get("EndpointConfigArn", "")),
            created=as_datetime(d.get("CreationTime")),
            variants=tuple(ConfigVariant.from_api(v) for v in d.get("ProductionVariants") or []),
        )


@dataclass(frozen=True)
class ModelSpec:
    """What ``model-create`` asks for, validated before anything is sent."""

    name: str
    image: str
    model_data_url: str
    role_arn: str
    environment: dict[str, str] = field(default_factory=dict)

    def validated(self) -> ModelSpec:
        validate.name(self.name, "model name")
        validate.image_uri(self.image)
        validate.s3_uri(self.model_data_url, "model data S3 URI")
        if not self.role_arn:
            raise ValidationError(
                "no execution role given",
                validate.NO_ROLE_HINT,
            )
        validate.role_arn(self.role_arn)
        return self

    def to_api(self) -> dict[str, Any]:
        container: dict[str, Any] = {
            "Image": self.image,
            "ModelDataUrl": self.model_data_url,
        }
        if self.environment:
            container["Environment"] = dict(self.environment)
        return {
            "ModelName": self.name,
            "ExecutionRoleArn": self.role_arn,
            "PrimaryContainer": container,
        }


@dataclass(frozen=True)
class VariantSpec:
    """One production variant of a new endpoint config."""

    model: str
    name: str = DEFAULT_VARIANT_NAME
    instance_type: str = DEFAULT_ENDPOINT_INSTANCE_TYPE
    instance_count: int = 1
    weight: float = 1.0

    def validated(self) -> VariantSpec:
        validate.name(self.name, "variant name")
        validate.name(self.model, "model name")
        enums.instance_type(
            self.instance_type, "ProductionVariantInstanceType", "endpoint instance type"
        )
        validate.positive_int(self.instance_count, "instance count", maximum=100)
        if not 0 <= self.weight < float("inf"):
            raise ValidationError(f"variant weight must be >= 0, got {self.weight!r}")
        return self

    def to_api(self) -> dict[str, Any]:
        return {
            "VariantName": self.name,
            "ModelName": self.model,
            "InstanceType": self.instance_type,
            "InitialInstanceCount": self.instance_count,
            "InitialVariantWeight": self.weight,
        }


def _check_variants(variants: Sequence[VariantSpec]) -> list[VariantSpec]:
    if not variants:
        raise ValidationError("an endpoint config needs at least one variant")
    if len(variants) > MAX_VARIANTS:
        raise ValidationError(f"at most {MAX_VARIANTS} variants per endpoint config")
    checked = [v.validated() for v in variants]
    names = [v.name for v in checked]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValidationError(f"variant names must be unique: {', '.join(duplicates)} repeated")
    if not any(v.weight > 0 for v in checked):
        raise ValidationError("at least one variant needs a weight above 0")
    return checked


class ModelsService(Service):
    """Models and endpoint configs: list, describe, create, delete."""

    # --- models -------------------------------------------------------------------
    def list_models(
        self, *, name_contains: str | None = None, limit: int | None = None
    ) -> Iterator[ModelSummary]:
        params = self.newest_first(name_contains=name_contains)
        for item in self.paginate("list_models", "Models", limit=limit, **params):
            yield ModelSummary.from_api(item)

    def describe_model(self, name: str) -> Model:
        validate.name(name, "model name")
        return Model.from_api(self.call(self.client.describe_model, ModelName=name))

    def create_model(self, spec: ModelSpec) -> str:
        spec = spec.validated()
        request = spec.to_api()
        # Environment values may be secrets: the audit log gets the names only.
        audit = {
            "ExecutionRoleArn": spec.role_arn,
            "Image": spec.image,
            "ModelDataUrl": spec.model_data_url,
            "EnvironmentKeys": sorted(spec.environment),
        }
        result = self.mutate("model-create", spec.name, audit, self.client.create_model, **request)
        return str(result.get("ModelArn", ""))

    def delete_model(self, name: str) -> None:
        validate.name(name, "model name")
        self.mutate("model-delete", name, {}, self.client.delete_model, ModelName=name)

    # --- endpoint configs ---------------------------------------------------------
    def list_endpoint_configs(
        self, *, name_contains: str | None = None, limit: int | None = None
    ) -> Iterator[EndpointConfigSummary]:
        params = self.newest_first(name_contains=name_contains)
        for item in self.paginate(
            "list_endpoint_configs", "EndpointConfigs", limit=limit, **params
        ):
            yield EndpointConfigSummary.from_api(item)

    def describe_endpoint_config(self, name: str) -> EndpointConfig:
        validate.name(name, "endpoint config name")
        data = self.call(self.client.describe_endpoint_config, EndpointConfigName=name)
        return EndpointConfig.from_api(data)

    def create_endpoint_config(self, name: str, variants: Sequence[VariantSpec]) -> str:
        validate.name(name, "endpoint config name")
        checked = _check_variants(variants)
        production = [v.to_api() for v in checked]
        result = self.mutate(
            "endpoint-config-create",
            name,
            {"ProductionVariants": production},
            self.client.create_endpoint_config,
            EndpointConfigName=name,
            ProductionVariants=production,
        )
        return str(result.get("EndpointConfigArn", ""))

    def delete_endpoint_config(self, name: str) -> None:
        validate.name(name, "endpoint config name")
        self.mutate(
            "endpoint-config-delete",
            name,
            {},
            self.client.delete_endpoint_config,
            EndpointConfigName=name,
        )
