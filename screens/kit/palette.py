"""Command-palette providers (`:` or ctrl+p): jump to any tab, run any console action,
go to a tab by its type (``:endpoints``) or open a listed resource by its name.

The commands themselves are listed by the app (:meth:`SmConsoleApp.palette_commands`)
and by the main screen for its views (:meth:`MainScreen.palette_commands`), so the
palette, the keys and the help screen describe the same actions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

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


# --- jumping by name and by type (issue 15) -------------------------------------------------
MAX_RESOURCE_HITS = 40  # the palette shows a screenful; a broad query need not list 5,000


@dataclass(frozen=True)
class Resource:
    """A row some tab has already listed: the palette opens it as ``enter`` on its row
    would (no API call: the names come from the tables' last listings)."""

    tab: str
    tab_title: str
    key: str  # the row's key in its table
    name: str
    open: Callable[[], Any]

    @property
    def title(self) -> str:
        return f"{self.tab_title}: {self.name}"


def type_aliases(tab_id: str, title: str) -> frozenset[str]:
    """What an operator types to go to a tab by its type: ``endpoints``, ``endpoint``,
    ``:endpoints``, the title or the id (``sm_experiments``, ``hyperpod``)."""
    words = {tab_id.lower(), title.lower(), title.lower().replace(" ", "")}
    return frozenset(words | {word.removesuffix("s") for word in words if len(word) > 3})


def row_name(item: object, key: str) -> str:
    """The name an operator knows a row by: its ``name``, else its ``label``, else its key."""
    for attribute in ("name", "label"):
        value = getattr(item, attribute, None)
        if isinstance(value, str) and value:
            return value
    return key


NEAR = 0.9  # the best a name that is not the one typed scores


def name_score(name: str, typed: str) -> float:
    """How well ``name`` answers ``typed`` (lower case, a part of it): 1 for the name
    itself, else below :data:`NEAR`, the more of the name typed the higher.

    A part of the name, not a fuzzy match: the fuzzy matcher took 0.2 s per key over
    5,000 job names, on the UI's loop; operators type the part of a name they know.
    """
    if name.lower() == typed:
        return 1.0
    return NEAR * (0.5 + 0.5 * len(typed) / max(1, len(name)))


QUIT_WORDS = frozenset({"q", "quit", "q!", "qa"})


class ResourceCommands(Provider):
    """``:endpoints`` goes to a tab by its type; ``llama3-chat`` opens what is listed by
    that name (``:q`` quits, as in vim and k9s)."""

    def _tabs(self) -> list[tuple[str, str, Callable[[], Any]]]:
        source = getattr(self.app, "palette_tabs", None)
        return list(source()) if callable(source) else []

    def _resources(self) -> list[Resource]:
        source = getattr(getattr(self.app, "main_screen", None), "palette_resources", None)
        return list(source()) if callable(source) else []

    async def search(self, query: str) -> Hits:
        wanted = query.strip().lstrip(":").strip()
        if not wanted:
            return
        lowered = wanted.lower()
        if lowered in QUIT_WORDS:
            yield Hit(1.0, "Quit smconsole", self.app.exit, text="Quit", help="leave (ctrl+c)")
        for tab_id, title, show in self._tabs():
            if lowered in type_aliases(tab_id, title):
                label = f"Go to {title}"
                yield Hit(1.0, Content(label), show, text=label, help=f":{tab_id}")
        matcher = self.matcher(wanted)
        hits = [
            (name_score(resource.name, lowered), resource)
            for resource in self._resources()
            if lowered in resource.name.lower()
        ]
        hits.sort(key=lambda hit: -hit[0])
        for score, resource in hits[:MAX_RESOURCE_HITS]:
            # Content, never a str: a remote name is not markup ("[/x]" shows as typed).
            name = matcher.highlight(resource.name) if score < 1.0 else Content(resource.name)
            yield Hit(
                score,
                Content(f"{resource.tab_title}: ") + name,
                resource.open,
                text=resource.title,
                help=f"open it on the {resource.tab_title} tab",
            )
