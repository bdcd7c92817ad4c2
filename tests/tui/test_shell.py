"""The shell: header, tabs and number keys, help, palette, themes, keymap, sizes,
pausing, degraded state and context switches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Static, TabbedContent

from console.config import load_config
from console.context import ConsoleContext
from screens.app import create_app
from screens.binding_owners import known_binding_ids
from screens.jobs.view import JobPreview
from screens.kit.filter_bar import FilterBar
from screens.kit.header import ContextBar
from screens.kit.help import HelpScreen
from screens.kit.keyed_table import KeyedTable
from screens.main import MainScreen
from screens.mlflow.view import ExperimentsView
from screens.status.view import StatusView
from screens.tabs import TABS
from themes.registry import ANSI_THEME, DEFAULT_THEME, NO_COLOR_THEME, choose_theme, next_theme

from .conftest import (
    ROLE,
    all_views,
    create_training_job,
    jobs_table,
    jobs_view,
    make_app,
    static_text,
    wait_for_rows,
    wait_until,
)


def tabs(app: Any) -> TabbedContent:
    return app.main_screen.query_one(TabbedContent)


async def test_tabs_status_help_and_palette_by_keyboard(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        header = app.main_screen.query_one(ContextBar)
        await wait_until(pilot, lambda: "account 123456789012" in header.text, what="identity")
        assert "default@us-east-1" in header.text and "API ok" in header.text
        poller = jobs_view(app).poller
        assert poller.shown

        # Number keys switch tabs; hidden tabs do not poll.
        await pilot.press("3")
        assert tabs(app).active == "experiments"
        assert not poller.shown
        experiments = app.main_screen.query_one("#experiments-view", ExperimentsView)
        assert experiments.poller.shown and experiments.table.has_focus

        await pilot.press("7")
        assert tabs(app).active == "status"
        status = app.main_screen.query_one(StatusView)
        identity = static_text(status.query_one("#status-identity", Static))
        assert "123456789012" in identity
        # Where the credentials come from (the tests' are environment variables).
        assert "Credentials" in identity and "environment" in identity
        jobs = static_text(status.query_one("#status-jobs", Static))
        assert "training" in jobs and "Completed" in jobs  # from the Jobs poller, not refetched
        budget = static_text(status.query_one("#status-budget", Static))
        assert "sagemaker" in budget and "sts" in budget

        await pilot.press("1")
        assert tabs(app).active == "jobs" and poller.shown
        assert jobs_table(app).has_focus

        # Help lists every key with its id; the poller pauses under it.
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        ids = {binding_id for *_, binding_id in help_screen.rows}
        assert {"jobs.stop", "jobs.filter", "app.tab.status", "confirm.yes"} <= ids
        assert ("Jobs", "^k", "Stop job", "jobs.stop") in help_screen.rows
        assert not poller.shown
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="help closed")
        assert poller.shown

        # ":" opens the command palette, which can jump to a tab.
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"go to stat")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: tabs(app).active == "status", what="palette jump")

        # ctrl+c quits from the main screen (q does too; both remappable).
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_code == 0


async def test_themes_keymap_and_theme_switch(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app(theme="high-contrast", keymap={"jobs.filter": "f", "nope.bad": "x"})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        assert app.theme == "smconsole-high-contrast"
        assert any(
            "unknown key binding id(s) in [keymap]: nope.bad" in n.message
            for n in app._notifications
        )
        await pilot.press("f")
        assert app.main_screen.query_one(FilterBar).has_focus
        await pilot.press("escape")
        before = jobs_table(app).palette
        await pilot.press("ctrl+t")
        await pilot.pause(0.2)
        assert app.theme == next_theme("smconsole-high-contrast") == "smconsole-ansi"
        after = jobs_table(app).palette
        assert after != before  # status cells re-coloured from the new theme
        cell = jobs_table(app).get_row("training:alpha")[2]
        assert cell.style.color is not None and cell.style.color.is_system_defined


def test_keymap_ids_are_unique_and_namespaced() -> None:
    ids = known_binding_ids()
    assert all("." in binding_id for binding_id in ids)
    assert {"app.quit", "app.help", "app.palette", "jobs.describe", "jobs.sort"} <= ids


@pytest.mark.parametrize(
    ("requested", "no_color", "expected"),
    [
        ("smconsole-dark", False, "smconsole-dark"),
        ("light", False, "smconsole-light"),
        ("ansi", False, ANSI_THEME),
        ("nord", False, "nord"),  # Textual's built-ins stay available
        ("smconsole-light", True, NO_COLOR_THEME),
        ("does-not-exist", False, DEFAULT_THEME),
    ],
)
def test_choose_theme(requested: str, no_color: bool, expected: str) -> None:
    available = {"smconsole-dark", "smconsole-light", ANSI_THEME, NO_COLOR_THEME, "nord"}
    name, warning = choose_theme(requested, available, no_color=no_color)
    assert name == expected
    assert (warning is not None) == (requested == "does-not-exist")


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_mounts_at_small_and_large_sizes(sm: Any, size: tuple[int, int]) -> None:
    create_training_job(sm, "a-job-with-a-rather-long-name-for-the-narrow-screen-0001")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.pause(0.1)
        table = jobs_table(app)
        labels = [str(column.label) for column in table.columns.values()]
        preview = app.main_screen.query_one(JobPreview)
        if size == (80, 24):
            assert table.compact and "Secondary" not in labels
            assert not preview.display or preview.region.width == 0
            assert table.region.right <= 80
        else:
            assert not table.compact and "Secondary" in labels
            assert preview.region.width > 0
        assert isinstance(table, KeyedTable)


async def test_the_preview_is_filled_when_the_terminal_grows(sm: Any) -> None:
    """Issue 15 walkthrough: started at 80x24 and resized to 200x50, the Jobs preview
    stayed blank until the cursor moved."""
    create_training_job(sm, "grown-job")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        table = jobs_table(app)
        await wait_until(pilot, lambda: "training:grown-job" in table.extras, what="extras")
        poller = jobs_view(app).poller
        await wait_until(pilot, lambda: not poller.schedule.running, what="poll done")
        polls = poller.schedule.polls_started
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        await pilot.pause(0.1)
        preview = app.main_screen.query_one(JobPreview)
        assert "grown-job" in static_text(preview)
        assert poller.schedule.polls_started == polls  # filled by the resize, not a poll


async def test_unreachable_endpoint_shows_degraded_state_and_high_contrast_under_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No moto here: the isolated environment points AWS_ENDPOINT_URL at a closed port.
    monkeypatch.setenv("NO_COLOR", "1")
    app = create_app(ConsoleContext(load_config(), source="tui"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == NO_COLOR_THEME  # ANSI's colours under NO_COLOR: black on black
        poller = jobs_view(app).poller
        await wait_until(pilot, lambda: poller.banner_text, timeout=15, what="degraded banner")
        assert poller.banner_text.startswith("endpoint unreachable (could not connect to")
        assert "retrying in" in poller.banner_text
        header = app.main_screen.query_one(ContextBar)
        # The header learns it from the identity check, a worker of its own.
        await wait_until(pilot, lambda: "API degraded" in header.text, what="API degraded")


async def test_context_switch_drops_old_results_and_reloads(sm: Any) -> None:
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        create_training_job(sm, "bravo")
        app.switch_context(ConsoleContext(load_config(), source="tui"))
        assert app.generation == 1
        assert jobs_table(app).total_count == 0  # old rows gone at once
        await wait_for_rows(pilot, app, 2)
        await wait_until(pilot, lambda: app.jobs_snapshot is not None, what="shared snapshot")
        assert app.jobs_snapshot is not None and len(app.jobs_snapshot.items) == 2


async def test_context_switch_while_the_hidden_views_mount_starts_them_on_the_new_one(
    sm: Any,
) -> None:
    # The first jobs drawn mount the other tabs' views; a switch in that moment (seen in
    # CI) must not reach into a view whose children are not composed yet.
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        main = app.main_screen
        main.mount_views()
        assert any(not view.is_mounted for view in main.views())  # still mounting
        new_context = ConsoleContext(load_config(), source="tui")
        app.switch_context(new_context)
        await all_views(pilot, app)
        for tab in ("endpoints", "registry"):
            (view,) = main.views(tab)
            assert view.feed is not None  # type: ignore[attr-defined]
            assert view.feed.context is new_context  # type: ignore[attr-defined]
        await wait_for_rows(pilot, app, 1)


async def test_quitting_while_the_hidden_views_mount_is_clean(sm: Any) -> None:
    # Textual prunes a view whose mount is still running; its on_mount must not reach
    # for children already gone (a NoMatches traceback on exit, seen in CI).
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        app.main_screen.mount_views()
        app.exit()
    assert app.return_code == 0  # run_test re-raises a handler's exception


async def test_hidden_tabs_poll_once_for_their_counts_and_feed_status(sm: Any) -> None:
    create_training_job(sm, "alpha")
    sm.create_notebook_instance(
        NotebookInstanceName="nb-one", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        notebooks = tabs(app).get_tab("notebooks")
        endpoints = tabs(app).get_tab("endpoints")
        # Never visited, yet counted: each hidden tab polls once after start-up.
        await wait_until(pilot, lambda: str(notebooks.label) == "Notebooks 1", what="count")
        await wait_until(pilot, lambda: str(endpoints.label) == "Endpoints 0", what="count")
        poller = app.main_screen.query_one("#notebooks-poller")
        assert poller.schedule.polls_started == 1  # type: ignore[attr-defined]
        await pilot.pause(0.5)
        assert poller.schedule.polls_started == 1  # type: ignore[attr-defined]  # then rests
        await pilot.press("6")  # the first visit polls at once: the start-up answer is old
        await wait_until(
            pilot,
            lambda: poller.schedule.polls_started == 2,  # type: ignore[attr-defined]
            what="a fresh poll on the first visit",
        )

        await pilot.press("7")
        status = app.main_screen.query_one(StatusView)
        resources = static_text(status.query_one("#status-resources", Static))
        assert "Notebooks" in resources and "InService 1" in resources
        assert "Endpoints" in resources and "none" in resources

        app.switch_context(ConsoleContext(load_config(), source="tui"))
        resources = static_text(status.query_one("#status-resources", Static))
        assert resources.strip() == "not listed yet"  # the old context's counts are gone
        await wait_until(
            pilot,
            lambda: "Notebooks" in static_text(status.query_one("#status-resources", Static)),
            what="counts of the new context",
        )


async def test_a_failed_identity_lookup_is_retried_until_it_answers(aws: Any) -> None:
    from tests.support.fault_proxy import Fault, FaultProxy

    proxy = FaultProxy(aws.url).start()
    try:
        proxy.add(Fault("refuse", "sts", "GetCallerIdentity"))
        app = make_app(endpoint_url=proxy.url)
        async with app.run_test(size=(80, 24)) as pilot:
            header = app.main_screen.query_one(ContextBar)
            await wait_until(pilot, lambda: "API degraded (sts)" in header.text, what="degraded")
            assert "account unknown" in header.text
            proxy.clear()  # the network is back
            await wait_until(
                pilot, lambda: "account 123456789012" in header.text, timeout=10, what="retried"
            )
            assert "API ok" in header.text
            assert proxy.calls("GetCallerIdentity", faulted=False) == 1
    finally:
        proxy.stop()


async def test_tab_keys_typed_at_start_land_on_the_last_tab_and_stay(sm: Any) -> None:
    """Number keys typed before the other tabs' views exist (right at start): the last
    key's tab is shown and focused, and it stays (queued focuses of the tabs passed
    through once switched tabs back and forth forever)."""
    from textual.widgets import ContentSwitcher

    create_training_job(sm, "alpha")
    app = make_app()
    activations: list[TabbedContent.TabActivated] = []

    def hook(message: Any) -> None:  # sees a message at each widget it bubbles through
        if isinstance(message, TabbedContent.TabActivated) and not any(
            seen is message for seen in activations
        ):
            activations.append(message)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        main = app.main_screen
        # Posted as a terminal would deliver them: Pilot.press waits for the app to be
        # idle between keys, which hides the race.
        for key in "2345623":
            app.post_message(events.Key(key, key))
            await asyncio.sleep(0.01)
        registry = main.query_one("#registry")
        await wait_until(pilot, lambda: len(main.views()) == len(TABS), what="views mounted")
        await pilot.press("4")
        await wait_until(
            pilot,
            lambda: app.focused is not None and registry in app.focused.ancestors,
            what="the registry table focused",
        )
        settled = len(activations)
        await pilot.pause(1.0)
        assert tabs(app).active == "registry"
        assert main.query_one(ContentSwitcher).current == "registry"
        assert app.focused is not None and registry in app.focused.ancestors
        assert len(activations) == settled  # no tab switched by itself since


async def test_hidden_tabs_primed_when_the_priming_lands_while_their_views_mount(
    sm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first jobs arrived just before the priming timer: the hidden tabs' views were
    still mounting when it fired, and their pollers were never primed (no counts)."""
    import screens.main

    monkeypatch.setattr(screens.main, "PRIME_HIDDEN_AFTER", 600.0)  # only ours primes
    sm.create_notebook_instance(
        NotebookInstanceName="nb-one", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main_screen
        assert isinstance(main, MainScreen)
        main.mount_views()
        main.prime_hidden_tabs()  # in the same turn: the views are not mounted yet
        notebooks = tabs(app).get_tab("notebooks")
        await wait_until(pilot, lambda: str(notebooks.label) == "Notebooks 1", what="count")


async def test_every_tab_title_fits_the_bar_at_80_columns_and_in_full_when_wide(sm: Any) -> None:
    """Eight tabs at 80 columns: the full titles with counts would scroll the bar (the last
    tab read "Pi"); the short titles fit, and a wide terminal (or a resize) gets the full."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.main_screen
        assert isinstance(main, MainScreen)
        await wait_for_rows(pilot, app, 0)
        await pilot.pause(0.5)  # the first listings are in
        for spec in TABS:  # a busy account: jobs streaming in, two-digit counts elsewhere
            if spec.count is not None:
                main.set_tab_count(spec.id, 1000 if spec.id == "jobs" else 99, more=True)
        await pilot.pause()
        content = main.query_one(TabbedContent)
        tabs = [content.get_tab(spec.id) for spec in TABS]
        # Counts may have moved on meanwhile (polls): the titles are the short ones.
        assert all(
            str(t.label).startswith(spec.short or spec.title)
            for t, spec in zip(tabs, TABS, strict=True)
        )
        assert str(tabs[0].label) != "Jobs" and "Endpoints" not in str(tabs[1].label)
        assert all(tab.region.right <= 80 and tab.region.width > 0 for tab in tabs)
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        # Counts may have moved on meanwhile (polls): the titles are the full ones.
        assert all(str(t.label).startswith(spec.title) for t, spec in zip(tabs, TABS, strict=True))
        assert all(tab.region.right <= 200 for tab in tabs)
