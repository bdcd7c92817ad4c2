"""Marked rows of the queue pane: the jobs one action applies to (``space`` toggles).

Kept apart from the table so it can be tested against a plain model: marks are keys,
a mark on a job that has left the queue goes with it (a later action must never reach
a job the operator can no longer see), and with no marks an action means the
highlighted row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class Marks:
    """A set of marked row keys, kept to the rows that exist."""

    def __init__(self) -> None:
        self._keys: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def toggle(self, key: str, present: Iterable[str]) -> bool:
        """Mark ``key`` (if it is a row) or unmark it; True when it is now marked."""
        if key in self._keys:
            self._keys.discard(key)
        elif key in set(present):
            self._keys.add(key)
        return key in self._keys

    def keep(self, present: Iterable[str]) -> set[str]:
        """Drop marks on rows that are gone; returns the dropped keys (to redraw)."""
        gone = self._keys - set(present)
        self._keys -= gone
        return gone

    def clear(self) -> set[str]:
        cleared, self._keys = self._keys, set()
        return cleared

    def targets(self, shown: Sequence[str], cursor: str | None) -> list[str]:
        """What an action applies to: the marked rows in shown order, else the cursor's."""
        marked = [k for k in shown if k in self._keys]
        if marked:
            return marked
        return [cursor] if cursor is not None else []
