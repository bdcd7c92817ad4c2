"""Config: TOML + environment + flags, precedence, one-line errors, 0600 writes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from console.config import Config, default_config_path, load_config, save_config
from console.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_no_file(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml", env={})
    assert config == Config(source=str(tmp_path / "missing.toml"))
    assert config.poll.jobs == 15.0
    assert not config.read_only


def test_default_path_is_xdg(isolated_env: Path) -> None:
    assert default_config_path() == isolated_env / ".config" / "smconsole" / "config.toml"
    assert default_config_path({"SMCONSOLE_CONFIG": "/x/y.toml"}) == Path("/x/y.toml")


def test_file_values_are_typed(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        """
profile = "ops"
region = "eu-west-1"
read_only = true
execution_role_arn = "arn:aws:iam::123456789012:role/sm"
[poll]
jobs = 5
transitional = 2.5
[ssh]
host = "login.example"
port = 2222
accept_new_host_keys = true
[buckets]
input = "my-in"
[keymap]
"jobs.filter" = "f"
""",
    )
    config = load_config(path, env={})
    assert (config.profile, config.region, config.read_only) == ("ops", "eu-west-1", True)
    assert config.poll.jobs == 5.0 and isinstance(config.poll.jobs, float)
    assert config.ssh.port == 2222 and config.ssh.accept_new_host_keys is True
    assert config.buckets.input == "my-in"
    assert config.keymap == {"jobs.filter": "f"}


def test_precedence_flags_over_env_over_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'profile = "file"\nregion = "eu-west-1"\n')
    env = {"AWS_PROFILE": "env", "AWS_DEFAULT_REGION": "us-west-2"}
    config = load_config(path, env=env)
    assert (config.profile, config.region) == ("env", "us-west-2")
    config = load_config(path, env=env, overrides={"profile": "flag", "region": None})
    assert (config.profile, config.region) == ("flag", "us-west-2")


def test_aws_region_wins_over_default_region() -> None:
    config = load_config(
        Path("/nonexistent"), env={"AWS_REGION": "a-1", "AWS_DEFAULT_REGION": "b-2"}
    )
    assert config.region == "a-1"


def test_aws_and_mlflow_conventions() -> None:
    env = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "MLFLOW_TRACKING_URI": "http://127.0.0.1:5001",
    }
    config = load_config(Path("/nonexistent"), env=env)
    assert config.endpoint_url == "http://127.0.0.1:5000"
    assert config.is_local_endpoint
    assert config.mlflow_tracking_uri == "http://127.0.0.1:5001"


def test_smconsole_env_overrides_nested_keys() -> None:
    env = {
        "SMCONSOLE_READ_ONLY": "yes",
        "SMCONSOLE_POLL_JOBS": "7",
        "SMCONSOLE_SSH_HOST": "bastion",
        "SMCONSOLE_THEME": "smconsole-light",
    }
    config = load_config(Path("/nonexistent"), env=env)
    assert config.read_only is True
    assert config.poll.jobs == 7.0
    assert config.ssh.host == "bastion"
    assert config.theme == "smconsole-light"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("region = ", "invalid TOML"),
        ("colour = 'red'", "unknown setting 'colour'"),
        ("read_only = 'maybe'", "expected true or false"),
        ("[poll]\njobs = -1", "positive number"),
        ("[poll]\njobs = 'often'", "expected a number"),
        ("[ssh]\nport = 70000", "ssh.port"),
        ("[ssh]\ntransport = 'telnet'", "ssh.transport"),
        ("poll = 3", "expected a table"),
        ("[keymap]\nx = 1", "table of strings"),
        ("endpoint_url = 'localhost:4566'", "http://"),
    ],
)
def test_bad_config_is_one_line_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert fragment in info.value.one_line()
    assert "\n" not in info.value.message


def test_bad_env_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="environment"):
        load_config(Path("/nonexistent"), env={"SMCONSOLE_POLL_JOBS": "soon"})


def test_save_round_trips_with_mode_0600(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.toml", env={})
    config.profile = "ops"
    config.poll.jobs = 9.0
    config.keymap = {"app.quit": "ctrl+q"}
    path = save_config(config, tmp_path / "sub" / "config.toml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_config(path, env={})
    assert again.profile == "ops" and again.poll.jobs == 9.0
    assert again.keymap == {"app.quit": "ctrl+q"}


def test_cli_reports_bad_config_in_one_line(tmp_path: Path, run_cli, monkeypatch) -> None:
    path = write(tmp_path / "c.toml", "nonsense = [")
    monkeypatch.setenv("SMCONSOLE_CONFIG", str(path))
    result = run_cli("training-list")
    assert result.exit_code == 2
    assert "invalid TOML" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_non_setting_variables_are_ignored() -> None:
    env = {"SMCONSOLE_DEMO": "1", "SMCONSOLE_DEBUG": "1", "SMCONSOLE_CONFIG": "/x.toml"}
    assert load_config(Path("/nonexistent"), env=env).source == "/nonexistent"
