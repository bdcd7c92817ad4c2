"""Run tables as data: column specs, cell values, sorting, "only params that differ", export.

Shared by the CLI (``mlflow-runs --columns … --csv``) and the TUI runs table, so both show
the same thing for the same spec. A column is a run attribute (``status``, ``start``,
``duration``…) or MLflow's own prefixed names: ``params.lr``, ``metrics.loss``,
``tags.team`` — the same words its search syntax uses, so operators type what they know.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TextIO

from console.errors import ValidationError
from console.mlflow.records import MlflowRun
from console.records import iso
from console.sanitize import csv_cell

ATTRIBUTES = ("run_id", "name", "status", "start", "end", "duration", "user", "experiment_id")
PREFIXES = ("params.", "metrics.", "tags.")
DEFAULT_ATTRIBUTES = ("run_id", "name", "status", "start", "duration", "user")
# The TUI caps automatic metric columns (operators add more with the picker).
MAX_DEFAULT_METRICS = 6


def parse_columns(spec: str | Sequence[str]) -> tuple[str, ...]:
    """``"status,params.lr, metrics.loss"`` -> a checked tuple (duplicates dropped)."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for raw in items:
        column = raw.strip()
        if not column:
            continue
        if column not in ATTRIBUTES and not (
            column.startswith(PREFIXES) and len(column.split(".", 1)[1]) > 0
        ):
            raise ValidationError(
                f"unknown run column {column!r}",
                f"use {', '.join(ATTRIBUTES)} or params.NAME, metrics.NAME, tags.NAME",
            )
        if column not in out:
            out.append(column)
    if not out:
        raise ValidationError("no columns given")
    return tuple(out)


def keys_of(runs: Iterable[MlflowRun], kind: str) -> list[str]:
    """Every param/metric/tag key seen in ``runs``, sorted."""
    keys: set[str] = set()
    for run in runs:
        keys.update(getattr(run, kind))
    return sorted(keys)


def default_columns(
    runs: Sequence[MlflowRun], *, max_metrics: int | None = None
) -> tuple[str, ...]:
    metrics = keys_of(runs, "metrics")
    if max_metrics is not None:
        metrics = metrics[:max_metrics]
    return (*DEFAULT_ATTRIBUTES, *(f"metrics.{k}" for k in metrics))


def value(run: MlflowRun, column: str) -> Any:
    """The raw value of one cell (None when the run lacks it)."""
    if column == "duration":
        return run.duration_seconds
    if column in ATTRIBUTES:
        return getattr(run, column)
    kind, _, key = column.partition(".")
    return getattr(run, kind).get(key)


def text(value_: Any) -> str:
    """A cell for people and CSV: times in ISO 8601, floats compact, missing empty."""
    if value_ is None:
        return ""
    if isinstance(value_, datetime):
        return iso(value_) or ""
    if isinstance(value_, float):
        if math.isnan(value_):
            return "nan"
        return f"{value_:.6g}"
    return str(value_)


def header(column: str) -> str:
    return column


def sort_key(v: Any) -> tuple[int, float, str]:
    """Numbers (and times, and numeric strings) before text; text case-insensitive."""
    if isinstance(v, datetime):
        return (0, v.timestamp(), "")
    if isinstance(v, bool):
        return (0, float(v), "")
    if isinstance(v, int | float):
        return (0, float(v), "")
    try:
        return (0, float(str(v)), "")
    except ValueError:
        return (1, 0.0, str(v).lower())


def _missing(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


def sort_runs(
    runs: Sequence[MlflowRun], column: str, *, descending: bool = False
) -> list[MlflowRun]:
    """Sorted by one column; runs missing the value always go last."""
    present = [r for r in runs if not _missing(value(r, column))]
    missing = [r for r in runs if _missing(value(r, column))]
    present.sort(key=lambda r: sort_key(value(r, column)), reverse=descending)
    return present + missing


def differing_params(runs: Sequence[MlflowRun]) -> list[str]:
    """Param keys whose value is not the same in every run (absent counts as a value)."""
    keys = keys_of(runs, "params")
    return [k for k in keys if len({run.params.get(k) for run in runs}) > 1]


def rows(runs: Iterable[MlflowRun], columns: Sequence[str]) -> Iterable[list[str]]:
    for run in runs:
        yield [text(value(run, c)) for c in columns]


def write_csv(runs: Iterable[MlflowRun], columns: Sequence[str], out: TextIO) -> int:
    """CSV with a header row; returns the number of runs written.

    Every cell goes through ``csv_cell``: inert on a terminal, never a spreadsheet formula
    (``=…``, ``+…``, ``-…``, ``@…`` get a leading ``'``; numbers such as ``-0.5`` stay).
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(header(c)) for c in columns])
    count = 0
    for row in rows(runs, columns):
        writer.writerow([csv_cell(cell) for cell in row])
        count += 1
    return count


def json_rows(runs: Iterable[MlflowRun], columns: Sequence[str]) -> list[dict[str, Any]]:
    """One object per run, keyed by column; numbers stay numbers, times ISO 8601."""
    out: list[dict[str, Any]] = []
    for run in runs:
        item: dict[str, Any] = {}
        for column in columns:
            v = value(run, column)
            if isinstance(v, datetime):
                v = iso(v)
            elif isinstance(v, float) and not math.isfinite(v):
                v = None if math.isnan(v) else str(v)
            item[column] = v
        out.append(item)
    return out


def to_csv(runs: Iterable[MlflowRun], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    write_csv(runs, columns, buffer)
    return buffer.getvalue()


def to_json(runs: Iterable[MlflowRun], columns: Sequence[str]) -> str:
    # ensure_ascii: C1 and bidi controls leave as \u escapes, never as raw characters.
    return json.dumps(json_rows(runs, columns), indent=2, ensure_ascii=True) + "\n"
