"""Seed an MLflow store through the real mlflow client (what the MLflow tests read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STEPS = 20
START_MS = 1_760_000_000_000


@dataclass
class MlflowSeed:
    uri: str
    experiment: str = "churn-training"
    experiment_id: str = ""
    empty_experiment: str = "empty-exp"
    runs: list[str] = field(default_factory=list)  # newest last
    jobs: list[str] = field(default_factory=list)  # training job per run
    model: str = "churn-model"
    alias_model: str = "alias-target"


def client(uri: str) -> Any:
    from console.mlflow.quiet import quiet

    with quiet():
        from mlflow.tracking import MlflowClient

        return MlflowClient(tracking_uri=uri, registry_uri=uri)


def seed_store(uri: str, artifacts: Path) -> MlflowSeed:
    """Experiments with runs (params, loss/accuracy curves, job tags), models, aliases."""
    from mlflow.entities import Metric, Param, RunTag

    from console.mlflow.quiet import quiet

    seed = MlflowSeed(uri)
    c = client(uri)
    with quiet():
        seed.experiment_id = c.create_experiment(
            seed.experiment, artifact_location=(artifacts / "churn").as_uri()
        )
        c.create_experiment(seed.empty_experiment, artifact_location=(artifacts / "e").as_uri())
        specs = [
            ("0.1", "6", "alice", "FINISHED", 0.30),
            ("0.1", "6", "alice", "FINISHED", 0.25),
            ("0.05", "8", "bob", "FAILED", 0.40),
            ("0.01", "6", "bob", "FINISHED", 0.20),
        ]
        for index, (lr, depth, user, status, final) in enumerate(specs):
            job = f"train-job-{index}"
            start = START_MS + index * 3_600_000
            run = c.create_run(
                seed.experiment_id,
                start_time=start,
                run_name=f"run-{index}",
                tags={"mlflow.user": user, "sagemaker.training_job": job},
            )
            run_id = run.info.run_id
            metrics = []
            for step in range(STEPS):
                loss = 1.0 - (1.0 - final) * step / (STEPS - 1)
                metrics.append(Metric("loss", loss, start + step * 1000, step))
                metrics.append(Metric("accuracy", 1.0 - loss / 2, start + step * 1000, step))
            c.log_batch(
                run_id,
                metrics=metrics,
                params=[Param("lr", lr), Param("depth", depth), Param("seed", "42")],
                tags=[RunTag("team", "churn")],
            )
            if index == 0:
                c.log_text(run_id, "hello", "notes/readme.txt")
            c.set_terminated(run_id, status, end_time=start + 600_000 + index * 1000)
            seed.runs.append(run_id)
            seed.jobs.append(job)
        for name in (seed.model, seed.alias_model):
            c.create_registered_model(name)
            for run_id in seed.runs[:2]:
                c.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
            c.set_registered_model_alias(name, "champion", "1")
    return seed
