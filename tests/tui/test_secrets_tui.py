"""Planted secrets never reach the TUI: not in notifications, the degraded banners, any
text on screen, the audit log or a file under HOME, through expired and denied
credentials (our fault proxy in front of moto) and an audited stop."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from screens.kit.confirm import ConfirmDialog
from screens.notebooks.table import NotebooksTable
from tests.core.test_secrets import PLANTED, ROLE, everything_written, plant
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.helpers import audit_records

from .conftest import make_app, notifications, wait_until


@pytest.fixture
def planted(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    proxy = plant(aws.url, monkeypatch)
    yield proxy
    proxy.stop()


def screen_text(app: Any) -> str:
    """Every Static's text and the rendered screen (an SVG, tags stripped)."""
    parts = [str(widget.render()) for widget in app.screen.query(Static)]
    svg = app.export_screenshot()
    parts.append(html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " "))
    return "\n".join(parts)


async def test_planted_secrets_never_reach_the_screen(
    planted: FaultProxy, sm: Any, isolated_env: Path
) -> None:
    proxy = planted
    sm.create_notebook_instance(
        NotebookInstanceName="nb-secret", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    app = make_app(poll={"notebooks": 0.5})
    seen: list[str] = []
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("6")
        rows = app.main_screen.query_one(NotebooksTable)
        await wait_until(pilot, lambda: rows.total_count == 1, what="the notebook")
        for kind, words in (("expired", "expired"), ("denied", "denied")):
            proxy.add(Fault(kind, "sagemaker"))
            await wait_until(
                pilot, lambda w=words: w in screen_text(app).lower(), what=f"{kind} shown"
            )
            seen += [screen_text(app), *notifications(app)]
            proxy.clear()
            await wait_until(
                pilot, lambda w=words: w not in screen_text(app).lower(), what="recovered"
            )
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        seen.append(screen_text(app))
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: any(r["action"] == "notebook-stop" for r in audit_records()),
            what="audit",
        )
        seen += [screen_text(app), *notifications(app)]
    everything = everything_written(isolated_env, seen)
    assert "notebook-stop" in everything
    for secret in PLANTED:
        assert secret not in everything, f"{secret[:12]}… leaked"
