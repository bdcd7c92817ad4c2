"""What can go wrong, as our error types: one line for a person, a hint, an exit code.

Kept apart from the translation (:mod:`console.errors`) so that the translators it calls
per library (:mod:`console.mlflow.errors`) can build these without importing it back:
no module imports the one that imports it. Import them from :mod:`console.errors`.
"""

from __future__ import annotations

import re

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


class GuardRolledBackError(SmError):
    """A guarded traffic shift was rolled back by its guard.

    The shift and the rollback both succeeded, but a script that shifted traffic must not
    read the end as a success (`endpoint-weights --guard ... && next-step`).
    """

    exit_code = 14
    kind = "rolled-back"
    default_hint = (
        "the endpoint is back at its previous split; `smconsole endpoint-metrics NAME` shows why"
    )


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
