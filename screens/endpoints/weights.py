"""The A/B traffic dialog: new weights (and instances) per variant, with a live preview.

Weights are relative (``90`` and ``10`` send 90 % and 10 %). Every edit re-plans the
change with the service's pure planner (``plan_variant_weights``: no AWS call), so the
preview shows exactly the split that would be requested and a bad value (negative,
every variant at 0) is explained before anything is sent. ``enter`` or ``ctrl+s`` hands
the plan back to the view, which asks for confirmation through the one confirm dialog.

Above the preview each variant's last hour (5xx rate, p50/p99 latency), and an optional
guard (issue 16): ``5xx<1%`` for 15 minutes puts the weights back by itself if a variant
gaining traffic passes the rate (console/services/traffic_guard.py; the view runs it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from console.errors import SmError, ValidationError
from console.services.cloudwatch import GuardRule
from screens.endpoints.render import plan_summary, plan_table
from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import TextInput, focus_now
from screens.kit.plain import notify

if TYPE_CHECKING:
    from console.services.endpoints import Endpoint

Planner = Callable[["Endpoint", Mapping[str, float], Mapping[str, int]], Sequence[Any]]


GUARD_MINUTES = 15


@dataclass(frozen=True)
class WeightPlan:
    """What the operator asked for, checked, and how to say it in the confirm dialog."""

    weights: dict[str, float]
    counts: dict[str, int] = field(default_factory=dict)
    summary: str = ""
    guard: GuardRule | None = None
    guard_minutes: int = GUARD_MINUTES


def parse_guard(rule: str, minutes: str) -> tuple[GuardRule | None, int]:
    """The guard fields: an empty rule is no guard; minutes 1-180 (as the CLI)."""
    if not rule.strip():
        return None, GUARD_MINUTES
    parsed = GuardRule.parse(rule)
    try:
        value = int(minutes.strip() or GUARD_MINUTES)
    except ValueError:
        raise ValidationError(
            f"guard minutes must be a whole number, got {minutes!r}", "e.g. 15"
        ) from None
    if not 1 <= value <= 180:
        raise ValidationError(f"guard minutes must be 1-180, got {value}")
    return parsed, value


def parse_weight(variant: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValidationError(f"weight of {variant} must be a number, got {text!r}") from None
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValidationError(f"weight of {variant} must be >= 0, got {text!r}")
    return value


def parse_count(variant: str, text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValidationError(
            f"instances of {variant} must be a whole number, got {text!r}"
        ) from None
    if value < 1:
        raise ValidationError(f"instances of {variant} must be at least 1, got {value}")
    return value


class WeightsDialog(ModalScreen[WeightPlan | None]):
    """Edit the weights of ``endpoint``'s variants; dismisses with the plan or None."""

    BINDINGS = [
        Binding("ctrl+s", "apply", "Review change", id="weights.apply"),
        Binding("ctrl+g,escape", "cancel", "Cancel", id="weights.cancel"),
        Binding("down", "move(1)", "Next variant", show=False, id="weights.next"),
        Binding("up", "move(-1)", "Previous variant", show=False, id="weights.previous"),
    ]

    def __init__(self, endpoint: Endpoint, planner: Planner) -> None:
        super().__init__()
        self.endpoint = endpoint
        self._planner = planner
        self.plan: WeightPlan | None = None
        self.error = ""

    def compose(self) -> ComposeResult:
        endpoint = self.endpoint
        with VerticalScroll(id="weights-box"):
            yield Label(Content(f"Traffic split of {endpoint.name}"), id="weights-title")
            yield Static(
                Content(
                    "Weights are relative: 90 and 10 send 90% and 10% of requests.\n"
                    "tab next field · ↑↓ next variant · enter review · ctrl+g cancel"
                ),
                id="weights-hint",
            )
            with Grid(id="weights-grid"):
                yield Label("Variant", classes="weights-head")
                yield Label("Weight", classes="weights-head")
                yield Label("Instances", classes="weights-head")
                for index, variant in enumerate(endpoint.variants):
                    yield Label(Content(variant.name), classes="weights-variant")
                    weight = variant.desired_weight
                    yield TextInput(
                        "" if weight is None else f"{weight:g}",
                        type="number",
                        compact=True,
                        id=f"weight-{index}",
                        classes="weights-input",
                    )
                    count = variant.desired_instance_count
                    yield TextInput(
                        "" if count is None else str(count),
                        type="integer",
                        compact=True,
                        id=f"count-{index}",
                        classes="weights-input",
                    )
            with Grid(id="weights-guard"):
                # Named in full and "none" when empty: in NO_COLOR a placeholder such as
                # "5xx<1%" reads as a guard that is set, and the minutes sat unlabelled
                # under the Instances column.
                yield Label("Guard (e.g. 5xx<1%), minutes", classes="weights-variant")
                yield TextInput(
                    "",
                    placeholder="none",
                    compact=True,
                    id="guard-rule",
                    classes="weights-input",
                )
                yield TextInput(
                    str(GUARD_MINUTES),
                    type="integer",
                    compact=True,
                    id="guard-minutes",
                    classes="weights-input",
                )
            yield Static(id="weights-preview")
            # Each variant's last hour (issue 16), filled by a worker; empty if unavailable.
            yield Static(Content(""), id="weights-health")
            yield Static(Content(""), id="weights-error")
            with Horizontal(id="weights-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Review change", id="apply", variant="primary", compact=True)
        # The form's own keys (ctrl+s...), not the screen's under it.
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self._replan()
        self._read_health()
        if self.endpoint.variants:
            first = self.query_one("#weight-0", Input)
            focus_now(first)
            first.select_all()

    def _read_health(self) -> None:
        from screens.kit.work import run_for_context

        name, variants = self.endpoint.name, [v.name for v in self.endpoint.variants]
        if not variants:
            return
        run_for_context(
            self,
            lambda context: context.cloudwatch.variant_health(name, variants),
            done=self._health_read,
            failed=self._health_failed,
            name="weights-health",
        )

    def _health_read(self, healths: Sequence[Any]) -> None:
        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.0f} ms"

        lines = ["last hour:"] + [
            f"  {h.variant}: 5xx {h.error_rate_5xx:.2%} of {h.invocations:,.0f}, "
            f"p50 {ms(h.latency_p50_ms)}, p99 {ms(h.latency_p99_ms)}"
            for h in healths
        ]
        self.query_one("#weights-health", Static).update(Content("\n".join(lines)))

    def _health_failed(self, error: SmError) -> None:
        """No metrics (denied, a local stack): the dialog works without them."""

    # --- planning ---------------------------------------------------------------------------
    def _inputs(self) -> tuple[dict[str, float], dict[str, int]]:
        weights: dict[str, float] = {}
        counts: dict[str, int] = {}
        for index, variant in enumerate(self.endpoint.variants):
            weights[variant.name] = parse_weight(
                variant.name, self.query_one(f"#weight-{index}", Input).value
            )
            count_text_ = self.query_one(f"#count-{index}", Input).value.strip()
            if count_text_:
                count = parse_count(variant.name, count_text_)
                if count != variant.desired_instance_count:
                    counts[variant.name] = count
        return weights, counts

    def _replan(self) -> None:
        endpoint = self.endpoint
        preview = self.query_one("#weights-preview", Static)
        try:
            weights, counts = self._inputs()
            self._planner(endpoint, weights, counts)
            guard, minutes = parse_guard(
                self.query_one("#guard-rule", Input).value,
                self.query_one("#guard-minutes", Input).value,
            )
        except SmError as exc:
            self.plan = None
            self.error = exc.one_line()
        else:
            self.error = ""
            summary = plan_summary(endpoint, weights, counts)
            if guard is not None:
                summary += (
                    f"\nguard: roll back if {guard.describe()} is broken within {minutes} min"
                )
            self.plan = WeightPlan(weights, counts, summary, guard, minutes)
            preview.update(plan_table(endpoint, weights, counts))
        self.query_one("#weights-error", Static).update(Content(self.error))
        self.query_one("#apply", Button).disabled = self.plan is None

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        event.stop()
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
        if self.plan is None:
            notify(self, self.error, severity="warning", title="not valid", timeout=4)
            return
        if not self.plan.counts and all(
            self.plan.weights.get(v.name) == v.desired_weight for v in self.endpoint.variants
        ):
            notify(self, "nothing changed yet: edit a weight", severity="warning", timeout=4)
            return
        self.dismiss(self.plan)

    def action_move(self, step: int) -> None:
        """Up/down: the same field (weight or instances) of the next/previous variant."""
        focused = self.focused
        if not isinstance(focused, Input) or not focused.id or not self.endpoint.variants:
            return
        field_name, _, index = focused.id.partition("-")
        if not index.isdigit():
            return  # the guard's fields: not per variant
        target = (int(index) + step) % len(self.endpoint.variants)
        focus_now(self.query_one(f"#{field_name}-{target}", Input))

    def action_cancel(self) -> None:
        self.dismiss(None)
