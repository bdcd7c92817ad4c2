"""The Endpoints table: one row per endpoint, keyed by name, with its traffic split.

Rows are described endpoints (see :mod:`console.services.endpoints_feed`), so the split and the
instance counts are in the table itself: an A/B test in progress reads ``50/50→90/10``.
Beside them the last hour from CloudWatch (issue 16): invocations as a sparkline (12
five-minute bars; 6 ten-minute ones on narrow screens) and the 5xx rate, which come with
the feed's snapshot and are kept by :meth:`EndpointsTable.set_metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from screens.endpoints.render import (
    instances_summary,
    merged,
    rate_text,
    sparkline,
    split_summary,
    total_instances,
)
from screens.kit.formatting import MISSING, format_time
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

if TYPE_CHECKING:
    from console.services.cloudwatch import EndpointSummaryMetrics
    from console.services.endpoints import Endpoint

# Narrow screens drop Created and Modified, show the split as bare percentages and the
# hour as six bars: the name keeps room at 80 columns.
COLUMNS: tuple[TableColumn, ...] = (
    TableColumn("name", "Name", flex=True),
    TableColumn("status", "Status", compact_width=11),
    TableColumn("variants", "Traffic split", compact_width=13),
    TableColumn("instances", "Inst", compact_width=5, descending_first=True),
    TableColumn("calls", "Calls 1h", compact_width=8, descending_first=True),
    TableColumn("errors", "5xx", compact_width=5, descending_first=True),
    TableColumn("created", "Created", hide_when_compact=True, descending_first=True),
    TableColumn("modified", "Modified", hide_when_compact=True, descending_first=True),
)

# The 5xx rate of the last hour from which the cell is drawn as a warning (the guard's
# usual rule is 5xx<1%), and from which as an error.
WARN_5XX = 0.01
ALERT_5XX = 0.05


def error_role(rate: float, calls: float) -> str | None:
    """The palette role of a 5xx rate: none without traffic or below :data:`WARN_5XX`."""
    if not calls or rate < WARN_5XX:
        return None
    return "error" if rate >= ALERT_5XX else "warning"


class EndpointsTable(KeyedTable["Endpoint"]):
    """Endpoints with status, traffic split and instances."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Describe", id="endpoints.describe"),
    ]
    COLUMNS = COLUMNS
    DEFAULT_SORT = "created"
    COMPACT_WIDTH = 110

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics: Mapping[str, EndpointSummaryMetrics] = {}

    def set_metrics(self, metrics: Mapping[str, EndpointSummaryMetrics]) -> None:
        """New numbers for some rows: those rows drawn and sorted again, nothing else."""
        changed = [
            name
            for name in set(metrics) | set(self.metrics)
            if metrics.get(name) != self.metrics.get(name)
        ]
        self.metrics = metrics
        for name in changed:
            self._forget(name)
        if changed:
            if self.ordering.column in ("calls", "errors"):
                self._resort()
            self.redraw_rows(changed)

    def _calls(self, name: str) -> str:
        figures = self.metrics.get(name)
        if figures is None:
            return MISSING
        return sparkline(merged(figures.invocations, 2) if self.compact else figures.invocations)

    def _errors(self, name: str) -> str:
        figures = self.metrics.get(name)
        return MISSING if figures is None else rate_text(figures.error_rate_5xx, figures.total)

    def cell_role(self, item: Endpoint, column: str, value: str) -> str | None:
        """A high 5xx rate stands out (warning, error from :data:`ALERT_5XX`)."""
        if column != "errors":
            return super().cell_role(item, column, value)
        figures = self.metrics.get(item.name)
        return None if figures is None else error_role(figures.error_rate_5xx, figures.total)

    def key_of(self, item: Endpoint) -> str:
        return item.name

    def cell_values(self, item: Endpoint, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.status,
            "variants": split_summary(item, compact=self.compact),
            "instances": instances_summary(item),
            "calls": self._calls(item.name),
            "errors": self._errors(item.name),
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
        if column in ("calls", "errors"):
            figures = self.metrics.get(item.name)
            if figures is None:
                return (-1.0, item.name)
            value = figures.total if column == "calls" else figures.error_rate_5xx
            return (value, item.name)
        return (item.name.lower(),)
