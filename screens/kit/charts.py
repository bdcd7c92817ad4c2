"""Line charts of metric series over time, drawn in the terminal (textual-plotext).

One widget for the charts of the console's own metric records (a job's host utilisation,
a tuning job's objective): each named series is a list of ``(time, value)`` points; the x
axis is minutes from the first point shown, so every series of one chart shares it.
``show`` replaces what is drawn (a new time range, another metric).

textual-plotext costs ~0.3 s to import: import this module only where a chart opens,
never on the start-up path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from textual_plotext import PlotextPlot

Points = Sequence[tuple[datetime, float]]
# Lines are braille (fine-grained) and told apart by colour. Without colour (NO_COLOR,
# a monochrome terminal) every line and its legend entry looked alike ("⢕⢕ algo-1",
# "⢕⢕ algo-2"): each series then gets its own character, drawn in its line and shown
# beside its label in the legend.
MONOCHROME_MARKERS = ("•", "x", "+", "o", "*", "#", "%", "@", "=", "~")


def series_markers(labels: Sequence[str], *, monochrome: bool) -> dict[str, str]:
    """The plotext marker of each series: braille in colour; without colour, a
    character each (distinct for the first ten, then again from the first)."""
    if not monochrome:
        return dict.fromkeys(labels, "braille")
    return {
        label: MONOCHROME_MARKERS[i % len(MONOCHROME_MARKERS)] for i, label in enumerate(labels)
    }


class SeriesChart(PlotextPlot):
    """Named series over time; an empty chart says what is missing in its title."""

    DEFAULT_CSS = """
    SeriesChart {
        height: 12;
        min-height: 8;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.title = ""
        self.series: dict[str, list[tuple[datetime, float]]] = {}
        self.markers: dict[str, str] = {}

    def show(
        self,
        title: str,
        series: Mapping[str, Points],
        *,
        y_label: str = "",
        empty: str = "no data points",
        y_range: tuple[float, float] | None = None,
    ) -> None:
        """Draw ``series`` (label -> points, any order); ``y_range`` fixes the y axis
        (percentages: 0-100, so an idle host reads as idle, not as a full-height line)."""
        self.series = {label: sorted(points) for label, points in series.items() if len(points) > 0}
        self.title = title if self.series else f"{title} · {empty}"
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.title)
        starts = [points[0][0] for points in self.series.values()]
        # Textual takes NO_COLOR from the environment when the app starts (app.no_color).
        monochrome = bool(getattr(self.app, "no_color", False))
        self.markers = series_markers(list(self.series), monochrome=monochrome)
        if starts:
            origin = min(starts)
            plt.xlabel("minutes")
            for label, points in self.series.items():
                plt.plot(
                    [(moment - origin).total_seconds() / 60.0 for moment, _ in points],
                    [value for _, value in points],
                    label=label,
                    marker=self.markers[label],
                )
            if y_label:
                plt.ylabel(y_label)
            if y_range is not None:
                plt.ylim(*y_range)
        self.refresh()
