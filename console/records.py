"""Shared base and helpers for the typed records services return.

Records are frozen dataclasses built from API dicts by a ``from_api`` classmethod, so
widgets and CLI output never touch raw boto3 responses. ``to_dict`` gives the stable JSON
shape the CLI's ``--json`` promises (ISO 8601 times, lists not tuples).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar

from console.sanitize import clean_block, deep_clean


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


# The zones seen so far, one object each (see _one_zone); a handful in practice.
ZONES_LIMIT = 16
_zones: list[tzinfo] = []


def _one_zone(value: datetime) -> datetime:
    """``value`` with the zone object already held for an equal zone.

    botocore parses every timestamp with a new ``dateutil.tz.tzlocal()``: an object of a
    dozen parts (offsets, names) per time, three times per job; at 100,000 jobs that was
    most of the TUI's memory (issue 21). Equal zones of the same type behave the same,
    so one object serves them all."""
    zone = value.tzinfo
    if zone is None:
        return value
    for known in _zones:
        if known is zone:
            return value
        if type(known) is type(zone) and known == zone:
            return value.replace(tzinfo=known)
    if len(_zones) < ZONES_LIMIT:
        _zones.append(zone)
    return value


def as_datetime(value: Any) -> datetime | None:
    """boto3 gives datetimes; moto and JSON sometimes give epoch numbers or strings."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _one_zone(value) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


# Repeated short texts kept once (see :func:`shared`): enough for every status, kind and
# instance type; a table that fills up stops growing (remote text is not trusted to be few).
SHARED_LIMIT = 4096
SHARED_LENGTH = 64
_shared: dict[str, str] = {}


def shared(text: str) -> str:
    """One object for a short text many records repeat (``Completed`` x 100,000 jobs).

    A listing parses a new string per field per item; records that live long (the Jobs
    table's 100,000 rows) keep one copy each instead (issue 21). Bounded, unlike
    ``sys.intern`` (interned strings can be immortal): after :data:`SHARED_LIMIT`
    distinct texts, new ones are returned as they are.
    """
    if len(text) > SHARED_LENGTH:
        return text
    found = _shared.get(text)
    if found is not None:
        return found
    if len(_shared) < SHARED_LIMIT:
        _shared[text] = text
    return text


def same_time(value: datetime | None, *others: datetime | None) -> datetime | None:
    """``value``, or the first of ``others`` that is the same time written the same way
    (one object for equal times: a finished job's modified time is usually its end
    time). The same instant in another zone is not the same: it would show otherwise."""
    if value is None:
        return None
    for other in others:
        if (
            other is not None
            and other == value
            and other.tzinfo == value.tzinfo
            and other.fold == value.fold
        ):
            return other
    return value


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

    # No instance dict of its own: a record declaring ``slots=True`` is then dict-free.
    __slots__ = ()

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
