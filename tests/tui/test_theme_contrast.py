"""Every built-in theme keeps text readable (issue 15): WCAG contrast ratios computed from
the theme's own variables, as Textual generates them. ``NO_COLOR`` picks a theme whose
colours are known (the ANSI theme's are the terminal's: black on black under NO_COLOR)."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.theme import Theme

from themes.registry import ANSI_THEME, NO_COLOR_THEME, THEMES, choose_theme

TEXT = 4.5  # WCAG AA, normal text
# (text variable, background variable): text, selection, status colours, footer keys.
PAIRS = [
    ("foreground", "background"),
    ("foreground", "surface"),
    ("foreground", "panel"),
    ("text-muted", "background"),
    ("block-cursor-foreground", "block-cursor-background"),
    ("error", "background"),
    ("warning", "background"),
    ("success", "background"),
    ("primary", "background"),
    ("footer-key-foreground", "footer-background"),
    ("footer-description-foreground", "footer-background"),
]
KNOWN = [theme for theme in THEMES if theme.name != ANSI_THEME]


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = color.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def resolve(variables: dict[str, str], name: str, under: Color) -> Color:
    """A variable's colour as drawn over ``under`` ("auto 87%": Textual's contrast text)."""
    value = variables[name]
    if value.startswith("auto"):
        alpha = float(value.split()[1].rstrip("%")) / 100 if " " in value else 1.0
        return under + under.get_contrast_text(alpha)
    return under + Color.parse(value)


def ratios(theme: Theme) -> dict[tuple[str, str], float]:
    variables = theme.to_color_system().generate()
    out = {}
    for text, background in PAIRS:
        under = resolve(variables, background, Color(0, 0, 0))
        out[(text, background)] = contrast(resolve(variables, text, under), under)
    return out


@pytest.mark.parametrize("theme", KNOWN, ids=[theme.name for theme in KNOWN])
def test_text_selection_and_status_colours_are_readable(theme: Theme) -> None:
    low = {pair: round(r, 2) for pair, r in ratios(theme).items() if r < TEXT}
    assert low == {}


def test_no_color_picks_a_theme_with_known_readable_colours() -> None:
    name, warning = choose_theme("ansi", {theme.name for theme in THEMES}, no_color=True)
    assert name == NO_COLOR_THEME and warning is None
    assert name in {theme.name for theme in KNOWN}
    # In greys (Textual's NO_COLOR), black on white stays the widest contrast there is.
    assert min(ratios(next(t for t in KNOWN if t.name == name)).values()) >= TEXT


def test_the_ansi_theme_is_the_one_with_terminal_colours() -> None:
    # Its variables are the terminal's palette ("ansi_…"): not computable, so never NO_COLOR's.
    ansi = next(theme for theme in THEMES if theme.name == ANSI_THEME)
    assert "ansi_" in str(ansi.to_color_system().generate()["foreground"])
