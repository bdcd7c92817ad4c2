"""Planted secrets never come out: AWS keys, a session token and SSH private key text.

The credentials are distinctive planted strings (moto accepts any); the CLI is driven
through successes, denied and expired credentials (our fault proxy in front of moto),
audited mutations (ok and failed), a log view and ``SMCONSOLE_DEBUG=1``, and the SSH
path with a planted private key. Then every byte the console produced is searched:
stdout, stderr, the audit log and every file under HOME (config, state, saved logs).
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest

from console.audit import REDACTED, redact
from tests.support.fault_proxy import Fault, FaultProxy

ACCESS_KEY = "AKIAPLANTEDKEY7QX2ZZ"
SECRET_KEY = "PlantedSecret/Key+zz9QWERTYplanted0000XYZ"  # 41 chars: not the 40-char shape
SESSION_TOKEN = "PlantedSessionToken-zz9-" + "Q" * 60
PLANTED = (SECRET_KEY, SESSION_TOKEN, "PlantedSecret", "PlantedSessionToken")
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def plant(aws_url: str, monkeypatch: pytest.MonkeyPatch) -> FaultProxy:
    """The planted credentials in the environment, AWS through a fault proxy (started;
    the caller stops it), debug on."""
    proxy = FaultProxy(aws_url).start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    monkeypatch.setenv("SMCONSOLE_DEBUG", "1")
    return proxy


@pytest.fixture
def planted(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    proxy = plant(aws.url, monkeypatch)
    yield proxy
    proxy.stop()


def key_material(path: Path) -> list[str]:
    """Lines of a private key file's body: none may show up anywhere."""
    return [
        line
        for line in path.read_text().splitlines()
        if line and not line.startswith("-----") and len(line) >= 16
    ]


def everything_written(home: Path, outputs: list[str]) -> str:
    """All the console said and every file it left under HOME (the key itself aside)."""
    texts = list(outputs)
    for path in sorted(home.rglob("*")):
        if path.is_file() and path.name != "planted_key":
            texts.append(f"--- {path}\n" + path.read_text(errors="replace"))
    return "\n".join(texts)


def test_planted_secrets_never_appear_in_output_audit_or_files(
    planted: FaultProxy, run_cli: Any, isolated_env: Path
) -> None:
    proxy = planted
    sm = proxy_client(proxy)
    sm.create_notebook_instance(
        NotebookInstanceName="nb-secret", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    key_file = isolated_env / ".ssh" / "planted_key"
    key_file.parent.mkdir(mode=0o700)
    paramiko.RSAKey.generate(1024).write_private_key_file(str(key_file))
    body = key_material(key_file)
    assert body

    outputs: list[str] = []

    def cli(*args: str) -> Any:
        result = run_cli(*args)
        outputs.extend([result.stdout, result.stderr])
        return result

    assert cli("notebook-list").exit_code == 0
    assert cli("notebook-stop", "nb-secret", "--yes").exit_code == 0  # audited, ok
    proxy.add(Fault("denied", "sagemaker"))
    assert cli("notebook-list").exit_code != 0
    assert cli("notebook-start", "nb-secret").exit_code != 0  # audited, error
    proxy.clear()
    proxy.add(Fault("expired", "sagemaker"))
    expired = cli("notebook-describe", "nb-secret")
    assert expired.exit_code != 0 and "expired" in expired.stderr
    proxy.clear()
    proxy.add(Fault("expired", "sts"))
    cli("training-list")
    cli("training-logs", "no-such-job")  # a log view's error path
    proxy.clear()
    # SSH with the planted key: refused by a host that is not there, and an identity
    # "file" that holds secret text but is not a key.
    cli("slurm-queue", "--ssh", "smtest@127.0.0.1:9", "-i", str(key_file))
    not_a_key = isolated_env / "not_a_key"
    not_a_key.write_text(f"{SECRET_KEY}\n{SESSION_TOKEN}\n")
    cli("slurm-queue", "--ssh", "smtest@127.0.0.1:9", "-i", str(not_a_key))
    not_a_key.unlink()

    audit = isolated_env / ".local/state/smconsole/audit.jsonl"
    assert audit.exists() and "notebook-stop" in audit.read_text()
    assert stat.S_IMODE(audit.stat().st_mode) == 0o600
    seen = everything_written(isolated_env, outputs)
    for secret in (*PLANTED, *body):
        assert secret not in seen, f"{secret[:12]}… leaked"


def proxy_client(proxy: FaultProxy) -> Any:
    import boto3

    return boto3.client("sagemaker", region_name="us-east-1", endpoint_url=proxy.url)


def test_redaction_covers_the_planted_shapes() -> None:
    """The audit writer's redaction (the one place) catches real-shaped secrets in any
    parameter, by key and by value."""
    real_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    real_token = "IQoJb3JpZ2luX2VjEJr" + "A" * 80
    pem = paramiko.RSAKey.generate(1024)
    import io

    buffer = io.StringIO()
    pem.write_private_key(buffer)
    params = {
        "note": f"key {real_secret} token {real_token}",
        "script": buffer.getvalue(),
        "SessionToken": "anything",
        "nested": [{"aws_secret_access_key": "x"}],
    }
    text = str(redact(params))
    assert real_secret not in text and real_token not in text
    assert "PRIVATE KEY" not in text and text.count(REDACTED) >= 5
