"""``i`` (signal) and ``Q`` (requeue) from the queue pane against the real test Slurm
over SSH: the signal reaches the job's batch shell (its trap writes to its output), the
requeue restarts the job (Slurm counts it); both confirmed and audited, through the same
core calls the CLI makes."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import Input

from console.slurm.client import SlurmClient
from screens.hyperpod.prompt import ValuePrompt
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.system.support import System
from tests.tui.conftest import notifications

from .test_hyperpod_slurm import app_for, wait_until
from .test_hyperpod_slurm_jobs import job_script, jobdir, open_queue_at, slurm

__all__ = ["jobdir", "slurm"]  # fixtures, used by name

# Bash runs a trap between commands: short sleeps, so USR1 is seen within 0.1 s.
TRAPPING = (
    "trap 'echo got USR1 on restart $SLURM_RESTART_COUNT' USR1\n"
    "echo started restart ${SLURM_RESTART_COUNT:-0}\n"
    "for _ in $(seq 3000); do sleep 0.1; done"
)


def output(jobdir: str, name: str, job_id: str) -> str:
    path = Path(jobdir) / f"{name}-{job_id}.out"
    return path.read_text() if path.exists() else ""


async def test_signal_then_requeue_a_running_job_from_the_queue(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    name = "tui-jobctl"
    job_id = slurm.submit(job_script(TRAPPING), name=name, workdir=jobdir).job_id
    cleanup.append(job_id)
    deadline = time.monotonic() + 60
    while "started" not in output(jobdir, name, job_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "started restart 0" in output(jobdir, name, job_id)
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(160, 40)) as pilot:
        queue = await open_queue_at(pilot, app, job_id)
        await wait_until(pilot, lambda: queue.items[job_id].state == "RUNNING", what="running")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt), what="the signal")
        assert app.screen.query_one(Input).value == "USR1"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        assert app.screen.title_text == "Send USR1 to 1 Slurm job(s)?"  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_until(
            pilot, lambda: "got USR1 on restart" in output(jobdir, name, job_id), what="the trap"
        )
        await wait_until(
            pilot,
            lambda: any(f"signalled USR1: {job_id}" in n for n in notifications(app)),
            what="told",
        )
        assert slurm.job(job_id).state == "RUNNING"  # USR1 is trapped: the job goes on

        await pilot.press("Q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        assert "queued again from the start" in app.screen.message  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_until(
            pilot, lambda: slurm.job_detail(job_id).restarts == 1, what="Slurm counts a restart"
        )
        await wait_until(
            pilot,
            lambda: any(f"requeued: {job_id}" in n for n in notifications(app)),
            what="told",
        )
    outcomes = [
        (r["action"], r["outcome"])
        for r in audit_records()
        if r["action"] in {"slurm-signal", "slurm-requeue"}
    ]
    assert outcomes == [("slurm-signal", "ok"), ("slurm-requeue", "ok")]
