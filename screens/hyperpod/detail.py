"""One Slurm job in full (``enter`` on a queue or history row), and its efficiency.

Everything an operator reads before acting on a job, on one scrollable screen: the state
and why (reason, exit code or signal) at the top so 80x24 shows them without scrolling,
then times, limits, where it runs (nodes with the GPUs it holds on each), TRES, paths,
dependencies, requeues, sacct's steps for a finished job, and the script last (it is the
longest). ``E`` adds the seff-like efficiency; ``l`` opens the job's log; ``q`` goes back.

The detail and the efficiency are read in thread workers through :func:`run_for_context`;
remote text is made inert before it is shown (never markup, never escapes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from console.sanitize import inert, strip_escapes
from console.slurm.gpu_usage import utilisation_text
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import format_duration, format_time
from screens.kit.key_order import focus_now
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.errors import SmError
    from console.slurm.detail import Efficiency, JobDetail, JobStep
    from console.slurm.session import SlurmSession

SCRIPT_LINES = 400  # a longer script is cut here (the CLI's slurm-job --script has it all)
FIELD_LIMIT = 300

OpenLog = Callable[[str, str, "str | None"], None]


def _exit(item: Any) -> str:
    if item.signal:
        return f"signal {item.signal}"
    return "-" if item.exit_code is None else str(item.exit_code)


def _limit(minutes: int | None) -> str:
    return "unlimited" if minutes is None else format_duration(minutes * 60)


def _mb(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1024:.2f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def detail_lines(d: JobDetail) -> list[str]:
    """The detail as lines, most decisive first (state, reason, exit)."""

    def v(value: str) -> str:
        return inert(value, FIELD_LIMIT) if value else "-"

    gpus = "; ".join(
        f"{inert(h.node, 80)}: {','.join(str(g) for g in h.gpus) or 'none'}" for h in d.node_gpus
    )
    requeue = {True: "yes", False: "no", None: "-"}[d.requeue]
    if d.restarts:
        requeue += f" (requeued {d.restarts} time(s))"
    rows = [
        ("State", v(d.state)),
        ("Reason", v(d.reason)),
        ("Exit", _exit(d)),
        ("Name", v(d.name)),
        ("User", v(d.user)),
        ("Submitted", format_time(d.submitted)),
        ("Started", format_time(d.started)),
        ("Ended", format_time(d.ended)),
        ("Elapsed", format_duration(d.elapsed_seconds)),
        ("Time limit", _limit(d.time_limit_minutes)),
        ("Partition", v(d.partition)),
        ("QoS", v(d.qos)),
        ("Account", v(d.account)),
        ("Nodes", v(d.nodes)),
        ("GPUs held", gpus or "-"),
        ("TRES req", v(d.tres_requested)),
        ("TRES alloc", v(d.tres_allocated)),
        ("Work dir", v(d.workdir)),
        ("Stdout", v(d.stdout)),
        ("Stderr", v(d.stderr)),
        ("Command", v(d.command)),
        ("Dependency", v(d.dependency)),
        ("Requeue", requeue),
        ("From", v(d.source)),
    ]
    lines = [f"{label:<11} {value}" for label, value in rows]
    lines += [f"note: {inert(note, FIELD_LIMIT)}" for note in d.notes]
    if d.steps:
        lines += ["", "Steps:", *step_lines(d.steps)]
    if d.script is not None:
        where = f" ({inert(d.script_path, 200)})" if d.script_path else ""
        script = d.script.splitlines()
        lines += ["", f"Script: {inert(d.script_source, 40)}{where}"]
        lines += ["  " + strip_escapes(line) for line in script[:SCRIPT_LINES]]
        if len(script) > SCRIPT_LINES:
            lines.append(f"  … {len(script) - SCRIPT_LINES} more lines (slurm-job --script)")
    return lines


def step_lines(steps: tuple[JobStep, ...]) -> list[str]:
    out = [f"  {'Step':<16} {'State':<12} {'Exit':<9} {'Elapsed':<9} {'MaxRSS':<10} Nodes"]
    for s in steps:
        step = f"{s.job_id}.{s.step}" if s.step else s.job_id
        out.append(
            f"  {inert(step, 16):<16} {inert(s.state, 12):<12} {_exit(s):<9} "
            f"{format_duration(s.elapsed_seconds):<9} {_mb(s.max_rss_mb):<10} "
            f"{inert(s.nodes, 40)}"
        )
    return out


def efficiency_lines(e: Efficiency) -> list[str]:
    """seff's numbers, with the verdict first."""
    verdict = "WASTEFUL: " + "; ".join(inert(r, 120) for r in e.reasons) if e.wasteful else "ok"
    cpu = _pct(e.cpu_percent)
    if e.total_cpu_seconds is not None and e.alloc_cpus:
        cpu += f" ({format_duration(e.total_cpu_seconds)} of {e.alloc_cpus} CPU(s) x wall)"
    lines = [
        "Efficiency" + (" (running: so far)" if e.running else ""),
        f"  {'Verdict':<11} {verdict}",
        f"  {'CPU':<11} {cpu}",
        f"  {'Memory':<11} {_mb(e.max_rss_mb)} of {_mb(e.req_mem_mb)} ({_pct(e.memory_percent)})",
        f"  {'Wall':<11} {format_duration(e.elapsed_seconds)} of "
        f"{_limit(e.time_limit_minutes)} ({_pct(e.wall_percent)})",
        f"  {'GPUs':<11} {e.gpus} ({e.gpu_hours:.2f} GPU-hours)",
    ]
    if e.gpus:
        util = utilisation_text(e.gpu_util_percent, e.gpu_util_source)
        lines.append(f"  {'GPU util':<11} {util}")
    lines += [f"  note: {inert(n, FIELD_LIMIT)}" for n in e.notes]
    return lines


class SlurmJobDetailScreen(Screen[None]):
    """One job in full; ``E`` efficiency, ``l`` log, ``r`` reread, ``q``/esc back."""

    BINDINGS = [
        Binding("q", "close", "Back", id="hyperpod.job.close"),
        Binding("escape,backspace", "close", "Back", show=False, id="hyperpod.job.close_alt"),
        Binding("l", "logs", "Log", id="hyperpod.job.logs"),
        Binding("E", "efficiency", "Efficiency", id="hyperpod.job.efficiency"),
        Binding("r", "refresh", "Refresh", id="hyperpod.job.refresh"),
    ]

    def __init__(
        self,
        session: SlurmSession,
        job_id: str,
        *,
        name: str = "",
        open_log: OpenLog | None = None,
        efficiency: bool = False,
    ) -> None:
        super().__init__()
        self.session = session
        self.job_id = job_id
        self.job_name = name
        self._open_log = open_log
        self.detail: JobDetail | None = None
        self.efficiency: Efficiency | None = None
        self._want_efficiency = efficiency
        self._detail_text: list[str] = ["reading the job…"]
        self._eff_text: list[str] = []

    def compose(self) -> ComposeResult:
        named = f" ({inert(self.job_name, 60)})" if self.job_name else ""
        yield Static(Content(f"Slurm job {self.job_id}{named}"), id="job-detail-title")
        with VerticalScroll(id="job-detail-scroll"):
            yield Static(Content(""), id="job-detail-body")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#job-detail-scroll"))
        self.load()
        if self._want_efficiency:
            self.action_efficiency()

    def load(self) -> None:
        session, job_id = self.session, self.job_id

        def done(found: JobDetail) -> None:
            self.detail = found
            self._detail_text = detail_lines(found)
            self.show()

        def failed(error: SmError) -> None:
            self._detail_text = [f"could not read job {job_id}: {error.one_line()}"]
            self.show()

        run_for_context(
            self,
            lambda _c: session.client().job_detail(job_id, script=True),
            done=done,
            failed=failed,
            name="slurm-job-detail",
        )

    def show(self) -> None:
        lines = [*self._eff_text, *([""] if self._eff_text else []), *self._detail_text]
        self.query_one("#job-detail-body", Static).update(Content("\n".join(lines)))

    def action_efficiency(self) -> None:
        session, job_id = self.session, self.job_id
        self._eff_text = ["Efficiency: reading sacct…"]
        self.show()

        def done(found: Efficiency) -> None:
            self.efficiency = found
            self._eff_text = efficiency_lines(found)
            self.show()

        def failed(error: SmError) -> None:
            self._eff_text = [f"Efficiency: {error.one_line()}"]
            self.show()

        run_for_context(
            self,
            lambda _c: session.client().efficiency(job_id, nvidia_smi=session.nvidia_smi),
            done=done,
            failed=failed,
            name="slurm-job-efficiency",
        )

    def action_refresh(self) -> None:
        self.load()
        if self._eff_text:
            self.action_efficiency()

    def action_logs(self) -> None:
        if self._open_log is None:
            return
        state = self.detail.state if self.detail is not None else None
        self._open_log(self.job_id, self.job_name, state)

    def action_close(self) -> None:
        self.dismiss(None)
