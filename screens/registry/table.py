"""The Registry tab's two tables: model package groups, and the versions of one group.

Versions are keyed by package ARN. The first column marks versions selected for a batch
decision (``space``); the mark is part of the row's text, so toggling it is an in-place
cell update like any other change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.message import Message

from screens.kit.formatting import MISSING, format_time
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

if TYPE_CHECKING:
    from console.services.registry import ModelPackage
    from console.services.registry_feed import GroupRow

MARK = "●"
OPEN = "▸"
# Status words as the narrow table shows them.
SHORT_STATUS = {"PendingManualApproval": "Pending"}
KEY_METRICS = 3


def key_metrics(package: ModelPackage, count: int = KEY_METRICS) -> str:
    """The first few metrics of the package's report, ``auc 0.912 · logloss 0.25``."""
    parts = [f"{name} {value:.4g}" for name, value in list(package.metrics.items())[:count]]
    return " · ".join(parts) or MISSING


# The count first: the pane is narrow and a long group name must not push it out of view.
GROUP_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("pending", "#", compact_width=3, descending_first=True),
    TableColumn("name", "Group", flex=True),
)


class GroupsTable(KeyedTable["GroupRow"]):
    """Model package groups with their count of versions waiting for a decision."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Versions", id="registry.open_group"),
    ]
    COLUMNS = GROUP_COLUMNS
    DEFAULT_SORT = "name"
    COMPACT_WIDTH = 0  # a narrow pane by design: columns size to their content

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.open_group: str | None = None

    def key_of(self, item: GroupRow) -> str:
        return item.name

    def cell_values(self, item: GroupRow, now: datetime) -> Mapping[str, str]:
        # The open group is marked: the cursor of an unfocused table is easy to miss.
        mark = OPEN if item.name == self.open_group else " "
        return {
            "name": f"{mark}{item.name}",
            "pending": str(item.pending) if item.pending else MISSING,
        }

    def set_open(self, name: str | None) -> None:
        self.open_group = name
        self.sync(keep=name)

    def filter_fields(self, item: GroupRow) -> Mapping[str, str]:
        return {"name": item.name, "pending": str(item.pending)}

    def sort_value(self, item: GroupRow, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "pending":
            return (item.pending, item.name)
        return (item.name.lower(),)


PACKAGE_COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("mark", MARK, compact_width=1),
    TableColumn("version", "Ver", compact_width=4, descending_first=True),
    TableColumn("status", "Approval", compact_width=8),
    TableColumn("created", "Created", compact_width=11, descending_first=True),
    TableColumn("model", "Model data", hide_when_compact=True),
    TableColumn("metrics", "Key metrics", flex=True),
)


class PackagesTable(KeyedTable["ModelPackage"]):
    """The versions of one group: approval status, creation, model data, key metrics."""

    BINDINGS = [
        Binding("space", "toggle_mark", "Select", id="registry.select"),
    ]
    COLUMNS = PACKAGE_COLUMNS
    DEFAULT_SORT = "version"
    COMPACT_WIDTH = 120
    MIN_FLEX_WIDTH = 12

    class MarksChanged(Message):
        """The selection for a batch decision changed (the view updates its info line)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.marked: set[str] = set()

    def key_of(self, item: ModelPackage) -> str:
        return item.arn

    def cell_values(self, item: ModelPackage, now: datetime) -> Mapping[str, str]:
        status = item.approval_status or MISSING
        return {
            "mark": MARK if item.arn in self.marked else " ",
            "version": str(item.version) if item.version is not None else MISSING,
            "status": SHORT_STATUS.get(status, status) if self.compact else status,
            "created": format_time(item.created, compact=self.compact),
            "model": item.model_data_url or MISSING,
            "metrics": key_metrics(item),
        }

    def filter_fields(self, item: ModelPackage) -> Mapping[str, str]:
        return {
            "version": str(item.version or ""),
            "status": item.approval_status,
            "model": item.model_data_url,
            "metrics": " ".join(item.metrics),
            "mark": "selected" if item.arn in self.marked else "",
        }

    def sort_value(self, item: ModelPackage, column: str, now: datetime) -> tuple[Any, ...]:
        version = item.version or 0
        if column == "created":
            return (item.created or epoch(), version)
        if column == "status":
            return (item.approval_status, version)
        if column == "model":
            return (item.model_data_url, version)
        if column == "metrics":
            return (key_metrics(item), version)
        if column == "mark":
            return (item.arn in self.marked, version)
        return (version,)

    def action_toggle_mark(self) -> None:
        """Select or unselect the highlighted version for a batch decision, then move on."""
        item = self.cursor_item()
        if item is None:
            return
        if item.arn in self.marked:
            self.marked.discard(item.arn)
        else:
            self.marked.add(item.arn)
        self.sync()
        self.post_message(self.MarksChanged())
        if self.cursor_row < self.row_count - 1:
            self.move_cursor(row=self.cursor_row + 1, animate=False)

    def set_marked(self, arns: set[str]) -> None:
        self.marked = set(arns)
        self.sync()
