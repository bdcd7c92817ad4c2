"""The invoke load test of the endpoint detail (issue 16): ``B`` opens the form, ``ctrl+s``
asks through the one confirm dialog, the run goes through the gate (audited, counted per
variant by moto's own answers), ``esc`` stops it; read-only refuses before the form;
garbage under a 200 counts as an error; error messages from the far side are inert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select, Static

from console.errors import ValidationError
from console.services.bench import BenchProgress, BenchResult, VariantBench
from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.load_test import (
    LoadTestScreen,
    plan_load_test,
    progress_line,
    result_text,
)
from screens.kit.confirm import ConfirmDialog
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.helpers import audit_records
from tests.support.hostile import CORPUS, assert_inert_output
from tests.tui.conftest import make_app, notifications, static_text, wait_until
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, open_tab


@pytest.fixture
def demo_invoke(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The demo's InvokeEndpoint on the in-process moto server: the variant is drawn by
    the endpoint's weights (or the TargetVariant), as SageMaker does."""
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    from console.demo import moto_extras

    monkeypatch.setattr(SageMakerRuntimeResponse, "invoke_endpoint", moto_extras.invoke_endpoint)
    yield


# --- the form's plan (pure) -------------------------------------------------------------


def test_plan_checks_every_field_as_the_service_does(tmp_path: Path) -> None:
    plan = plan_load_test("fraud", "20", "5", None, "application/json", '{"a": 1}')
    assert (plan.requests, plan.rate, plan.variant, plan.seconds) == (20, 5.0, None, 4.0)
    assert plan.summary().startswith("Send 20 requests to the whole endpoint (by weight) at 5/s")
    payload = tmp_path / "p.json"
    payload.write_text('{"instances": [1]}')
    from_file = plan_load_test("fraud", "1", "1", "blue", "", f"@{payload}")
    assert from_file.body == '{"instances": [1]}' and from_file.from_file == str(payload)
    assert from_file.content_type == "application/json"
    assert "variant blue" in from_file.summary() and f"from {payload}" in from_file.summary()
    text = plan_load_test("fraud", "1", "1", None, "text/csv", "1,2,3")  # not JSON: as is
    assert text.body == "1,2,3"


@pytest.mark.parametrize(
    ("requests", "rate", "ctype", "payload", "said"),
    [
        ("x", "5", "application/json", "{}", "requests must be a whole number"),
        ("0", "5", "application/json", "{}", "request count must be 1-10000"),
        ("10001", "5", "application/json", "{}", "request count must be 1-10000"),
        ("5", "fast", "application/json", "{}", "rate must be a number"),
        ("5", "0", "application/json", "{}", "rate 0 must be above 0"),
        ("5", "2000", "application/json", "{}", "at most 1000 requests per second"),
        ("5", "5", "application/json", "{'a': 1}", "payload is not valid JSON"),
        ("5", "5", "application/json", "", "payload is empty"),
        ("5", "5", "application/json", "@/nonexistent/p.json", "does not exist"),
        ("5", "5", "not a type", "{}", "content type"),
    ],
)
def test_plan_refuses_bad_fields(
    requests: str, rate: str, ctype: str, payload: str, said: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        plan_load_test("fraud", requests, rate, None, ctype, payload)
    assert said in caught.value.one_line()


def test_result_text_is_inert_whatever_the_far_side_said() -> None:
    variants = tuple(
        VariantBench(f"v{i}", 3, 1, 10.0, 20.0, 30.0, first_error=text)
        for i, text in enumerate(CORPUS)
    )
    result = BenchResult("fraud", 36, 10.0, 3.6, variants, tuple(CORPUS), sent=36)
    shown = result_text(result, width=78)
    assert_inert_output(shown, where="load test result")
    assert max(len(line) for line in shown.splitlines()) <= 78
    assert "v0" in shown and "36 requests in 3.6 s at 10/s · 12 errors" in shown


def test_progress_line_says_what_esc_does() -> None:
    progress = BenchProgress(total=100, sent=45, ok=43, errors=2)
    assert progress_line(progress, running=True) == "sent 45/100 · ok 43 · errors 2 · esc stops"
    assert progress_line(progress, running=False) == "sent 45/100 · ok 43 · errors 2"


# --- the screen on moto -------------------------------------------------------------------


async def open_load_test(pilot: Any, app: Any) -> LoadTestScreen:
    await open_tab(pilot, app)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
    detail = app.screen
    await wait_until(pilot, lambda: detail.record is not None, what="described")
    await pilot.press("B")
    await wait_until(pilot, lambda: isinstance(app.screen, LoadTestScreen), what="load test")
    screen = app.screen
    assert isinstance(screen, LoadTestScreen)
    return screen


def fill(screen: LoadTestScreen, requests: str, rate: str, variant: str = "") -> None:
    screen.query_one("#lt-requests", Input).value = requests
    screen.query_one("#lt-rate", Input).value = rate
    screen.query_one("#lt-variant", Select).value = variant


async def confirm(pilot: Any, app: Any) -> ConfirmDialog:
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    return dialog


async def test_load_test_asks_then_reports_per_variant(sm: Any, demo_invoke: None) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_load_test(pilot, app)
        fill(screen, "30", "500")
        await pilot.pause()
        check = static_text(screen.query_one("#lt-check", Static))
        assert "Send 30 requests to the whole endpoint (by weight) at 500/s" in check
        dialog = await confirm(pilot, app)
        assert dialog.change == ("endpoint-bench", "fraud")
        assert "can cost money" in dialog.message
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.result is not None, what="the result")
        result = screen.result
        assert result is not None and not result.stopped and result.sent == 30
        # the demo's InvokeEndpoint draws the variant by weight (50/50): both answered
        assert {v.variant for v in result.variants} == {"blue", "green"}
        assert sum(v.requests for v in result.variants) == 30
        assert all(v.errors == 0 and v.p99_ms is not None for v in result.variants)
        shown = static_text(screen.query_one("#lt-result", Static))
        assert "Variant" in shown and "p99 ms" in shown and "blue" in shown
        assert "sent 30/30 · ok 30 · errors 0" in static_text(
            screen.query_one("#lt-progress", Static)
        )
        assert any("30 sent, 0 errors" in n for n in notifications(app))
        # one variant only
        fill(screen, "4", "500", "green")
        await pilot.pause()
        await confirm(pilot, app)
        await pilot.press("y")
        await wait_until(
            pilot, lambda: screen.result is not None and screen.result.sent == 4, what="again"
        )
        assert [v.variant for v in screen.result.variants] == ["green"]  # type: ignore[union-attr]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="back")
    records = [(r["action"], r["target"], r["outcome"]) for r in audit_records(intents=True)]
    assert records == [("endpoint-bench", "fraud", "intent"), ("endpoint-bench", "fraud", "ok")] * 2
    intent = audit_records(intents=True)[0]
    assert intent["params"]["Requests"] == 30 and "instances" not in str(intent)  # no payload


async def test_esc_stops_a_run_and_the_result_covers_what_was_sent(
    sm: Any, demo_invoke: None
) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_load_test(pilot, app)
        fill(screen, "1000", "20")  # 50 s if not stopped
        await pilot.pause()
        await confirm(pilot, app)
        await pilot.press("y")
        await wait_until(
            pilot, lambda: screen.progress is not None and screen.progress.sent >= 2, what="sent"
        )
        assert "esc stops" in static_text(screen.query_one("#lt-progress", Static))
        await pilot.press("escape")  # stops; does not leave
        await wait_until(pilot, lambda: screen.result is not None, timeout=10, what="stopped")
        assert app.screen is screen
        result = screen.result
        assert result is not None and result.stopped and 2 <= result.sent < 1000
        assert sum(v.requests for v in result.variants) == result.sent
        assert "stopped after" in static_text(screen.query_one("#lt-result", Static))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="back")


async def test_read_only_refuses_before_the_form(sm: Any) -> None:
    make_ab_endpoint(sm)
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
        await pilot.press("B")
        await wait_until(pilot, lambda: notifications(app), what="the refusal")
        assert isinstance(app.screen, EndpointDetailScreen)
        assert "read-only mode: endpoint-bench fraud refused" in notifications(app)[-1]
    assert [(r["action"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("endpoint-bench", "refused")
    ]


async def test_a_bad_field_or_a_no_sends_nothing(sm: Any) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_load_test(pilot, app)
        fill(screen, "5", "0")
        await pilot.pause()
        assert "rate 0 must be above 0" in screen.error
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen  # no dialog
        assert any("rate 0 must be above 0" in n for n in notifications(app))
        fill(screen, "5", "5")
        await pilot.pause()
        await confirm(pilot, app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is screen, what="back to the form")
        assert screen.result is None and not screen.running
    assert [(r["action"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("endpoint-bench", "refused")
    ]


# --- the invoke path through the fault proxy ----------------------------------------------


@pytest.fixture
def proxied(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    proxy = FaultProxy(aws.url).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.stop()


@pytest.mark.parametrize("kind", ["garbage", "html", "empty", "500", "refuse"])
def test_an_answer_that_is_not_sagemakers_is_an_error_not_a_success(
    kind: str, aws: Any, proxied: FaultProxy, demo_invoke: None
) -> None:
    from console.config import load_config
    from console.context import ConsoleContext
    from console.services.bench import run_bench

    make_ab_endpoint(aws.client("sagemaker"))
    proxied.add(Fault(kind, "sagemaker-runtime", "InvokeEndpoint", times=2))
    context = ConsoleContext(load_config())
    result = run_bench(context.endpoints, "fraud", "{}", requests=5, rate=1000, variant="blue")
    assert result.sent == 5
    (blue,) = result.variants
    assert (blue.variant, blue.requests, blue.errors) == ("blue", 5, 2)
    assert blue.first_error and "\n" not in blue.first_error
    if kind in ("garbage", "html", "empty"):
        assert "not SageMaker's answer" in blue.first_error
    assert proxied.calls("InvokeEndpoint") == 5  # each failure counted once, never resent


@pytest.fixture
def hostile_invoke(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """moto's InvokeEndpoint answers each request with a ModelError whose message is the
    next string of the hostile corpus (what a model's own error text can be)."""
    import json

    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    said: list[str] = []

    def invoke_endpoint(self: Any) -> tuple[int, dict[str, str], str]:
        text = CORPUS[len(said) % len(CORPUS)]
        said.append(text)
        headers = {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": "ModelError",
            "status": "424",
        }
        return 424, headers, json.dumps({"message": f"Received client error (400): {text}"})

    monkeypatch.setattr(SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint)
    yield said


async def test_hostile_error_messages_are_shown_inert(sm: Any, hostile_invoke: list[str]) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_load_test(pilot, app)
        count = str(len(CORPUS))
        fill(screen, count, "1000", "blue")
        await pilot.pause()
        await confirm(pilot, app)
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.result is not None, what="the result")
        result = screen.result
        assert result is not None
        (blue,) = result.variants
        assert (blue.requests, blue.errors) == (len(CORPUS), len(CORPUS))
        assert len(result.errors) == len(CORPUS)
        for message in result.errors:  # every message the run kept, one line, inert
            assert_inert_output(message, where="bench error")
            assert "\n" not in message
        assert "␛]52;c;" in blue.first_error  # shown whole, made visible, not executed
        shown = static_text(screen.query_one("#lt-result", Static))
        assert_inert_output(shown, where="load test result panel")
        assert "blue: " in shown and "␛]52;c;" in shown
        for note in notifications(app):
            assert_inert_output(note, where="notification")
    assert len(hostile_invoke) == len(CORPUS)  # each request sent once, none resent
