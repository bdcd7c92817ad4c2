"""Scaling and node deletion against a model: a group's target and its live nodes.

The model is one number per group (its target). Scaling sets it; deleting a live node
lowers it by one; after each step DescribeCluster's TargetCount and the live (not
ShuttingDown) nodes of ListClusterNodes must both equal it. Runs the console's
ClusterLifecycle over HTTP against moto with the demo's UpdateCluster /
BatchDeleteClusterNodes handlers, so it checks those handlers too.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from console.errors import ValidationError
from console.services.hyperpod_lifecycle import ClusterLifecycle
from tests.support.helpers import context
from tests.support.stateful import STATEFUL

ROLE = "arn:aws:iam::123456789012:role/hyperpod-exec"
GROUPS = ("controller", "workers")
_names = itertools.count()


def _live(lifecycle: ClusterLifecycle, cluster: str) -> dict[str, list[str]]:
    live: dict[str, list[str]] = {g: [] for g in GROUPS}
    for node in lifecycle.hyperpod.list_nodes(cluster):
        if node.status != "ShuttingDown":
            live[node.group].append(node.instance_id)
    return live


def machine(aws: Any) -> type[RuleBasedStateMachine]:
    class LifecycleMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.cluster = f"hp-s{next(_names)}"
            aws.client("sagemaker").create_cluster(
                ClusterName=self.cluster,
                InstanceGroups=[
                    {
                        "InstanceGroupName": group,
                        "InstanceType": "ml.g5.xlarge",
                        "InstanceCount": 1,
                        "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/x", "OnCreate": "o"},
                        "ExecutionRole": ROLE,
                        "ThreadsPerCore": 1,
                    }
                    for group in GROUPS
                ],
            )
            self.lifecycle = ClusterLifecycle(context().hyperpod)
            self.model = {g: 1 for g in GROUPS}

        @rule(group=st.sampled_from(GROUPS), count=st.integers(0, 4))
        def scale(self, group: str, count: int) -> None:
            if count == self.model[group]:
                with pytest.raises(ValidationError, match="already"):
                    self.lifecycle.scale(self.cluster, group, count)
                return
            self.lifecycle.scale(self.cluster, group, count)
            self.model[group] = count

        @rule(group=st.sampled_from(GROUPS), pick=st.integers(0, 3))
        def delete(self, group: str, pick: int) -> None:
            live = _live(self.lifecycle, self.cluster)[group]
            if not live:
                return
            node = live[pick % len(live)]
            result = self.lifecycle.delete_nodes(self.cluster, [node], None, force=True)
            assert result.successful == (node,) and result.failed == ()
            self.model[group] -= 1

        @invariant()
        def matches_the_model(self) -> None:
            sm = aws.client("sagemaker")
            groups = sm.describe_cluster(ClusterName=self.cluster)["InstanceGroups"]
            assert {g["InstanceGroupName"]: g["TargetCount"] for g in groups} == self.model
            live = _live(self.lifecycle, self.cluster)
            assert {g: len(ids) for g, ids in live.items()} == self.model

    return LifecycleMachine


def test_scale_and_delete_keep_target_and_live_nodes_equal(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.sagemaker.responses import SageMakerResponse

    from console.demo import moto_extras

    monkeypatch.setitem(moto_extras._installed, "state", moto_extras.DemoState("http://x"))
    for name in ("update_cluster", "batch_delete_cluster_nodes"):
        monkeypatch.setattr(SageMakerResponse, name, getattr(moto_extras, name), raising=False)
    small = STATEFUL.__class__(STATEFUL, max_examples=5, stateful_step_count=8)
    run_state_machine_as_test(machine(aws), settings=small)
