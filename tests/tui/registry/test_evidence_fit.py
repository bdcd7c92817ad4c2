"""The evidence table fitted into its pane (issue 15: at 80x24 it showed ``0.94…``,
``validation:loglo…`` and headers ``This …``/``Serving …``): values whole, headers
shortened before names, names keeping the part that tells them apart."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from console.services.evidence import Evidence, ServingVersion, build_evidence
from console.services.run_evidence import RunMetrics
from screens.kit.formatting import StatusPalette
from screens.registry.evidence import EvidencePane, evidence_renderable, metrics_table

from .test_registry_view import _package

CANDIDATE = {
    "validation:auc": 0.94213456,
    "validation:logloss": 0.2627123,
    "validation:f1_score_macro": 0.812345,
    "validation:f1_score_micro": 0.8301,
}
APPROVED = {
    "validation:auc": 0.9193,
    "validation:logloss": 0.2421,
    "validation:f1_score_macro": 0.81,
    "validation:f1_score_micro": 0.84,
}


def evidence(*, with_run: bool) -> Evidence:
    candidate = _package(14, "PendingManualApproval", CANDIDATE)
    approved = _package(13, "Approved", APPROVED)
    serving = ServingVersion(
        "churn-xgb-prod", "AllTraffic", "churn-xgb-v13", approved.arn, 13, "model data"
    )
    runs = {}
    if with_run:
        runs[candidate.arn] = RunMetrics(
            candidate.arn, "0123456789abcdef", "xgb-churn-14", "FINISHED",
            {"validation:auc": 0.9433, "train:logloss": 0.1234}, "training job j-14",
        )  # fmt: skip
        runs[approved.arn] = RunMetrics(
            approved.arn, "fedcba9876543210", "xgb-churn-13", "FINISHED",
            {"validation:auc": 0.92, "train:logloss": 0.15}, "training job j-13",
        )  # fmt: skip
    return build_evidence(candidate, [candidate, approved], [serving], runs)


def rendered(renderable: Any, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]


@pytest.mark.parametrize("with_run", [False, True])
@pytest.mark.parametrize("width", [57, 48, 40])
def test_values_whole_headers_uncut_names_told_apart(width: int, with_run: bool) -> None:
    found = evidence(with_run=with_run)
    table = metrics_table(found, StatusPalette(), compact=True, width=width)
    lines = rendered(table, width)
    assert all(len(line) <= width for line in lines), lines
    header, *rows = lines
    assert "…" not in header
    # Every value the record holds is shown as formatted, never cut.
    for metric in found.metrics:
        this = metric.candidate if metric.source == "report" else None
        for value in (this, metric.approved, metric.serving, metric.run):
            if value is not None:
                assert any(f"{value:.4g}" in row for row in rows), (value, lines)
    # Names: one row each, no two alike; the end (what differs) stays.
    names = [re.split(r"\s{2,}", row.strip())[0] for row in rows]
    assert len(set(names)) == len(found.metrics)
    assert any(name.rstrip(" ↓ᴹ").endswith("macro") for name in names)
    assert any(name.rstrip(" ↓ᴹ").endswith("micro") for name in names)


def test_full_headers_and_names_when_there_is_room() -> None:
    lines = rendered(metrics_table(evidence(with_run=True), StatusPalette(), compact=False), 120)
    assert lines[0].split() == ["Metric", "This", "v14", "Run", "Approved", "v13", "Serving", "v13"]
    assert any(line.startswith("validation:f1_score_macro") for line in lines)


def test_the_pane_passes_its_width() -> None:
    """Only rendering: the width given is the one the table honours (80x24 pane: 57)."""
    found = evidence(with_run=True)
    lines = rendered(evidence_renderable(found, StatusPalette(), compact=True, width=57), 57)
    table_lines = [line for line in lines if re.search(r"\d\.\d", line)]
    assert table_lines and all("…" not in re.sub(r"^\S+", "", line) for line in table_lines)


class FitApp(App[None]):
    """The pane where the Registry tab puts it, with the issue's long metric names."""

    CSS_PATH = ["../../../themes/base.tcss", "../../../themes/model_registry.tcss"]
    CSS = "#groups-stand-in { width: 25%; } #registry-evidence { width: 1fr; max-height: 20; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("groups", id="groups-stand-in")
            yield EvidencePane(id="registry-evidence")

    def on_mount(self) -> None:
        from themes.registry import register_themes

        register_themes(self)
        self.theme = "smconsole-dark"
        palette = StatusPalette.from_variables(self.get_css_variables())
        pane = self.query_one(EvidencePane)
        self.call_after_refresh(pane.show, evidence(with_run=True), palette, empty="")


def test_evidence_fitted_snapshot(snap_compare: Any) -> None:
    assert snap_compare(FitApp(), terminal_size=(80, 24))


async def test_the_pane_at_80_columns_keeps_values_whole() -> None:
    from tests.tui.conftest import static_text

    app = FitApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        pane = app.query_one(EvidencePane)
        text = static_text(pane)
    assert "0.9421" in text and "0.2627" in text and "0.9433" in text
    header = next(line for line in text.splitlines() if "Metric" in line)
    assert "…" not in header
