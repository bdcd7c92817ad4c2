"""run_for_context (screens/kit/work.py): the value or the one-line error reaches the UI
thread for the context it was asked in, and is dropped after a context switch or once
the widget is gone.

The host app is a small one (the ConsoleHost protocol: context + generation); the work
is a plain function, so each case controls when it returns.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from console.config import load_config
from console.context import ConsoleContext
from console.errors import SmError
from screens.kit.work import run_for_context
from tests.tui.conftest import wait_until


class HostApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.context = ConsoleContext(load_config(), source="tui")
        self.generation = 0
        self.jobs_snapshot = None

    def compose(self) -> ComposeResult:
        yield Static("", id="target")


class Outcomes:
    """What ``done``/``failed`` were called with, and on which thread."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.errors: list[SmError] = []
        self.threads: set[int] = set()

    def done(self, value: Any) -> None:
        self.values.append(value)
        self.threads.add(threading.get_ident())

    def failed(self, error: SmError) -> None:
        self.errors.append(error)
        self.threads.add(threading.get_ident())


async def test_the_value_reaches_the_ui_thread_with_the_context_it_was_asked_in() -> None:
    app, got = HostApp(), Outcomes()
    async with app.run_test() as pilot:
        node = app.query_one("#target")
        asked: list[ConsoleContext] = []
        worker_threads: set[int] = set()

        def call(context: ConsoleContext) -> str:
            asked.append(context)
            worker_threads.add(threading.get_ident())
            return "value"

        run_for_context(node, call, done=got.done, failed=got.failed, name="t")
        await wait_until(pilot, lambda: got.values == ["value"])
        assert asked == [app.context] and got.errors == []
        assert got.threads == {threading.get_ident()}  # the UI thread, not the worker's
        assert worker_threads and worker_threads != got.threads


async def test_an_error_arrives_translated_as_one_line() -> None:
    app, got = HostApp(), Outcomes()
    async with app.run_test() as pilot:

        def call(_context: ConsoleContext) -> str:
            raise ConnectionError("connection refused [/x]")

        run_for_context(app.query_one("#target"), call, done=got.done, failed=got.failed, name="t")
        await wait_until(pilot, lambda: len(got.errors) == 1)
        assert got.values == []
        assert isinstance(got.errors[0], SmError) and "\n" not in got.errors[0].one_line()


async def test_a_result_for_a_context_left_meanwhile_is_dropped() -> None:
    app, got = HostApp(), Outcomes()
    async with app.run_test() as pilot:
        started, release = threading.Event(), threading.Event()

        def call(_context: ConsoleContext) -> str:
            started.set()
            release.wait(10)
            return "stale"

        worker = run_for_context(
            app.query_one("#target"), call, done=got.done, failed=got.failed, name="t"
        )
        await wait_until(pilot, started.is_set)
        app.generation += 1  # the operator switched profile/region
        release.set()
        await worker.wait()
        await pilot.pause()
        await pilot.pause()
        assert got.values == [] and got.errors == []
        # Asked again in the new context: delivered.
        run_for_context(
            app.query_one("#target"), lambda _c: "fresh", done=got.done, failed=got.failed, name="t"
        )
        await wait_until(pilot, lambda: got.values == ["fresh"])


async def test_a_result_for_a_widget_gone_meanwhile_is_dropped() -> None:
    app, got = HostApp(), Outcomes()
    async with app.run_test() as pilot:
        started, release = threading.Event(), threading.Event()
        node = app.query_one("#target")

        def call(_context: ConsoleContext) -> str:
            started.set()
            release.wait(10)
            return "late"

        def gone(_context: ConsoleContext) -> str:
            release.wait(10)
            return "never"

        worker = run_for_context(app, call, done=got.done, failed=got.failed, name="t")
        # The app's worker outlives the widget; the widget's own answer goes with it.
        run_for_context(node, gone, done=got.done, failed=got.failed, name="n")
        await wait_until(pilot, started.is_set)
        await node.remove()
        release.set()
        await worker.wait()
        await wait_until(pilot, lambda: got.values == ["late"])
        await pilot.pause()
        await pilot.pause()
        assert got.values == ["late"] and got.errors == []


async def test_an_async_outcome_is_awaited_on_the_ui_thread() -> None:
    """``done`` may mount widgets (a coroutine): it runs to its end."""
    app = HostApp()
    async with app.run_test() as pilot:
        node = app.query_one("#target")
        finished: list[str] = []

        async def done(value: str) -> None:
            await node.mount(Static(value, id="mounted"))
            finished.append(value)

        run_for_context(node, lambda _c: "child", done=done, failed=Outcomes().failed, name="t")
        await wait_until(pilot, lambda: finished == ["child"])
        assert app.query_one("#mounted", Static).parent is node


def test_partial_listings_are_throttled_and_stop_after_a_context_switch() -> None:
    """PartialListing: the first page is posted at once, later ones only when due (the
    interval grows with the rows known), and the snapshot is only built for a post;
    once the context changed the next page stops the stream."""
    from types import SimpleNamespace

    from screens.kit.messages import Listed
    from screens.kit.poller import PollRun
    from screens.kit.work import PartialListing, StreamDropped

    posted: list[Listed[Any]] = []
    poller = SimpleNamespace(resource="jobs", is_attached=True, post_message=posted.append)
    host = SimpleNamespace(generation=3)
    now = [100.0]
    stream = PartialListing(
        PollRun(poller, 3, host),  # type: ignore[arg-type]
        base=0.25,
        per_row=0.0005,
        clock=lambda: now[0],
    )
    built: list[int] = []

    def page(known: int) -> None:
        stream(known, lambda: built.append(known) or ("rows", known))

    page(100)  # at once; the next is due at 100 + 0.25 + 0.05
    now[0] = 100.4
    page(200)  # posted; the next is due at 100.4 + 0.25 + 0.1
    now[0] = 100.6
    page(300)  # not yet
    now[0] = 101.0
    page(400)
    assert built == [100, 200, 400]
    assert [m.snapshot for m in posted] == [("rows", 100), ("rows", 200), ("rows", 400)]
    assert all(m.resource == "jobs" and m.generation == 3 and not m.complete for m in posted)

    host.generation = 4  # the operator switched context
    with pytest.raises(StreamDropped):
        page(500)
    assert built == [100, 200, 400]
