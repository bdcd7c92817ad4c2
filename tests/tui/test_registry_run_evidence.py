"""The Registry evidence pane with MLflow run metrics (real moto + the real seeded MLflow
server): a Run column beside the report, run-only metrics marked and compared run vs run;
MLflow unreachable -> one note line, the report evidence and the table unharmed."""

from __future__ import annotations

from typing import Any

from screens.registry_evidence import EvidencePane
from tests.support.fault_proxy import FaultProxy
from tests.support.mlflow_seed import MlflowSeed
from tests.test_run_evidence import refused, seed_linked  # noqa: F401 - fixture

from .conftest import make_app, static_text, wait_until


def pane_text(app: Any) -> str:
    return static_text(app.main_screen.query_one(EvidencePane))


async def test_pane_shows_run_metrics(aws: Any, mlflow_env: MlflowSeed) -> None:
    seed_linked(aws, mlflow_env)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("4")
        await wait_until(
            pilot, lambda: "MLflow run run-3" in pane_text(app), timeout=30, what="run evidence"
        )
        text = pane_text(app)
        assert "by training job train-job-3" in text
        lines = text.splitlines()
        header = next(line for line in lines if "Metric" in line)
        assert header.split()[:4] == ["Metric", "This", "v2", "Run"]
        loss = next(line for line in lines if line.strip().startswith("loss"))
        assert "ᴹ" in loss and "0.2" in loss and "0.3 ▲ better" in loss
        auc = next(line for line in lines if line.strip().startswith("auc"))
        assert "0.93" in auc and "0.9 ▲ better" in auc
        assert "ᴹ only in the MLflow runs: run vs run" in text


async def test_unreachable_mlflow_is_one_line_in_the_pane(
    aws: Any,
    mlflow_env: MlflowSeed,
    refused: FaultProxy,  # noqa: F811 - the fixture
) -> None:
    seed_linked(aws, mlflow_env)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await wait_until(
            pilot,
            lambda: "MLflow run metrics unavailable" in pane_text(app),
            timeout=30,
            what="the note",
        )
        text = pane_text(app)
        assert [line for line in text.splitlines() if "MLflow" in line] == [
            next(line for line in text.splitlines() if "MLflow run metrics unavailable" in line)
        ]
        assert "auc" in text and "▲" in text  # the report's evidence is still there
