"""The HyperPod tab's Slurm jobs against the real test Slurm over SSH: an array job as its
tasks and pending range, cancelled whole with ``K`` (confirmed, audited); a pending job's
log says why it waits instead of ``tail: cannot open``; ``e`` switches to stderr; the
line under the title says what the link to the log is doing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from console.remote.ssh import SshTransport, resolve_target
from console.slurm.client import SlurmClient
from screens.hyperpod.jobs import SlurmLogScreen
from screens.hyperpod.tables import QueueTable
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.system.support import System
from tests.tui.conftest import notifications

from .test_hyperpod_slurm import app_for, via_bastion, wait_until

WAIT_FOR_STOP = "for _ in $(seq 600); do [ -e stop ] && break; sleep 0.1; done"


@pytest.fixture
def slurm(system: System) -> Iterator[SlurmClient]:
    """The test's own client (not the app's), to set up jobs."""
    target = resolve_target(
        f"127.0.0.1:{system.head.port}",
        user=system.user,
        identity_file=system.key,
        known_hosts=system.known_hosts,
    )
    client = SlurmClient(SshTransport(target))
    yield client
    client.transport.close()


@pytest.fixture
def jobdir(system: System) -> Iterator[str]:
    with system.scratch_dir("tui-jobs") as directory:
        path = Path(system.home) / directory[2:]
        path.mkdir(parents=True)
        import shutil

        shutil.chown(path, system.user, system.user)
        yield str(path)


def job_script(body: str, extra: str = "") -> str:
    return (
        "#!/bin/bash\n#SBATCH --cpus-per-task=1\n#SBATCH --time=5\n"
        f"#SBATCH --output=%x-%j.out\n{extra}{body}\n"
    )


async def open_queue_at(pilot: Any, app: Any, job_id: str) -> QueueTable:
    await pilot.press("5", "j")
    queue: QueueTable = app.main_screen.query_one("#hp-queue-table", QueueTable)
    await wait_until(pilot, lambda: job_id in queue.items, what=f"{job_id} in the queue")
    queue.move_cursor(row=queue.get_row_index(job_id))
    return queue


async def open_log(pilot: Any, app: Any) -> SlurmLogScreen:
    """``l`` and the log screen it opens."""
    await pilot.press("l")
    await wait_until(pilot, lambda: isinstance(app.screen, SlurmLogScreen), what="the log")
    screen = app.screen
    assert isinstance(screen, SlurmLogScreen)
    return screen


def log_lines(screen: SlurmLogScreen) -> list[str]:
    buffer = screen.panel.view.buffer
    return [buffer.line(i).text for i in range(len(buffer))]


async def test_an_array_is_its_tasks_and_K_cancels_it_whole(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    result = slurm.submit(
        job_script(WAIT_FOR_STOP, "#SBATCH --array=1-3%1\n"), name="tui-array", workdir=jobdir
    )
    array = result.job_id
    cleanup.append(array)
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(160, 40)) as pilot:
        queue = await open_queue_at(pilot, app, f"{array}_[2-3%1]")
        pending = queue.items[f"{array}_[2-3%1]"]
        assert (pending.array_job_id, pending.reason) == (array, "JobArrayTaskLimit")
        await pilot.press("ctrl+k")  # a pending range is no one task: K is the way
        await wait_until(
            pilot,
            lambda: any("K cancels the whole array" in n for n in notifications(app)),
            what="the hint",
        )
        assert not isinstance(app.screen, ConfirmDialog)
        # Declined first: audited once as not confirmed, and every task still there.
        await pilot.press("K")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), what="closed")
        declined = [r for r in audit_records() if r["action"] == "slurm-cancel"]
        assert [(r["target"].rsplit(":", 1)[-1], r["outcome"]) for r in declined] == [
            (array, "refused")
        ]
        assert "not confirmed" in declined[0]["detail"]
        assert any(j.active for j in slurm.job_rows(array))
        await pilot.press("K")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert f"scancel {array} ends every task" in dialog.message
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: not any(j.active for j in slurm.job_rows(array)),
            what="every task cancelled",
        )
        # The outcome is written once scancel has answered: Slurm may show the tasks
        # ended a moment before the worker gets there.
        await wait_until(
            pilot,
            lambda: any(r["outcome"] == "ok" for r in audit_records()),
            what="the audited outcome",
        )
    cancels = [r for r in audit_records() if r["action"] == "slurm-cancel"]
    assert [(r["target"].rsplit(":", 1)[-1], r["outcome"]) for r in cancels] == [
        (array, "refused"),
        (array, "ok"),
    ]


async def test_a_pending_jobs_log_says_why_and_e_switches_to_stderr(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    result = slurm.submit(
        job_script("echo later", "#SBATCH --begin=now+1hour\n#SBATCH --error=%x-%j.err\n"),
        name="tui-later",
        workdir=jobdir,
    )
    cleanup.append(result.job_id)
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(160, 40)) as pilot:
        queue = await open_queue_at(pilot, app, result.job_id)
        await wait_until(pilot, lambda: queue.items[result.job_id].reason, what="the reason")
        assert queue.items[result.job_id].reason == "BeginTime"
        screen = await open_log(pilot, app)

        def lines() -> list[str]:
            return log_lines(screen)

        await wait_until(pilot, lambda: any("PENDING" in x for x in lines()), what="why")
        assert any("is PENDING (BeginTime); its stdout starts when it runs" in x for x in lines())
        await wait_until(pilot, lambda: "link: following" in screen.link_text(), what="link")
        assert screen.link_text().startswith("stdout")
        assert not any("cannot open" in x for x in lines())

        await pilot.press("e")
        await wait_until(pilot, lambda: screen.link_text().startswith("stderr"), what="stderr")
        await wait_until(pilot, lambda: any("its stderr starts" in x for x in lines()), what="it")
        assert "stdout and stderr are one file" not in screen.link_text()
        await pilot.press("q")
        await wait_until(pilot, lambda: not isinstance(app.screen, SlurmLogScreen), what="back")


async def test_a_pending_arrays_range_row_opens_its_detail_and_its_first_tasks_log(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    """Found in the walkthrough: enter and l on a just-submitted array (all its tasks one
    pending row, ``N_[1-3]``) said "'N_[1-3]' is not a Slurm job id"."""
    from screens.hyperpod.detail import SlurmJobDetailScreen

    result = slurm.submit(
        job_script("echo later", "#SBATCH --array=1-3\n#SBATCH --begin=now+1hour\n"),
        name="tui-pending-array",
        workdir=jobdir,
    )
    array = result.job_id
    cleanup.append(array)
    row = f"{array}_[1-3]"
    app = app_for(system, Path(system.known_hosts), jump=via_bastion(system))
    async with app.run_test(size=(160, 40)) as pilot:
        queue = await open_queue_at(pilot, app, row)
        # Slurm gives a just-submitted job its reason at its next scheduling pass.
        await wait_until(pilot, lambda: queue.items[row].reason, what="the reason")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SlurmJobDetailScreen), what="it")
        detail = app.screen
        assert isinstance(detail, SlurmJobDetailScreen)
        # The placeholder ("reading the job…") is there at once: wait for the answer.
        await wait_until(
            pilot,
            lambda: detail.detail is not None or "reading the job…" not in detail._detail_text,
            what="read",
        )
        assert detail.detail is not None, detail._detail_text
        assert (detail.detail.job_id, detail.detail.reason) == (row, "BeginTime")
        screen = await open_log(pilot, app)

        def lines() -> list[str]:
            return log_lines(screen)

        await wait_until(pilot, lambda: any("PENDING" in x for x in lines()), what="why")
        assert any(f"── array {array}: following its task {array}_1; each" in x for x in lines())
        assert any(f"job {array}_1: it is PENDING (BeginTime)" in x for x in lines())
        assert not any("not a Slurm job id" in x for x in lines())
        title = screen.query_one("#log-title", Static)
        # the title follows the source on the link line's timer (every 0.5 s)
        await wait_until(pilot, lambda: f"job {array}_1 " in str(title.content), what="title")
