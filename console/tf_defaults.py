"""Defaults from the Terraform stack: what ``tf/`` created, the console uses unless told.

An operator who stood the stack up with ``smconsole tf-apply STACK`` should not have to
copy its execution role ARN, bucket names, MLflow tracking server and HyperPod cluster into
the config by hand. This module reads them from ``terraform output -json`` (in the
configured Terraform directory, when Terraform is installed and the stack has state) or
from a saved copy of that output (config ``terraform_outputs_file``; for machines without
Terraform or without access to the state), and fills in only what the config leaves empty:
an explicit setting always wins. Each filled setting is reported so the Status tab can say
"from Terraform".

Reading runs one ``terraform output`` (no provider start-up, well under a second), so
callers should do it once per context and off the UI thread, not on every command.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.config import Config
from console.errors import ConfigError, NotFoundError, SmError, ToolMissingError
from console.records import Record

# terraform output name -> the config setting it fills (dotted, as in the TOML file).
OUTPUT_SETTINGS: dict[str, str] = {
    "execution_role_arn": "execution_role_arn",
    "input_bucket": "buckets.input",
    "output_bucket": "buckets.output",
    "models_bucket": "buckets.models",
    # The sagemaker-mlflow plugin takes the tracking server ARN as the tracking URI.
    "tracking_server_arn": "mlflow_tracking_uri",
    "cluster_name": "ssh.cluster",
    "region": "region",
    "events_queue_url": "events_queue_url",
}


@dataclass(frozen=True)
class TerraformDefaults(Record):
    """What the stack's outputs offer, and where they were read from."""

    source: str
    stack_name: str = ""
    region: str = ""
    execution_role_arn: str = ""
    input_bucket: str = ""
    output_bucket: str = ""
    models_bucket: str = ""
    tracking_server_arn: str = ""
    cluster_name: str = ""
    cluster_arn: str = ""
    events_queue_url: str = ""
    # Settings this source filled in a config (set by :func:`apply_defaults`' caller).
    applied: tuple[str, ...] = field(default=())

    def settings(self) -> dict[str, str]:
        """Config setting -> value, for the outputs that have a value."""
        values = {name: getattr(self, name) for name in OUTPUT_SETTINGS}
        return {OUTPUT_SETTINGS[name]: value for name, value in values.items() if value}


def _text(outputs: Mapping[str, Any], name: str) -> str:
    """An output as text; absent, null (an optional part switched off) or odd types: ""."""
    value = outputs.get(name)
    return value if isinstance(value, str) else ""


def defaults_from_outputs(outputs: Mapping[str, Any], source: str) -> TerraformDefaults:
    """Build defaults from output values by name (as :func:`console.terraform.read_outputs`)."""
    return TerraformDefaults(
        source=source,
        stack_name=_text(outputs, "stack_name"),
        region=_text(outputs, "region"),
        execution_role_arn=_text(outputs, "execution_role_arn"),
        input_bucket=_text(outputs, "input_bucket"),
        output_bucket=_text(outputs, "output_bucket"),
        models_bucket=_text(outputs, "models_bucket"),
        tracking_server_arn=_text(outputs, "tracking_server_arn"),
        cluster_name=_text(outputs, "cluster_name"),
        cluster_arn=_text(outputs, "cluster_arn"),
        events_queue_url=_text(outputs, "events_queue_url"),
    )


def load_defaults(config: Config, *, stack: str = "") -> TerraformDefaults | None:
    """The stack's defaults, or None when there is nothing to read.

    ``terraform_outputs_file`` in the config wins (a file named but missing or malformed is
    a :class:`ConfigError`: the operator asked for it). Otherwise ``terraform output
    -json`` runs in the Terraform directory, for ``stack``'s workspace when given, else the
    selected one; no Terraform installed, no directory, or no state yet give None.
    """
    from console import terraform

    if config.terraform_outputs_file:
        path = Path(config.terraform_outputs_file).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"terraform_outputs_file {path} does not exist",
                "save it with: terraform output -json > FILE",
            )
        return defaults_from_outputs(terraform.read_outputs(path), str(path))
    try:
        directory = terraform.terraform_dir(config.terraform_dir)
        values = terraform.read_outputs(directory, stack=stack)
    except (ToolMissingError, NotFoundError):
        return None
    except ConfigError:
        if config.terraform_dir:  # a directory the operator named must exist
            raise
        return None
    if not values:
        return None
    where = f"terraform output in {directory}" + (f" (stack {stack})" if stack else "")
    return defaults_from_outputs(values, where)


def apply_defaults(config: Config, defaults: TerraformDefaults) -> TerraformDefaults:
    """Fill the config's empty settings from ``defaults``; set ones are left alone.

    Returns ``defaults`` with ``applied`` naming the settings it filled (dotted TOML keys),
    which is what the Status tab marks "from Terraform".
    """
    applied: list[str] = []
    for setting, value in defaults.settings().items():
        section, _, key = setting.rpartition(".")
        target = getattr(config, section) if section else config
        if not getattr(target, key):
            setattr(target, key, value)
            applied.append(setting)
    return dataclasses.replace(defaults, applied=tuple(applied))


def describe(defaults: TerraformDefaults | None) -> str:
    """One line for the Status tab: where defaults came from, or why there are none."""
    if defaults is None:
        return "no Terraform stack found (tf-apply STACK creates one)"
    if not defaults.applied:
        return f"Terraform stack {defaults.stack_name or '?'}: nothing needed from it"
    settings = ", ".join(defaults.applied)
    return f"from Terraform ({defaults.stack_name or defaults.source}): {settings}"


def safe_load(config: Config, *, stack: str = "") -> tuple[TerraformDefaults | None, str]:
    """:func:`load_defaults` for places that must not fail (start-up, the Status tab):
    (defaults or None, an error line or "")."""
    try:
        return load_defaults(config, stack=stack), ""
    except SmError as exc:
        return None, exc.one_line()


@dataclass(frozen=True)
class TerraformStatus(Record):
    """What reading the stack gave this run: defaults (or None) and an error line."""

    defaults: TerraformDefaults | None = None
    error: str = ""
    wanted: bool = False  # False: no stack or outputs file configured, nothing was read

    def describe(self) -> str:
        if not self.wanted:
            return "not used (set terraform_stack or terraform_outputs_file)"
        if self.error:
            return f"unavailable: {self.error}"
        return describe(self.defaults)


def local_stacks(config: Config) -> dict[str, Path]:
    """Stacks with local state in the Terraform directory (tf-apply's workspaces): name ->
    state file. A cheap directory listing: nothing runs."""
    from console import terraform

    try:
        directory = terraform.terraform_dir(config.terraform_dir)
    except ConfigError:
        return {}
    states = sorted(directory.glob("terraform.tfstate.d/*/terraform.tfstate"))
    return {path.parent.name: path for path in states if path.stat().st_size > 0}


def _cached_outputs(state: Path, cache: Path) -> dict[str, Any] | None:
    """The outputs saved for this exact state file (same size and mtime), if any."""
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        stat = state.stat()
    except (OSError, ValueError):
        return None
    if saved.get("key") != [str(state), stat.st_mtime_ns, stat.st_size]:
        return None
    outputs = saved.get("outputs")
    return outputs if isinstance(outputs, dict) else None


def _save_outputs(state: Path, cache: Path, defaults: TerraformDefaults) -> None:
    stat = state.stat()
    values = {name: getattr(defaults, name) for name in _OUTPUT_FIELDS}
    payload = {"key": [str(state), stat.st_mtime_ns, stat.st_size], "outputs": values}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(payload), encoding="utf-8")
    except OSError:
        pass  # a cache that cannot be written only costs a terraform run next time


_OUTPUT_FIELDS = tuple(
    f.name for f in dataclasses.fields(TerraformDefaults) if f.name not in ("source", "applied")
)


def prepare(config: Config) -> TerraformStatus:
    """Fill ``config``'s empty settings from the Terraform stack, once per run.

    Which stack: the saved outputs file when one is configured; else ``terraform_stack``;
    else the only stack ``tf-apply`` left local state for (several: the operator must
    choose). Outputs of a local state are cached until that state file changes, so a CLI
    command does not pay for a ``terraform output`` run each time. Never raises: a broken
    stack is reported (Status tab, a CLI warning) and the console goes on without it.
    """
    from console.config import state_dir

    stack = config.terraform_stack
    state: Path | None = None
    if not config.terraform_outputs_file:
        stacks = local_stacks(config)
        if not stack:
            if not stacks:
                return TerraformStatus()
            if len(stacks) > 1:
                names = ", ".join(sorted(stacks))
                error = f"several stacks ({names}): set terraform_stack to choose one"
                return TerraformStatus(None, error, wanted=True)
            stack = next(iter(stacks))
        state = stacks.get(stack)
    cache = state_dir() / f"terraform-outputs-{stack}.json"
    cached = _cached_outputs(state, cache) if state is not None else None
    if cached is not None:
        defaults: TerraformDefaults | None = defaults_from_outputs(cached, f"stack {stack}")
        error = ""
    else:
        defaults, error = safe_load(config, stack=stack)
        if defaults is not None and state is not None:
            _save_outputs(state, cache, defaults)
    if defaults is not None:
        defaults = apply_defaults(config, defaults)
    return TerraformStatus(defaults, error, wanted=True)
