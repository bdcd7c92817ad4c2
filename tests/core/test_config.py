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


# --- issue 14: a named file must exist, intervals are bounded, keymaps never shadow -------


def assert_refused(result: object, *fragments: str) -> None:
    """Exit 2, one ``error:`` line naming ``fragments``, one ``hint:`` line, no traceback."""
    code, stderr = getattr(result, "exit_code", None), str(getattr(result, "stderr", ""))
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in stderr


def test_named_config_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "confg.toml"  # misspelt: its read_only = true must not be lost
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_config(missing, env={}, required=True)
    assert info.value.hint
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(env={"SMCONSOLE_CONFIG": str(missing)})
    with pytest.raises(ConfigError, match="not a file"):
        load_config(env={"SMCONSOLE_CONFIG": str(tmp_path)})


def test_missing_default_xdg_config_is_fine(isolated_env: Path) -> None:
    assert not (isolated_env / ".config/smconsole/config.toml").exists()
    assert load_config(env={}).read_only is False


@pytest.mark.parametrize("how", ["flag", "env"])
def test_cli_refuses_a_missing_config_file(tmp_path: Path, run_cli, monkeypatch, how) -> None:
    missing = tmp_path / "nope.toml"
    if how == "env":
        monkeypatch.setenv("SMCONSOLE_CONFIG", str(missing))
        result = run_cli("--read-only", "training-stop", "job", "--yes")
    else:
        result = run_cli("--config", str(missing), "--read-only", "training-stop", "job", "--yes")
    assert_refused(result, "nope.toml", "does not exist")


def test_cli_refuses_a_missing_config_file_in_a_subprocess(tmp_path: Path) -> None:
    """The real entry point, as an operator runs it: exit 2 and two lines."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SMCONSOLE_CONFIG": str(tmp_path / "typo.toml")}
    done = subprocess.run(
        [sys.executable, "-m", "console.cli.main", "training-list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_refused(
        type("R", (), {"exit_code": done.returncode, "stderr": done.stderr})(), "typo.toml"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("jobs", 0.0001), ("logs", 0.5), ("transitional", 3601), ("max_backoff", 1e9), ("gpus", 0.9)],
)
def test_poll_intervals_are_bounded(tmp_path: Path, key: str, value: float) -> None:
    path = write(tmp_path / "c.toml", f"[poll]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert f"poll.{key}" in info.value.message and "1-3600" in info.value.message
    assert info.value.hint and f"SMCONSOLE_POLL_{key.upper()}" in info.value.hint


def test_poll_bounds_themselves_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[poll]\njobs = 1\nstatus = 3600\n")
    config = load_config(path, env={})
    assert (config.poll.jobs, config.poll.status) == (1.0, 3600.0)


def test_cli_refuses_an_out_of_range_interval(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("SMCONSOLE_POLL_JOBS", "0.0001")
    assert_refused(run_cli("--read-only", "training-stop", "j", "--yes"), "poll.jobs", "1-3600")


@pytest.mark.parametrize(
    "text", ["log_max_lines = inf", "log_max_lines = nan", "[ssh]\nport = 2.5"]
)
def test_whole_numbers_refuse_inf_nan_and_fractions(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="whole number"):
        load_config(write(tmp_path / "c.toml", text), env={})


def test_keymap_collision_names_both_binding_ids() -> None:
    from screens.binding_owners import check_keymap, keymap_conflicts

    assert keymap_conflicts({}) == []
    assert keymap_conflicts({"jobs.stop": "ctrl+x", "jobs.filter": "slash"}) == []
    with pytest.raises(ConfigError) as info:
        check_keymap({"jobs.filter": "l"})  # would remove Logs from the Jobs tab
    assert "jobs.filter" in info.value.message and "jobs.logs" in info.value.message
    assert info.value.hint
    # An app-wide key is visible in every tab: `x` rejects in Registry.
    assert any("registry.reject" in line for line in keymap_conflicts({"app.quit": "x"}))
    # A table's key and its tab's key are live together.
    assert any("table.up" in line for line in keymap_conflicts({"jobs.refresh": "up"}))
    # Different screens do not see each other: `l` in a log screen is free.
    assert keymap_conflicts({"logs.close": "l"}) == []


def test_keymap_knows_every_tab_class_bindings() -> None:
    """Owners are walked, not listed: the MLflow models/versions tables (once missing
    from the hand-kept list) are known, and their keys collide with their view's."""
    from screens.binding_owners import keymap_conflicts, known_binding_ids

    ids = known_binding_ids()
    assert {"mlflow_models.open", "mlflow_versions.open", "app.tab.status"} <= ids
    # `enter` on the models table is live with the models view's keys (`q` closes it).
    assert any(
        "mlflow_models.open" in line for line in keymap_conflicts({"mlflow_models.open": "q"})
    )


def test_cli_refuses_a_keymap_collision(tmp_path: Path, run_cli, monkeypatch) -> None:
    path = write(tmp_path / "c.toml", '[keymap]\n"jobs.filter" = "l"\n')
    monkeypatch.setenv("SMCONSOLE_CONFIG", str(path))
    assert_refused(
        run_cli("--read-only", "training-stop", "j", "--yes"), "jobs.filter", "jobs.logs"
    )


def test_console_refuses_to_start_with_a_keymap_collision(monkeypatch) -> None:
    import screens.app

    started: list[object] = []
    monkeypatch.setattr(screens.app.SmConsoleApp, "run", lambda self, **_: started.append(self))
    config = load_config(env={}, overrides={"keymap": {"jobs.filter": "l"}})
    with pytest.raises(ConfigError, match=r"jobs\.logs"):
        screens.app.run_app(config)
    assert started == []
    config.keymap = {"jobs.filter": "f"}  # the same path starts with a keymap that fits
    screens.app.run_app(config)
    assert len(started) == 1
