"""MLflow's telemetry stays off in the console's own process (issue #15).

Run in a child process with a clean environment: pytest and CI variables switch MLflow's
telemetry off by themselves, which would hide the console's own switch.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

USE_MLFLOW = """
import mlflow
from mlflow import MlflowClient
client = MlflowClient(tracking_uri="sqlite:///{db}")
client.create_experiment("telemetry-check")
from mlflow.telemetry import get_telemetry_client
telemetry = get_telemetry_client()
if telemetry is not None:
    telemetry.flush()
"""


def run_python(code: str, home: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        # No proxy/CI/pytest variables: mlflow would take those as "do not track".
        "NO_PROXY": "*",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("console_first", [False, True])
def test_console_turns_mlflow_telemetry_off(tmp_path: Path, console_first: bool) -> None:
    home = tmp_path / "child-home"
    home.mkdir()
    prelude = "import console.cli.main\n" if console_first else ""
    run_python(prelude + USE_MLFLOW.format(db=tmp_path / "store.db"), home)
    written = (home / ".config" / "mlflow" / "telemetry.json").exists()
    # Without the console, mlflow writes its installation id (the check can see it);
    # with the console imported first, it writes nothing.
    assert written is not console_first


def test_operator_choice_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from console.telemetry import telemetry_off

    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "false")
    telemetry_off()
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "false"
    monkeypatch.delenv("MLFLOW_DISABLE_TELEMETRY")
    telemetry_off()
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
