"""mlflow-* commands through the real entry point, against the real tracking server."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from console.errors import NotSupportedError
from tests.support.helpers import assert_one_error, audit_records, context
from tests.support.mlflow_seed import STEPS, MlflowSeed


def test_experiments_table_and_json(mlflow_env: MlflowSeed, run_cli: Any) -> None:
    result = run_cli("mlflow-experiments")
    assert result.exit_code == 0, result.stderr
    assert mlflow_env.experiment in result.stdout
    data = run_cli("--json", "mlflow-experiments").json()
    by_name = {e["name"]: e for e in data}
    assert by_name[mlflow_env.experiment]["run_count"] >= 4


def test_runs_csv_with_chosen_columns(mlflow_env: MlflowSeed, run_cli: Any) -> None:
    result = run_cli(
        "mlflow-runs",
        mlflow_env.experiment,
        "--columns",
        "run_id,status,params.lr,metrics.loss",
        "--filter",
        "tags.team = 'churn'",
        "--sort",
        "metrics.loss",
        "--csv",
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["run_id", "status", "params.lr", "metrics.loss"]
    losses = [float(r[3]) for r in rows[1:]]
    assert losses == sorted(losses) and len(losses) == 4
    assert rows[1][0] == mlflow_env.runs[3]  # lowest loss


def test_runs_json_default_export_has_every_param(mlflow_env: MlflowSeed, run_cli: Any) -> None:
    data = run_cli("mlflow-runs", mlflow_env.experiment_id, "--json").json()
    first = next(r for r in data if r["run_id"] == mlflow_env.runs[0])
    assert first["params.lr"] == "0.1" and first["params.seed"] == "42"
    assert first["metrics.accuracy"] == pytest.approx(0.85)
    assert first["start"].endswith("+00:00")


def test_runs_table_uses_columns_saved_by_the_tui(
    mlflow_env: MlflowSeed, run_cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[mlflow_columns]\n"{mlflow_env.experiment_id}" = "name,params.depth"\n')
    monkeypatch.setenv("SMCONSOLE_CONFIG", str(config))
    result = run_cli("mlflow-runs", mlflow_env.experiment)
    assert result.exit_code == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["name", "params.depth"]


def test_runs_bad_input_is_one_line(mlflow_env: MlflowSeed, run_cli: Any) -> None:
    assert_one_error(run_cli("mlflow-runs", "no-such-exp"), 5, "not found")
    assert_one_error(
        run_cli("mlflow-runs", mlflow_env.experiment, "--columns", "wat"), 2, "unknown run column"
    )
    assert_one_error(run_cli("mlflow-runs", mlflow_env.experiment, "--filter", "params.lr = "), 2)


def test_metric_history_csv_and_json(mlflow_env: MlflowSeed, run_cli: Any) -> None:
    result = run_cli("mlflow-metric", mlflow_env.runs[0], "loss", "--csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["step", "value", "timestamp"]
    assert len(rows) == STEPS + 1 and float(rows[-1][1]) == pytest.approx(0.3)
    data = run_cli("--json", "mlflow-metric", mlflow_env.runs[0], "accuracy").json()
    assert [p["step"] for p in data] == list(range(STEPS))
    assert_one_error(run_cli("mlflow-metric", "not-a-run", "loss"), 2, "not an MLflow run id")


def test_run_describe_with_lineage(mlflow_env: MlflowSeed, run_cli: Any, aws: Any) -> None:
    data = run_cli("--json", "mlflow-run", mlflow_env.runs[1], "--lineage").json()
    assert data["run"]["params"]["lr"] == "0.1"
    assert data["lineage"]["training_job"] == "train-job-1"
    assert {v["version"] for v in data["lineage"]["model_versions"]} == {"2"}
    text = run_cli("mlflow-run", mlflow_env.runs[1]).stdout
    assert "params.lr" in text and "train-job-1" in text


def test_models_and_versions(mlflow_env: MlflowSeed, run_cli: Any) -> None:
    result = run_cli("mlflow-models")
    assert mlflow_env.model in result.stdout and "champion->1" in result.stdout
    versions = run_cli("--json", "mlflow-models", mlflow_env.model).json()
    assert [(v["version"], v["aliases"]) for v in versions] == [("2", []), ("1", ["champion"])]
    assert_one_error(run_cli("mlflow-models", "nope-model"), 5)


def test_alias_needs_confirmation(mlflow_env: MlflowSeed, run_cli: Any) -> None:
    refused = run_cli("mlflow-alias", mlflow_env.alias_model, "staging", "2")
    assert_one_error(refused, 4, "needs confirmation")
    ok = run_cli("mlflow-alias", mlflow_env.alias_model, "staging", "2", "--yes")
    assert ok.exit_code == 0, ok.stderr
    assert ok.stdout.strip() == f"{mlflow_env.alias_model}@staging -> version 2"
    moved = run_cli("mlflow-alias", mlflow_env.alias_model, "staging", "1", "--yes")
    assert moved.stdout.strip() == f"moved {mlflow_env.alias_model}@staging from version 2 to 1"
    # The refusal (not confirmed) is audited too; intents are not outcomes.
    outcomes = [r["outcome"] for r in audit_records() if r["action"] == "mlflow-alias"]
    assert outcomes == ["refused", "ok", "ok"]
    assert_one_error(run_cli("mlflow-alias", mlflow_env.alias_model, "x", "0", "--yes"), 2)


def test_managed_servers_not_supported_on_moto(aws: Any, run_cli: Any) -> None:
    assert_one_error(run_cli("mlflow-servers"), 9, "SageMaker managed MLflow is not supported")
    with pytest.raises(NotSupportedError):
        context().mlflow_servers.presigned_url("ts-1")


SERVER = {
    "TrackingServerArn": "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/ts-1",
    "TrackingServerName": "ts-1",
    "ArtifactStoreUri": "s3://bucket/mlflow",
    "TrackingServerSize": "Small",
    "MlflowVersion": "3.0",
    "TrackingServerStatus": "Stopped",
    "IsActive": "Inactive",
    "TrackingServerUrl": "https://t-1.us-east-1.experiments.sagemaker.aws",
    "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
}


def test_managed_servers_happy_path_stubbed(aws: Any) -> None:
    """moto lacks these calls, so the AWS shapes come from botocore's Stubber."""
    ctx = context()
    service = ctx.mlflow_servers
    stub = Stubber(ctx.sessions.client("sagemaker"))
    summary = {
        k: SERVER[k]
        for k in (
            "TrackingServerArn",
            "TrackingServerName",
            "CreationTime",
            "TrackingServerStatus",
            "IsActive",
            "MlflowVersion",
        )
    }
    stub.add_response("list_mlflow_tracking_servers", {"TrackingServerSummaries": [summary]})
    stub.add_response("describe_mlflow_tracking_server", SERVER, {"TrackingServerName": "ts-1"})
    stub.add_response(
        "start_mlflow_tracking_server",
        {"TrackingServerArn": SERVER["TrackingServerArn"]},
        {"TrackingServerName": "ts-1"},
    )
    stub.add_response(
        "create_presigned_mlflow_tracking_server_url",
        {"AuthorizedUrl": "https://t-1.example/auth?token=x"},
        {"TrackingServerName": "ts-1", "ExpiresInSeconds": 60},
    )
    with stub:
        servers = service.list_servers()
        assert [(s.name, s.status) for s in servers] == [("ts-1", "Stopped")]
        server = service.describe_server("ts-1")
        assert server.size == "Small" and server.url.startswith("https://")
        service.start_server("ts-1")
        assert service.presigned_url("ts-1", expires_seconds=60).startswith("https://t-1")
    stub.assert_no_pending_responses()
    assert [(r["action"], r["outcome"]) for r in audit_records()] == [("mlflow-server-start", "ok")]


def test_server_stop_needs_confirmation(aws: Any, run_cli: Any) -> None:
    assert_one_error(run_cli("mlflow-server-stop", "ts-1"), 4, "needs confirmation")
    assert_one_error(run_cli("mlflow-server-stop", "ts-1", "--yes"), 9, "not supported")
