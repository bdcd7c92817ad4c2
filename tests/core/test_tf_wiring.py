"""Terraform defaults wired into the console: the CLI's config, the TUI's Status tab."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from console.config import load_config
from console.context import ConsoleContext
from console.tf_defaults import prepare
from screens.app import create_app
from screens.status.view import StatusView
from tests.core.test_images_terraform import STACK_OUTPUTS
from tests.tui.conftest import static_text, wait_until

ROLE = "arn:aws:iam::123456789012:role/prod-sagemaker-execution"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"


@pytest.fixture
def outputs_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    saved = tmp_path / "outputs.json"
    saved.write_text(json.dumps(STACK_OUTPUTS))
    monkeypatch.setenv("SMCONSOLE_TERRAFORM_OUTPUTS_FILE", str(saved))
    return saved


def test_nothing_is_read_without_a_stack_file_or_local_state() -> None:
    config = load_config()
    status = prepare(config)
    assert not status.wanted and status.defaults is None
    assert config.execution_role_arn == ""
    assert "not used" in status.describe()  # the repo's tf/ has no state in tests


def test_a_configured_file_fills_empty_settings_once(outputs_file: Path) -> None:
    config = load_config(overrides={"buckets": {"output": "mine"}})
    status = prepare(config)
    assert status.wanted and status.error == ""
    assert config.execution_role_arn == ROLE
    assert config.buckets.input == "prod-input-123456789012"
    assert config.buckets.output == "mine"  # set explicitly: wins
    assert config.region == "us-east-1"  # AWS_REGION is set in the test env: wins too
    assert status.describe().startswith("from Terraform (prod): execution_role_arn")


def test_a_broken_file_is_reported_not_raised(outputs_file: Path, run_cli: Any, aws: Any) -> None:
    outputs_file.write_text("{not json")
    status = prepare(load_config())
    assert status.wanted and status.defaults is None and status.error
    result = run_cli("training-list")
    assert result.exit_code == 0
    assert "warning: Terraform defaults unavailable" in result.stderr


def test_the_cli_uses_the_stack_role_when_none_is_given(
    outputs_file: Path, run_cli: Any, aws: Any
) -> None:
    result = run_cli("training-create", "tf-job", IMAGE, "s3://bucket/in", "s3://bucket/out")
    assert result.exit_code == 0, result.stderr
    job = aws.client("sagemaker").describe_training_job(TrainingJobName="tf-job")
    assert job["RoleArn"] == ROLE


async def test_status_tab_says_what_came_from_terraform(outputs_file: Path, aws: Any) -> None:
    config = load_config()
    terraform = prepare(config)
    app = create_app(ConsoleContext(config, source="tui", terraform=terraform))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        status = app.main_screen.query_one(StatusView)
        identity = status.query_one("#status-identity", Static)
        await wait_until(pilot, lambda: "Defaults" in static_text(identity), what="status")
        text = static_text(identity)
        assert "from Terraform (prod): execution_role_arn, buckets.input" in text
