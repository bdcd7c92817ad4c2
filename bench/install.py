"""Bench: what `pip install smconsole` (no extras) costs, and that it works.

Not a test: run on demand (`.venv/bin/python bench/install.py`), prints one JSON line.

Builds the wheel (``uv build``), creates a fresh virtualenv (``uv venv``), installs the
locked core dependencies (``uv export --no-dev``: no extras, no dev tools) and the wheel,
bytecode compiled as ``.ci/dev.py`` does, then from that virtualenv only:

- counts the installed distributions and the on-disk size of the environment;
- runs ``smconsole --help``;
- runs ``smconsole training-list`` against a moto server (in this process, loopback);
- opens the TUI on a pseudo-terminal against it until its first frame with jobs;
- runs ``smconsole demo`` and checks the one-line hint for the missing ``demo`` extra.

Targets (issue 21): <= 70 packages and <= 150 MB on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_PACKAGES = 70
TARGET_MB = 150.0
UV = str(Path(sys.executable).parent / "uv")


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run to the end; one that hangs (a demo that did start serving) counts as failed."""
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=300, **kwargs
        )
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(argv, -1, str(exc.stdout or ""), "timed out")


def must(argv: list[str], **kwargs: Any) -> str:
    done = run(argv, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def size_mb(path: Path) -> float:
    total = 0
    for entry in path.rglob("*"):
        if entry.is_file() and not entry.is_symlink():
            total += entry.stat().st_size
    return total / 1e6


def build_env(tmp: Path) -> tuple[Path, float]:
    """A virtualenv with the wheel and its locked core dependencies; seconds it took."""
    started = time.monotonic()
    dist = tmp / "dist"
    must([UV, "build", "--wheel", "--out-dir", str(dist), str(ROOT)])
    wheel = next(dist.glob("smconsole-*.whl"))
    requirements = tmp / "requirements.txt"
    must(
        [
            UV,
            "export",
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--no-hashes",
            "--format",
            "requirements-txt",
            "-o",
            str(requirements),
        ],
        cwd=ROOT,
    )
    venv = tmp / "venv"
    must([UV, "venv", "--quiet", "--python", sys.executable, str(venv)])
    python = str(venv / "bin" / "python")
    install = [UV, "pip", "install", "--quiet", "--compile-bytecode", "--python", python]
    must([*install, "-r", str(requirements)])
    must([*install, "--no-deps", str(wheel)])
    return venv, time.monotonic() - started


def distributions(venv: Path) -> list[str]:
    site = next(venv.glob("lib/python*/site-packages"))
    return sorted(p.name.split("-")[0].lower() for p in site.glob("*.dist-info"))


def child_env(home: Path, endpoint: str) -> dict[str, str]:
    from bench.startup import child_env as startup_env

    return startup_env(home, endpoint)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="print and keep the venv")
    args = parser.parse_args()

    from bench.startup import BENCH_ENV, seed, timed_start
    from tests.support.moto_server import start_moto_server

    tmp = Path(tempfile.mkdtemp(prefix="smconsole-install-"))
    venv, install_s = build_env(tmp)
    smconsole = str(venv / "bin" / "smconsole")
    names = distributions(venv)
    disk = size_mb(venv)
    checks: dict[str, Any] = {}
    server = start_moto_server()
    try:
        seed(server, 5, 1)
        home = tmp / "home"
        home.mkdir()
        env = child_env(home, server.url)
        helped = run([smconsole, "--help"], env=env)
        checks["help_ok"] = helped.returncode == 0 and "training-list" in helped.stdout
        listed = run([smconsole, "training-list"], env=env)
        checks["training_list_ok"] = listed.returncode == 0 and "bench-train-0000" in listed.stdout
        demo = run([smconsole, "demo", "--serve"], env=env)
        lines = demo.stderr.strip().splitlines()
        checks["demo_hint_ok"] = (
            demo.returncode == 11
            and len(lines) == 2
            and lines[0].startswith("error: ")
            and lines[1] == "hint: pip install 'smconsole[demo]'"
        )
        ready = home / "ready"
        tui_env = {**env, BENCH_ENV: str(ready)}
        try:
            first_frame, _ = timed_start([smconsole], tui_env, (100, 30), ready)
            checks["tui_first_data_s"] = round(first_frame, 3)
            checks["tui_ok"] = True
        except RuntimeError as exc:
            checks["tui_ok"] = False
            checks["tui_error"] = str(exc)[-300:]
        heavy = sorted({"mlflow", "moto", "pandas", "pyarrow", "sagemaker", "scipy"} & set(names))
    finally:
        server.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    ok = all(v for k, v in checks.items() if k.endswith("_ok"))
    print(
        json.dumps(
            {
                "bench": "install",
                "packages": len(names),
                "disk_mb": round(disk, 1),
                "install_s": round(install_s, 1),
                "heavy_packages": heavy,
                **checks,
                "target_packages": TARGET_PACKAGES,
                "target_mb": TARGET_MB,
                "meets_target": ok
                and not heavy
                and len(names) <= TARGET_PACKAGES
                and disk <= TARGET_MB,
                **({"venv": str(venv)} if args.keep else {}),
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
