"""Shared base and helpers for the typed records services return.

Records are frozen dataclasses built from API dicts by a ``from_api`` classmethod, so
widgets and CLI output never touch raw boto3 responses. ``to_dict`` gives the stable JSON
shape the CLI's ``--json`` promises (ISO 8601 times, lists not tuples).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any, ClassVar

from console.sanitize import clean_block, deep_clean


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def as_datetime(value: Any) -> datetime | None:
    """boto3 gives datetimes; moto and JSON sometimes give epoch numbers or strings."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):  # a payload kept raw in the record: inert when shown
        return clean_block(value.decode("utf-8", "replace"))
    return value


class Record:
    """Mixin for frozen dataclass records.

    Every record is where remote text enters the console, so building one makes its text
    inert: ``__post_init__`` passes every string field (and every string inside a tuple,
    list or dict field, keys included) through ``console.sanitize``. A new field cannot be
    forgotten. Single-line by default; a field named in ``BLOCK_FIELDS`` keeps its
    newlines (log lines, command output). Records hold the sanitised text; ``--json``
    prints it JSON-escaped.

    The one exception, ``VERBATIM_FIELDS``: a remote path the console acts on (the file
    it tails, the script it cleans up) must stay byte-exact, or a directory named with a
    newline is tailed as ``…⏎…`` and not found. Such a field is an operand, not text for
    the screen: every place that shows it passes it through ``console.sanitize`` (JSON
    output escapes it). The list is short and fixed by a test.
    """

    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset()
    VERBATIM_FIELDS: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        block_fields = self.BLOCK_FIELDS
        verbatim = self.VERBATIM_FIELDS
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            if name in verbatim:
                continue
            value = getattr(self, name)
            if value is None or isinstance(value, int | float | datetime | bytes | Record):
                continue
            cleaned = deep_clean(value, block=name in block_fields)
            if cleaned != value:
                # Frozen dataclass: the one sanctioned write, during construction.
                object.__setattr__(self, name, cleaned)

    def to_dict(self) -> dict[str, Any]:
        result = _plain(self)
        assert isinstance(result, dict)
        return result


def to_plain(value: Any) -> Any:
    """JSON-ready form of a record, a list of records or any nested value."""
    return _plain(value)
