"""The `!` screen: the alerts fired so far, newest first.

Each line is built from our own words (:meth:`console.events.alerts.Alert.message`) and
the change's fields, which were sanitised when the change was parsed; shown as plain
``Content`` (never markup), so a hostile reason cannot style or escape anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.kit.events_link import alert_time
from screens.kit.key_order import focus_now

if TYPE_CHECKING:
    from console.events.alerts import Alert
    from screens.kit.events_link import EventsLink


def notification_lines(alerts: list[Alert]) -> list[str]:
    """One line per alert (and the reason, indented, when the change has one)."""
    lines: list[str] = []
    for alert in alerts:
        lines.append(f"{alert_time(alert)}  {alert.rule.name}  {alert.message()}")
        if alert.change.reason:
            lines.append(f"    {alert.change.reason[:200]}")
    return lines


class NotificationsScreen(ModalScreen[None]):
    """Fired alerts, newest first. Closed by q, !, escape or enter."""

    BINDINGS = [
        Binding("q", "close", "Close", id="notifications.close"),
        Binding(
            "exclamation_mark,escape,enter",
            "close",
            "Close",
            show=False,
            id="notifications.close_alt",
        ),
    ]

    def __init__(self, link: EventsLink) -> None:
        super().__init__()
        self._link = link

    def compose(self) -> ComposeResult:
        alerts = list(self._link.notifications)
        lines = notification_lines(alerts)
        if not lines:
            lines = ["no alerts fired yet ([[alerts]] rules in the config)"]
        with VerticalScroll(id="notifications-box"):
            yield Static(Content(f"Alerts ({len(alerts)}), newest first"), classes="section-title")
            yield Static(Content("\n".join(lines)), id="notifications-list")

    def on_mount(self) -> None:
        focus_now(self.query_one("#notifications-box"))

    def action_close(self) -> None:
        self.dismiss(None)
