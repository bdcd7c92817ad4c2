"""MLflow failures -> our :class:`SmError` hierarchy (called by :func:`console.errors.translate`).

mlflow raises ``MlflowException`` (and its REST subclass ``RestException``) with an
``error_code`` such as ``RESOURCE_DOES_NOT_EXIST``; a tracking server that cannot be
reached surfaces as an ``INTERNAL_ERROR`` whose text names urllib3's connection error.
We branch on the code and the class name only, so this module never imports mlflow.
"""

from __future__ import annotations

import re

from console.error_kinds import (
    AccessDeniedError,
    ConflictError,
    CredentialsError,
    NotFoundError,
    NotSupportedError,
    SmError,
    ThrottledError,
    UnreachableError,
    ValidationError,
    _clean,
    _relogin_hint,
)

_URL = re.compile(r"API request to (\S+?)(?:/api/|/ajax-api/|\s)")
_UNREACHABLE = re.compile(
    r"Failed to establish a new connection|Max retries exceeded|Connection refused|"
    r"Connection aborted|Name or service not known|Read timed out|ConnectTimeout|"
    r"RemoteDisconnected|NameResolutionError",
    re.I,
)
# A SageMaker managed tracking server refuses a signed call with IAM's sentence, e.g.
# "User: arn:... is not authorized to perform: sagemaker-mlflow:SearchRuns on resource: ...".
_AWS_EXPIRED = re.compile(r"security token included in the request is expired|ExpiredToken", re.I)
_IAM_DENIED = re.compile(r"not authorized to perform:? (sagemaker-mlflow:\w+)")
# The client retried an HTTP error until it gave up (urllib3's MaxRetryError text).
_GAVE_UP = re.compile(r"too many (\d{3}) error responses")
_SERVER_HINT = "check mlflow_tracking_uri (or MLFLOW_TRACKING_URI) and that the server is up"


def translate_mlflow(exc: BaseException, *, profile: str | None = None) -> SmError:
    """One line for any mlflow / requests / sqlalchemy failure."""
    text = str(getattr(exc, "message", "") or exc)
    code = str(getattr(exc, "error_code", "") or "")
    name = type(exc).__name__
    found = _URL.search(text)
    where = found.group(1) if found else "the MLflow tracking server"
    gave_up = _GAVE_UP.search(text)
    if gave_up:
        if gave_up.group(1) == "429":
            return ThrottledError(f"{where} is throttling us (HTTP 429)", "retry later")
        return UnreachableError(
            f"{where} keeps failing (HTTP {gave_up.group(1)})",
            "the server answers but fails; check its logs (or the SageMaker console)",
        )
    if "Read timed out" in text or name == "ReadTimeout":
        return UnreachableError(
            f"{where} did not answer in time",
            "the server is slow or stuck; MLFLOW_HTTP_REQUEST_TIMEOUT sets how long to wait",
        )
    if _UNREACHABLE.search(text) or name in {"ConnectionError", "ConnectTimeout"}:
        return UnreachableError(f"could not connect to {where}", _SERVER_HINT)
    message = _clean(text, limit=200)
    if _AWS_EXPIRED.search(text):
        return CredentialsError(
            "AWS credentials are expired (the MLflow tracking server refused them)",
            _relogin_hint(profile),
        )
    denied = _IAM_DENIED.search(text)
    if denied:
        return AccessDeniedError(
            f"MLflow: your AWS identity may not call {denied.group(1)}",
            "attach the stack's smconsole-read-only or -operator policy (tf/, create_mlflow = "
            "true), or switch profile with --profile",
        )
    if code in {"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"}:
        return NotFoundError(message)
    if code == "ENDPOINT_NOT_FOUND":
        return NotSupportedError(
            "this MLflow server does not implement the call",
            "the tracking server may be older than the client; upgrade it",
        )
    if code in {"RESOURCE_ALREADY_EXISTS", "INVALID_STATE", "ABORTED"}:
        return ConflictError(message)
    if code in {"INVALID_PARAMETER_VALUE", "BAD_REQUEST", "MALFORMED_REQUEST"}:
        return ValidationError(message)
    if code == "PERMISSION_DENIED":
        return AccessDeniedError(f"MLflow: {message}", "ask for access to the experiment or model")
    if code == "UNAUTHENTICATED":
        return CredentialsError(
            "the MLflow tracking server refused our credentials",
            "set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD (or AWS creds "
            "for a SageMaker ARN)",
        )
    if code in {"REQUEST_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"}:
        return ThrottledError("the MLflow tracking server is throttling us", "retry later")
    if code == "TEMPORARILY_UNAVAILABLE":
        return UnreachableError("the MLflow tracking server is temporarily unavailable", "retry")
    if type(exc).__module__.startswith("sqlalchemy"):
        return SmError(f"MLflow store error: {message}", _SERVER_HINT)
    return SmError(f"MLflow: {message}")
