"""The one confirmation dialog for every mutation (stop, delete, update...).

Cancel is focused, so a reflexive ``enter`` does nothing harmful. ``y`` confirms, ``n``,
``q``, ``escape`` and ``ctrl+c`` cancel: never Esc alone, which tmux delays. For the
worst actions (deletes) the operator must type the resource's name before the confirm
button enables; in that mode ``y`` is just a letter in the input.

Decisions that deserve a reason (approve/reject a model) add a comment field
(``comment=``): it has the focus, ``enter`` in it moves to the confirm button (a second,
deliberate ``enter`` confirms), and the caller reads :attr:`ConfirmDialog.comment` after a
confirmation. The result stays a plain ``bool``: one dialog, one contract.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from screens.kit.key_order import TextInput, focus_now
from screens.kit.plain import notify


class ConfirmDialog(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True only on an explicit confirmation."""

    BINDINGS = [
        Binding("y", "confirm", "Confirm", id="confirm.yes"),
        Binding("n,q", "cancel", "Cancel", id="confirm.no"),
        Binding("escape", "cancel", "Cancel", show=False, id="confirm.escape"),
        # Priority: in typed-name mode the input would otherwise take ctrl+c as "copy".
        Binding("ctrl+c", "cancel", "Cancel", show=False, priority=True, id="confirm.ctrl_c"),
        Binding("left,h", "app.focus_previous", "Previous", show=False),
        Binding("right,l", "app.focus_next", "Next", show=False),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        *,
        confirm_label: str = "Confirm",
        typed_name: str | None = None,
        comment: str | None = None,
        comment_max: int | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.confirm_label = confirm_label
        self.typed_name = typed_name
        # The comment field's prompt; None: no comment field.
        self.comment_prompt = comment
        self.comment_max = comment_max
        self.comment = ""
        """The comment typed (stripped), readable after the dialog closed."""

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(Content(self.title_text), id="confirm-title")
            yield Static(Content(self.message), id="confirm-message")
            if self.typed_name is not None:
                yield Static(
                    Content.assemble("Type ", (self.typed_name, "bold"), " to confirm:"),
                    id="confirm-prompt",
                )
                yield TextInput(placeholder=self.typed_name, id="confirm-name")
            if self.comment_prompt is not None:
                yield Static(Content(self.comment_prompt), id="confirm-comment-prompt")
                yield TextInput(
                    placeholder="comment (enter: go to the confirm button)",
                    max_length=self.comment_max or 0,
                    id="confirm-comment",
                )
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button(
                    self.confirm_label,
                    id="confirm",
                    variant="error",
                    disabled=self.typed_name is not None,
                )

    def on_mount(self) -> None:
        if self.typed_name is not None:
            focus_now(self.query_one("#confirm-name", Input))
        elif self.comment_prompt is not None:
            focus_now(self.query_one("#confirm-comment", Input))
        else:
            focus_now(self.query_one("#cancel", Button))

    @property
    def name_matches(self) -> bool:
        if self.typed_name is None:
            return True
        return self.query_one("#confirm-name", Input).value == self.typed_name

    @on(Input.Changed, "#confirm-name")
    def _name_typed(self) -> None:
        self.query_one("#confirm", Button).disabled = not self.name_matches

    @on(Input.Submitted, "#confirm-name")
    def _name_submitted(self) -> None:
        if self.name_matches:
            self._answer(True)
        else:
            notify(self, "the name does not match", severity="warning", timeout=3)

    @on(Input.Changed, "#confirm-comment")
    def _comment_typed(self, event: Input.Changed) -> None:
        self.comment = event.value.strip()

    @on(Input.Submitted, "#confirm-comment")
    def _comment_submitted(self) -> None:
        # Never confirms by itself: a reflexive enter only reaches the confirm button.
        focus_now(self.query_one("#confirm", Button))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._answer(event.button.id == "confirm" and self.name_matches)

    def action_confirm(self) -> None:
        if self.name_matches:
            self._answer(True)

    def _answer(self, confirmed: bool) -> None:
        if not confirmed:
            self.comment = ""  # nothing to act on: never leak a half-typed reason
        self.dismiss(confirmed)

    def action_cancel(self) -> None:
        self._answer(False)
