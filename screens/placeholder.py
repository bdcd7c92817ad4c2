"""A tab whose content arrives in a later slice: says so, and where it will come from."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static


class ComingSoon(Vertical):
    """Placeholder view: a title and a one-line "coming soon: <source>" state."""

    def __init__(self, title: str, source: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="coming-soon")
        self.title_text = title
        self.source = source

    @property
    def state_text(self) -> str:
        return f"coming soon: {self.source}"

    def compose(self) -> ComposeResult:
        yield Static(Content(self.title_text), classes="section-title")
        yield Static(Content(self.state_text), classes="coming-soon-state")

    def focus_main(self) -> None:
        self.focus()
