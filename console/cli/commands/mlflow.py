"""mlflow-*: MLflow experiments, runs, metric history, registry aliases, tracking servers.

The tracking URI is ``mlflow_tracking_uri`` / ``MLFLOW_TRACKING_URI`` (http(s), sqlite or a
SageMaker tracking server ARN). ``mlflow-runs --csv`` streams every run of an experiment,
page by page: the export operators ask for when the MLflow web UI gives up at ~1,000 runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import click

from console.cli.output import Column, emit, field_col, print_json, print_table
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    wants_json,
    yes_option,
)
from console.errors import ValidationError
from console.mlflow import columns as cols
from console.mlflow.records import MlflowRun, ModelVersion, RunLineage, TrackingServer

SECTION = "MLflow"

EXPERIMENT_COLUMNS: list[Column] = [
    field_col("ID", "experiment_id"),
    field_col("Name", "name"),
    ("Runs", lambda e: e.runs_label),
    field_col("Last update", "last_update"),
]
MODEL_COLUMNS: list[Column] = [
    field_col("Name", "name"),
    field_col("Latest", "latest_version"),
    ("Aliases", lambda m: ", ".join(f"{a}->{v}" for a, v in m.aliases.items()) or None),
    field_col("Updated", "updated"),
    field_col("Description", "description"),
]
VERSION_COLUMNS: list[Column] = [
    field_col("Version", "version"),
    field_col("Status", "status"),
    ("Aliases", lambda v: ", ".join(v.aliases) or None),
    field_col("Run", "run_id"),
    field_col("Source", "source"),
    field_col("Created", "created"),
    ("Stage (deprecated)", lambda v: v.stage if v.stage not in {"", "None"} else None),
]
SERVER_COLUMNS: list[Column] = [
    field_col("Name", "name"),
    field_col("Status", "status"),
    field_col("Size", "size"),
    field_col("MLflow", "mlflow_version"),
    field_col("Created", "created"),
    field_col("ARN", "arn"),
]


def _getter(name: str) -> Callable[[MlflowRun], object]:
    return lambda run: cols.value(run, name)


def _table_columns(names: Sequence[str]) -> list[Column]:
    return [(name, _getter(name)) for name in names]


def _run_columns(
    inv: Invocation, experiment_id: str, runs: Sequence[MlflowRun], spec: str | None, export: bool
) -> tuple[str, ...]:
    """--columns, else the columns picked in the TUI for this experiment, else defaults
    (for an export: every param and metric; for the screen: a few metrics)."""
    if spec:
        return cols.parse_columns(spec)
    saved = inv.config.mlflow_columns.get(experiment_id)
    if saved:
        return cols.parse_columns(saved)
    if export:
        params = [f"params.{k}" for k in cols.keys_of(runs, "params")]
        metrics = [f"metrics.{k}" for k in cols.keys_of(runs, "metrics")]
        return (*cols.DEFAULT_ATTRIBUTES, "end", *params, *metrics)
    return cols.default_columns(runs, max_metrics=cols.MAX_DEFAULT_METRICS)


@command("mlflow-experiments", SECTION, short_help="List MLflow experiments (with run counts).")
@click.option("--name-contains", metavar="TEXT")
@click.option("--no-counts", is_flag=True, help="Skip counting runs (one call per experiment).")
@json_option
@pass_invocation
def mlflow_experiments(
    inv: Invocation, name_contains: str | None, no_counts: bool, json_output: bool
) -> None:
    experiments = inv.console.mlflow.list_experiments(
        name_contains=name_contains, with_counts=not no_counts
    )
    emit(
        wants_json(inv, json_output),
        experiments,
        columns=EXPERIMENT_COLUMNS,
        empty="no MLflow experiments",
    )


@command("mlflow-runs", SECTION, short_help="List or export an experiment's runs (CSV/JSON).")
@click.argument("experiment")
@click.option("--filter", "filter_string", default="", metavar="EXPR", help="MLflow search syntax.")
@click.option(
    "--columns",
    "column_spec",
    metavar="COLS",
    help="e.g. status,start,params.lr,metrics.loss (default: the TUI's pick, or all).",
)
@click.option(
    "--sort", "sort_column", metavar="COLUMN", help="Sort by a column, e.g. metrics.loss."
)
@click.option("--desc", is_flag=True, help="Sort descending.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout (header row first).")
@json_option
@pass_invocation
def mlflow_runs(
    inv: Invocation,
    experiment: str,
    filter_string: str,
    column_spec: str | None,
    sort_column: str | None,
    desc: bool,
    limit: int | None,
    as_csv: bool,
    json_output: bool,
) -> None:
    as_json = wants_json(inv, json_output)
    if as_csv and as_json:
        raise ValidationError("choose one of --csv and --json")
    sort_key = cols.parse_columns(sort_column)[0] if sort_column else None
    service = inv.console.mlflow
    found = service.get_experiment(experiment)
    runs = service.list_runs(found.experiment_id, filter_string=filter_string, limit=limit)
    if sort_key:
        runs = cols.sort_runs(runs, sort_key, descending=desc)
    names = _run_columns(inv, found.experiment_id, runs, column_spec, as_csv or as_json)
    if as_csv:
        cols.write_csv(runs, names, sys.stdout)
    elif as_json:
        print_json(cols.json_rows(runs, names))
    else:
        print_table(runs, _table_columns(names), status_column="status", empty="no runs")


def _run_fields(data: tuple[MlflowRun, RunLineage | None]) -> list[tuple[str, object]]:
    run, lineage = data
    pairs: list[tuple[str, object]] = [
        ("Run", run.run_id),
        ("Name", run.name),
        ("Status", run.status),
        ("Experiment", run.experiment_id),
        ("User", run.user),
        ("Start", run.start),
        ("End", run.end),
        ("Duration (s)", run.duration_seconds),
        ("Training job", run.training_job or None),
        ("Artifacts", run.artifact_uri),
    ]
    pairs += [(f"params.{k}", v) for k, v in sorted(run.params.items())]
    pairs += [(f"metrics.{k}", v) for k, v in sorted(run.metrics.items())]
    pairs += [(f"tags.{k}", v) for k, v in sorted(run.tags.items())]
    if lineage is not None:
        pairs.append(
            ("Model versions", [f"{v.name}/{v.version}" for v in lineage.model_versions] or None)
        )
        pairs.append(
            (
                "SageMaker packages",
                [f"{p.arn} ({p.approval_status}; {p.reason})" for p in lineage.packages] or None,
            )
        )
    return pairs


@command("mlflow-run", SECTION, short_help="Show one run: params, metrics, tags, lineage.")
@click.argument("run_id")
@click.option("--lineage", is_flag=True, help="Also the model versions and packages made from it.")
@json_option
@pass_invocation
def mlflow_run(inv: Invocation, run_id: str, lineage: bool, json_output: bool) -> None:
    service = inv.console.mlflow
    run = service.get_run(run_id)
    links = service.lineage(run.run_id) if lineage else None
    if wants_json(inv, json_output):
        print_json({"run": run, "lineage": links})
    else:
        emit(False, (run, links), fields=_run_fields)


@command("mlflow-metric", SECTION, short_help="A run's metric history (table, CSV or JSON).")
@click.argument("run_id")
@click.argument("key")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout: step,value,timestamp.")
@json_option
@pass_invocation
def mlflow_metric(inv: Invocation, run_id: str, key: str, as_csv: bool, json_output: bool) -> None:
    history = inv.console.mlflow.metric_history(run_id, key)
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["step", "value", "timestamp"])
        for point in history:
            writer.writerow([point.step, repr(point.value), cols.text(point.timestamp)])
        return
    emit(
        wants_json(inv, json_output),
        history,
        columns=[
            field_col("Step", "step"),
            ("Value", lambda p: f"{p.value:.6g}"),
            field_col("Time", "timestamp"),
        ],
        empty="no values",
    )


@command("mlflow-models", SECTION, short_help="Registered models, or one model's versions.")
@click.argument("model", required=False)
@click.option("--name-contains", metavar="TEXT")
@json_option
@pass_invocation
def mlflow_models(
    inv: Invocation, model: str | None, name_contains: str | None, json_output: bool
) -> None:
    service = inv.console.mlflow
    if model:
        versions: list[ModelVersion] = service.list_model_versions(model)
        if not versions:
            service.get_registered_model(model)  # "not found" rather than an empty list
        emit(wants_json(inv, json_output), versions, columns=VERSION_COLUMNS, empty="no versions")
        return
    emit(
        wants_json(inv, json_output),
        service.list_registered_models(name_contains=name_contains),
        columns=MODEL_COLUMNS,
        empty="no registered models",
    )


@command("mlflow-alias", SECTION, short_help="Set or move a model alias (asks first).")
@click.argument("model")
@click.argument("alias")
@click.argument("version")
@yes_option
@pass_invocation
def mlflow_alias(inv: Invocation, model: str, alias: str, version: str, yes: bool) -> None:
    from console.mlflow.service import alias_name, model_name, version_number

    model, alias, version = model_name(model), alias_name(alias), version_number(version)
    confirm(
        inv,
        "mlflow-alias",
        f"{model}@{alias}",
        yes=yes,
        prompt=f"Point alias {alias!r} of {model} at version {version}?",
    )
    previous = inv.console.mlflow.set_alias(model, alias, version)
    if previous and previous != version:
        click.echo(f"moved {model}@{alias} from version {previous} to {version}")
    else:
        click.echo(f"{model}@{alias} -> version {version}")


def _server_fields(server: TrackingServer) -> list[tuple[str, object]]:
    return [
        ("Name", server.name),
        ("Status", server.status),
        ("Active", server.is_active or None),
        ("Size", server.size or None),
        ("MLflow", server.mlflow_version or None),
        ("URL", server.url or None),
        ("Artifact store", server.artifact_store_uri or None),
        ("Auto model registration", server.automatic_model_registration),
        ("Created", server.created),
        ("Modified", server.modified),
        ("ARN", server.arn),
    ]


@command("mlflow-servers", SECTION, short_help="SageMaker managed MLflow tracking servers.")
@click.argument("name", required=False)
@json_option
@pass_invocation
def mlflow_servers(inv: Invocation, name: str | None, json_output: bool) -> None:
    servers = inv.console.mlflow_servers
    if name:
        emit(wants_json(inv, json_output), servers.describe_server(name), fields=_server_fields)
        return
    emit(
        wants_json(inv, json_output),
        servers.list_servers(),
        columns=SERVER_COLUMNS,
        empty="no MLflow tracking servers",
    )


@command("mlflow-server-start", SECTION, short_help="Start a managed tracking server (asks).")
@click.argument("name")
@yes_option
@pass_invocation
def mlflow_server_start(inv: Invocation, name: str, yes: bool) -> None:
    from console.services.mlflow_servers import server_name

    confirm(
        inv,
        "mlflow-server-start",
        server_name(name),
        yes=yes,
        prompt=f"Start MLflow tracking server {name}? (it is billed while running)",
    )
    inv.console.mlflow_servers.start_server(name)
    click.echo(f"starting MLflow tracking server {name}")


@command("mlflow-server-stop", SECTION, short_help="Stop a managed tracking server (asks).")
@click.argument("name")
@yes_option
@pass_invocation
def mlflow_server_stop(inv: Invocation, name: str, yes: bool) -> None:
    from console.services.mlflow_servers import server_name

    confirm(
        inv,
        "mlflow-server-stop",
        server_name(name),
        yes=yes,
        prompt=f"Stop MLflow tracking server {name}? (runs logging to it will fail)",
    )
    inv.console.mlflow_servers.stop_server(name)
    click.echo(f"stopping MLflow tracking server {name}")


@command("mlflow-server-url", SECTION, short_help="A presigned URL to a server's MLflow UI.")
@click.argument("name")
@click.option(
    "--expires",
    type=click.IntRange(5, 300),
    default=300,
    show_default=True,
    help="Seconds the URL stays valid.",
)
@json_option
@pass_invocation
def mlflow_server_url(inv: Invocation, name: str, expires: int, json_output: bool) -> None:
    url = inv.console.mlflow_servers.presigned_url(name, expires_seconds=expires)
    if wants_json(inv, json_output):
        print_json({"name": name, "url": url})
    else:
        click.echo(url)
