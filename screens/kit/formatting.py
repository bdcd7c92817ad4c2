"""How values look in tables and panes: times, durations and status colours.

Status colours come from the active theme's semantic variables (``$text-success``,
``$text-error``, ``$text-warning``), never from fixed colours, so every theme, including
the ANSI one that uses the terminal's own palette, colours statuses its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
