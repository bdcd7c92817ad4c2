"""A Slurm job in full against the real test Slurm: ``enter`` on a queue row opens its
detail (state and reason first, the script last), ``l`` there opens its log, ``q`` goes
back; history lists only ended jobs with a waste flag, ``enter`` opens one, ``E`` its
efficiency and ``l`` its log (before: nothing)."""

from __future__ import annotations

from pathlib import Path

from console.slurm.client import SlurmClient
from screens.hyperpod.detail import SlurmJobDetailScreen
from screens.hyperpod.jobs import SlurmLogScreen
from screens.hyperpod.tables import HistoryTable
from tests.system.support import System

from .test_hyperpod_slurm import app_for, wait_until
from .test_hyperpod_slurm_jobs import job_script, jobdir, open_queue_at, slurm

__all__ = ["jobdir", "slurm"]  # fixtures, used by name


def body(screen: SlurmJobDetailScreen) -> str:
    return str(screen.query_one("#job-detail-body").content)  # type: ignore[attr-defined]


async def test_enter_on_a_queued_job_shows_its_detail_and_l_its_log(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    result = slurm.submit(
        job_script("echo later", "#SBATCH --begin=now+1hour\n"), name="tui-detail", workdir=jobdir
    )
    cleanup.append(result.job_id)
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue_at(pilot, app, result.job_id)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SlurmJobDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, SlurmJobDetailScreen)
        await wait_until(pilot, lambda: screen.detail is not None, what="the detail read")
        text = body(screen)
        lines = text.splitlines()
        # the decisive lines first: visible at 80x24 without scrolling
        assert lines[0].split() == ["State", "PENDING"]
        assert lines[1].split() == ["Reason", "BeginTime"]
        assert "Script:" in text and "echo later" in text
        assert f"{jobdir}" in text  # the work dir
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, SlurmLogScreen), what="the log")
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is screen, what="back at the detail")
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is app.main_screen, what="back at the queue")


async def test_history_lists_ended_jobs_and_opens_detail_efficiency_and_log(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    done = slurm.submit(job_script("echo done"), name="tui-ended", workdir=jobdir)
    waiting = slurm.submit(
        job_script("echo later", "#SBATCH --begin=now+1hour\n"), name="tui-waits", workdir=jobdir
    )
    cleanup += [done.job_id, waiting.job_id]
    slurm.wait_until(done.job_id, lambda j: not j.active, timeout=60)
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("5", "h")
        table = app.main_screen.query_one("#hp-history-table", HistoryTable)
        await wait_until(pilot, lambda: done.job_id in table.items, what="the ended job")
        assert waiting.job_id not in table.items  # pending: the queue's, not history's
        assert all(j.state.split()[0] not in {"PENDING", "RUNNING"} for j in table.items.values())
        # the waste flag comes with the same poll (a job under a minute is never wasteful)
        await wait_until(pilot, lambda: done.job_id in table.efficiency, what="its efficiency")
        assert [c.plain for c in table.get_row(done.job_id)][-1] == "ok"
        table.move_cursor(row=table.get_row_index(done.job_id))
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, SlurmJobDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, SlurmJobDetailScreen)
        await wait_until(pilot, lambda: screen.efficiency is not None, what="efficiency")
        assert screen.efficiency is not None and screen.efficiency.job_id == done.job_id
        text = body(screen)
        assert text.startswith("Efficiency") and "Verdict" in text and "CPU" in text
        await wait_until(pilot, lambda: screen.detail is not None, what="the detail")
        assert "COMPLETED" in body(screen)
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is app.main_screen, what="back")
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, SlurmLogScreen), what="the log")
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is app.main_screen, what="back")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SlurmJobDetailScreen), what="detail")
