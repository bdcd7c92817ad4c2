"""The evidence pane: the highlighted version beside the approved and the serving version.

Drawn from an :class:`~console.services.evidence.Evidence` record alone (no I/O): the
feed fetched everything, so moving the cursor redraws at once. Better is marked ``▲`` in
the theme's success colour, worse ``▼`` in its error colour, equal ``=`` dimmed; the
words are there too, for terminals without colour. ``↓`` after a metric's name says a
lower value is better (loss, error, rmse…; the rule is in :mod:`console.services.evidence`).

With MLflow configured, a "Run" column shows the final metrics of the MLflow run the
version was made from, beside the report's values; a metric only the runs have is
marked ``ᴹ`` and compared run against run. If MLflow cannot be read, one note line says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Group, JustifyMethod, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from console.services.evidence import BETTER, SAME, WORSE
from screens.kit.formatting import (
    MISSING,
    StatusPalette,
    common_prefix,
    fit_cell,
    format_time,
)
from screens.kit.plain import plain

if TYPE_CHECKING:
    from console.services.evidence import Evidence, MetricComparison
    from console.services.registry import ModelPackage

MARKS = {BETTER: "▲", WORSE: "▼", SAME: "="}
ROLES = {BETTER: "success", WORSE: "error", SAME: "muted"}


def _version(package: ModelPackage | None) -> str:
    if package is None or package.version is None:
        return MISSING
    return f"v{package.version}"


def _value(value: float | None) -> str:
    return MISSING if value is None else f"{value:.4g}"


def verdict_text(
    value: float | None, verdict: str, palette: StatusPalette, *, compact: bool = False
) -> Text:
    """``0.898 ▲ better`` (``0.898 ▲`` when compact), the verdict in its semantic colour."""
    text = Text(_value(value), no_wrap=True)
    if verdict:
        style = palette.styles.get(ROLES[verdict], Style())
        mark = MARKS[verdict]
        text.append(f" {mark}" if compact else f" {mark} {verdict}", style=style)
    return text


RUN_MARK = "ᴹ"


def _metric_marks(metric: MetricComparison) -> str:
    marks = " ↓" if metric.lower_is_better else ""
    return marks + (f" {RUN_MARK}" if metric.source == "run" else "")


def _metric_name(metric: MetricComparison, width: int | None, shared: str) -> Text:
    """The metric's name, fitted into ``width`` cells with its marks (None: whole)."""
    marks = _metric_marks(metric)
    name = metric.name
    if width is not None:
        name = fit_cell(name, max(1, width - cell_len(marks)), shared).rstrip()
    text = Text(name, no_wrap=True)
    text.append(marks, style=Style(dim=True))
    return text


# Headers from the longest to the shortest: the first that lets the table fit is used.
MIN_NAME_WIDTH = 8  # below this a metric's name says nothing: the table overflows instead
GAP = 2  # cells between columns (padding 1 each side, no outer edge)


@dataclass(frozen=True)
class _Column:
    headers: tuple[str, ...]  # longest first
    cells: list[Text]
    justify: JustifyMethod = "left"

    @property
    def cells_width(self) -> int:
        return max((cell.cell_len for cell in self.cells), default=0)


def metrics_table(
    evidence: Evidence, palette: StatusPalette, *, compact: bool, width: int = 0
) -> Table:
    """The metrics, fitted into ``width`` cells (issue 15: ``0.94…``, ``validation:loglo…``,
    ``This …`` at 80 columns): values are never cut, headers shorten before anything else
    (``Approved v3`` -> ``Appr v3`` -> ``Appr``), and the names get what is left, losing
    the prefix they share (``validation:``) and then their middle, never their end.
    """
    candidate, run = evidence.candidate, evidence.run
    metrics = evidence.metrics
    this_cells = [
        Text(_value(m.candidate if m.source == "report" else None), style="bold") for m in metrics
    ]
    columns = [
        _Column((f"This {_version(candidate)}", _version(candidate)), this_cells, justify="right")
    ]
    if run is not None:
        run_cells = [Text(_value(m.run), style="bold") for m in metrics]
        columns.append(_Column(("Run",), run_cells, justify="right"))
    for label, short, package, pick in (
        ("Approved", "Appr", evidence.approved, _approved),
        ("Serving", "Serv", evidence.serving, _serving),
    ):
        version = _version(package)
        cells = [verdict_text(*pick(m), palette, compact=compact) for m in metrics]
        columns.append(_Column((f"{label} {version}", f"{short} {version}", short), cells))
    names = [m.name + _metric_marks(m) for m in metrics]
    name_needed = max(len("Metric"), *(cell_len(name) for name in names))
    level = 0  # how short the headers are: 0 full, then shorter
    levels = max(len(column.headers) for column in columns)

    def widths(level: int) -> list[int]:
        return [
            max(column.cells_width, cell_len(column.headers[min(level, len(column.headers) - 1)]))
            for column in columns
        ]

    name_width: int | None = None
    if width > 0:
        gaps = GAP * len(columns)
        totals = [sum(widths(candidate)) + gaps for candidate in range(levels)]
        fitting = [n for n, total in enumerate(totals) if name_needed + total <= width]
        # The longest headers that fit; else the first level as narrow as any.
        level = fitting[0] if fitting else totals.index(min(totals))
        room = width - sum(widths(level)) - gaps
        if room < name_needed:
            name_width = max(MIN_NAME_WIDTH, room)
    shared = common_prefix(m.name for m in metrics)
    table = Table(
        box=None,
        padding=(0, 1),
        pad_edge=False,
        show_edge=False,
        header_style="bold",
        expand=False,
    )
    table.add_column("Metric", no_wrap=True, min_width=name_width, max_width=name_width)
    for column, column_width in zip(columns, widths(level), strict=True):
        header = column.headers[min(level, len(column.headers) - 1)]
        table.add_column(Text(header), no_wrap=True, justify=column.justify, min_width=column_width)
    for row, metric in enumerate(metrics):
        table.add_row(
            _metric_name(metric, name_width, shared), *(column.cells[row] for column in columns)
        )
    return table


def _approved(metric: MetricComparison) -> tuple[float | None, str]:
    return metric.approved, metric.vs_approved


def _serving(metric: MetricComparison) -> tuple[float | None, str]:
    return metric.serving, metric.vs_serving


def evidence_renderable(
    evidence: Evidence, palette: StatusPalette, *, compact: bool = False, width: int = 0
) -> RenderableType:
    """Heading, where it serves, the metrics table, and the notes.

    ``compact`` (narrow panes) keeps the marks and drops the words and the creation time,
    so every metric stays on one line at 80 columns. ``width`` (cells the pane has; 0:
    unknown) fits the table into it (:func:`metrics_table`).
    """
    candidate = evidence.candidate
    status = palette.text(candidate.approval_status or MISSING)
    heading = Text.assemble((candidate.label, "bold"), " · ", status)
    if candidate.created is not None and not compact:
        heading.append(f" · {format_time(candidate.created)}")
    parts: list[RenderableType] = [heading]
    if candidate.model_data_url:
        parts.append(Text(candidate.model_data_url, style=Style(dim=True), overflow="ellipsis"))
    if evidence.serving_at:
        where = ", ".join(f"{s.endpoint}/{s.variant} v{s.version}" for s in evidence.serving_at[:3])
        more = len(evidence.serving_at) - 3
        parts.append(Text(f"serving: {where}" + (f" (+{more} more)" if more > 0 else "")))
    run = evidence.run
    if run is not None:
        parts.append(
            Text(
                f"MLflow run {run.label} ({run.run_id[:8]}, {run.status.lower()}; "
                f"by {run.found_by})",
                style=Style(dim=True),
                overflow="ellipsis",
                no_wrap=True,
            )
        )
    if evidence.metrics:
        table = metrics_table(evidence, palette, compact=compact, width=width)
        parts.append(table)
        if compact:
            legend = "▲ better  ▼ worse  ↓ lower is better"
            if any(m.source == "run" for m in evidence.metrics):
                legend += f"  {RUN_MARK} run vs run"
            parts.append(Text(legend, style=Style(dim=True)))
        elif any(m.source == "run" for m in evidence.metrics):
            parts.append(
                Text(f"{RUN_MARK} only in the MLflow runs: run vs run", style=Style(dim=True))
            )
    for note in evidence.notes:
        parts.append(Text(f"· {note}", style=Style(dim=True)))
    return Group(*parts)


# Below this width the pane drops the verdict words (the marks stay).
COMPACT_WIDTH = 76


class EvidencePane(Static):
    """Evidence for the highlighted version (or why there is none)."""

    def show(self, evidence: Evidence | None, palette: StatusPalette, *, empty: str) -> None:
        if evidence is None:
            self.border_title = "Evidence"
            self.update(Text(empty, style=Style(dim=True)))
            return
        # In the title: the pane has only a top border, so a subtitle would never show.
        summary = f" · {evidence.summary()}" if evidence.summary() else ""
        self.border_title = plain(f"Evidence · {evidence.candidate.label}{summary}")
        compact = 0 < self.size.width < COMPACT_WIDTH
        # The scrollbar's column kept free: a long list must not push a value out.
        width = max(0, self.content_size.width - 1)
        self.update(evidence_renderable(evidence, palette, compact=compact, width=width))
