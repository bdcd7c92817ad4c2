"""``escape`` on a filtered table clears the filter; unfiltered, it is Back (issue 15)."""

from __future__ import annotations

from typing import Any

from textual.widgets import TabbedContent

from screens.kit.filter_bar import FilterBar
from screens.kit.keyed_table import KeyedTable

from ..conftest import create_training_job, jobs_table, make_app, wait_for_rows, wait_until


async def test_escape_clears_the_applied_filter_on_jobs_and_a_table_tab(sm: Any) -> None:
    create_training_job(sm, "alpha")
    create_training_job(sm, "beta")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 2)
        table = jobs_table(app)
        await pilot.press("slash", *"alpha", "enter")
        await wait_until(pilot, lambda: table.shown_count == 1, what="filtered")
        assert table.has_focus
        await pilot.press("escape")
        await wait_until(pilot, lambda: table.shown_count == 2, what="cleared")
        assert not table.row_filter.active and app.main_screen.query_one(FilterBar).value == ""

        # A TableView tab: the same key, from the one place in screens/kit.
        await pilot.press("6")
        tabs = app.main_screen.query_one(TabbedContent)
        await wait_until(pilot, lambda: tabs.active == "notebooks", what="notebooks")
        view = app.main_screen.query_one("#notebooks-view")
        notebooks = view.query_one(KeyedTable)
        await wait_until(pilot, lambda: notebooks.has_focus, what="focus")
        await pilot.press("slash", *"nothing-like-this", "enter")
        await wait_until(pilot, lambda: notebooks.row_filter.active, what="filtered")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not notebooks.row_filter.active, what="cleared")
        assert tabs.active == "notebooks"  # the first escape only cleared the filter
        await pilot.press("escape")  # nothing to clear: Back to the tab before
        await wait_until(pilot, lambda: tabs.active == "jobs", what="back")
