"""HyperPod live rows (issue 18): cluster state changes and node health events through a
real EventBridge rule and SQS queue refresh their rows with one describe, no listing. A
node's AWS half is replaced in its joined row (Slurm's half stays, Slurm sends no
events); a node of another cluster is not described at all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from moto.sagemaker.models import sagemaker_backends
from textual.widgets import Static

from console.services.hyperpod import HyperPodService
from screens.hyperpod.panes import ClustersPane, NodesPane
from screens.hyperpod.tables import ClustersTable
from screens.kit.events_link import EventsLink
from tests.support.events import ACCOUNT, EventsStack, node_detail
from tests.support.hostile import CORPUS
from tests.tui.conftest import REGION, wait_until
from tests.tui.hyperpod.test_hyperpod_view import app_on, clock, cluster, open_nodes

__all__ = ["clock", "cluster"]  # fixtures used here

T0 = datetime.now(UTC).replace(microsecond=0)
SLOW = {"slurm": 600.0, "hyperpod": 600.0}  # no poll in the test's time: only pushes


@pytest.fixture(autouse=True)
def _short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EventsLink, "WAIT_SECONDS", 1)


@pytest.fixture
def node_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, bool]]:
    """(cluster, instance, refresh) of every DescribeClusterNode asked of the service."""
    seen: list[tuple[str, str, bool]] = []
    original = HyperPodService.describe_node

    def counting(self: HyperPodService, name: str, instance: str, *, refresh: bool = False) -> Any:
        seen.append((name, instance, refresh))
        return original(self, name, instance, refresh=refresh)

    monkeypatch.setattr(HyperPodService, "describe_node", counting)
    return seen


def _moto_cluster(name: str) -> Any:
    return sagemaker_backends[ACCOUNT][REGION].clusters[name]


def _cluster_event(name: str, status: str) -> tuple[str, dict[str, Any]]:
    return "SageMaker HyperPod Cluster State Change", {
        "ClusterArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:cluster/{name}",
        "ClusterName": name,
        "ClusterStatus": status,
    }


async def test_node_health_event_refreshes_its_joined_row(
    aws: Any, cluster: str, node_reads: list[tuple[str, str, bool]]
) -> None:
    stack = EventsStack.create(aws, name="hyperpod-nodes-live")
    app = app_on(cluster, events_queue_url=stack.queue_url, poll=SLOW)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, app)
        poller = app.main_screen.query_one(NodesPane).poller
        assert not poller.pushed  # Slurm's half has no events: the pane keeps its pace
        await wait_until(pilot, lambda: not poller.schedule.running, what="poll done")
        polls = poller.schedule.polls_started
        key = next(k for k in table.shown_keys() if table.items[k].slurm is not None)
        before = table.items[key]
        assert before.instance is not None and before.instance.status == "Running"
        instance = before.instance.instance_id
        node_reads.clear()
        row_by_row: list[Any] = []
        table.upsert = row_by_row.append  # type: ignore[method-assign]
        _moto_cluster(cluster).nodes[instance].status = "SystemUpdating"
        # A node of another cluster: not shown, never described.
        stack.put(*node_detail("hp-elsewhere", "i-0ffffffffffffff0", "Unschedulable"), when=T0)
        # Node ids no describe accepts (remote text): dropped, not a failed batch.
        for text in CORPUS[:4]:
            stack.put(*node_detail(cluster, f"i-{text}", "Unschedulable"), when=T0)
        stack.put(*node_detail(cluster, instance, "Unschedulable"), when=T0)
        await wait_until(
            pilot,
            lambda: (
                (row := table.items.get(key)) is not None
                and row.instance is not None
                and row.instance.status == "SystemUpdating"
            ),
            what="node row updated",
        )
        after = table.items[key]
        assert row_by_row == []  # a pushed batch is one table update, never row by row
        assert after.slurm == before.slurm  # Slurm's half kept
        assert after.instance is not None
        assert after.instance.hostname == before.instance.hostname  # address kept
        assert [r for r in node_reads if r[1] == instance] == [(cluster, instance, True)]
        assert all(r[0] == cluster for r in node_reads)  # never another cluster's node
        assert poller.schedule.polls_started == polls
        await wait_until(pilot, lambda: stack.depth() == 0, what="applied, then deleted")


async def test_cluster_state_event_refreshes_its_row_and_the_head(aws: Any, cluster: str) -> None:
    stack = EventsStack.create(aws, name="hyperpod-clusters-live")
    app = app_on(cluster, events_queue_url=stack.queue_url, poll=SLOW)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_nodes(pilot, app)
        await pilot.press("L")
        pane = app.main_screen.query_one(ClustersPane)
        table = app.main_screen.query_one("#hp-clusters-table", ClustersTable)
        await wait_until(pilot, lambda: cluster in table.items, what="clusters listed")
        poller = pane.poller
        assert poller.pushed
        await wait_until(pilot, lambda: not poller.schedule.running, what="poll done")
        polls = poller.schedule.polls_started
        assert table.items[cluster].status == "InService"
        _moto_cluster(cluster).status = "Updating"
        stack.put(*_cluster_event(cluster, "Updating"), when=T0)
        await wait_until(
            pilot, lambda: table.items[cluster].status == "Updating", what="cluster row"
        )
        assert poller.schedule.polls_started == polls
        head = str(app.main_screen.query_one("#hyperpod-head", Static).content)
        assert f"{cluster} (Updating)" in head
        assert "Updating" in str(app.main_screen.query_one("#hp-groups", Static).content)
