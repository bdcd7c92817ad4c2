"""Themes and stylesheets of the full-screen console (see :mod:`themes.registry`)."""

from __future__ import annotations

from pathlib import Path

from screens.tabs import TABS

STYLE_DIR = Path(__file__).parent
# Loaded in this order by the app; later files may refine earlier ones: the shared sheets,
# each tab's own (as the tab registry names them, in tab order), then the shared screens'.
STYLESHEETS = (
    STYLE_DIR / "base.tcss",
    STYLE_DIR / "tables.tcss",
    *(STYLE_DIR / name for spec in TABS for name in spec.styles),
    STYLE_DIR / "dialogs.tcss",
    STYLE_DIR / "logs.tcss",
)
