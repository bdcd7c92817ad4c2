"""Keyed rows kept current by pushed changes: a view's few-line hook into the events link.

A view calls :func:`follow_changes` once (on mount) with the kinds it shows, a
``describe`` that reads one resource through the console's services (no boto3 here) and
its table and poller. Each change of those kinds is described once on the consumer's
thread and its row replaced in place on the UI thread (``call_from_thread``: the event is
deleted from the queue only after the row changed). The poller is marked as pushed: it
slows to the safety net while events flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from console.errors import NotFoundError

if TYPE_CHECKING:
    from textual.widget import Widget

    from console.context import ConsoleContext
    from console.events.records import ResourceChanged
    from screens.kit.keyed_table import KeyedTable
    from screens.kit.poller import Poller

T = TypeVar("T")


def follow_changes(
    view: Widget,
    kinds: Iterable[str],
    describe: Callable[[ConsoleContext, ResourceChanged], T | None],
    table: KeyedTable[T],
    poller: Poller[Any] | None = None,
    *,
    applied: Callable[[], None] | None = None,
) -> None:
    """Keep ``table``'s rows of ``kinds`` current from the app's events link (if any).

    ``applied`` runs on the UI thread after a row changed (a view's info line, preview).
    """
    link = getattr(view.app, "events", None)
    if link is None:
        return
    if poller is not None:
        poller.pushed = True

    def safe_describe(context: ConsoleContext, change: ResourceChanged) -> T | None:
        try:
            return describe(context, change)
        except NotFoundError:
            return None  # deleted meanwhile: the next listing drops the row

    def apply(item: T | None, generation: int) -> None:
        host: Any = view.app
        if item is None or generation != host.generation or not view.is_attached:
            return
        table.upsert(item)
        if applied is not None:
            applied()

    unsubscribe: Callable[[], None] | None = None

    def changed(context: ConsoleContext, change: ResourceChanged) -> T | None:
        if not view.is_attached:
            if unsubscribe is not None:
                unsubscribe()
            return None
        host: Any = view.app
        generation = host.generation
        item = safe_describe(context, change)
        view.app.call_from_thread(apply, item, generation)
        return item

    unsubscribe = link.subscribe(kinds, changed)
