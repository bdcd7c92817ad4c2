"""Keyed rows kept current by pushed changes: a view's few-line hook into the events link.

A view calls :func:`follow_changes` once (on mount) with the kinds it shows, a
``describe`` that reads one resource through the console's services (no boto3 here) and
its table (or a function updating its rows) and poller. Each change of those kinds is
described once on the consumer's thread and its row replaced in place on the UI thread
(``call_from_thread``: the event is deleted from the queue only after the row changed).
The poller is marked as pushed: it slows to the safety net while events flow.
:func:`refresh_on` is the other hook: changes of other kinds make a view list again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from console.errors import NotFoundError, ValidationError

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
    target: KeyedTable[T] | Callable[[T], None],
    poller: Poller[Any] | None = None,
    *,
    applied: Callable[[], None] | None = None,
) -> None:
    """Keep the rows of ``kinds`` current from the app's events link (if any).

    ``target`` is the table whose row is replaced in place (``upsert``), or a function
    doing it for a view whose rows are not simply what ``describe`` returns (a version
    in a group shown pending-only, a cloud node joined with its Slurm node); either runs
    on the UI thread. ``applied`` runs after it (a view's info line, preview).
    ``poller`` is left out when its listing reads more than the pushed kinds cover (the
    HyperPod nodes pane also lists Slurm's view of the nodes): it then keeps its pace.
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
        except ValidationError:
            # A name no describe accepts (remote text in an event): no row can show it,
            # and failing the batch would only have SQS hand it back again and again.
            return None

    def apply(item: T | None, generation: int) -> None:
        host: Any = view.app
        if item is None or generation != host.generation or not view.is_attached:
            return
        if callable(target):
            target(item)
        else:
            target.upsert(item)
        if applied is not None:
            applied()

    def changed(context: ConsoleContext, change: ResourceChanged) -> T | None:
        host: Any = view.app
        generation = host.generation
        item = safe_describe(context, change)
        view.app.call_from_thread(apply, item, generation)
        return item

    _while_attached(view, link, kinds, changed)


def refresh_on(view: Widget, kinds: Iterable[str], poller: Poller[Any]) -> None:
    """A change of ``kinds`` makes ``poller`` list again (soon, never two at once).

    For what a view derives from other resources than its rows (the Registry's evidence
    says which version each endpoint serves): rare changes, one listing each, and only
    while the view is shown (a hidden view's poll waits for the next visit).
    """
    link = getattr(view.app, "events", None)
    if link is None:
        return

    def changed(context: ConsoleContext, change: ResourceChanged) -> None:
        view.app.call_from_thread(poller.refresh_now)

    _while_attached(view, link, kinds, changed)


def _while_attached(
    view: Widget,
    link: Any,
    kinds: Iterable[str],
    on_change: Callable[[ConsoleContext, ResourceChanged], Any],
) -> None:
    """Subscribe ``on_change`` to the link for as long as ``view`` is attached (a view
    removed by a context switch or a quit unsubscribes at its next change)."""
    unsubscribe: Callable[[], None] | None = None

    def changed(context: ConsoleContext, change: ResourceChanged) -> Any:
        if not view.is_attached:
            if unsubscribe is not None:
                unsubscribe()
            return None
        return on_change(context, change)

    unsubscribe = link.subscribe(kinds, changed)
