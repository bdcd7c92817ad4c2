"""Time charts of an endpoint's metrics in unicode blocks: one row per metric, a column
per time slot, the traffic shifts marked above them (issue 16).

Drawn for the width the widget has (80 columns or 200), from a
:class:`~console.services.cloudwatch.MetricBatch`: points fall into slots between the
batch's start and end, so a gap in the data stays a gap (blank), never a flat line.
Each row is scaled to its own maximum; the number at the right end says what it is.
Labels are plain ``Text`` (variant and component names are user data: never markup).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.widget import Widget

from console.sanitize import clean
from screens.endpoints.render import bar_char

# The range keys' steps: `[` shorter, `]` longer.
RANGES: tuple[tuple[str, timedelta], ...] = (
    ("1h", timedelta(hours=1)),
    ("3h", timedelta(hours=3)),
    ("12h", timedelta(hours=12)),
    ("1d", timedelta(days=1)),
    ("1w", timedelta(weeks=1)),
)
LABEL_WIDTH = 11
VALUE_WIDTH = 10
MARK = "▼"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


MERGES: dict[str, Callable[[list[float]], float]] = {"sum": sum, "max": max, "mean": _mean}


@dataclass(frozen=True)
class ChartRow:
    """One metric: its label, its points (time, value), how slots merge, the figure."""

    label: str
    points: tuple[tuple[datetime, float], ...]
    how: str  # "sum" | "max" | "mean"
    figure: str


def slots(
    points: Sequence[tuple[datetime, float]],
    start: datetime,
    end: datetime,
    width: int,
    how: str = "sum",
    period: int = 0,
) -> list[float | None]:
    """``width`` slots between ``start`` and ``end``; None where no point fell.

    With more slots than ``period``-long steps in the window, each step is drawn wide
    (an hour of minutes on 130 columns is 60 bars, not 60 bars and 70 holes).
    """
    span = (end - start).total_seconds()
    if width <= 0 or span <= 0:
        return []
    steps = math.ceil(span / period) if period > 0 else width
    if 0 < steps < width:
        base = slots(points, start, end, steps, how)
        return [base[i * steps // width] for i in range(width)]
    buckets: list[list[float]] = [[] for _ in range(width)]
    for moment, value in points:
        index = int((moment - start).total_seconds() / span * width)
        if 0 <= index < width:
            buckets[index].append(value)
        elif index == width:
            buckets[-1].append(value)  # the point stamped at `end` itself
    merge = MERGES[how]
    return [merge(bucket) if bucket else None for bucket in buckets]


def blocks(values: Sequence[float | None]) -> str:
    """Block characters scaled to the row's maximum; a blank for an empty slot."""
    known = [v for v in values if v is not None]
    low, top = min(known, default=0.0), max(known, default=0.0)
    return "".join(" " if v is None else bar_char(v, low, top) for v in values)


def mark_line(marks: Sequence[datetime], start: datetime, end: datetime, width: int) -> str:
    """``▼`` above the slot of each traffic shift inside the window."""
    cells = [" "] * width
    span = (end - start).total_seconds()
    for moment in marks:
        if span > 0 and start <= moment <= end:
            cells[min(width - 1, int((moment - start).total_seconds() / span * width))] = MARK
    return "".join(cells)


def axis_line(start: datetime, end: datetime, width: int) -> str:
    """The window's start at the left, its end at the right (local time)."""
    fmt = "%H:%M" if end - start <= timedelta(days=1) else "%m-%d %H:%M"
    left, right = start.astimezone().strftime(fmt), end.astimezone().strftime(fmt)
    if width < len(left) + len(right) + 1:
        return right.rjust(width)[:width]
    return left + right.rjust(width - len(left))


class EndpointMetricChart(Widget):
    """A block of metric rows over one window, with the shifts marked; redrawn for
    whatever width the screen gives it."""

    DEFAULT_CSS = """
    EndpointMetricChart { height: auto; }
    """

    def __init__(
        self,
        rows: Sequence[ChartRow],
        start: datetime,
        end: datetime,
        marks: Sequence[datetime] = (),
        *,
        period: int = 0,
        classes: str = "",
    ) -> None:
        super().__init__(classes=classes)
        self.period = period
        self.rows = tuple(rows)
        self.start, self.end = start, end
        self.marks = tuple(marks)

    def lines(self, width: int) -> list[str]:
        """The chart as plain lines of at most ``width`` cells (tests read these)."""
        plot = max(8, width - LABEL_WIDTH - VALUE_WIDTH - 2)
        pad = " " * (LABEL_WIDTH + 1)
        out: list[str] = []
        inside = [m for m in self.marks if self.start <= m <= self.end]
        if inside:
            out.append(pad + mark_line(inside, self.start, self.end, plot) + " shift")
        for row in self.rows:
            values = slots(row.points, self.start, self.end, plot, row.how, self.period)
            # Labels hold variant and component names: inert, whatever reached the record.
            label = clean(row.label)[:LABEL_WIDTH].ljust(LABEL_WIDTH)
            out.append(f"{label} {blocks(values)} {clean(row.figure)[:VALUE_WIDTH]}")
        out.append(pad + axis_line(self.start, self.end, plot))
        return out

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> RenderResult:
        return Text("\n".join(self.lines(self.size.width)), no_wrap=True, overflow="crop")
