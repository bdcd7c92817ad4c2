"""The demo's simulated Slurm: the real client and parsers read it, and it moves with a
clock the tests turn by hand (no sleeps)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.demo.slurm import (
    DEMO_LABEL,
    DemoNode,
    DemoSlurmTransport,
    SimCluster,
    demo_nodes,
    fallback_nodes,
)
from console.errors import ConflictError
from console.remote.errors import RemoteCommandError
from console.services.hyperpod import ClusterNode
from console.slurm.client import SlurmClient
from console.slurm.join import join_nodes
from console.slurm.records import SlurmJob
from console.slurm.tail import LogFollower

T0 = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slurm(clock: Clock) -> SlurmClient:
    nodes = [*fallback_nodes(3), DemoNode("ip-127-31-1-13", "127.31.1.13", False, "Xid 79")]
    transport = DemoSlurmTransport(SimCluster.seeded(nodes, clock), sleep=lambda _: None)
    return SlurmClient(transport, hyperpod=True)


def names(jobs: list[SlurmJob]) -> dict[str, str]:
    return {j.name: j.display_state for j in jobs}


def test_labelled_as_simulated(slurm: SlurmClient) -> None:
    info = slurm.connection_info()
    assert DEMO_LABEL in info.destination and "simulated" in info.slurm_version
    assert "no connection" in info.equivalent_command


def test_queue_nodes_and_history_in_real_formats(slurm: SlurmClient) -> None:
    everyone = names(slurm.queue(all_users=True))
    assert everyone == {
        "llama3-70b-pretrain": "RUNNING",
        "eval-mmlu": "RUNNING",
        "mistral-7b-dpo": "PENDING",
        "tokenize-pile": "RUNNING",
        "sweep-lr": "RUNNING",  # an array: its running task (the pending range is a row too)
    }
    assert set(names(slurm.queue())) == {"llama3-70b-pretrain", "eval-mmlu", "sweep-lr"}
    nodes = {n.name: n for n in slurm.nodes()}
    assert nodes["ip-127-31-1-10"].display_state == "ALLOCATED"
    assert nodes["ip-127-31-1-13"].display_state == "DOWN+DRAIN"
    assert nodes["ip-127-31-1-13"].reason == "Xid 79"
    assert nodes["ip-127-31-1-10"].partitions == ("gpu", "dev")
    assert {p.name: p.gpus_per_node for p in slurm.partitions()} == {"gpu": 8, "dev": 8}
    history = slurm.history(all_users=True)
    assert {"COMPLETED", "FAILED", "RUNNING"} <= {j.state for j in history}


def test_an_array_shows_as_its_tasks_and_is_acted_on_by_task_or_whole(
    slurm: SlurmClient,
) -> None:
    """squeue prints ``A_1`` and ``A_[2-3%1]`` (issue 19): so does the simulated Slurm."""
    rows = {j.job_id: j for j in slurm.queue(all_users=True) if j.name == "sweep-lr"}
    array = next(iter(rows.values())).array_job_id
    assert array and set(rows) == {f"{array}_1", f"{array}_[2-3%1]"}
    task, pending = rows[f"{array}_1"], rows[f"{array}_[2-3%1]"]
    assert task.state == "RUNNING" and task.array_task == "1" and not task.is_task_range
    assert pending.is_task_range and pending.reason == "JobArrayTaskLimit"
    assert slurm.job(f"{array}_1").state == "RUNNING"  # squeue -j A_1
    assert {j.job_id for j in slurm.job_rows(array)} == set(rows)  # squeue -j A: every row
    assert f"{array}_1" in {j.job_id for j in slurm.history()}  # sacct prints the task id
    slurm.cancel(f"{array}_1")  # one task
    states = {j.job_id: j.state for j in slurm.queue(all_users=True, include_finished=True)}
    assert states[f"{array}_1"] == "CANCELLED" and states[f"{array}_[2-3%1]"] == "PENDING"
    slurm.cancel(array)  # the whole array
    states = {j.job_id: j.state for j in slurm.queue(all_users=True, include_finished=True)}
    assert states[f"{array}_[2-3%1]"] == "CANCELLED"


def test_jobs_progress_with_the_clock(slurm: SlurmClient, clock: Clock) -> None:
    clock.advance(100)  # eval-mmlu ends, the DPO run takes its node
    states = names(slurm.queue(all_users=True, include_finished=True))
    assert states["eval-mmlu"] == "COMPLETED" and states["mistral-7b-dpo"] == "RUNNING"
    clock.advance(400)  # finished jobs leave squeue after MinJobAge
    assert "eval-mmlu" not in names(slurm.queue(all_users=True, include_finished=True))


def test_submit_tail_follow_cancel(slurm: SlurmClient, clock: Clock) -> None:
    script = "#!/bin/bash\n#SBATCH --gres=gpu:8\n#SBATCH --output=logs/%x-%j.out\nsrun train\n"
    result = slurm.submit(script, name="demo run; $(x)")
    job = slurm.job(result.job_id)
    assert job.state == "PENDING" and job.name == "demo run; $(x)"
    assert job.stdout == f"/home/demo/logs/demo run; $(x)-{result.job_id}.out"
    with pytest.raises(ConflictError, match="running jobs"):
        slurm.gpus(result.job_id)
    clock.advance(10)
    assert slurm.job(result.job_id).state == "RUNNING"
    assert slurm.tail(result.job_id, lines=1)[0].startswith("step ")
    with LogFollower(slurm.transport, slurm.output_path(result.job_id), lines=1) as follower:
        first = follower.poll(0.1)
        clock.advance(4)
        later = follower.poll(0.1)
    assert len(first) == 1 and len(later) == 2 and first != later
    slurm.cancel(result.job_id)
    assert slurm.job(result.job_id).state == "CANCELLED"
    assert "CANCELLED AT" in slurm.tail(result.job_id, lines=1)[0]
    with pytest.raises(ConflictError, match="already ended"):
        slurm.cancel(result.job_id)


def test_a_refused_submission_shows_slurms_error(slurm: SlurmClient) -> None:
    with pytest.raises(RemoteCommandError, match="Invalid partition name specified"):
        slurm.submit("#!/bin/bash\n#SBATCH --partition=nope\nsrun x\n", name="bad")
    codes = [i.code for i in slurm.lint("#!/bin/bash\n#SBATCH --partition=nope\n")]
    assert "unknown-partition" in codes


def test_gpus_of_a_job_show_a_straggler_and_a_node_shows_an_xid(slurm: SlurmClient) -> None:
    pretrain = next(j for j in slurm.queue() if j.name == "llama3-70b-pretrain")
    report = slurm.gpus(pretrain.job_id)
    assert [n.node for n in report.nodes] == ["ip-127-31-1-10", "ip-127-31-1-11"]
    assert len(report.gpus) == 16
    flagged = [(g.node, g.index, g.flags) for g in report.gpus if g.flags]
    assert flagged == [("ip-127-31-1-11", 5, ("straggler",))]
    broken = slurm.gpus("ip-127-31-1-13")
    assert [x.code for x in broken.xids] == [79]
    eval_job = next(j for j in slurm.queue() if j.name == "eval-mmlu")
    held = slurm.gpus(eval_job.job_id).gpus
    # The job holds 4 of its node's 8 GPUs: only those are shown, so none is "idle".
    assert len(held) == 4 and not any("idle" in g.flags for g in held)
    [(node, indexes)] = slurm.job_gpu_indexes(eval_job.job_id).items()
    assert [g.index for g in held] == list(indexes) and {g.node for g in held} == {node}


def test_nodes_come_from_the_hyperpod_compute_instances() -> None:
    def node(i: int, status: str = "Running", message: str = "") -> ClusterNode:
        return ClusterNode(
            "c", f"i-{i}", "gpu-workers", "ml.p5.48xlarge", status, message, None,
            f"ip-127-31-1-{i}.ec2.internal", f"127.31.1.{i}",
        )  # fmt: skip

    instances = [node(10), node(11, "Failure", "GPU 5 reported Xid 79")]
    nodes = demo_nodes(instances)
    assert [(n.name, n.healthy) for n in nodes] == [
        ("ip-127-31-1-10", True),
        ("ip-127-31-1-11", False),
    ]
    slurm = SlurmClient(DemoSlurmTransport(SimCluster.seeded(nodes)))
    rows = join_nodes(slurm.nodes(), instances)
    assert [(r.name, r.instance.instance_id if r.instance else None) for r in rows] == [
        ("ip-127-31-1-10", "i-10"),
        ("ip-127-31-1-11", "i-11"),
    ]
    assert rows[1].slurm is not None and rows[1].slurm.state == "DOWN"


def test_unknown_programs_say_so(slurm: SlurmClient) -> None:
    result = slurm.transport.run(["rm-rf-everything"])
    assert result.rc == 127 and "simulated cluster" in result.stderr


def test_one_demo_one_cluster_across_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command pointed at one demo sees the same simulated cluster: a job
    submitted by one command is in the next one's queue, a cancel sticks, a real second
    process (the CLI in another shell) sees both; the next demo starts afresh."""
    from console.demo import slurm as demo_slurm

    monkeypatch.setenv(demo_slurm.STATE_ENV, str(tmp_path))
    monkeypatch.setattr(demo_slurm, "_CLUSTERS", {})

    def command() -> SlurmClient:
        """A new command: a process with nothing in memory (the state is on disk)."""
        demo_slurm.forget_clusters()
        return SlurmClient(demo_slurm.open_demo_transport(None, "hp-demo"), hyperpod=True)

    first = command()
    seeded = {j.job_id for j in first.queue(all_users=True)}
    submitted = first.submit(
        "#!/bin/bash\n#SBATCH --job-name=from-shell-1\n#SBATCH --output=o-%j.out\nsrun x\n",
        name="one.sbatch",
    ).job_id
    assert submitted not in seeded
    assert (tmp_path / "slurm-hp-demo.json").exists()
    second = command()
    queued = {j.job_id: j for j in second.queue(all_users=True)}
    assert queued[submitted].name == "from-shell-1" and seeded < set(queued)
    second.cancel(submitted)
    done = command().queue(include_finished=True)
    assert {j.job_id: j.state for j in done}[submitted] == "CANCELLED"

    env = {**os.environ, "SMCONSOLE_SSH_TRANSPORT": "demo", "SMCONSOLE_SSH_CLUSTER": "hp-demo"}
    env.pop("AWS_ENDPOINT_URL", None)
    other = subprocess.run(
        [sys.executable, "-m", "console.cli.main", "slurm-queue", "--finished", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert other.returncode == 0, other.stderr
    states = {j["job_id"]: j["state"] for j in json.loads(other.stdout)}
    assert states[submitted] == "CANCELLED"

    monkeypatch.setenv(demo_slurm.STATE_ENV, str(tmp_path / "next-demo"))
    (tmp_path / "next-demo").mkdir()
    assert submitted not in {j.job_id for j in command().queue(all_users=True)}
