"""``?`` opens on the keys of the tab you are on, readable at 80x24 (issue 15)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from textual.widgets import Static

from screens.kit.help import HelpScreen

from .conftest import create_training_job, make_app, static_text, wait_for_rows, wait_until


def help_lines(screen: HelpScreen, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(screen.query_one("#help-table", Static).content)
    return console.export_text().splitlines()


async def test_help_opens_on_the_current_tab_and_reads_at_80_columns(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.press("2")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        assert screen.rows[0][0] == "Endpoints"  # not "Everywhere"
        # The title says where help is; the table's header names its columns.
        assert static_text(screen.query_one("#help-title", Static)).strip() == "Help: Endpoints"
        assert any(row[0] == "Everywhere" for row in screen.rows)  # still all there
        box = screen.query_one("#help-box")
        lines = help_lines(screen, box.content_size.width)
        text = "\n".join(lines)
        assert lines[0].startswith("Key · what it does · binding id")
        for binding_id in ("endpoints.refresh", "app.quit", "jobs.stop"):
            assert binding_id in text  # whole, on one line
        # Never one character a line beside an empty column.
        assert not [line for line in lines if len(line.strip()) == 1]
        await pilot.press("q")
        await pilot.press("1", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        assert app.screen.rows[0][0] == "Jobs"  # type: ignore[attr-defined]


async def test_help_over_a_screen_opens_on_that_screens_keys(sm: Any) -> None:
    """Issue 15 walkthrough: `?` over the MLflow run list opened on the Experiments tab's
    keys and the run list's (m compare, v vs previous) were three pages down. Over any
    screen, its own keys come first."""
    from screens.jobs.detail import JobDetailScreen

    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        rows = app.screen.rows  # type: ignore[attr-defined]
        first = rows[0][0]
        assert {row[3] for row in rows if row[0] == first} >= {"detail.logs", "detail.reload"}


def test_the_keys_around_the_focus_lead_within_the_tab() -> None:
    """Found in the #19 walkthrough: ``?`` on the HyperPod queue at 80x24 showed the
    tab's keys, then the job detail, events, log, GPU and node screens: the queue's own
    keys (hold, release, cancel…) came three pages down."""
    from screens.binding_owners import BINDING_OWNERS
    from screens.hyperpod.panes import QueuePane
    from screens.hyperpod.view import HyperPodView
    from screens.kit.help import owners_from

    plain = [where for where, _ in owners_from(BINDING_OWNERS, "screens.hyperpod")]
    assert plain.index("Queue pane") > 3  # the tab's other places came first
    focused = [
        where
        for where, _ in owners_from(
            BINDING_OWNERS, "screens.hyperpod", focus=[HyperPodView, QueuePane]
        )
    ]
    assert focused[:2] == ["HyperPod", "Queue pane"]
    assert sorted(focused) == sorted(plain)  # nothing lost, nothing twice
    assert owners_from(BINDING_OWNERS, None, focus=[QueuePane]) == list(BINDING_OWNERS)
