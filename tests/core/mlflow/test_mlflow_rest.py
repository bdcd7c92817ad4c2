"""The REST client's SageMaker path: a tracking server ARN is reached at its endpoint with
SigV4-signed requests (service ``sagemaker-mlflow``) and the routing header, as the
sagemaker-mlflow plugin does. Here the endpoint is a recording proxy in front of a real
``mlflow server`` (``AWS_ENDPOINT_URL_SAGEMAKER_MLFLOW``, as the AWS SDKs allow)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from console.mlflow.rest import arn_endpoint
from tests.support.fault_proxy import FaultProxy
from tests.support.helpers import context
from tests.support.mlflow_seed import MlflowSeed

ARN = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/ops"


class HeaderRecorder(FaultProxy):
    """Forwards every request and keeps the headers it arrived with."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.headers: list[dict[str, str]] = []

    def _upstream(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        self.headers.append({k.lower(): v for k, v in headers.items()})
        return super()._upstream(method, path, headers, body)


@pytest.fixture
def recorder(mlflow_env: MlflowSeed, monkeypatch: pytest.MonkeyPatch) -> Iterator[HeaderRecorder]:
    proxy = HeaderRecorder(mlflow_env.uri)
    proxy.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_MLFLOW", proxy.url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", ARN)
    yield proxy
    proxy.stop()


def test_an_arn_is_signed_for_sagemaker_mlflow(
    recorder: HeaderRecorder, mlflow_env: MlflowSeed
) -> None:
    service = context().mlflow
    assert service.get_experiment(mlflow_env.experiment).name == mlflow_env.experiment
    assert service.list_model_versions(mlflow_env.model)  # a GET with a query string
    assert recorder.headers
    for headers in recorder.headers:
        assert headers["x-mlflow-sm-tracking-server-arn"] == ARN
        authorization = headers["authorization"]
        assert authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
        assert "/us-east-1/sagemaker-mlflow/aws4_request" in authorization
        assert "x-mlflow-sm-tracking-server-arn" in authorization  # the header is signed
        assert len(headers["x-amz-content-sha256"]) == 64


def test_arn_endpoints_follow_the_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_SAGEMAKER_MLFLOW", raising=False)
    assert arn_endpoint(ARN) == "https://us-east-1.experiments.sagemaker.amazonaws.com"
    app = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-app/app-1"
    assert arn_endpoint(app) == "https://mlflow.sagemaker.eu-west-1.app.amazonaws.com"
