"""The HyperPod tab's Events pane on the moto server.

moto has no ListClusterEvents/DescribeClusterEvent: the demo's own handlers
(``console.demo.moto_extras``) are put on the real moto server for these tests, and the
events are written onto the moto cluster as the demo's seed writes them. Without the
handlers (plain moto) the pane must say the call is not supported, not sit empty.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Static

from screens.hyperpod.events import EventDetailScreen, EventsPane, EventsTable
from screens.hyperpod.panes import NodesPane
from tests.tui.conftest import ACCOUNT, REGION

from .test_hyperpod_view import app_on, clock, cluster, open_nodes, view, wait_until

__all__ = ["clock", "cluster"]  # fixtures, imported to be used here


@pytest.fixture
def events(cluster: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Events on the test cluster: one about the cluster, one per node (newest last)."""
    from moto.sagemaker.models import sagemaker_backends
    from moto.sagemaker.responses import SageMakerResponse

    from console.demo import moto_extras

    for name in ("list_cluster_events", "describe_cluster_event"):
        monkeypatch.setattr(SageMakerResponse, name, getattr(moto_extras, name), raising=False)
    moto_cluster = sagemaker_backends[ACCOUNT][REGION].clusters[cluster]
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=3)
    made = {
        "cluster": moto_extras.add_cluster_event(moto_cluster, "Cluster is InService", at=start)
    }
    for index, node in enumerate(moto_cluster.nodes.values()):
        made[node.instance_id] = moto_extras.add_cluster_event(
            moto_cluster,
            f"Instance launched ({node.instance_group_name})",
            resource_type="Instance",
            level="Error" if index == 2 else "Info",
            group=node.instance_group_name,
            instance_id=node.instance_id,
            at=start + timedelta(minutes=index + 1),
            metadata={"Instance": {"FailureMessage": "GPU 5: Xid 79"}} if index == 2 else None,
        )
    return made


def info(app: Any) -> str:
    return str(app.main_screen.query_one(EventsPane).query_one(".view-info", Static).content)


async def test_events_newest_first_and_one_in_full(cluster: str, events: dict[str, Any]) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_nodes(pilot, app)
        await pilot.press("e")
        assert view(app).pane == "events"
        table = app.main_screen.query_one("#hp-events-table", EventsTable)
        await wait_until(pilot, lambda: table.total_count == 6, what="six events")
        shown = [table.items[k] for k in table.shown_keys()]
        assert [e.time for e in shown] == sorted((e.time for e in shown), reverse=True)
        assert shown[-1].description == "Cluster is InService"
        failed = next(e for e in shown if e.level == "Error")
        assert failed.instance_id and failed.details == ()  # the list has no details
        assert "[Events]" in str(app.main_screen.query_one("#hyperpod-head", Static).content)
        table.move_cursor(row=table.get_row_index(failed.event_id))
        await pilot.press("enter")
        assert isinstance(app.screen, EventDetailScreen)
        body = app.screen.query_one("#hp-event-body", Static)
        await wait_until(
            pilot,
            lambda: "Instance.FailureMessage: GPU 5: Xid 79" in str(body.content),
            what="the event's details",
        )
        assert failed.instance_id in str(body.content)
        keys = str(app.screen.query_one("#hp-event-keys", Static).content)
        assert f"smconsole cluster-event-describe {cluster} {failed.event_id}" in keys
        await pilot.press("escape")
        assert not isinstance(app.screen, EventDetailScreen)


async def test_a_nodes_events_from_the_nodes_pane(cluster: str, events: dict[str, Any]) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        nodes = await open_nodes(pilot, app)
        key = next(k for k in nodes.shown_keys() if nodes.items[k].instance is not None)
        nodes.move_cursor(row=nodes.get_row_index(key))
        instance = nodes.items[key].instance
        assert instance is not None
        await pilot.press("E")
        assert view(app).pane == "events"
        table = app.main_screen.query_one("#hp-events-table", EventsTable)
        await wait_until(pilot, lambda: table.total_count == 1, what="the node's event")
        [only] = table.items.values()
        assert only.event_id == events[instance.instance_id]["EventId"]
        assert f"node {instance.instance_id} only" in info(app)
        await pilot.press("A")
        await wait_until(pilot, lambda: table.total_count == 6, what="every event again")
        assert "only" not in info(app)
        # the nodes pane still has its own bindings
        await pilot.press("I")
        assert app.main_screen.query_one(NodesPane).display


async def test_without_the_api_the_pane_says_so(cluster: str) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_nodes(pilot, app)
        await pilot.press("e")
        await wait_until(
            pilot, lambda: "not supported by this endpoint" in info(app), what="the reason"
        )
        assert app.main_screen.query_one("#hp-events-table", EventsTable).total_count == 0
