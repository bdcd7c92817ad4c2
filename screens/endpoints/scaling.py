"""The autoscaling dialog of the endpoint detail (issue 16): min/max of each scalable
target (a variant or an inference component) and pausing its scaling.

Opened with ``G`` (scale, as on HyperPod) on the detail once its autoscaling section is
read. Every edit is checked as typed with the service's pure check
(:meth:`AutoScalingService.check_capacity`: no AWS call), so a bad value (min above max,
a negative min) is explained before anything
is sent. ``enter`` or ``ctrl+s`` hands the changes back to the view, which asks through the
one confirm dialog and runs them through the gated service (audited, read-only refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from console.errors import SmError, ValidationError
from console.sanitize import clean
from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import TextInput, focus_now
from screens.kit.plain import notify

if TYPE_CHECKING:
    from console.services.autoscaling import ScalableTarget


@dataclass(frozen=True)
class ScalingChange:
    """One target's change: new min/max (None: unchanged) and paused (None: unchanged)."""

    resource: str
    dimension: str
    minimum: int | None = None
    maximum: int | None = None
    suspend: bool | None = None

    @property
    def action(self) -> str:
        """The audit action of the change (a capacity change comes first)."""
        if self.minimum is not None:
            return "autoscaling-set"
        return "autoscaling-suspend" if self.suspend else "autoscaling-resume"


def target_label(target: ScalableTarget) -> str:
    """``endpoint/E/variant/V`` -> ``V``; ``inference-component/C`` -> ``C`` (inert: the
    id is AWS's text)."""
    return clean(target.resource_id.rsplit("/", 1)[-1])


def describe_change(change: ScalingChange, target: ScalableTarget) -> str:
    """One line for the confirm dialog, before -> after."""
    parts = []
    if change.minimum is not None:
        parts.append(
            f"min {target.min_capacity}->{change.minimum}, "
            f"max {target.max_capacity}->{change.maximum}"
        )
    if change.suspend is not None:
        parts.append("pause scaling" if change.suspend else "resume scaling")
    return f"{clean(change.resource)}: {', '.join(parts)}"


def parse_capacity(label: str, what: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationError(
            f"{what} capacity of {label} must be a whole number, got {text!r}", "e.g. 1"
        ) from None


def plan_changes(
    targets: tuple[ScalableTarget, ...], fields: list[tuple[str, str, bool]]
) -> list[ScalingChange]:
    """The changes the fields ask for (``(min, max, paused)`` per target, in order);
    raises :class:`ValidationError` on a bad value. Pure: the dialog and tests use it."""
    from console.services.autoscaling import AutoScalingService

    changes = []
    for target, (low_text, high_text, paused) in zip(targets, fields, strict=True):
        label = target_label(target)
        low = parse_capacity(label, "min", low_text)
        high = parse_capacity(label, "max", high_text)
        try:
            AutoScalingService.check_capacity(low, high)
        except ValidationError as exc:
            raise ValidationError(f"{label}: {exc.message}", exc.hint) from None
        moved = (low, high) != (target.min_capacity, target.max_capacity)
        toggled = paused != target.suspended
        if moved or toggled:
            changes.append(
                ScalingChange(
                    target.resource_id,
                    target.dimension,
                    low if moved else None,
                    high if moved else None,
                    paused if toggled else None,
                )
            )
    return changes


def paused_label(paused: bool) -> str:
    """Spelled out: a compact checkbox shows its state by colour alone (NO_COLOR, a bastion)."""
    return "yes: paused" if paused else "no: scaling"


class ScalingDialog(ModalScreen[list[ScalingChange] | None]):
    """Edit the scalable targets of one endpoint; dismisses with the changes or None."""

    DEFAULT_CSS = """
    ScalingDialog { align: center middle; background: $background 60%; }
    #scaling-box {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        padding: 1 2; border: thick $warning; background: $surface;
    }
    #scaling-title { text-style: bold; color: $warning; width: 100%; }
    #scaling-hint { color: $text-muted; margin-bottom: 1; }
    #scaling-grid {
        grid-size: 4; grid-columns: 1fr 8 8 16; grid-gutter: 0 2; height: auto;
    }
    #scaling-grid Label { height: 1; }
    .scaling-head { text-style: bold; color: $text-muted; }
    .scaling-input { width: 8; }
    #scaling-error { height: auto; color: $text-error; text-style: bold; }
    #scaling-buttons { height: 1; align-horizontal: right; margin-top: 1; }
    #scaling-buttons Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("ctrl+s", "apply", "Review change", id="scaling.apply"),
        Binding("ctrl+g,escape", "cancel", "Cancel", id="scaling.cancel"),
    ]

    def __init__(self, endpoint: str, targets: tuple[ScalableTarget, ...]) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.targets = targets
        self.changes: list[ScalingChange] | None = []
        self.error = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="scaling-box"):
            yield Label(Content(f"Autoscaling of {self.endpoint}"), id="scaling-title")
            yield Static(
                Content(
                    "Instances (copies) the autoscaler may set; paused: it changes none.\n"
                    "tab next field · space toggles paused · enter review · ctrl+g cancel"
                ),
                id="scaling-hint",
            )
            with Grid(id="scaling-grid"):
                for head in ("Target", "Min", "Max", "Scaling"):
                    yield Label(head, classes="scaling-head")
                for index, target in enumerate(self.targets):
                    yield Label(Content(target_label(target)), classes="scaling-target")
                    for field, value in (
                        ("min", target.min_capacity),
                        ("max", target.max_capacity),
                    ):
                        yield TextInput(
                            str(value),
                            type="integer",
                            compact=True,
                            id=f"scaling-{field}-{index}",
                            classes="scaling-input",
                        )
                    yield Checkbox(
                        paused_label(target.suspended),
                        target.suspended,
                        compact=True,
                        id=f"scaling-paused-{index}",
                    )
            yield Static(Content(""), id="scaling-preview")
            yield Static(Content(""), id="scaling-error")
            with Horizontal(id="scaling-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Review change", id="apply", variant="primary", compact=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self._replan()
        if self.targets:
            first = self.query_one("#scaling-min-0", Input)
            focus_now(first)
            first.select_all()

    def _fields(self) -> list[tuple[str, str, bool]]:
        return [
            (
                self.query_one(f"#scaling-min-{index}", Input).value,
                self.query_one(f"#scaling-max-{index}", Input).value,
                self.query_one(f"#scaling-paused-{index}", Checkbox).value,
            )
            for index in range(len(self.targets))
        ]

    def _replan(self) -> None:
        try:
            self.changes = plan_changes(self.targets, self._fields())
        except SmError as exc:
            self.changes, self.error = None, exc.one_line()
            preview = ""
        else:
            self.error = ""
            by_resource = {t.resource_id: t for t in self.targets}
            preview = "\n".join(describe_change(c, by_resource[c.resource]) for c in self.changes)
        self.query_one("#scaling-preview", Static).update(Content(preview))
        self.query_one("#scaling-error", Static).update(Content(self.error))
        self.query_one("#apply", Button).disabled = not self.changes

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Input.Changed | Checkbox.Changed) -> None:
        event.stop()
        if isinstance(event, Checkbox.Changed):
            event.checkbox.label = paused_label(event.value)
        self._replan()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.action_cancel()

    def action_apply(self) -> None:
        self._replan()
        if self.changes is None:
            notify(self, self.error, severity="warning", title="not valid", timeout=4)
            return
        if not self.changes:
            notify(self, "nothing changed yet: edit min, max or paused", timeout=4)
            return
        self.dismiss(self.changes)

    def action_cancel(self) -> None:
        self.dismiss(None)
