"""Keys handled in the order they were typed, even when they arrive in one burst.

Over a laggy SSH link (a bastion) several keystrokes arrive in one read. Textual forwards
each key to the focused widget's queue and resolves key *bindings* only when the key
bubbles back up to the app, after the keys behind it were forwarded; and a focus moved
by a message (``Input.Submitted``) or a dialog's mount lands after the keys already read.
Seen on the demo:

- ``/al`` typed fast on the Jobs tab: ``a`` and ``l`` reached the table before ``/``
  had opened the filter, and ``l`` opened the logs screen.
- ``ctrl+u beta enter`` in the filter: the input inserted ``beta`` first, then ran
  ``ctrl+u`` (a binding), and kept an empty filter.
- ``/alpha enter l``: ``l`` reached the filter before ``enter`` had handed the focus back
  to the table (the hand-off is a message: ``Input.Submitted``), and was typed into it.
- ``d`` then a name: the keys reached the table behind the confirm dialog, whose input
  takes the focus only once the dialog has mounted.

So: when the focus is not a text input, the app resolves bindings *before* forwarding
(:func:`handled_before_forwarding`), and actions that open an input focus it at once
(:func:`focus_now`, not Textual's deferred ``focus()``); a text input or editor runs its own
bindings in the order its keys came (:class:`TextInput`, :class:`TextEditor`: every
input of the app is one of these). And when a key arrives while the one before it is
still being handled (:func:`key_waiting`), it waits until the screen has handled what
that key set off (:func:`settled`, bounded): hand-offs by message, a dialog's mount.
Keys typed at human pace never wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, ScreenStackError
from textual.widget import Widget
from textual.widgets import Input, TextArea

TEXT_WIDGETS = (Input, TextArea)


async def handled_before_forwarding(app: App[Any], event: events.Key) -> bool:
    """Run the binding for ``event`` now if the focus is not a text widget; True if one
    ran (the key is then not forwarded)."""
    focused = app.focused
    if isinstance(focused, TEXT_WIDGETS):
        return False  # printable keys are the input's; its own bindings: OrderedKeys
    if focused is not None and focused.loading:
        return False
    app.app_focus = True
    return await app._check_bindings(event.key, priority=True) or await app._check_bindings(
        event.key
    )


# A burst key waits at most this long for the key before it (a stuck widget must not
# freeze the keyboard), over at most this many hops of messages (Submitted bubbling up…).
SETTLE_LIMIT = 0.25
SETTLE_ROUNDS = 8


def key_waiting(app: App[Any]) -> bool:
    """True if another key is already queued behind the one being handled (a burst)."""
    # Textual offers no peek past the head; its message Queue keeps the items in a deque.
    if isinstance(app._pending_message, events.Key):
        return True
    queued: Iterable[object] = app._message_queue.values
    return any(isinstance(message, events.Key) for message in queued)


def _has_work(widget: Widget) -> bool:
    return (
        not widget._is_mounted
        or widget._pending_message is not None
        or not widget._message_queue.empty()
    )


async def _handled(widgets: set[Widget], limit: float) -> None:
    """Wait until each of ``widgets`` has handled the messages queued for it now."""
    done = asyncio.Event()
    waiting = 0

    def one_done() -> None:
        nonlocal waiting
        waiting -= 1
        if waiting == 0:
            done.set()

    for widget in widgets:
        if widget.call_later(one_done):  # False once a widget is closing
            waiting += 1
    if waiting:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), limit)


async def settled(app: App[Any]) -> None:
    """Let the current screen handle what the last key set off before the next key is
    read: the messages queued for its widgets, and those these post in turn (a bounded
    number of hops, for at most ``SETTLE_LIMIT``). The app's own queue is not waited on:
    the next key is in it."""
    deadline = time.monotonic() + SETTLE_LIMIT
    for hop in range(SETTLE_ROUNDS):
        try:
            screen = app.screen  # a dialog the key pushed is the screen now
        except ScreenStackError:  # the app is quitting
            return
        busy = {
            widget for widget in screen.walk_children(Widget, with_self=True) if _has_work(widget)
        }
        if hop == 0:  # the key may be mid-handling in the focused widget or bubbling up
            busy.add(screen)
            if screen.focused is not None:
                busy.update(
                    node for node in screen.focused.ancestors_with_self if isinstance(node, Widget)
                )
        remaining = deadline - time.monotonic()
        if not busy or remaining <= 0:
            return
        await _handled(busy, remaining)


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` before the next key is read (``Widget.focus`` waits a turn)."""
    widget.screen.set_focus(widget)


if TYPE_CHECKING:
    _MixinBase = Widget
else:
    # Not a Widget subclass at run time: Textual's __init_subclass__ would give the mixin
    # Widget's can_focus=False, which would then win over Input's in the MRO.
    _MixinBase = object


class OrderedKeys(_MixinBase):
    """Mixin for a text widget: its own bindings (enter, backspace, ctrl+u…) run in
    typing order with the characters, instead of after them; so do the bindings of the
    dialog or screen around it (down to the next field, ctrl+s), which Textual would
    otherwise run only once the key has bubbled back to the app, behind the keys typed
    after it."""

    def types_itself(self, event: events.Key) -> bool:
        """True for the keys the widget's own handler turns into text."""
        return event.is_printable

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority or self.check_action(binding.action, ()) is False:
                continue
            # False when the action declined (SkipAction: an Input does not scroll on
            # "down"): the key then goes on up to the screen's bindings as usual.
            if await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        if self.types_itself(event):
            return  # Textual goes on to the widget's own handler, which inserts it
        if await self.app._check_bindings(event.key):
            event.stop()
            event.prevent_default()


class TextInput(OrderedKeys, Input):
    """The app's one-line input (use it, not ``Input``: see the module's docstring)."""


class TextEditor(OrderedKeys, TextArea):
    """The app's multi-line editor (use it, not ``TextArea``)."""

    def types_itself(self, event: events.Key) -> bool:
        if self.read_only:
            return False
        indents = self.tab_behavior == "indent" and event.key in ("tab", "escape")
        return event.is_printable or event.key == "enter" or indents
