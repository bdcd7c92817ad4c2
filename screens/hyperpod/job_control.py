"""Job control from the queue pane: one action on the highlighted job or on every marked
one, with one confirm dialog listing them all.

The path is the console's one change path: read-only refused before anything is asked
(:meth:`TableView.gate_allows`), a value asked for where the action needs one (checked by
the core's validator: a bad one is one line with a hint, nothing asked further), the
confirm dialog (declining is audited), then the core's gated call per job (audited, never
retried blindly) in a thread worker; a failure on one job does not stop the others, and
the operator is told which failed and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.errors import SmError, translate
from console.sanitize import inert

if TYPE_CHECKING:
    from console.slurm.client import SlurmClient
    from console.slurm.records import SlurmJob

LISTED = 8  # jobs named one per line in the dialog; the rest are counted


@dataclass(frozen=True)
class Control:
    """One job-control action: its gate name, the words for it, and the core call."""

    action: str  # the gate's (and the CLI's) name
    title: str  # "Hold"
    done_word: str  # "held"
    consequence: str  # one sentence: what happens to the jobs
    call: Callable[[SlurmClient, str, str], Any]  # (client, job id, value)
    question: str = ""  # asked first when the action needs a value
    default: str = ""
    confirm_label: str = ""  # the dialog's yes button (default: the title's first word)


CONTROLS: dict[str, Control] = {
    # ctrl+k with jobs marked (unmarked: the highlighted job's own dialog, in the pane)
    "cancel": Control(
        "slurm-cancel",
        "Cancel",
        "cancelled",
        "scancel ends them, running or pending; what they have not checkpointed is lost.",
        lambda c, j, _v: c.cancel(j),
        confirm_label="scancel",  # not "Cancel": that is the button that declines
    ),
    "hold": Control(
        "slurm-hold",
        "Hold",
        "held",
        "They stay queued and will not start until released (pending jobs only).",
        lambda c, j, _v: c.hold(j),
    ),
    "release": Control(
        "slurm-release",
        "Release",
        "released",
        "Held jobs may start again.",
        lambda c, j, _v: c.release(j),
    ),
    "requeue": Control(
        "slurm-requeue",
        "Requeue",
        "requeued",
        "A running job is stopped and queued again from the start: what it has not "
        "checkpointed is lost.",
        lambda c, j, _v: c.requeue(j),
    ),
    "suspend": Control(
        "slurm-suspend",
        "Suspend",
        "suspended",
        "Their processes stop where they are (Slurm allows this to operators and admins).",
        lambda c, j, _v: c.suspend(j),
    ),
    "unsuspend": Control(
        "slurm-unsuspend",
        "Resume",
        "resumed",
        "Suspended jobs go on where they stopped.",
        lambda c, j, _v: c.unsuspend(j),
    ),
    "time_limit": Control(
        "slurm-time-limit",
        "Set time limit on",
        "time limit set on",
        "A user may lower a limit; raising it needs a Slurm operator.",
        lambda c, j, v: c.set_time_limit(j, v),
        question="New time limit (90, 2:00:00, 1-12:00:00 or UNLIMITED):",
        default="60",
    ),
    "signal": Control(
        "slurm-signal",
        "Signal",
        "signalled",
        "The signal goes to each job's batch shell and every step.",
        lambda c, j, v: c.signal(j, v),
        question="Signal to send (USR1, USR2, TERM, INT, HUP, …):",
        default="USR1",
    ),
}


def check_value(name: str, value: str) -> str:
    """The core's check of an asked value (raises :class:`ValidationError`)."""
    from console.slurm.client import check_signal, check_time_limit

    return check_time_limit(value) if name == "time_limit" else check_signal(value)


def dialog_text(control: Control, jobs: Sequence[SlurmJob], value: str) -> tuple[str, str]:
    """The confirm dialog's title and message: every job named (up to :data:`LISTED`)."""
    what = f" {value}" if value else ""
    if control.action == "slurm-signal":
        title = f"Send {value} to {len(jobs)} Slurm job(s)?"
    else:
        title = f"{control.title}{what} {len(jobs)} Slurm job(s)?"
    lines = [
        f"  {inert(j.job_id, 24)}  {inert(j.name, 30)}  {inert(j.user, 12)}  {j.display_state}"
        for j in jobs[:LISTED]
    ]
    if len(jobs) > LISTED:
        lines.append(f"  … and {len(jobs) - LISTED} more")
    return title, "\n".join([*lines, "", control.consequence])


@dataclass(frozen=True)
class ControlOutcome:
    done: tuple[str, ...]
    failed: tuple[tuple[str, SmError], ...]


def run_control(
    client: Callable[[], SlurmClient], control: Control, job_ids: Sequence[str], value: str
) -> ControlOutcome:
    """Each job in turn through the core's gated call (blocking: a worker runs this)."""
    done: list[str] = []
    failed: list[tuple[str, SmError]] = []
    for job_id in job_ids:
        try:
            control.call(client(), job_id, value)
        except Exception as exc:  # one job's refusal does not stop the others
            failed.append((job_id, translate(exc)))
        else:
            done.append(job_id)
    return ControlOutcome(tuple(done), tuple(failed))


def outcome_text(control: Control, outcome: ControlOutcome, value: str) -> str:
    what = f" {value}" if value else ""
    parts = []
    if outcome.done:
        parts.append(f"{control.done_word}{what}: {', '.join(outcome.done)}")
    for job_id, error in outcome.failed[:3]:
        parts.append(f"{job_id}: {error.one_line()}")
    if len(outcome.failed) > 3:
        parts.append(f"… {len(outcome.failed) - 3} more failed")
    return "\n".join(parts)
