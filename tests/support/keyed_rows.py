"""The keyed-table test adapter: a plain row type and a :class:`KeyedTable` over it.

Shared by the example tests (tests/tui/kit/test_keyed_table.py) and the model-based one
(tests/tui/kit/test_keyed_table_model.py), so both drive the same table. ``now`` is fixed:
nothing here depends on time, and a fixed clock keeps runs repeatable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from screens.kit.keyed_table import KeyedTable, TableColumn

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
STATES = ("Completed", "Failed", "InProgress", "Stopped")


@dataclass(frozen=True)
class Row:
    name: str
    status: str
    size: int


class RowsTable(KeyedTable[Row]):
    COLUMNS = (
        TableColumn("name", "Name", flex=True),
        TableColumn("status", "Status", compact_width=10),
        TableColumn("size", "Size", compact_width=6, descending_first=True),
    )
    DEFAULT_SORT = "name"

    def __init__(self, *, now: Callable[[], datetime] = lambda: NOW, **kwargs: Any) -> None:
        super().__init__(now=now, **kwargs)

    def key_of(self, item: Row) -> str:
        return item.name

    def cell_values(self, item: Row, now: datetime) -> Mapping[str, str]:
        return {"name": item.name, "status": item.status, "size": str(item.size)}

    def filter_fields(self, item: Row) -> Mapping[str, str]:
        return {"name": item.name, "status": item.status}

    def sort_value(self, item: Row, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "size":
            return (item.size, item.name)
        if column == "status":
            return (item.status, item.name)
        return (item.name,)


def count_batch_updates(table: KeyedTable[Any]) -> list[int]:
    """Wrap ``table.upsert_many``: the returned list gets each pushed batch's size (one
    entry per table update), and the batch is still applied."""
    updates: list[int] = []
    upsert_many = table.upsert_many

    def counting(items: Any) -> None:
        items = list(items)
        updates.append(len(items))
        upsert_many(items)

    table.upsert_many = counting  # type: ignore[method-assign]
    return updates
