"""The console's settings: one typed model, loaded from TOML, environment and CLI flags.

Precedence, highest first: command-line flags, environment variables, the config file,
defaults. The AWS conventions are honoured (``AWS_PROFILE``, ``AWS_REGION`` /
``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL``, ``MLFLOW_TRACKING_URI``) so the console
behaves like the AWS CLI an operator already uses. Every ``SMCONSOLE_*`` variable maps
onto a key of the file (``SMCONSOLE_READ_ONLY=1``, ``SMCONSOLE_POLL_JOBS=5``, …).

The file lives at the XDG config path (``~/.config/smconsole/config.toml``), or wherever
``SMCONSOLE_CONFIG`` / ``--config`` says. Tests point ``SMCONSOLE_CONFIG`` and the XDG
variables at temporary directories so they never read a developer's real config.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from console.errors import ConfigError

APP_NAME = "smconsole"


@dataclass
class PollIntervals:
    """Seconds between polls per resource; ``transitional`` applies while anything shown
    is InProgress/Creating/Updating/Stopping, so operators see changes quickly without
    hammering the account's shared API quota the rest of the time."""

    jobs: float = 15.0
    endpoints: float = 30.0
    notebooks: float = 60.0
    experiments: float = 30.0
    registry: float = 30.0
    hyperpod: float = 30.0
    slurm: float = 10.0  # queue, history and the nodes joined with sinfo
    gpus: float = 5.0  # the GPU panel of a running job
    status: float = 60.0
    logs: float = 3.0
    transitional: float = 5.0
    max_backoff: float = 120.0


@dataclass
class SshSettings:
    """How to reach the cluster's login node (used by the HyperPod pane)."""

    transport: str = "ssh"  # ssh | ssm | local | demo (the demo's simulated cluster)
    host: str = ""
    user: str = ""
    port: int = 22
    jump: str = ""
    identity_file: str = ""
    known_hosts: str = ""
    accept_new_host_keys: bool = False
    keepalive: int = 30
    cluster: str = ""
    remote_dir: str = "~/.smconsole/jobs"
    nvidia_smi: str = "nvidia-smi"  # the program on the nodes (a path if not on PATH)


@dataclass
class Buckets:
    input: str = ""
    output: str = ""
    models: str = ""


@dataclass
class Config:
    """Everything the console can be told. Field names are the TOML keys."""

    profile: str = ""
    region: str = ""
    endpoint_url: str = ""
    mlflow_tracking_uri: str = ""
    mlflow_registry_uri: str = ""
    read_only: bool = False
    theme: str = "smconsole-dark"
    execution_role_arn: str = ""
    audit_log: str = ""
    terraform_dir: str = ""
    terraform_outputs_file: str = ""
    # The tf-* stack whose outputs fill empty settings (role, buckets, MLflow, cluster).
    terraform_stack: str = ""
    # The SQS queue of SageMaker's EventBridge events (tf/ ``enable_console_events``):
    # with one, the console and ``smconsole watch`` are pushed changes instead of polling.
    events_queue_url: str = ""
    # Seconds to wait for an AWS connection / answer (slow bastion links may want more).
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    # Lines a log view keeps (older ones are dropped): memory stays bounded.
    log_max_lines: int = 50_000
    # Refuse a create above these (USD; empty = no limit): a job's projected cost (price
    # x instances x max runtime) and an endpoint's hourly cost. Text, read by
    # console/cli/cost_check.py ("500", "12.5").
    max_job_cost: str = ""
    max_hourly_cost: str = ""
    poll: PollIntervals = field(default_factory=PollIntervals)
    ssh: SshSettings = field(default_factory=SshSettings)
    buckets: Buckets = field(default_factory=Buckets)
    keymap: dict[str, str] = field(default_factory=dict)
    # MLflow runs-table columns per experiment id, comma-separated ("status,params.lr,…"):
    # the column picker's choice, kept across sessions.
    mlflow_columns: dict[str, str] = field(default_factory=dict)
    # ``[[alerts]]`` rules on pushed/polled state changes (checked by
    # console.events.alerts.rules_from_config when the config is loaded).
    alerts: list[dict[str, Any]] = field(default_factory=list)
    # Where this config was read from (not a TOML key).
    source: str = field(default="", metadata={"internal": True})

    @property
    def is_local_endpoint(self) -> bool:
        """True when talking to a custom endpoint (moto, LocalStack) rather than AWS."""
        return bool(self.endpoint_url)

    def audit_path(self) -> Path:
        if self.audit_log:
            return Path(self.audit_log).expanduser()
        return state_dir() / "audit.jsonl"

    def to_toml_dict(self) -> dict[str, Any]:
        """The config as TOML-ready data (internal fields and empty values left out)."""
        data = dataclasses.asdict(self)
        data.pop("source", None)
        return _prune(data)


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            nested = _prune(value)
            if nested:
                out[key] = nested
        elif value not in ("", None, []):
            out[key] = value
    return out


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def state_dir() -> Path:
    from platformdirs import user_state_path

    return user_state_path(APP_NAME, appauthor=False)


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    explicit = env.get("SMCONSOLE_CONFIG")
    return Path(explicit).expanduser() if explicit else config_dir() / "config.toml"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(value: Any, kind: Any, where: str) -> Any:
    """Check/convert one value against its declared type, with a one-line error."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if kind is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        try:
            return int(value)
        # OverflowError: TOML's `inf` (or 1e400) as a whole number.
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}") from None
    if kind is float:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
        if not (math.isfinite(number) and number > 0):
            raise ConfigError(f"{where}: expected a positive number, got {value!r}")
        return number
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if kind == dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ConfigError(f"{where}: expected a table of strings")
        return dict(value)
    if kind == list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ConfigError(f"{where}: expected an array of tables ([[…]])")
        return [dict(item) for item in value]
    raise ConfigError(f"{where}: unsupported setting type")  # pragma: no cover


def _apply(target: Any, data: Mapping[str, Any], source: str, path: str = "") -> None:
    """Set fields of dataclass ``target`` from ``data``, refusing unknown keys.

    ``source`` says where the values came from (a file name, "environment", "option")
    and ``path`` is the dotted key prefix, so errors read ``c.toml: poll.jobs: …``.
    """
    hints = get_type_hints(type(target))
    names = {f.name for f in fields(target) if not f.metadata.get("internal")}
    for key, value in data.items():
        dotted = f"{path}{key}"
        if key not in names:
            raise ConfigError(
                f"{source}: unknown setting {dotted!r}", f"known: {', '.join(sorted(names))}"
            )
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: {dotted}: expected a table")
            _apply(current, value, source, f"{dotted}.")
        else:
            setattr(target, key, _coerce(value, hints[key], f"{source}: {dotted}"))


# SMCONSOLE_* variables that are not config keys: the config path itself, the demo's
# marker and its simulated Slurm's state directory, and the CLI's traceback switch.
_NOT_SETTINGS = frozenset(
    {"SMCONSOLE_CONFIG", "SMCONSOLE_DEMO", "SMCONSOLE_DEMO_SLURM_DIR", "SMCONSOLE_DEBUG"}
)


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """Settings from the environment, as a nested dict shaped like the TOML file."""
    out: dict[str, Any] = {}
    # AWS and MLflow conventions first; SMCONSOLE_* below take precedence over them.
    if env.get("AWS_PROFILE"):
        out["profile"] = env["AWS_PROFILE"]
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        out["region"] = region
    if env.get("AWS_ENDPOINT_URL"):
        out["endpoint_url"] = env["AWS_ENDPOINT_URL"]
    if env.get("MLFLOW_TRACKING_URI"):
        out["mlflow_tracking_uri"] = env["MLFLOW_TRACKING_URI"]
    if env.get("MLFLOW_REGISTRY_URI"):
        out["mlflow_registry_uri"] = env["MLFLOW_REGISTRY_URI"]
    sections = {f.name for f in fields(Config) if f.name in {"poll", "ssh", "buckets"}}
    for name, value in env.items():
        if not name.startswith("SMCONSOLE_") or name in _NOT_SETTINGS:
            continue
        key = name[len("SMCONSOLE_") :].lower()
        section, _, rest = key.partition("_")
        if section in sections and rest:
            out.setdefault(section, {})[rest] = value
        else:
            out[key] = value
    return out


def load_config(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    required: bool | None = None,
) -> Config:
    """Read the config file (if any), then apply environment and explicit overrides.

    A missing file at the default XDG path is fine (defaults). A file the operator named
    (``--config``, so ``required=True``, or ``SMCONSOLE_CONFIG`` when ``path`` is not
    given) must exist: a misspelt path would otherwise drop ``read_only = true`` without
    a word. A malformed file is a :class:`ConfigError` naming the file and the problem
    in one line.
    """
    env = os.environ if env is None else env
    if required is None:
        required = path is None and bool(env.get("SMCONSOLE_CONFIG"))
    path = path or default_config_path(env)
    config = Config(source=str(path))
    if required and not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise ConfigError(
            f"config file {str(path)!r} {what}",
            "check the --config / SMCONSOLE_CONFIG path, or unset it to use "
            f"{config_dir() / 'config.toml'}",
        )
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
        _apply(config, data, str(path))
    _apply(config, _env_overrides(env), "environment (AWS_*/SMCONSOLE_*)")
    # What an operator can type (file, environment) is bounded; ``overrides`` come from
    # code (flags, the demo, tests and benches that poll faster than 1 s on loopback).
    _check_poll_bounds(config)
    if overrides:
        _apply(config, {k: v for k, v in overrides.items() if v is not None}, "command line")
    _check(config)
    return config


_TRANSPORTS = {"ssh", "ssm", "local", "demo"}

# Every poll interval, in seconds: below 1 s the console would hammer the account's
# shared API quota (ListTrainingJobs is throttled per account); above an hour a tab
# looks alive while showing stale data.
POLL_BOUNDS = (1.0, 3600.0)


def _out_of_range(key: str, value: object, low: float, high: float, unit: str = "") -> ConfigError:
    """The one error for a value outside its range: names the key, the range and how to set it."""
    env_name = "SMCONSOLE_" + key.replace(".", "_").upper()
    return ConfigError(
        f"{key} must be {low:g}-{high:g}{unit}, got {value}",
        f"set {key} between {low:g} and {high:g} in the config file or {env_name}",
    )


def _check_poll_bounds(config: Config) -> None:
    """Every poll interval within :data:`POLL_BOUNDS`, or a one-line error naming it."""
    low, high = POLL_BOUNDS
    for item in fields(PollIntervals):
        value = getattr(config.poll, item.name)
        if not low <= value <= high:
            raise _out_of_range(f"poll.{item.name}", value, low, high, " seconds")


def _check(config: Config) -> None:
    """Cross-field checks that a type alone cannot express."""
    if config.ssh.transport not in _TRANSPORTS:
        raise ConfigError(
            f"ssh.transport must be one of {', '.join(sorted(_TRANSPORTS))}, "
            f"got {config.ssh.transport!r}"
        )
    if not 1_000 <= config.log_max_lines <= 5_000_000:
        raise _out_of_range("log_max_lines", config.log_max_lines, 1_000, 5_000_000)
    for name in ("connect_timeout", "read_timeout"):
        if not 0.1 <= getattr(config, name) <= 600:
            raise _out_of_range(name, getattr(config, name), 0.1, 600, " seconds")
    if not 0 < config.ssh.port < 65536:
        raise _out_of_range("ssh.port", config.ssh.port, 1, 65535)
    if not 0 <= config.ssh.keepalive <= 3600:
        raise _out_of_range("ssh.keepalive", config.ssh.keepalive, 0, 3600, " seconds")
    if config.endpoint_url and not config.endpoint_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"endpoint_url must start with http:// or https://, got {config.endpoint_url!r}"
        )
    if config.alerts:
        from console.events.alerts import rules_from_config  # refuses a bad rule, one line

        rules_from_config(config.alerts)


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write the config as TOML with mode 0600 (it may name profiles and hosts)."""
    import tomli_w

    path = path or default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        tomli_w.dump(config.to_toml_dict(), handle)
    os.replace(tmp, path)
    os.chmod(path, 0o600)
    return path
