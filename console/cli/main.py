"""Entry point of the ``smconsole`` script: the one place errors become exit codes.

User mistakes and AWS refusals arrive here as :class:`SmError` and are printed as one
``error:`` line (plus a ``hint:`` line) with a non-zero exit; no traceback. Anything else
is a bug: one line too, with the traceback only under ``SMCONSOLE_DEBUG=1``.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import traceback

import click

from console.cli.root import cli
from console.errors import RETRY_HINT, SmError
from console.sanitize import inert

# Command modules, in --help order within their sections. Each registers its commands
# on import through ``console.cli.root.command``.
COMMAND_MODULES = (
    "console.cli.commands.console_cmds",
    "console.cli.commands.terraform",
    "console.cli.commands.training",
    "console.cli.commands.processing",
    "console.cli.commands.pipelines",
    "console.cli.commands.transform",
    "console.cli.commands.tuning",
    "console.cli.commands.quotas",
    "console.cli.commands.notebooks",
    "console.cli.commands.models",
    "console.cli.commands.endpoints",
    "console.cli.commands.production",
    "console.cli.commands.experiments",
    "console.cli.commands.registry",
    "console.cli.commands.mlflow",
    "console.cli.commands.iam",
    "console.cli.commands.hyperpod",
    "console.cli.commands.hyperpod_lifecycle",
    "console.cli.commands.slurm",
    "console.cli.commands.slurm_ops",
    "console.cli.commands.status",
    "console.cli.commands.watch",
)


@functools.cache
def load_commands() -> click.Group:
    """Import every command module once (each registers its commands on ``cli``)."""
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    return cli


# A one-shot command has retried already when it prints: say what the operator can do.
CLI_RETRY_HINT = (
    "the CLI already retried and gave up: try again later, or set AWS_MAX_ATTEMPTS "
    "(e.g. 10) to retry longer"
)
FALLBACK_HINT = "run with SMCONSOLE_DEBUG=1 for details"


def report(error: SmError) -> None:
    """``error:`` and, always, ``hint:`` (what to do next)."""
    click.secho(f"error: {error.message}", fg="red", err=True)
    hint = error.hint or FALLBACK_HINT
    if RETRY_HINT in hint:
        hint = hint.replace(RETRY_HINT, CLI_RETRY_HINT)
    click.echo(f"hint: {hint}", err=True)


def report_usage(error: click.UsageError) -> None:
    """Click's usage errors (a missing argument, an unknown option or command) in the same
    two lines as every other error: what is wrong, then the usage and where the rest is."""
    click.secho(f"error: {inert(error.format_message())}", fg="red", err=True)
    ctx = error.ctx
    if ctx is None or ctx.parent is None:  # the command itself, or a global option
        click.echo("hint: `smconsole --help` lists every command and option", err=True)
        return
    usage = ctx.get_usage().removeprefix("Usage: ").strip()
    click.echo(f"hint: usage: {usage}; `{ctx.command_path} --help` lists every option", err=True)


def main(argv: list[str] | None = None) -> int:
    # Command modules load when a command is looked up (not for the full-screen console).
    group = cli
    # Not "if no commands yet": importing one command module (a test, a plugin) registers
    # a few commands, and the rest would then never load.
    if load_commands.cache_info().currsize == 0:
        group.loader = load_commands
    try:
        group.main(args=argv, prog_name="smconsole", standalone_mode=False)
    except SmError as error:
        report(error)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.UsageError as error:
        report_usage(error)
        return error.exit_code
    except click.ClickException as error:
        click.secho(f"error: {inert(error.format_message())}", fg="red", err=True)
        click.echo(f"hint: {FALLBACK_HINT}", err=True)
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        # `smconsole training-list | head`: the reader went away; not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug: say so in one line, keep the traceback opt-in
        if os.environ.get("SMCONSOLE_DEBUG"):
            traceback.print_exc()
        click.secho(
            f"internal error: {type(error).__name__}: {inert(str(error))}", fg="red", err=True
        )
        click.echo("hint: run with SMCONSOLE_DEBUG=1 for the traceback and report it", err=True)
        return 70
    return 0


def run() -> None:  # pragma: no cover - thin wrapper for the console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
