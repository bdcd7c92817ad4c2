"""The Endpoints tab against a real moto server: list with the split, describe, A/B weights
with preview and confirm, invoke, config update, delete, read-only refusals, sizes, and
the feed's incremental describes."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Button, Input, Select, Static, TextArea

from console.config import load_config
from console.context import ConsoleContext
from console.services.endpoints_feed import EndpointsFeed
from screens.app import SmConsoleApp
from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.invoke import InvokeScreen
from screens.endpoints.table import EndpointsTable
from screens.endpoints.update import ConfigPicker
from screens.endpoints.view import EndpointPreview, EndpointsView
from screens.endpoints.weights import WeightsDialog
from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from tests.support.helpers import audit_records
from tests.tui.conftest import ROLE, make_app, notifications, static_text, wait_until

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1"


def make_ab_endpoint(sm: Any, name: str = "fraud") -> None:
    """Two variants (blue, green) serving two models, weights 1:1 (a 50/50 split)."""
    for model in ("fraud-v1", "fraud-v2"):
        sm.create_model(
            ModelName=model,
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": IMAGE, "ModelDataUrl": f"s3://models/{model}.tar.gz"},
        )
    sm.create_endpoint_config(
        EndpointConfigName=f"{name}-ab",
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": model,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
            for variant, model in (("blue", "fraud-v1"), ("green", "fraud-v2"))
        ],
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-ab")


def weights_in_moto(sm: Any, name: str = "fraud") -> dict[str, float]:
    variants = sm.describe_endpoint(EndpointName=name)["ProductionVariants"]
    return {v["VariantName"]: v["CurrentWeight"] for v in variants}


def table(app: SmConsoleApp) -> EndpointsTable:
    return app.main_screen.query_one(EndpointsTable)


def view(app: SmConsoleApp) -> EndpointsView:
    return app.main_screen.query_one(EndpointsView)


async def open_tab(pilot: Any, app: SmConsoleApp, count: int = 1) -> EndpointsTable:
    await pilot.press("2")
    rows = table(app)
    await wait_until(pilot, lambda: rows.total_count >= count, what=f"{count} endpoints")
    assert rows.has_focus
    return rows


@pytest.fixture
def moto_update_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Teach the in-process moto server UpdateEndpoint (moto 5.2.5 lacks it)."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    def update_endpoint(self: Any) -> ActionResult:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        backend.describe_endpoint(name)
        config = backend.describe_endpoint_config(config_name)
        endpoint = backend.endpoints[name]
        endpoint.endpoint_config_name = config_name
        endpoint.production_variants = endpoint._process_production_variants(
            config["ProductionVariants"]
        )
        return ActionResult({"EndpointArn": endpoint.arn})

    monkeypatch.setattr(SageMakerResponse, "update_endpoint", update_endpoint, raising=False)
    yield


def queue_invoke_result(url: str, body: str, variant: str) -> None:
    """moto answers the next InvokeEndpoint with this (its test API answers 201)."""
    results = {
        "results": [
            {
                "Body": body,
                "ContentType": "application/json",
                "InvokedProductionVariant": variant,
                "CustomAttributes": "",
            }
        ]
    }
    request = urllib.request.Request(
        f"{url}/moto-api/static/sagemaker/endpoint-results",
        data=json.dumps(results).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


async def test_list_shows_the_split_and_enter_describes(sm: Any) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await open_tab(pilot, app)
        assert rows.compact
        cells = [cell.plain for cell in rows.get_row("fraud")]
        assert cells[:4] == ["fraud", "InService", "50/50", "1+1"]
        tab = app.main_screen.query_one("#tabs").get_tab("endpoints")  # type: ignore[attr-defined]
        await wait_until(
            pilot, lambda: str(tab.label) == "Endpts 1", what="tab count (short title at 80)"
        )
        info = static_text(app.main_screen.query_one("#endpoints-info", Static))
        assert "1/1 endpoints" in info

        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, EndpointDetailScreen)
        await wait_until(pilot, lambda: screen.record is not None, what="describe")
        assert screen.record is not None and screen.record.config_name == "fraud-ab"
        await wait_until(pilot, lambda: len(screen.query(".section-title")) >= 3, what="sections")
        text = "\n".join(static_text(s) for s in screen.query(Static).results(Static))
        assert "Traffic (now → desired)" in text and "blue" in text and "50%" in text
        assert "fraud-v2" in text  # the Serving section followed the config to the models
        assert not view(app).poller.shown  # covered: the endpoints poller pauses
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back")
        assert view(app).poller.shown


async def test_weights_90_10_preview_then_confirm_changes_moto(sm: Any) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await open_tab(pilot, app)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, WeightsDialog), what="dialog")
        dialog = app.screen
        assert isinstance(dialog, WeightsDialog)
        first = dialog.query_one("#weight-0", Input)
        assert first.has_focus and first.value == "1"
        await pilot.press(*"90", "down")  # typing replaces the selected value
        assert dialog.query_one("#weight-1", Input).has_focus
        await pilot.press(*"10")
        await pilot.pause()
        preview = static_text(dialog.query_one("#weights-preview", Static))
        assert "90%" in preview and "10%" in preview and "50%" in preview
        assert dialog.plan is not None and dialog.plan.weights == {"blue": 90.0, "green": 10.0}

        # Every weight at 0: explained, and nothing can be applied.
        dialog.query_one("#weight-0", Input).value = "0"
        dialog.query_one("#weight-1", Input).value = "0"
        await pilot.pause()
        assert "every variant would get weight 0" in dialog.error
        assert dialog.query_one("#apply", Button).disabled
        dialog.query_one("#weight-0", Input).value = "90"
        dialog.query_one("#weight-1", Input).value = "10"
        await pilot.pause()

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        lines = confirm.message.splitlines()
        assert lines[0].split() == ["blue", "50%", "→", "90%"]
        assert lines[1].split() == ["green", "50%", "→", "10%"]
        assert weights_in_moto(sm) == {"blue": 1.0, "green": 1.0}  # nothing sent yet
        await pilot.press("y")
        await wait_until(
            pilot, lambda: weights_in_moto(sm) == {"blue": 90.0, "green": 10.0}, what="moto"
        )
        await wait_until(
            pilot,
            lambda: rows.get_row("fraud")[2].plain == "90/10",
            what="the table to show the new split",
        )
        assert any("blue 90% · green 10%" in n for n in notifications(app))
        (record,) = audit_records()
        assert (record["action"], record["target"], record["outcome"]) == (
            "endpoint-weights",
            "fraud",
            "ok",
        )

        # The palette offers the same action.
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"shift")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, WeightsDialog), what="palette")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="cancelled")


async def test_invoke_shows_the_queued_answer_and_remembers_payloads(sm: Any, aws: Any) -> None:
    make_ab_endpoint(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app)
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, InvokeScreen), what="panel")
        panel = app.screen
        assert isinstance(panel, InvokeScreen)
        area = panel.query_one(TextArea)
        assert area.has_focus

        # Bad JSON: explained with its position, nothing sent (no audit record).
        area.load_text('{"features": [1, 2')
        await pilot.press("ctrl+s")
        assert any("not valid JSON" in n for n in notifications(app))
        assert "line 1 column" in static_text(panel.query_one("#invoke-check", Static))
        assert audit_records() == []

        queue_invoke_result(aws.url, '{"score": 0.93}', "green")
        area.load_text('{"features": [1, 2]}')
        panel.query_one(Select).value = "green"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: panel.result is not None, what="the answer")
        assert panel.result is not None
        assert panel.result.invoked_variant == "green"
        title = static_text(panel.query_one("#invoke-response-title", Static))
        assert "variant green" in title and " ms" in title
        assert '"score": 0.93' in static_text(panel.query_one("#invoke-response-body", Static))
        (record,) = audit_records()
        assert record["action"] == "endpoint-invoke"
        assert record["params"]["TargetVariant"] == "green"
        assert "features" not in json.dumps(record)  # size only, never the payload

        area.load_text('{"second": true}')
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(audit_records()) == 2, what="second invoke")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")

        # Reopened: the last payload is there; ctrl+r steps back to the one before.
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, InvokeScreen), what="again")
        area = app.screen.query_one(TextArea)
        assert area.text == '{"second": true}'
        await pilot.press("ctrl+r")
        assert area.text == '{"features": [1, 2]}'
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")


async def test_update_to_another_config_and_delete_with_typed_name(
    sm: Any, moto_update_endpoint: None
) -> None:
    make_ab_endpoint(sm)
    sm.create_endpoint_config(
        EndpointConfigName="fraud-v2-only",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "fraud-v2",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await open_tab(pilot, app)
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfigPicker), what="picker")
        picker = app.screen
        assert isinstance(picker, ConfigPicker)
        await wait_until(pilot, lambda: picker.configs is not None, what="configs listed")
        await pilot.press(*"v2")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        assert "fraud-v2-only" in app.screen.title_text  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: (
                sm.describe_endpoint(EndpointName="fraud")["EndpointConfigName"] == "fraud-v2-only"
            ),
            what="moto's endpoint config",
        )
        await wait_until(
            pilot, lambda: rows.get_row("fraud")[2].plain == "100%", what="new variants shown"
        )

        # Delete: y is just a letter in the name box; the typed name confirms.
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.typed_name == "fraud"
        await pilot.press("y", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert sm.list_endpoints()["Endpoints"] != []
        await pilot.press("backspace", *"fraud", "enter")
        await wait_until(pilot, lambda: sm.list_endpoints()["Endpoints"] == [], what="deleted")
        await wait_until(pilot, lambda: rows.total_count == 0, what="row gone")
        actions = [r["action"] for r in audit_records()]
        assert actions == ["endpoint-update", "endpoint-delete"]


async def test_read_only_refuses_every_change_before_asking(sm: Any) -> None:
    make_ab_endpoint(sm)
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app)
        for key, action in (
            ("i", "endpoint-invoke"),
            ("w", "endpoint-weights"),
            ("u", "endpoint-update"),
            ("ctrl+d", "endpoint-delete"),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen), key
            assert any(f"read-only mode: {action} fraud refused" in n for n in notifications(app))
    assert [(r["action"], r["outcome"]) for r in audit_records(intents=True)] == [
        (action, "refused")
        for action in ("endpoint-invoke", "endpoint-weights", "endpoint-update", "endpoint-delete")
    ]


async def test_large_screen_filter_sort_and_variants_preview(sm: Any) -> None:
    make_ab_endpoint(sm)
    sm.create_endpoint(EndpointName="canary", EndpointConfigName="fraud-ab")
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        rows = await open_tab(pilot, app, 2)
        assert rows.shown_keys() == ["canary", "fraud"]  # newest first
        bar = app.main_screen.query_one("#endpoints-filter", Input)
        await pilot.press("slash")
        assert bar.has_focus
        bar.value = "!canary"
        await pilot.press("enter")
        assert rows.shown_keys() == ["fraud"]
        assert "filter: !canary" in static_text(
            app.main_screen.query_one("#endpoints-info", Static)
        )
        await pilot.press("slash")
        bar.value = ""
        await pilot.press("enter")
        await pilot.press("S")
        assert rows.shown_keys() == ["fraud", "canary"]
        await pilot.pause(0.1)
        assert not rows.compact
        assert rows.get_row("fraud")[2].plain == "blue 50% · green 50%"
        assert "Modified" in [str(c.label) for c in rows.columns.values()]
        preview = app.main_screen.query_one(EndpointPreview)
        await wait_until(pilot, lambda: preview.region.height > 0, what="preview shown")
        text = static_text(preview)
        assert "blue" in text and "green" in text and "50%" in text
        assert rows.get_row("fraud")[1].style.color is not None  # status coloured by theme


def test_feed_describes_only_what_changed(aws: Any, sm: Any) -> None:
    make_ab_endpoint(sm, "alpha")
    sm.create_endpoint(EndpointName="bravo", EndpointConfigName="alpha-ab")
    feed = EndpointsFeed(ConsoleContext(load_config(), source="tui"))
    first = feed.fetch()
    assert {e.name for e in first.items} == {"alpha", "bravo"} and first.described == 2
    steady = feed.fetch()
    assert steady.described == 0
    assert steady.items == first.items
    feed.invalidate("bravo")
    assert feed.fetch().described == 1
    feed.request_full()
    assert feed.fetch().described == 2


async def test_l_follows_the_endpoint_logs_from_the_table_and_the_detail(sm: Any, aws: Any) -> None:
    from datetime import UTC, datetime

    from screens.logs.view import LogScreen, LogView

    make_ab_endpoint(sm)
    logs = aws.client("logs")
    group = "/aws/sagemaker/Endpoints/fraud"
    logs.create_log_group(logGroupName=group)
    t0 = int(datetime.now(UTC).timestamp() * 1000) - 60_000
    for variant, offset in (("blue", 0), ("green", 1000)):
        stream = f"{variant}/i-0{offset}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": t0 + offset, "message": f"{variant} ready"}],
        )
    app = make_app(poll={"logs": 0.1})
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="log screen")
        log = app.screen.query_one(LogView)
        await wait_until(pilot, lambda: len(log.buffer) == 2, what="both instances")
        assert [log.buffer.line(i).text for i in range(2)] == ["blue ready", "green ready"]
        assert "endpoint fraud" in static_text(app.screen.query_one("#log-title", Static))
        logs.put_log_events(
            logGroupName=group,
            logStreamName="blue/i-00",
            logEvents=[{"timestamp": t0 + 5000, "message": "blue request 1"}],
        )
        await wait_until(pilot, lambda: len(log.buffer) == 3, what="the followed line")
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back")

        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="logs again")
        log = app.screen.query_one(LogView)
        await wait_until(pilot, lambda: len(log.buffer) == 3, what="the whole log")
