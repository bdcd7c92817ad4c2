"""Snapshots of the HyperPod tab's nodes pane, Slurm queue and Events at 80x24 and 160x50.

The real app on the moto server and the demo's simulated Slurm, like the other HyperPod
view tests, with everything that moves pinned: the simulated cluster's clock (job times,
GPU use), the panes' "updated" time and the time zone. Update with
``pytest tests/tui/hyperpod/test_hyperpod_snapshots.py --snapshot-update`` after a deliberate
change, and look at the pictures before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from console.demo import slurm as demo_slurm
from console.demo.slurm import SimCluster
from screens.hyperpod.events import EventsTable
from screens.hyperpod.panes import HyperPodState
from tests.tui.conftest import ACCOUNT, REGION

from .test_hyperpod_view import (
    FROZEN,
    Clock,
    app_on,
    clock,
    cluster,
    open_nodes,
    open_queue,
    wait_until,
)

__all__ = ["clock", "cluster"]  # fixtures, imported to be used here


@pytest.fixture
def frozen(cluster: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test cluster's simulated Slurm on a fixed clock, UTC, a fixed "updated" time.

    squeue has no elapsed time for a running job: the parser counts it from the start to
    now, so the parser's "now" is pinned too (our own code, given the frozen clock).
    """
    from console.slurm import parse

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    clock.now = FROZEN
    nodes = demo_slurm._CLUSTERS[cluster].nodes
    demo_slurm._CLUSTERS[cluster] = SimCluster.seeded(nodes, clock)
    stamp = datetime.fromtimestamp(FROZEN, UTC)
    monkeypatch.setattr(HyperPodState, "now", staticmethod(lambda: stamp))
    monkeypatch.setattr(parse, "parse_squeue_json", partial(parse.parse_squeue_json, now=stamp))
    yield cluster
    monkeypatch.delenv("TZ")
    time.tzset()


async def show_nodes(pilot: Any) -> None:
    await open_nodes(pilot, pilot.app)
    await pilot.pause(0.2)


async def show_queue(pilot: Any) -> None:
    await open_nodes(pilot, pilot.app)
    await open_queue(pilot, pilot.app)  # one poll brings every job at once
    await pilot.pause(0.2)


# One function per size: the test cluster is named after the test (no brackets allowed).
def test_nodes_snapshot_small(frozen: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(frozen), terminal_size=(80, 24), run_before=show_nodes)


def test_nodes_snapshot_large(frozen: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(frozen), terminal_size=(160, 50), run_before=show_nodes)


def test_queue_snapshot_small(frozen: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(frozen), terminal_size=(80, 24), run_before=show_queue)


def test_queue_snapshot_large(frozen: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(frozen), terminal_size=(160, 50), run_before=show_queue)


@pytest.fixture
def with_events(frozen: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fixed events on the test cluster, served by the demo's handlers on moto."""
    from moto.sagemaker.models import sagemaker_backends
    from moto.sagemaker.responses import SageMakerResponse

    from console.demo import moto_extras

    for name in ("list_cluster_events", "describe_cluster_event"):
        monkeypatch.setattr(SageMakerResponse, name, getattr(moto_extras, name), raising=False)
    cluster = sagemaker_backends[ACCOUNT][REGION].clusters[frozen]
    start = datetime.fromtimestamp(FROZEN, UTC).replace(tzinfo=None) - timedelta(days=2)
    add = moto_extras.add_cluster_event
    add(
        cluster,
        "Cluster creation started",
        at=start,
        event_id="00000000-0000-4000-8000-000000000000",
    )
    for index, node in enumerate(cluster.nodes.values(), start=1):
        add(
            cluster,
            "Lifecycle scripts completed (on_create.sh, 312s)",
            resource_type="Instance",
            group=node.instance_group_name,
            instance_id=node.instance_id,
            at=start + timedelta(minutes=index * 7),
            event_id=f"{index:08x}-0000-4000-8000-000000000000",
        )
    add(
        cluster,
        "Slurm accounting daemon unhealthy: slurmdbd cannot reach its database",
        level="Warn",
        at=start + timedelta(days=1),
        event_id="0000000a-0000-4000-8000-000000000000",
    )
    last = next(reversed(cluster.nodes.values()))
    add(
        cluster,
        "Instance failed deep health checks: GPU 5 reported Xid 79 (GPU has fallen off the bus)",
        resource_type="Instance",
        level="Error",
        group=last.instance_group_name,
        instance_id=last.instance_id,
        at=start + timedelta(days=1, hours=20),
        event_id="0000000b-0000-4000-8000-000000000000",
    )
    return frozen


async def show_events(pilot: Any) -> None:
    await open_nodes(pilot, pilot.app)
    await pilot.press("e")
    table = pilot.app.main_screen.query_one("#hp-events-table", EventsTable)
    await wait_until(pilot, lambda: table.total_count == 8, what="the events")
    await pilot.pause(0.2)


def test_events_snapshot_small(with_events: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(with_events), terminal_size=(80, 24), run_before=show_events)


def test_events_snapshot_large(with_events: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(with_events), terminal_size=(160, 50), run_before=show_events)


async def show_marked_queue(pilot: Any) -> None:
    """Two jobs marked (space): the mark on their ids, the count in the info line."""
    await open_nodes(pilot, pilot.app)
    queue = await open_queue(pilot, pilot.app)
    queue.move_cursor(row=0)
    await pilot.press("space", "space")
    await pilot.pause(0.2)


def test_queue_marked_snapshot_small(frozen: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(frozen), terminal_size=(80, 24), run_before=show_marked_queue)


async def show_job_detail(pilot: Any) -> None:
    """``enter`` on the running job: its detail, state and reason at the top."""
    from screens.hyperpod.detail import SlurmJobDetailScreen

    await open_nodes(pilot, pilot.app)
    queue = await open_queue(pilot, pilot.app)
    running = next(k for k in queue.shown_keys() if queue.items[k].name == "eval-mmlu")
    queue.move_cursor(row=queue.get_row_index(running))
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: isinstance(pilot.app.screen, SlurmJobDetailScreen) and pilot.app.screen.detail,
        what="the job's detail",
    )
    await pilot.pause(0.2)


def test_job_detail_snapshot_small(frozen: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(frozen), terminal_size=(80, 24), run_before=show_job_detail)


async def show_partitions(pilot: Any) -> None:
    from screens.hyperpod.tables import PartitionsTable

    await open_nodes(pilot, pilot.app)
    await pilot.press("p")
    table = pilot.app.main_screen.query_one("#hp-partitions-table", PartitionsTable)
    await wait_until(pilot, lambda: table.total_count >= 1, what="the partitions")
    await pilot.pause(0.2)


def test_partitions_snapshot_small(frozen: str, snap_compare: Any) -> None:
    assert snap_compare(app_on(frozen), terminal_size=(80, 24), run_before=show_partitions)
