"""Pick the endpoint config an endpoint should move to (``u`` on the Endpoints tab).

The configs are listed in a worker (newest first, capped) when the dialog opens; typing
filters them; ``enter`` picks the highlighted one. The endpoint's current config is shown
but cannot be picked. The view then asks for confirmation and runs UpdateEndpoint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.errors import SmError
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import format_time
from screens.kit.key_order import TextInput, focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.services.endpoints import Endpoint
    from console.services.models import EndpointConfigSummary

CONFIG_LIMIT = 500


class ConfigPicker(ModalScreen[str | None]):
    """Choose another endpoint config for ``endpoint``; dismisses with its name or None."""

    BINDINGS = [
        Binding("ctrl+g,escape", "cancel", "Cancel", id="configs.cancel"),
        Binding("down", "cursor_down", "Next", show=False, id="configs.down"),
        Binding("up", "cursor_up", "Previous", show=False, id="configs.up"),
    ]

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.configs: tuple[EndpointConfigSummary, ...] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="configs-box"):
            yield Label(Content(f"Move {self.endpoint.name} to config…"), id="configs-title")
            yield Static(
                Content(f"now serving {self.endpoint.config_name or '?'}"), id="configs-current"
            )
            yield TextInput(
                placeholder="type to filter · ↑↓ choose · enter picks · ctrl+g cancels",
                compact=True,
                id="configs-filter",
            )
            yield OptionList(id="configs-list")
            yield Static(Content("listing endpoint configs…"), id="configs-state")
        # The form's own keys (ctrl+s...), not the screen's under it.
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#configs-filter", Input))
        run_for_context(
            self,
            lambda context: tuple(context.models.list_endpoint_configs(limit=CONFIG_LIMIT)),
            done=self._listed,
            failed=self._failed,
            name="list configs",
            exclusive=False,
        )

    def _failed(self, error: SmError) -> None:
        self.query_one("#configs-state", Static).update(Content(error.one_line()))
        notify(self, error.one_line(), severity="error", title="endpoint configs")

    def _listed(self, configs: tuple[EndpointConfigSummary, ...]) -> None:
        self.configs = configs
        self._show(self.query_one("#configs-filter", Input).value)

    def _show(self, needle: str) -> None:
        configs = self.configs or ()
        wanted = [c for c in configs if needle.strip().lower() in c.name.lower()]
        options = self.query_one("#configs-list", OptionList)
        options.clear_options()
        current = self.endpoint.config_name
        for config in wanted:
            label = f"{config.name}  ({format_time(config.created, compact=True)})"
            if config.name == current:
                label += "  current"
            options.add_option(
                Option(Content(label), id=config.name, disabled=config.name == current)
            )
        first = next((i for i, c in enumerate(wanted) if c.name != current), None)
        options.highlighted = first
        state = f"{len(wanted)} of {len(configs)} configs"
        if len(configs) >= CONFIG_LIMIT:
            state += f" (newest {CONFIG_LIMIT} listed: type to narrow)"
        self.query_one("#configs-state", Static).update(Content(state))

    @on(Input.Changed, "#configs-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        if self.configs is not None:
            self._show(event.value)

    @on(Input.Submitted, "#configs-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#configs-list", OptionList)
        if options.highlighted is None:
            notify(self, "no config to pick", severity="warning", timeout=3)
            return
        self._pick(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#configs-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option.id)

    def _pick(self, name: str | None) -> None:
        if name and name != self.endpoint.config_name:
            self.dismiss(name)

    def action_cursor_down(self) -> None:
        self.query_one("#configs-list", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#configs-list", OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
