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

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from console.services.evidence import BETTER, SAME, WORSE
from screens.kit.formatting import MISSING, StatusPalette, format_time
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


def _metric_name(metric: MetricComparison) -> Text:
    text = Text(metric.name, no_wrap=True, overflow="ellipsis")
    if metric.lower_is_better:
        text.append(" ↓", style=Style(dim=True))
    if metric.source == "run":
        text.append(f" {RUN_MARK}", style=Style(dim=True))
    return text


def evidence_renderable(
    evidence: Evidence, palette: StatusPalette, *, compact: bool = False
) -> RenderableType:
    """Heading, where it serves, the metrics table, and the notes.

    ``compact`` (narrow panes) keeps the marks and drops the words and the creation time,
    so every metric stays on one line at 80 columns.
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
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=False)
        table.add_column("Metric", no_wrap=True, max_width=18 if compact else 28)
        table.add_column(Text(f"This {_version(candidate)}"), no_wrap=True, justify="right")
        if run is not None:
            table.add_column("Run", no_wrap=True, justify="right")
        table.add_column(Text(f"Approved {_version(evidence.approved)}"), no_wrap=True)
        table.add_column(Text(f"Serving {_version(evidence.serving)}"), no_wrap=True)
        for metric in evidence.metrics:
            this = metric.candidate if metric.source == "report" else None
            cells = [_metric_name(metric), Text(_value(this), style="bold")]
            if run is not None:
                cells.append(Text(_value(metric.run), style="bold"))
            cells += [
                verdict_text(metric.approved, metric.vs_approved, palette, compact=compact),
                verdict_text(metric.serving, metric.vs_serving, palette, compact=compact),
            ]
            table.add_row(*cells)
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
        self.update(evidence_renderable(evidence, palette, compact=compact))
