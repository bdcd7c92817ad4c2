"""`pip install smconsole` without extras: small, and the console works from it.

Building a virtualenv per test run is too slow for the suite: ``bench/install.py`` does
that (wheel, fresh venv, package count, MB on disk, CLI and TUI against moto). Here, two
cheap checks that fail as soon as the core grows or starts needing an extra:

- the locked dependency closure of the core (uv.lock, no extras, no dev group);
- the CLI run in a child process in which every extra's packages are absent (a
  meta-path finder refuses them, as if never installed): ``--help`` and
  ``training-list`` against the moto server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAX_PACKAGES = 70
# The packages the extras bring, and their heaviest dependencies.
EXTRA_ONLY = {
    "mlflow",
    "mlflow-skinny",
    "moto",
    "sagemaker-core",
    "sagemaker-mlflow",
    "pandas",
    "pyarrow",
    "scipy",
    "scikit-learn",
    "sqlalchemy",
    "flask",
}


def core_closure() -> set[str]:
    """Every package the core dependencies pull in, per the lock (markers ignored: an
    upper bound)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    packages = {p["name"]: p for p in lock["package"]}

    def deps(items: list[dict[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
        return [(d["name"], tuple(d.get("extra", ()))) for d in items]

    todo = deps(packages["smconsole"].get("dependencies", []))
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        name, extras = item
        todo += deps(packages[name].get("dependencies", []))
        for extra in extras:
            todo += deps(packages[name].get("optional-dependencies", {}).get(extra, []))
    return {name for name, _ in seen}


def test_core_closure_is_small_and_has_no_extra_packages() -> None:
    closure = core_closure()
    assert {"textual", "boto3", "paramiko", "click"} <= closure  # the scan works
    assert not closure & EXTRA_ONLY, f"core pulls extra-only packages: {closure & EXTRA_ONLY}"
    assert len(closure) <= MAX_PACKAGES, sorted(closure)


BLOCKED_RUN = """
import sys
from importlib.abc import MetaPathFinder

BLOCKED = {"mlflow", "moto", "sagemaker", "sagemaker_mlflow", "pandas", "pyarrow", "sqlalchemy"}

class NotInstalled(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
from console.cli.main import run
sys.argv = ["smconsole", *sys.argv[1:]]
run()
"""


def run_without_extras(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=120,
    )


def test_cli_works_without_any_extra(aws: Any) -> None:
    sm = aws.client("sagemaker")
    sm.create_training_job(
        TrainingJobName="lean-job",
        AlgorithmSpecification={"TrainingImage": "img:1", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/R",
        OutputDataConfig={"S3OutputPath": "s3://out/x"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )
    helped = run_without_extras("--help")
    assert helped.returncode == 0, helped.stderr
    assert "training-list" in helped.stdout
    listed = run_without_extras("training-list")
    assert listed.returncode == 0, listed.stderr
    assert "lean-job" in listed.stdout


def test_demo_without_extras_is_one_line_in_a_fresh_process() -> None:
    done = run_without_extras("demo", "--serve")
    assert done.returncode == 11, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "'demo' extra" in lines[0]
    assert lines[1:] == ["hint: pip install 'smconsole[demo]'"]
