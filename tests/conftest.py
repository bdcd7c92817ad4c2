"""Shared fixtures: a real moto server on loopback, isolated config/state dirs, a CLI runner.

Every test runs with HOME, XDG dirs and SMCONSOLE_CONFIG pointed at a temporary directory
and fake AWS credentials, so no test can read a developer's config or reach real AWS.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import CliResult
from tests.support.mlflow_seed import MlflowSeed
from tests.support.mlflow_server import MlflowServer
from tests.support.moto_server import MotoServer, start_moto_server
from tests.system.support import System, require_system


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` (minutes-long terraform applies, the fault soak) run first.

    With two xdist workers, a long test that starts late finishes minutes after the other
    worker ran out of work; started first, the rest of the suite fills the other worker.
    The sort is stable, so every other test keeps its collection order."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server per test session (per xdist worker), on 127.0.0.1, random port."""
    server = start_moto_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real config, no real credentials, no real AWS, for every test."""
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(("AWS_", "SMCONSOLE_", "MLFLOW_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws/config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws/credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Anything that slips through to a real AWS host fails fast instead of hanging.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    return home


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """The moto server, reset to empty, with AWS_ENDPOINT_URL pointing at it."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    yield moto_server


@pytest.fixture
def run_cli() -> Any:
    """Run ``smconsole ARGS`` in-process through the real entry point (``main``)."""
    from click.testing import CliRunner

    from console.cli.main import main

    def invoke(*args: str, input: str | None = None) -> CliResult:
        runner = CliRunner()
        holder: dict[str, int] = {}

        def entry() -> None:
            holder["code"] = main(list(args))

        import click

        @click.command(context_settings={"ignore_unknown_options": True})
        def wrapper() -> None:
            entry()

        result = runner.invoke(wrapper, [], input=input, catch_exceptions=False)
        return CliResult(holder.get("code", result.exit_code), result.stdout, result.stderr)

    return invoke


@pytest.fixture
def system() -> System:
    """The real sshd + Slurm on loopback (tests/system/setup.py), or a skip (CI: a fail)."""
    return require_system()


@pytest.fixture
def cleanup(system: System) -> Iterator[list[str]]:
    """Job ids to cancel after the test, whatever happened (root, local scancel)."""
    ids: list[str] = []
    yield ids
    system.scancel(ids)


@pytest.fixture(autouse=True)
def _quiet_werkzeug() -> None:
    logging.getLogger("werkzeug").disabled = True


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """One real `mlflow server` per session (per xdist worker), started on first use."""
    from tests.support.mlflow_server import start_mlflow_server

    server = start_mlflow_server(tmp_path_factory.mktemp("mlflow-server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mlflow_rest(
    mlflow_server: MlflowServer, tmp_path_factory: pytest.TempPathFactory
) -> MlflowSeed:
    """The server, seeded once through the real mlflow client (REST)."""
    from tests.support.mlflow_seed import seed_store

    return seed_store(mlflow_server.url, tmp_path_factory.mktemp("mlflow-rest-artifacts"))


@pytest.fixture(scope="session")
def mlflow_sqlite(tmp_path_factory: pytest.TempPathFactory) -> MlflowSeed:
    """A sqlite store (no server), seeded once: version numbers come back as int here."""
    from tests.support.mlflow_seed import seed_store

    root = tmp_path_factory.mktemp("mlflow-sqlite")
    return seed_store(f"sqlite:///{root / 'store.db'}", root / "artifacts")


@pytest.fixture(params=["rest", "sqlite"])
def mlflow_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> MlflowSeed:
    """Each MLflow backend in turn, with MLFLOW_TRACKING_URI pointing at it."""
    seed: MlflowSeed = request.getfixturevalue(f"mlflow_{request.param}")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", seed.uri)
    return seed


@pytest.fixture
def mlflow_env(mlflow_rest: MlflowSeed, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowSeed]:
    """The seeded tracking server, with MLFLOW_TRACKING_URI pointing at it.

    The server lives for the session; aliases a test moves on the alias model are put
    back afterwards (only ``champion`` -> version 1), so tests do not see each other's.
    """
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_rest.uri)
    yield mlflow_rest
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_rest.uri, registry_uri=mlflow_rest.uri)
    name = mlflow_rest.alias_model
    for alias in client.get_registered_model(name).aliases:
        if alias != "champion":
            client.delete_registered_model_alias(name, alias)
    client.set_registered_model_alias(name, "champion", "1")
