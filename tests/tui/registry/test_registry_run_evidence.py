"""The Registry evidence pane with MLflow run metrics (real moto + the real seeded MLflow
server): a Run column beside the report, run-only metrics marked and compared run vs run;
MLflow unreachable -> one note line, the report evidence and the table unharmed."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from screens.registry.evidence import EvidencePane
from tests.core.services.test_run_evidence import refused, seed_linked  # noqa: F401 - fixture
from tests.support.fault_proxy import FaultProxy
from tests.support.mlflow_seed import MlflowSeed
from tests.tui.conftest import make_app, static_text, wait_until

from .test_registry_view import _package


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


async def test_the_approve_dialog_summarises_what_the_pane_shows(
    aws: Any, mlflow_env: MlflowSeed
) -> None:
    """Issue 15: the pane said "2 better", the dialog "1 better" (no MLflow metrics)."""
    from screens.kit.confirm import ConfirmDialog

    seed_linked(aws, mlflow_env)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("4")
        await wait_until(
            pilot, lambda: "MLflow run run-3" in pane_text(app), timeout=30, what="run evidence"
        )
        title = str(app.main_screen.query_one(EvidencePane).border_title)
        summary = title.rpartition(" · ")[2]
        assert summary.startswith("vs ") and "better" in summary
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        assert isinstance(app.screen, ConfirmDialog)
        assert summary in app.screen.message.splitlines()


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


# --- snapshot: the pane with run metrics, at 80x24 ---------------------------------------
def _run(arn: str, run_id: str, name: str, metrics: dict[str, float]) -> Any:
    from console.services.run_evidence import RunMetrics

    return RunMetrics(arn, run_id, name, "FINISHED", metrics, "training job churn-xgb-0042")


class RunEvidenceApp(App[None]):
    """As the registry test's evidence app (the pane right of a quarter-width groups
    stand-in), with the candidate's and the approved version's MLflow runs."""

    CSS_PATH = ["../../../themes/base.tcss", "../../../themes/model_registry.tcss"]
    CSS = "#groups-stand-in { width: 25%; } #registry-evidence { width: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("groups", id="groups-stand-in")
            yield EvidencePane(id="registry-evidence")

    def on_mount(self) -> None:
        from console.services.evidence import ServingVersion, build_evidence
        from screens.kit.formatting import StatusPalette
        from themes.registry import register_themes

        register_themes(self)
        self.theme = "smconsole-dark"
        candidate = _package(4, "PendingManualApproval", {"auc": 0.9201})
        approved = _package(3, "Approved", {"auc": 0.9193, "f1": 0.81})
        serving = ServingVersion(
            "churn-xgb-prod", "AllTraffic", "churn-xgb-v3", approved.arn, 3, "model data"
        )
        runs = {
            candidate.arn: _run(
                candidate.arn, "8f3a" * 8, "xgb-eta0.1", {"val_loss": 0.241, "val_acc": 0.912}
            ),
            approved.arn: _run(
                approved.arn, "1c2d" * 8, "xgb-eta0.2", {"val_loss": 0.262, "val_acc": 0.915}
            ),
        }
        evidence = build_evidence(candidate, [candidate, approved], [serving], runs)
        palette = StatusPalette.from_variables(self.get_css_variables())
        pane = self.query_one(EvidencePane)
        self.call_after_refresh(pane.show, evidence, palette, empty="")


def test_run_evidence_snapshot(snap_compare: Any) -> None:
    assert snap_compare(RunEvidenceApp(), terminal_size=(80, 24))
