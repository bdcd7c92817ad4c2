"""Themes and stylesheets of the full-screen console (see :mod:`themes.registry`)."""

from __future__ import annotations

from pathlib import Path

STYLE_DIR = Path(__file__).parent
# Loaded in this order by the app; later files may refine earlier ones.
STYLESHEETS = (
    STYLE_DIR / "base.tcss",
    STYLE_DIR / "tables.tcss",
    STYLE_DIR / "jobs.tcss",
    STYLE_DIR / "endpoints.tcss",
    STYLE_DIR / "notebooks.tcss",
    STYLE_DIR / "model_registry.tcss",
    STYLE_DIR / "experiments.tcss",
    STYLE_DIR / "sm_experiments.tcss",
    STYLE_DIR / "status.tcss",
    STYLE_DIR / "dialogs.tcss",
    STYLE_DIR / "logs.tcss",
    STYLE_DIR / "hyperpod.tcss",
)
