"""The lifecycle keys of the HyperPod tab, keys only, on moto and the simulated Slurm:
``G`` scales a group (nodes and clusters panes), ``u`` updates the cluster's software,
``ctrl+d`` deletes a node (refused with the reason while Slurm runs jobs on it), ``]``
switches to the account's next cluster (its nodes, and in the demo its own Slurm);
read-only mode refuses each before any dialog.

moto 5.2.5 has no UpdateCluster, UpdateClusterSoftware or BatchDeleteClusterNodes: the
demo's handlers (console/demo/moto_extras.py, in the API's shapes) answer them.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static

from console.config import load_config
from console.context import ConsoleContext
from console.demo import slurm as demo_slurm
from console.demo.slurm import SimCluster, demo_nodes
from screens.hyperpod.lifecycle_actions import following, parse_count, parse_group_count
from screens.hyperpod.prompt import ValuePrompt
from screens.hyperpod.tables import ClustersTable, NodesTable
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.tui.conftest import notifications

from .test_hyperpod_view import (
    Clock,
    app_on,
    clock,
    cluster,
    create_cluster,
    open_nodes,
    view,
    wait_until,
)

__all__ = ["clock", "cluster"]  # fixtures, imported to be used here

HANDLERS = ("update_cluster", "update_cluster_software", "batch_delete_cluster_nodes")


@pytest.fixture
def lifecycle_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.sagemaker.responses import SageMakerResponse

    from console.demo import moto_extras

    monkeypatch.setitem(moto_extras._installed, "state", moto_extras.DemoState("http://x"))
    for name in HANDLERS:
        monkeypatch.setattr(SageMakerResponse, name, getattr(moto_extras, name), raising=False)


def targets(sm: Any, cluster: str) -> dict[str, int]:
    groups = sm.describe_cluster(ClusterName=cluster)["InstanceGroups"]
    return {g["InstanceGroupName"]: g["TargetCount"] for g in groups}


def cursor_on(table: NodesTable, pick: Any) -> Any:
    key = next(k for k in table.shown_keys() if pick(table.items[k]))
    table.move_cursor(row=table.get_row_index(key))
    return table.items[key]


async def answer(pilot: Any, text: str) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ValuePrompt), what="prompt")
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")


def test_typed_values_are_checked() -> None:
    assert parse_count(" 4 ") == 4
    assert parse_group_count("workers=2") == ("workers", 2)
    for bad in ("", "many", "-1", "99999"):
        with pytest.raises(Exception, match="count"):
            parse_count(bad)
    with pytest.raises(Exception, match="GROUP COUNT"):
        parse_group_count("workers")
    assert following(["b", "a"], "a") == "b" and following(["a", "b"], "b") == "a"
    assert following([], "a") is None and following(["x"], "") == "x"


async def test_scale_the_highlighted_nodes_group(
    cluster: str, sm: Any, lifecycle_api: None
) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, app)
        cursor_on(table, lambda row: row.slurm is not None)
        await pilot.press("G")
        await answer(pilot, "lots")
        await wait_until(
            pilot, lambda: any("not a whole number" in n for n in notifications(app)), what="bad"
        )
        assert not isinstance(app.screen, ConfirmDialog)
        await pilot.press("G")
        await answer(pilot, "5")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "workers of" in dialog.message and "3 -> 5" in dialog.message
        assert dialog.typed_name is None  # growing kills nothing
        await pilot.press("y")
        await wait_until(pilot, lambda: targets(sm, cluster)["workers"] == 5, what="scaled")
        await wait_until(
            pilot, lambda: any("scaling 3 -> 5" in n for n in notifications(app)), what="told"
        )
    assert [r["outcome"] for r in audit_records() if r["action"] == "hyperpod-scale"] == ["ok"]


async def test_scale_and_update_software_from_the_clusters_pane(
    cluster: str, sm: Any, lifecycle_api: None
) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_nodes(pilot, app)
        await pilot.press("L")
        clusters = app.main_screen.query_one("#hp-clusters-table", ClustersTable)
        await wait_until(pilot, lambda: cluster in clusters.items, what="the cluster")
        clusters.move_cursor(row=clusters.get_row_index(cluster))
        await pilot.press("u")
        software = app.screen
        assert isinstance(software, ConfirmDialog) and software.typed_name == cluster
        software.query_one(Input).value = cluster
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: f"software update of {cluster} started" in notifications(app),
            what="update started",
        )
        await pilot.press("G")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt), what="prompt")
        assert app.screen.query_one(Input).value == "workers 3"  # the compute group offered
        await answer(pilot, "workers 1")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        shrink = app.screen
        assert isinstance(shrink, ConfirmDialog) and shrink.typed_name == "workers"
        shrink.query_one(Input).value = "workers"
        await pilot.press("enter")
        await wait_until(pilot, lambda: targets(sm, cluster)["workers"] == 1, what="shrunk")
    done = [(r["action"], r["outcome"]) for r in audit_records()]
    assert ("hyperpod-scale", "ok") in done and ("hyperpod-update-software", "ok") in done


async def test_delete_refuses_a_busy_node_and_deletes_an_idle_one(
    cluster: str, sm: Any, lifecycle_api: None
) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, app)
        busy = cursor_on(table, lambda row: row.slurm is not None and row.slurm.cpus_allocated)
        await pilot.press("ctrl+d")
        await wait_until(
            pilot, lambda: any("runs Slurm jobs" in n for n in notifications(app)), what="refusal"
        )
        assert not isinstance(app.screen, ConfirmDialog)
        assert busy.instance is not None
        login = cursor_on(table, lambda row: row.instance and row.instance.group == "login")
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.typed_name == login.instance.instance_id
        assert "not in Slurm" in dialog.message
        dialog.query_one(Input).value = login.instance.instance_id
        await pilot.press("enter")

        def gone() -> bool:
            nodes = sm.list_cluster_nodes(ClusterName=cluster)["ClusterNodeSummaries"]
            return login.instance.instance_id not in {n["InstanceId"] for n in nodes}

        await wait_until(pilot, gone, what="deleted")
    outcomes = [r["outcome"] for r in audit_records() if r["action"] == "hyperpod-delete-nodes"]
    assert outcomes == ["ok"]


async def test_read_only_refuses_every_lifecycle_key(cluster: str, lifecycle_api: None) -> None:
    app = app_on(cluster, read_only=True)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, app)
        cursor_on(table, lambda row: row.instance is not None)
        for key in ("G", "ctrl+d"):
            await pilot.press(key)
            assert not isinstance(app.screen, (ConfirmDialog, ValuePrompt))
        await pilot.press("L")
        clusters = app.main_screen.query_one("#hp-clusters-table", ClustersTable)
        await wait_until(pilot, lambda: clusters.total_count >= 1, what="clusters")
        for key in ("G", "u"):
            await pilot.press(key)
            assert not isinstance(app.screen, (ConfirmDialog, ValuePrompt))
    refused = {r["action"] for r in audit_records() if r["outcome"] == "refused"}
    assert {"hyperpod-scale", "hyperpod-delete-nodes", "hyperpod-update-software"} <= refused


async def test_next_cluster_switches_nodes_and_the_simulated_slurm(
    cluster: str, sm: Any, clock: Clock
) -> None:
    other = "zz-" + cluster[:30]
    create_cluster(sm, other, offset=50)
    context = ConsoleContext(load_config())
    compute = [
        n for n in context.hyperpod.list_nodes(other, addresses=True) if n.group == "workers"
    ]
    demo_slurm._CLUSTERS[other] = SimCluster.seeded(demo_nodes(compute), clock)
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, app)
        before = set(table.shown_keys())
        hyperpod = view(app)
        await pilot.press("right_square_bracket")
        await wait_until(
            pilot, lambda: hyperpod.state and hyperpod.state.cluster == other, what="switched"
        )
        assert hyperpod.session.spec.cluster == other  # the demo's Slurm of that cluster
        head = str(app.main_screen.query_one("#hyperpod-head", Static).content)
        assert other in head
        await wait_until(
            pilot,
            lambda: table.total_count == 5 and not set(table.shown_keys()) & before,
            what="the other cluster's nodes",
        )
        assert all(table.items[k].instance.cluster == other for k in table.shown_keys())
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: hyperpod.state.cluster == cluster, what="back again")


async def test_scale_from_the_nodes_pane_offers_the_count_without_the_clusters_pane(
    cluster: str, sm: Any, lifecycle_api: None
) -> None:
    """``G`` on a node straight after start (the clusters pane never opened): the prompt
    offers the group's current target count, read for the occasion."""
    app = app_on(cluster)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_nodes(pilot, app)
        assert view(app).state.clusters == {}  # nothing loaded the instance groups yet
        cursor_on(table, lambda row: row.instance is not None and row.instance.group == "workers")
        await pilot.press("G")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt), what="prompt")
        assert app.screen.query_one(Input).value == "3"
        assert "workers of" in str(app.screen.question)  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert cluster in view(app).state.clusters  # kept for the next G


async def test_next_cluster_empties_and_repolls_the_slurm_panes_and_drops_late_answers(
    cluster: str, sm: Any, clock: Clock
) -> None:
    """After ``]`` the queue, history and partitions panes show nothing of the old
    cluster: emptied at once, polled for the new one, and a poll of the old cluster that
    answers late is dropped."""
    from screens.hyperpod.panes import PartitionsPane, QueuePane
    from screens.hyperpod.tables import PartitionsTable
    from screens.kit.host import console_host
    from screens.kit.messages import Listed

    other = "zz-" + cluster[:30]
    create_cluster(sm, other, offset=50)
    context = ConsoleContext(load_config())
    compute = [
        n for n in context.hyperpod.list_nodes(other, addresses=True) if n.group == "workers"
    ]
    demo_slurm._CLUSTERS[other] = SimCluster.seeded(demo_nodes(compute), clock)
    app = app_on(cluster)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_nodes(pilot, app)
        hyperpod = view(app)
        await pilot.press("j")
        queue = app.main_screen.query_one(QueuePane)
        await wait_until(pilot, lambda: queue.table.total_count >= 1, what="the queue")
        old_session = hyperpod.session
        old_jobs = set(queue.table.items)
        await pilot.press("p")
        partitions = app.main_screen.query_one(PartitionsPane)
        await wait_until(pilot, lambda: partitions.table.total_count >= 1, what="partitions")
        old_partitions = partitions.snapshot
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: hyperpod.state.cluster == other, what="switched")
        assert hyperpod.session is not old_session
        # A poll of the old cluster's Slurm that was in flight answers now: dropped.
        generation = console_host(partitions).generation
        partitions.post_message(Listed("slurm-partitions", generation, old_partitions))
        await pilot.pause()
        assert partitions.snapshot is None or partitions.snapshot.session is hyperpod.session
        await wait_until(
            pilot,
            lambda: (
                partitions.snapshot is not None and partitions.snapshot.session is hyperpod.session
            ),
            what="the new cluster's partitions, polled at once",
        )
        assert isinstance(partitions.table, PartitionsTable)
        await pilot.press("j")  # hidden meanwhile: emptied, and polled as soon as shown
        assert queue.snapshot is None or queue.snapshot.session is hyperpod.session
        await wait_until(
            pilot,
            lambda: queue.snapshot is not None and queue.snapshot.session is hyperpod.session,
            what="the new cluster's queue",
        )
        assert not set(queue.table.items) & old_jobs or all(
            queue.table.items[k] in queue.snapshot.items for k in queue.table.items
        )
