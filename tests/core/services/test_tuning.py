"""Tuning: the ranking (by hand), tuning-describe/create/stop against a moto server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from console.services.tuning import rank_trials
from tests.support.tuning import add_trial as support_add_trial

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def item(name: str, value: float | None, minute: int, **hp: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "TrainingJobName": name,
        "TrainingJobStatus": "Completed" if value is not None else "Failed",
        "CreationTime": T0 + timedelta(minutes=minute),
        "TunedHyperParameters": {"_tuning_objective_metric": "auc", "seed": "1", **hp},
    }
    if value is not None:
        out["FinalHyperParameterTuningJobObjectiveMetric"] = {"MetricName": "auc", "Value": value}
    return out


def test_rank_maximize_best_first_ties_older_first_missing_last() -> None:
    items = [
        item("a", 0.80, 0, eta="0.1"),
        item("b", None, 1, eta="0.2"),
        item("c", 0.91, 2, eta="0.3"),
        item("d", 0.80, 3, eta="0.1", depth="5"),
    ]
    trials = rank_trials(items, "Maximize")
    assert [(t.rank, t.name) for t in trials] == [(1, "c"), (2, "a"), (3, "d"), (4, "b")]
    assert [t.best for t in trials] == [True, False, False, False]
    # seed and the internal key are the same everywhere: only eta and depth differ
    assert trials[0].differing == {"eta": "0.3"}
    assert trials[2].differing == {"eta": "0.1", "depth": "5"}
    minimized = rank_trials(items, "Minimize", best_name="a")
    assert [t.name for t in minimized] == ["a", "d", "c", "b"]
    assert [t.name for t in minimized if t.best] == ["a"]
    assert rank_trials([], "Maximize") == ()


@pytest.fixture
def extras(aws: Any) -> Iterator[Any]:
    from console.demo import moto_extras

    moto_extras.install(moto_extras.DemoState(notebook_url_base="http://127.0.0.1:9"))
    try:
        yield aws
    finally:
        moto_extras.uninstall()


def spec(metric: str = "validation:auc", kind: str = "Maximize") -> dict[str, Any]:
    return {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": kind, "MetricName": metric},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        },
    }


def add_trial(aws: Any, tuning: str, name: str, auc: float, eta: str) -> None:
    support_add_trial(aws, tuning, name, auc, "validation:auc", eta=eta, max_depth="6")


def test_create_then_describe_ranks_the_trials(extras: Any, run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec()))
    made = run_cli("tuning-create", "hpo-1", "--from-json", str(path), "--json")
    assert made.exit_code == 0, made.stderr
    assert made.json()["arn"].endswith("hyper-parameter-tuning-job/hpo-1")
    for name, auc, eta in (("hpo-1-001", 0.81, "0.1"), ("hpo-1-002", 0.93, "0.2")):
        add_trial(extras, "hpo-1", name, auc, eta)
    add_trial(extras, "hpo-1", "hpo-1-003", 0.88, "0.3")
    data = run_cli("tuning-describe", "hpo-1", "--json").json()
    assert data["name"] == "hpo-1" and data["objective_metric"] == "validation:auc"
    ranked = [(t["rank"], t["name"], t["objective"], t["best"]) for t in data["trials"]]
    assert ranked == [
        (1, "hpo-1-002", 0.93, True),
        (2, "hpo-1-003", 0.88, False),
        (3, "hpo-1-001", 0.81, False),
    ]
    assert data["trials"][0]["differing"] == {"eta": "0.2"}  # max_depth is the same
    text = run_cli("tuning-describe", "hpo-1")
    assert text.exit_code == 0
    lines = [line for line in text.stdout.splitlines() if "hpo-1-00" in line]
    assert "hpo-1-002" in lines[0] and "*" in lines[0] and "eta=0.2" in lines[0]


def test_create_refuses_a_spec_naming_another_job(aws: Any, run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({**spec(), "HyperParameterTuningJobName": "other"}))
    result = run_cli("tuning-create", "hpo-1", "--from-json", str(path))
    assert result.exit_code == 2 and "hint:" in result.stderr
    path.write_text("[1, 2]")
    assert run_cli("tuning-create", "hpo-1", "--from-json", str(path)).exit_code == 2
    jobs = aws.client("sagemaker").list_hyper_parameter_tuning_jobs()
    assert jobs["HyperParameterTuningJobSummaries"] == []


def test_stop_asks_first_and_stops(extras: Any, run_cli: Any, tmp_path: Path) -> None:
    from moto.sagemaker.models import sagemaker_backends

    extras.client("sagemaker").create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="hpo-2", **spec()
    )
    tuning = sagemaker_backends["123456789012"]["us-east-1"].hyper_parameter_tuning_jobs["hpo-2"]
    tuning.hyper_parameter_tuning_job_status = "InProgress"
    assert run_cli("tuning-stop", "hpo-2").exit_code == 4
    assert run_cli("tuning-stop", "hpo-2", "--yes").exit_code == 0
    assert run_cli("tuning-describe", "hpo-2", "--json").json()["status"] == "Stopping"
