"""Keys handled in the order they were typed, even when they arrive in one burst.

Over a laggy SSH link (a bastion) several keystrokes arrive in one read. Textual forwards
each key to the focused widget's queue and resolves key *bindings* only when the key
bubbles back up to the app, after the keys behind it were forwarded. Two consequences
were seen on the demo:

- ``/al`` typed fast on the Jobs tab: ``a`` and ``l`` reached the table before ``/``
  had opened the filter, and ``l`` opened the logs screen.
- ``ctrl+u beta enter`` in the filter: the input inserted ``beta`` first, then ran
  ``ctrl+u`` (a binding), and kept an empty filter.

So: when the focus is not a text input, the app resolves bindings *before* forwarding
(:func:`handled_before_forwarding`), and actions that open an input focus it at once
(:func:`focus_now`, not Textual's deferred ``focus()``); a text input or editor runs its own
bindings in the order its keys came (:class:`TextInput`, :class:`TextEditor`: every
input of the app is one of these).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea

if TYPE_CHECKING:
    from textual.app import App

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
    typing order with the characters, instead of after them."""

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
        # Not one of ours: Textual goes on to the widget's own handler (printable keys).


class TextInput(OrderedKeys, Input):
    """The app's one-line input (use it, not ``Input``: see the module's docstring)."""


class TextEditor(OrderedKeys, TextArea):
    """The app's multi-line editor (use it, not ``TextArea``)."""
