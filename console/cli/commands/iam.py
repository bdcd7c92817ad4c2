"""role-*: the seed's IAM commands for the SageMaker execution role."""

from __future__ import annotations

import click

from console.cli.output import emit, field_col
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    wants_json,
    yes_option,
)
from console.services.iam import DEFAULT_ROLE_NAME
from console.validate import role_name

SECTION = "IAM roles"

ROLE_COLUMNS = [
    field_col("Name", "name"),
    field_col("SageMaker", "sagemaker_trusted"),
    field_col("Created", "created"),
    field_col("Path", "path"),
    field_col("Description", "description"),
    field_col("ARN", "arn"),
]


@command("role-create", SECTION, short_help="Create (or complete) a SageMaker execution role.")
@click.argument("name", default=DEFAULT_ROLE_NAME, required=False)
@click.option(
    "--bucket",
    "buckets",
    multiple=True,
    metavar="BUCKET",
    help="Grant read/write on this bucket with an inline policy (repeatable).",
)
@json_option
@pass_invocation
def role_create(inv: Invocation, name: str, buckets: tuple[str, ...], json_output: bool) -> None:
    result = inv.console.iam.create_execution_role(name, buckets=buckets)
    if wants_json(inv, json_output):
        emit(True, result)
        return
    if result.created:
        click.echo(f"created role {name}: {result.arn}")
    elif result.changes:
        click.echo(f"completed existing role {name}: {', '.join(result.changes)}")
    else:
        click.echo(f"role {name} already exists and is complete: {result.arn}")
    if result.arn:
        click.echo(
            "creates without --role or execution_role_arn in the config use it from now on; "
            f'to pin it: execution_role_arn = "{result.arn}" (config) or --role'
        )


@command("role-delete", SECTION, short_help="Delete a role and its policies (asks first).")
@click.argument("name", default=DEFAULT_ROLE_NAME, required=False)
@yes_option
@pass_invocation
def role_delete(inv: Invocation, name: str, yes: bool) -> None:
    role_name(name)
    confirm(
        inv,
        "role-delete",
        name,
        yes=yes,
        prompt=f"Delete role {name} (its policies are detached/deleted first)?",
    )
    steps = inv.console.iam.delete_role(name)
    click.echo(f"deleted role {name} ({len(steps) - 1} policies/profiles removed first)")


@command("role-list", SECTION, short_help="List IAM roles.")
@click.option(
    "--sagemaker", "sagemaker_only", is_flag=True, help="Only roles SageMaker can assume."
)
@json_option
@pass_invocation
def role_list(inv: Invocation, sagemaker_only: bool, json_output: bool) -> None:
    roles = inv.console.iam.list_roles(sagemaker_only=sagemaker_only)
    emit(wants_json(inv, json_output), roles, columns=ROLE_COLUMNS, empty="no roles")
