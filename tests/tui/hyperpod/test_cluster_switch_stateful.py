"""Switching clusters (``]``) against polls still in flight, as a Hypothesis state machine.

The real fetch functions of the queue, history and partitions panes run against fake
per-cluster Slurm sessions whose answers name their cluster; the operator may switch
clusters at any time, even in the middle of a fetch (between its sacct calls). Results are
delivered in any order through the real :meth:`HyperPodState.fresh`. The model: a pane
shows only what the cluster chosen now answered, and an answer is dropped exactly when it
came from another cluster's session than the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from screens.hyperpod.panes import (
    HyperPodState,
    fetch_history,
    fetch_partitions,
    fetch_queue,
)

CLUSTERS = ("alpha", "beta", "gamma")
FETCHES: dict[str, Callable[[Any, HyperPodState], Any]] = {
    "queue": fetch_queue,
    "history": fetch_history,
    "partitions": fetch_partitions,
}


@dataclass(frozen=True)
class Item:
    cluster: str
    job_id: str = "1"
    state: str = "COMPLETED"

    @property
    def name(self) -> str:
        return self.cluster


class FakeClient:
    """One cluster's Slurm; ``midway`` runs between the reads of one fetch (a switch)."""

    def __init__(self, cluster: str, machine: SwitchMachine) -> None:
        self.cluster, self.machine = cluster, machine

    def _between(self) -> None:
        if self.machine.midway is not None:
            midway, self.machine.midway = self.machine.midway, None
            midway()

    def queue(self, **_: Any) -> list[Item]:
        self._between()
        return [Item(self.cluster, state="RUNNING")]

    def history(self, **_: Any) -> list[Item]:
        self._between()
        return [Item(self.cluster)]

    def efficiencies(self, jobs: list[Item]) -> dict[str, str]:
        return {j.job_id: self.cluster for j in jobs}

    def partition_summary(self) -> list[Item]:
        self._between()
        return [Item(self.cluster)]


class FakeSession:
    def __init__(self, cluster: str, machine: SwitchMachine) -> None:
        self._client = FakeClient(cluster, machine)
        self.cluster = cluster

    def client(self) -> FakeClient:
        return self._client


class SwitchMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.sessions = {name: FakeSession(name, self) for name in CLUSTERS}
        self.state = HyperPodState(self.sessions["alpha"], "alpha")  # type: ignore[arg-type]
        self.in_flight: list[tuple[str, Any]] = []
        self.shown: dict[str, Any] = {}
        self.midway: Callable[[], None] | None = None

    def _switch(self, cluster: str) -> None:
        """What ``choose_cluster`` does: the new cluster's session, the panes emptied."""
        self.state.cluster, self.state.session = cluster, self.sessions[cluster]  # type: ignore[assignment]
        self.shown.clear()

    @rule(pane=st.sampled_from(sorted(FETCHES)))
    def poll(self, pane: str) -> None:
        self.in_flight.append((pane, FETCHES[pane](None, self.state)))

    @rule(pane=st.sampled_from(sorted(FETCHES)), cluster=st.sampled_from(CLUSTERS))
    def poll_while_switching(self, pane: str, cluster: str) -> None:
        """``]`` pressed while the worker is between its remote calls."""
        before = self.state.cluster
        self.midway = lambda: self._switch(cluster)
        snapshot = FETCHES[pane](None, self.state)
        self.in_flight.append((pane, snapshot))
        assert {i.cluster for i in snapshot.items} == {before}  # one cluster's answer
        assert set(getattr(snapshot, "efficiency", {}).values()) <= {before}

    @rule(cluster=st.sampled_from(CLUSTERS))
    def switch(self, cluster: str) -> None:
        self._switch(cluster)

    @precondition(lambda self: bool(self.in_flight))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.in_flight) - 1))
        pane, snapshot = self.in_flight.pop(index)
        origin = {i.cluster for i in snapshot.items}.pop()
        accepted = self.state.fresh(snapshot)
        assert accepted == (origin == self.state.cluster)
        if accepted:
            self.shown[pane] = snapshot

    @invariant()
    def only_the_chosen_cluster_is_shown(self) -> None:
        for snapshot in self.shown.values():
            assert {i.cluster for i in snapshot.items} == {self.state.cluster}
            assert set(getattr(snapshot, "efficiency", {}).values()) <= {self.state.cluster}


SwitchMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestClusterSwitching = SwitchMachine.TestCase
