"""transform-*: batch transform jobs, in the original script's argument style."""

from __future__ import annotations

import click

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
    yes_option,
)
from console.services.jobs import DEFAULT_JOB_INSTANCE_TYPE
from console.services.transform import TRANSFORM_STATUSES, TransformJob, TransformSpec
from console.validate import name as valid_name

SECTION = "Batch transform"

TRANSFORM_COLUMNS = [
    field_col("Name", "name"),
    field_col("Status", "status"),
    field_col("Created", "created"),
    field_col("Ended", "ended"),
]


def transform_fields(job: TransformJob) -> list[tuple[str, object]]:
    return [
        ("Name", job.name),
        ("Status", job.status),
        ("Failure reason", job.failure_reason or None),
        ("Model", job.model),
        ("Input", job.input_uri),
        ("Content type", job.input_content_type or None),
        ("Split", job.split_type or None),
        ("Output", job.output_uri),
        ("Assemble with", job.assemble_with or None),
        ("Batch strategy", job.batch_strategy or None),
        ("Max payload (MB)", job.max_payload_mb),
        ("Max concurrent", job.max_concurrent),
        ("Data processing", job.data_processing or None),
        ("Instance", f"{job.instance_count} x {job.instance_type}" if job.instance_type else None),
        ("Created", job.created),
        ("Started", job.started),
        ("Ended", job.ended),
        ("ARN", job.arn),
    ]


@command(
    "transform-create",
    SECTION,
    short_help="Create a batch transform job (default ml.m5.large x 1).",
)
@click.argument("name")
@click.argument("model")
@click.argument("s3_input")
@click.argument("s3_output")
@click.argument("instance_type", default=DEFAULT_JOB_INSTANCE_TYPE, required=False)
@click.argument("instance_count", default=1, type=int, required=False)
@click.option("--content-type", default="", help="The input's MIME type (e.g. text/csv).")
@click.option(
    "--split", "split_type", default="", help="None | Line | RecordIO | TFRecord (per record)."
)
@json_option
@pass_invocation
def transform_create(
    inv: Invocation,
    *,
    name: str,
    model: str,
    s3_input: str,
    s3_output: str,
    instance_type: str,
    instance_count: int,
    content_type: str,
    split_type: str,
    json_output: bool,
) -> None:
    spec = TransformSpec(
        name,
        model,
        s3_input,
        s3_output,
        instance_type=instance_type,
        instance_count=instance_count,
        content_type=content_type,
        split_type=split_type,
    ).validated()
    from console.cli.commands.quotas import preflight

    preflight(
        inv, "transform-create", name, [("transform", spec.instance_type, spec.instance_count)]
    )
    arn = inv.console.transform.create_transform_job(spec)
    report_created(inv, json_output, f"creating transform job {name}", name=name, arn=arn)


@command("transform-list", SECTION, short_help="List batch transform jobs, newest first.")
@list_options(TRANSFORM_STATUSES)
@pass_invocation
def transform_list(
    inv: Invocation,
    *,
    status: str | None,
    name_contains: str | None,
    limit: int | None,
    json_output: bool,
) -> None:
    jobs = inv.console.transform.list_transform_jobs(
        status=status, name_contains=name_contains, limit=limit
    )
    emit(
        wants_json(inv, json_output),
        jobs,
        columns=TRANSFORM_COLUMNS,
        empty="no transform jobs",
    )


@command("transform-describe", SECTION, short_help="Show a batch transform job in detail.")
@click.argument("name")
@json_option
@pass_invocation
def transform_describe(inv: Invocation, name: str, json_output: bool) -> None:
    job = inv.console.transform.describe_transform_job(name)
    emit(wants_json(inv, json_output), job, fields=transform_fields)


@command("transform-stop", SECTION, short_help="Stop a batch transform job (asks first).")
@click.argument("name")
@yes_option
@pass_invocation
def transform_stop(inv: Invocation, name: str, yes: bool) -> None:
    valid_name(name, "transform job name")
    confirm(inv, "transform-stop", name, yes=yes, prompt=f"Stop transform job {name}?")
    inv.console.transform.stop_transform_job(name)
    click.echo(f"stopping transform job {name}")


@command("transform-logs", SECTION, short_help="Print a transform job's logs (all hosts, merged).")
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
def transform_logs(inv: Invocation, name: str, follow: bool, since_minutes: int | None) -> None:
    from console.cli.logs_output import print_job_logs

    print_job_logs(inv, "transform", name, follow=follow, since_minutes=since_minutes)
