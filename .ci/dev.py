#!/usr/bin/env python3
"""One-command set-up for smconsole: `python3 .ci/dev.py demo` and `python3 .ci/dev.py test`.

Stdlib only, so it runs on a fresh Debian machine with nothing but Python 3.11 and pip:
it installs uv (into the user site) if missing, creates the project's virtualenv from
the lock file with bytecode compiled (`[tool.uv] compile-bytecode`), then either runs
the demo or brings up what the tests need and runs the whole suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    print(f"[dev] {message}", file=sys.stderr, flush=True)


def uv_command() -> list[str]:
    """A way to run uv: on PATH, as `python -m uv`, or installed now with pip."""
    if shutil.which("uv"):
        return ["uv"]
    probe = subprocess.run(
        [sys.executable, "-m", "uv", "--version"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "uv"]
    say("installing uv with pip")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "uv"]
    attempts = (
        [*pip, "--user"],  # a plain system Python
        [*pip, "--user", "--break-system-packages"],  # Debian's Python (PEP 668)
        pip,  # inside a virtualenv, where --user is refused
    )
    for attempt in attempts:
        if subprocess.run(attempt, check=False, capture_output=True).returncode == 0:
            return [sys.executable, "-m", "uv"]
    sys.exit("[dev] could not install uv with pip; install it and run again")


def sync(uv: list[str]) -> None:
    say("installing locked dependencies into .venv")
    env = dict(os.environ, UV_COMPILE_BYTECODE="1", UV_PYTHON_DOWNLOADS="never")
    subprocess.run([*uv, "sync", "--frozen"], cwd=ROOT, env=env, check=True)


def venv_bin(name: str) -> str:
    return str(ROOT / ".venv" / "bin" / name)


def run_demo(args: list[str]) -> int:
    uv = uv_command()
    sync(uv)
    os.execv(venv_bin("smconsole"), [venv_bin("smconsole"), "demo", *args])  # noqa: S606
    return 0  # pragma: no cover - execv does not return


def run_tests(args: list[str]) -> int:
    uv = uv_command()
    sync(uv)
    setup = ROOT / "tests" / "system" / "setup.py"
    if setup.exists():
        # Real sshd/Slurm on loopback for the HyperPod tests (needs root and apt).
        code = subprocess.run([venv_bin("python"), str(setup)], cwd=ROOT, check=False).returncode
        if code != 0:
            say(f"system set-up failed (exit {code})")
            return code
    say("ruff")
    for check in (["check", "."], ["format", "--check", "."]):
        if subprocess.run([venv_bin("ruff"), *check], cwd=ROOT, check=False).returncode:
            return 1
    say("mypy")
    if subprocess.run([venv_bin("mypy")], cwd=ROOT, check=False).returncode:
        return 1
    say("pytest")
    # worksteal: a worker that runs out takes queued tests from the other, so one long
    # test (a terraform apply) does not leave a worker idle for minutes at the end.
    workers = ["-n", "2", "--dist", "worksteal"] if (os.cpu_count() or 1) >= 2 else []
    return subprocess.run([venv_bin("pytest"), *workers, *args], cwd=ROOT, check=False).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    return run_demo(args) if command == "demo" else run_tests(args)


if __name__ == "__main__":
    sys.exit(main())
