"""Optional extras: a command that needs one says in one line how to get it.

Absence is simulated the way Python itself marks a module as absent: ``None`` in
``sys.modules`` (``import`` raises, ``find_spec`` answers ``None``), for the test only.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from console.extras import DEMO, EXTRAS, SDK, Extra, ExtraMissingError, require
from tests.support.helpers import assert_one_error


def hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for module in modules:
        parts = module.split(".")
        for end in range(1, len(parts) + 1):
            monkeypatch.setitem(sys.modules, ".".join(parts[:end]), None)


def test_every_extra_is_declared_in_pyproject() -> None:
    """The names in the hints are the names pip knows."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    assert {extra.name for extra in EXTRAS} == set(declared)


def test_installed_extras_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    for extra in EXTRAS:  # the dev environment installs them all (.ci/dev.py)
        require(extra)


def test_a_missing_extra_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "moto")
    with pytest.raises(ExtraMissingError) as caught:
        require(DEMO)
    assert caught.value.exit_code == 11
    assert caught.value.message == (
        "the demo (a local moto server and MLflow store) needs the 'demo' extra (missing: moto)"
    )
    assert caught.value.hint == "pip install 'smconsole[demo]'"


def test_an_unknown_module_counts_as_missing() -> None:
    with pytest.raises(ExtraMissingError):
        require(Extra("x", "a test", ("no_such_module_here.sub",)))


def test_demo_without_the_extra_is_one_line(monkeypatch: pytest.MonkeyPatch, run_cli: Any) -> None:
    hide(monkeypatch, "moto")
    result = run_cli("demo", "--serve")
    assert_one_error(result, 11, "needs the 'demo' extra")
    assert result.stderr.strip().splitlines()[1] == "hint: pip install 'smconsole[demo]'"


def test_images_without_the_sdk_is_one_line(monkeypatch: pytest.MonkeyPatch, run_cli: Any) -> None:
    hide(monkeypatch, *SDK.modules)
    result = run_cli("images", "pytorch")
    assert_one_error(result, 11, "needs the 'sdk' extra")
    assert "pip install 'smconsole[sdk]'" in result.stderr


def test_demo_transport_without_the_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from console.remote.connect import ConnectionSpec, open_transport

    hide(monkeypatch, "moto")
    with pytest.raises(ExtraMissingError) as caught:
        open_transport(ConnectionSpec(kind="demo", cluster="c"))
    assert caught.value.hint == "pip install 'smconsole[demo]'"


def test_demo_transport_found_by_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """The core reaches the demo's simulated cluster without importing console.demo."""
    from console.demo.slurm import STATE_ENV
    from console.remote.connect import ConnectionSpec, open_transport

    monkeypatch.delenv(STATE_ENV, raising=False)  # in memory only
    transport = open_transport(ConnectionSpec(kind="demo", cluster=""))
    assert type(transport).__module__ == "console.demo.slurm"


def test_a_sql_store_without_mlflow_local_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, run_cli: Any
) -> None:
    hide(monkeypatch, "mlflow")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'store.db'}")
    result = run_cli("mlflow-experiments")
    assert_one_error(result, 11, "needs the 'mlflow-local' extra")
    assert "pip install 'smconsole[mlflow-local]'" in result.stderr


READ_OVER_REST = """
import sys
from console.config import load_config
from console.context import ConsoleContext

service = ConsoleContext(load_config()).mlflow
names = [e.name for e in service.list_experiments(with_counts=True)]
runs = service.list_runs(sys.argv[1])
service.metric_history(runs[0].run_id, "loss")
service.list_model_versions(sys.argv[2])
heavy = {m.split(".")[0] for m in sys.modules} & {"mlflow", "pandas", "pyarrow", "numpy"}
print(sys.argv[1] in names, len(runs) > 0, sorted(heavy))
"""


def test_a_tracking_server_is_read_without_importing_mlflow(mlflow_env: Any) -> None:
    """The TUI's memory stays small with MLflow configured: the http path never imports
    mlflow (nor pandas/pyarrow through it)."""
    import subprocess
    from pathlib import Path

    done = subprocess.run(
        [sys.executable, "-c", READ_OVER_REST, mlflow_env.experiment, mlflow_env.model],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "[]"]
