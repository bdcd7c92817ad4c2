"""Metric curves drawn in the terminal (textual-plotext): one or several runs overlaid.

Operators read a loss curve faster than a column of numbers. The chart shows one metric
key at a time (``k`` cycles through the keys the runs have), each run as its own series,
steps on x; ``l`` toggles a log y-axis (non-positive values cannot be drawn on one and
are left out, which the title says).

textual-plotext costs ~0.3 s to import: this module is imported only when a run detail
or compare screen opens, never at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from screens.mlflow.series import Series


class MetricChart(PlotextPlot):
    """Curves of one metric key for one or more runs."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.histories: dict[str, list[Series]] = {}
        self.keys: list[str] = []
        self.key = ""
        self.log_scale = False

    def set_histories(self, histories: Mapping[str, Sequence[Series]], key: str = "") -> None:
        """``histories``: metric key -> one series per run."""
        self.histories = {k: list(v) for k, v in histories.items() if v}
        self.keys = sorted(self.histories)
        if key in self.histories:
            self.key = key
        elif self.key not in self.histories:
            preferred = [k for k in self.keys if "loss" in k.lower()]
            self.key = (preferred or self.keys or [""])[0]
        self.redraw()

    def next_key(self) -> str:
        if self.keys:
            index = self.keys.index(self.key) if self.key in self.keys else -1
            self.key = self.keys[(index + 1) % len(self.keys)]
            self.redraw()
        return self.key

    def toggle_log(self) -> bool:
        self.log_scale = not self.log_scale
        self.redraw()
        return self.log_scale

    @property
    def title(self) -> str:
        if not self.key:
            return "no metric history"
        scale = " (log scale)" if self.log_scale else ""
        dropped = self.log_scale and any(
            p.value <= 0 for s in self.histories.get(self.key, []) for p in s.points
        )
        return f"{self.key}{scale}" + (" · values <= 0 not drawn" if dropped else "")

    def redraw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.title)
        plt.xlabel("step")
        for series in self.histories.get(self.key, []):
            points = [p for p in series.points if p.value > 0 or not self.log_scale]
            if not points:
                continue
            plt.plot(
                [p.step for p in points],
                [p.value for p in points],
                label=series.label,
                marker="braille",
            )
        plt.yscale("log" if self.log_scale else "linear")
        self.refresh()
