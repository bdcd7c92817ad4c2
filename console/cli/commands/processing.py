"""processing-* and tuning-*: the seed's processing and tuning job commands."""

from __future__ import annotations

import shlex

import click

from console.cli.output import emit, field_col
from console.cli.root import (
    AwsChoice,
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
from console.services.jobs import (
    DEFAULT_JOB_INSTANCE_TYPE,
    PROCESSING_STATUSES,
    TUNING_STATUSES,
    ProcessingJob,
    ProcessingSpec,
)
from console.validate import key_values

SECTION = "Processing jobs"
TUNING_SECTION = "Tuning jobs"

JOB_COLUMNS = [
    field_col("Name", "name"),
    field_col("Status", "status"),
    field_col("Created", "created"),
    field_col("Ended", "ended"),
]


def processing_fields(job: ProcessingJob) -> list[tuple[str, object]]:
    return [
        ("Name", job.name),
        ("Status", job.status),
        ("Failure reason", job.failure_reason or None),
        ("Exit message", job.exit_message or None),
        ("Created", job.created),
        ("Started", job.started),
        ("Ended", job.ended),
        ("Image", job.image),
        ("Instance", f"{job.instance_count} x {job.instance_type}" if job.instance_type else None),
        ("Volume (GB)", job.volume_gb or None),
        ("Max runtime (s)", job.max_runtime_seconds),
        ("Inputs", [f"{c.name}={c.s3_uri}" for c in job.inputs]),
        ("Outputs", [f"{c.name}={c.s3_uri}" for c in job.outputs]),
        ("Environment", sorted(job.environment)),
        ("Role", job.role_arn),
        ("ARN", job.arn),
    ]


def _entrypoint(text: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:
        raise ValidationError(f"--entrypoint {text!r} cannot be parsed: {exc}") from None


@command("processing-create", SECTION, short_help="Create a processing job.")
@click.argument("name")
@click.argument("image")
@click.argument("s3_in", metavar="S3_IN")
@click.argument("s3_out", metavar="S3_OUT")
@click.option("--role", "role_arn", metavar="ARN", help="Execution role (default: config).")
@click.option("--instance-type", default=DEFAULT_JOB_INSTANCE_TYPE, show_default=True)
@click.option("--instance-count", default=1, show_default=True, type=int)
@click.option("--volume-gb", default=30, show_default=True, type=int)
@click.option("--max-runtime", default=86400, show_default=True, type=int, help="Seconds.")
@click.option(
    "--entrypoint", default="", metavar="CMD", help="Container entrypoint, e.g. 'python3 run.py'."
)
@click.option(
    "--env",
    "environment",
    multiple=True,
    metavar="KEY=VALUE",
    help="Environment variable (repeatable).",
)
@json_option
@pass_invocation
def processing_create(
    inv: Invocation,
    name: str,
    image: str,
    s3_in: str,
    s3_out: str,
    role_arn: str | None,
    instance_type: str,
    instance_count: int,
    volume_gb: int,
    max_runtime: int,
    entrypoint: str,
    environment: tuple[str, ...],
    json_output: bool,
) -> None:
    spec = ProcessingSpec(
        name=name,
        image=image,
        s3_input=s3_in,
        s3_output=s3_out,
        role_arn=inv.execution_role(role_arn),
        instance_type=instance_type,
        instance_count=instance_count,
        volume_gb=volume_gb,
        max_runtime_seconds=max_runtime,
        environment=key_values(environment, "--env"),
        entrypoint=_entrypoint(entrypoint) if entrypoint else (),
    ).validated()
    warn_image_region(inv, spec.image)
    arn = inv.console.jobs.create_processing_job(spec)
    report_created(inv, json_output, f"created processing job {name}", name=name, arn=arn)


@command("processing-list", SECTION, short_help="List processing jobs, newest first.")
@list_options(PROCESSING_STATUSES)
@pass_invocation
def processing_list(
    inv: Invocation,
    status: str | None,
    name_contains: str | None,
    limit: int | None,
    json_output: bool,
) -> None:
    jobs = inv.console.jobs.list_processing_jobs(
        status=status, name_contains=name_contains, limit=limit
    )
    emit(wants_json(inv, json_output), jobs, columns=JOB_COLUMNS, empty="no processing jobs")


@command("processing-describe", SECTION, short_help="Show a processing job in detail.")
@click.argument("name")
@json_option
@pass_invocation
def processing_describe(inv: Invocation, name: str, json_output: bool) -> None:
    job = inv.console.jobs.describe_processing_job(name)
    emit(wants_json(inv, json_output), job, fields=processing_fields)


@command("processing-stop", SECTION, short_help="Stop a running processing job (asks first).")
@click.argument("name")
@yes_option
@pass_invocation
def processing_stop(inv: Invocation, name: str, yes: bool) -> None:
    confirm(inv, "processing-stop", name, yes=yes, prompt=f"Stop processing job {name}?")
    inv.console.jobs.stop_processing_job(name)
    click.echo(f"stopping processing job {name}")


@command(
    "processing-logs", SECTION, short_help="Print a processing job's logs (all hosts, merged)."
)
@click.argument("name")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until the job ends.")
@click.option(
    "--since",
    "since_minutes",
    type=click.IntRange(min=1),
    default=None,
    help="Only the last N minutes.",
)
@pass_invocation
def processing_logs(inv: Invocation, name: str, follow: bool, since_minutes: int | None) -> None:
    from console.cli.logs_output import print_job_logs

    print_job_logs(inv, "processing", name, follow=follow, since_minutes=since_minutes)


@command("tuning-list", TUNING_SECTION, short_help="List hyperparameter tuning jobs.")
@click.option("--status", type=AwsChoice(TUNING_STATUSES))
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@json_option
@pass_invocation
def tuning_list(inv: Invocation, status: str | None, limit: int | None, json_output: bool) -> None:
    jobs = inv.console.jobs.list_tuning_jobs(status=status, limit=limit)
    emit(wants_json(inv, json_output), jobs, columns=JOB_COLUMNS, empty="no tuning jobs")


@command(
    "tuning-describe",
    TUNING_SECTION,
    short_help="Show a tuning job with its training jobs ranked by the objective.",
)
@click.argument("name")
@json_option
@pass_invocation
def tuning_describe(inv: Invocation, name: str, json_output: bool) -> None:
    from console.cli.commands.tuning import print_tuning_detail

    print_tuning_detail(inv, inv.console.tuning.detail(name), wants_json(inv, json_output))
