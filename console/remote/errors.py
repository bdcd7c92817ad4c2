"""Errors of the remote layer: each one line for the operator, plus a hint.

They subclass the core's :class:`~console.errors.SmError` family so the CLI maps them to
exit codes like any other error (``main()`` prints ``error:``/``hint:``), and the TUI can
show them in a banner. Host-key problems get their own type: they must never be retried
or waved through, and the pane shows them differently (a changed key is a warning about a
possible attack, not a network hiccup).
"""

from __future__ import annotations

from dataclasses import dataclass

from console.errors import AccessDeniedError, SmError, UnreachableError


@dataclass(frozen=True)
class UnknownHostKey:
    """A host key seen for the first time: what an operator must check before trusting it
    (the exact key is kept, so trusting it later records this key and no other)."""

    hostname: str  # as known_hosts names it: host, or [host]:port
    key_type: str
    key_base64: str
    fingerprint: str  # SHA256:…
    known_hosts_file: str  # where trusting it writes the line


class HostKeyError(SmError):
    """The server's host key is unknown (and accepting new keys is off) or has changed."""

    exit_code = 12
    kind = "host-key"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        changed: bool = False,
        unknown: UnknownHostKey | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.changed = changed
        self.unknown = unknown  # set for an unknown (not a changed) key


class AuthenticationError(AccessDeniedError):
    """The server refused every key we offered (or the key needs a passphrase)."""

    kind = "auth"


class ConnectionLostError(UnreachableError):
    """The connection dropped. ``sent`` says the command may already have run remotely,
    so a caller must check before repeating anything that changes state."""

    kind = "connection-lost"

    def __init__(self, message: str, hint: str | None = None, *, sent: bool = False) -> None:
        super().__init__(message, hint)
        self.sent = sent


class RemoteTimeoutError(UnreachableError):
    """A remote command did not finish in time (it was abandoned, not retried)."""

    kind = "timeout"


class RemoteCommandError(SmError):
    """A remote program ran and failed; ``message`` holds its own first error line."""

    kind = "remote"

    def __init__(
        self, message: str, hint: str | None = None, *, rc: int = 1, stderr: str = ""
    ) -> None:
        super().__init__(message, hint)
        self.rc = rc
        self.stderr = stderr
