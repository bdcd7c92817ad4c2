# ruff: noqa: F811 - the e2e fixtures are imported and then named as parameters
"""Jobs on the real test Slurm as an operator sees them: output paths nobody can spoof,
output patterns expanded as slurmstepd writes them, array jobs shown as tasks and a pending
range and cancelled one task or whole, and why a job waits or failed wherever it is shown.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from console.errors import NotFoundError
from console.slurm.client import SlurmClient
from tests.core.slurm.test_slurm_e2e import (  # noqa: F401 - the e2e fixtures, shared
    JOB_WAIT,
    client,
    finished,
    script,
    ssh_args,
    wait_for,
    workdir,
)
from tests.support.helpers import assert_one_error, audit_records
from tests.system.support import System

WAIT_FOR_STOP = "for _ in $(seq 600); do [ -e stop ] && break; sleep 0.1; done"


def sbatch_as_user(system: System, *args: str, cwd: str) -> str:
    """Submit with sbatch as the test user, bypassing the console (what another tool or
    a colleague does); returns the job id."""
    done = subprocess.run(
        ["runuser", "-u", system.user, "--", "sbatch", "--parsable", *args],
        cwd=cwd,
        env={**os.environ, "SLURM_CONF": system.slurm_conf},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().split(";")[0]


# --- output paths -------------------------------------------------------------------------


def test_a_hostile_mail_user_and_name_cannot_redirect_the_log(
    client: SlurmClient, system: System, workdir: str, cleanup: list[str], run_cli: Any
) -> None:
    keys = f"{system.home}/.ssh/authorized_keys"
    assert Path(keys).exists()  # what the spoof points at
    extra = f'#SBATCH --mail-type=END\n#SBATCH --mail-user="m StdOut={keys}"\n'
    result = client.submit(
        script(["echo the real output"], extra=extra),
        name="spoof",
        job_name=f"x StdOut={keys} StdErr={keys}",
        workdir=workdir,
    )
    cleanup.append(result.job_id)
    job = client.wait_until(result.job_id, finished, timeout=JOB_WAIT)
    assert (job.stdout, job.stderr) == (f"{workdir}/{result.job_id}.log",) * 2
    assert client.tail(result.job_id) == ["the real output"]
    tail = run_cli("slurm-tail", result.job_id, *ssh_args(system))
    assert tail.exit_code == 0, tail.stderr
    assert tail.stdout.splitlines() == ["the real output"]
    assert "ssh-" not in tail.stdout


def test_output_patterns_are_expanded_as_slurm_writes_them(
    client: SlurmClient, workdir: str, cleanup: list[str]
) -> None:
    output = "o-%A-%a-%j-%J-%u-%x-%n-%t-%s-%%-%5j.log"
    result = client.submit(
        script(["echo patterned"], output=output), name="pat", job_name="pat", workdir=workdir
    )
    cleanup.append(result.job_id)
    job = client.wait_until(result.job_id, finished, timeout=JOB_WAIT)
    jid = result.job_id
    expected = f"{workdir}/o-{jid}-4294967294-{jid}-{jid}-smtest-pat-0-0-batch-%-{jid:0>5}.log"
    assert job.stdout == expected
    assert Path(expected).read_text() == "patterned\n"  # the very file slurmstepd wrote
    assert client.tail(jid) == ["patterned"]


# --- arrays -------------------------------------------------------------------------------


def test_an_array_is_its_tasks_and_its_pending_range(
    client: SlurmClient, system: System, workdir: str, cleanup: list[str], run_cli: Any
) -> None:
    result = client.submit(
        script([WAIT_FOR_STOP], output="%A_%a.log", extra="#SBATCH --array=1-3%1\n"),
        name="array",
        workdir=workdir,
    )
    array = result.job_id
    cleanup.append(array)

    def shown() -> Any:
        rows = {j.job_id: j for j in client.queue() if j.array_job_id == array}
        if f"{array}_1" in rows and rows[f"{array}_1"].state == "RUNNING":
            return rows
        return None

    rows = wait_for(shown)
    pending = rows[f"{array}_[2-3%1]"]
    assert (pending.state, pending.array_task, pending.reason) == (
        "PENDING",
        "2-3%1",
        "JobArrayTaskLimit",
    )
    task = client.job(f"{array}_1")
    assert (task.array_job_id, task.array_task) == (array, "1")
    assert task.stdout == f"{workdir}/{array}_1.log"
    assert client.job(f"{array}_2").job_id == f"{array}_2"  # one pending task by its id
    queue = run_cli("slurm-queue", *ssh_args(system))
    assert f"{array}_[2-3%1]" in queue.stdout and f"{array}_1 " in queue.stdout

    one = run_cli("slurm-cancel", f"{array}_1", "--yes", *ssh_args(system))
    assert one.exit_code == 0, one.stderr
    assert "whole array" not in one.stdout
    wait_for(lambda: client.job(f"{array}_1").state == "CANCELLED")
    assert any(j.active for j in client.job_rows(array))  # tasks 2 and 3 live on

    whole = run_cli("slurm-cancel", array, "--yes", *ssh_args(system))
    assert whole.exit_code == 0, whole.stderr
    assert f"cancelled job {array} (the whole array)" in whole.stdout
    assert "was " not in whole.stdout  # one task's state said "was PENDING" of running tasks
    wait_for(lambda: not any(j.active for j in client.job_rows(array)))
    cancels = [r for r in audit_records() if r["action"] == "slurm-cancel"]
    assert [(r["target"].rsplit(":", 1)[-1], r["outcome"]) for r in cancels] == [
        (f"{array}_1", "ok"),
        (array, "ok"),
    ]


# --- why a job waits or failed ------------------------------------------------------------


def test_a_job_that_failed_at_launch_says_why_everywhere(
    client: SlurmClient, system: System, workdir: str, cleanup: list[str], run_cli: Any
) -> None:
    job_id = sbatch_as_user(
        system, "-o", f"{workdir}/no-such-dir/%j.log", "--wrap", "echo never", cwd=workdir
    )
    cleanup.append(job_id)
    job = client.wait_until(job_id, finished, timeout=JOB_WAIT)
    assert (job.state, job.reason) == ("FAILED", "JobLaunchFailure")
    with pytest.raises(NotFoundError) as caught:
        client.tail(job_id)
    assert "it is FAILED (JobLaunchFailure)" in caught.value.message
    assert "directory" in (caught.value.hint or "")
    tail = run_cli("slurm-tail", job_id, *ssh_args(system))
    assert_one_error(tail, 5, "FAILED (JobLaunchFailure)")
    queue = run_cli("slurm-queue", "--finished", *ssh_args(system), "--json")
    [row] = [j for j in queue.json() if j["job_id"] == job_id]
    assert (row["state"], row["reason"]) == ("FAILED", "JobLaunchFailure")
    table = run_cli("slurm-queue", "--finished", *ssh_args(system))
    [line] = [x for x in table.stdout.splitlines() if x.startswith(f"{job_id} ")]
    assert "JobLaunchFailure" in line


def test_a_pending_job_says_why_it_waits(
    client: SlurmClient, system: System, workdir: str, cleanup: list[str], run_cli: Any
) -> None:
    result = client.submit(
        script(["echo later"], extra="#SBATCH --begin=now+1hour\n"),
        name=f"later-{uuid.uuid4().hex[:6]}",
        workdir=workdir,
    )
    cleanup.append(result.job_id)
    job = wait_for(lambda: (j := client.job(result.job_id)).reason and j)
    assert (job.state, job.reason) == ("PENDING", "BeginTime")
    with pytest.raises(NotFoundError) as caught:
        client.tail(result.job_id)
    assert "it is PENDING (BeginTime)" in caught.value.message
    assert "pending job writes nothing until it starts" in (caught.value.hint or "")
    tail = run_cli("slurm-tail", result.job_id, *ssh_args(system))
    assert_one_error(tail, 5, "PENDING (BeginTime)")
    assert "cannot open" not in tail.stderr


# --- templates and lint against the live cluster -------------------------------------------


def test_the_log_directory_is_created_on_submit(
    client: SlurmClient, system: System, workdir: str, cleanup: list[str]
) -> None:
    result = client.submit(
        script(["echo logged"], output="logs/%x-%j.out", extra="#SBATCH --error=errs/%j.err\n"),
        name="logs",
        job_name="with logs",
        workdir=workdir,
    )
    cleanup.append(result.job_id)
    job = client.wait_until(result.job_id, finished, timeout=JOB_WAIT)
    assert (job.state, job.reason) == ("COMPLETED", "")  # not JobLaunchFailure
    assert job.stdout == f"{workdir}/logs/with logs-{result.job_id}.out"
    assert Path(job.stdout).read_text() == "logged\n"
    assert Path(workdir, "errs").is_dir()


def test_every_template_runs_where_it_can_and_logs(
    client: SlurmClient, workdir: str, cleanup: list[str]
) -> None:
    """The shipped templates' log directory is made on submit: even where the training
    program is missing the job starts and says why in its log (never JobLaunchFailure)."""
    from console.slurm.templates import TEMPLATES, render

    template = render("single", partition=client.default_partition())
    fitted = template.replace("--cpus-per-task=4", "--cpus-per-task=1").replace(
        "--time=01:00:00", "--time=5"
    )
    assert [t.key for t in TEMPLATES] == ["single", "torchrun", "gpu"]
    assert [i.code for i in client.lint(fitted) if i.severity == "error"] == []
    result = client.submit(fitted, name="template", workdir=workdir)
    cleanup.append(result.job_id)
    job = client.wait_until(result.job_id, finished, timeout=JOB_WAIT)
    assert job.reason != "JobLaunchFailure"
    assert job.stdout.startswith(f"{workdir}/logs/single-node-")
    assert Path(job.stdout).exists()


def test_live_lint_reports_every_way_a_job_cannot_run_here(
    client: SlurmClient, system: System, tmp_path: Path, run_cli: Any
) -> None:
    bad = script(
        ["true"],
        extra="#SBATCH --partition=gpu\n#SBATCH --nodes=2\n#SBATCH --cpus-per-task=4\n"
        "#SBATCH --mem=1T\n#SBATCH --gres=gpu:5\n#SBATCH --time=2:00:00\n",
    ).replace("#SBATCH --time=5\n", "")
    codes = [i.code for i in client.lint(bad) if i.severity == "error"]
    assert codes == [
        "too-many-nodes",
        "too-many-cpus",
        "too-much-memory",
        "too-many-gpus",
        "time-limit",
    ]
    path = tmp_path / "bad.sbatch"
    path.write_text(bad)
    refused = run_cli("slurm-submit", str(path), *ssh_args(system), "--json")
    assert refused.exit_code == 2
    data = refused.json()
    assert data["error"]["kind"] == "invalid" and "5 lint error(s)" in data["error"]["message"]
    assert [i["code"] for i in data["lint"] if i["severity"] == "error"] == codes
    assert "nothing was submitted" in refused.stderr
