"""CLI output: aligned tables with status colours for people, stable JSON for scripts.

``--json`` output is the records' ``to_dict()`` shape: ISO 8601 times, lists for
collections, one JSON document per invocation (an array for list commands).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from console.records import to_plain

# Status words -> rich styles. Unknown statuses are printed plain.
_GOOD = {"completed", "inservice", "approved", "running", "active", "created", "ok", "idle"}
_BAD = {
    "failed",
    "rejected",
    "failure",
    "deleting",
    "outofservice",
    "updaterollbackfailed",
    "rollingback",
    "notfound",
    "down",
    "drain",
    "error",
}
_BUSY = {
    "inprogress",
    "creating",
    "updating",
    "stopping",
    "pending",
    "pendingmanualapproval",
    "systemupdating",
    "starting",
    "deephealthcheckinprogress",
    "shuttingdown",
    "warn",
}
_MUTED = {"stopped", "deleted"}


def status_style(status: str) -> str:
    key = status.replace("_", "").replace(" ", "").lower()
    if key in _GOOD:
        return "green"
    if key in _BAD:
        return "bold red"
    if key in _BUSY:
        return "yellow"
    if key in _MUTED:
        return "dim"
    return ""


Column = tuple[str, Callable[[Any], Any]]

# Wide enough that no table row is ever folded when output goes to a pipe or file.
_PIPE_WIDTH = 10_000


def _console() -> Any:
    """A rich console: the terminal's width on a terminal; never wrapping into a pipe,
    so `smconsole training-list | grep NAME` sees whole names on one line."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, width=_PIPE_WIDTH, color_system=None)


def field_col(header: str, name: str) -> Column:
    return header, lambda row: getattr(row, name)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value) or "-"
    text = str(value)
    return text if text else "-"


def print_json(data: Any) -> None:
    # ensure_ascii: C1 and bidi controls leave as \u escapes, never as raw characters.
    json.dump(to_plain(data), sys.stdout, indent=2, sort_keys=False, default=str, ensure_ascii=True)
    sys.stdout.write("\n")


def print_table(
    rows: Iterable[Any],
    columns: Sequence[Column],
    *,
    status_column: str | None = "Status",
    empty: str = "nothing found",
) -> int:
    """Print rows as an aligned table; return the row count.

    Cells wrap at spaces only and a column is never narrower than its longest word
    (console/cli/table_layout.py): names, statuses and URIs are never cut mid-word.
    """
    from rich.text import Text

    from console.cli.table_layout import GAP, layout
    from console.sanitize import inert

    headers = [header for header, _ in columns]
    cells = [[inert(_cell(get(row))) for _, get in columns] for row in rows]
    if not cells:
        click_echo_err(empty)
        return 0
    console = _console()
    widths, wrapped = layout(headers, cells, console.width)
    status_index = headers.index(status_column) if status_column in headers else -1
    last = len(widths) - 1

    def line(parts: Sequence[str], styles: Sequence[str]) -> Text:
        text = Text()
        for index, (part, width, style) in enumerate(zip(parts, widths, styles, strict=True)):
            text.append(part, style=style)
            if index < last:
                text.append(" " * (width - len(part) + GAP))
        text.rstrip()
        return text

    console.print(line(headers, ["bold"] * len(headers)), soft_wrap=True)
    for row in wrapped:
        height = max(len(cell) for cell in row)
        for number in range(height):
            parts = [cell[number] if number < len(cell) else "" for cell in row]
            styles = [
                status_style(row[i][0]) if i == status_index and number == 0 else ""
                for i in range(len(row))
            ]
            console.print(line(parts, styles), soft_wrap=True)
    return len(cells)


def print_fields(pairs: Sequence[tuple[str, Any]]) -> None:
    """A describe view: one ``label: value`` per line, labels aligned."""
    from rich.text import Text

    from console.sanitize import inert

    console = _console()
    width = max((len(label) for label, _ in pairs), default=0)
    for label, value in pairs:
        text = inert(_cell(value))
        line = Text(f"{label:<{width}}  ", style="bold")
        line.append(text, style=status_style(text) if label == "Status" else "")
        console.print(line)


def click_echo_err(message: str) -> None:
    import click

    click.echo(message, err=True)


def emit(
    inv_json: bool,
    data: Any,
    *,
    columns: Sequence[Column] | None = None,
    fields: Callable[[Any], Sequence[tuple[str, Any]]] | None = None,
    empty: str = "nothing found",
) -> None:
    """Print ``data`` (a record or an iterable of records) as JSON or for people."""
    if inv_json:
        print_json(list(data) if columns is not None else data)
    elif columns is not None:
        print_table(data, columns, empty=empty)
    elif fields is not None:
        print_fields(fields(data))
    else:
        print_json(data)
