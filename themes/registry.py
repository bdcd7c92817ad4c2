"""The console's themes, registered with the app at start.

Colours live here, as :class:`textual.theme.Theme` objects; the ``.tcss`` files next to
this module only use the semantic variables these generate (``$primary``, ``$error``,
``$warning``, ``$success``, ``$panel``…), so every view follows the chosen theme.

- ``smconsole-dark`` (default) and ``smconsole-light``: calm palettes for long sessions;
- ``smconsole-high-contrast``: black/white with saturated accents, for projectors, low
  vision and washed-out terminals;
- ``smconsole-ansi``: Textual's ANSI theme, drawn with the terminal's own 16 colours
  (tmux, bastions, light terminals). Its colours are the terminal's, unknown here: under
  ``NO_COLOR`` (Textual then draws in greys) it drew black on black, so ``NO_COLOR`` picks
  the high-contrast theme, whose black/white keeps its contrast in greys
  (tests/tui/test_theme_contrast.py checks every theme's ratios).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from textual.app import App
from textual.theme import BUILTIN_THEMES, Theme

DEFAULT_THEME = "smconsole-dark"
ANSI_THEME = "smconsole-ansi"
NO_COLOR_THEME = "smconsole-high-contrast"

SMCONSOLE_DARK = Theme(
    name="smconsole-dark",
    primary="#4C9BE8",
    secondary="#3A6EA5",
    accent="#E8A84C",
    warning="#E8C34C",
    error="#E8574C",
    success="#5CC27A",
    foreground="#DADFE5",
    background="#13171C",
    surface="#1A1F26",
    panel="#222A33",
    dark=True,
)

SMCONSOLE_LIGHT = Theme(
    name="smconsole-light",
    primary="#1F5FA8",
    secondary="#3A6EA5",
    accent="#A8561F",
    warning="#8A6A00",
    error="#B3261E",
    success="#1E7B34",
    foreground="#1C2128",
    background="#F6F7F9",
    surface="#ECEEF1",
    panel="#DDE2E8",
    dark=False,
    # The accent on the footer's panel read 4.0:1; primary reads above 4.5:1.
    variables={"footer-key-foreground": "#1F5FA8"},
)

SMCONSOLE_HIGH_CONTRAST = Theme(
    name="smconsole-high-contrast",
    primary="#FFD700",
    secondary="#00FFFF",
    accent="#FF66FF",
    warning="#FFFF00",
    error="#FF4D4D",
    success="#00FF66",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
    variables={
        "border": "#FFFFFF",
        "border-blurred": "#BFBFBF",
        "block-cursor-background": "#FFD700",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "footer-key-foreground": "#FFD700",
        "text-muted": "#D0D0D0",
    },
)

# Textual's own ANSI theme under our name: the terminal's palette, no truecolour.
SMCONSOLE_ANSI = dataclasses.replace(BUILTIN_THEMES["ansi-dark"], name=ANSI_THEME)

THEMES: tuple[Theme, ...] = (
    SMCONSOLE_DARK,
    SMCONSOLE_LIGHT,
    SMCONSOLE_HIGH_CONTRAST,
    SMCONSOLE_ANSI,
)
THEME_NAMES = tuple(theme.name for theme in THEMES)

# Short names accepted in the config (`theme = "ansi"`).
ALIASES = {
    "dark": "smconsole-dark",
    "light": "smconsole-light",
    "high-contrast": "smconsole-high-contrast",
    "contrast": "smconsole-high-contrast",
    "ansi": ANSI_THEME,
    "terminal": ANSI_THEME,
}


def register_themes(app: App[Any]) -> None:
    for theme in THEMES:
        app.register_theme(theme)


def no_color_requested(env: Mapping[str, str]) -> bool:
    """https://no-color.org: set and not empty."""
    return bool(env.get("NO_COLOR", ""))


def choose_theme(
    requested: str, available: set[str], *, no_color: bool = False
) -> tuple[str, str | None]:
    """The theme to start with and, if the request could not be honoured, why.

    ``available`` is every registered name (ours and Textual's built-ins, which stay
    selectable from the command palette).
    """
    if no_color:
        return NO_COLOR_THEME, None
    name = ALIASES.get(requested.strip().lower(), requested.strip()) or DEFAULT_THEME
    if name in available:
        return name, None
    return DEFAULT_THEME, f"unknown theme {requested!r}; using {DEFAULT_THEME}"


def next_theme(current: str) -> str:
    """The theme after ``current`` in our family (``ctrl+t`` cycles)."""
    if current not in THEME_NAMES:
        return THEME_NAMES[0]
    return THEME_NAMES[(THEME_NAMES.index(current) + 1) % len(THEME_NAMES)]
