"""Name an MLflow REST request the way IAM does (``POST /api/2.0/mlflow/runs/search`` ->
``SearchRuns``), from mlflow's own protobuf service definitions.

A SageMaker managed tracking server checks each signed REST call as
``sagemaker-mlflow:<RPC name>``; the policy test and the fault proxy both need the name.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit


@cache
def _routes() -> list[tuple[str, re.Pattern[str], str]]:
    """(HTTP method, path pattern, RPC name) of every REST endpoint mlflow defines."""
    from mlflow.protos import databricks_pb2
    from mlflow.protos.mlflow_artifacts_pb2 import MlflowArtifactsService
    from mlflow.protos.model_registry_pb2 import ModelRegistryService
    from mlflow.protos.service_pb2 import MlflowService

    routes = []
    for service in (MlflowService, ModelRegistryService, MlflowArtifactsService):
        for method in service.DESCRIPTOR.methods:
            for endpoint in method.GetOptions().Extensions[databricks_pb2.rpc].endpoints:
                version = f"{endpoint.since.major}.{endpoint.since.minor}"
                path = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(endpoint.path))
                # RPC names are lowerCamel (searchRuns); IAM actions are SearchRuns.
                action = method.name[:1].upper() + method.name[1:]
                routes.append((endpoint.method, re.compile(rf"^/api/{version}{path}$"), action))
    return routes


def rpc_name(method: str, path: str) -> str:
    """The RPC (= IAM action) name of a request; AssertionError for one mlflow lacks."""
    route = urlsplit(path).path
    for verb, pattern, name in _routes():
        if verb == method and pattern.match(route):
            return name
    raise AssertionError(f"an MLflow REST call mlflow does not define: {method} {route}")
