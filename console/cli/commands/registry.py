"""model-package-*: the seed's model registry commands, with approval that never races."""

from __future__ import annotations

import click

from console.cli.output import emit, field_col, print_fields, print_json, print_table
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
from console.errors import ConflictError, ReadOnlyError, SmError, ValidationError
from console.services.registry import (
    APPROVAL_DESCRIPTION_MAX,
    GROUP_NAME_MAX,
    ApprovalResult,
    ModelPackage,
    package_arn,
)
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


@command(
    "model-package-delete",
    SECTION,
    short_help="Delete a model package (one version) by ARN (asks first).",
)
@click.argument("arn")
@yes_option
@pass_invocation
def package_delete(inv: Invocation, arn: str, yes: bool) -> None:
    """Delete the model package ARN; a group can be deleted once it has none left."""
    package_arn(arn)
    confirm(
        inv,
        "model-package-delete",
        arn,
        yes=yes,
        prompt=f"Delete model package {arn}? (the version and its approval history)",
    )
    inv.console.registry.delete_package(arn)
    click.echo(f"deleted model package {arn}")


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


_PAST = {"approve": "approved", "reject": "rejected"}


def _approval_prompt(verb: str, seen: list[ModelPackage]) -> str:
    if len(seen) == 1:
        package = seen[0]
        return (
            f"{verb.capitalize()} model package {package.label} "
            f"(now {package.approval_status or 'unset'})?"
        )
    lines = [f"{verb.capitalize()} {len(seen)} model packages?"]
    lines += [f"  {p.label} (now {p.approval_status or 'unset'})" for p in seen]
    return "\n".join(lines)


def _set_approval(
    inv: Invocation,
    arns: tuple[str, ...],
    status: str,
    verb: str,
    comment: str,
    yes: bool,
    json_output: bool,
) -> None:
    """Approve/reject one or several packages, each re-read just before its update.

    One package: a conflict is the command's error (exit 10). Several: every package gets
    its own line (and audit record); the command then fails with the worst outcome, so a
    script sees that something was left undone, and a person sees exactly what.
    """
    registry = inv.console.registry
    unique = list(dict.fromkeys(arns))
    for arn in unique:
        package_arn(arn)  # every ARN checked before anything is read or asked
    if len(comment) > APPROVAL_DESCRIPTION_MAX:
        raise ValidationError(f"comment is longer than {APPROVAL_DESCRIPTION_MAX} characters")
    action = "model-package-approve" if status == "Approved" else "model-package-reject"
    inv.console.gate.precheck(action, unique[0])  # read-only: refuse before reading or asking
    # The statuses the operator decides on; each update refuses if its package changed.
    seen = [registry.describe_package(arn, metrics=False) for arn in unique]
    confirm(
        inv,
        action,
        unique[0] if len(unique) == 1 else f"{len(unique)} model packages",
        yes=yes,
        prompt=_approval_prompt(verb, seen),
    )
    if len(unique) == 1:
        before = seen[0].approval_status or None
        updated = registry.update_approval(unique[0], status, comment, expected_status=before)
        if wants_json(inv, json_output):
            emit(True, updated)
        else:
            click.echo(f"{_PAST[verb]} model package {updated.label} (was {before or 'unset'})")
        return
    results = registry.update_approvals(
        [(p.arn, p.approval_status or None) for p in seen], status, comment
    )
    labels = {p.arn: p.label for p in seen}
    if wants_json(inv, json_output):
        emit(True, results)
    else:
        for result in results:
            label = labels.get(result.arn, result.arn)
            if result.ok:
                click.echo(f"{_PAST[verb]} model package {label}")
            else:
                click.echo(f"{result.outcome}: {label}: {result.message}", err=True)
    _batch_outcome(results, verb)


def _batch_outcome(results: list[ApprovalResult], verb: str) -> None:
    """Raise the batch's worst failure (error > refused > conflict); nothing if all went."""
    failed = [r for r in results if not r.ok]
    if not failed:
        return
    message = f"{len(failed)} of {len(results)} model packages not {_PAST[verb]}"
    outcomes = {r.outcome for r in failed}
    if "error" in outcomes:
        raise SmError(message, "see the lines above")
    if "refused" in outcomes:
        raise ReadOnlyError(message, "start without --read-only to make changes")
    raise ConflictError(
        f"{message}: changed by someone else meanwhile", "look at them again and decide anew"
    )


@command(
    "model-package-approve",
    SECTION,
    short_help="Approve one or more model package versions (asks first).",
)
@click.argument("arns", metavar="ARN...", nargs=-1, required=True)
@click.option("--comment", default="", help="Why (stored as the approval description).")
@yes_option
@json_option
@pass_invocation
def package_approve(
    inv: Invocation, arns: tuple[str, ...], comment: str, yes: bool, json_output: bool
) -> None:
    """Approve ARN... Each package is re-read just before its update and left alone (a
    conflict, exit 10) if someone else changed its status after it was read."""
    _set_approval(inv, arns, "Approved", "approve", comment, yes, json_output)


@command(
    "model-package-reject",
    SECTION,
    short_help="Reject one or more model package versions (asks first).",
)
@click.argument("arns", metavar="ARN...", nargs=-1, required=True)
@click.option("--comment", default="", help="Why (stored as the approval description).")
@yes_option
@json_option
@pass_invocation
def package_reject(
    inv: Invocation, arns: tuple[str, ...], comment: str, yes: bool, json_output: bool
) -> None:
    """Reject ARN... Each package is re-read just before its update and left alone (a
    conflict, exit 10) if someone else changed its status after it was read."""
    _set_approval(inv, arns, "Rejected", "reject", comment, yes, json_output)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _version(package: ModelPackage | None) -> str:
    return f"v{package.version}" if package is not None and package.version is not None else "-"


@command(
    "model-package-describe",
    SECTION,
    short_help="A model package with its evidence: metrics vs the approved and serving versions.",
)
@click.argument("arn")
@json_option
@pass_invocation
def package_describe(inv: Invocation, arn: str, json_output: bool) -> None:
    """Describe ARN beside the group's Approved version and the version serving endpoints.

    Metrics come from the packages' ModelMetrics (model quality statistics) reports and,
    with MLflow configured, from the final metrics of the MLflow run each version was
    made from (found through its CustomerMetadataProperties mlflow_run_id or its training
    job); a metric only the runs have is compared run against run ("From: run").
    Lower is better for loss/error-like metrics (loss, logloss, error, rmse, mse, mae,
    perplexity, latency, …); higher is better for the rest (accuracy, auc, f1, r2, …).
    """
    evidence = inv.console.evidence.evidence(arn)
    if wants_json(inv, json_output):
        print_json(evidence)
        return
    candidate = evidence.candidate
    places = [
        f"{s.endpoint}/{s.variant} serves v{s.version} (by {s.matched_by})"
        for s in evidence.serving_at
    ]
    print_fields(
        [
            ("Package", candidate.label),
            ("ARN", candidate.arn),
            ("Status", candidate.approval_status),
            ("Created", candidate.created),
            ("Created by", candidate.created_by or None),
            ("Modified", candidate.modified),
            ("Modified by", candidate.modified_by or None),
            ("Description", candidate.description or None),
            ("Approval note", candidate.approval_description or None),
            ("Model data", candidate.model_data_url or None),
            ("Image", candidate.image or None),
            ("Approved", _version(evidence.approved)),
            ("Serving", "; ".join(places) or None),
            (
                "MLflow run",
                f"{evidence.run.label} ({evidence.run.run_id}, by {evidence.run.found_by})"
                if evidence.run is not None
                else None,
            ),
        ]
    )
    if evidence.metrics:
        click.echo()
        approved, serving = _version(evidence.approved), _version(evidence.serving)
        columns = [
            ("Metric", lambda m: m.name + (" (lower is better)" if m.lower_is_better else "")),
            ("Candidate", lambda m: _number(m.candidate if m.source == "report" else None)),
        ]
        if evidence.run is not None:
            columns.append(("MLflow run", lambda m: _number(m.run)))
            columns.append(("From", lambda m: m.source))
        columns += [
            (f"Approved {approved}", lambda m: _number(m.approved)),
            ("vs approved", lambda m: m.vs_approved or "-"),
            (f"Serving {serving}", lambda m: _number(m.serving)),
            ("vs serving", lambda m: m.vs_serving or "-"),
        ]
        print_table(evidence.metrics, columns, status_column=None)
    for note in evidence.notes:
        click.echo(f"note: {note}")


HISTORY_COLUMNS = [
    field_col("Time", "time"),
    field_col("Version", "version"),
    field_col("Action", "action"),
    field_col("By", "by"),
    field_col("Comment", "comment"),
    field_col("Source", "source"),
    field_col("Outcome", "outcome"),
]


@command(
    "model-package-history",
    SECTION,
    short_help="Who approved or rejected which version of a group, when and why.",
)
@click.argument("group")
@json_option
@pass_invocation
def package_history(inv: Invocation, group: str, json_output: bool) -> None:
    """GROUP's approval history, newest first: the registry's own fields (latest decision
    and creation of each version) merged with every approval smconsole's audit log holds."""
    entries = inv.console.evidence.history(group)
    emit(
        wants_json(inv, json_output),
        entries,
        columns=HISTORY_COLUMNS,
        empty=f"no history for {group}",
    )
