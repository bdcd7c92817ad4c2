"""Small helpers shared by the service and CLI tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from console.config import load_config
from console.context import ConsoleContext


@dataclass
class CliResult:
    """What one ``smconsole`` command did: its exit code and output."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def context(**overrides: Any) -> ConsoleContext:
    """A console context from the (isolated) environment, like one CLI invocation."""
    return ConsoleContext(load_config(overrides=overrides))


def audit_records(*, intents: bool = False) -> list[dict[str, Any]]:
    """Every record of the audit log the current config writes to (the ``intent`` record
    written before each call only with ``intents=True``)."""
    path = load_config().audit_path()
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line]
    return [r for r in records if intents or r["outcome"] != "intent"]


def assert_one_error(result: Any, code: int, text: str = "") -> None:
    """A refused command: exit ``code``, one ``error:`` line (+ ``hint:``), no traceback."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert all(line.startswith("hint: ") for line in lines[1:])
    assert len(lines) <= 2
    assert "Traceback" not in result.stderr
    assert text in lines[0]
