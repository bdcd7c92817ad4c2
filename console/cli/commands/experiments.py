"""experiment-* and trial-*: the seed's SageMaker Experiments commands."""

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
from console.services.experiments import Experiment, Trial, experiment_name

SECTION = "Experiments and trials"

EXPERIMENT_COLUMNS = [
    field_col("Name", "name"),
    field_col("Created", "created"),
    field_col("Modified", "modified"),
    field_col("ARN", "arn"),
]
TRIAL_COLUMNS = [
    field_col("Name", "name"),
    field_col("Created", "created"),
    field_col("Modified", "modified"),
    field_col("ARN", "arn"),
]


def experiment_fields(data: tuple[Experiment, list[Trial]]) -> list[tuple[str, object]]:
    experiment, trials = data
    return [
        ("Name", experiment.name),
        ("Display name", experiment.display_name),
        ("Description", experiment.description or None),
        ("Created", experiment.created),
        ("Modified", experiment.modified),
        ("Source", experiment.source_arn or None),
        ("Trials", [t.name for t in trials] or None),
        ("ARN", experiment.arn),
    ]


@command("experiment-create", SECTION, short_help="Create an experiment.")
@click.argument("name")
@click.option("--description", default="", help="What the experiment is for.")
@json_option
@pass_invocation
def experiment_create(inv: Invocation, name: str, description: str, json_output: bool) -> None:
    arn = inv.console.experiments.create_experiment(name, description)
    report_created(inv, json_output, f"created experiment {name}", name=name, arn=arn)


@command("experiment-list", SECTION, short_help="List experiments, newest first.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@json_option
@pass_invocation
def experiment_list(inv: Invocation, limit: int | None, json_output: bool) -> None:
    experiments = inv.console.experiments.list_experiments(limit=limit)
    emit(
        wants_json(inv, json_output),
        experiments,
        columns=EXPERIMENT_COLUMNS,
        empty="no experiments",
    )


@command("experiment-describe", SECTION, short_help="Show an experiment and its trials.")
@click.argument("name")
@json_option
@pass_invocation
def experiment_describe(inv: Invocation, name: str, json_output: bool) -> None:
    service = inv.console.experiments
    experiment = service.describe_experiment(name)
    trials = list(service.list_trials(name))
    if wants_json(inv, json_output):
        emit(True, {**experiment.to_dict(), "trials": [t.to_dict() for t in trials]})
    else:
        emit(False, (experiment, trials), fields=experiment_fields)


@command(
    "experiment-delete", SECTION, short_help="Delete an experiment with no trials (asks first)."
)
@click.argument("name")
@yes_option
@pass_invocation
def experiment_delete(inv: Invocation, name: str, yes: bool) -> None:
    experiment_name(name)
    confirm(inv, "experiment-delete", name, yes=yes, prompt=f"Delete experiment {name}?")
    inv.console.experiments.delete_experiment(name)
    click.echo(f"deleted experiment {name}")


@command("trial-create", SECTION, short_help="Create a trial in an experiment.")
@click.argument("name")
@click.argument("experiment")
@json_option
@pass_invocation
def trial_create(inv: Invocation, name: str, experiment: str, json_output: bool) -> None:
    arn = inv.console.experiments.create_trial(name, experiment)
    report_created(
        inv,
        json_output,
        f"created trial {name} in experiment {experiment}",
        name=name,
        experiment=experiment,
        arn=arn,
    )


@command("trial-list", SECTION, short_help="List an experiment's trials, newest first.")
@click.argument("experiment")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@json_option
@pass_invocation
def trial_list(inv: Invocation, experiment: str, limit: int | None, json_output: bool) -> None:
    service = inv.console.experiments
    service.describe_experiment(experiment)  # "not found" rather than an empty table
    trials = service.list_trials(experiment, limit=limit)
    emit(
        wants_json(inv, json_output),
        trials,
        columns=TRIAL_COLUMNS,
        empty=f"no trials in {experiment}",
    )


@command("trial-delete", SECTION, short_help="Delete a trial with no components (asks first).")
@click.argument("name")
@yes_option
@pass_invocation
def trial_delete(inv: Invocation, name: str, yes: bool) -> None:
    experiment_name(name, "trial name")
    confirm(inv, "trial-delete", name, yes=yes, prompt=f"Delete trial {name}?")
    inv.console.experiments.delete_trial(name)
    click.echo(f"deleted trial {name}")
