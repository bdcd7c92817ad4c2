"""The Endpoints table's last hour (issue 16) against moto: a sparkline and the 5xx rate
per endpoint, from ONE GetMetricData per refresh for the endpoints on screen, read again
at most once a minute (counted with a botocore hook on the client the feed uses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Static

from console.services.endpoints_feed import METRICS_EVERY, EndpointsFeed, EndpointsSnapshot
from screens.endpoints.view import EndpointsView
from tests.support.hostile import CORPUS, assert_inert_output
from tests.tui.conftest import make_app, static_text, wait_until
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, open_tab
from tests.tui.test_snapshots import fixed_endpoints


def put_invocations(aws: Any, endpoint: str, variant: str, calls: float, errors: float) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dims = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    aws.client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {"MetricName": metric, "Dimensions": dims, "Timestamp": now - timedelta(minutes=m)}
            | {"Value": value}
            for m in (2, 12, 22)
            for metric, value in (("Invocations", calls * m), ("Invocation5XXErrors", errors))
        ],
    )


def count_metric_reads(app: Any) -> list[str]:
    """Every GetMetricData the app's CloudWatch client sends, by its wire call."""
    seen: list[str] = []
    client = app.context.sessions.client("cloudwatch")
    client.meta.events.register(
        "before-call.cloudwatch.GetMetricData", lambda **_: seen.append("GetMetricData")
    )
    return seen


async def test_one_refresh_is_one_metrics_call_and_a_minute_of_cache(sm: Any, aws: Any) -> None:
    make_ab_endpoint(sm, "fraud")
    make_ab_endpoint(sm, "churn")
    put_invocations(aws, "fraud", "green", 10.0, 3.0)
    put_invocations(aws, "churn", "blue", 5.0, 0.0)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        reads = count_metric_reads(app)
        table = await open_tab(pilot, app, count=2)
        await wait_until(pilot, lambda: len(table.metrics) == 2, what="metrics of both")
        assert reads == ["GetMetricData"]  # both endpoints, four variants: one call
        fraud, churn = table.metrics["fraud"], table.metrics["churn"]
        assert fraud.total == 10.0 * (2 + 12 + 22)
        assert round(fraud.error_rate_5xx, 4) == round(9.0 / 360.0, 4)
        assert churn.error_rate_5xx == 0.0
        cells = {key: table.cell_values(table.items[key], datetime.now(UTC)) for key in table.items}
        assert cells["fraud"]["errors"] == "2.5%" and cells["churn"]["errors"] == "0%"
        assert set(cells["fraud"]["calls"]) <= set("▁▂▃▄▅▆▇█")

        # A refresh within the minute reads no metrics again ...
        view = app.main_screen.query_one(EndpointsView)
        polls = view.poller.schedule.polls_started
        await pilot.press("r")
        await wait_until(pilot, lambda: view.poller.schedule.polls_started > polls, what="poll")
        await wait_until(pilot, lambda: not view.poller.schedule.running, what="poll done")
        assert reads == ["GetMetricData"]
        # ... and one a minute later, again a single call.
        feed = view.feed
        assert isinstance(feed, EndpointsFeed)
        later = feed.clock() + METRICS_EVERY + 1
        feed.clock = lambda: later
        polls = view.poller.schedule.polls_started
        await pilot.press("r")
        await wait_until(pilot, lambda: len(reads) == 2, what="second read")
        await wait_until(pilot, lambda: not view.poller.schedule.running, what="poll done")
        assert reads == ["GetMetricData", "GetMetricData"]


async def test_a_hostile_metrics_error_is_shown_inert(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CloudWatch's refusal quotes remote text: the info line shows each of the corpus
    inert (one app, a refresh per text: the app's start-up is not what is tested)."""
    error = {"text": ""}
    monkeypatch.setattr(
        EndpointsFeed,
        "fetch",
        lambda self: EndpointsSnapshot(
            fixed_endpoints(), datetime.now(UTC), metrics_error=error["text"]
        ),
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for index, hostile in enumerate(CORPUS):
            error["text"] = f"AccessDenied {index}: {hostile}"
            if index == 0:
                await open_tab(pilot, app, count=5)
            else:
                await pilot.press("r")
            view = app.main_screen.query_one(EndpointsView)
            shown = f"metrics: AccessDenied {index}:"
            await wait_until(pilot, lambda: shown in info(view), what=f"info of text {index}")
            assert_inert_output(info(view), where=f"info line, text {index}")
            assert all(cell == "-" for cell in cells_of(view, "calls"))


def info(view: EndpointsView) -> str:
    return static_text(view.query_one("#endpoints-info", Static))


def cells_of(view: EndpointsView, column: str) -> list[str]:
    table = view.table
    now = datetime.now(UTC)
    return [table.cell_values(item, now)[column] for item in table.items.values()]


async def test_a_high_5xx_rate_is_drawn_as_a_warning(sm: Any, aws: Any) -> None:
    """2.5% 5xx: the theme's warning colour; 25%: its error colour; 0%: plain (the
    cell's role through the table's generic cell style hook)."""
    from screens.endpoints.table import error_role

    for name in ("fraud", "churn", "burst"):
        make_ab_endpoint(sm, name)
    put_invocations(aws, "fraud", "green", 10.0, 3.0)
    put_invocations(aws, "churn", "blue", 5.0, 0.0)
    put_invocations(aws, "burst", "blue", 1.0, 3.0)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_tab(pilot, app, count=3)
        await wait_until(pilot, lambda: len(table.metrics) == 3, what="metrics of all")
        warning, error = table.palette.styles["warning"], table.palette.styles["error"]
        column = [c.key for c in table.COLUMNS].index("errors")

        def cell_style(name: str) -> Any:
            return table.get_row(name)[column].style

        assert cell_style("fraud") == warning
        assert cell_style("burst") == error
        assert cell_style("churn") in ("", None)
        assert table.get_row("churn")[column].plain == "0%"
        # what is drawn: the row's segments carry the style (the cursor row is plain)
        await pilot.press("home")
        for name, wanted in (("fraud", warning), ("burst", error)):
            if table.cursor_key == name:
                await pilot.press("down")
            line = table.render_line(table.get_row_index(name) + 1 - table.scroll_offset.y)
            styles = [s.style for s in line if s.text.strip().endswith("%")]
            assert styles and all(s is not None and s.color == wanted.color for s in styles), (
                name,
                line,
            )
    assert error_role(0.009, 100) is None and error_role(0.5, 0) is None
    assert (error_role(0.01, 100), error_role(0.05, 100)) == ("warning", "error")
