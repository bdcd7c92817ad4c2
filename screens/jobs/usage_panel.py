"""A training or processing job's host utilisation in its detail: one chart per metric
(every host a line), a time range, and the flags an operator must not miss.

``m`` shows the next metric (CPU, memory, disk, GPU, GPU memory), ``[``/``]`` a shorter or
longer time range (1h, 3h, 12h, 1d, 1w). The panel reads nothing itself: the detail
screen reads every chart it shows in one batched GetMetricData per range (every metric of
every host, and the algorithm metrics; :func:`~console.services.job_extras.job_detail_metrics`)
and hands this panel its part; the other metrics are drawn from the same answer.
"""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from console.services.cloudwatch import INSTANCE_METRICS
from console.services.job_extras import JobHostSeries
from screens.kit.charts import SeriesChart

RANGES: tuple[tuple[str, timedelta], ...] = (
    ("1h", timedelta(hours=1)),
    ("3h", timedelta(hours=3)),
    ("12h", timedelta(hours=12)),
    ("1d", timedelta(days=1)),
    ("1w", timedelta(weeks=1)),
)
METRIC_LABELS = {
    "CPUUtilization": "CPU %",
    "MemoryUtilization": "memory %",
    "DiskUtilization": "disk %",
    "GPUUtilization": "GPU %",
    "GPUMemoryUtilization": "GPU memory %",
}


class JobUsagePanel(Vertical):
    """Flags, one chart and a hint line; :meth:`show` draws what the detail read."""

    DEFAULT_CSS = """
    JobUsagePanel {
        height: auto;
    }
    JobUsagePanel #usage-flags {
        height: auto;
    }
    JobUsagePanel #usage-hint {
        color: $text-muted;
    }
    """

    def __init__(self, kind: str, name: str, hosts: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind = kind
        self.job_name = name
        self.hosts = max(1, hosts)
        self.range_index = 1  # 3h: a running job's recent past
        self.metric = "GPUUtilization"
        self.data: JobHostSeries | None = None
        self.error: str = ""

    def compose(self) -> ComposeResult:
        yield Static(Content(""), id="usage-flags", classes="failure")
        yield SeriesChart(id="usage-chart")
        yield Static(Content("reading metrics…"), id="usage-hint")

    def on_mount(self) -> None:
        self.query_one("#usage-flags").display = False

    @property
    def range_label(self) -> str:
        return RANGES[self.range_index][0]

    @property
    def since(self) -> timedelta:
        return RANGES[self.range_index][1]

    def step_range(self, step: int) -> bool:
        """One range shorter (-1) or longer (+1), held at the ends (1h … 1w), as ``[``/``]``
        step the endpoint detail's charts; True when it changed (the detail reads it)."""
        index = min(max(self.range_index + step, 0), len(RANGES) - 1)
        changed = index != self.range_index
        self.range_index = index
        if changed:
            self.query_one("#usage-hint", Static).update(
                Content(f"reading the last {self.range_label}…")
            )
        return changed

    def next_metric(self) -> str:
        shown = self._metrics()
        index = shown.index(self.metric) if self.metric in shown else -1
        self.metric = shown[(index + 1) % len(shown)]
        self._draw()
        return METRIC_LABELS[self.metric]

    def _metrics(self) -> list[str]:
        """The metrics with points first (a CPU job has no GPU lines to cycle through)."""
        have = self.data.series if self.data else {}
        with_points = [m for m in INSTANCE_METRICS if m in have]
        return with_points or list(INSTANCE_METRICS)

    def show(self, data: JobHostSeries) -> None:
        self.data = data
        self.error = ""
        if self.metric not in data.series:
            self.metric = self._metrics()[0]
        flags = self.query_one("#usage-flags", Static)
        flags.display = bool(data.flags)
        flags.update(Content("\n".join(f"{f.host}: {f.kind}: {f.detail}" for f in data.flags)))
        self._draw()

    def show_error(self, message: str) -> None:
        """The read failed (one line, already inert): the last charts stay."""
        self.error = message
        self.query_one("#usage-hint", Static).update(Content(f"metrics: {self.error}"))

    def _draw(self) -> None:
        data = self.data
        series = data.series.get(self.metric, {}) if data else {}
        label = METRIC_LABELS[self.metric]
        # 0-100 so an idle host reads as idle; a host with several GPUs reports up to
        # 100 per GPU, and the axis grows with it.
        top = max((v for points in series.values() for _, v in points), default=0.0)
        self.query_one(SeriesChart).show(
            f"{label} per host · last {self.range_label}",
            series,
            empty="no points (the job published none in this range)",
            y_range=(0.0, max(100.0, top)),
        )
        period = f"{data.period // 60} min points" if data else ""
        self.query_one("#usage-hint", Static).update(
            Content(f"m: next metric ({label})   [ ]: time range ({self.range_label})   {period}")
        )
