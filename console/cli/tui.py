"""Launching the full-screen console: the only place the core imports ``screens``."""

from __future__ import annotations

import gc
import platform
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from console.errors import SmError

# An unhandled error in the full-screen console ends it with this status (sysexits.h
# EX_SOFTWARE): scripts and service managers see the crash, unlike Textual's status 0.
CRASH_EXIT = 70


def open_tui(inv: Any, *, demo: Any = None) -> None:
    """Open the Textual app. ``screens`` is imported here, lazily, and nowhere else.

    With no terminal (a pipe, cron, CI) a full-screen app cannot work: say so in one line
    instead of drawing into the void. If the app ends on an unhandled error, the full
    report goes to a file and the exit is non-zero (see :func:`exit_on_crash`).
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

    try:
        crash = run_app(inv.config, demo=demo, terraform=inv.terraform, prefetch=prefetch)
    except Exception as error:  # an error outside the app's loop is a crash too
        crash = error
    if crash is not None:
        exit_on_crash(crash)


def exit_on_crash(error: BaseException) -> NoReturn:
    """Write the crash report, print one line saying where it is, exit with CRASH_EXIT."""
    try:
        path = write_crash_report(error)
    except OSError:
        # The state directory is not writable (a read-only home): the temp dir will do.
        path = write_crash_report(error, directory=Path(tempfile.gettempdir()))
    click.echo(crash_line(error, path), err=True)
    # SystemExit, not click's Exit: ``main`` runs click with standalone_mode off, which
    # turns Exit into a return value that would be dropped.
    raise SystemExit(CRASH_EXIT)


def crash_line(error: BaseException, path: Path) -> str:
    """``smconsole crashed: KeyError: '4'; report: /path``, as one line of safe text.

    The message may quote remote text (a job name in a KeyError): escapes are removed and
    newlines shown, so this line cannot drive the terminal it is printed to.
    """
    from console.sanitize import inert

    message = inert(str(error), limit=300)
    what = type(error).__name__ + (f": {message}" if message else "")
    return f"smconsole crashed: {what}; report: {inert(str(path))}"


def write_crash_report(
    error: BaseException,
    *,
    directory: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """The full traceback (causes included) and versions, in a new file under the state
    directory (beside the audit log). Locals are left out: they hold credentials and
    remote text, and the report is meant to be attached to a bug report."""
    from console import __version__
    from console.config import state_dir
    from console.sanitize import strip_escapes

    when = now or datetime.now(UTC)
    folder = directory or state_dir() / "crashes"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"smconsole {__version__} crashed at {when.isoformat(timespec='seconds')}",
        f"python {platform.python_version()} on {platform.platform()}",
        f"textual {_version('textual')}, boto3 {_version('boto3')}",
        "",
        *traceback.format_exception(error),
    ]
    stamp = when.strftime("%Y%m%dT%H%M%S")
    # x mode: two crashes in one second do not overwrite each other.
    for attempt in range(100):
        path = folder / f"crash-{stamp}{f'-{attempt}' if attempt else ''}.txt"
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(strip_escapes("\n".join(line.rstrip("\n") for line in lines)) + "\n")
        except FileExistsError:
            continue
        return path
    raise FileExistsError(folder / f"crash-{stamp}.txt")


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"
