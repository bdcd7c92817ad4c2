"""The `:` palette jumps by name and by type (issue 15): ``llama3-chat`` opens that
endpoint's detail, ``:endpoints`` shows the Endpoints tab, ``:q`` quits; the names come
from the tables' last listings (no API call of its own)."""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette
from textual.widgets import TabbedContent

from screens.endpoints.detail import EndpointDetailScreen
from screens.jobs.detail import JobDetailScreen
from screens.kit.palette import row_name, type_aliases
from screens.main import MainScreen
from tests.support.helpers import audit_records
from tests.tui.conftest import create_training_job, make_app, wait_for_rows, wait_until
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint


def active(app: Any) -> str:
    return str(app.main_screen.query_one(TabbedContent).active)


async def palette(pilot: Any, app: Any, text: str) -> None:
    await pilot.press("colon")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
    await pilot.press(*text)
    await pilot.pause(0.4)  # the providers' search runs in the palette's worker


def endpoints_listed(app: Any) -> bool:
    return any(r.tab == "endpoints" for r in app.main_screen.palette_resources())


async def test_a_name_opens_that_resource_and_a_type_its_tab(sm: Any) -> None:
    make_ab_endpoint(sm, "llama3-chat")
    make_ab_endpoint(sm, "llama3-chat-canary")
    create_training_job(sm, "xgb-churn-7")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        app.main_screen.prime_hidden_tabs()  # the Endpoints listing, as after start-up
        await wait_until(pilot, lambda: endpoints_listed(app), timeout=20, what="endpoints")
        assert active(app) == "jobs"
        calls_before = len(audit_records(intents=True))

        # By name: the exact name wins over the longer one sharing its start.
        await palette(pilot, app, "llama3-chat")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="endpoint detail"
        )
        assert app.screen.endpoint_name == "llama3-chat"  # type: ignore[attr-defined]
        assert active(app) == "endpoints"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="detail closed")

        # A job by its name: its detail, over the Jobs tab.
        await palette(pilot, app, "xgb-churn-7")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="job")
        assert active(app) == "jobs"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="job closed")

        # By type, with or without the colon typed again.
        for typed, tab in ((":endpoints", "endpoints"), ("notebooks", "notebooks")):
            await palette(pilot, app, typed)
            await pilot.press("enter")
            await wait_until(pilot, lambda tab=tab: active(app) == tab, what=typed)  # type: ignore[misc]

        # Back goes along those jumps (never quits).
        await pilot.press("escape")
        await wait_until(pilot, lambda: active(app) == "endpoints", what="back")
        assert len(audit_records(intents=True)) == calls_before

        # `:q` quits.
        await palette(pilot, app, "q")
        await pilot.press("enter")
        await pilot.pause(0.3)
    assert app.return_code == 0


async def test_a_hostile_name_is_shown_as_typed(sm: Any) -> None:
    """A name holding markup is a name, in the palette too (the app keeps running)."""
    create_training_job(sm, "x-[b]bold")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await palette(pilot, app, "[b]")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="job")
        assert app.is_running


def test_type_aliases_and_row_names() -> None:
    assert {"endpoints", "endpoint"} <= type_aliases("endpoints", "Endpoints")
    assert {"sm_experiments", "experiment"} <= type_aliases("sm_experiments", "Experiments")
    assert "job" in type_aliases("jobs", "Jobs")

    class Named:
        name = "llama3-chat"

    class Labelled:
        label = "churn-xgb/14"

    assert row_name(Named(), "k") == "llama3-chat"
    assert row_name(Labelled(), "arn:…") == "churn-xgb/14"
    assert row_name(object(), "the-key") == "the-key"


def test_a_name_scores_by_how_much_of_it_was_typed() -> None:
    from screens.kit.palette import NEAR, name_score

    assert name_score("llama3-chat", "llama3-chat") == 1.0
    canary = name_score("llama3-chat-canary", "llama3-chat")
    assert name_score("llama3-chat-canary-2", "llama3-chat") < canary < NEAR < 1.0
