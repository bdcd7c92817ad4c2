"""A one-line question before a job-control change (a time limit, a signal name).

The answer is checked by the caller with the core's validator; a bad one is a one-line
error with a hint, and nothing is asked or sent.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from screens.kit.key_order import TextInput, focus_now


class ValuePrompt(ModalScreen[str | None]):
    """Ask for one value; ``enter`` goes on (even empty), ``escape`` or ``ctrl+c``
    cancels (None)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="hyperpod.prompt.cancel"),
        Binding(
            "ctrl+c", "cancel", "Cancel", show=False, priority=True, id="hyperpod.prompt.ctrl_c"
        ),
    ]

    def __init__(self, question: str, value: str = "", *, placeholder: str = "") -> None:
        super().__init__()
        self.question, self.value, self.placeholder = question, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="hp-prompt-box"):
            yield Static(Content(self.question), id="hp-prompt-question")
            yield TextInput(value=self.value, placeholder=self.placeholder, id="hp-prompt-value")

    def on_mount(self) -> None:
        focus_now(self.query_one(Input))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())  # "" too: the caller's check says what is wrong

    def action_cancel(self) -> None:
        self.dismiss(None)
