"""The one confirmation dialog for every mutation (stop, delete, update...).

Cancel is focused, so a reflexive ``enter`` does nothing harmful. ``y`` confirms, ``n``,
``q``, ``escape`` and ``ctrl+c`` cancel: never Esc alone, which tmux delays. For the
worst actions (deletes) the operator must type the resource's name before the confirm
button enables; in that mode ``y`` is just a letter in the input.

Decisions that deserve a reason (approve/reject a model) add a comment field
(``comment=``): it has the focus, ``enter`` in it moves to the confirm button (a second,
deliberate ``enter`` confirms), and the caller reads :attr:`ConfirmDialog.comment` after a
confirmation. The result stays a plain ``bool``: one dialog, one contract.

A create, start or scale shows what it will cost (``cost=``: the line of a
:class:`console.services.projection.CostProjection`, read in a worker before the
dialog opens) under its message, so the number is in front of the operator at the
moment of the decision.

Every caller says what the dialog guards (``change=(action, target)``, required, ``None``
only for a question that changes nothing remote, such as trusting a host key): declining
writes one audited refusal through the one mutation gate (as the CLI does for an
unconfirmed command), so the audit shows every change asked for and not made. The
read-only refusal before a dialog is :func:`refused_read_only`, shared by every screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from console.errors import AbortedError, SmError
from screens.kit.footer import ConsoleFooter
from screens.kit.host import console_host
from screens.kit.key_order import TextInput, focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from collections.abc import Callable

    from console.context import ConsoleContext
    from console.services.projection import CostProjection

# What a dialog guards: the gate's action name and its target (as the call will name them).
Change = tuple[str, str]


def refused_read_only(node: DOMNode, action: str, target: str) -> bool:
    """True when read-only mode refuses ``action`` on ``target``: one plain notification
    and one audited refusal (the gate's ``precheck``). False: go on (ask, then act).

    Every screen asks this before opening a dialog or form that can only end in a change.
    An audit log that cannot take the refusal refuses too (its error is what is shown).
    """
    try:
        console_host(node).context.gate.precheck(action, target)
    except SmError as exc:
        notify(node, exc.one_line(), severity="error", title="refused")
        return True
    return False


def audit_declined(node: DOMNode, change: Change) -> None:
    """Audit a change the operator declined in a confirm dialog (nothing was sent)."""
    action, target = change
    refusal = AbortedError(f"{action} {target}: not confirmed (declined in the confirm dialog)")
    try:
        console_host(node).context.gate.refused(action, target, refusal)
    except SmError as exc:  # the audit log cannot take it: say so, never crash
        notify(node, exc.one_line(), severity="error", title="audit")


def with_cost(
    node: DOMNode,
    change: Change,
    project: Callable[[ConsoleContext], CostProjection],
    open_dialog: Callable[[str], None],
) -> None:
    """Project a create/start/scale's cost (a worker: prices may be read), then
    ``open_dialog(cost_line)`` (which builds the :class:`ConfirmDialog` with ``cost=``).

    Above the config's ``max_job_cost``/``max_hourly_cost`` no dialog opens: one audited
    refusal and one notification with the numbers. An unknown price never blocks: the
    line says ``?`` and the reason is shown beside it.
    """
    action, target = change

    def projected(projection: CostProjection) -> None:
        if projection.refusal is not None:
            try:
                console_host(node).context.gate.refused(action, target, projection.refusal)
            except SmError as exc:  # the audit log cannot take it: say so
                notify(node, exc.one_line(), severity="error", title="audit")
            notify(node, projection.refusal.one_line(), severity="error", title="refused")
            return
        line = projection.line
        if projection.warning:
            line = f"{line} · {projection.warning}"
        open_dialog(line)

    def failed(error: SmError) -> None:
        # A config error in a cap (or any failure to project) is shown; nothing opens.
        notify(node, error.one_line(), severity="error", title="cost not projected")

    run_for_context(node, project, done=projected, failed=failed, name="cost-projection")


class ConfirmDialog(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True only on an explicit confirmation."""

    # The footer is the dialog's own: its keys, not those of the screen under it. While
    # a field has the focus, ``y``, ``n`` and ``q`` are letters: it says ``esc`` instead
    # (see check_action; the field's prompt says what ``enter`` does there).
    BINDINGS = [
        Binding("y", "confirm", "Confirm", id="confirm.yes"),
        Binding("n,q", "cancel", "Cancel", key_display="n/esc", id="confirm.no"),
        Binding("escape", "cancel", "Cancel", show=False, id="confirm.escape"),
        Binding("escape", "close", "Cancel", key_display="esc", id="confirm.escape_typing"),
        # Priority: in typed-name mode the input would otherwise take ctrl+c as "copy".
        Binding("ctrl+c", "interrupt", "Cancel", show=False, priority=True, id="confirm.ctrl_c"),
        Binding("left", "app.focus_previous", "Previous", show=False),
        Binding("right", "app.focus_next", "Next", show=False),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        *,
        change: Change | None,
        confirm_label: str = "Confirm",
        typed_name: str | None = None,
        comment: str | None = None,
        comment_max: int | None = None,
        cost: str | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.confirm_label = confirm_label
        self.typed_name = typed_name
        self.change = change
        self._answered = False
        # The comment field's prompt; None: no comment field.
        self.comment_prompt = comment
        self.comment_max = comment_max
        self.comment = ""
        """The comment typed (stripped), readable after the dialog closed."""
        self.cost = cost

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(Content(self.title_text), id="confirm-title")
            yield Static(Content(self.message), id="confirm-message")
            if self.cost:
                yield Static(Content(self.cost), id="confirm-cost")
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
        yield ConsoleFooter()

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
        if self._answered:  # a second key in the same burst: one answer, one record
            return
        self._answered = True
        if not confirmed:
            self.comment = ""  # nothing to act on: never leak a half-typed reason
            if self.change is not None:
                audit_declined(self, self.change)
        self.dismiss(confirmed)

    def action_cancel(self) -> None:
        self._answer(False)

    def action_close(self) -> None:  # escape while typing
        self._answer(False)

    def action_interrupt(self) -> None:
        self._answer(False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``y`` and ``n`` (shown as ``n/esc``) while a button has the focus; ``esc``
        alone while a field has it (the letters are typed there). False hides a key from
        the footer and lets ``escape`` fall through to its other binding."""
        typing = isinstance(self.focused, Input)
        if action in ("confirm", "cancel"):
            return not typing
        if action == "close":
            return typing
        return True
