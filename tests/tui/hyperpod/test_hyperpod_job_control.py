"""Job control from the queue pane against the real test Slurm: two jobs marked with
``space``, held with one confirm listing both and released again; a time limit asked,
refused with a hint when malformed, lowered when valid; suspend refused by Slurm (the
test user is no operator) and said so; every change audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.slurm.client import SlurmClient
from screens.hyperpod.prompt import ValuePrompt
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.system.support import System
from tests.tui.conftest import notifications

from .test_hyperpod_slurm import app_for, via_bastion, wait_until
from .test_hyperpod_slurm_jobs import job_script, jobdir, open_queue_at, slurm

__all__ = ["jobdir", "slurm"]  # fixtures, used by name

LATER = "#SBATCH --begin=now+1hour\n"


async def confirm(pilot: Any, app: Any) -> ConfirmDialog:
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    return dialog


def submit_later(slurm: SlurmClient, jobdir: str, cleanup: list[str], name: str) -> list[str]:
    """Two jobs that wait an hour (to hold, release or cancel), cleaned up after."""
    ids = [
        slurm.submit(job_script("true", LATER), name=f"{name}{n}", workdir=jobdir).job_id
        for n in range(2)
    ]
    cleanup += ids
    return ids


async def mark_all(pilot: Any, app: Any, ids: list[str]) -> Any:
    """The queue with each of ``ids`` marked with ``space``."""
    queue = await open_queue_at(pilot, app, ids[0])
    await wait_until(pilot, lambda: ids[-1] in queue.items, what="every job")
    for job_id in ids:
        queue.move_cursor(row=queue.get_row_index(job_id))
        await pilot.press("space")
    return queue


async def test_marked_jobs_are_held_and_released_with_one_confirm(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    ids = submit_later(slurm, jobdir, cleanup, "tui-ctl")
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(160, 40)) as pilot:
        queue = await mark_all(pilot, app, ids)
        assert set(ids) <= {k for k in queue.items if k in queue.marks}
        assert "● " + ids[0] in str(queue.get_row(ids[0])[0])
        await pilot.press("o")
        dialog = await confirm(pilot, app)
        assert dialog.change is not None and dialog.change[0] == "slurm-hold"
        assert sorted(dialog.change[1].split(",")) == sorted(ids)
        assert all(job_id in dialog.message for job_id in ids)
        await pilot.press("y")

        def reasons() -> set[str]:
            return {j.reason for i in ids for j in slurm.job_rows(i)}

        await wait_until(pilot, lambda: reasons() == {"JobHeldUser"}, what="both held")
        await wait_until(pilot, lambda: not len(queue.marks), what="marks cleared")
        # Release the highlighted job only (no marks: the cursor's row).
        queue.move_cursor(row=queue.get_row_index(ids[0]))
        await pilot.press("O")
        dialog = await confirm(pilot, app)
        assert dialog.change == ("slurm-release", ids[0])
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: slurm.job(ids[0]).reason != "JobHeldUser",
            what="the first released",
        )
        assert slurm.job(ids[1]).reason == "JobHeldUser"
    actions = [(r["action"], r["outcome"]) for r in audit_records()]
    assert actions.count(("slurm-hold", "ok")) == 2
    assert ("slurm-release", "ok") in actions


async def test_time_limit_is_asked_checked_and_set_and_suspend_is_refused(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    job_id = slurm.submit(job_script("true", LATER), name="tui-limit", workdir=jobdir).job_id
    cleanup.append(job_id)
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(160, 40)) as pilot:
        await open_queue_at(pilot, app, job_id)
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt), what="the prompt")
        prompt = app.screen
        assert isinstance(prompt, ValuePrompt)
        prompt.query_one("#hp-prompt-value").value = "soon"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: any("not a Slurm time limit" in n for n in notifications(app)),
            what="the one-line error",
        )
        assert not isinstance(app.screen, ConfirmDialog)  # nothing asked, nothing sent
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt), what="the prompt")
        app.screen.query_one("#hp-prompt-value").value = "3"  # type: ignore[attr-defined]
        await pilot.press("enter")
        dialog = await confirm(pilot, app)
        assert dialog.change == ("slurm-time-limit", job_id) and " 3 " in dialog.title_text
        await pilot.press("y")
        await wait_until(
            pilot, lambda: slurm.job(job_id).time_limit_minutes == 3, what="the new limit"
        )
        await pilot.press("z")
        await confirm(pilot, app)
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: any("suspend" in n.lower() and job_id in n for n in notifications(app)),
            what="Slurm's refusal",
        )
        assert slurm.job(job_id).state == "PENDING"
    outcomes = {(r["action"], r["outcome"]) for r in audit_records()}
    assert ("slurm-time-limit", "ok") in outcomes
    assert ("slurm-suspend", "error") in outcomes


async def test_ctrl_k_cancels_every_marked_job_with_one_confirm(
    system: System, slurm: SlurmClient, jobdir: str, cleanup: list[str]
) -> None:
    """Found in the #19 walkthrough: with two jobs marked, ctrl+k asked about (and would
    have cancelled) the highlighted one only, while o/O act on the marks."""
    ids = submit_later(slurm, jobdir, cleanup, "tui-kill")
    app = app_for(system, Path(system.known_hosts), jump=via_bastion(system))
    async with app.run_test(size=(160, 40)) as pilot:
        queue = await mark_all(pilot, app, ids)
        await pilot.press("ctrl+k")
        dialog = await confirm(pilot, app)
        assert dialog.change is not None and dialog.change[0] == "slurm-cancel"
        assert sorted(dialog.change[1].split(",")) == sorted(ids)
        assert dialog.title_text == "Cancel 2 Slurm job(s)?"
        assert all(job_id in dialog.message for job_id in ids)
        assert str(dialog.query_one("#confirm").label) == "scancel"
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: all(not j.active for i in ids for j in slurm.job_rows(i)),
            what="both cancelled",
        )
        await wait_until(pilot, lambda: not len(queue.marks), what="marks cleared")
    actions = [(r["action"], r["outcome"]) for r in audit_records()]
    assert actions.count(("slurm-cancel", "ok")) == 2
