"""How values look in tables and panes: times, durations, status colours, and how a
value is fitted into a cell (numbers never cut; names keep the part that tells rows apart).

Status colours come from the active theme's semantic variables (``$text-success``,
``$text-error``, ``$text-warning``), never from fixed colours, so every theme, including
the ANSI one that uses the terminal's own palette, colours statuses its own way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError

MISSING = "-"
# Said after a value was copied (a URL, a command): how the copy reaches the clipboard.
CLIPBOARD_HINT = "copied to your clipboard (OSC 52; in tmux: set -g set-clipboard on)"

SUCCESS_STATES = frozenset({"Completed", "InService", "Approved", "Running", "Finished"})
ERROR_STATES = frozenset(
    {"Failed", "UpdateRollbackFailed", "Rejected", "Failure", "MaxRuntimeExceeded", "Error"}
)
WARNING_STATES = frozenset(
    {
        "InProgress",
        "Stopping",
        "Deleting",
        "Creating",
        "Updating",
        "SystemUpdating",
        "RollingBack",
        "Pending",
        "Starting",
        "Training",
        "Downloading",
        "Uploading",
        "LaunchingMLInstances",
        "PreparingTrainingStack",
        "DownloadingTrainingImage",
        "PendingManualApproval",
        "Scheduled",
        "Warn",  # a HyperPod cluster event's level
    }
)
MUTED_STATES = frozenset(
    {"Stopped", "OutOfService", "Interrupted", "MaxWaitTimeExceeded", "Killed"}
)


def status_role(status: str) -> str | None:
    """The semantic role of a status: success, error, warning, muted or None (plain)."""
    if status in SUCCESS_STATES:
        return "success"
    if status in ERROR_STATES:
        return "error"
    if status in WARNING_STATES:
        return "warning"
    if status in MUTED_STATES:
        return "muted"
    return None


@dataclass(frozen=True)
class StatusPalette:
    """Rich styles for status cells, derived from a theme's CSS variables."""

    styles: Mapping[str, Style] = field(default_factory=dict)

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> StatusPalette:
        styles: dict[str, Style] = {"muted": Style(dim=True)}
        for role in ("success", "error", "warning"):
            value = variables.get(f"text-{role}") or variables.get(role)
            if not value:
                continue
            try:
                color = Color.parse(value)
            except ColorParseError:
                continue
            styles[role] = Style(color=color.rich_color, bold=role == "error")
        return cls(styles)

    def text(self, status: str) -> Text:
        role = status_role(status)
        style = self.styles.get(role, Style()) if role else Style()
        return Text(status or MISSING, style=style, no_wrap=True, end="")


def format_time(value: datetime | None, *, compact: bool = False) -> str:
    """Local time, minutes precision; ``compact`` drops the year for narrow screens."""
    if value is None:
        return MISSING
    local = value.astimezone()
    return local.strftime("%m-%d %H:%M" if compact else "%Y-%m-%d %H:%M")


def format_timestamp(value: datetime | None) -> str:
    """Local time with seconds and zone, for describe panes."""
    if value is None:
        return MISSING
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def format_duration(seconds: float | None) -> str:
    """``45s``, ``12m03s``, ``3h04m``, ``2d03h``: two units at most, always short."""
    if seconds is None:
        return MISSING
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def elapsed_seconds(
    start: datetime | None, end: datetime | None, now: datetime | None = None
) -> float | None:
    """Seconds from ``start`` to ``end`` (or to now while still running)."""
    if start is None:
        return None
    stop = end or now or datetime.now(UTC)
    return (stop - start).total_seconds()


def format_percent(fraction: float | None) -> str:
    return MISSING if fraction is None else f"{fraction * 100:.0f}%"


# --- fitting a value into a cell -----------------------------------------------------------

ELLIPSIS = "…"
# A number as tables show it: sign, digits (with thousands commas), decimals, exponent, %.
_NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?%?")
# Where a shared prefix may end: names are cut at their separators, never mid-word.
_SEPARATORS = "-_/:. "


def is_number(value: str) -> bool:
    return _NUMBER.fullmatch(value) is not None


def fit_number(value: str, width: int) -> str:
    """``value`` in at most ``width`` cells, never cut: fewer decimals (rounded), then
    scientific notation; ``#`` fills the cell when even that does not fit (a spreadsheet's
    way of saying "wider, please"), never a wrong number."""
    if len(value) <= width:
        return value
    percent = value.endswith("%")
    body = value.rstrip("%").replace(",", "")
    number = float(body)
    suffix = "%" if percent else ""
    if "e" not in body.lower() and "." in body:
        decimals = len(body.partition(".")[2])
        for keep in range(decimals - 1, -1, -1):
            shown = f"{number:.{keep}f}{suffix}"
            if len(shown) <= width:
                return shown
    for digits in range(6, -1, -1):
        shown = f"{number:.{digits}e}{suffix}"
        if len(shown) <= width:
            return shown
    return "#" * width


def common_prefix(values: Iterable[str]) -> str:
    """The prefix every value shares, ending at a separator (``xgb-churn-2026-12-05-``),
    so what is left is a whole word; empty for fewer than two distinct values."""
    distinct = set(values)
    if len(distinct) < 2:
        return ""
    ordered = sorted(distinct)
    first, last = ordered[0], ordered[-1]  # the prefix of all is the prefix of these two
    shared = 0
    while shared < min(len(first), len(last)) and first[shared] == last[shared]:
        shared += 1
    prefix = first[:shared]
    cut = max(prefix.rfind(sep) for sep in _SEPARATORS)
    shared_part = prefix[: cut + 1] if cut >= 0 else ""
    # Separators alone (the blank of a row mark) are not a part worth an ellipsis.
    return shared_part if shared_part.strip("".join(_SEPARATORS)) else ""


def fit_cell(value: str, width: int, drop_prefix: str = "") -> str:
    """``value`` padded or cut to exactly ``width`` cells, keeping what tells rows apart.

    Numbers are never cut (:func:`fit_number`); prose (words with spaces) is cut at its
    end. A name that does not fit first loses
    ``drop_prefix`` (the part every row shares: ``…`` and as much of its end as fits),
    then its middle, so its distinguishing end stays: ``…12-05-abc123`` or ``xgb…abc123``.
    """
    if width <= 0:
        return ""
    if cell_len(value) <= width:
        return set_cell_size(value, width)
    if is_number(value):
        return set_cell_size(fit_number(value, width), width)
    if " " in value.strip():  # prose (a reason, a description) reads from its start
        return set_cell_size(_cut_prose(value, width - 1) + ELLIPSIS, width)
    if width >= 4 and value.startswith("(") and value.endswith(")"):
        # A reason in its place ("(JobArrayTaskLimit)"): read from its start, still closed.
        return "(" + set_cell_size(value[1:-1], width - 3) + ELLIPSIS + ")"
    if drop_prefix and value.startswith(drop_prefix) and len(value) > len(drop_prefix):
        rest = value[len(drop_prefix) :]
        if cell_len(rest) + 1 <= width:  # as much of the shared part as there is room for
            return set_cell_size(ELLIPSIS + _last_cells(value, width - 1), width)
        return set_cell_size(ELLIPSIS + _middle_cut(rest, width - 1), width)
    return set_cell_size(_middle_cut(value, width), width)


def _cut_prose(value: str, cells: int) -> str:
    """The start of ``value`` in ``cells`` cells, ended before a number the cut would
    halve (``auc 0.8894 · logloss`` rather than ``… logloss 0.``): a part of a number
    reads as a different number."""
    cut = set_cell_size(value, cells)
    end = len(cut)
    if not value.startswith(cut) or end >= len(value) or value[end].isspace():
        return cut
    if end and value[end - 1].isspace():
        return cut
    start = value.rfind(" ", 0, end) + 1
    stop = value.find(" ", end)
    token = value[start : len(value) if stop < 0 else stop].rstrip(",;)")
    if start > 0 and is_number(token):
        return value[:start]
    return cut


def _middle_cut(value: str, width: int) -> str:
    """``value`` in ``width`` cells with "…" in the middle (the end weighs more: names
    differ at their end — dates, ids, versions)."""
    if cell_len(value) <= width:
        return value
    if width <= 1:
        return ELLIPSIS[:width]
    room = width - 1
    head_cells = room // 3
    tail_cells = room - head_cells
    head = set_cell_size(value, head_cells)
    tail = _last_cells(value, tail_cells)
    return head + ELLIPSIS + tail


def _last_cells(value: str, cells: int) -> str:
    """The end of ``value`` that fits in ``cells`` cells (wide characters kept whole)."""
    taken = 0
    start = len(value)
    while start > 0:
        width = cell_len(value[start - 1])
        if taken + width > cells:
            break
        taken += width
        start -= 1
    return value[start:]
