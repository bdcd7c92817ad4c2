"""Pushed changes reach a view as one batch (issue 18): screens/kit/live_rows.py.

A burst of events is coalesced by the consumer into one change per resource; what must
not come back is a view handed that batch item by item (or in slices): each hop to the UI
thread and each table update is a redraw queued ahead of the operator's keys. Here the
real :class:`EventsLink` router delivers batches from another thread, as the consumer
thread does, to a table target and to a function target (the HyperPod and Registry views'
kind), and the hops and updates are counted, not timed.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

from console.errors import NotFoundError
from console.events.records import ResourceChanged
from screens.kit.events_link import EventsLink
from screens.kit.live_rows import follow_changes
from tests.support.keyed_rows import Row, RowsTable, count_batch_updates

BATCH = 120


class LiveApp(App[None]):
    """The parts of the console's app that live rows use: its events link, its context
    generation and context (handed to ``describe`` untouched)."""

    def __init__(self) -> None:
        super().__init__()
        self.generation = 0
        self.context = object()
        self.events = EventsLink(self)
        self.hops = 0

    def call_from_thread(self, callback: Any, *args: Any, **kwargs: Any) -> Any:
        self.hops += 1
        return super().call_from_thread(callback, *args, **kwargs)

    def compose(self) -> ComposeResult:
        yield RowsTable()
        yield Static(id="view")


def changes(count: int, kind: str = "training") -> list[ResourceChanged]:
    return [
        ResourceChanged(kind=kind, name=f"job-{i:03d}", arn="", status="Failed", event_time=None)
        for i in range(count)
    ]


def describe(context: Any, change: ResourceChanged) -> Row | None:
    if change.name.endswith("7"):
        raise NotFoundError(f"{change.name} deleted meanwhile")
    return Row(change.name, change.status, len(change.name))


async def deliver(app: LiveApp, batch: list[ResourceChanged]) -> None:
    """One batch through the app's router, from a thread of its own (as the consumer)."""
    await asyncio.to_thread(app.events.router, batch)


async def test_a_function_target_gets_each_batch_in_one_call_on_the_ui_thread() -> None:
    app = LiveApp()
    async with app.run_test() as pilot:
        calls: list[tuple[list[str], bool]] = []

        def apply(items: list[Row]) -> None:
            calls.append(([row.name for row in items], threading.current_thread() is ui))

        ui = threading.current_thread()
        follow_changes(app.query_one("#view"), ("training",), describe, apply)
        first = changes(BATCH)
        await deliver(app, first + changes(5, kind="endpoint"))  # not this view's kind
        await deliver(app, changes(3))
        await pilot.pause()
        found = [c.name for c in first if not c.name.endswith("7")]  # not-found ones dropped
        assert calls == [(found, True), (["job-000", "job-001", "job-002"], True)]
        assert app.hops == 2  # one hop to the UI thread per batch, never one per slice


async def test_a_table_target_is_updated_once_per_batch() -> None:
    app = LiveApp()
    async with app.run_test() as pilot:
        table = app.query_one(RowsTable)
        updates = count_batch_updates(table)

        def one_by_one(item: Any) -> None:
            raise AssertionError("a pushed batch was applied row by row")

        table.upsert = one_by_one  # type: ignore[method-assign]
        follow_changes(table, ("training",), describe, table)
        await deliver(app, changes(BATCH))
        await deliver(app, changes(BATCH))  # the same rows again: one (no-op) update
        await pilot.pause()
        assert updates == [BATCH - BATCH // 10] * 2
        assert app.hops == 2
        assert len(table.items) == BATCH - BATCH // 10
