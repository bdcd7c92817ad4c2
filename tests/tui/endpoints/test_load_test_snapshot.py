"""The load test's result panel at 80x24 (issue 16), and ``?`` on the endpoint detail
listing its key. The run's numbers are fixed (``run_bench`` is replaced: latencies on
moto would change the picture); the form, the confirm and the screen are the real ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from console.services.bench import BenchResult, VariantBench
from tests.tui.endpoints.test_production_snapshots import (
    fixed_detail,
    open_fixed_detail,
    with_metrics,
)
from tests.tui.test_snapshots import fixed_world

__all__ = ["fixed_detail", "fixed_world", "with_metrics"]  # fixtures used below

FIXED = BenchResult(
    endpoint="fraud-detector",
    requests=100,
    rate=20.0,
    seconds=5.0,
    variants=(
        VariantBench("blue", 90, 0, 21.4, 35.0, 41.2),
        VariantBench(
            "green",
            10,
            3,
            80.3,
            120.5,
            131.0,
            first_error="ModelError: Received server error (500) from model with message "
            '"CUDA out of memory."',
        ),
    ),
    errors=("ModelError: Received server error (500) from model",),
    sent=100,
)


@pytest.fixture
def fixed_run(fixed_detail: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import console.services.bench

    monkeypatch.setattr(console.services.bench, "run_bench", lambda *args, **kwargs: FIXED)
    yield


def test_load_test_result_80x24(snap_compare: Any, fixed_run: None) -> None:
    from screens.endpoints.load_test import LoadTestScreen
    from screens.kit.confirm import ConfirmDialog
    from tests.tui.conftest import make_app, wait_until

    app = make_app(theme="smconsole-dark")

    async def ready(pilot: Any) -> None:
        await open_fixed_detail(pilot, app)
        await wait_until(pilot, lambda: app.screen.record is not None, what="described")
        await pilot.press("B")
        await wait_until(pilot, lambda: isinstance(app.screen, LoadTestScreen), what="form")
        screen = app.screen
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.result is not None, what="result")
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


async def test_help_on_the_detail_lists_the_load_test(fixed_detail: None) -> None:
    from screens.kit.help import HelpScreen
    from tests.tui.conftest import make_app, wait_until

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_fixed_detail(pilot, app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        by_id = {row[3]: row for row in app.screen.rows}  # type: ignore[attr-defined]
        assert by_id["endpoint_detail.load_test"][1:3] == ("B", "Load test")
        assert by_id["load_test.send"][2] == "Start"
        assert by_id["load_test.cancel"][2] == "Stop / back"
