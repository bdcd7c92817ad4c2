"""Durations and theme-derived status colours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.color import Color as RichColor

from screens.kit.formatting import StatusPalette, elapsed_seconds, format_duration, status_role


def test_durations_are_short() -> None:
    assert format_duration(None) == "-"
    assert format_duration(45) == "45s"
    assert format_duration(12 * 60 + 3) == "12m03s"
    assert format_duration(3 * 3600 + 4 * 60) == "3h04m"
    assert format_duration(2 * 86400 + 3 * 3600) == "2d03h"


def test_elapsed_until_now_while_running() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert elapsed_seconds(start, start + timedelta(seconds=90)) == 90
    assert elapsed_seconds(start, None, now=start + timedelta(minutes=2)) == 120
    assert elapsed_seconds(None, None) is None


def test_status_roles() -> None:
    assert status_role("Completed") == "success"
    assert status_role("Failed") == "error"
    assert status_role("InProgress") == "warning"
    assert status_role("Stopped") == "muted"
    assert status_role("Whatever") is None


def test_palette_follows_theme_variables_including_ansi() -> None:
    truecolor = StatusPalette.from_variables({"text-success": "#00ff00", "text-error": "#ff0000"})
    ok = truecolor.text("Completed")
    assert ok.style.color is not None and ok.style.color.triplet is not None
    assert ok.style.color.triplet.hex == "#00ff00"
    ansi = StatusPalette.from_variables({"text-success": "ansi_green", "text-error": "ansi_red"})
    assert ansi.text("Completed").style.color == RichColor.from_ansi(2)
    assert ansi.text("Failed").style.bold
    assert ansi.text("Stopped").style.dim
