"""The Notebooks tab against a real moto server: list, stop and start (confirmed), delete
(typed name, refused while running), open URL (presigned or console, copied), read-only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Static

from screens.app import SmConsoleApp
from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from screens.notebooks.table import NotebooksTable
from screens.notebooks.url import NotebookUrlScreen
from tests.support.helpers import audit_records
from tests.tui.conftest import ROLE, make_app, notifications, static_text, wait_until


def make_notebook(sm: Any, name: str) -> None:
    sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
    )


def status_in_moto(sm: Any, name: str) -> str:
    return str(sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"])


def table(app: SmConsoleApp) -> NotebooksTable:
    return app.main_screen.query_one(NotebooksTable)


async def open_tab(pilot: Any, app: SmConsoleApp, count: int) -> NotebooksTable:
    await pilot.press("6")
    rows = table(app)
    await wait_until(pilot, lambda: rows.total_count >= count, what=f"{count} notebooks")
    assert rows.has_focus
    return rows


async def move_to(pilot: Any, rows: NotebooksTable, name: str) -> None:
    rows.move_cursor(row=rows.get_row_index(name))
    await pilot.pause()
    item = rows.cursor_item()
    assert item is not None and item.name == name


@pytest.fixture
def presigned_urls(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Teach the in-process moto CreatePresignedNotebookInstanceUrl (moto 5.2.5 lacks it)."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    base = "https://nb.example.test/presigned"

    def create_presigned_notebook_instance_url(self: Any) -> ActionResult:
        name = self._get_param("NotebookInstanceName")
        return ActionResult({"AuthorizedUrl": f"{base}/{name}?authToken=abc"})

    monkeypatch.setattr(
        SageMakerResponse,
        "create_presigned_notebook_instance_url",
        create_presigned_notebook_instance_url,
        raising=False,
    )
    yield base


async def test_stop_and_start_are_confirmed_and_reach_moto(sm: Any) -> None:
    make_notebook(sm, "explore")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await open_tab(pilot, app, 1)
        assert [c.plain for c in rows.get_row("explore")][:3] == [
            "explore",
            "InService",
            "ml.t3.medium",
        ]
        tab = app.main_screen.query_one("#tabs").get_tab("notebooks")  # type: ignore[attr-defined]
        await wait_until(
            pilot, lambda: str(tab.label) in ("Notebooks 1", "NBs 1"), what="tab count"
        )

        # Start is refused politely while it runs; stop asks, Cancel first.
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("only Stopped or Failed instances start" in n for n in notifications(app))
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.press("enter")  # Cancel is focused
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="cancelled")
        assert status_in_moto(sm, "explore") == "InService"

        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.press("y")
        await wait_until(pilot, lambda: status_in_moto(sm, "explore") == "Stopped", what="stop")
        await wait_until(
            pilot, lambda: rows.get_row("explore")[1].plain == "Stopped", what="row updated"
        )
        assert any("explore is stopping" in n for n in notifications(app))

        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: status_in_moto(sm, "explore") == "InService", what="started"
        )
        actions = [(r["action"], r["outcome"]) for r in audit_records()]
        assert actions == [
            ("notebook-stop", "refused"),  # the cancelled dialog: audited, nothing sent
            ("notebook-stop", "ok"),
            ("notebook-start", "ok"),
        ]


async def test_delete_refused_while_running_then_needs_the_typed_name(sm: Any) -> None:
    make_notebook(sm, "keep-me")
    make_notebook(sm, "old-one")
    sm.stop_notebook_instance(NotebookInstanceName="old-one")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await open_tab(pilot, app, 2)
        await move_to(pilot, rows, "keep-me")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("keep-me is InService: only Stopped or Failed" in n for n in notifications(app))

        await move_to(pilot, rows, "old-one")
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.typed_name == "old-one"
        await pilot.press(*"old-on", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)  # wrong name: still asking
        await pilot.press("e", "enter")
        await wait_until(pilot, lambda: rows.total_count == 1, what="row gone")
        names = [
            n["NotebookInstanceName"] for n in sm.list_notebook_instances()["NotebookInstances"]
        ]
        assert names == ["keep-me"]
        assert [r["action"] for r in audit_records()] == ["notebook-delete"]


async def test_open_url_falls_back_to_the_console_and_copies_it(sm: Any) -> None:
    make_notebook(sm, "explore")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NotebookUrlScreen), what="url")
        screen = app.screen
        assert isinstance(screen, NotebookUrlScreen)
        await wait_until(pilot, lambda: screen.link is not None, timeout=15, what="the link")
        assert screen.link is not None and not screen.link.presigned
        url = screen.link.url
        assert url.startswith("https://us-east-1.console.aws.amazon.com/sagemaker/")
        assert url.endswith("#/notebook-instances/explore")
        assert app.clipboard == url
        assert url in static_text(screen.query_one("#notebook-url", Static))
        assert "no presigned URL" in static_text(screen.query_one("#notebook-url-note", Static))
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")


async def test_open_url_uses_the_presigned_url_where_the_api_has_it(
    sm: Any, presigned_urls: str
) -> None:
    make_notebook(sm, "explore")
    sm.stop_notebook_instance(NotebookInstanceName="explore")
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        rows = await open_tab(pilot, app, 1)
        assert not rows.compact
        assert rows.get_row("explore")[4].plain == "explore.notebook.us-east-1.sagemaker.aws"
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, NotebookUrlScreen), what="url")
        screen = app.screen
        assert isinstance(screen, NotebookUrlScreen)
        await wait_until(pilot, lambda: screen.link is not None, what="the link")
        assert screen.link is not None and screen.link.presigned
        assert app.clipboard == f"{presigned_urls}/explore?authToken=abc"
        note = static_text(screen.query_one("#notebook-url-note", Static))
        assert "Stopped: start it (t)" in note
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")
    assert audit_records() == []  # opening is a read: nothing gated


async def test_read_only_refuses_start_stop_delete(sm: Any) -> None:
    make_notebook(sm, "explore")
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 1)
        for key, action in (
            ("t", "notebook-start"),
            ("ctrl+k", "notebook-stop"),
            ("ctrl+d", "notebook-delete"),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen), key
            assert any(f"read-only mode: {action} explore refused" in n for n in notifications(app))
        main = app.main_screen
        assert isinstance(main, MainScreen)
        titles = [title for title, _help, _run in main.palette_commands()]
        assert {"Notebooks: stop selected", "Notebooks: open URL"} <= set(titles)
    assert status_in_moto(sm, "explore") == "InService"
    # One audited refusal per key (nothing sent: no intent record).
    assert [(r["action"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("notebook-start", "refused"),
        ("notebook-stop", "refused"),
        ("notebook-delete", "refused"),
    ]
