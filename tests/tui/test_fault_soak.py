"""The app under >= 100 injected faults (a real proxy in front of moto): no crash, keys
handled throughout, each tab degraded then recovered within about one poll, no lost or
duplicate rows, and a stop whose answer was lost reconciled (not repeated)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from screens.app import SmConsoleApp
from screens.endpoints.table import EndpointsTable
from screens.kit.confirm import ConfirmDialog
from screens.notebooks.table import NotebooksTable
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.helpers import audit_records
from tests.support.soak import SoakReport, header_healthy, poller, run_soak, show_tab, until
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint

from .conftest import (
    ROLE,
    create_training_job,
    jobs_table,
    make_app,
    set_training_state,
    wait_for_rows,
)

POLL = {
    "jobs": 0.1,
    "endpoints": 0.1,
    "notebooks": 0.1,
    "transitional": 0.1,
    "max_backoff": 0.2,
}


@pytest.fixture
def proxy(aws: Any) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(aws.url).start()
    yield fault_proxy
    fault_proxy.stop()


def soak_app(proxy: FaultProxy) -> SmConsoleApp:
    return make_app(endpoint_url=proxy.url, read_timeout=0.6, connect_timeout=0.6, poll=POLL)


async def stop_a_notebook_with_its_answer_lost(
    pilot: Any, tab: str, report: SoakReport, proxy: FaultProxy, app: SmConsoleApp
) -> None:
    if tab != "notebooks" or report.actions:
        return
    rows = app.main_screen.query_one(NotebooksTable)
    await until(pilot, lambda: rows.total_count == 2, 60, "notebooks listed")
    proxy.add(Fault("lose_response", "sagemaker", "StopNotebookInstance", times=1))
    await pilot.press("home", "ctrl+k")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 30, "confirm")
    await pilot.press("y")
    await until(
        pilot,
        lambda: any(r["action"] == "notebook-stop" for r in audit_records()),
        60,
        "the stop to settle",
    )
    report.actions.append("notebook-stop")


@pytest.mark.slow
async def test_a_hundred_faults_no_crash_recovered_nothing_lost(sm: Any, proxy: FaultProxy) -> None:
    for i in range(12):
        create_training_job(sm, f"soak-{i:02d}")
    set_training_state("soak-03", "InProgress")  # transitional: the faster interval too
    make_ab_endpoint(sm)
    for name in ("nb-a", "nb-b"):
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
        )
    app = soak_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 12)

        async def act(pilot: Any, tab: str, report: SoakReport) -> None:
            await stop_a_notebook_with_its_answer_lost(pilot, tab, report, proxy, app)

        report = await run_soak(pilot, app, proxy, min_faults=100, act=act)

        assert report.faults_injected >= 100
        assert len(set(proxy.injected)) >= 8  # every kind of trouble, not one kind 100 times
        # Every burst was followed by its tab recovering by itself (run_soak waits for it).
        # How fast is a figure for bench/faults.py, not an assertion on a shared machine.
        assert len(report.recovery_seconds) == report.bursts
        assert len(report.key_seconds) >= 20  # keys kept coming (and were handled)

        # The stop whose answer was lost: sent once, confirmed by reading back.
        assert report.actions == ["notebook-stop"]
        assert proxy.calls("StopNotebookInstance") == 1
        (record,) = [r for r in audit_records() if r["action"] == "notebook-stop"]
        assert record["outcome"] == "ok" and "confirmed by reading back" in record["detail"]

        # After the storm: every tab healthy, rows exactly the truth.
        for tab in ("jobs", "endpoints", "notebooks"):
            await show_tab(pilot, app, tab)
            shown = poller(app, tab)
            await until(pilot, lambda s=shown: not s.has_class("-degraded"), 60, tab)
        await until(pilot, lambda: header_healthy(app), 60, "header API ok")
        assert sorted(jobs_table(app).items) == [f"training:soak-{i:02d}" for i in range(12)]
        assert sorted(app.main_screen.query_one(EndpointsTable).items) == ["fraud"]
        notebooks = app.main_screen.query_one(NotebooksTable)
        assert sorted(notebooks.items) == ["nb-a", "nb-b"]
        proxy.clear()
        await pilot.press("7")  # and the keyboard still answers (maybe after a busy frame)
        tabs = app.main_screen.query_one("#tabs")
        try:
            await until(pilot, lambda: tabs.active == "status", 30, "the status tab")  # type: ignore[attr-defined]
        except AssertionError as timed_out:
            state = f"active {tabs.active}, screens {app.screen_stack}, focus {app.focused}"  # type: ignore[attr-defined]
            app.action_show_tab("status")
            await pilot.pause(0.5)
            state += f"; after action_show_tab: {tabs.active}"  # type: ignore[attr-defined]
            raise AssertionError(f"{timed_out}: {state}") from None
        assert app.return_code is None  # still running: nothing crashed it
        assert all("\n" not in n.message for n in app._notifications)
