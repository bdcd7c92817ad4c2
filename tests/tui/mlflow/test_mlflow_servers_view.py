"""The managed MLflow tracking servers screen (`T` on the Experiments tab).

moto does not implement the MlflowTrackingServer calls: against it the screen shows one
"not supported" line (the real moto server, full app). The AWS shapes for the rest come
from botocore's Stubber on the screen's own sagemaker client, in a small host app that
mounts only this screen, so no other view's call can take a stubbed answer; polls are
set an hour apart so the only polls are the first one and the one after a change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber
from textual.app import App

from console.config import PollIntervals, load_config
from console.context import ConsoleContext
from screens.kit.confirm import ConfirmDialog
from screens.mlflow.servers import ServersScreen, ServersTable, ServersView
from tests.support.helpers import audit_records
from tests.tui.conftest import make_app, notifications, static_text, wait_until
from themes import STYLESHEETS

ARN = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/"
CREATED = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)


def server(name: str, status: str, size: str = "Small") -> dict[str, Any]:
    return {
        "TrackingServerArn": ARN + name,
        "TrackingServerName": name,
        "ArtifactStoreUri": f"s3://mlflow-artifacts/{name}",
        "TrackingServerSize": size,
        "MlflowVersion": "3.0",
        "TrackingServerStatus": status,
        "IsActive": "Active" if status == "Started" else "Inactive",
        "TrackingServerUrl": f"https://{name}.us-east-1.experiments.sagemaker.aws",
        "CreationTime": CREATED,
        "LastModifiedTime": CREATED,
    }


def summary(d: dict[str, Any]) -> dict[str, Any]:
    keys = ("TrackingServerArn", "TrackingServerName", "CreationTime", "LastModifiedTime")
    return {
        **{k: d[k] for k in keys},
        "TrackingServerStatus": d["TrackingServerStatus"],
        "IsActive": d["IsActive"],
        "MlflowVersion": d["MlflowVersion"],
    }


def listing(stub: Stubber, *servers: dict[str, Any]) -> None:
    """One poll: the list, then a describe of each server (size and URL)."""
    stub.add_response(
        "list_mlflow_tracking_servers",
        {"TrackingServerSummaries": [summary(s) for s in servers]},
    )
    for s in servers:
        stub.add_response(
            "describe_mlflow_tracking_server", s, {"TrackingServerName": s["TrackingServerName"]}
        )


class ServersApp(App[None]):
    """Hosts only the servers screen (the ConsoleHost protocol: context + generation)."""

    CSS_PATH = list(STYLESHEETS)

    def __init__(self, *, read_only: bool = False) -> None:
        super().__init__()
        config = load_config(overrides={"read_only": read_only} if read_only else None)
        config.poll = PollIntervals(experiments=3600.0, transitional=3600.0)
        self.context = ConsoleContext(config, source="tui")
        self.generation = 0
        self.jobs_snapshot = None
        self.stub = Stubber(self.context.sessions.client("sagemaker"))

    def on_mount(self) -> None:
        from themes.registry import register_themes

        register_themes(self)
        self.theme = "smconsole-dark"
        self.push_screen(ServersScreen(self.context.config))


def table(app: App[Any]) -> ServersTable:
    return app.screen.query_one(ServersTable)


async def listed(pilot: Any, app: App[Any], count: int) -> ServersTable:
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, ServersScreen) and app.screen.query(ServersTable),
        what="screen",
    )
    rows = table(app)
    await wait_until(pilot, lambda: rows.total_count == count, what=f"{count} servers")
    return rows


async def test_start_is_confirmed_audited_and_url_copied(aws: Any) -> None:
    app = ServersApp()
    stopped = server("team-tracking", "Stopped")
    listing(app.stub, stopped)
    app.stub.add_response(
        "start_mlflow_tracking_server",
        {"TrackingServerArn": stopped["TrackingServerArn"]},
        {"TrackingServerName": "team-tracking"},
    )
    starting = {**stopped, "TrackingServerStatus": "Starting"}
    listing(app.stub, starting)
    url = "https://team-tracking.us-east-1.experiments.sagemaker.aws/auth?token=t0k"
    app.stub.add_response(
        "create_presigned_mlflow_tracking_server_url",
        {"AuthorizedUrl": url},
        {"TrackingServerName": "team-tracking", "ExpiresInSeconds": 300},
    )
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    with app.stub:
        async with app.run_test(size=(140, 30)) as pilot:
            rows = await listed(pilot, app, 1)
            row = [c.plain for c in rows.get_row("team-tracking")]
            assert row[1:4] == ["Stopped", "Small", "3.0"]
            assert row[5] == stopped["TrackingServerUrl"]
            await pilot.press("ctrl+k")  # a stopped server does not stop
            assert "only running servers stop" in notifications(app)[-1]
            await pilot.press("t")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="ask")
            await pilot.press("y")
            await wait_until(
                pilot, lambda: rows.items["team-tracking"].status == "Starting", what="polled"
            )
            assert any("team-tracking is starting" in n for n in notifications(app))
            await pilot.press("o")
            await wait_until(pilot, lambda: copied == [url], what="copied")
            assert url in notifications(app)[-1]
    app.stub.assert_no_pending_responses()
    assert [(r["action"], r["target"], r["outcome"], r["source"]) for r in audit_records()] == [
        ("mlflow-server-start", "team-tracking", "ok", "tui")
    ]


async def test_stop_cancelled_then_read_only_refuses(aws: Any) -> None:
    app = ServersApp()
    listing(app.stub, server("team-tracking", "Started"), server("idle", "Stopped"))
    with app.stub:  # the Stubber fails the test on any call not queued: nothing is sent
        async with app.run_test(size=(100, 24)) as pilot:
            rows = await listed(pilot, app, 2)
            for name, key, action in (("team-tracking", "ctrl+k", "stop"), ("idle", "t", "start")):
                rows.move_cursor(row=rows.get_row_index(name))
                await pilot.press(key)
                await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="ask")
                await pilot.press("n")
                await wait_until(pilot, lambda: isinstance(app.screen, ServersScreen))
                assert "cancelled" in notifications(app)[-1]
                [declined] = audit_records(intents=True)[-1:]
                assert (declined["action"], declined["target"], declined["outcome"]) == (
                    f"mlflow-server-{action}",
                    name,
                    "refused",
                )
                assert "not confirmed" in declined["detail"]
    read_only = ServersApp(read_only=True)
    listing(read_only.stub, server("team-tracking", "Started"), server("idle", "Stopped"))
    with read_only.stub:
        async with read_only.run_test(size=(100, 24)) as pilot:
            rows = await listed(pilot, read_only, 2)
            for name, key, action in (("team-tracking", "ctrl+k", "stop"), ("idle", "t", "start")):
                rows.move_cursor(row=rows.get_row_index(name))
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(read_only.screen, ServersScreen)
                assert (
                    f"read-only mode: mlflow-server-{action} {name}"
                    in (notifications(read_only)[-1])
                )
    records = audit_records(intents=True)
    assert [(r["action"], r["outcome"]) for r in records] == [
        ("mlflow-server-stop", "refused"),  # declined
        ("mlflow-server-start", "refused"),  # declined
        ("mlflow-server-stop", "refused"),  # read-only
        ("mlflow-server-start", "refused"),  # read-only
    ]
    assert [r["detail"].startswith("read-only mode") for r in records] == [
        False,
        False,
        True,
        True,
    ]


async def test_moto_lacks_managed_mlflow_one_line(aws: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("3", "T")
        await wait_until(pilot, lambda: isinstance(app.screen, ServersScreen), what="screen")
        view = app.screen.query_one(ServersView)
        await wait_until(pilot, lambda: view.poller.banner_text, what="degraded")
        assert "SageMaker managed MLflow is not supported by this endpoint" in (
            view.poller.banner_text
        )
        assert "\n" not in view.poller.banner_text.strip()
        await pilot.press("o")
        assert "no tracking server selected" in notifications(app)[-1]
        await pilot.press("q")
        await wait_until(pilot, lambda: not isinstance(app.screen, ServersScreen))
        info = app.main_screen.query_one("#experiments-info")
        assert static_text(info)  # type: ignore[arg-type]


# --- snapshot (80x24) -------------------------------------------------------------------------
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


class FixedClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
        return NOW if tz is not None else NOW.replace(tzinfo=None)


@pytest.fixture
def pinned(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr("screens.mlflow.servers.datetime", FixedClock)
    monkeypatch.setattr("console.services.mlflow_feed.datetime", FixedClock)
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def test_servers_snapshot(snap_compare: Any, pinned: None) -> None:
    app = ServersApp()
    listing(
        app.stub,
        server("team-tracking", "Started", "Medium"),
        server("research-sandbox", "Stopped"),
        server("llm-evals", "Starting", "Large"),
    )
    app.stub.activate()

    async def ready(pilot: Any) -> None:
        await listed(pilot, app, 3)
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
    finally:
        app.stub.deactivate()
