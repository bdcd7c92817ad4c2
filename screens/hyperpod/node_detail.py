"""One node in full (``enter`` on a nodes-pane row): Slurm's view (``scontrol show node``:
state, reason with who and when, features, GRES and what is allocated, load, memory)
beside its HyperPod instance (id, group, type, AWS status and message).

Read in a thread worker through :func:`run_for_context`; remote text made inert.
Drain and resume are keys on the nodes pane (through the gate), not here: this screen
only shows, so ``r`` reads it again after a change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from console.sanitize import inert
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import format_time
from screens.kit.key_order import focus_now
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.errors import SmError
    from console.services.hyperpod import ClusterNode
    from console.slurm.cluster import NodeDetail
    from console.slurm.session import SlurmSession

LIMIT = 200


def _mb(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1024:.1f} GiB" if value >= 1024 else f"{value} MiB"


def node_lines(d: NodeDetail | None, instance: ClusterNode | None) -> list[str]:
    """Slurm's side first (what decides whether jobs run), then the instance."""

    def v(value: str) -> str:
        return inert(value, LIMIT) if value else "-"

    lines: list[str] = []
    if d is not None:
        who = f" (by {inert(d.reason_by, 40)}" if d.reason_by else ""
        when = f"{', ' if who else ' ('}{format_time(d.reason_at)}" if d.reason_at else ""
        reason = v(d.reason) + who + when + (")" if who or when else "")
        load = "-" if d.cpu_load is None else f"{d.cpu_load:.2f}"
        rows = [
            ("State", v(d.display_state)),
            ("Reason", reason),
            ("CPUs", f"{d.cpus_allocated or 0}/{d.cpus_total or '?'} allocated, load {load}"),
            (
                "Memory",
                f"{_mb(d.memory_allocated_mb)} of {_mb(d.memory_mb)} allocated, "
                f"{_mb(d.memory_free_mb)} free",
            ),
            ("GPUs", f"{d.gpus_used}/{d.gpus_total} in use"),
            ("GRES", v(d.gres)),
            ("GRES used", v(d.gres_used)),
            ("Alloc TRES", v(d.alloc_tres)),
            ("Features", v(",".join(d.features))),
            ("Partitions", v(",".join(d.partitions))),
            ("Address", v(d.address)),
            ("Hostname", v(d.hostname)),
            ("Booted", format_time(d.boot_time)),
            ("slurmd", v(d.slurmd_version)),
        ]
        lines += [f"{label:<11} {value}" for label, value in rows]
    if instance is not None:
        lines += [
            "",
            "HyperPod instance",
            f"  {'Instance':<11} {v(instance.instance_id)}",
            f"  {'Group':<11} {v(instance.group)}",
            f"  {'Type':<11} {v(instance.instance_type)}",
            f"  {'Status':<11} {v(instance.status)}",
            f"  {'Message':<11} {v(instance.message)}",
            f"  {'Launched':<11} {format_time(instance.launched)}",
            f"  {'Host / IP':<11} {v(instance.hostname)} {v(instance.private_ip)}",
        ]
    else:
        lines += ["", "HyperPod instance: none matches this node"]
    return lines


class NodeDetailScreen(Screen[None]):
    """One node in full; ``r`` reread, ``q``/esc back."""

    BINDINGS = [
        Binding("q", "close", "Back", id="hyperpod.node.close"),
        Binding("escape,backspace", "close", "Back", show=False, id="hyperpod.node.close_alt"),
        Binding("r", "refresh", "Refresh", id="hyperpod.node.refresh"),
    ]

    def __init__(
        self, session: SlurmSession, name: str, instance: ClusterNode | None, *, in_slurm: bool
    ) -> None:
        super().__init__()
        self.session = session
        self.node = name
        self.instance = instance
        self.in_slurm = in_slurm
        self.detail: NodeDetail | None = None
        self.note = "reading scontrol show node…" if in_slurm else "not a Slurm node"

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Node {inert(self.node, 80)}"), id="node-detail-title")
        with VerticalScroll(id="node-detail-scroll"):
            yield Static(Content(""), id="node-detail-body")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#node-detail-scroll"))
        self.show()
        self.action_refresh()

    def show(self) -> None:
        lines = node_lines(self.detail, self.instance)
        if self.note:
            lines.insert(0, self.note)
        self.query_one("#node-detail-body", Static).update(Content("\n".join(lines)))

    def action_refresh(self) -> None:
        if not self.in_slurm:
            return
        session, node = self.session, self.node

        def done(found: NodeDetail) -> None:
            self.detail, self.note = found, ""
            self.show()

        def failed(error: SmError) -> None:
            self.note = f"Slurm: {error.one_line()}"
            self.show()

        run_for_context(
            self,
            lambda _c: session.client().node_detail(node),
            done=done,
            failed=failed,
            name="slurm-node-detail",
        )

    def action_close(self) -> None:
        self.dismiss(None)
