"""What one Notebooks poll fetches: every notebook instance (the list carries all the
table shows). Runs in the poller's worker thread; no Textual here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.notebooks import NotebookSummary

LIST_LIMIT = 1000


@dataclass(frozen=True)
class NotebooksSnapshot:
    items: tuple[NotebookSummary, ...]
    fetched_at: datetime

    @property
    def transitional(self) -> bool:
        return any(notebook.transitional for notebook in self.items)

    def counts(self) -> Counter[str]:
        return Counter(notebook.status for notebook in self.items)


def fetch_notebooks(context: ConsoleContext) -> NotebooksSnapshot:
    """One listing (the list carries everything the table shows). Worker thread."""
    items = tuple(context.notebooks.list_notebooks(limit=LIST_LIMIT))
    return NotebooksSnapshot(items, datetime.now(UTC))
