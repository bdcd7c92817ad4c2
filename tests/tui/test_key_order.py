"""Keys that arrive in one burst (a laggy SSH link, a paste) are handled in typing order."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from screens.app import SmConsoleApp
from screens.endpoints_weights import WeightsDialog
from screens.filter_bar import FilterBar
from screens.key_order import key_waiting
from screens.log_view import LogScreen

from .conftest import (
    create_training_job,
    jobs_table,
    make_app,
    static_text,
    wait_for_rows,
    wait_until,
)
from .test_endpoints_view import make_ab_endpoint
from .test_endpoints_view import table as endpoints_rows

NAMED = {"/": ("slash", "/"), "^u": ("ctrl+u", "\x15"), "\r": ("enter", "\r")}


async def burst(pilot: Pilot[Any], app: SmConsoleApp, *keys: str) -> None:
    """Post keys as one read of the terminal delivers them: Pilot.press waits for the app
    to be idle after each key, which hides the race."""
    for key in keys:
        name, character = NAMED.get(key, (key, key if len(key) == 1 else None))
        app.post_message(events.Key(name, character))
    await pilot.pause(0.3)


async def test_slash_then_text_in_one_burst_types_into_the_filter(sm: Any) -> None:
    for name in ("alpha", "beta"):
        create_training_job(sm, name)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 2)
        await burst(pilot, app, "/", "a", "l")  # l alone opens the logs
        bar = app.main_screen.query_one("#jobs-filter", FilterBar)
        assert not isinstance(app.screen, LogScreen)
        assert app.focused is bar and bar.value == "al"
        await burst(pilot, app, "p", "h", "a", "\r")
        assert jobs_table(app).row_filter.text == "alpha"
        assert jobs_table(app).shown_keys() == ["training:alpha"]

        # The input's own keys (ctrl+u, enter) keep their place among the characters.
        await burst(pilot, app, "/", "^u", "b", "e", "t", "a", "\r")
        await wait_until(pilot, lambda: jobs_table(app).row_filter.text == "beta")
        assert jobs_table(app).shown_keys() == ["training:beta"]
        assert app.focused is jobs_table(app)


async def test_a_burst_across_a_hand_off_waits_for_it(sm: Any) -> None:
    """Keys behind one that hands the focus over by message (enter in the filter, a tab
    key, a dialog opening) go where that key sent the focus."""
    for name in ("alpha", "beta"):
        create_training_job(sm, name)
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 2)
        # enter gives the table the focus back: l opens the logs of the one row left.
        await burst(pilot, app, "/", *"alpha", "\r", "l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="logs")
        assert jobs_table(app).row_filter.text == "alpha"
        assert "alpha" in static_text(app.screen.query_one("#log-title", Static))
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is app.main_screen, what="back")

        # A tab key focuses that tab's table a turn later: / is then the endpoints' filter.
        await burst(pilot, app, "2", "/", "f")
        endpoints = app.main_screen.query_one("#endpoints-filter", FilterBar)
        assert app.focused is endpoints and endpoints.value == "f"
        await burst(pilot, app, "\r")
        await wait_until(pilot, lambda: endpoints_rows(app).total_count == 1, what="endpoint")

        # A dialog takes the keys typed right behind the key that opens it.
        await burst(pilot, app, "w", "9", "0", "down", "1", "0")
        dialog = app.screen
        assert isinstance(dialog, WeightsDialog)
        assert dialog.query_one("#weight-0", Input).value == "90"
        assert dialog.query_one("#weight-1", Input).value == "10"
        assert app.main_screen.active_tab == "endpoints"  # 1 went into the field, not tabs


async def test_keys_typed_at_human_pace_never_wait(sm: Any) -> None:
    """Only a key queued behind another waits for it (settled); a lone key does not."""
    create_training_job(sm, "alpha")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        assert not key_waiting(app)
        app.post_message(events.Key("j", "j"))
        app.post_message(events.Key("k", "k"))
        assert key_waiting(app)
        await pilot.pause()
        assert not key_waiting(app)


async def test_an_input_and_an_editor_run_their_own_keys_in_order() -> None:
    """Every input of the app (dialogs, forms, the sbatch editor) is one of these."""
    from textual.app import App, ComposeResult

    from screens.key_order import TextEditor, TextInput

    class Fields(App[None]):
        def compose(self) -> ComposeResult:
            yield TextInput(value="0.5", id="weight")
            yield TextEditor("ab", id="script")

    app = Fields()
    async with app.run_test() as pilot:
        weight = app.query_one("#weight", TextInput)
        weight.focus()
        await pilot.pause()
        await burst(pilot, app, "^u", "9", "0")  # ctrl+u ran after "90" before
        assert weight.value == "90"
        script = app.query_one("#script", TextEditor)
        script.focus()
        script.move_cursor((0, 2))
        await pilot.pause()
        await burst(pilot, app, "backspace", "c", "\r", "d")
        assert script.text == "ac\nd"


def lines_in_screens(wanted: Callable[[str], bool]) -> list[str]:
    """``file:line`` of each line of ``screens/`` (but key_order itself) that is ``wanted``."""
    screens = Path(__file__).resolve().parents[2] / "screens"
    return [
        f"{path.name}:{number}"
        for path in sorted(screens.rglob("*.py"))
        if path.name != "key_order.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if wanted(line)
    ]


def test_no_bare_textual_inputs_in_the_screens() -> None:
    """A plain ``Input``/``TextArea`` would reorder a burst of keys (see key_order)."""
    bare = re.compile(r"(?<![\w.])(Input|TextArea)(\(|\.code_editor\()")
    found = lines_in_screens(lambda line: bool(bare.search(line)) and "isinstance" not in line)
    assert not found, found


def test_focus_in_the_screens_is_set_at_once() -> None:
    """``Widget.focus()`` defers through the app's queue, behind keys already typed: the
    screens use ``focus_now`` so the next key of a burst finds the focus moved."""
    found = lines_in_screens(lambda line: ".focus()" in line)
    assert not found, found
