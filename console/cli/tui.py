"""Launching the full-screen console: the only place the core imports ``screens``."""

from __future__ import annotations

import gc
import sys
from typing import Any

from console.errors import SmError


def open_tui(inv: Any, *, demo: Any = None) -> None:
    """Open the Textual app. ``screens`` is imported here, lazily, and nowhere else.

    With no terminal (a pipe, cron, CI) a full-screen app cannot work: say so in one line
    instead of drawing into the void.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise SmError(
            "the full-screen console needs a terminal",
            "run it in a terminal, or use a command: `smconsole --help`",
        )
    # Start-up builds ~a million long-lived objects (Textual, botocore's models): the
    # cyclic GC would walk them over and over for nothing (~7% of start-up CPU). The app
    # turns it back on, with those objects frozen, once the first data is drawn.
    gc.disable()
    # Before importing the TUI: the helper lists jobs on the other core meanwhile.
    from console.services.jobs_prefetch import JobsPrefetch

    prefetch = JobsPrefetch.start(inv.config)
    from screens.app import run_app

    run_app(inv.config, demo=demo, terraform=inv.terraform, prefetch=prefetch)
