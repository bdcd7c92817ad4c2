"""The MLflow service against a real tracking server (REST) and a sqlite store."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.errors import (
    ConfigError,
    NotFoundError,
    UnreachableError,
    ValidationError,
    translate,
)
from console.mlflow import columns
from console.mlflow.service import check_tracking_uri, display_uri
from tests.support.helpers import audit_records, context
from tests.support.mlflow_seed import STEPS, MlflowSeed


def test_experiments_listed_with_capped_counts(mlflow_store: MlflowSeed) -> None:
    service = context().mlflow
    found = {e.name: e for e in service.list_experiments(with_counts=True, count_cap=3)}
    assert found[mlflow_store.experiment].runs_label == "3+"
    assert found[mlflow_store.empty_experiment].run_count == 0
    assert service.get_experiment(mlflow_store.experiment_id).name == mlflow_store.experiment
    assert service.get_experiment(mlflow_store.experiment).experiment_id == (
        mlflow_store.experiment_id
    )


def test_run_counts_are_reused_but_none_and_a_refresh_count_afresh(
    mlflow_store: MlflowSeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uuid

    from mlflow import MlflowClient

    from console.mlflow import service as mlflow_service

    monkeypatch.setattr(mlflow_service, "EMPTY_COUNT_TTL", 0.0)
    client = MlflowClient(tracking_uri=mlflow_store.uri)
    name = f"fresh-{uuid.uuid4().hex[:8]}"
    experiment_id = client.create_experiment(name)
    service = context().mlflow

    def count() -> int | None:
        found = {e.name: e for e in service.list_experiments(with_counts=True)}
        return found[name].run_count

    try:
        assert count() == 0
        client.create_run(experiment_id)
        assert count() == 1  # "no runs yet" was not kept
        client.create_run(experiment_id)
        assert count() == 1  # a count is reused (counting lists runs)
        service.forget_run_counts()
        assert count() == 2
    finally:
        client.delete_experiment(experiment_id)  # the seeded store is shared


def test_runs_have_typed_params_metrics_and_tags(mlflow_store: MlflowSeed) -> None:
    runs = context().mlflow.list_runs(mlflow_store.experiment)
    assert [r.run_id for r in runs] == mlflow_store.runs[::-1]  # newest first
    first = runs[-1]
    assert first.params == {"lr": "0.1", "depth": "6", "seed": "42"}
    assert first.metrics["loss"] == pytest.approx(0.30)
    assert first.user == "alice"
    assert first.status == "FINISHED"
    assert first.training_job == "train-job-0"
    assert first.duration_seconds == pytest.approx(600.0)
    assert first.name == "run-0"


def test_filter_and_paging(mlflow_store: MlflowSeed) -> None:
    service = context().mlflow
    failed = service.list_runs(
        mlflow_store.experiment, filter_string="attributes.status = 'FAILED'"
    )
    assert [r.run_id for r in failed] == [mlflow_store.runs[2]]
    pages = list(service.run_pages([mlflow_store.experiment_id], page_size=3))
    assert [len(p) for p in pages] == [3, 1]  # page tokens followed
    assert len(service.list_runs(mlflow_store.experiment, limit=2)) == 2


def test_bad_filter_is_one_line(mlflow_store: MlflowSeed) -> None:
    with pytest.raises(ValidationError) as caught:
        context().mlflow.list_runs(mlflow_store.experiment, filter_string="params.lr == '0.1")
    assert "\n" not in caught.value.message


def test_metric_history_by_step(mlflow_store: MlflowSeed) -> None:
    service = context().mlflow
    history = service.metric_history(mlflow_store.runs[0], "loss")
    assert [p.step for p in history] == list(range(STEPS))
    assert history[0].value == pytest.approx(1.0)
    assert history[-1].value == pytest.approx(0.30)
    with pytest.raises(NotFoundError):
        service.metric_history(mlflow_store.runs[0], "nope")


def test_missing_things_are_not_found(mlflow_store: MlflowSeed) -> None:
    service = context().mlflow
    with pytest.raises(NotFoundError):
        service.get_run("0" * 32)
    with pytest.raises(NotFoundError, match="not found"):
        service.get_experiment("no-such-experiment")
    with pytest.raises(NotFoundError):
        service.list_runs("no-such-experiment")


def test_versions_are_strings_on_both_backends(mlflow_store: MlflowSeed) -> None:
    service = context().mlflow
    versions = service.list_model_versions(mlflow_store.model)
    assert [v.version for v in versions] == ["2", "1"]
    assert versions[1].aliases == ("champion",)
    assert versions[1].run_id == mlflow_store.runs[0]
    model = next(m for m in service.list_registered_models() if m.name == mlflow_store.model)
    assert model.aliases == {"champion": "1"}
    assert [v.version for v in service.model_versions_for_run(mlflow_store.runs[1])] == ["2", "2"]


def test_artifacts_listed(mlflow_store: MlflowSeed) -> None:
    service = context().mlflow
    top = service.list_artifacts(mlflow_store.runs[0])
    assert [(a.path, a.is_dir) for a in top] == [("notes", True)]
    inner = service.list_artifacts(mlflow_store.runs[0], "notes")
    assert [a.path for a in inner] == ["notes/readme.txt"]


def test_differing_params_and_export(mlflow_store: MlflowSeed) -> None:
    runs = context().mlflow.list_runs(mlflow_store.experiment)
    assert columns.differing_params(runs) == ["depth", "lr"]  # seed=42 everywhere
    assert columns.differing_params(runs[:1]) == []
    cols = columns.parse_columns("run_id,status,params.lr,metrics.loss")
    out = io.StringIO()
    assert columns.write_csv(runs, cols, out) == 4
    lines = out.getvalue().splitlines()
    assert lines[0] == "run_id,status,params.lr,metrics.loss"
    assert lines[-1] == f"{mlflow_store.runs[0]},FINISHED,0.1,0.3"
    data = json.loads(columns.to_json(runs, cols))
    assert data[-1] == {
        "run_id": mlflow_store.runs[0],
        "status": "FINISHED",
        "params.lr": "0.1",
        "metrics.loss": pytest.approx(0.3),
    }
    by_loss = columns.sort_runs(runs, "metrics.loss")
    assert [r.metrics["loss"] for r in by_loss] == sorted(r.metrics["loss"] for r in runs)
    assert columns.sort_runs(runs, "params.lr", descending=True)[0].params["lr"] == "0.1"
    with pytest.raises(ValidationError, match="unknown run column"):
        columns.parse_columns("status,bogus")


def test_lineage_job_to_run_and_back(mlflow_store: MlflowSeed, aws) -> None:
    service = context().mlflow
    run = service.run_for_training_job("train-job-2")
    assert run is not None and run.run_id == mlflow_store.runs[2]
    # MlflowDetails wins over tags when given.
    direct = service.run_for_training_job("other-job", mlflow_run_id=mlflow_store.runs[1])
    assert direct is not None and direct.run_id == mlflow_store.runs[1]
    assert service.run_for_training_job("unrelated-job") is None


def test_lineage_run_to_versions_and_packages(mlflow_store: MlflowSeed, aws) -> None:
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=mlflow_store.model)
    spec = {
        "Containers": [{"Image": "img:1", "ModelDataUrl": "s3://b/m.tar.gz"}],
        "SupportedContentTypes": ["application/json"],
        "SupportedResponseMIMETypes": ["application/json"],
    }
    made = sm.create_model_package(
        ModelPackageGroupName=mlflow_store.model,
        InferenceSpecification=spec,
        CustomerMetadataProperties={"training_job": "train-job-0"},
    )["ModelPackageArn"]
    sm.create_model_package(
        ModelPackageGroupName=mlflow_store.model,
        InferenceSpecification=spec,
        CustomerMetadataProperties={"training_job": "someone-else"},
    )
    lineage = context().mlflow.lineage(mlflow_store.runs[0])
    assert lineage.training_job == "train-job-0"
    assert {(v.name, v.version) for v in lineage.model_versions} == {
        (mlflow_store.model, "1"),
        (mlflow_store.alias_model, "1"),
    }
    assert [(p.arn, p.reason) for p in lineage.packages] == [(made, "metadata training_job")]


def test_alias_move_is_gated_and_audited(mlflow_store: MlflowSeed) -> None:
    service = context().mlflow
    model = mlflow_store.alias_model
    assert service.set_alias(model, "champion", 2) == "1"
    assert service.get_registered_model(model).aliases["champion"] == "2"
    assert service.set_alias(model, "champion", "1") == "2"  # moved back for other tests
    records = [r for r in audit_records() if r["action"] == "mlflow-alias"]
    assert [(r["target"], r["params"]["version"], r["params"]["previous"]) for r in records] == [
        (f"{model}@champion", "2", "1"),
        (f"{model}@champion", "1", "2"),
    ]
    with pytest.raises(NotFoundError):
        service.set_alias(model, "champion", 99)
    with pytest.raises(ValidationError, match="reserved"):
        service.set_alias(model, "latest", 1)
    with pytest.raises(ValidationError):
        service.set_alias(model, "bad alias", 1)


def test_tracking_uri_rules() -> None:
    assert check_tracking_uri("http://h:5000") == "http://h:5000"
    assert check_tracking_uri("sqlite:////tmp/x.db").startswith("sqlite")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/ts-1"
    assert check_tracking_uri(arn) == arn
    for bad in ("", "./mlruns", "file:///tmp/m", "ftp://h/x", "arn:aws:s3:::bucket"):
        with pytest.raises(ConfigError):
            check_tracking_uri(bad)
    assert display_uri("https://u:secret@h:8443/p") == "https://u@h:8443/p"


def test_no_uri_configured_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no MLflow tracking URI"):
        context().mlflow.list_experiments()


def test_unreachable_server_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with pytest.raises(UnreachableError) as caught:
        context().mlflow.list_experiments()
    assert caught.value.message == "could not connect to http://127.0.0.1:9"


def test_error_codes_translate() -> None:
    from mlflow.exceptions import MlflowException
    from mlflow.protos import databricks_pb2 as codes

    def code(name: str) -> int:
        return translate(MlflowException("x", getattr(codes, name))).exit_code

    assert isinstance(translate(MlflowException("x", codes.RESOURCE_DOES_NOT_EXIST)), NotFoundError)
    assert code("RESOURCE_ALREADY_EXISTS") == 10
    assert code("PERMISSION_DENIED") == 6
    assert code("REQUEST_LIMIT_EXCEEDED") == 7
    assert code("ENDPOINT_NOT_FOUND") == 9
    assert code("INVALID_PARAMETER_VALUE") == 2
    assert translate(MlflowException("a\nb  c", codes.INTERNAL_ERROR)).message == "MLflow: a b c"


def test_nothing_reaches_the_terminal(
    mlflow_env: MlflowSeed, capfd: pytest.CaptureFixture[str]
) -> None:
    """set_terminated over HTTP prints "View run …": calls through ``_call`` keep
    stdout/stderr clean (the service reads over REST; mlflow's own client makes the noise)."""
    from mlflow.tracking import MlflowClient

    from console.mlflow.quiet import quiet

    service = context().mlflow
    with quiet():
        client = MlflowClient(mlflow_env.uri)

    with quiet():
        run = client.create_run(mlflow_env.experiment_id, run_name="noisy")
    service._call(client.set_terminated, run.info.run_id, "KILLED")
    service.list_runs(mlflow_env.experiment, limit=1)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    with quiet():
        client.delete_run(run.info.run_id)


CONCURRENT_FIRST_USE = """
import sys, threading
from console.config import load_config
from console.context import ConsoleContext
from console.demo.mlflow_live import LiveRuns
from console.mlflow.loading import mlflow_imports

uri = sys.argv[1]
errors, clients = [], []

def service_client():
    try:
        context = ConsoleContext(load_config(overrides={"mlflow_tracking_uri": uri}))
        clients.append(context.mlflow.mlflow_client)
    except Exception as exc:
        errors.append(repr(exc))

def entities():
    try:
        with mlflow_imports():
            from mlflow.entities import Metric  # noqa: F401
    except Exception as exc:
        errors.append(repr(exc))

def demo_live():
    try:
        clients.append(LiveRuns(uri, {}, {})._mlflow())
    except Exception as exc:
        errors.append(repr(exc))

targets = (service_client, entities, demo_live, service_client)
threads = [threading.Thread(target=target) for target in targets]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(clients), errors)
"""


def test_first_use_from_several_threads_at_once(tmp_path: Path) -> None:
    """mlflow imported by several threads at once, in a fresh process: without the one
    import lock, importlib hands a thread a half-initialised mlflow ("partially
    initialized module 'mlflow' has no attribute 'version'"), broken for good."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    done = subprocess.run(
        [sys.executable, "-c", CONCURRENT_FIRST_USE, uri],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "3 []"
