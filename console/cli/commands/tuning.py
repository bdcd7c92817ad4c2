"""tuning-create, tuning-stop and the ranked ``tuning-describe`` table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from console.cli.output import field_col, print_fields, print_json, print_table
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    report_created,
    yes_option,
)
from console.services.jobs import TuningJob
from console.services.tuning import TuningDetail
from console.validate import json_object
from console.validate import name as valid_name

TUNING_SECTION = "Tuning jobs"
SPEC_MAX_BYTES = 1 << 20  # a tuning request is a few KB; refuse anything absurd

TRIAL_COLUMNS = [
    field_col("#", "rank"),
    ("Best", lambda t: "*" if t.best else ""),
    field_col("Training job", "name"),
    field_col("Status", "status"),
    field_col("Objective", "objective"),
    field_col("Hyperparameters that differ", "differing"),
]


def tuning_fields(job: TuningJob) -> list[tuple[str, object]]:
    return [
        ("Name", job.name),
        ("Status", job.status),
        ("Strategy", job.strategy),
        ("Objective", job.objective),
        ("Best training job", job.best_training_job or None),
        ("Training jobs", job.counters),
        ("Failure reason", job.failure_reason or None),
        ("Created", job.created),
        ("Ended", job.ended),
        ("ARN", job.arn),
    ]


def print_tuning_detail(inv: Invocation, detail: TuningDetail, as_json: bool) -> None:
    """The job's fields, then its trials best first (JSON: the job's fields plus them)."""
    if as_json:
        data: dict[str, Any] = detail.job.to_dict()
        data.update(
            objective_type=detail.objective_type,
            objective_metric=detail.objective_metric,
            trials=[t.to_dict() for t in detail.trials],
            warm_start_parents=list(detail.warm_start_parents),
            warm_start_type=detail.warm_start_type or None,
        )
        print_json(data)
        return
    fields = tuning_fields(detail.job)
    if detail.warm_start_parents:
        parents = ", ".join(detail.warm_start_parents)
        fields.append(("Warm start", f"{detail.warm_start_type}: {parents}"))
    print_fields(fields)
    click.echo("")
    if detail.trials_unavailable:
        click.echo(f"note: training jobs not listed: {detail.trials_unavailable}", err=True)
        return
    print_table(detail.trials, TRIAL_COLUMNS, empty="no training jobs yet")


@command(
    "tuning-create",
    TUNING_SECTION,
    short_help="Create a tuning job from a JSON spec (CreateHyperParameterTuningJob's shape).",
)
@click.argument("name")
@click.option(
    "--from-json",
    "spec_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The request as JSON (HyperParameterTuningJobConfig, TrainingJobDefinition, …).",
)
@json_option
@pass_invocation
def tuning_create(inv: Invocation, *, name: str, spec_path: Path, json_output: bool) -> None:
    from console.cli.files import read_text_file

    spec = json_object(read_text_file(spec_path, SPEC_MAX_BYTES, "tuning spec"), "tuning spec")
    from console.cli.commands.quotas import preflight

    preflight(inv, "tuning-create", name, tuning_needs(spec))
    arn = inv.console.tuning.create(name, spec)
    report_created(inv, json_output, f"creating tuning job {name}", name=name, arn=arn)


@command("tuning-stop", TUNING_SECTION, short_help="Stop a tuning job and its trials (asks first).")
@click.argument("name")
@yes_option
@pass_invocation
def tuning_stop(inv: Invocation, name: str, yes: bool) -> None:
    valid_name(name, "tuning job name", max_len=32)
    confirm(
        inv, "tuning-stop", name, yes=yes, prompt=f"Stop tuning job {name} (its running trials)?"
    )
    inv.console.jobs.stop_tuning_job(name)
    click.echo(f"stopping tuning job {name}")


def tuning_needs(spec: dict[str, Any]) -> list[tuple[str, str, int]]:
    """Training instances a tuning job runs at once: each trial's instances times
    MaxParallelTrainingJobs."""
    config = spec.get("HyperParameterTuningJobConfig") or {}
    parallel = int((config.get("ResourceLimits") or {}).get("MaxParallelTrainingJobs") or 1)
    resources = (spec.get("TrainingJobDefinition") or {}).get("ResourceConfig") or {}
    if not resources.get("InstanceType"):
        return []
    count = int(resources.get("InstanceCount") or 1)
    return [("training", str(resources["InstanceType"]), count * parallel)]
