"""MLflow tracking-server trouble, through a fault proxy in front of a real `mlflow server`.

Down, hanging, slow, throttling, failing, or (a SageMaker managed server) refusing a call
in IAM's words: each is one line, takes a bounded time, and the console works again as
soon as the server does. The Experiments tab shows the trouble in its banner and clears
it by itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from console.errors import (
    AccessDeniedError,
    CredentialsError,
    SmError,
    ThrottledError,
    UnreachableError,
)
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.helpers import assert_one_error, context
from tests.support.mlflow_seed import MlflowSeed


@pytest.fixture
def proxy(mlflow_env: MlflowSeed, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """The seeded server behind a fault proxy; short timeouts so a hang costs seconds."""
    proxy = FaultProxy(mlflow_env.uri).start()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", proxy.url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    yield proxy
    proxy.stop()


def timed_failure(call: Any) -> tuple[SmError, float]:
    start = time.monotonic()
    with pytest.raises(SmError) as caught:
        call()
    return caught.value, time.monotonic() - start


def test_iam_refusal_names_the_action_to_grant(proxy: FaultProxy, mlflow_env: MlflowSeed) -> None:
    proxy.add(Fault("denied", "mlflow"))
    error, _ = timed_failure(lambda: context().mlflow.list_runs(mlflow_env.experiment_id))
    assert isinstance(error, AccessDeniedError)
    assert error.message == "MLflow: your AWS identity may not call sagemaker-mlflow:GetExperiment"
    assert "smconsole-read-only" in error.hint


def test_iam_refusal_in_the_cli_is_one_line(
    proxy: FaultProxy, mlflow_env: MlflowSeed, run_cli: Any
) -> None:
    proxy.add(Fault("denied", "mlflow"))
    result = run_cli("mlflow-models")
    assert_one_error(result, 6, "sagemaker-mlflow:SearchRegisteredModels")


@pytest.mark.parametrize("kind", ["refuse", "hang"])
def test_down_or_hanging_server_is_one_line_within_seconds(
    proxy: FaultProxy, mlflow_env: MlflowSeed, kind: str
) -> None:
    proxy.add(Fault(kind, "mlflow", delay=30.0))
    error, seconds = timed_failure(context().mlflow.list_experiments)
    assert isinstance(error, UnreachableError), error
    assert error.message == (
        f"could not connect to {proxy.url}"
        if kind == "refuse"
        else f"{proxy.url} did not answer in time"
    )
    # One retry, each cut at the 1 s timeout: far sooner than the 30 s hang, on any box.
    assert seconds < 20.0, seconds
    proxy.clear()
    assert context().mlflow.get_experiment(mlflow_env.experiment).name == mlflow_env.experiment


def test_a_slow_server_is_waited_for(proxy: FaultProxy, mlflow_env: MlflowSeed) -> None:
    proxy.add(Fault("slow", "mlflow", delay=0.5))
    runs = context().mlflow.list_runs(mlflow_env.experiment_id)
    assert len(runs) >= 4


def test_one_failure_is_retried_by_the_client(proxy: FaultProxy, mlflow_env: MlflowSeed) -> None:
    proxy.add(Fault("503", "mlflow", times=1))
    assert len(context().mlflow.list_runs(mlflow_env.experiment_id)) >= 4
    assert proxy.injected["503"] == 1


@pytest.mark.parametrize(
    ("kind", "error_type"),
    [("throttle", ThrottledError), ("503", UnreachableError), ("500", SmError)],
)
def test_lasting_failures_translate(
    proxy: FaultProxy, mlflow_env: MlflowSeed, kind: str, error_type: type[SmError]
) -> None:
    proxy.add(Fault(kind, "mlflow"))
    error, seconds = timed_failure(lambda: context().mlflow.get_run(mlflow_env.runs[0]))
    assert isinstance(error, error_type), error
    assert "\n" not in error.message and "Traceback" not in error.message
    assert seconds < 60.0  # gives up (a few short retries), never keeps trying


def test_expired_aws_token_at_a_managed_server_says_log_in(
    proxy: FaultProxy, mlflow_env: MlflowSeed
) -> None:
    proxy.add(Fault("expired", "mlflow"))
    error, _ = timed_failure(lambda: context(profile="ops").mlflow.get_run(mlflow_env.runs[0]))
    assert isinstance(error, CredentialsError)
    assert error.message == "AWS credentials are expired (the MLflow tracking server refused them)"
    assert "aws sso login --profile ops" in error.hint
