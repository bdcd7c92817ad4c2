"""SageMaker managed MLflow tracking servers: list, describe, start/stop, presigned URL.

Plain boto3 (``sagemaker`` client); no mlflow import. Start and stop are mutations
(gated: read-only refusal + audit); the presigned URL is read-like (it changes nothing;
the session factory lists it in ``READ_ONLY_EXCEPTIONS``). moto does not implement these
calls: on a local stack the translation layer turns its HTTP 500 into
:class:`NotSupportedError`, which we reword to name the feature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from console import validate
from console.errors import NotFoundError, NotSupportedError, ValidationError
from console.mlflow.records import TrackingServer
from console.services.base import Service

T = TypeVar("T")

# AWS: 5 - 5,000 seconds for the URL, 1,800 - 43,200 for the session.
URL_EXPIRES_MAX = 300
SESSION_MIN, SESSION_MAX = 1800, 43200


def server_name(value: str) -> str:
    return validate.name(value, "tracking server name", max_len=256)


def _managed(what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except NotSupportedError as exc:
        raise NotSupportedError(
            f"{what}: SageMaker managed MLflow is not supported by this endpoint",
            "local stacks such as moto lack it; on AWS it needs sagemaker:*MlflowTrackingServer*",
        ) from exc


class TrackingServersService(Service):
    """The managed tracking servers of the current account and region."""

    def list_servers(self) -> list[TrackingServer]:
        items = _managed(
            "list tracking servers",
            lambda: list(
                self.paginate(
                    "list_mlflow_tracking_servers",
                    "TrackingServerSummaries",
                    SortBy="CreationTime",
                    SortOrder="Descending",
                )
            ),
        )
        return [TrackingServer.from_api(d) for d in items]

    def describe_server(self, name: str) -> TrackingServer:
        server_name(name)
        data = self._not_found(
            name,
            lambda: self.call(self.client.describe_mlflow_tracking_server, TrackingServerName=name),
        )
        return TrackingServer.from_api(data)

    def start_server(self, name: str) -> None:
        server_name(name)
        self._not_found(
            name,
            lambda: self.mutate(
                "mlflow-server-start",
                name,
                {},
                self.client.start_mlflow_tracking_server,
                TrackingServerName=name,
            ),
        )

    def stop_server(self, name: str) -> None:
        server_name(name)
        self._not_found(
            name,
            lambda: self.mutate(
                "mlflow-server-stop",
                name,
                {},
                self.client.stop_mlflow_tracking_server,
                TrackingServerName=name,
            ),
        )

    def presigned_url(
        self, name: str, *, expires_seconds: int = URL_EXPIRES_MAX, session_seconds: int = 0
    ) -> str:
        """A short-lived URL opening the MLflow web UI (no AWS console needed)."""
        server_name(name)
        if not 5 <= expires_seconds <= URL_EXPIRES_MAX:
            raise ValidationError(f"URL lifetime must be 5-{URL_EXPIRES_MAX} s")
        params: dict[str, Any] = {
            "TrackingServerName": name,
            "ExpiresInSeconds": expires_seconds,
        }
        if session_seconds:
            if not SESSION_MIN <= session_seconds <= SESSION_MAX:
                raise ValidationError(f"session length must be {SESSION_MIN}-{SESSION_MAX} s")
            params["SessionExpirationDurationInSeconds"] = session_seconds
        data = self._not_found(
            name,
            lambda: self.call(self.client.create_presigned_mlflow_tracking_server_url, **params),
        )
        return str(data.get("AuthorizedUrl", ""))

    def _not_found(self, name: str, fn: Callable[[], T]) -> T:
        try:
            return _managed(f"tracking server {name}", fn)
        except NotFoundError as exc:
            raise NotFoundError(
                f"MLflow tracking server {name} not found", "list them: smconsole mlflow-servers"
            ) from exc
