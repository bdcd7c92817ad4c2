"""Turn describe records into the detail screen's sections (title + grid per section).

Section titles carry the ``section-title`` class and the failure reason the ``failure``
class: their colours come from the theme (``themes/*.tcss``). Values are always plain
text (names and messages may contain ``[``), never markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from console.services.jobs import ProcessingJob, TrainingJob, TuningJob
from screens.kit.formatting import (
    MISSING,
    StatusPalette,
    elapsed_seconds,
    format_duration,
    format_percent,
    format_timestamp,
)

Row = tuple[str, str | Text]


def grid(rows: Iterable[Row]) -> Table:
    """A borderless two-column key/value grid."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        # Keys may be user data too (hyperparameter names): never parse them as markup.
        table.add_row(Text(key), value if isinstance(value, Text) else Text(value or MISSING))
    return table


def columns_table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, gap: int = 4) -> Table:
    """A compact table with a header row (timelines, metrics); ``gap`` columns between
    cells (2 where a row must fit 80 columns: a folded sparkline is unreadable)."""
    table = Table(box=None, padding=(0, gap // 2), show_edge=False, header_style="bold")
    for header in headers:
        table.add_column(Text(header), overflow="fold")  # run names, hosts: data
    for row in rows:
        table.add_row(*(Text(cell or MISSING) for cell in row))
    return table


def section(title: str, body: RenderableType | str, *, classes: str = "") -> list[Widget]:
    content: Any = Content(body) if isinstance(body, str) else body
    return [
        Static(Content(title), classes="section-title"),
        Static(content, classes=f"section-body {classes}".strip()),
    ]


def sections_for(record: Any, palette: StatusPalette) -> list[Widget]:
    if isinstance(record, TrainingJob):
        return training_sections(record, palette)
    if isinstance(record, ProcessingJob):
        return processing_sections(record, palette)
    if isinstance(record, TuningJob):
        return tuning_sections(record, palette)
    return section("Details", str(record))


def _failure(reason: str, extra: str = "") -> list[Widget]:
    text = reason or extra
    if not text:
        return []
    if reason and extra and extra != reason:
        text = f"{reason}\n{extra}"
    return section("Failure reason", text, classes="failure")


def _seconds(value: int | None) -> str:
    return MISSING if value is None else f"{value} s ({format_duration(value)})"


def training_sections(job: TrainingJob, palette: StatusPalette) -> list[Widget]:
    spot = "no"
    if job.spot:
        spot = f"yes, max wait {_seconds(job.max_wait_seconds)}"
    widgets = section(
        "Summary",
        grid(
            [
                ("Status", palette.text(job.status)),
                ("Secondary status", palette.text(job.secondary_status)),
                ("Created", format_timestamp(job.created)),
                ("Started", format_timestamp(job.started)),
                ("Ended", format_timestamp(job.ended)),
                (
                    "Elapsed",
                    format_duration(elapsed_seconds(job.started or job.created, job.ended)),
                ),
                ("Instance", f"{job.instance_type} x {job.instance_count}"),
                ("Volume", f"{job.volume_gb} GB"),
                ("Managed spot", spot),
                ("Max runtime", _seconds(job.max_runtime_seconds)),
                ("Warm pool", job.warm_pool_status),
                ("Image", job.image),
                ("Role", job.role_arn),
            ]
        ),
    )
    widgets = _failure(job.failure_reason) + widgets  # first: visible at 80x24
    widgets += section(
        "Time and cost",
        grid(
            [
                ("Training time", _seconds(job.training_seconds)),
                ("Billable time", _seconds(job.billable_seconds)),
                ("Spot savings", format_percent(job.spot_savings)),
            ]
        ),
    )
    if job.transitions:
        widgets += section(
            "Status timeline",
            columns_table(
                ("Status", "Start", "End", "Took", "Message"),
                (
                    (
                        t.status,
                        format_timestamp(t.start),
                        format_timestamp(t.end) if t.end else "",
                        format_duration(elapsed_seconds(t.start, t.end)) if t.end else "",
                        t.message,
                    )
                    for t in job.transitions
                ),
            ),
        )
    if job.final_metrics:
        widgets += section(
            "Final metrics",
            columns_table(
                ("Metric", "Value", "At"),
                (
                    (m.name, f"{m.value:g}", format_timestamp(m.timestamp))
                    for m in job.final_metrics
                ),
            ),
        )
    if job.hyperparameters:
        widgets += section("Hyperparameters", grid(sorted(job.hyperparameters.items())))
    io_rows: list[Row] = [(f"in: {c.name}", c.s3_uri) for c in job.inputs]
    io_rows += [
        ("out: output path", job.output_path),
        ("out: model artifacts", job.model_artifacts),
        ("checkpoints", job.checkpoint_uri),
    ]
    widgets += section("Inputs and outputs", grid(io_rows))
    links = [
        ("MLflow experiment", job.mlflow_experiment_id),
        ("MLflow run", job.mlflow_run_id),
        ("Output model package", job.output_model_package_arn),
    ]
    if any(value for _, value in links):
        widgets += section("Links (M: MLflow run, P: model package)", grid(links))
    if job.environment:
        # Values may hold secrets: show which variables are set, not what they hold.
        widgets += section("Environment (names only)", ", ".join(sorted(job.environment)))
    return widgets


def processing_sections(job: ProcessingJob, palette: StatusPalette) -> list[Widget]:
    widgets = section(
        "Summary",
        grid(
            [
                ("Status", palette.text(job.status)),
                ("Created", format_timestamp(job.created)),
                ("Started", format_timestamp(job.started)),
                ("Ended", format_timestamp(job.ended)),
                (
                    "Elapsed",
                    format_duration(elapsed_seconds(job.started or job.created, job.ended)),
                ),
                ("Instance", f"{job.instance_type} x {job.instance_count}"),
                ("Volume", f"{job.volume_gb} GB"),
                ("Max runtime", _seconds(job.max_runtime_seconds)),
                ("Image", job.image),
                ("Role", job.role_arn),
                ("Training job", job.training_job_arn),
            ]
        ),
    )
    widgets = _failure(job.failure_reason, job.exit_message) + widgets  # first: visible at 80x24
    rows: list[Row] = [(f"in: {c.name}", c.s3_uri) for c in job.inputs]
    rows += [(f"out: {c.name}", c.s3_uri) for c in job.outputs]
    if rows:
        widgets += section("Inputs and outputs", grid(rows))
    if job.environment:
        widgets += section("Environment (names only)", ", ".join(sorted(job.environment)))
    return widgets


def tuning_sections(job: TuningJob, palette: StatusPalette) -> list[Widget]:
    widgets = section(
        "Summary",
        grid(
            [
                ("Status", palette.text(job.status)),
                ("Strategy", job.strategy),
                ("Objective", job.objective),
                ("Best training job", job.best_training_job),
                ("Created", format_timestamp(job.created)),
                ("Ended", format_timestamp(job.ended)),
                ("Elapsed", format_duration(elapsed_seconds(job.created, job.ended))),
            ]
        ),
    )
    widgets = _failure(job.failure_reason) + widgets  # first: visible at 80x24
    if job.counters:
        widgets += section(
            "Training jobs",
            grid((name, str(count)) for name, count in sorted(job.counters.items())),
        )
    return widgets
