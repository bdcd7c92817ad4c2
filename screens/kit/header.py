"""The one-line header: account, profile@region, read-only flag, API health, demo label.

It is the operator's answer to "where am I and can I break something": the read-only
flag and the demo label are shown in theme colours ($warning, $accent) so they are hard
to miss; API health turns to $error while any poller is degraded.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from console.config import Config
from console.services.identity import CallerIdentity


class ContextBar(Horizontal):
    """Header line; the main screen feeds it identity and poll health."""

    def __init__(self, config: Config, *, demo_label: str | None = None) -> None:
        super().__init__(id="context-bar")
        self._config = config
        self._demo_label = demo_label
        self._problems: dict[str, str] = {}
        self._texts: dict[str, str] = {
            "hdr-app": "smconsole",
            "hdr-account": "account …",
            "hdr-where": self._where(config.region),
            "hdr-read-only": "READ-ONLY",
            "hdr-health": "API …",
            "hdr-events": "",
            "hdr-demo": f"DEMO {demo_label or ''}".strip(),
        }

    def compose(self) -> ComposeResult:
        for widget_id, text in self._texts.items():
            static = Static(Content(text), id=widget_id)
            if widget_id == "hdr-read-only":
                static.display = self._config.read_only
            elif widget_id == "hdr-events":
                static.display = False
            elif widget_id == "hdr-demo":
                static.display = self._demo_label is not None
            yield static

    def _where(self, region: str) -> str:
        return f"{self._config.profile or 'default'}@{region or '?'}"

    def _set(self, widget_id: str, text: str) -> Static:
        self._texts[widget_id] = text
        static = self.query_one(f"#{widget_id}", Static)
        static.update(Content(text))
        return static

    def set_config(self, config: Config) -> None:
        """The app switched context: show the new profile@region until STS answers."""
        self._config = config
        self._set("hdr-account", "account …")
        self._set("hdr-where", self._where(config.region))
        self.query_one("#hdr-read-only", Static).display = config.read_only

    def set_identity(self, identity: CallerIdentity | None, region: str) -> None:
        self._set("hdr-account", f"account {identity.account if identity else 'unknown'}")
        self._set("hdr-where", self._where(region))

    def set_health(self, resource: str, problem: str | None) -> None:
        if problem:
            self._problems[resource] = problem
        else:
            self._problems.pop(resource, None)
        names = ", ".join(sorted(self._problems))
        text = f"API degraded ({names})" if names else "API ok"
        self._set("hdr-health", text).set_class(bool(self._problems), "-degraded")

    def set_events(self, label: str, *, healthy: bool) -> None:
        """The push channel's state (``events: live``…); hidden without a queue."""
        if label == self._texts["hdr-events"]:
            return
        static = self._set("hdr-events", label)
        static.display = bool(label)
        static.set_class(not healthy, "-degraded")

    @property
    def text(self) -> str:
        """The shown line as plain text (tests, screenshots)."""
        return "  ".join(
            text
            for widget_id, text in self._texts.items()
            if self.query_one(f"#{widget_id}", Static).display
        )
