"""Evidence from MLflow run metrics: a package linked to its run (CustomerMetadataProperties
run id, or its training job -> the run tagged with it) shows the run's final metrics beside
the report, compared run against run where the report lacks a metric; nothing when MLflow
is not configured; one line when MLflow cannot be reached.

Real moto server for the registry, the real seeded ``mlflow server`` for the runs (its
runs: run-0 final loss 0.30 / accuracy 0.85, run-3 final loss 0.20 / accuracy 0.90, run-3
tagged with training job train-job-3).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from console.services.run_evidence import job_from_model_data
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.helpers import context
from tests.support.mlflow_seed import MlflowSeed
from tests.support.registry import add_version


@pytest.mark.parametrize(
    ("url", "job"),
    [
        ("s3://out/models/train-job-3/output/model.tar.gz", "train-job-3"),
        ("s3://out/train-job-3/output/model.tar.gz", "train-job-3"),
        ("s3://models/churn/v1.tgz", ""),
        ("s3://out/output/model.tar.gz", ""),  # the bucket is not a job
        ("s3://out/a_b/output/model.tar.gz", ""),  # not a job name
    ],
)
def test_job_from_model_data(url: str, job: str) -> None:
    assert job_from_model_data(url) == job


def seed_linked(aws: Any, seed: MlflowSeed) -> dict[str, str]:
    """v1 Approved (run-0 by run id), v2 pending (run-3 through its training job)."""
    aws.client("s3").create_bucket(Bucket="reports")
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="churn")
    return {
        "v1": add_version(
            aws, "churn", 1, "Approved", {"auc": 0.90}, {"mlflow_run_id": seed.runs[0]}
        ),
        "v2": add_version(
            aws,
            "churn",
            2,
            "PendingManualApproval",
            {"auc": 0.93},
            {"training_job": seed.jobs[3]},
        ),
    }


def rows(evidence: Any) -> dict[str, tuple[Any, ...]]:
    return {
        m.name: (m.source, m.candidate, m.run, m.approved, m.vs_approved) for m in evidence.metrics
    }


def test_run_metrics_beside_the_report(aws: Any, mlflow_env: MlflowSeed) -> None:
    arns = seed_linked(aws, mlflow_env)
    evidence = context().evidence.evidence(arns["v2"])
    assert evidence.run is not None
    assert evidence.run.run_id == mlflow_env.runs[3]
    assert evidence.run.found_by == "training job train-job-3"
    got = rows(evidence)
    assert got["auc"] == ("report", 0.93, None, 0.90, "better")
    assert got["loss"][:2] == ("run", pytest.approx(0.20))
    assert got["loss"][2:4] == (pytest.approx(0.20), pytest.approx(0.30))
    assert got["loss"][4] == "better"  # lower is better
    assert got["accuracy"][4] == "better"  # 0.90 vs 0.85
    assert not any("MLflow" in note for note in evidence.notes)


def test_cli_describe_shows_the_run(aws: Any, mlflow_env: MlflowSeed, run_cli: Any) -> None:
    arns = seed_linked(aws, mlflow_env)
    result = run_cli("model-package-describe", arns["v2"])
    assert result.exit_code == 0, result.stderr
    assert f"run-3 ({mlflow_env.runs[3]}, by training job train-job-3)" in result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("loss"))
    assert "run" in line.split() and "better" in line.split()
    data = run_cli("model-package-describe", arns["v2"], "--json").json()
    assert data["run"]["run_id"] == mlflow_env.runs[3]


def test_without_mlflow_nothing_changes(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    seed = MlflowSeed("unused", runs=["0" * 32] * 4, jobs=[f"train-job-{i}" for i in range(4)])
    arns = seed_linked(aws, seed)
    evidence = context().evidence.evidence(arns["v2"])
    assert evidence.run is None
    assert [m.name for m in evidence.metrics] == ["auc"]
    assert not any("MLflow" in note for note in evidence.notes)


@pytest.fixture
def refused(mlflow_env: MlflowSeed, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    proxy = FaultProxy(mlflow_env.uri).start()
    proxy.add(Fault("refuse", "mlflow"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", proxy.url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    yield proxy
    proxy.stop()


def test_unreachable_mlflow_is_one_note(
    aws: Any, mlflow_env: MlflowSeed, refused: FaultProxy
) -> None:
    arns = seed_linked(aws, mlflow_env)
    evidence = context().evidence.evidence(arns["v2"])
    assert evidence.run is None
    assert [m.name for m in evidence.metrics] == ["auc"]  # the report is still there
    notes = [n for n in evidence.notes if "MLflow" in n]
    assert len(notes) == 1
    assert notes[0].startswith(
        f"MLflow run metrics unavailable: could not connect to {refused.url}"
    )


def test_a_package_naming_no_valid_job_has_no_run(aws: Any, mlflow_env: MlflowSeed) -> None:
    """Metadata that is not a job name is not a reason to give up on MLflow for the rest."""
    arns = seed_linked(aws, mlflow_env)
    odd = add_version(
        aws, "churn", 3, "PendingManualApproval", {"auc": 0.91}, {"training_job": "not a job!"}
    )
    ctx = context()
    evidence = ctx.evidence.evidence(odd)
    assert evidence.run is None
    assert not any("MLflow" in note for note in evidence.notes)
    # ... and the approved version's run still counts in the same lookup
    runs, note = ctx.evidence.runs.runs_for(
        [ctx.registry.describe_package(odd), ctx.registry.describe_package(arns["v1"])]
    )
    assert note == "" and list(runs) == [arns["v1"]]
    assert runs[arns["v1"]].found_by == "metadata mlflow_run_id"
