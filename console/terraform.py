"""Driving ``terraform`` (or OpenTofu's ``tofu``) on the console's own stack definition.

The stack lives in a directory of ``.tf`` files (config ``terraform_dir``; by default the
``tf/`` directory shipped next to the package, else ``./tf``). Every stack-specific run
passes ``-var stack_name=STACK`` and runs in the Terraform *workspace* named after the
stack, so each stack has its own state: destroying stack B can never touch stack A (with
one shared state, a plan for B would replace or destroy A's resources). Apply and destroy
first write a plan file and show it, so what the operator confirms is exactly what is
applied.

A preview changes nothing in the stack directory: ``tf-plan``, and the plan that
``tf-apply``/``tf-destroy`` show before asking, run in a throwaway copy of it
(:meth:`Terraform.sandbox`) with the stack's state copied in. Only once the operator
confirmed (and the gate let it through) is the stack's workspace selected, or created,
in the real directory and the plan applied there. A refused or unconfirmed apply leaves
no workspace, no plan file, nothing.

The shipped ``tf/`` is a module that configures no provider (so others can use it as a
child module); run as the root it needs one. The working copy gets :data:`PROVIDER_FILE`
(region from ``-var region=``/terraform.tfvars, default us-east-1; credentials from the
environment) whenever the directory uses the AWS provider and configures none itself. A
saved plan carries its configuration, so applying it in the stack directory needs no
provider file there: the stack directory is never written to for this.

Output is streamed line by line through a callback (the CLI echoes it; the TUI can show
it in a log pane) rather than inherited, so it can be captured and tested.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.errors import (
    ConfigError,
    NotFoundError,
    SmError,
    ToolMissingError,
    ValidationError,
)

BINARIES = ("terraform", "tofu")
# The same rule as tf/variables.tf: the stack name becomes part of S3 bucket names
# ({stack}-{region code}-models-{account_id}, at most 63 characters), so lower case and at
# most 32 (tf/ refuses at plan time a name that still comes out too long in a region).
_STACK_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
DEFAULT_WORKSPACE = "default"

# The provider configuration the console adds to its working copy of a stack directory
# that uses the AWS provider without configuring it (the shipped tf/ module).
PROVIDER_FILE = "smconsole_provider.tf"
PROVIDER_CONFIG = """\
# Written by smconsole into its working copy: tf/ configures no provider (it is a module
# others can use), so the console supplies this one when it runs tf/ as the root.
# Credentials come from the environment (AWS_PROFILE, ...); the module tags every resource.

variable "region" {
  description = "AWS region of the stack (when smconsole runs tf/ itself)."
  type        = string
  default     = "us-east-1"
}

provider "aws" {
  region = var.region
}
"""
_USES_AWS = re.compile(
    r'(?m)^\s*(?:resource|data)\s+"aws_|"(?:registry\.terraform\.io/)?hashicorp/aws"'
)
_AWS_PROVIDER = re.compile(r'(?m)^\s*provider\s+"?aws"?\s*\{')


def _is_override(path: Path) -> bool:
    """Terraform merges override files into other blocks; they configure nothing alone."""
    stem = path.name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def needs_provider_file(directory: Path) -> bool:
    """True when ``directory`` uses the AWS provider and has no ``provider "aws"`` block."""
    uses_aws = False
    for path in sorted([*directory.glob("*.tf"), *directory.glob("*.tf.json")]):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        uses_aws = uses_aws or bool(_USES_AWS.search(text))
        if _is_override(path):
            continue
        if path.name.endswith(".json"):
            try:
                provider = json.loads(text).get("provider", {})
            except (json.JSONDecodeError, AttributeError):
                continue
            configured = isinstance(provider, dict) and "aws" in provider
        else:
            configured = bool(_AWS_PROVIDER.search(text))
        if configured:
            return False
    return uses_aws


def add_provider_file(directory: Path) -> bool:
    """Write :data:`PROVIDER_FILE` into ``directory`` (a working copy) when it needs one."""
    if not needs_provider_file(directory):
        return False
    (directory / PROVIDER_FILE).write_text(PROVIDER_CONFIG, encoding="utf-8")
    return True


class TerraformError(SmError):
    """terraform ran and failed; its own output (already shown) says why."""

    kind = "terraform"


def find_binary(path: str | None = None) -> str:
    """The full path of ``terraform``, else ``tofu``; ToolMissingError when neither is."""
    for name in BINARIES:
        found = shutil.which(name, path=path)
        if found:
            return found
    raise ToolMissingError(
        "neither terraform nor tofu is installed (or on PATH)",
        "install Terraform (https://developer.hashicorp.com/terraform/install) or OpenTofu",
    )


def default_dir() -> Path:
    """``tf/`` next to the package when it exists (a source checkout), else ``./tf``."""
    import console

    shipped = Path(console.__file__).resolve().parent.parent / "tf"
    return shipped if shipped.is_dir() else Path.cwd() / "tf"


def terraform_dir(configured: str = "") -> Path:
    """The stack directory: the configured one, or :func:`default_dir`; it must hold .tf."""
    path = Path(configured).expanduser() if configured else default_dir()
    if not path.is_dir():
        raise ConfigError(
            f"terraform directory {path} does not exist", "set terraform_dir in the config"
        )
    if not any(path.glob("*.tf")) and not any(path.glob("*.tf.json")):
        raise ConfigError(
            f"no Terraform configuration (*.tf) in {path}", "set terraform_dir in the config"
        )
    return path


def check_stack(name: str) -> str:
    """A stack name: it names buckets and the Terraform workspace, so S3's rules apply."""
    if not isinstance(name, str) or not _STACK_RE.match(name) or "--" in name:
        from console.sanitize import inert

        raise ValidationError(
            f"stack name {inert(repr(name), 60)} is not valid",
            "use 3-32 lower-case letters, digits and single hyphens, starting with a letter",
        )
    return name


@dataclass(frozen=True)
class TerraformOutput:
    name: str
    value: Any
    sensitive: bool


def parse_outputs(text: str) -> dict[str, TerraformOutput]:
    """Parse ``terraform output -json`` (or a plain ``{"name": value}`` JSON object)."""
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValidationError(f"terraform outputs are not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ValidationError("terraform outputs must be a JSON object")
    out: dict[str, TerraformOutput] = {}
    for name, entry in data.items():
        if isinstance(entry, dict) and "value" in entry:
            out[name] = TerraformOutput(name, entry["value"], bool(entry.get("sensitive")))
        else:
            out[name] = TerraformOutput(name, entry, False)
    return out


def read_outputs(
    source: str | Path, *, stack: str = "", binary: str | None = None
) -> dict[str, Any]:
    """Output values by name, from a saved ``terraform output -json`` file or a stack dir.

    A directory runs ``terraform output -json`` in it, for ``stack``'s workspace when one
    is named, else the selected one (no state yet: an empty dict).
    """
    path = Path(source).expanduser()
    if path.is_dir():
        text = Terraform(path, binary=binary).output_json(stack)
    elif path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read terraform outputs {path}: {exc}") from None
    else:
        raise ConfigError(f"terraform outputs {path} do not exist")
    return {name: output.value for name, output in parse_outputs(text).items()}


Echo = Callable[[str], None]


def _name(args: tuple[str, ...]) -> str:
    """The subcommand, for messages: ``plan``, ``workspace select``."""
    return " ".join(args[:2]) if args[0] == "workspace" else args[0]


class Terraform:
    """Runs terraform subcommands in one directory, streaming output to ``echo``."""

    def __init__(
        self,
        directory: Path,
        *,
        binary: str | None = None,
        echo: Echo = print,
        color: bool = False,
        data_dir: Path | None = None,
    ) -> None:
        self.directory = directory
        self.binary = binary or find_binary()
        self.echo = echo
        self.color = color
        # TF_DATA_DIR for every run (a sandbox's own copy); None: terraform's default.
        self.data_dir = data_dir

    def _args(self, *args: str) -> list[str]:
        # Subcommands with their own subcommand ("workspace select") take flags after both.
        head = 2 if args[0] == "workspace" else 1
        extra = ["-input=false"] if args[0] in {"init", "plan", "apply"} else []
        if not self.color:
            extra.append("-no-color")
        return [self.binary, *args[:head], *extra, *args[head:]]

    def _env(self, workspace: str | None = None) -> dict[str, str]:
        env = {**os.environ, "TF_IN_AUTOMATION": "1"}
        if workspace is not None:
            env["TF_WORKSPACE"] = workspace  # this run only; the selection stays as it is
        else:
            env.pop("TF_WORKSPACE", None)  # an inherited one would override our select
        if self.data_dir is not None:
            env["TF_DATA_DIR"] = str(self.data_dir)
        return env

    def _source_data_dir(self) -> Path:
        """Where ``terraform init`` keeps this directory's providers and backend settings."""
        if self.data_dir is not None:
            return self.data_dir
        inherited = os.environ.get("TF_DATA_DIR")
        if inherited:
            return (self.directory / inherited).resolve()
        return self.directory / ".terraform"

    @contextmanager
    def sandbox(self, stack: str) -> Iterator[Terraform]:
        """A :class:`Terraform` on a throwaway copy of the directory, for previews.

        The copy has the configuration, the stack's own state (``terraform.tfstate.d/
        STACK``, when it exists) and a data directory whose providers are a link to the
        real ones (read, never written; no copy of a ~500 MB provider), and the provider
        configuration when the directory has none (:func:`add_provider_file`). Selecting
        or creating the workspace and writing the plan happen in the copy; the copy is
        removed afterwards, so a preview leaves the stack directory exactly as it was.
        """
        check_stack(stack)
        root = Path(tempfile.mkdtemp(prefix="smconsole-tf-"))
        try:
            copy = root / "stack"
            shutil.copytree(
                self.directory,
                copy,
                symlinks=True,
                ignore=shutil.ignore_patterns(".terraform", "terraform.tfstate.d", "*.tfplan"),
            )
            add_provider_file(copy)
            state = self.directory / "terraform.tfstate.d" / stack
            if state.is_dir():
                shutil.copytree(state, copy / "terraform.tfstate.d" / stack, symlinks=True)
            data = copy / ".terraform"
            source = self._source_data_dir()
            if source.is_dir():
                shutil.copytree(
                    source, data, symlinks=True, ignore=shutil.ignore_patterns("providers")
                )
                if (source / "providers").is_dir():
                    (data / "providers").symlink_to((source / "providers").resolve())
            yield Terraform(
                copy, binary=self.binary, echo=self.echo, color=self.color, data_dir=data
            )
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def run(self, *args: str) -> None:
        """Run ``terraform ARGS``, echoing every line; TerraformError on a non-zero exit."""
        command = self._args(*args)
        env = self._env()
        try:
            process = subprocess.Popen(
                command,
                cwd=self.directory,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                env=env,
            )
        except OSError as exc:
            raise ToolMissingError(f"cannot run {self.binary}: {exc.strerror or exc}") from None
        assert process.stdout is not None
        try:
            for line in process.stdout:
                self.echo(line.rstrip("\n"))
        except KeyboardInterrupt:
            # terraform got the same SIGINT: let it stop cleanly (and unlock its state).
            process.wait()
            raise
        code = process.wait()
        if code != 0:
            raise TerraformError(f"terraform {_name(args)} failed (exit {code})")

    def capture(self, *args: str, workspace: str | None = None) -> str:
        """Run ``terraform ARGS`` and return its stdout (stderr goes into the error)."""
        try:
            done = subprocess.run(
                self._args(*args),
                cwd=self.directory,
                capture_output=True,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                env=self._env(workspace),
                check=False,
            )
        except OSError as exc:
            raise ToolMissingError(f"cannot run {self.binary}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            detail = " ".join(done.stderr.split())[:300]
            raise TerraformError(f"terraform {_name(args)} failed: {detail or done.returncode}")
        return done.stdout

    # --- workspaces: one state per stack ----------------------------------------------
    def workspaces(self) -> list[str]:
        """The workspaces (stacks) that exist, ``default`` included."""
        listing = self.capture("workspace", "list")
        return [line.strip().lstrip("*").strip() for line in listing.splitlines() if line.strip()]

    def use_stack(self, stack: str) -> None:
        """Select the stack's workspace, creating it on first use."""
        self.run("workspace", "select", "-or-create=true", check_stack(stack))

    def forget_stack(self, stack: str) -> None:
        """After a destroy: leave and delete the stack's (now empty) workspace.

        Terraform refuses to delete a workspace whose state still tracks resources, so this
        can never drop the record of something that still exists.
        """
        self.run("workspace", "select", DEFAULT_WORKSPACE)
        self.run("workspace", "delete", check_stack(stack))

    # --- the commands -------------------------------------------------------------
    def init(self) -> None:
        self.run("init")

    def stack_var_file(self, stack: str) -> Path:
        """``stacks/STACK.tfvars``: settings of one stack (terraform.tfvars is for all)."""
        return self.directory / "stacks" / f"{check_stack(stack)}.tfvars"

    def plan(self, stack: str, *, destroy: bool = False, out: Path | None = None) -> None:
        """Plan in the stack's workspace (selected, or created, first), with the stack's
        own variables file when there is one."""
        self.use_stack(stack)
        args = ["plan", "-var", f"stack_name={check_stack(stack)}"]
        if self.stack_var_file(stack).is_file():
            args.append(f"-var-file={self.stack_var_file(stack)}")
        if destroy:
            args.append("-destroy")
        if out is not None:
            args.append(f"-out={out}")
        self.run(*args)

    def plan_file(self, stack: str, *, destroy: bool = False) -> Path:
        """Where the plan shown to the operator is kept until it is applied (in a
        :meth:`sandbox`'s copy: it is removed with the copy)."""
        suffix = "destroy" if destroy else "apply"
        return self.directory / f".smconsole-{check_stack(stack)}-{suffix}.tfplan"

    def apply_plan(self, plan: Path, stack: str = "") -> None:
        """Apply a saved plan (no prompt: the operator confirmed the plan already).

        With ``stack``, its workspace is selected (created on first apply) first: the
        only step of an apply that touches the stack directory before terraform applies.
        A state that changed since the plan makes terraform refuse it as stale.
        """
        if stack:
            self.use_stack(stack)
        self.run("apply", str(plan))

    def output_json(self, stack: str = "") -> str:
        """``terraform output -json`` of ``stack`` (else of the selected workspace).

        A named stack is read through ``TF_WORKSPACE`` so the operator's selection is left
        alone; a stack that was never applied has no outputs (and gets no workspace).
        """
        if not stack:
            return self.capture("output", "-json")
        if check_stack(stack) not in self.workspaces():
            raise NotFoundError(
                f"no Terraform state for stack {stack}", f"tf-apply {stack} creates it"
            )
        return self.capture("output", "-json", workspace=stack)

    def outputs(self, stack: str = "") -> dict[str, TerraformOutput]:
        return parse_outputs(self.output_json(stack))
