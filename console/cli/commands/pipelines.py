"""pipeline-*: SageMaker Pipelines, their executions and steps; start, stop, retry."""

from __future__ import annotations

import click

from console.cli.output import emit, field_col, print_fields, print_json, print_table
from console.cli.root import (
    AwsChoice,
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    wants_json,
    yes_option,
)
from console.services.pipelines import EXECUTION_STATUSES, Execution, ExecutionStep
from console.validate import key_values

SECTION = "Pipelines"

PIPELINE_COLUMNS = [
    field_col("Name", "name"),
    field_col("Created", "created"),
    field_col("Last run", "last_run"),
    field_col("Description", "description"),
]
EXECUTION_COLUMNS = [
    field_col("Status", "status"),
    field_col("Started", "started"),
    field_col("Name", "display_name"),
    field_col("ARN", "arn"),
]


def _duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _job(step: ExecutionStep) -> str:
    return f"{step.job_type} {step.job_name}" if step.job_name else "-"


STEP_COLUMNS = [
    field_col("Step", "name"),
    field_col("Type", "step_type"),
    field_col("Status", "status"),
    field_col("Started", "started"),
    ("Took", lambda s: _duration(s.duration_s)),
    ("Cache", lambda s: "hit" if s.cache_hit else None),
    ("Job", _job),
    field_col("Failure reason", "failure_reason"),
]


def execution_fields(execution: Execution) -> list[tuple[str, object]]:
    failed = execution.failed_step
    return [
        ("Pipeline", execution.pipeline),
        ("Name", execution.display_name or None),
        ("Status", execution.status),
        ("Failure reason", execution.failure_reason or None),
        ("Failed step", f"{failed.name} ({_job(failed)})" if failed else None),
        ("Started", execution.started),
        ("Duration", _duration(execution.duration_s)),
        ("Started by", execution.started_by or None),
        ("Parameters", dict(execution.parameters) or None),
        ("ARN", execution.arn),
    ]


@command("pipeline-list", SECTION, short_help="List pipelines, newest first.")
@click.option("--name-contains", metavar="TEXT")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@json_option
@pass_invocation
def pipeline_list(
    inv: Invocation, *, name_contains: str | None, limit: int | None, json_output: bool
) -> None:
    pipelines = inv.console.pipelines.list_pipelines(name_contains=name_contains, limit=limit)
    emit(wants_json(inv, json_output), pipelines, columns=PIPELINE_COLUMNS, empty="no pipelines")


@command(
    "pipeline-execution-list", SECTION, short_help="List a pipeline's executions, newest first."
)
@click.argument("pipeline")
@click.option("--status", type=AwsChoice(EXECUTION_STATUSES))
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@json_option
@pass_invocation
def pipeline_execution_list(
    inv: Invocation, *, pipeline: str, status: str | None, limit: int | None, json_output: bool
) -> None:
    executions = inv.console.pipelines.list_executions(pipeline, status=status, limit=limit)
    emit(
        wants_json(inv, json_output),
        executions,
        columns=EXECUTION_COLUMNS,
        empty=f"no executions of {pipeline}",
    )


@command(
    "pipeline-execution-describe",
    SECTION,
    short_help="Show an execution: parameters and steps with the jobs they ran.",
)
@click.argument("arn")
@json_option
@pass_invocation
def pipeline_execution_describe(inv: Invocation, arn: str, json_output: bool) -> None:
    execution = inv.console.pipelines.describe_execution(arn)
    if wants_json(inv, json_output):
        print_json(execution)
        return
    print_fields(execution_fields(execution))
    click.echo("")
    print_table(execution.steps, STEP_COLUMNS, empty="no steps yet")


@command(
    "pipeline-parameters",
    SECTION,
    short_help="The parameters a pipeline declares, with their defaults.",
)
@click.argument("pipeline")
@json_option
@pass_invocation
def pipeline_parameters(inv: Invocation, pipeline: str, json_output: bool) -> None:
    declared = inv.console.pipelines.parameters(pipeline)
    emit(
        wants_json(inv, json_output),
        declared,
        columns=[field_col("Name", "name"), field_col("Type", "type"), ("Default", _default)],
        empty=f"{pipeline} declares no parameters",
    )


def _default(parameter: object) -> object:
    return getattr(parameter, "default", None)


@command(
    "pipeline-execution-start",
    SECTION,
    short_help="Start a pipeline execution (--param NAME=VALUE, asks first).",
)
@click.argument("pipeline")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE")
@yes_option
@json_option
@pass_invocation
def pipeline_execution_start(
    inv: Invocation, *, pipeline: str, params: tuple[str, ...], yes: bool, json_output: bool
) -> None:
    given = key_values(params, "--param")
    # Checked before asking: an unknown parameter is refused with the declared ones.
    from console.services.pipelines import check_parameters

    check_parameters(given, inv.console.pipelines.parameters(pipeline), pipeline)
    shown = " ".join(f"{k}={v}" for k, v in given.items()) or "default parameters"
    confirm(
        inv, "pipeline-execution-start", pipeline, yes=yes, prompt=f"Start {pipeline} ({shown})?"
    )
    arn = inv.console.pipelines.start_execution(pipeline, given)
    if wants_json(inv, json_output):
        print_json({"pipeline": pipeline, "arn": arn})
    else:
        click.echo(f"started {pipeline}: {arn}")


@command("pipeline-execution-stop", SECTION, short_help="Stop a running execution (asks first).")
@click.argument("arn")
@yes_option
@pass_invocation
def pipeline_execution_stop(inv: Invocation, arn: str, yes: bool) -> None:
    confirm(inv, "pipeline-execution-stop", arn, yes=yes, prompt=f"Stop execution {arn}?")
    inv.console.pipelines.stop_execution(arn)
    click.echo(f"stopping {arn}")


@command(
    "pipeline-execution-retry",
    SECTION,
    short_help="Retry a failed execution from its failed steps (asks first).",
)
@click.argument("arn")
@yes_option
@pass_invocation
def pipeline_execution_retry(inv: Invocation, arn: str, yes: bool) -> None:
    confirm(inv, "pipeline-execution-retry", arn, yes=yes, prompt=f"Retry execution {arn}?")
    inv.console.pipelines.retry_execution(arn)
    click.echo(f"retrying {arn}")
