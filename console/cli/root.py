"""The root ``smconsole`` group: global options, grouped help, shared helpers for commands.

Commands register themselves with :func:`command` and a ``section`` so ``--help`` lists
them grouped like the seed's table. Each command gets an :class:`Invocation` holding the
config, a lazily built :class:`ConsoleContext` and the output mode.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from console import __version__
from console.config import Config, load_config
from console.errors import AbortedError

F = TypeVar("F", bound=Callable[..., Any])

# Section order for --help; commands name one of these.
SECTIONS = (
    "Console",
    "Terraform",
    "Training jobs",
    "Processing jobs",
    "Tuning jobs",
    "Pipelines",
    "Batch transform",
    "Notebooks",
    "Models",
    "Endpoint configs",
    "Endpoints",
    "Experiments and trials",
    "Model registry",
    "MLflow",
    "IAM roles",
    "HyperPod",
    "Logs and status",
)


class SectionedGroup(click.Group):
    """A group whose help lists commands under section headings, in section order.

    ``loader`` (set by :mod:`console.cli.main`) imports the command modules the first
    time a command is looked up or listed: `smconsole` with no command opens the
    full-screen console and never pays for them (~0.1 s of start-up).
    """

    loader: Callable[[], object] | None = None

    def _load(self) -> None:
        loader, self.loader = self.loader, None
        if loader is not None:
            loader()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        by_section: dict[str, list[tuple[str, click.Command]]] = {}
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            section = getattr(cmd, "section", "Other")
            by_section.setdefault(section, []).append((name, cmd))
        order = [*SECTIONS, *sorted(set(by_section) - set(SECTIONS))]
        width = formatter.width - 6 if formatter.width else 80
        for section in order:
            rows = by_section.get(section)
            if not rows:
                continue
            with formatter.section(section):
                formatter.write_dl(
                    [(name, cmd.get_short_help_str(limit=width - 30)) for name, cmd in rows]
                )

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return list(self.commands)  # registration order, grouped by module

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        self._load()
        # Allow grouped aliases such as `smconsole training list` for `training-list`.
        if len(args) >= 2 and args[0] not in self.commands:
            joined = f"{args[0]}-{args[1]}"
            if joined in self.commands:
                args = [joined, *args[2:]]
        return super().resolve_command(ctx, args)


@dataclass
class Invocation:
    """Per-run state shared by all commands (the click ``obj``)."""

    overrides: dict[str, Any]
    config_path: str | None
    json_output: bool = False
    _config: Config | None = None
    _context: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    terraform: Any = None  # console.tf_defaults.TerraformStatus, once the config is read

    @property
    def config(self) -> Config:
        """The config, with empty settings filled from the Terraform stack if one is set."""
        if self._config is None:
            from pathlib import Path

            from console.tf_defaults import prepare

            path = Path(self.config_path).expanduser() if self.config_path else None
            # A path the operator named must exist (required): see load_config.
            config = load_config(path, overrides=self.overrides, required=path is not None)
            check_keymap(config.keymap)
            self.terraform = prepare(config)
            if self.terraform.error:
                click.secho(f"warning: Terraform defaults {self.terraform.describe()}", err=True)
            self._config = config
        return self._config

    @property
    def console(self) -> Any:
        """The :class:`ConsoleContext` (services); built on first use."""
        if self._context is None:
            from console.aws import call_watch
            from console.context import ConsoleContext

            config = self.config
            timeout = self.extra.get("timeout")
            watch = call_watch.CallWatch(
                lambda line: click.echo(line, err=True),
                after=call_watch.AFTER_SECONDS
                if sys.stderr.isatty()
                else call_watch.QUIET_AFTER_SECONDS,
                hint=f"giving up after --timeout {timeout:g}s"
                if timeout
                else "Ctrl-C to stop, --timeout SECONDS to give up sooner",
            )
            self._context = ConsoleContext(
                config,
                source="cli",
                terraform=self.terraform,
                watch=watch,
                max_attempts=1 if timeout else None,
            )
        return self._context

    def execution_role(self, given: str | None) -> str:
        """The execution role for a create: ``--role``, else the config's, else the role
        `smconsole role-create` makes (looked up by its known name, and said so on stderr,
        so the quick start's `role-create` then `notebook-create` works as written).

        Empty when there is none: the service then refuses with its own hint.
        """
        if given:
            return given
        configured = self.config.execution_role_arn
        if configured:
            return configured
        from console.errors import SmError
        from console.services.iam import DEFAULT_ROLE_NAME, Role

        try:
            role: Role | None = self.console.iam.find_role(DEFAULT_ROLE_NAME)
        except SmError:
            return ""  # IAM not reachable or not allowed: the "no execution role" error
        if role is None or not role.sagemaker_trusted:
            return ""
        click.echo(
            f"note: no execution role configured; using {role.arn} "
            "(the role `smconsole role-create` made)",
            err=True,
        )
        click.echo(
            f'note: to pin it, set execution_role_arn = "{role.arn}" in {self.config.source}',
            err=True,
        )
        return role.arn


def warn_image_region(inv: Invocation, image: str) -> None:
    """A warning on stderr when IMAGE is in another region's ECR than the job's region."""
    from console.images import region_mismatch

    warning = region_mismatch(image, inv.console.sessions.region)
    if warning:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


def check_keymap(keymap: dict[str, str]) -> None:
    """Refuse a ``[keymap]`` that shadows a binding, for commands and the console alike.

    The bindings live in ``screens``: imported here only when there is a keymap (the
    check costs ~0.5 s of imports; a config without ``[keymap]`` never pays it).
    """
    if keymap:
        from screens.binding_owners import check_keymap as check

        check(keymap)


pass_invocation = click.make_pass_decorator(Invocation)


@click.group(
    cls=SectionedGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--profile", metavar="NAME", help="AWS profile (default: AWS_PROFILE or config).")
@click.option("--region", metavar="REGION", help="AWS region (default: AWS_REGION or config).")
@click.option("--endpoint-url", metavar="URL", help="Custom endpoint, e.g. a local moto server.")
@click.option("--read-only", is_flag=True, default=None, help="Refuse every mutation.")
@click.option(
    "--json", "json_output", is_flag=True, help="Machine-readable output (read commands)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=None,
    metavar="SECONDS",
    help="Give up on an AWS call not answered within this many seconds (no retries).",
)
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    envvar="SMCONSOLE_CONFIG",
    help="Config file (default: XDG config path).",
)
@click.version_option(__version__, "--version", prog_name="smconsole")
@click.pass_context
def cli(
    ctx: click.Context,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    read_only: bool | None,
    json_output: bool,
    timeout: float | None,
    config_path: str | None,
) -> None:
    """smconsole: a keyboard-driven operations console for Amazon SageMaker.

    Run with no command to open the full-screen console; `smconsole demo` runs it on an
    embedded local stack with no AWS account.
    """
    overrides: dict[str, Any] = {
        "profile": profile,
        "region": region,
        "endpoint_url": endpoint_url,
        "read_only": read_only,
    }
    if timeout is not None:
        overrides["read_timeout"] = timeout
        overrides["connect_timeout"] = min(timeout, 5.0)
    ctx.obj = Invocation(overrides=overrides, config_path=config_path, json_output=json_output)
    ctx.obj.extra["timeout"] = timeout
    if ctx.invoked_subcommand is None:
        from console.cli.tui import open_tui

        open_tui(ctx.obj)


def command(name: str, section: str, **kwargs: Any) -> Callable[[F], click.Command]:
    """Register a subcommand of ``smconsole`` under a help section."""

    def decorator(fn: F) -> click.Command:
        cmd = cli.command(name, **kwargs)(fn)
        cmd.section = section  # type: ignore[attr-defined]
        return cmd

    return decorator


json_option = click.option(
    "--json", "json_output", is_flag=True, default=False, help="Machine-readable output."
)
yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")


def wants_json(inv: Invocation, json_output: bool = False) -> bool:
    return inv.json_output or json_output


class AwsChoice(click.Choice[str]):
    """One of AWS's enum values, typed in any case (``--status inprogress``) and always
    shown as AWS spells them: click's case-insensitive choice lists its lower-cased forms
    when a value is refused (``'inprogress', 'completed'``), which are not what the API,
    the console or ``--json`` show. Every enum option of the CLI uses this."""

    def __init__(self, choices: Sequence[str]) -> None:
        super().__init__(choices, case_sensitive=False)

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        spelled = ", ".join(str(choice) for choice in self.choices)
        return f"{value!r} is not one of {spelled}."


def list_options(statuses: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """The options every list command shares: [--status], --name-contains, --limit, --json."""

    def decorator(fn: F) -> F:
        fn = json_option(fn)
        fn = click.option(
            "--limit", type=click.IntRange(min=1), default=None, help="At most this many."
        )(fn)
        fn = click.option("--name-contains", metavar="TEXT")(fn)
        if statuses:
            fn = click.option("--status", type=AwsChoice(statuses))(fn)
        return fn

    return decorator


def report_created(inv: Invocation, json_output: bool, message: str, **fields: str) -> None:
    """What a create command made: ``message: ARN`` for people, an object for scripts."""
    if wants_json(inv, json_output):
        from console.cli.output import print_json

        print_json(fields)
    else:
        click.echo(f"{message}: {fields['arn']}")


def confirm(
    inv: Invocation, action: str, target: str, *, yes: bool, prompt: str | None = None
) -> None:
    """Ask before a stop/delete. Refuses in read-only mode before asking.

    With no terminal to ask on (CI, a pipe) and no ``--yes`` it refuses rather than guess.
    """
    gate = inv.console.gate
    gate.precheck(action, target)  # audits the refusal
    if yes:
        return
    question = prompt or f"{action} {target}?"
    refusal: AbortedError | None = None
    if not sys.stdin.isatty():
        refusal = AbortedError(
            f"{action} {target} needs confirmation and there is no terminal to ask on",
            "pass --yes to confirm",
        )
    elif not click.confirm(question, default=False, err=True):
        refusal = AbortedError(f"{action} {target}: cancelled")
    if refusal is not None:
        gate.refused(action, target, refusal)  # a mutation not confirmed is audited too
        raise refusal
