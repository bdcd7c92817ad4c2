"""The start-an-execution form: one field per parameter the pipeline declares.

Each field starts at the declared default, so ``ctrl+s`` at once runs the pipeline as
it is defined. Only the values the operator changed are sent (a default left alone stays
the pipeline's own, even if the definition changes it later); the confirm dialog that
follows names them. An empty field for a parameter without a default is refused here, as
SageMaker would refuse it after the call.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from console.services.pipelines import PipelineParameter
from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import TextInput, focus_now


def changed_values(
    declared: tuple[PipelineParameter, ...], typed: dict[str, str]
) -> dict[str, str]:
    """The typed values that differ from their declared default (what is sent)."""
    return {
        p.name: typed[p.name]
        for p in declared
        if p.name in typed and typed[p.name] != (p.default or "")
    }


def missing_values(declared: tuple[PipelineParameter, ...], typed: dict[str, str]) -> list[str]:
    """Parameters with no default left empty (SageMaker refuses the start)."""
    return [p.name for p in declared if p.default is None and not typed.get(p.name, "").strip()]


class StartExecutionForm(ModalScreen[dict[str, str] | None]):
    """Fill in a pipeline's parameters; dismisses with the values to send, or None."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", id="pipeline_start.start"),
        Binding("ctrl+g,escape", "cancel", "Cancel", id="pipeline_start.cancel"),
    ]

    def __init__(self, pipeline: str, declared: tuple[PipelineParameter, ...]) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.declared = declared

    def compose(self) -> ComposeResult:
        with Vertical(id="ps-box"):
            yield Label(Content(f"Start pipeline {self.pipeline}"), id="ps-title")
            with VerticalScroll(id="ps-body"):
                if not self.declared:
                    yield Static(Content("This pipeline declares no parameters."))
                with Grid(classes="ps-grid"):
                    for index, parameter in enumerate(self.declared):
                        yield Label(
                            Content(f"{parameter.name} ({parameter.type})"), classes="ps-label"
                        )
                        yield TextInput(
                            parameter.default or "",
                            placeholder="required" if parameter.default is None else "",
                            compact=True,
                            id=f"ps-field-{index}",
                            classes="ps-input",
                        )
            yield Static(Content("ctrl+s: start (asks first) · esc: cancel"), id="ps-status")
            with Horizontal(id="ps-buttons"):
                yield Button("Cancel", id="ps-cancel", compact=True)
                yield Button("Start", id="ps-start", variant="primary", compact=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        fields = list(self.query(".ps-input").results(Input))
        focus_now(fields[0] if fields else self.query_one("#ps-start", Button))

    def typed(self) -> dict[str, str]:
        return {
            parameter.name: self.query_one(f"#ps-field-{index}", Input).value.strip()
            for index, parameter in enumerate(self.declared)
        }

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ps-start":
            self.action_start()
        else:
            self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.focus_next()

    def action_start(self) -> None:
        typed = self.typed()
        missing = missing_values(self.declared, typed)
        if missing:
            status = self.query_one("#ps-status", Static)
            status.update(Content(f"required: {', '.join(missing)} (no default)"))
            status.add_class("-problem")
            return
        self.dismiss(changed_values(self.declared, typed))

    def action_cancel(self) -> None:
        self.dismiss(None)
