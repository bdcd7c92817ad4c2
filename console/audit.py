"""The one audit writer: an append-only JSONL file, fsync'd record by record.

Every mutation (CLI and TUI alike) leaves two records: an ``intent`` record, fsync'd before
anything is sent (the gate refuses to send when it cannot be written), and the outcome
(``ok``/``error``/``unknown``; ``refused`` for a refusal, which sends nothing). Parameters
and details are redacted here, the one place: the log is meant to be shared with a
security team, so it must never hold secret keys, session tokens, key material, a password
inside a URL (``postgres://u:PASSWORD@h/db``) or a ``token=…``/``password=…``/``secret=…``
value written into a hyperparameter or a comment.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.errors import AuditUnwritableError

REDACTED = "***"
INTENT = "intent"
_SECRET_KEY = re.compile(
    r"secret|token|password|passwd|passphrase|credential|private|authorization|api[-_]?key|session",
    re.I,
)
_SECRET_VALUE = re.compile(
    r"(?:AKIA|ASIA)[A-Z0-9]{16}"  # access key ids
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
    r"|(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"  # secret access keys
    r"|(?:FwoGZXIvYXdzE|IQoJb3JpZ2luX2Vj)[A-Za-z0-9/+=]{20,}"  # session tokens
)

# user:PASSWORD@ in any URL (database URLs, git remotes, proxies).
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]*):[^/\s@]+@")
# name=value / name: value where the name says secret (token=…, DB_PASSWORD=…, secret: …).
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(\b[\w.-]*(?:token|password|passwd|secret|api[-_]?key)[\w.-]*\s*[=:]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\s&;,'\"]+)"
)


def _redact_text(text: str) -> str:
    text = _SECRET_VALUE.sub(REDACTED, text)
    text = _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)
    return _SECRET_ASSIGNMENT.sub(rf"\1{REDACTED}", text)


def redact(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with secret-looking keys and values replaced by ``***``."""
    if key and _SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _redact_text(str(value))


@dataclass(frozen=True)
class AuditRecord:
    time: str
    caller: str
    profile: str
    region: str
    action: str
    target: str
    params: dict[str, Any]
    outcome: str  # intent | ok | refused | error | unknown
    detail: str = ""
    source: str = "cli"  # cli | tui


class AuditLog:
    """Appends records; safe to share between threads (one lock, one open per write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, record: AuditRecord) -> None:
        """Append ``record`` (redacted) and fsync it.

        Raises :class:`AuditUnwritableError` when the log cannot take it (disk full, the
        path is a directory, its parent is a file, no permission): the gate then sends
        nothing.
        """
        record = replace(record, params=redact(record.params), detail=str(redact(record.detail)))
        line = json.dumps(asdict(record), sort_keys=True, default=str) + "\n"
        with self._lock:
            try:
                self._append(line)
            except OSError as exc:
                raise AuditUnwritableError(
                    f"cannot write the audit log {self.path}: {exc.strerror or exc}",
                    "fix the audit log path (or free disk space); nothing is sent until "
                    "a record can be written",
                ) from exc

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            # A crash may have left a torn last line: start ours on a fresh one so
            # only the torn record is lost, never the next.
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = "\n" + line
            data = line.encode("utf-8")
            if os.write(fd, data) != len(data):
                raise OSError(28, "short write (disk full?)")
            os.fsync(fd)
        finally:
            os.close(fd)

    def records(self, *, intents: bool = False) -> Iterator[AuditRecord]:
        """Read back every record (skipping lines a crash may have cut short).

        ``intent`` records (written before each call) are left out unless asked for:
        readers want what happened, and every intent has its outcome record after it.
        """
        if not self.path.exists() or not self.path.is_file():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = AuditRecord(**json.loads(line))
                except (ValueError, TypeError):
                    continue
                if intents or record.outcome != INTENT:
                    yield record


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
