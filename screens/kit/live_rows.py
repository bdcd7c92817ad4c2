"""Keyed rows kept current by pushed changes: a view's few-line hook into the events link.

A view calls :func:`follow_changes` once (on mount) with the kinds it shows, a
``describe`` that reads one resource through the console's services (no boto3 here) and
its table (or a function updating its rows) and poller. A batch of changes (already
coalesced: one per resource) is described on the consumer's thread, one describe per
resource, and its rows are replaced on the UI thread in one hop and one table update
(``call_from_thread``: the events are deleted from the queue only after the rows
changed), whether the target is a table or a view's function (it gets the whole batch).
A burst of thousands of events therefore costs the event loop one table update per
batch, not one redraw per event (or per slice) queued ahead of the operator's keys.
The poller is marked as pushed: it slows to the safety net while events flow.
:func:`refresh_on` is the other hook: changes of other kinds make a view list again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from console.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from textual.widget import Widget

    from console.context import ConsoleContext
    from console.events.records import ResourceChanged
    from screens.kit.keyed_table import KeyedTable
    from screens.kit.poller import Poller

T = TypeVar("T")

# Describes of one batch run this many at a time: they wait on the network, and a batch
# of 500 jobs (a tuning job starting) described one by one at ~0.1 s each would outlast
# the queue's 30 s visibility timeout. Few, to stay well under SageMaker's describe rate.
DESCRIBE_WORKERS = 4


def follow_changes(
    view: Widget,
    kinds: Iterable[str],
    describe: Callable[[ConsoleContext, ResourceChanged], T | None],
    target: KeyedTable[T] | Callable[[list[T]], None],
    poller: Poller[Any] | None = None,
    *,
    applied: Callable[[], None] | None = None,
) -> None:
    """Keep the rows of ``kinds`` current from the app's events link (if any).

    ``target`` is the table whose rows are replaced in place (``upsert_many``), or a
    function doing it for a view whose rows are not simply what ``describe`` returns (a
    version in a group shown pending-only, a cloud node joined with its Slurm node): it
    gets the batch's items in one call and updates its table once. Either runs on the UI
    thread. ``applied`` runs after it (a view's info line, preview).
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

    def apply(items: list[T], generation: int) -> None:
        host: Any = view.app
        if not items or generation != host.generation or not view.is_attached:
            return
        if callable(target):
            target(items)
        else:
            target.upsert_many(items)
        if applied is not None:
            applied()

    def changed(context: ConsoleContext, changes: Sequence[ResourceChanged]) -> list[T | None]:
        host: Any = view.app
        generation = host.generation
        items = _describe_all(context, changes, safe_describe)
        fresh = [item for item in items if item is not None]
        if fresh:  # one hop, one update: never a slice per hop (keys wait behind each)
            view.app.call_from_thread(apply, fresh, generation)
        return items

    _while_attached(view, link, kinds, changed)


def _describe_all(
    context: ConsoleContext,
    changes: Sequence[ResourceChanged],
    describe: Callable[[ConsoleContext, ResourceChanged], T | None],
) -> list[T | None]:
    """One describe per change, a few at a time, in the order of ``changes``."""
    if len(changes) <= 1:
        return [describe(context, change) for change in changes]
    from concurrent.futures import ThreadPoolExecutor

    workers = min(DESCRIBE_WORKERS, len(changes))
    with ThreadPoolExecutor(workers, thread_name_prefix="smconsole-describe") as pool:
        return list(pool.map(lambda change: describe(context, change), changes))


def refresh_on(view: Widget, kinds: Iterable[str], poller: Poller[Any]) -> None:
    """A change of ``kinds`` makes ``poller`` list again (soon, never two at once).

    For what a view derives from other resources than its rows (the Registry's evidence
    says which version each endpoint serves): rare changes, one listing each, and only
    while the view is shown (a hidden view's poll waits for the next visit).
    """
    link = getattr(view.app, "events", None)
    if link is None:
        return

    def changed(context: ConsoleContext, changes: Sequence[ResourceChanged]) -> list[None]:
        view.app.call_from_thread(poller.refresh_now)  # one listing for the whole batch
        return [None] * len(changes)

    _while_attached(view, link, kinds, changed)


def _while_attached(
    view: Widget,
    link: Any,
    kinds: Iterable[str],
    on_change: Callable[[ConsoleContext, Sequence[ResourceChanged]], Sequence[Any]],
) -> None:
    """Subscribe ``on_change`` to the link for as long as ``view`` is attached (a view
    removed by a context switch or a quit unsubscribes at its next batch)."""
    unsubscribe: Callable[[], None] | None = None

    def changed(context: ConsoleContext, changes: Sequence[ResourceChanged]) -> Sequence[Any]:
        if not view.is_attached:
            if unsubscribe is not None:
                unsubscribe()
            return []
        return on_change(context, changes)

    unsubscribe = link.subscribe(kinds, changed)
