"""The Notebooks table: one row per notebook instance, keyed by name."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from screens.kit.formatting import MISSING, format_time
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

if TYPE_CHECKING:
    from console.services.notebooks import NotebookSummary

# Narrow screens drop the URL (enter shows it, and copies it).
COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("name", "Name", flex=True),
    TableColumn("status", "Status", compact_width=9),
    TableColumn("type", "Instance type", compact_width=14),
    TableColumn("created", "Created", compact_width=11, descending_first=True),
    TableColumn("url", "URL", hide_when_compact=True),
)


class NotebooksTable(KeyedTable["NotebookSummary"]):
    """Notebook instances with status, instance type and URL."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open URL", id="notebooks.open"),
    ]
    COLUMNS = COLUMNS
    DEFAULT_SORT = "created"
    COMPACT_WIDTH = 110

    def key_of(self, item: NotebookSummary) -> str:
        return item.name

    def cell_values(self, item: NotebookSummary, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.status,
            "type": item.instance_type or MISSING,
            "created": format_time(item.created, compact=self.compact),
            "url": item.url or MISSING,
        }

    def filter_fields(self, item: NotebookSummary) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.status,
            "type": item.instance_type,
            "url": item.url,
        }

    def sort_value(self, item: NotebookSummary, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "created":
            return (item.created or epoch(), item.name)
        if column == "status":
            return (item.status, item.name)
        if column == "type":
            return (item.instance_type, item.name)
        if column == "url":
            return (item.url, item.name)
        return (item.name.lower(),)
