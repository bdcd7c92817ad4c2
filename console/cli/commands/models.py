"""model-* and endpoint-config-*: the seed's model and endpoint config commands."""

from __future__ import annotations

import click

from console import validate
from console.cli.output import emit, field_col
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    list_options,
    pass_invocation,
    report_created,
    wants_json,
    warn_image_region,
    yes_option,
)
from console.errors import ValidationError
from console.services.models import (
    DEFAULT_ENDPOINT_INSTANCE_TYPE,
    DEFAULT_VARIANT_NAME,
    ConfigVariant,
    EndpointConfig,
    Model,
    ModelSpec,
    VariantSpec,
)

MODELS = "Models"
CONFIGS = "Endpoint configs"

SUMMARY_COLUMNS = [field_col("Name", "name"), field_col("Created", "created")]


def model_fields(model: Model) -> list[tuple[str, object]]:
    return [
        ("Name", model.name),
        ("Created", model.created),
        ("Image", model.image or None),
        ("Model data", model.model_data_url or None),
        ("Model package", model.model_package_name or None),
        ("Role", model.role_arn),
        ("Environment", list(model.environment_keys)),
        ("Containers", model.container_count),
        ("ARN", model.arn),
    ]


def _variant_line(variant: ConfigVariant) -> str:
    line = f"{variant.model} on {variant.initial_count or '?'} x "
    line += variant.instance_type or "?"
    if variant.initial_weight is not None:
        line += f", weight {variant.initial_weight:g}"
    return line


def config_fields(config: EndpointConfig) -> list[tuple[str, object]]:
    return [
        ("Name", config.name),
        ("Created", config.created),
        *[(f"Variant {v.name}", _variant_line(v)) for v in config.variants],
        ("ARN", config.arn),
    ]


# --- models ---------------------------------------------------------------------------
@command("model-create", MODELS, short_help="Create a model from an image and model data.")
@click.argument("name")
@click.argument("image")
@click.argument("model_s3_uri", metavar="MODEL_S3_URI")
@click.option("--role", "role_arn", metavar="ARN", help="Execution role (default: config).")
@click.option(
    "--env",
    "environment",
    multiple=True,
    metavar="KEY=VALUE",
    help="Container environment variable (repeatable).",
)
@json_option
@pass_invocation
def model_create(
    inv: Invocation,
    *,
    name: str,
    image: str,
    model_s3_uri: str,
    role_arn: str | None,
    environment: tuple[str, ...],
    json_output: bool,
) -> None:
    spec = ModelSpec(
        name=name,
        image=image,
        model_data_url=model_s3_uri,
        role_arn=inv.execution_role(role_arn),
        environment=validate.key_values(environment, "--env"),
    ).validated()
    warn_image_region(inv, spec.image)
    arn = inv.console.models.create_model(spec)
    report_created(inv, json_output, f"created model {name}", name=name, arn=arn)


@command("model-list", MODELS, short_help="List models, newest first.")
@list_options()
@pass_invocation
def model_list(
    inv: Invocation, name_contains: str | None, limit: int | None, json_output: bool
) -> None:
    models = inv.console.models.list_models(name_contains=name_contains, limit=limit)
    emit(wants_json(inv, json_output), models, columns=SUMMARY_COLUMNS, empty="no models")


@command("model-describe", MODELS, short_help="Show a model in detail.")
@click.argument("name")
@json_option
@pass_invocation
def model_describe(inv: Invocation, name: str, json_output: bool) -> None:
    model = inv.console.models.describe_model(name)
    emit(wants_json(inv, json_output), model, fields=model_fields)


@command("model-delete", MODELS, short_help="Delete a model (asks first).")
@click.argument("name")
@yes_option
@pass_invocation
def model_delete(inv: Invocation, name: str, yes: bool) -> None:
    confirm(inv, "model-delete", name, yes=yes, prompt=f"Delete model {name}?")
    inv.console.models.delete_model(name)
    click.echo(f"deleted model {name}")


# --- endpoint configs -----------------------------------------------------------------
def _extra_variants(specs: tuple[str, ...], instance_type: str, count: int) -> list[VariantSpec]:
    """``NAME=MODEL[:WEIGHT]`` options: more variants for an A/B config."""
    variants = []
    for spec in specs:
        variant, sep, rest = spec.partition("=")
        model, _, weight_text = rest.partition(":")
        if not sep or not variant or not model:
            raise ValidationError(f"--add-variant {spec!r} must look like NAME=MODEL[:WEIGHT]")
        try:
            weight = float(weight_text) if weight_text else 1.0
        except ValueError:
            raise ValidationError(f"--add-variant {spec!r}: weight must be a number") from None
        variants.append(
            VariantSpec(
                model=model,
                name=variant,
                instance_type=instance_type,
                instance_count=count,
                weight=weight,
            )
        )
    return variants


@command(
    "endpoint-config-create",
    CONFIGS,
    short_help="Create an endpoint config serving MODEL.",
)
@click.argument("name")
@click.argument("model")
@click.argument("instance_type", default=DEFAULT_ENDPOINT_INSTANCE_TYPE, required=False)
@click.argument("count", default="1", required=False)
@click.option("--variant-name", default=DEFAULT_VARIANT_NAME, show_default=True)
@click.option(
    "--add-variant",
    "extra",
    multiple=True,
    metavar="NAME=MODEL[:WEIGHT]",
    help="Another variant on the same instance type and count, for A/B tests (repeatable).",
)
@json_option
@pass_invocation
def endpoint_config_create(
    inv: Invocation,
    *,
    name: str,
    model: str,
    instance_type: str,
    count: str,
    variant_name: str,
    extra: tuple[str, ...],
    json_output: bool,
) -> None:
    instances = validate.positive_int(count, "instance count", maximum=100)
    variants = [
        VariantSpec(
            model=model,
            name=variant_name,
            instance_type=instance_type,
            instance_count=instances,
        ),
        *_extra_variants(extra, instance_type, instances),
    ]
    arn = inv.console.models.create_endpoint_config(name, variants)
    report_created(inv, json_output, f"created endpoint config {name}", name=name, arn=arn)


@command("endpoint-config-list", CONFIGS, short_help="List endpoint configs, newest first.")
@list_options()
@pass_invocation
def endpoint_config_list(
    inv: Invocation, name_contains: str | None, limit: int | None, json_output: bool
) -> None:
    configs = inv.console.models.list_endpoint_configs(name_contains=name_contains, limit=limit)
    emit(
        wants_json(inv, json_output),
        configs,
        columns=SUMMARY_COLUMNS,
        empty="no endpoint configs",
    )


@command(
    "endpoint-config-describe",
    CONFIGS,
    short_help="Show an endpoint config's variants.",
)
@click.argument("name")
@json_option
@pass_invocation
def endpoint_config_describe(inv: Invocation, name: str, json_output: bool) -> None:
    config = inv.console.models.describe_endpoint_config(name)
    emit(wants_json(inv, json_output), config, fields=config_fields)


@command(
    "endpoint-config-delete",
    CONFIGS,
    short_help="Delete an endpoint config (asks first).",
)
@click.argument("name")
@yes_option
@pass_invocation
def endpoint_config_delete(inv: Invocation, name: str, yes: bool) -> None:
    confirm(
        inv,
        "endpoint-config-delete",
        name,
        yes=yes,
        prompt=f"Delete endpoint config {name}?",
    )
    inv.console.models.delete_endpoint_config(name)
    click.echo(f"deleted endpoint config {name}")
