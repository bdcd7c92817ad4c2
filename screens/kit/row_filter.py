"""The `/` filter language shared by every table view (pure, no Textual).

``text``            rows where any column contains ``text`` (case-insensitive)
``re:pattern``      rows where any column matches the regular expression
``^fail|oom``       regex syntax is recognised without the prefix, too
``status:Failed``   only look in one column: ``type:`` (or ``kind:``), ``name:``,
                    ``status:`` (or ``state:``), ``secondary:``
``!text``           invert: rows that do *not* match

The prefixes combine in that order: ``!status:re:^(Failed|Stopped)$``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REGEX_PREFIX = "re:"
INVERT_PREFIX = "!"
_REGEX_SYNTAX = re.compile(r"[\^$*+?()\[\]{}|\\]")
# Words operators type that name a column by another name.
COLUMN_ALIASES = {"kind": "type", "state": "status"}
# Distinct texts remembered while lower-casing a column (see lowered).
LOWERED_LIMIT = 4096

FieldRow = tuple[Any, ...]
"""What the filter looks at for one row, kept for 100,000 rows (issue 21): the field
names (one tuple shared by every row) then the values, in one tuple instead of a dict."""


def field_row(
    fields: Mapping[str, str], names_seen: dict[tuple[str, ...], tuple[str, ...]]
) -> FieldRow:
    """``fields`` as a :data:`FieldRow`; ``names_seen`` keeps one names tuple for all."""
    names = tuple(fields)
    return (names_seen.setdefault(names, names), *fields.values())


def row_value(row: FieldRow, column: str) -> str:
    """The value of ``column`` in ``row`` ("" when the row has no such field)."""
    names: tuple[str, ...] = row[0]
    return str(row[names.index(column) + 1]) if column in names else ""


def lowered(values: Iterable[str]) -> list[str]:
    """The values lower-cased, one object for equal texts (a status repeated 100,000
    times is one string; a value already lower-case is itself, not a copy)."""
    seen: dict[str, str] = {}
    out: list[str] = []
    for value in values:
        low = seen.get(value)
        if low is None:
            low = value.lower()
            if low == value:
                low = value
            elif len(seen) < LOWERED_LIMIT:
                seen[value] = low
        out.append(low)
    return out


@dataclass(frozen=True)
class RowFilter:
    """A parsed filter. ``error`` is set (and everything matches) when the regex is bad."""

    text: str = ""
    needle: str = ""
    column: str | None = None
    pattern: re.Pattern[str] | None = None
    inverted: bool = False
    error: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.needle) and self.error is None

    @classmethod
    def parse(cls, text: str, columns: Iterable[str] = ()) -> RowFilter:
        raw = text.strip()
        rest = raw
        inverted = rest.startswith(INVERT_PREFIX)
        if inverted:
            rest = rest[len(INVERT_PREFIX) :].lstrip()
        column = None
        known = {c.lower() for c in columns}
        head, sep, tail = rest.partition(":")
        name = COLUMN_ALIASES.get(head.strip().lower(), head.strip().lower())
        if sep and name in known:
            column, rest = name, tail.lstrip()
        explicit = rest.lower().startswith(REGEX_PREFIX)
        if explicit:
            rest = rest[len(REGEX_PREFIX) :]
        if not rest:
            return cls(text=raw)
        pattern = None
        if explicit or _REGEX_SYNTAX.search(rest):
            try:
                pattern = re.compile(rest, re.IGNORECASE)
            except re.error as exc:
                if explicit:
                    return cls(text=raw, needle=rest, error=f"bad regex: {exc}")
                pattern = None  # looked like a regex but is not one: plain substring
        return cls(text=raw, needle=rest.lower(), column=column, pattern=pattern, inverted=inverted)

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether a row (column name -> shown text) passes the filter."""
        if not self.active:
            return True
        values: Iterable[str] = (
            (fields.get(self.column, ""),) if self.column is not None else fields.values()
        )
        return self._found(values)

    def matches_row(self, row: FieldRow) -> bool:
        """:meth:`matches` for a row kept as a :data:`FieldRow`."""
        if not self.active:
            return True
        if self.column is not None:
            return self._found((row_value(row, self.column),))
        return self._found(row[1:])

    def _found(self, values: Iterable[str]) -> bool:
        if self.pattern is not None:
            pattern = self.pattern
            found = any(pattern.search(value) for value in values)
        else:
            found = any(self.needle in value.lower() for value in values)
        return found != self.inverted

    def describe(self) -> str:
        """Short form for the view's status line."""
        return self.text if self.active else ""
