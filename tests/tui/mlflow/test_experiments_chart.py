"""Snapshot tests of the metric chart: several runs' loss curves overlaid, and log scale.

A small app shows the chart alone with fixed curves (no server, no clock), in the
console's own theme and stylesheets, at 80x24 and 160x50.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.app import App, ComposeResult

from console.mlflow.records import MetricPoint
from screens.mlflow.chart import MetricChart
from screens.mlflow.series import Series
from themes import STYLESHEETS
from themes.registry import register_themes

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def curve(label: str, final: float, steps: int = 40) -> Series:
    points = tuple(
        MetricPoint("loss", step, final + (2.0 - final) * math.exp(-step / 8), T0)
        for step in range(steps)
    )
    return Series(label, points)


class ChartApp(App[None]):
    CSS_PATH = [str(path) for path in STYLESHEETS]
    BINDINGS = [("k", "next_metric"), ("l", "log_scale")]

    def compose(self) -> ComposeResult:
        yield MetricChart(id="run-chart")

    def on_mount(self) -> None:
        register_themes(self)
        self.theme = "smconsole-dark"
        accuracy = Series(
            "run-a",
            tuple(MetricPoint("accuracy", s, 0.5 + s / 100, T0) for s in range(40)),
        )
        self.query_one(MetricChart).set_histories(
            {"loss": [curve("run-a", 0.30), curve("run-b", 0.20)], "accuracy": [accuracy]}
        )

    def action_next_metric(self) -> None:
        self.query_one(MetricChart).next_key()

    def action_log_scale(self) -> None:
        self.query_one(MetricChart).toggle_log()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_overlaid_loss_curves(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(ChartApp(), terminal_size=size)


def test_log_scale(snap_compare: Any) -> None:
    assert snap_compare(ChartApp(), press=["l"], terminal_size=(80, 24))


async def test_keys_cycle_metric_and_scale() -> None:
    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(MetricChart)
        assert chart.key == "loss" and chart.title == "loss"
        await pilot.press("k")
        assert chart.key == "accuracy"
        await pilot.press("l")
        assert chart.title == "accuracy (log scale)"
        chart.set_histories({"loss": [Series("neg", (MetricPoint("loss", 0, -1.0, T0),))]})
        assert chart.title == "loss (log scale) · values <= 0 not drawn"
