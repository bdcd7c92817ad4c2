"""model-package-*: the seed's model registry commands, with approval that never races."""

from __future__ import annotations

import click

from console.cli.output import emit, field_col
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    report_created,
    wants_json,
    yes_option,
)
from console.services.registry import GROUP_NAME_MAX, ModelPackage
from console.validate import name as validate_name

SECTION = "Model registry"

GROUP_COLUMNS = [
    field_col("Name", "name"),
    field_col("Status", "status"),
    field_col("Created", "created"),
    field_col("Description", "description"),
]


def _metrics_cell(package: ModelPackage) -> object:
    if package.metrics:
        return {k: f"{v:.4g}" for k, v in package.metrics.items()}
    return sorted(package.metric_reports) or None


PACKAGE_COLUMNS = [
    field_col("Version", "version"),
    field_col("Status", "approval_status"),
    field_col("Created", "created"),
    field_col("Model data", "model_data_url"),
    field_col("Description", "description"),
    ("Metrics", _metrics_cell),
]


@command("model-package-group-create", SECTION, short_help="Create a model package group.")
@click.argument("name")
@click.option("--description", default="", help="What the group's models are for.")
@json_option
@pass_invocation
def group_create(inv: Invocation, name: str, description: str, json_output: bool) -> None:
    arn = inv.console.registry.create_group(name, description)
    report_created(inv, json_output, f"created model package group {name}", name=name, arn=arn)


@command("model-package-group-list", SECTION, short_help="List model package groups, newest first.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@json_option
@pass_invocation
def group_list(inv: Invocation, limit: int | None, json_output: bool) -> None:
    groups = inv.console.registry.list_groups(limit=limit)
    emit(
        wants_json(inv, json_output), groups, columns=GROUP_COLUMNS, empty="no model package groups"
    )


@command(
    "model-package-group-delete",
    SECTION,
    short_help="Delete an empty model package group (asks first).",
)
@click.argument("name")
@yes_option
@pass_invocation
def group_delete(inv: Invocation, name: str, yes: bool) -> None:
    validate_name(name, "model package group name", max_len=GROUP_NAME_MAX)
    confirm(
        inv,
        "model-package-group-delete",
        name,
        yes=yes,
        prompt=f"Delete model package group {name}?",
    )
    inv.console.registry.delete_group(name)
    click.echo(f"deleted model package group {name}")


@command("model-package-list", SECTION, short_help="List a group's model versions, newest first.")
@click.argument("group")
@click.option(
    "--status",
    metavar="STATUS",
    help="pending, approved, rejected (or PendingManualApproval, Approved, Rejected).",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@json_option
@pass_invocation
def package_list(
    inv: Invocation, group: str, status: str | None, limit: int | None, json_output: bool
) -> None:
    packages = inv.console.registry.list_packages(group, status=status, limit=limit)
    emit(
        wants_json(inv, json_output),
        packages,
        columns=PACKAGE_COLUMNS,
        empty=f"no model packages in {group}",
    )


def _set_approval(
    inv: Invocation, arn: str, status: str, verb: str, comment: str, yes: bool, json_output: bool
) -> None:
    registry = inv.console.registry
    # The status the operator decides on; update_approval refuses if it changes meanwhile.
    seen = registry.describe_package(arn, metrics=False)
    action = "model-package-approve" if status == "Approved" else "model-package-reject"
    confirm(
        inv,
        action,
        arn,
        yes=yes,
        prompt=f"{verb.capitalize()} model package {seen.label} "
        f"(now {seen.approval_status or 'unset'})?",
    )
    updated = registry.update_approval(
        arn, status, comment, expected_status=seen.approval_status or None
    )
    if wants_json(inv, json_output):
        emit(True, updated)
    else:
        click.echo(f"{verb}d model package {updated.label} (was {seen.approval_status or 'unset'})")


@command(
    "model-package-approve", SECTION, short_help="Approve a model package version (asks first)."
)
@click.argument("arn")
@click.option("--comment", default="", help="Why (stored as the approval description).")
@yes_option
@json_option
@pass_invocation
def package_approve(inv: Invocation, arn: str, comment: str, yes: bool, json_output: bool) -> None:
    _set_approval(inv, arn, "Approved", "approve", comment, yes, json_output)


@command("model-package-reject", SECTION, short_help="Reject a model package version (asks first).")
@click.argument("arn")
@click.option("--comment", default="", help="Why (stored as the approval description).")
@yes_option
@json_option
@pass_invocation
def package_reject(inv: Invocation, arn: str, comment: str, yes: bool, json_output: bool) -> None:
    _set_approval(inv, arn, "Rejected", "reject", comment, yes, json_output)
