"""Switch the AWS profile and region at runtime (``C``, or ``:`` then "Context").

The dialog lists the profiles in the shared AWS config files and offers the SageMaker
regions as suggestions; ``enter`` applies. The app then builds a new
:class:`~console.context.ConsoleContext` and bumps its generation, so every result still
in flight for the old account is dropped (see :meth:`SmConsoleApp.switch_context`).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from console.aws.profiles import region_name
from console.errors import SmError
from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import TextInput, focus_now


@dataclass(frozen=True)
class ContextChoice:
    """What the operator picked: "" profile means the default credential chain."""

    profile: str
    region: str


class ContextDialog(ModalScreen[ContextChoice | None]):
    """Pick a profile and a region; dismisses with the choice, or None on cancel."""

    BINDINGS = [
        Binding("ctrl+g,escape", "cancel", "Cancel", id="context.cancel"),
    ]

    def __init__(self, profiles: list[str], regions: list[str], current: ContextChoice) -> None:
        super().__init__()
        self.profiles = profiles
        self.regions = regions
        self.current = current

    def compose(self) -> ComposeResult:
        profile = self.current.profile or "default"
        options = [(Content(name), name) for name in self.profiles]
        if profile not in self.profiles:
            options.insert(0, (Content(f"{profile} (not in ~/.aws/config)"), profile))
        with Vertical(id="context-box"):
            yield Label(Content("Switch AWS context"), id="context-title")
            yield Static(
                Content(
                    f"now {profile}@{self.current.region or '?'} · results of the old "
                    "context are dropped"
                ),
                id="context-current",
            )
            yield Label("Profile", classes="context-label")
            yield Select(options, value=profile, allow_blank=False, id="context-profile")
            yield Label("Region", classes="context-label")
            yield TextInput(
                self.current.region,
                placeholder="e.g. eu-west-1",
                suggester=SuggestFromList(self.regions, case_sensitive=False),
                compact=True,
                id="context-region",
            )
            yield Static(Content(""), id="context-error")
            with Horizontal(id="context-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Switch", id="apply", variant="primary", compact=True)
        # The form's own keys (ctrl+s...), not the screen's under it.
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#context-profile", Select))

    @on(Input.Submitted, "#context-region")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_apply(self) -> None:
        selected = self.query_one("#context-profile", Select).value
        profile = "" if selected in (Select.BLANK, "default") else str(selected)
        try:
            region = region_name(self.query_one("#context-region", Input).value)
        except SmError as exc:
            self.query_one("#context-error", Static).update(Content(exc.one_line()))
            focus_now(self.query_one("#context-region", Input))
            return
        self.dismiss(ContextChoice(profile, region))

    def action_cancel(self) -> None:
        self.dismiss(None)
