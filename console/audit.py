"""The one audit writer: an append-only JSONL file, fsync'd record by record.

Every mutation (CLI and TUI alike) leaves one record with who, where, what and how it
ended. Parameters are redacted before writing: the log is meant to be shared with a
security team, so it must never hold secret keys, session tokens or key material.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REDACTED = "***"
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


def redact(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with secret-looking keys and values replaced by ``***``."""
    if key and _SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _SECRET_VALUE.sub(REDACTED, value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _SECRET_VALUE.sub(REDACTED, str(value))


@dataclass(frozen=True)
class AuditRecord:
    time: str
    caller: str
    profile: str
    region: str
    action: str
    target: str
    params: dict[str, Any]
    outcome: str  # ok | refused | error
    detail: str = ""
    source: str = "cli"  # cli | tui


class AuditLog:
    """Appends records; safe to share between threads (one lock, one open per write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, record: AuditRecord) -> None:
        line = json.dumps(asdict(record), sort_keys=True, default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                # A crash may have left a torn last line: start ours on a fresh one so
                # only the torn record is lost, never the next.
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = "\n" + line
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def records(self) -> Iterator[AuditRecord]:
        """Read back every record (skipping lines a crash may have cut short)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    yield AuditRecord(**json.loads(line))
                except (ValueError, TypeError):
                    continue


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
