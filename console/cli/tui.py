"""Launching the full-screen console: the only place the core imports ``screens``."""

from __future__ import annotations

from typing import Any

from console.errors import SmError


def open_tui(inv: Any, *, demo: Any = None) -> None:
    """Open the Textual app. ``screens`` is imported here, lazily, and nowhere else."""
    try:
        from screens.app import run_app
    except ImportError:
        raise SmError(
            "the full-screen console is not built yet",
            "use the commands listed by `smconsole --help`; the TUI arrives with issue #3",
        ) from None
    run_app(inv.config, demo=demo)
