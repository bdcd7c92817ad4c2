"""Alerts on state changes: rules from the config, one alert per incident, rate limits,
terminal sequences built from our words only, and a real command run without a shell."""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.config import load_config
from console.errors import ConfigError
from console.events.alerts import (
    Alert,
    AlertEngine,
    AlertRule,
    rules_from_config,
    run_command,
    terminal_sequences,
)
from console.events.records import ResourceChanged
from tests.support.hostile import CORPUS, HOSTILE

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _change(kind: str, name: str, status: str) -> ResourceChanged:
    return ResourceChanged(kind=kind, name=name, arn="", status=status, event_time=T0)


def test_rules_load_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[alerts]]\nname = "prod-failed"\nwhen = "job-failed"\nmatch = "prod-*"\n'
        'command = ["notify-send", "x"]\n\n[[alerts]]\nwhen = "node-unhealthy"\n'
    )
    config = load_config(path, env={})
    rules = rules_from_config(config.alerts)
    assert rules[0] == AlertRule(
        "prod-failed", "job-failed", "prod-*", command=("notify-send", "x")
    )
    assert rules[1].name == "node-unhealthy" and rules[1].bell


@pytest.mark.parametrize(
    ("body", "wanted"),
    [
        ('[[alerts]]\nwhen = "job-exploded"\n', "when must be one of"),
        ('[[alerts]]\nwhen = "job-failed"\ncommand = "rm -rf /"\n', "array of strings"),
        ('[[alerts]]\nwhen = "job-failed"\nshell = true\n', "unknown key 'shell'"),
        ('alerts = "x"\n', "array of tables"),
    ],
)
def test_bad_rules_are_one_line_errors(tmp_path: Path, body: str, wanted: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert wanted in str(caught.value)


def test_one_alert_per_incident_and_a_recovery_reopens() -> None:
    engine = AlertEngine([AlertRule("f", "job-failed", "prod-*")], min_interval=0)
    assert engine.evaluate(_change("training", "dev-1", "Failed")) == []
    assert len(engine.evaluate(_change("training", "prod-1", "Failed"))) == 1
    assert engine.evaluate(_change("training", "prod-1", "Failed")) == []  # told again
    assert engine.evaluate(_change("training", "prod-1", "InProgress")) == []
    assert len(engine.evaluate(_change("training", "prod-1", "Failed"))) == 1  # a new incident


def test_a_burst_is_rate_limited_and_counted() -> None:
    now = [0.0]
    engine = AlertEngine([AlertRule("n", "node-unhealthy")], min_interval=60, clock=lambda: now[0])
    fired = [
        a
        for i in range(50)
        for a in engine.evaluate(_change("cluster-node", f"i-{i}", "Unschedulable"))
    ]
    assert len(fired) == 1
    now[0] = 61
    [later] = engine.evaluate(_change("cluster-node", "i-99", "UnschedulablePendingReplacement"))
    assert later.suppressed == 49 and "(+49 more)" in later.message()
    assert engine.evaluate(_change("cluster-node", "i-100", "Schedulable")) == []


def test_package_pending_and_endpoint_failed() -> None:
    engine = AlertEngine(
        [AlertRule("p", "package-pending"), AlertRule("e", "endpoint-failed")], min_interval=0
    )
    [pending] = engine.evaluate(_change("model-package", "churn/3", "PendingManualApproval"))
    assert pending.message() == "model package churn/3 awaits approval"
    [failed] = engine.evaluate(_change("endpoint", "ep", "Failed"))
    assert failed.message() == "endpoint ep failed"


def test_terminal_sequences_carry_no_remote_text() -> None:
    for text in (*CORPUS, HOSTILE, "a;b\x07c"):
        alert = Alert(AlertRule("f", "job-failed"), _change("training", text, "Failed"))
        out = terminal_sequences(alert, in_tmux=False)
        name = out.split("training job ", 1)[1].split(" failed", 1)[0]
        assert name == "a resource" or re.fullmatch(r"[A-Za-z0-9._/-]+", name), repr(name)
        assert out == (
            f"\a\x1b]9;smconsole: f: training job {name} failed\x07"
            f"\x1b]777;notify;smconsole: f;training job {name} failed\x07"
        )
    plain = Alert(AlertRule("f", "job-failed", desktop=False), _change("training", "j-1", "Failed"))
    assert terminal_sequences(plain, in_tmux=False) == "\a"
    tmux = terminal_sequences(
        Alert(AlertRule("f", "job-failed", bell=False), _change("training", "j-1", "Failed")),
        in_tmux=True,
    )
    assert tmux.startswith("\x1bPtmux;\x1b\x1b]9;smconsole: f: training job j-1 failed\x07\x1b\\")


def test_the_command_runs_without_a_shell_and_gets_the_change(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    script = (
        "import os,sys; open(sys.argv[1],'w').write("
        "os.environ['SMCONSOLE_ALERT_NAME']+'|'+os.environ['SMCONSOLE_ALERT_STATUS'])"
    )
    rule = AlertRule("f", "job-failed", command=(sys.executable, "-c", script, str(out)))
    process = run_command(Alert(rule, _change("training", "$(touch pwned); j", "Failed")))
    assert process is not None
    process.wait(timeout=30)
    assert out.read_text() == "$(touch pwned); j|Failed"
    assert not (Path.cwd() / "pwned").exists()
    missing = AlertRule("f", "job-failed", command=(str(tmp_path / "no-such-program"),))
    assert run_command(Alert(missing, _change("training", "j", "Failed"))) is None
    time.sleep(0)
