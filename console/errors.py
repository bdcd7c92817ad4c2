"""Our error types and the one place that translates library errors into them.

Every failure an operator can cause or meet (bad input, missing credentials, throttling,
an endpoint that does not implement a call) becomes an :class:`SmError` with a one-line
``message`` and an optional ``hint``. The CLI prints those two lines and exits non-zero;
the TUI shows them in a notification or banner. Nothing else should catch botocore
exceptions: call :func:`translate` at the boundary instead.
"""

from __future__ import annotations

import re
from typing import Any

from console.sanitize import inert


class SmError(Exception):
    """Base for every error we show to a person. ``exit_code`` is used by the CLI."""

    exit_code = 1
    kind = "error"
    # What to do when the raiser had nothing more precise: every `error:` line the CLI
    # prints comes with a `hint:` line (issue #15).
    default_hint: str | None = None

    def __init__(self, message: str, hint: str | None = None) -> None:
        # Messages often quote what a remote service answered: made inert here, once,
        # so no `error:` line, banner or notification can carry an escape sequence.
        message = inert(str(message))
        if hint is None:
            hint = self.default_hint
        super().__init__(message)
        self.message = message
        self.hint = None if hint is None else inert(str(hint))

    def __str__(self) -> str:
        return self.message

    def one_line(self) -> str:
        """The message and hint on one line, for logs, banners and notifications."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ValidationError(SmError):
    """Input refused before anything was sent."""

    exit_code = 2
    kind = "invalid"
    default_hint = "nothing was sent; correct the value (`--help` shows the options)"


class ConfigError(SmError):
    """The config file or an environment override is malformed."""

    exit_code = 2
    kind = "config"
    default_hint = "correct the config file (or the SMCONSOLE_* variable) it names"


class ReadOnlyError(SmError):
    """A mutation was attempted in read-only mode."""

    exit_code = 3
    kind = "read-only"
    default_hint = "start without --read-only (or set read_only = false) to make changes"


class AbortedError(SmError):
    """The operator declined a confirmation, or none could be asked."""

    exit_code = 4
    kind = "aborted"
    default_hint = "nothing was changed"


class NotFoundError(SmError):
    exit_code = 5
    kind = "not-found"
    default_hint = (
        "check the name and the region (`smconsole status`); the matching list command "
        "shows what exists"
    )


class AccessDeniedError(SmError):
    exit_code = 6
    kind = "access-denied"
    default_hint = "ask for the permission, or switch profile with --profile"


class CredentialsError(SmError):
    """No credentials, or expired ones (SSO sessions expire during long sessions)."""

    exit_code = 6
    kind = "credentials"
    default_hint = "refresh your credentials, e.g. `aws sso login` or set AWS_PROFILE"


class ThrottledError(SmError):
    exit_code = 7
    kind = "throttled"
    default_hint = "wait a minute and try again"


class UnreachableError(SmError):
    """The endpoint could not be reached (network, DNS, proxy, local stack down)."""

    exit_code = 8
    kind = "unreachable"
    default_hint = "check the network, proxy or --endpoint-url"


class NotSupportedError(SmError):
    """The endpoint does not implement the call (typical of local stacks such as moto)."""

    exit_code = 9
    kind = "not-supported"
    default_hint = "local stacks such as moto lack some calls; real AWS has it"


class ConflictError(SmError):
    """The resource is not in a state that allows the call, or changed under us."""

    exit_code = 10
    kind = "conflict"
    default_hint = "describe it to see its current state, then try again"


class ResponseLostError(UnreachableError):
    """A change was sent but its answer never came back: it may or may not have happened.

    Raised instead of letting botocore retry the call (a retried stop or approval could act
    twice); the gate then reads the state back to tell which (see MutationGate.run).
    """


class UnreadableAnswerError(ResponseLostError):
    """AWS (or something in between) answered 200, but not with an answer we can read.

    An empty body, a proxy's HTML login page, garbage, a body cut short under a matching
    Content-Length, or a parsed answer missing a member we read. botocore would turn most
    of these into an empty result ("no training jobs", a create that "worked"). A mutation
    whose answer is unreadable may or may not have happened: it is a
    :class:`ResponseLostError`, so the gate audits it ``unknown`` and reads the state back.
    """

    def __init__(self, service: str, host: str, reason: str) -> None:
        super().__init__(
            f"unreadable answer from {service} ({host}): {reason}",
            "a proxy or gateway may be answering instead of AWS; check the network or "
            "--endpoint-url",
        )
        self.service = service
        self.host = host
        self.reason = reason


class AuditUnwritableError(SmError):
    """The audit log cannot take the intent record: the change is not sent."""

    exit_code = 13
    kind = "audit"
    default_hint = "check the audit log's directory and free space (audit_log in the config)"


class ToolMissingError(SmError):
    """An external program we drive (terraform, aws, session-manager-plugin) is absent."""

    exit_code = 11
    kind = "tool-missing"
    default_hint = "install it and make sure it is on PATH"


class AwsError(SmError):
    """Any other error answered by AWS, with its code kept for callers that branch on it."""

    kind = "aws"
    default_hint = "the message is AWS's own; check the values sent and `smconsole status`"

    def __init__(self, message: str, hint: str | None = None, code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class UngatedMutationError(RuntimeError):
    """A programming error: a mutating AWS call was made outside the mutation gate.

    Not an :class:`SmError` on purpose: it must never be shown as a user mistake; it
    fails tests loudly instead.
    """


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
_NOT_FOUND_TEXT = re.compile(
    r"could not find|not found|does not exist|cannot find|RecordNotFound", re.I
)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _clean(text: str, limit: int = 300) -> str:
    """Squash a service message to one readable line (HTML and newlines removed)."""
    text = _SPACE.sub(" ", _TAGS.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _relogin_hint(profile: str | None) -> str:
    if profile:
        return f"refresh your credentials, e.g. `aws sso login --profile {profile}`"
    return "refresh your credentials, e.g. `aws sso login` or set AWS_PROFILE"


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
    if code in _CONFLICT_CODES:
        return ConflictError(f"{op}: {message}")
    if code == "ValidationException":
        return ValidationError(f"{op}: {message}")
    return AwsError(f"{op} failed: {message or code}", code=code)
