"""Issue #15, CLI: what a new operator trips on, each against the moto server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.aws.credential_source import describe_method


# --- status: where the credentials come from ------------------------------------------
def test_status_says_credentials_come_from_the_environment(aws: Any, run_cli: Any) -> None:
    result = run_cli("status")
    assert result.exit_code == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("Credentials"))
    assert "environment (AWS_ACCESS_KEY_ID)" in line
    assert (
        run_cli("status", "--json")
        .json()["overview"]["credential_source"]
        .startswith("environment")
    )


def test_status_says_credentials_come_from_a_profile(
    aws: Any, run_cli: Any, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    aws_dir = isolated_env / ".aws"
    aws_dir.mkdir()
    (aws_dir / "credentials").write_text(
        "[ops]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    result = run_cli("--profile", "ops", "status", "--json")
    assert result.exit_code == 0, result.stderr
    source = result.json()["overview"]["credential_source"]
    assert source == "profile ops (shared credentials file)"


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ("sso", "SSO (profile dev)"),
        ("iam-role", "instance role (EC2 instance metadata)"),
        ("container-role", "container role (ECS/EKS)"),
        ("assume-role", "assumed role (profile dev)"),
        (None, "none found"),
        ("something-new", "something-new"),
    ],
)
def test_credential_methods_in_words(method: str | None, words: str) -> None:
    assert describe_method(method, "dev") == words
