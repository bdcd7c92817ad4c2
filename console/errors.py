"""Our error types (defined in :mod:`console.error_kinds`) and the one place that
translates library errors into them.

Every failure an operator can cause or meet (bad input, missing credentials, throttling,
an endpoint that does not implement a call) becomes an :class:`SmError` with a one-line
``message`` and an optional ``hint``. The CLI prints those two lines and exits non-zero;
the TUI shows them in a notification or banner. Nothing else should catch botocore
exceptions: call :func:`translate` at the boundary instead.
"""

from __future__ import annotations

import re
from typing import Any

from console.error_kinds import (
    AbortedError,
    AccessDeniedError,
    AuditUnwritableError,
    AwsError,
    ConfigError,
    ConflictError,
    CredentialsError,
    GuardRolledBackError,
    NotFoundError,
    NotSupportedError,
    ReadOnlyError,
    ResponseLostError,
    SmError,
    ThrottledError,
    ToolMissingError,
    UngatedMutationError,
    UnreachableError,
    UnreadableAnswerError,
    ValidationError,
    _clean,
    _relogin_hint,
)

__all__ = [
    "RETRY_HINT",
    "AbortedError",
    "AccessDeniedError",
    "AuditUnwritableError",
    "AwsError",
    "ConfigError",
    "ConflictError",
    "CredentialsError",
    "GuardRolledBackError",
    "NotFoundError",
    "NotSupportedError",
    "ReadOnlyError",
    "ResponseLostError",
    "SmError",
    "ThrottledError",
    "ToolMissingError",
    "UngatedMutationError",
    "UnreachableError",
    "UnreadableAnswerError",
    "ValidationError",
    "translate",
    "translate_detached",
]

# Said by long-running parts (TUI pollers, log followers) that do retry; a one-shot CLI
# command has already retried and given up by the time it prints: see console/cli/main.py.
RETRY_HINT = "the console backs off and retries"

_THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
        "LimitExceededException",
    }
)
_EXPIRED_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidToken",
        "TokenRefreshRequired",
    }
)
_UNAVAILABLE_CODES = frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServiceFailure",
        "ServerUnavailable",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerException",
    }
)
_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure"}
)
_NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFound",
        "ResourceNotFoundException",
        "NoSuchEntity",
        "NoSuchBucket",
        "NoSuchKey",
        "NotFound",
        "404",
    }
)
_CONFLICT_CODES = frozenset({"ResourceInUse", "ConflictException", "ResourceLimitExceeded"})
# SageMaker refuses a call on a resource in the wrong state (stopping a job that ended) as
# a ValidationException "... is in status Completed": a state conflict, not a bad value
# ("nothing was sent; correct the value" was wrong twice: it was sent, the value was fine).
_WRONG_STATE_TEXT = re.compile(r"\bis in (?:status|state) \w+", re.I)
_NOT_FOUND_TEXT = re.compile(
    r"could not find|not found|does not exist|cannot find|RecordNotFound", re.I
)


# The hint of a ValidationException AWS answered (ValidationError's own default says
# "nothing was sent", true of our checks only).
AWS_REFUSED_HINT = (
    "AWS refused the request and changed nothing: check the values and the resource's "
    "current state (`--help` shows the options)"
)


def translate(
    exc: BaseException,
    *,
    profile: str | None = None,
    local_endpoint: bool = False,
) -> SmError:
    """Turn any exception from boto3/botocore (or ours) into an :class:`SmError`.

    ``local_endpoint`` says the client talks to a custom endpoint (``--endpoint-url``):
    there, an HTTP 500 with no AWS error code means "not implemented" rather than an AWS
    outage. Unknown exceptions are wrapped, never re-raised: the caller wants one line.
    """
    if isinstance(exc, SmError):
        return exc
    if type(exc).__module__.startswith(
        ("mlflow", "sagemaker_mlflow", "requests", "urllib3", "sqlalchemy", "console.mlflow.rest")
    ):
        from console.mlflow.errors import translate_mlflow  # MLflow's error codes

        return translate_mlflow(exc, profile=profile)
    # botocore is imported here, not at module level, so this module stays cheap.
    from botocore import exceptions as bce

    if isinstance(exc, bce.ClientError):
        return _translate_client_error(exc, profile=profile, local_endpoint=local_endpoint)
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return CredentialsError("no AWS credentials found", _relogin_hint(profile))
    if isinstance(exc, bce.ProfileNotFound):
        return ConfigError(
            f"AWS profile not found: {getattr(exc, 'kwargs', {}).get('profile', profile)}",
            "check `aws configure list-profiles` or the `profile` setting",
        )
    if isinstance(exc, bce.NoRegionError):
        return ConfigError("no AWS region configured", "pass --region or set AWS_REGION")
    if isinstance(exc, bce.SSOTokenLoadError | bce.UnauthorizedSSOTokenError):
        return CredentialsError("the SSO session has expired or is missing", _relogin_hint(profile))
    if type(exc).__name__ in {"TokenRetrievalError", "SSOError"}:
        return CredentialsError("could not refresh SSO credentials", _relogin_hint(profile))
    if isinstance(exc, bce.ReadTimeoutError | bce.ConnectTimeoutError):
        return UnreachableError(
            f"timed out talking to {getattr(exc, 'kwargs', {}).get('endpoint_url', 'AWS')}",
            "check the network or proxy; retrying later may help",
        )
    if isinstance(exc, bce.IncompleteReadError):
        return UnreachableError(
            "the answer from AWS was cut short (connection dropped)",
            "check the network or proxy; the console retries",
        )
    if isinstance(exc, bce.EndpointConnectionError | bce.ConnectionClosedError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "the endpoint")
        return UnreachableError(
            f"could not connect to {url}", "check the network, proxy or --endpoint-url"
        )
    if isinstance(exc, bce.ParamValidationError):
        return ValidationError(_clean(str(exc)))
    if isinstance(exc, bce.BotoCoreError):
        return AwsError(_clean(str(exc)))
    if isinstance(exc, OSError):
        return SmError(_clean(f"{exc.strerror or exc}"))
    return SmError(_clean(f"{type(exc).__name__}: {exc}"))


def translate_detached(exc: BaseException) -> SmError:
    """:func:`translate`, cut loose from the frames that raised it (its tracebacks, and
    those of the errors it was raised from, are dropped: one line is all that is shown).

    For work run off the UI thread: a finished worker keeps its error, and a worker
    freed only by a collection may be frozen out of collections for good (see
    ``screens.kit.keyed_table._bulk``): a traceback would keep every local of the
    listing it stopped, such as the jobs read so far (issue 21).
    """
    error = translate(exc)
    seen: set[int] = set()
    for start in (error, exc):
        link: BaseException | None = start
        while link is not None and id(link) not in seen:
            seen.add(id(link))
            link.__traceback__ = None
            link = link.__cause__ or link.__context__
    return error


def _translate_client_error(exc: Any, *, profile: str | None, local_endpoint: bool) -> SmError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = _clean(str(error.get("Message", "")) or str(exc))
    op = getattr(exc, "operation_name", "") or "the call"
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _THROTTLE_CODES:
        return ThrottledError(f"{op} is being throttled by AWS", RETRY_HINT)
    if code in _UNAVAILABLE_CODES or status == 503:
        return UnreachableError(
            f"{op}: the service is unavailable ({code or status})",
            f"AWS is having trouble; {RETRY_HINT}",
        )
    if code in _EXPIRED_CODES:
        return CredentialsError(
            f"AWS credentials are expired or invalid ({code})", _relogin_hint(profile)
        )
    if code in _DENIED_CODES:
        return AccessDeniedError(
            f"access denied for {op}: {message}",
            "ask for the permission, or switch profile with --profile",
        )
    if code in _NOT_FOUND_CODES or (
        code == "ValidationException" and _NOT_FOUND_TEXT.search(message)
    ):
        return NotFoundError(message or f"{op}: not found")
    if code in {"NotImplemented", "NotImplementedError", "UnsupportedOperation"} or (
        # moto answers a call it lacks with a bare HTML 500 (code "500"); a real AWS
        # InternalFailure carries its code and is transient (handled above as unavailable).
        local_endpoint and code in {"500", ""} and status == 500
    ):
        return NotSupportedError(
            f"{op} is not supported by this endpoint",
            "local stacks such as moto lack some calls; real AWS has it",
        )
    if code in _CONFLICT_CODES or (
        code == "ValidationException" and _WRONG_STATE_TEXT.search(message)
    ):
        return ConflictError(f"{op}: {message}")
    if code == "ValidationException":
        # Refused by AWS, not by our checks: it was sent, and nothing changed.
        return ValidationError(f"{op}: {message}", AWS_REFUSED_HINT)
    return AwsError(f"{op} failed: {message or code}", code=code)
