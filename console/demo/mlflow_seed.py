"""A local MLflow store for the demo: experiments, runs with loss curves, a registered model.

Runs on the demo stack's background thread: ``mlflow`` costs ~2 s to import and a new
sqlite store ~3-5 s to migrate, so it is imported here, inside the function, and only
after the SageMaker side is already usable. Runs carry the tag
``sagemaker.training_job`` with the demo training job they belong to, which is what the
console's lineage view follows (training job -> MLflow run -> model package).

It must never print into the operator's terminal (the TUI owns it): mlflow's and
alembic's loggers are turned down to errors and its warnings are filtered.
"""

from __future__ import annotations

import logging
import os
import random
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.demo.seed import FAMILIES, RunSeed
from console.mlflow.loading import mlflow_imports

STEPS = 50
RUNS_PER_EXPERIMENT = 5
REGISTERED_MODELS = {"xgb": "churn-xgb", "llama": "llama3-chat"}
_QUIET_LOGGERS = ("mlflow", "alembic", "mlflow.tracking.request_header.registry", "sqlalchemy")


@dataclass
class MlflowSeedResult:
    """What was created; ``links`` maps training job name -> (experiment id, run id)."""

    experiments: dict[str, str] = field(default_factory=dict)
    links: dict[str, tuple[str, str]] = field(default_factory=dict)
    registered_models: list[str] = field(default_factory=list)


def silence_mlflow() -> None:
    """Keep mlflow's INFO lines ("Creating initial MLflow database tables...") off screen."""
    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)  # failures reach the stack as mlflow_error
        logger.propagate = False
    warnings.filterwarnings("ignore", module=r"mlflow(\..*)?$")
    warnings.filterwarnings("ignore", module=r"alembic(\..*)?$")


def seed_mlflow(
    tracking_uri: str,
    artifact_root: Path,
    runs: Sequence[RunSeed],
    *,
    seed: int = 5,
    should_stop: Callable[[], bool] = lambda: False,
    packaged_jobs: Collection[str] = (),
) -> MlflowSeedResult:
    """Fill the store at ``tracking_uri`` (a ``sqlite:///`` URI, passed explicitly).

    ``packaged_jobs``: training jobs a SageMaker model package was made from; their runs
    are always logged (and registered), so run -> package lineage has something to find.
    """
    silence_mlflow()
    with mlflow_imports():
        from mlflow.entities import Metric, Param, RunTag
        from mlflow.tracking import MlflowClient

        silence_mlflow()  # again: importing mlflow configures its own logger
        client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    undo = _fast_sqlite(tracking_uri)
    try:
        return _seed(
            client,
            artifact_root,
            runs,
            random.Random(seed),
            should_stop,
            (Metric, Param, RunTag),
            frozenset(packaged_jobs),
        )
    finally:
        undo()


def _fast_sqlite(tracking_uri: str) -> Callable[[], None]:
    """Skip fsync on the demo's throwaway store: migrations and inserts run ~30% faster.

    A connect hook on every SQLAlchemy engine, acting only on connections to this one
    file; it is removed once seeding is done.
    """
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    target = os.path.realpath(tracking_uri.removeprefix("sqlite:///"))

    def on_connect(dbapi_connection: object, _record: object) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        cursor = dbapi_connection.cursor()
        try:
            row = cursor.execute("PRAGMA database_list").fetchone()
            if row and row[2] and os.path.realpath(row[2]) == target:
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA journal_mode=MEMORY")
        finally:
            cursor.close()

    event.listen(Engine, "connect", on_connect)
    return lambda: event.remove(Engine, "connect", on_connect)


def _seed(
    client: Any,
    artifact_root: Path,
    runs: Sequence[RunSeed],
    rng: random.Random,
    should_stop: Callable[[], bool],
    entities: tuple[type, type, type],
    packaged: frozenset[str] = frozenset(),
) -> MlflowSeedResult:
    metric_type, param_type, tag_type = entities
    result = MlflowSeedResult()
    by_experiment: dict[str, list[RunSeed]] = {}
    for run in runs:
        experiment = FAMILIES[run.family].experiment
        if experiment:
            by_experiment.setdefault(experiment, []).append(run)
    for experiment in by_experiment:
        location = (artifact_root / experiment).as_uri()
        result.experiments[experiment] = client.create_experiment(
            experiment,
            artifact_location=location,
            tags={"team": "ml-platform", "source": "smconsole-demo"},
        )
    for experiment, members in by_experiment.items():
        experiment_id = result.experiments[experiment]
        # The newest few, plus every run a package was made from and every running job
        # (an operator's first jump is from a running job to its run).
        ordered = sorted(members, key=lambda r: r.start_ms)
        latest = ordered[-RUNS_PER_EXPERIMENT:]
        wanted = [r for r in ordered if r.job in packaged or r.status == "RUNNING"]
        chosen = [r for r in wanted if r not in latest] + latest
        for run in chosen:
            if should_stop():
                return result
            run_id = _log_run(client, experiment_id, run, rng, metric_type, param_type, tag_type)
            result.links[run.job] = (experiment_id, run_id)
    for family, model in REGISTERED_MODELS.items():
        finished = [
            r
            for r in runs
            if r.family == family and r.status == "FINISHED" and r.job in result.links
        ]
        if not finished:
            continue
        client.create_registered_model(
            model, description=f"{model}: registered from demo training runs"
        )
        versions: list[tuple[float, str]] = []
        objective = FAMILIES[family].metrics[1].name
        picked = [r for r in finished if r.job in packaged]
        picked += [r for r in finished[-3:] if r not in picked]
        for run in sorted(picked, key=lambda r: r.start_ms):
            run_id = result.links[run.job][1]
            version = client.create_model_version(
                model,
                source=f"runs:/{run_id}/model",
                run_id=run_id,
                tags={"sagemaker.training_job": run.job},
                description=f"from {run.job}",
            )
            versions.append((run.finals.get(objective, 0.0), str(version.version)))
        score = (lambda v: -v[0]) if "loss" in objective else (lambda v: v[0])
        best = max(versions, key=score)
        client.set_registered_model_alias(model, "champion", best[1])
        newest = versions[-1][1]
        if newest != best[1]:
            client.set_registered_model_alias(model, "challenger", newest)
        result.registered_models.append(model)
    return result


def _log_run(
    client: Any,
    experiment_id: str,
    run: RunSeed,
    rng: random.Random,
    metric_type: type,
    param_type: type,
    tag_type: type,
) -> str:
    """One run: params, a ~50-point curve per metric, tags tying it to its training job."""
    mlflow: Any = client
    created = mlflow.create_run(
        experiment_id,
        start_time=run.start_ms,
        run_name=run.job,
        tags={
            "sagemaker.training_job": run.job,
            "mlflow.user": "ml-platform",
            "mlflow.source.name": "train.py",
            "mlflow.source.type": "JOB",
        },
    )
    run_id: str = created.info.run_id
    family = FAMILIES[run.family]
    end = run.end_ms or run.start_ms + 3_600_000
    steps = max(2, int(STEPS * run.progress))
    metrics = []
    for spec in family.metrics:
        final = run.finals.get(spec.name, spec.final[0])
        spread = abs(spec.start - final) * 0.02
        for step in range(steps):
            fraction = step / (STEPS - 1)
            value = spec.value(fraction, final, rng.uniform(-spread, spread))
            at = run.start_ms + (end - run.start_ms) * step // steps
            metrics.append(metric_type(spec.name, value, at, step))
    params = [param_type(k, v) for k, v in run.params.items()]
    tags = [tag_type("instance_type", family.instance_type)]
    for start in range(0, len(metrics), 900):  # log_batch takes at most 1000 entries
        mlflow.log_batch(
            run_id,
            metrics=metrics[start : start + 900],
            params=params if start == 0 else [],
            tags=tags if start == 0 else [],
        )
    if run.status != "RUNNING":
        mlflow.set_terminated(run_id, run.status, end_time=end)
    return run_id
