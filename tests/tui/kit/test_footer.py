"""Footers at 80 columns keep the keys that matter and say "? more" (issue 15)."""

from __future__ import annotations

from typing import Any

from textual.widgets import TabbedContent
from textual.widgets._footer import FooterKey

from screens import tabs
from screens.kit.footer import ConsoleFooter, fit, width_of
from screens.main import MainScreen

from ..conftest import create_training_job, make_app, wait_for_rows, wait_until


def test_fit_keeps_the_best_ranks_and_room_for_more() -> None:
    items = [(2, 10), (0, 8), (1, 12), (2, 10), (0, 9)]
    assert fit(items, 100) == {0, 1, 2, 3, 4}
    kept = fit(items, 40)
    assert {1, 4} <= kept and 3 not in kept
    assert sum(items[i][1] for i in kept) + width_of("?", "more") <= 40


def footer_keys(screen: Any) -> list[FooterKey]:
    footer = screen.query_one(ConsoleFooter)
    return list(footer.query(FooterKey))


async def test_every_tab_keeps_help_and_its_essential_keys_at_80x24(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        main = app.main_screen
        assert isinstance(main, MainScreen)
        for spec in tabs.TABS:
            app.action_show_tab(spec.id)
            tab_bar = main.query_one(TabbedContent)
            await wait_until(pilot, lambda: tab_bar.active == spec.id, what=spec.id)
            await pilot.pause(0.3)
            # The footer is recomposed after the switch (empty meanwhile; later when the
            # machine is loaded): its keys once it is back.
            await wait_until(pilot, lambda: bool(footer_keys(main)), what=f"{spec.id} keys")
            keys = footer_keys(main)
            assert keys, spec.id
            for key in keys:
                assert key.region.right <= 80, (spec.id, key.key_display, key.region)
            shown = {key.key for key in keys}
            assert "question_mark" in shown, (spec.id, shown)  # help, or "? more"
            assert len([k for k in keys if k.key == "question_mark"]) == 1
            assert "q" in shown, (spec.id, shown)
            if spec.id == "endpoints":
                assert {"r", "slash"} <= shown, shown


async def test_modal_forms_show_their_own_finishing_keys_at_80x24(sm: Any) -> None:
    from screens.jobs.training_form import TrainingForm
    from screens.kit.context_switch import ContextDialog

    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, TrainingForm), what="form")
        await pilot.pause(0.3)
        keys = footer_keys(app.screen)
        shown = {key.key for key in keys}
        assert "ctrl+s" in shown and shown & {"ctrl+g", "escape"}
        assert all(key.region.right <= 80 for key in keys)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")
        await pilot.press("C")
        await wait_until(pilot, lambda: isinstance(app.screen, ContextDialog), what="context")
        await pilot.pause(0.3)
        assert {key.key for key in footer_keys(app.screen)} & {"ctrl+g", "escape"}
