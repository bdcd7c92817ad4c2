"""The #19 walkthrough's last point as a test: over the bastion to the real test Slurm, ``g``
on a running job shows exactly the GPUs Slurm gave it (its GRES indexes), though the
node's (fake) nvidia-smi prints all four, and flags the idle one only if it is the
job's. The TUI side of tests/core/slurm/test_slurm_gpu.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.slurm.client import SlurmClient
from screens.hyperpod.jobs import GpuScreen
from screens.hyperpod.tables import GpuTable
from tests.core.slurm.test_slurm_gpu import fake_nvidia_smi
from tests.system.support import System

from .test_hyperpod_slurm import app_for, via_bastion, wait_until
from .test_hyperpod_slurm_jobs import job_script, jobdir, open_queue_at, slurm

__all__ = ["fake_nvidia_smi", "jobdir", "slurm"]  # fixtures, used by name

WAIT_FOR_STOP = "for _ in $(seq 600); do [ -e stop ] && break; sleep 0.2; done"


@pytest.fixture
def gpu_job(slurm: SlurmClient, jobdir: str, cleanup: list[str]) -> Iterator[str]:
    """A running job holding two of the node's four GPUs."""
    result = slurm.submit(
        job_script(WAIT_FOR_STOP, "#SBATCH --gres=gpu:2\n"), name="tui-gpus", workdir=jobdir
    )
    cleanup.append(result.job_id)
    slurm.wait_until(result.job_id, lambda j: j.state == "RUNNING", timeout=60)
    yield result.job_id
    Path(jobdir, "stop").touch()


async def test_g_shows_the_jobs_own_gpus_over_the_bastion(
    system: System, slurm: SlurmClient, gpu_job: str, fake_nvidia_smi: str
) -> None:
    held = slurm.job_gpu_indexes(gpu_job)["localhost"]
    assert len(held) == 2
    jump = via_bastion(system)
    app = app_for(system, Path(system.known_hosts), jump=jump, nvidia_smi=fake_nvidia_smi)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue_at(pilot, app, gpu_job)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, GpuScreen), what="the panel")
        table = app.screen.query_one(GpuTable)
        await wait_until(pilot, lambda: table.total_count > 0, what="the GPUs")
        assert table.shown_keys() == [f"localhost/{i}" for i in held]  # not the node's four
        flagged = {k: table.items[k].flags for k in table.shown_keys()}
        assert flagged == {f"localhost/{i}": ("idle",) if i == 2 else () for i in held}
