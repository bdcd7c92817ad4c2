"""Command-palette provider (`:` or ctrl+p): jump to any tab, run any console action.

The commands themselves are listed by the app (:meth:`SmConsoleApp.palette_commands`)
and by the main screen for its views (:meth:`MainScreen.palette_commands`), so the
palette, the keys and the help screen describe the same actions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

PaletteCommand = tuple[str, str, Callable[[], Any]]


class ConsoleCommands(Provider):
    """Tabs, themes and actions of smconsole."""

    def _commands(self) -> Sequence[PaletteCommand]:
        commands: list[PaletteCommand] = []
        # The app's own commands, then those of the views on its main screen.
        for owner in (self.app, getattr(self.app, "main_screen", None)):
            source = getattr(owner, "palette_commands", None)
            if callable(source):
                commands.extend(source())
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
