"""A Slurm job's log in the console's one log view, and a running job's GPU panel.

The log: :class:`SlurmJobLog` is a :class:`~screens.logs.feed.LogFeedSource` over the
core's ``tail -F`` follower, so the existing :class:`~screens.logs.view.LogScreen` shows it
(search, follow, wrap, bounded buffer). A dropped connection comes through as a marked
line (the follower reconnects and says what may be missing). Closing the screen closes
the follower, which ends the remote ``tail``.

The GPU panel polls ``nvidia-smi`` on the job's nodes (``srun --overlap``) through the
one poller, shows idle GPUs and stragglers, XIDs where the kernel log is readable, and a
plain message for nodes without nvidia-smi.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from console.services.logs import LogEvent
from screens.hyperpod.tables import GpuTable
from screens.kit.footer import ConsoleFooter
from screens.kit.host import console_host
from screens.kit.key_order import focus_now
from screens.kit.messages import Listed
from screens.kit.poller import Poller, schedule_for
from screens.logs.view import LogPanel, LogScreen

if TYPE_CHECKING:
    from console.config import PollIntervals
    from console.context import ConsoleContext
    from console.slurm.gpu import GpuReport
    from console.slurm.records import SlurmJob
    from console.slurm.session import SlurmSession
    from console.slurm.tail import LogFollower

FOLLOW_READ_SECONDS = 0.3

# Slurm's end states in the words the log feed knows (it stops following on these).
_END_STATES = {
    "COMPLETED": "Completed",
    "CANCELLED": "Stopped",
    "PREEMPTED": "Stopped",
    "REVOKED": "Stopped",
}


def feed_status(state: str) -> str:
    from console.slurm.records import FINISHED_JOB_STATES

    if state in FINISHED_JOB_STATES:
        return _END_STATES.get(state, "Failed")
    return state


class _FollowerPoll:
    """One ``tail -F`` read at a time, as the feed loop asks. ``preface``: marker lines
    shown first (why a pending job has no log yet, why an ended one failed)."""

    def __init__(
        self, owner: SlurmJobLog, follower: LogFollower, host: str, preface: Sequence[str] = ()
    ) -> None:
        self.owner = owner
        self.follower = follower
        self.host = host
        self.preface = list(preface)
        # tail -F's own note while the file does not exist yet: the preface says why
        self._not_there = f"tail: cannot open '{follower.path}' for reading"

    def poll(self) -> Sequence[LogEvent]:
        from console.slurm.tail import Gap, Reconnecting

        now = datetime.now(UTC)
        events = [LogEvent(now, self.follower.path, self.host, t) for t in self.preface]
        self.preface = []
        with self.owner.lock:
            if self.owner.closed:
                return events
            items = self.follower.poll(FOLLOW_READ_SECONDS)
        now = datetime.now(UTC)
        for item in items:
            if isinstance(item, str) and item.startswith(self._not_there):
                continue
            text = f"··· {item.message} ···" if isinstance(item, Gap | Reconnecting) else item
            events.append(LogEvent(now, self.follower.path, self.host, text))
        return events


def job_preface(job: SlurmJob, stream: str) -> list[str]:
    """Marker lines for a job whose log may say nothing: pending (and why), or ended
    other than COMPLETED (how: the reason, exit code or signal)."""
    from console.slurm.client import job_status_text

    if job.state == "PENDING":
        return [f"── job {job.job_id}: {job_status_text(job)}; its {stream} starts when it runs ──"]
    if not job.active and job.state != "COMPLETED":
        return [f"── job {job.job_id}: {job_status_text(job)} ──"]
    return []


@dataclass
class SlurmJobLog:
    """The output file of a Slurm job, followed with ``tail -F`` (a log feed source)."""

    session: SlurmSession
    job_id: str
    job_name: str = ""
    status_hint: str | None = None
    kind: str = "slurm"
    name: str = ""
    stream: str = "stdout"  # or "stderr" (``e`` in the log screen switches)

    def __post_init__(self) -> None:
        self.name = self.job_id
        self.lock = threading.Lock()
        self.closed = False
        self._follower: LogFollower | None = None
        self.job: SlurmJob | None = None  # as last read (open, then each status check)
        self._poll: _FollowerPoll | None = None

    @property
    def label(self) -> str:
        named = f" ({self.job_name})" if self.job_name else ""
        return f"Slurm job {self.job_id}{named} · {self.stream}"

    def link_state(self) -> str:
        """following / reconnecting (attempt, next in) / stopped, or connecting."""
        follower = self._follower
        if self.closed:
            return "stopped"
        return follower.state.text if follower is not None else "connecting"

    @property
    def same_file(self) -> bool:
        """stdout and stderr are one file (Slurm's default without --error)."""
        return self.job is not None and self.job.stdout == self.job.stderr

    @property
    def ends(self) -> bool:
        return True

    @property
    def known_status(self) -> str | None:
        return feed_status(self.status_hint) if self.status_hint else None

    def open(self) -> _FollowerPoll:
        client = self.session.client()
        job = client.job(self.job_id)
        preface: list[str] = []
        if job.is_task_range:  # an array (just submitted): each task has its own log
            self.job_id = self.name = job.first_task_id
            preface.append(
                f"── array {job.array_job_id}: following its task {self.job_id}; each task "
                "writes its own log (the queue lists them) ──"
            )
            job = client.job(self.job_id)
        self.job = job
        self.job_name = job.name or self.job_name  # not the editor's file name (the title)
        follower = client.follow(job.job_id, lines=1000, stream=self.stream)
        with self.lock:
            if self.closed:
                follower.close()
            previous, self._follower = self._follower, follower
        if previous is not None:
            previous.close()
        preface += job_preface(job, self.stream)
        self._poll = _FollowerPoll(self, follower, self.job_id, preface)
        return self._poll

    def status(self) -> str | None:
        job = self.session.client().job(self.job_id)
        poll = self._poll
        was = self.job
        if poll is not None and not job.active and (was is None or was.active):
            poll.preface += job_preface(job, self.stream)  # how it ended, before the end
        self.job = job
        return feed_status(job.state)

    def close(self) -> None:
        """Stop following: the remote tail ends (in a thread: closing may wait on I/O)."""
        self.closed = True

        def close_now() -> None:
            with self.lock:
                follower, self._follower = self._follower, None
            if follower is not None:
                follower.close()

        threading.Thread(target=close_now, name=f"close-tail-{self.job_id}", daemon=True).start()


class SlurmLogScreen(LogScreen):
    """The log screen on a Slurm job; closing it also closes the remote tail. ``e``
    switches between the job's stdout and stderr; a line under the title says what the
    link to the log is really doing (following, reconnecting, stopped)."""

    BINDINGS = [Binding("e", "switch_stream", "stdout/stderr", id="hyperpod.log.stream")]

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Logs · {self.source.label}"), id="log-title")
        yield Static(Content(""), id="slurm-link")
        yield LogPanel(self.source, max_lines=self._max_lines, timing=self._timing, id="log-panel")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.set_interval(0.5, self.show_link, name="slurm-link")
        self.show_link()

    def link_text(self) -> str:
        source = self.source
        if not isinstance(source, SlurmJobLog):
            return ""
        text = f"{source.stream} · link: {source.link_state()}"
        if source.same_file:
            text += " · stdout and stderr are one file"
        return text

    def show_link(self) -> None:
        # The title too: opening an array's log settles on one task (see SlurmJobLog.open).
        self.query_one("#log-title", Static).update(Content(f"Logs · {self.source.label}"))
        self.query_one("#slurm-link", Static).update(Content(self.link_text()))

    async def action_switch_stream(self) -> None:
        source = self.source
        if not isinstance(source, SlurmJobLog):
            return
        other = SlurmJobLog(
            source.session,
            source.job_id,
            source.job_name,
            status_hint=source.status_hint,
            stream="stderr" if source.stream == "stdout" else "stdout",
        )
        panel = self.panel
        panel.stop()
        source.close()
        self.source = other
        await panel.remove()
        await self.mount(
            LogPanel(other, max_lines=self._max_lines, timing=self._timing, id="log-panel"),
            after=self.query_one("#slurm-link"),
        )
        self.query_one("#log-title", Static).update(Content(f"Logs · {other.label}"))
        self.show_link()

    def on_unmount(self) -> None:
        source = self.source
        if isinstance(source, SlurmJobLog):
            source.close()


# --- the GPU panel ----------------------------------------------------------------------------


class GpuScreen(Screen[None]):
    """GPUs of one running job, refreshed by the poller; ``q`` goes back."""

    BINDINGS = [
        Binding("q", "close", "Back", id="hyperpod.gpus.close"),
        Binding("escape,backspace", "close", "Back", show=False, id="hyperpod.gpus.close_alt"),
        Binding("r", "refresh", "Refresh", id="hyperpod.gpus.refresh"),
    ]

    def __init__(self, session: SlurmSession, job_id: str, poll: PollIntervals) -> None:
        super().__init__()
        self.session = session
        self.job_id = job_id
        self._poll = poll
        self.report: GpuReport | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(f"GPUs · Slurm job {self.job_id}"), id="gpu-title")
        yield GpuTable(id="gpu-table")
        yield Static(Content("reading nvidia-smi on the job's nodes…"), id="gpu-notes")
        session, job_id = self.session, self.job_id

        def fetch(_context: ConsoleContext) -> GpuReport:
            return session.client().job_gpus(job_id, nvidia_smi=session.nvidia_smi)

        yield Poller[Any](
            "gpus",
            fetch,
            transitional=lambda _report: False,
            schedule=schedule_for(self._poll, "gpus"),
            id="gpu-poller",
        )
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one(GpuTable))
        self.query_one(Poller).set_shown(True)

    @on(Listed)
    def _read(self, message: Listed[GpuReport]) -> None:
        message.stop()
        if message.generation != console_host(self).generation:
            return
        report = self.report = message.snapshot
        self.query_one(GpuTable).sync(report.gpus)
        self.query_one("#gpu-notes", Static).update(Content("\n".join(gpu_notes(report))))

    def action_refresh(self) -> None:
        self.query_one(Poller).refresh_now()

    def action_close(self) -> None:
        self.query_one(Poller).set_shown(False)  # no poll after leaving
        self.dismiss(None)


def gpu_notes(report: GpuReport) -> list[str]:
    """Lines under the table: flagged GPUs, XIDs, nodes without nvidia-smi."""
    notes = []
    flagged = [g for g in report.gpus if g.flags]
    if flagged:
        notes.append(
            "flagged: " + ", ".join(f"{g.node}/{g.index} {'+'.join(g.flags)}" for g in flagged)
        )
    for node in report.nodes:
        if node.status != "ok" or not node.gpus:
            notes.append(f"{node.node}: {node.message}")
        for xid in node.xids:
            notes.append(f"{node.node}: XID {xid.code} on {xid.pci}: {xid.text}")
    answered = [n for n in report.nodes if n.status == "ok"]
    if answered and not any(n.xid_visible for n in answered):
        notes.append("XID errors: not visible (the kernel log is closed to this user)")
    if not notes:
        notes.append(f"{len(report.gpus)} GPUs, none idle or lagging")
    return notes
