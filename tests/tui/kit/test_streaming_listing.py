"""A long first listing streams into the Jobs table (issue 21): the first page shows at
once, the rest arrives keyed in place, the title says "Jobs 100+" meanwhile, and a
context switch stops the stream.

The real app on a moto server over HTTP, behind the fault proxy: every list call after
the first is answered late (held until the test has seen the first page, or by a
delay), so the first page is on screen before the last one comes. Moto pages in
creation order (it ignores SortBy); what is checked is the order of arrival, not which
jobs come first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Static

from console.config import load_config
from console.context import ConsoleContext
from tests.support.fault_proxy import Fault, FaultProxy
from tests.tui.conftest import (
    create_training_job,
    jobs_table,
    make_app,
    static_text,
    wait_for_rows,
    wait_until,
)

JOBS = 250  # three pages of 100
MORE_JOBS = 450  # five
LATE = 1.5  # seconds each list call after the first is held back


@pytest.fixture
def proxy(aws: Any) -> Iterator[FaultProxy]:
    """The proxy in front of JOBS jobs; each test says how the later pages are held back."""
    sm = aws.client("sagemaker")
    for i in range(JOBS):
        create_training_job(sm, f"stream-{i:03d}")
    fault_proxy = FaultProxy(aws.url).start()
    yield fault_proxy
    fault_proxy.stop()


def tab_label(app: Any) -> str:
    return str(app.main_screen.query_one("#tabs").get_tab("jobs").label)


async def test_the_first_page_shows_before_the_last_arrives(proxy: FaultProxy) -> None:
    # The pages after the first are held until the first one was seen on screen: with a
    # fixed delay, a loaded machine could draw the first page after the last had come.
    first_page_seen = threading.Event()
    proxy.add(Fault("slow", "sagemaker", "ListTrainingJobs", after=1, until=first_page_seen))
    app = make_app(endpoint_url=proxy.url)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_rows(pilot, app, 100)
            table = jobs_table(app)
            # The first page is on screen; the last page has not been answered yet.
            assert table.total_count < JOBS
            await wait_until(pilot, lambda: tab_label(app).endswith("+"), what="Jobs 100+")
            info = static_text(app.main_screen.query_one("#jobs-info", Static))
            assert "listing the rest" in info
            await wait_until(  # the second page is asked for, and held
                pilot,
                lambda: proxy.calls("ListTrainingJobs", faulted=True) == 1,
                what="the second page's call",
            )
            assert jobs_table(app).total_count < JOBS
            first_page_seen.set()

            await wait_for_rows(pilot, app, JOBS)
            await wait_until(pilot, lambda: tab_label(app) == f"Jobs {JOBS}", what="the count")
            # Keyed in place: every job once, none lost.
            keys = table.shown_keys()
            assert len(keys) == len(set(keys)) == JOBS
            assert proxy.calls("ListTrainingJobs") == 3
    finally:
        first_page_seen.set()  # a failed test leaves no request held in the proxy


async def test_a_context_switch_stops_the_stream(aws: Any, proxy: FaultProxy) -> None:
    proxy.add(Fault("slow", "sagemaker", "ListTrainingJobs", delay=LATE, after=1))
    sm = aws.client("sagemaker")
    for i in range(JOBS, MORE_JOBS):  # five pages: room to stop early on a loaded machine
        create_training_job(sm, f"stream-{i:03d}")
    other = FaultProxy(aws.url).start()  # the new context's own endpoint: calls told apart
    try:
        app = make_app(endpoint_url=proxy.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_rows(pilot, app, 100)
            assert jobs_table(app).total_count < MORE_JOBS
            app.switch_context(
                ConsoleContext(load_config(overrides={"endpoint_url": other.url}), source="tui")
            )
            at_switch = proxy.calls("ListTrainingJobs")
            # The new context lists the same account, at full speed, in full.
            await wait_until(
                pilot, lambda: other.calls("ListTrainingJobs") >= 5, what="the new listing"
            )
            await wait_until(
                pilot,
                lambda: tab_label(app) == f"Jobs {MORE_JOBS}",
                what="the new context's count",
            )
            # The old stream's page under way came back and found the context gone: at
            # most the call being sent as the switch happened, never the last pages.
            await pilot.pause(2 * LATE)
            stopped_at = proxy.calls("ListTrainingJobs")
            assert stopped_at <= at_switch + 1 and stopped_at < 5
            await pilot.pause(LATE)
            assert proxy.calls("ListTrainingJobs") == stopped_at
            assert len(set(jobs_table(app).shown_keys())) == MORE_JOBS
    finally:
        other.stop()
