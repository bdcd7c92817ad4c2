"""Console commands: `demo`, the console on a local demo account with no AWS needed.

`smconsole demo` starts the embedded demo stack (moto on 127.0.0.1, seeded and
simulated, plus a local MLflow store) and opens the full-screen console on it. With
`--serve`, or while the full-screen console is not available, it keeps the stack up and
prints the environment that points other shells (and `smconsole` commands) at it. Every
line it prints says DEMO: nothing here is a real account.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from console.cli.root import Invocation, command, pass_invocation
from console.config import Config, load_config
from console.errors import SmError

SECTION = "Console"


def _note(message: str) -> None:
    """Status for people, on stderr, so stdout stays `source`-able export lines."""
    click.echo(f"[demo] {message}", err=True)


@command("demo", SECTION, short_help="Open the console on a local demo account (no AWS needed).")
@click.option(
    "--serve",
    is_flag=True,
    help="Keep the demo stack up without the full-screen console and print its environment "
    "for other shells; stop with Ctrl-C.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the environment to FILE (`source FILE` in another shell); removed when "
    "the demo stops.",
)
@click.option(
    "--tick",
    type=click.FloatRange(min=0.05, max=60.0),
    default=1.5,
    show_default=True,
    help="Seconds between simulation steps (jobs progress, endpoints come up, ...).",
)
@click.option("--no-mlflow", is_flag=True, help="Skip the local MLflow store (starts lighter).")
@click.option(
    "--poll",
    is_flag=True,
    help="No events queue: the console polls as it does without one (the demo pushes "
    "state changes through EventBridge -> SQS by default).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your config file (default: `smconsole --config`, else the XDG path): its keymap, "
    "theme, poll, log and MLflow column settings and read_only are used, never its AWS "
    "settings (profile, region, endpoints, roles, audit log).",
)
@pass_invocation
def demo(
    inv: Invocation,
    serve: bool,
    env_file: Path | None,
    tick: float,
    no_mlflow: bool,
    poll: bool,
    config_file: Path | None,
) -> None:
    """Run the console on an embedded demo stack: a realistic SageMaker account on loopback.

    Nothing is sent to AWS: the stack runs in this process on 127.0.0.1 with fake
    credentials and fake data, and disappears when the command ends.
    """
    from console.extras import DEMO, require

    require(DEMO)  # without the extra: one line naming `pip install 'smconsole[demo]'`
    # Before the stack starts: a bad config file or keymap fails at once, with its hint.
    own = operator_config(inv, config_file)
    # The demo command is the demo's entry point: the one place outside console/demo that
    # imports it (tests/test_import_hygiene.py allows exactly this file).
    from console.demo.stack import DEMO_LABEL, DemoStack

    _note(f"starting the {DEMO_LABEL} ...")
    stack = DemoStack(tick_seconds=tick, mlflow=not no_mlflow, events=not poll)
    stack.start()
    try:
        # Before environment(): the `unset` line must name the operator's own variables.
        lines = stack.shell_lines()
        with stack.environment():
            config = with_preferences(stack.config(), own)
            config.read_only = own.read_only or bool(inv.overrides.get("read_only"))
            inv._config = config
            inv._context = None
            if not serve:
                try:
                    from console.cli.tui import open_tui

                    open_tui(inv, demo=stack)
                    return
                except SmError as exc:
                    _note(f"{exc.message}: serving the demo stack without it (as with --serve)")
            _serve(stack, lines, env_file)
    finally:
        stack.stop()
        if env_file is not None:
            env_file.unlink(missing_ok=True)
        _note("demo stopped; its temporary files are gone")


def operator_config(inv: Invocation, config_file: Path | None) -> Config:
    """The operator's own config file (``demo --config``, else ``smconsole --config``, else
    the XDG path, which may be missing), read before the demo's environment replaces theirs."""
    from console.cli.root import check_keymap

    named = config_file or (Path(inv.config_path) if inv.config_path else None)
    path = named.expanduser() if named is not None else None
    own = load_config(path, required=path is not None)
    check_keymap(own.keymap)
    return own


def with_preferences(demo: Config, own: Config) -> Config:
    """The demo's config with the operator's own way of working: keys, theme, polling,
    log buffer, MLflow columns. Never their AWS settings: the demo's account, endpoints,
    roles and audit log stay (a profile or endpoint of theirs would reach a real account)."""
    return replace(
        demo,
        theme=own.theme,
        keymap=dict(own.keymap),
        poll=replace(own.poll),
        log_max_lines=own.log_max_lines,
        mlflow_columns=dict(own.mlflow_columns),
    )


def _summary(stack: Any) -> str:
    world = stack.world
    return (
        f"{len(world.training_jobs)} training jobs, {len(world.tuning_jobs)} tuning jobs, "
        f"{len(world.endpoints)} endpoints, {len(world.notebooks)} notebooks, "
        f"{len(world.package_groups)} model package groups, HyperPod cluster "
        f"{world.cluster_name}; seeded in {world.seconds:.1f}s"
    )


def _serve(stack: Any, lines: list[str], env_file: Path | None) -> None:
    """Print the environment, then keep the stack up until Ctrl-C or SIGTERM."""
    click.echo("\n".join(lines))
    sys.stdout.flush()
    source = stack.env_path
    if env_file is not None:
        fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        source = env_file
    _note(f"demo account ready at {stack.url}: {_summary(stack)}")
    _note(f"in another shell: source {source}   then e.g.: smconsole training-list")
    if stack.with_mlflow:
        _note("the demo MLflow store is filling in the background")
    _note("Ctrl-C (or SIGTERM) stops the demo")
    with _stop_signals() as stopped:
        announced = not stack.with_mlflow
        try:
            while not stopped.wait(0.5):
                if not announced and stack.mlflow_done.is_set():
                    announced = True
                    if stack.mlflow_ready.is_set():
                        _note(f"demo MLflow store ready: MLFLOW_TRACKING_URI={stack.mlflow_uri}")
                    else:
                        _note(f"demo MLflow store unavailable: {stack.mlflow_error}")
        except KeyboardInterrupt:
            pass


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM/SIGHUP (Ctrl-C arrives as KeyboardInterrupt)."""
    stopped = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, lambda *_: stopped.set())
        except ValueError:  # not the main thread (embedded use): rely on the caller
            break
    try:
        yield stopped
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
