# ruff: noqa: F811 - the e2e fixtures are imported and then named as parameters
"""Job detail, efficiency, job control and cluster views on the real test Slurm (22.05)
over SSH: a held job is released, a finished job's detail and efficiency come from
accounting, and a node change without Slurm admin rights fails in one clear line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from console.remote.errors import RemoteCommandError
from console.slurm.client import SlurmClient
from tests.core.slurm.test_slurm_e2e import (  # noqa: F401 - the e2e fixtures, shared
    JOB_WAIT,
    WAIT_FOR_GO,
    client,
    finished,
    script,
    ssh_args,
    wait_for,
    workdir,
)
from tests.support.helpers import audit_records
from tests.system.support import System


def test_a_held_job_is_released_and_its_detail_read(
    client: SlurmClient, system: System, workdir: str, cleanup: list[str], run_cli: Any
) -> None:
    result = client.submit(
        script(["echo held then ran"], extra="#SBATCH --hold\n"), name="held", workdir=workdir
    )
    cleanup.append(result.job_id)
    job_id = result.job_id
    other = client.submit(
        script(["true"], extra="#SBATCH --hold\n#SBATCH --begin=now+1hour\n"),
        name="held too, then waits for its begin time",
        workdir=workdir,
    ).job_id
    cleanup.append(other)
    assert client.job(job_id).reason.startswith("JobHeld")
    found = client.job_detail(job_id, script=True)
    assert (found.source, found.state, found.partition, found.qos) == (
        "squeue",
        "PENDING",
        "debug",
        "normal",
    )
    assert found.script is not None and "echo held then ran" in found.script
    assert found.script_source == "slurm" and found.time_limit_minutes == 5
    shown = run_cli("slurm-job", job_id, "--json", *ssh_args(system))
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["reason"].startswith("JobHeld")
    limit = run_cli("slurm-time-limit", job_id, "4", "--yes", *ssh_args(system))
    assert limit.exit_code == 0, limit.stderr
    assert client.job(job_id).time_limit_minutes == 4
    released = run_cli("slurm-release", job_id, other, "--yes", *ssh_args(system))
    assert released.exit_code == 0, released.stderr
    assert released.stdout.splitlines() == [f"released job {job_id}", f"released job {other}"]
    # one of two that cannot be held: the other is, and the command says which failed
    again = run_cli("slurm-hold", other, "99999999", "--yes", *ssh_args(system))
    assert again.exit_code != 0
    assert "job 99999999: job 99999999 is not known to Slurm" in again.stderr
    assert "error: slurm-hold: 1 of 2 job(s) failed (99999999)" in again.stderr
    assert again.stdout.splitlines() == [f"held job {other}"]
    assert client.job(other).reason.startswith("JobHeld")
    cancelled = run_cli("slurm-cancel", other, "--yes", *ssh_args(system))
    assert cancelled.exit_code == 0, cancelled.stderr
    done = client.wait_until(job_id, finished, timeout=JOB_WAIT)
    assert done.state == "COMPLETED"
    actions = [
        (r["action"], r["outcome"])
        for r in audit_records()
        if r["action"] in {"slurm-time-limit", "slurm-release"}
    ]
    assert actions == [
        ("slurm-time-limit", "ok"),
        ("slurm-release", "ok"),
        ("slurm-release", "ok"),
    ]

    def accounted() -> Any:
        steps = client.job_steps(job_id)
        return steps if any(s.step == "batch" for s in steps) else None

    wait_for(accounted)
    eff = client.efficiency(job_id)
    assert (eff.job_id, eff.state, eff.running, eff.alloc_cpus) == (job_id, "COMPLETED", False, 1)
    assert not eff.wasteful  # too short to judge
    out = run_cli("slurm-eff", job_id, *ssh_args(system))
    assert out.exit_code == 0, out.stderr
    assert "CPU efficiency" in out.stdout and "Verdict" in out.stdout

    def listed() -> Any:  # sacct -X may list the job a moment after its steps
        history = run_cli("slurm-history", "--efficiency", "--json", *ssh_args(system))
        assert history.exit_code == 0, history.stderr
        return {r["job_id"]: r for r in json.loads(history.stdout)}.get(job_id)

    assert wait_for(listed, timeout=30)["efficiency"]["alloc_cpus"] == 1


def test_holding_a_running_job_is_refused_in_one_line(
    client: SlurmClient, system: System, workdir: str, cleanup: list[str], run_cli: Any
) -> None:
    result = client.submit(script([WAIT_FOR_GO]), name="running", workdir=workdir)
    cleanup.append(result.job_id)
    wait_for(lambda: client.job(result.job_id).state == "RUNNING")
    held = run_cli("slurm-hold", result.job_id, "--yes", *ssh_args(system))
    assert held.exit_code != 0
    assert held.stderr.startswith("error: ") and "Traceback" not in held.stderr
    signalled = run_cli("slurm-signal", result.job_id, "TERM", "--yes", *ssh_args(system))
    assert signalled.exit_code == 0, signalled.stderr
    assert client.wait_until(result.job_id, finished, timeout=JOB_WAIT).state in {
        "CANCELLED",
        "FAILED",
    }
    bad = run_cli("slurm-signal", result.job_id, "SEGV", "--yes", *ssh_args(system))
    assert bad.exit_code != 0 and "not a signal the console sends" in bad.stderr


def test_partitions_and_a_node(client: SlurmClient, system: System, run_cli: Any) -> None:
    summary = {p.name: p for p in client.partition_summary()}
    assert set(summary) >= {"debug", "gpu"}
    assert summary["debug"].default and summary["debug"].nodes_total == 1
    assert summary["gpu"].gpus_total == 4 and summary["gpu"].max_time_minutes == 60
    node = client.node_detail("localhost")
    assert (node.name, node.cpus_total, node.gpus_total) == ("localhost", 2, 4)
    assert node.partitions == ("debug", "gpu")
    shown = run_cli("slurm-partitions", *ssh_args(system))
    assert shown.exit_code == 0 and "debug*" in shown.stdout
    missing = run_cli("slurm-node", "nosuchnode", *ssh_args(system))
    assert missing.exit_code != 0 and "nosuchnode" in missing.stderr


def test_drain_without_admin_rights_is_one_clear_line(
    client: SlurmClient, system: System, run_cli: Any
) -> None:
    """The test user is no Slurm admin (nothing here grants it: draining the only node
    would stall every other test's jobs); the refusal names what is needed."""
    with pytest.raises(RemoteCommandError) as caught:
        client.drain("localhost", "e2e: must be refused")
    assert "adminlevel" in (caught.value.hint or "").lower()
    out = run_cli("slurm-drain", "localhost", "--reason", "e2e", "--yes", *ssh_args(system))
    assert out.exit_code != 0 and "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert lines[0].startswith("error: scontrol refused drain of node localhost")
    assert lines[1].startswith("hint: ") and len(lines) == 2
    assert client.node_detail("localhost").flags == ()  # nothing changed
    outcomes = [r["outcome"] for r in audit_records() if r["action"] == "slurm-drain"]
    assert outcomes and set(outcomes) <= {"error"}


def test_requeue_counts_and_an_array_task_in_detail(
    client: SlurmClient, system: System, workdir: str, cleanup: list[str], run_cli: Any
) -> None:
    result = client.submit(
        script([WAIT_FOR_GO, "echo task $SLURM_ARRAY_TASK_ID"], extra="#SBATCH --array=1-2%1\n"),
        name="requeued array",
        workdir=workdir,
    )
    array = result.job_id
    cleanup.append(array)
    task = f"{array}_1"
    wait_for(lambda: client.job(task).state == "RUNNING")
    running = client.job_detail(task, script=True)
    assert (running.job_id, running.state, running.source) == (task, "RUNNING", "squeue")
    assert running.script is not None and "echo task $SLURM_ARRAY_TASK_ID" in running.script
    assert running.requeue is True and running.restarts == 0
    live = wait_for(lambda: client.job_steps(task) and client.efficiency(task))  # dbd lag
    assert live.running and live.alloc_cpus == 1
    requeued = run_cli("slurm-requeue", task, "--yes", *ssh_args(system))
    assert requeued.exit_code == 0, requeued.stderr

    def counted() -> Any:
        found = client.job_detail(task)
        return found if found.restarts == 1 else None

    again = wait_for(counted)
    assert again.state.startswith(("PENDING", "REQUEUED", "RUNNING", "CONFIGURING"))
    shown = run_cli("slurm-job", task, *ssh_args(system))
    assert shown.exit_code == 0, shown.stderr
    assert "requeued 1 time(s)" in shown.stdout
    cancelled = run_cli("slurm-cancel", array, "--yes", *ssh_args(system))
    assert cancelled.exit_code == 0, cancelled.stderr
