"""Snapshots of the HyperPod tab's nodes pane and Slurm queue at 80x24 and 160x50.

The real app on the moto server and the demo's simulated Slurm, like the other HyperPod
view tests, with everything that moves pinned: the simulated cluster's clock (job times,
GPU use), the panes' "updated" time and the time zone. Update with
``pytest tests/tui/test_hyperpod_snapshots.py --snapshot-update`` after a deliberate
change, and look at the pictures before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from console.demo import slurm as demo_slurm
from console.demo.slurm import SimCluster
from screens.hyperpod_panes import HyperPodState

from .test_hyperpod_view import FROZEN, Clock, app_on, clock, cluster, open_nodes, open_queue

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
