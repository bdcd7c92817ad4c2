"""The demo fills its MLflow store after the console's first polls (issue 15: the
Experiments tab title read 1, the store's Default experiment, until the tab was visited).
Once the demo says the store is filled, the hidden tab lists it again: its count is right
without a visit."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TabbedContent

from console.config import load_config
from console.context import ConsoleContext
from screens.app import SmConsoleApp, create_app
from screens.mlflow.table import ExperimentsTable
from tests.support.mlflow_seed import MlflowSeed
from tests.tui.conftest import wait_until


def experiments_title(app: SmConsoleApp) -> str:
    return str(app.main_screen.query_one(TabbedContent).get_tab("experiments").label)


@pytest.fixture
def env(
    aws: Any, mlflow_env: MlflowSeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> MlflowSeed:
    monkeypatch.chdir(tmp_path)
    return mlflow_env


async def test_the_hidden_experiments_count_follows_the_demo_seeding(env: MlflowSeed) -> None:
    from mlflow import MlflowClient

    seeded = threading.Event()
    app = create_app(ConsoleContext(load_config(), source="tui"), demo_seeded=seeded)
    async with app.run_test(size=(120, 30)) as pilot:

        def listed() -> int:
            tables = app.main_screen.query(ExperimentsTable)
            return tables.first().total_count if tables else 0

        await wait_until(pilot, listed, what="the start-up listing")
        table = app.main_screen.query_one(ExperimentsTable)
        before = table.total_count
        assert experiments_title(app).endswith(f" {before}")
        # The demo's seeder adds experiments meanwhile, then says it is done.
        client = MlflowClient(tracking_uri=env.uri)
        added = {client.create_experiment(f"seeded-{uuid.uuid4().hex[:8]}") for _ in range(2)}
        await pilot.pause(0.3)
        assert table.total_count == before  # hidden: no poll of its own
        seeded.set()
        await wait_until(pilot, lambda: added <= set(table.items), what="listed again")
        assert table.total_count == before + 2
        assert experiments_title(app).endswith(f" {before + 2}")
        assert app.main_screen.query_one(TabbedContent).active == "jobs"  # never visited


async def test_no_demo_means_no_waiting_worker(env: MlflowSeed) -> None:
    app = create_app(ConsoleContext(load_config(), source="tui"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.2)
        assert not [w for w in app.workers if w.name == "demo-seeded"]
