"""The Endpoints table: one row per endpoint, keyed by name, with its traffic split.

Rows are described endpoints (see :mod:`console.services.endpoints_feed`), so the split and the
instance counts are in the table itself: an A/B test in progress reads ``50/50→90/10``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from screens.endpoints.render import instances_summary, split_summary, total_instances
from screens.kit.formatting import format_time
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

if TYPE_CHECKING:
    from console.services.endpoints import Endpoint

# Narrow screens drop Modified and show the split as bare percentages.
COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("name", "Name", flex=True),
    TableColumn("status", "Status", compact_width=11),
    TableColumn("variants", "Traffic split", compact_width=13),
    TableColumn("instances", "Inst", compact_width=5, descending_first=True),
    TableColumn("created", "Created", compact_width=11, descending_first=True),
    TableColumn("modified", "Modified", hide_when_compact=True, descending_first=True),
)


class EndpointsTable(KeyedTable["Endpoint"]):
    """Endpoints with status, traffic split and instances."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Describe", id="endpoints.describe"),
    ]
    COLUMNS = COLUMNS
    DEFAULT_SORT = "created"
    COMPACT_WIDTH = 110

    def key_of(self, item: Endpoint) -> str:
        return item.name

    def cell_values(self, item: Endpoint, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.status,
            "variants": split_summary(item, compact=self.compact),
            "instances": instances_summary(item),
            "created": format_time(item.created, compact=self.compact),
            "modified": format_time(item.modified, compact=self.compact),
        }

    def filter_fields(self, item: Endpoint) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.status,
            # Variant names and the config, so `/variants:candidate` finds A/B tests.
            "variants": " ".join([*(v.name for v in item.variants), item.config_name]),
        }

    def sort_value(self, item: Endpoint, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "created":
            return (item.created or epoch(), item.name)
        if column == "modified":
            return (item.modified or epoch(), item.name)
        if column == "status":
            return (item.status, item.name)
        if column == "variants":
            return (len(item.variants), item.name)
        if column == "instances":
            return (total_instances(item), item.name)
        return (item.name.lower(),)
