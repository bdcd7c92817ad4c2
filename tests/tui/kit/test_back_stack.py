"""Jumps keep a back stack (issue 15: "a jump also resets the screen stack"): a link or
the palette from a screen over the tabs leaves that screen, and Back (q/escape on the main
screen) brings it again, as it was; Back never quits."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import TabbedContent

import screens.main
from screens import tabs
from screens.jobs.detail import JobDetailScreen
from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from tests.tui.conftest import create_training_job, make_app, wait_for_rows, wait_until

ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-xgb/3"


def active(app: Any) -> str:
    return str(app.main_screen.query_one(TabbedContent).active)


async def open_detail(pilot: Any, app: Any) -> JobDetailScreen:
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
    detail = app.screen
    assert isinstance(detail, JobDetailScreen)
    await wait_until(pilot, lambda: detail.record is not None, what="describe")
    return detail


async def test_a_link_from_a_detail_keeps_the_detail_for_back(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        detail = await open_detail(pilot, app)
        # The job registered a version (moto has no field for it: set on the record).
        detail.record = replace(detail.record, output_model_package_arn=ARN)
        await pilot.press("P")
        await wait_until(
            pilot,
            lambda: active(app) == "registry" and isinstance(app.screen, MainScreen),
            what="the registry",
        )
        await pilot.press("q")  # Back: the Jobs tab, with the job's detail over it
        await wait_until(pilot, lambda: app.screen is detail, what="the same detail again")
        assert active(app) == "jobs"
        assert "alpha" in detail.job_name
        await pilot.press("q")  # closes the detail
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")
        await pilot.press("q")  # nothing left to go back to: asks, never quits
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="stayed")
        assert app.is_running
        assert not app._installed_screens  # nothing kept once Back used it


async def test_the_palette_from_a_detail_jumps_and_escape_comes_back(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        detail = await open_detail(pilot, app)
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"endpoints")
        await pilot.pause(0.4)
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: active(app) == "endpoints" and isinstance(app.screen, MainScreen),
            what="endpoints",
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is detail, what="the detail again")
        assert active(app) == "jobs"


async def test_only_the_newest_jumps_keep_their_screens(
    sm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stashed screen stays mounted: the newest few are kept, older ones let go."""
    monkeypatch.setattr(screens.main, "STASHED_SCREENS_MAX", 2)
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        main = app.main_screen
        assert isinstance(main, MainScreen)
        details = []
        for _ in range(4):
            main.show_tab("jobs")
            await wait_until(pilot, lambda: active(app) == "jobs", what="jobs")
            details.append(await open_detail(pilot, app))
            main.show_tab("status")  # a jump from the detail
            await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="jumped")
        kept = [entry for entry in main.back_stack if entry.screens]
        assert [entry.screens for entry in kept] == [(details[2],), (details[3],)]
        assert set(app._installed_screens.values()) == {details[2], details[3]}
        await pilot.pause(0.2)
        assert not details[0].is_attached and not details[1].is_attached


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_back_retraces_any_walk(sm: Any, seed: int) -> None:
    """A random walk of tab keys, details opened and jumps from them, against a model
    (a list of places); Back then retraces it exactly, and never quits."""
    create_training_job(sm, "alpha")
    app = make_app()
    rng = random.Random(seed)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        main = app.main_screen
        assert isinstance(main, MainScreen)
        model: list[tuple[str, bool]] = []  # (tab, detail open over it), as Back will find
        here = ("jobs", False)
        for _ in range(8):
            tab, covered = here
            step = rng.choice(["key", "detail", "jump"] if tab == "jobs" else ["key", "jump"])
            if step == "detail" and not covered:
                await open_detail(pilot, app)
                here = (tab, True)
                continue
            target = rng.choice([t for t in ("jobs", "endpoints", "notebooks") if t != tab])
            if covered:  # a jump from the detail (the palette, a link)
                main.show_tab(target)
            else:
                await pilot.press(tabs.tab(target).key)
            await wait_until(pilot, lambda t=target: active(app) == t, what=target)  # type: ignore[misc]
            await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="main")
            model.append(here)
            here = (target, False)
        assert [entry.tab for entry in main.back_stack] == [tab for tab, _ in model]
        while model:
            tab, covered = model.pop()
            if isinstance(app.screen, JobDetailScreen):
                await pilot.press("q")
                await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")
            await pilot.press("q")
            await wait_until(pilot, lambda t=tab: active(app) == t, what=f"back to {tab}")  # type: ignore[misc]
            await wait_until(
                pilot,
                lambda c=covered: isinstance(app.screen, JobDetailScreen) == c,  # type: ignore[misc]
                what="the detail as it was",
            )
        if isinstance(app.screen, JobDetailScreen):
            await pilot.press("q")
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="asked")
        assert app.is_running


async def test_a_jump_from_a_log_closes_it_and_keeps_the_detail_under_it(sm: Any) -> None:
    """A log kept for Back would go on reading CloudWatch unseen: it is closed (its feed
    stops); the job's detail under it is kept."""
    from screens.logs.view import LogPanel, LogScreen

    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        detail = await open_detail(pilot, app)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="log")
        panel = app.screen.query_one(LogPanel)
        main = app.main_screen
        assert isinstance(main, MainScreen)
        main.show_tab("endpoints")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="jumped")
        await wait_until(pilot, panel.feed_finished.is_set, what="the log's feed to stop")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is detail, what="the detail again")
        assert active(app) == "jobs"


async def test_a_context_switch_forgets_the_places_of_the_other_account(sm: Any) -> None:
    from dataclasses import replace as replaced

    from console.context import ConsoleContext

    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        main = app.main_screen
        assert isinstance(main, MainScreen)
        detail = await open_detail(pilot, app)
        main.show_tab("endpoints")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="jumped")
        assert main.back_stack and app._installed_screens
        config = replaced(app.context.config, region="eu-west-1")
        app.switch_context(ConsoleContext(config, source="tui"))
        await pilot.pause(0.2)
        assert main.back_stack == [] and not app._installed_screens
        assert not detail.is_attached
        await pilot.press("escape")  # nothing to go back to
        await pilot.pause(0.1)
        assert active(app) == "endpoints" and isinstance(app.screen, MainScreen)
