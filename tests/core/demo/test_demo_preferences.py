"""`smconsole demo` honours the operator's own config (issue 15): keymap, theme, polling,
log and MLflow column settings and read_only, from `demo --config F`, `smconsole --config F
demo` or the XDG path; never its AWS settings. The Status tab shows the demo's audit log.

The wiring test swaps the stack and the full-screen console for stand-ins that record the
config the console would open on (starting moto is the other demo tests' business).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from console.cli.commands.console_cmds import with_preferences
from console.config import Buckets, Config

OPERATOR_TOML = """
profile = "prod-admin"
region = "eu-west-1"
endpoint_url = "https://sagemaker.example.com"
execution_role_arn = "arn:aws:iam::111111111111:role/real"
audit_log = "~/real-audit.jsonl"
theme = "smconsole-light"
read_only = true
log_max_lines = 1234

[poll]
jobs = 17.0

[keymap]
"jobs.refresh" = "R"

[mlflow_columns]
churn = "params.lr,metrics.auc"
"""


def demo_config(tmp: Path) -> Config:
    return Config(
        region="us-east-1",
        endpoint_url="http://127.0.0.1:5555",
        mlflow_tracking_uri="file:///tmp/demo-mlflow",
        execution_role_arn="arn:aws:iam::123456789012:role/demo",
        audit_log=str(tmp / "audit.jsonl"),
        buckets=Buckets(input="demo-in", output="demo-out", models="demo-models"),
        source=str(tmp / "config.toml"),
    )


def test_preferences_come_along_aws_settings_never(tmp_path: Path) -> None:
    from console.config import load_config

    path = tmp_path / "mine.toml"
    path.write_text(OPERATOR_TOML, encoding="utf-8")
    own = load_config(path, required=True)
    demo = demo_config(tmp_path)
    merged = with_preferences(demo, own)
    assert merged.theme == "smconsole-light"
    assert merged.keymap == {"jobs.refresh": "R"}
    assert merged.poll.jobs == 17.0
    assert merged.log_max_lines == 1234
    assert merged.mlflow_columns == {"churn": "params.lr,metrics.auc"}
    # The demo's account, endpoints, role and audit log, whatever the operator's file says.
    for name in ("profile", "region", "endpoint_url", "execution_role_arn", "audit_log"):
        assert getattr(merged, name) == getattr(demo, name), name
    assert merged.buckets == demo.buckets and merged.source == demo.source
    # The operator's objects are not shared (the demo saving columns must not touch them).
    merged.keymap["x"] = "y"
    assert "x" not in own.keymap


class StandInStack:
    """What `demo` uses of DemoStack, without moto."""

    label = "DEMO stand-in"

    def __init__(self, tmp: Path, **_options: Any) -> None:
        self.tmp = tmp
        self.stopped = False

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.stopped = True

    def shell_lines(self) -> list[str]:
        return []

    @contextmanager
    def environment(self) -> Iterator[None]:
        yield

    def config(self) -> Config:
        return demo_config(self.tmp)


@pytest.fixture
def opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Config]:
    import console.cli.tui
    import console.demo.stack

    seen: list[Config] = []
    monkeypatch.setattr(
        console.demo.stack, "DemoStack", lambda **options: StandInStack(tmp_path, **options)
    )
    monkeypatch.setattr(
        console.cli.tui, "open_tui", lambda inv, demo: seen.append(inv.config)
    )  # the console would open on this
    return seen


@pytest.mark.parametrize("where", ["after", "before"])
def test_demo_config_option_either_side(
    where: str, tmp_path: Path, opened: list[Config], run_cli: Any
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(OPERATOR_TOML, encoding="utf-8")
    args = ("demo", "--config", str(path)) if where == "after" else ("--config", str(path), "demo")
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    (config,) = opened
    assert config.theme == "smconsole-light" and config.keymap == {"jobs.refresh": "R"}
    assert config.read_only and config.poll.jobs == 17.0
    assert config.endpoint_url == "http://127.0.0.1:5555"
    assert config.audit_log == str(tmp_path / "audit.jsonl")


def test_a_missing_or_bad_config_fails_before_the_stack_starts(
    tmp_path: Path, opened: list[Config], run_cli: Any
) -> None:
    result = run_cli("demo", "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code != 0 and "nope.toml" in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('theme = "unterminated\n', encoding="utf-8")
    result = run_cli("demo", "--config", str(bad))
    assert result.exit_code != 0 and "bad.toml" in result.stderr
    assert opened == []


def test_without_a_config_file_the_demo_keeps_its_defaults(
    opened: list[Config], run_cli: Any
) -> None:
    result = run_cli("demo")
    assert result.exit_code == 0, result.stderr
    (config,) = opened
    assert config.theme == Config().theme and config.keymap == {} and not config.read_only


async def test_status_shows_the_demo_audit_log(tmp_path: Path, aws: Any) -> None:
    from textual.widgets import TabbedContent

    from screens.status.view import StatusView
    from tests.tui.conftest import make_app, static_text, wait_until

    audit = tmp_path / "demo-state" / "audit.jsonl"
    app = make_app(audit_log=str(audit))
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_show_tab("status")
        tabs = app.main_screen.query_one(TabbedContent)
        await wait_until(pilot, lambda: tabs.active == "status", what="status")
        view = app.main_screen.query_one(StatusView)

        def shown() -> str:
            from textual.widgets import Static

            return "\n".join(static_text(s) for s in view.query(Static))

        await wait_until(pilot, lambda: str(audit) in shown(), what="the audit path")
