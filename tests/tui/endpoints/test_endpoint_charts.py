"""The endpoint detail's charts (issue 16) against moto: per variant rows drawn from one
GetMetricData, the range keys (`[` `]`), live mode (`L`), and the traffic shift recorded
in the audit log marked on the charts. Plus the pure drawing functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text

from console.audit import AuditRecord
from screens.endpoints.charts import MARK, EndpointMetricChart, axis_line, blocks, mark_line, slots
from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.health import shift_times
from screens.endpoints.render import BARS, sparkline
from tests.support.hostile import CORPUS, assert_inert_output
from tests.tui.conftest import make_app, notifications, wait_until
from tests.tui.endpoints.test_endpoint_health import put
from tests.tui.endpoints.test_endpoints_metrics import count_metric_reads
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, open_tab

T0 = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)


def test_slots_keep_gaps_and_stretch_coarse_data() -> None:
    points = [(T0 + timedelta(minutes=m), float(m)) for m in (0, 1, 5)]
    assert slots(points, T0, T0 + timedelta(minutes=6), 6) == [0.0, 1.0, None, None, None, 5.0]
    # Two slots per point when the window has fewer steps than columns.
    wide = slots(points, T0, T0 + timedelta(minutes=6), 12, period=60)
    assert wide[:4] == [0.0, 0.0, 1.0, 1.0] and wide[-2:] == [5.0, 5.0]
    assert blocks([None, 0.0, 4.0, 8.0]) == " ▁▄█"
    assert mark_line([T0 + timedelta(minutes=3)], T0, T0 + timedelta(minutes=6), 6) == "   ▼  "
    assert len(axis_line(T0, T0 + timedelta(hours=1), 40)) == 40


def test_shift_times_come_from_ok_weight_changes_of_this_endpoint() -> None:
    def record(action: str, target: str, outcome: str, minutes: int) -> AuditRecord:
        stamp = (T0 + timedelta(minutes=minutes)).isoformat()
        return AuditRecord(stamp, "me", "p", "r", action, target, {}, outcome)

    records = [
        record("endpoint-weights", "fraud", "ok", 10),
        record("endpoint-weights", "fraud", "error", 12),
        record("endpoint-weights", "other", "ok", 14),
        record("endpoint-weights-rollback", "fraud", "ok", 20),
        record("endpoint-update", "fraud", "ok", 25),
        record("endpoint-weights", "fraud", "ok", -30),  # before the window
        AuditRecord("not a time", "me", "p", "r", "endpoint-weights", "fraud", {}, "ok"),
    ]
    assert shift_times(records, "fraud", T0) == [
        T0 + timedelta(minutes=10),
        T0 + timedelta(minutes=20),
    ]


@given(
    st.lists(
        st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32)),
        max_size=40,
    )
)
def test_blocks_draw_any_values_even_negative_noise(values: list[float | None]) -> None:
    """A gauge near 0 with noise goes below 0 (the demo's idle GPU did): still blocks."""
    drawn = blocks(values)
    assert len(drawn) == len(values)
    assert set(drawn) <= set(BARS) | {" "}
    known = [v for v in values if v is not None]
    assert sparkline(known) == "-" or set(sparkline(known)) <= set(BARS)


@pytest.mark.parametrize("name", CORPUS)
def test_hostile_labels_are_drawn_as_text(name: str) -> None:
    from screens.endpoints.charts import ChartRow

    chart = EndpointMetricChart(
        [ChartRow(name, ((T0, 1.0),), "sum", name)], T0, T0 + timedelta(hours=1)
    )
    rendered = chart.lines(80)
    assert all(len(line) <= 80 for line in rendered)
    for line in rendered:
        assert_inert_output(line, where="chart line")
    # Drawn as plain Text: markup in a name stays literal (no style, link or click).
    shown = chart.render()
    assert isinstance(shown, Text) and not shown.spans and not shown.style
    if "[bold]" in name:
        assert "[bold]" in shown.plain


@pytest.fixture
def percentiles(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.cloudwatch.models import Statistics

    from console.demo import moto_extras

    monkeypatch.setattr(Statistics, "get_statistics_for_type", moto_extras.percentile_statistic)


async def test_detail_charts_ranges_live_and_the_shift_mark(
    sm: Any, aws: Any, percentiles: None
) -> None:
    make_ab_endpoint(sm)
    put(aws, "green", 5.0)
    put(aws, "blue", 0.0)
    app = make_app()
    shifted = datetime.now(UTC) - timedelta(minutes=5)
    app.context.audit.write(
        AuditRecord(
            shifted.isoformat(),
            "me",
            "default",
            "us-east-1",
            "endpoint-weights",
            "fraud",
            {},
            "ok",
            source="tui",
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        reads = count_metric_reads(app)
        await open_tab(pilot, app)
        assert reads == ["GetMetricData"]  # the table's hour, then the detail's own:
        reads.clear()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, EndpointDetailScreen)
        await wait_until(pilot, lambda: len(screen.query(EndpointMetricChart)) == 2, what="charts")
        assert len(reads) == 1  # both variants, every metric: one call
        health = screen.health
        assert health is not None and health.label == "1h" and health.shifts
        green = screen.query(EndpointMetricChart).last()
        lines = green.lines(80)
        assert MARK in lines[0] and lines[0].endswith("shift")
        assert any(line.startswith("5xx") and "9.09%" in line for line in lines)

        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: screen.health is not None and screen.health.label == "3h")
        assert len(reads) == 2
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_until(pilot, lambda: "range is already 1h" in notifications(app), what="note")

        # Live: read again at once, bypassing the minute's cache.
        before = len(reads)
        await pilot.press("f")
        await wait_until(pilot, lambda: len(reads) > before, what="live read")
        assert screen.live
        await wait_until(
            pilot, lambda: screen.health is not None and screen.health.live, what="live shown"
        )
