"""The Textual private internals we rely on still have the shape we use.

``screens/kit/key_order.py`` (keys handled in the order typed) and ``screens/kit/lifecycle.py``
(handlers that run while the app quits) reach into Textual's privates, which can change
in any release. pyproject pins Textual to the tested major (``textual>=8.2,<9``); this
test is what fails, with a message naming the internal, when a minor release changes one.
Fix the two modules (or find a public way) before raising the pin.
"""

from __future__ import annotations

import inspect
from collections import deque
from typing import Any

import textual
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

USERS = "screens/kit/key_order.py and screens/kit/lifecycle.py"


def changed(name: str, expected: str) -> str:
    return (
        f"Textual {textual.__version__} changed a private internal smconsole relies on: "
        f"{name} (expected {expected}). Update {USERS} before raising the textual pin."
    )


class Probe(App[None]):
    BINDINGS = [Binding("x", "noop", "No-op")]

    def compose(self) -> ComposeResult:
        yield Static("probe", id="probe")

    def action_noop(self) -> None:
        pass


def test_check_bindings_is_a_coroutine_taking_key_and_priority() -> None:
    check = getattr(App, "_check_bindings", None)
    assert check is not None, changed("App._check_bindings", "a method")
    assert inspect.iscoroutinefunction(check), changed("App._check_bindings", "async def")
    params = inspect.signature(check).parameters
    assert list(params)[:2] == ["self", "key"], changed("App._check_bindings", "(key, priority)")
    assert "priority" in params, changed("App._check_bindings", "a priority= argument")
    assert params["priority"].default is False, changed("App._check_bindings", "priority=False")


async def test_message_pump_privates() -> None:
    app = Probe()
    async with app.run_test() as pilot:
        await pilot.pause()
        widget = app.query_one("#probe", Widget)
        for pump in (app, widget):
            where = type(pump).__name__
            queue: Any = getattr(pump, "_message_queue", None)
            assert queue is not None, changed(f"{where}._message_queue", "a queue")
            assert callable(getattr(queue, "empty", None)), changed(
                "_message_queue.empty", "a method"
            )
            assert isinstance(getattr(queue, "values", None), deque), changed(
                "_message_queue.values", "the deque of queued messages"
            )
            assert hasattr(pump, "_pending_message"), changed("_pending_message", "an attribute")
            assert isinstance(getattr(pump, "_is_mounted", None), bool), changed(
                "_is_mounted", "a bool"
            )
        # A queued key is visible in the deque (what key_order.key_waiting reads).
        from textual import events

        key = events.Key("x", "x")
        app._message_queue.put_nowait(key)
        assert key in app._message_queue.values, changed("_message_queue.values", "the messages")
        assert await app._check_bindings("x"), changed("App._check_bindings", "True when bound")


async def test_removal_flags_and_bindings_map() -> None:
    app = Probe()
    async with app.run_test():
        widget = app.query_one("#probe", Widget)
        for flag in ("_pruning", "_closing"):
            assert getattr(widget, flag, None) is False, changed(f"Widget.{flag}", "False")
        bindings: Any = getattr(app, "_bindings", None)
        mapping = getattr(bindings, "key_to_bindings", None)
        assert isinstance(mapping, dict), changed("_bindings.key_to_bindings", "a dict")
        assert [b.action for b in mapping.get("x", ())] == ["noop"], changed(
            "_bindings.key_to_bindings", "key -> [Binding]"
        )
