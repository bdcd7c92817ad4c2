"""training-*: the seed's training job commands."""

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
    warn_image_region,
    yes_option,
)
from console.services.jobs import (
    DEFAULT_JOB_INSTANCE_TYPE,
    TRAINING_STATUSES,
    TrainingJob,
    TrainingSpec,
)
from console.validate import key_values

SECTION = "Training jobs"

JOB_COLUMNS = [
    field_col("Name", "name"),
    field_col("Status", "status"),
    field_col("Secondary", "secondary_status"),
    field_col("Created", "created"),
    field_col("Ended", "ended"),
]


def training_fields(job: TrainingJob) -> list[tuple[str, object]]:
    savings = job.spot_savings
    return [
        ("Name", job.name),
        ("Status", job.status),
        ("Secondary status", job.secondary_status),
        ("Failure reason", job.failure_reason or None),
        ("Created", job.created),
        ("Started", job.started),
        ("Ended", job.ended),
        ("Image", job.image),
        ("Instance", f"{job.instance_count} x {job.instance_type}"),
        ("Spot", f"yes, saved {savings:.0%}" if savings is not None else job.spot),
        ("Training seconds", job.training_seconds),
        ("Billable seconds", job.billable_seconds),
        ("Hyperparameters", job.hyperparameters),
        ("Inputs", [f"{c.name}={c.s3_uri}" for c in job.inputs]),
        ("Output path", job.output_path),
        ("Model artifacts", job.model_artifacts or None),
        ("Final metrics", [f"{m.name}={m.value:g}" for m in job.final_metrics]),
        ("MLflow run", job.mlflow_run_id or None),
        (
            "Timeline",
            [f"{t.status}: {t.message}" if t.message else t.status for t in job.transitions],
        ),
        ("ARN", job.arn),
    ]


@command("training-create", SECTION, short_help="Create a training job.")
@click.argument("name")
@click.argument("image")
@click.argument("s3_in", metavar="S3_IN")
@click.argument("s3_out", metavar="S3_OUT")
@click.option("--role", "role_arn", metavar="ARN", help="Execution role (default: config).")
@click.option("--instance-type", default=DEFAULT_JOB_INSTANCE_TYPE, show_default=True)
@click.option("--instance-count", default=1, show_default=True, type=int)
@click.option("--volume-gb", default=30, show_default=True, type=int)
@click.option("--max-runtime", default=86400, show_default=True, type=int, help="Seconds.")
@click.option("--spot", is_flag=True, help="Managed spot training.")
@click.option("--max-wait", type=int, help="Seconds to wait for spot capacity (>= max runtime).")
@click.option("--checkpoint-s3", metavar="S3_URI", default="", help="Checkpoint location (spot).")
@click.option(
    "--hp",
    "hyperparameters",
    multiple=True,
    metavar="KEY=VALUE",
    help="Hyperparameter (repeatable).",
)
@click.option(
    "--env",
    "environment",
    multiple=True,
    metavar="KEY=VALUE",
    help="Environment variable (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Check and print the projected cost; send nothing.")
@json_option
@pass_invocation
def training_create(
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
    spot: bool,
    max_wait: int | None,
    checkpoint_s3: str,
    hyperparameters: tuple[str, ...],
    environment: tuple[str, ...],
    dry_run: bool,
    json_output: bool,
) -> None:
    spec = TrainingSpec(
        name=name,
        image=image,
        s3_input=s3_in,
        s3_output=s3_out,
        role_arn=inv.execution_role(role_arn),
        instance_type=instance_type,
        instance_count=instance_count,
        volume_gb=volume_gb,
        max_runtime_seconds=max_runtime,
        spot=spot,
        max_wait_seconds=max_wait,
        checkpoint_uri=checkpoint_s3,
        hyperparameters=key_values(hyperparameters, "--hp"),
        environment=key_values(environment, "--env"),
    ).validated()
    warn_image_region(inv, spec.image)
    from console.cli.commands.quotas import preflight

    preflight(inv, "training-create", name, [("training", spec.instance_type, spec.instance_count)])
    from console.cli.cost_check import job_projection

    usd = job_projection(
        inv,
        "training-create",
        name,
        "training",
        spec.instance_type,
        spec.instance_count,
        spec.max_runtime_seconds,
    )
    shown = "?" if usd is None else f"${usd:,.2f}"
    if dry_run:
        click.echo(
            f"dry run: training job {name}: {spec.instance_count} x {spec.instance_type}, "
            f"up to {spec.max_runtime_seconds / 3600:.4g} h, projected cost at most {shown}; "
            "nothing was sent"
        )
        return
    if usd is not None:
        click.echo(f"projected cost at most {shown}", err=True)
    arn = inv.console.jobs.create_training_job(spec)
    report_created(inv, json_output, f"created training job {name}", name=name, arn=arn)


@command("training-list", SECTION, short_help="List training jobs, newest first.")
@list_options(TRAINING_STATUSES)
@pass_invocation
def training_list(
    inv: Invocation,
    status: str | None,
    name_contains: str | None,
    limit: int | None,
    json_output: bool,
) -> None:
    jobs = inv.console.jobs.list_training_jobs(
        status=status, name_contains=name_contains, limit=limit
    )
    emit(wants_json(inv, json_output), jobs, columns=JOB_COLUMNS, empty="no training jobs")


@command("training-describe", SECTION, short_help="Show a training job in detail.")
@click.argument("name")
@json_option
@pass_invocation
def training_describe(inv: Invocation, name: str, json_output: bool) -> None:
    job = inv.console.jobs.describe_training_job(name)
    emit(wants_json(inv, json_output), job, fields=training_fields)


@command("training-stop", SECTION, short_help="Stop a running training job (asks first).")
@click.argument("name")
@yes_option
@pass_invocation
def training_stop(inv: Invocation, name: str, yes: bool) -> None:
    confirm(inv, "training-stop", name, yes=yes, prompt=f"Stop training job {name}?")
    inv.console.jobs.stop_training_job(name)
    click.echo(f"stopping training job {name}")


@command("training-logs", SECTION, short_help="Print a training job's logs (all hosts, merged).")
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
def training_logs(inv: Invocation, name: str, follow: bool, since_minutes: int | None) -> None:
    from console.cli.logs_output import print_job_logs

    print_job_logs(inv, "training", name, follow=follow, since_minutes=since_minutes)
