"""The HyperPod tab's four panes: clusters, nodes (AWS joined with Slurm), queue, history.

Each pane is a :class:`TableView` with its own :class:`PanePoller`: the poller runs only
while its tab is shown *and* its pane is the one on screen, so the hidden panes cost no
remote calls. Every fetch runs in the poller's thread worker: AWS through the core's
HyperPod service, Slurm through the tab's one :class:`SlurmSession`. The nodes pane still
shows the AWS side when Slurm cannot be reached (and says why), and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from console.errors import SmError, translate
from screens.hyperpod.tables import (
    ClustersTable,
    HistoryTable,
    NodesTable,
    PartitionsTable,
    QueueTable,
)
from screens.kit.confirm import ConfirmDialog
from screens.kit.filter_bar import FilterBar
from screens.kit.host import console_host
from screens.kit.messages import Listed
from screens.kit.plain import notify
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.config import PollIntervals
    from console.context import ConsoleContext
    from console.services.hyperpod import Cluster
    from console.slurm.cluster import PartitionSummary
    from console.slurm.detail import Efficiency
    from console.slurm.join import JoinedNode
    from console.slurm.records import SlurmJob
    from console.slurm.session import SlurmSession

T = TypeVar("T")
CLUSTER_LIMIT = 50


class HyperPodState:
    """What the panes share with their worker threads: the session, the chosen cluster,
    mine/all. Plain attributes, set on the UI thread and only read by workers."""

    def __init__(self, session: SlurmSession, cluster: str) -> None:
        self.session = session
        self.cluster = cluster
        self.all_users = False
        self.clusters: dict[str, Cluster] = {}
        self.event_node = ""  # the events pane shows this node's events only ("" = all)
        self.hostnames: dict[str, str] = {}  # instance id -> host name (the nodes pane's)

    def fresh(self, snapshot: Any) -> bool:
        """Whether ``snapshot`` came through the session the tab uses now: a poll that
        started before ``]`` (or enter on a cluster) switched to another cluster's Slurm
        answers for the old one, and is dropped instead of shown under the new name."""
        source = getattr(snapshot, "session", None)
        return source is None or source is self.session

    @staticmethod
    def now() -> datetime:
        """When a snapshot was fetched (shown as "updated HH:MM:SS"; tests pin it)."""
        return datetime.now(UTC)


class PanePoller(Poller[T]):
    """A poller that also needs its pane to be the one on screen.

    Never primed while hidden: its first poll may open an SSH/SSM connection to the
    cluster (and ask about a host key), which only a visit to the tab should do.
    """

    PRIME_WHEN_HIDDEN = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wanted = False
        self.active = False

    def set_shown(self, shown: bool) -> None:
        self._wanted = shown
        super().set_shown(shown and self.active)

    def set_active(self, active: bool) -> None:
        self.active = active
        super().set_shown(self._wanted and active)


# --- snapshots and messages ------------------------------------------------------------------


@dataclass(frozen=True)
class ClustersSnapshot:
    items: tuple[Cluster, ...]
    fetched_at: datetime


@dataclass(frozen=True)
class NodesSnapshot:
    cluster: str
    items: tuple[JoinedNode, ...]
    slurm_error: SmError | None
    aws_error: SmError | None
    fetched_at: datetime
    session: Any = field(default=None, compare=False, repr=False)  # whose Slurm answered

    @property
    def transitional(self) -> bool:
        return any(
            r.instance is not None and r.instance.status not in {"Running", "Failure"}
            for r in self.items
        )


@dataclass(frozen=True)
class SlurmJobsSnapshot:
    items: tuple[Any, ...]  # SlurmJob or AccountingJob
    all_users: bool
    note: str  # e.g. "accounting is off"
    fetched_at: datetime
    efficiency: Mapping[str, Efficiency] = field(default_factory=dict)  # history: by job id
    session: Any = field(default=None, compare=False, repr=False)  # whose Slurm answered

    @property
    def transitional(self) -> bool:
        return any(getattr(j, "state", "") in {"PENDING", "COMPLETING"} for j in self.items)


@dataclass
class SlurmUnreachable(Message):
    """A Slurm read failed in a pane's worker: the tab decides what to show (a host-key
    dialog, a banner)."""

    error: SmError


# --- fetches (worker threads) ---------------------------------------------------------------


def fetch_clusters(context: ConsoleContext) -> ClustersSnapshot:
    service = context.hyperpod
    clusters = [
        service.describe_cluster(c.name) for c in service.list_clusters(limit=CLUSTER_LIMIT)
    ]
    return ClustersSnapshot(tuple(clusters), HyperPodState.now())


def fetch_nodes(context: ConsoleContext, state: HyperPodState) -> NodesSnapshot:
    from console.slurm.join import join_nodes

    cluster, session = state.cluster, state.session  # one cluster's, even if ] comes now
    instances: list[Any] = []
    slurm_nodes: list[Any] = []
    aws_error = slurm_error = None
    if cluster:
        try:
            instances = list(context.hyperpod.list_nodes(cluster, addresses=True))
        except Exception as exc:
            aws_error = translate(exc)
    try:
        slurm_nodes = session.client().nodes()
    except Exception as exc:
        slurm_error = translate(exc)
    if aws_error is not None and slurm_error is not None:
        raise aws_error
    rows = tuple(join_nodes(slurm_nodes, instances))
    return NodesSnapshot(cluster, rows, slurm_error, aws_error, state.now(), session)


def fetch_queue(context: ConsoleContext, state: HyperPodState) -> SlurmJobsSnapshot:
    all_users, session = state.all_users, state.session
    jobs = session.client().queue(all_users=all_users, include_finished=True)
    return SlurmJobsSnapshot(tuple(jobs), all_users, "", state.now(), session=session)


def fetch_history(context: ConsoleContext, state: HyperPodState) -> SlurmJobsSnapshot:
    from console.slurm.client import AccountingDisabledError
    from console.slurm.records import FINISHED_JOB_STATES

    all_users, session = state.all_users, state.session
    try:
        jobs = session.client().history(all_users=all_users, limit=500)
    except AccountingDisabledError as exc:
        return SlurmJobsSnapshot((), all_users, exc.message, state.now(), session=session)
    # History is what has ended: running and pending jobs are the queue's.
    ended = [j for j in jobs if (j.state.split() or [""])[0] in FINISHED_JOB_STATES]
    note, efficiency = "", {}
    try:  # the waste flag: one more sacct call for every shown job
        efficiency = session.client().efficiencies(ended)
    except Exception as exc:
        note = f"efficiency: {translate(exc).message}"
    return SlurmJobsSnapshot(tuple(ended), all_users, note, state.now(), efficiency, session)


@dataclass(frozen=True)
class PartitionsSnapshot:
    items: tuple[PartitionSummary, ...]
    fetched_at: datetime
    session: Any = field(default=None, compare=False, repr=False)  # whose Slurm answered


def fetch_partitions(context: ConsoleContext, state: HyperPodState) -> PartitionsSnapshot:
    session = state.session
    return PartitionsSnapshot(tuple(session.client().partition_summary()), state.now(), session)


def _health_check(service: Any, group: str, cluster: str, ids: list[str]) -> str:
    return str(service.start_health_check(cluster, group, ids))


def bind_state(fetch: Callable[[ConsoleContext, HyperPodState], T], state: HyperPodState) -> Any:
    return lambda context: fetch(context, state)


# --- panes -------------------------------------------------------------------------------------


class HyperPodPane(TableView):
    """Shared parts of the four panes."""

    def __init__(self, poll: PollIntervals, state: HyperPodState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._poll = poll
        self.state = state
        self.snapshot: Any = None

    def compose_parts(self, table: Any, poller: Poller[Any]) -> ComposeResult:
        yield table
        bar = FilterBar(id=f"{self.id}-filter")
        bar.display = False
        yield bar
        yield poller
        yield Static(Content(f"loading {self.NOUN}…"), classes="view-info")

    @property
    def pane_poller(self) -> PanePoller[Any]:
        poller = self.poller
        assert isinstance(poller, PanePoller)
        return poller

    def accept(self, generation: int, snapshot: Any) -> bool:
        """Show ``snapshot`` unless it is stale: another context (profile/region) or
        another cluster's Slurm than the one chosen now."""
        if generation != console_host(self).generation or not self.state.fresh(snapshot):
            return False
        self.snapshot = snapshot
        self.table.sync(snapshot.items)
        self.show_info()
        return True

    def info_extra(self) -> list[str]:
        if self.snapshot is None:
            return []
        return [f"updated {self.snapshot.fetched_at.astimezone():%H:%M:%S}"]


class ClustersPane(HyperPodPane):
    NOUN = "clusters"
    TAB = "hyperpod"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="hyperpod.clusters.filter"),
        Binding("s", "sort", "Sort", show=False, id="hyperpod.clusters.sort"),
        Binding("r", "refresh", "Refresh", id="hyperpod.clusters.refresh"),
        Binding("G", "scale", "Scale group", id="hyperpod.clusters.scale"),
        Binding("u", "update_software", "Update software", id="hyperpod.clusters.update"),
    ]

    @dataclass
    class Chosen(Message):
        """``enter`` on a cluster: the tab shows its nodes."""

        name: str

    def compose(self) -> ComposeResult:
        poller = PanePoller[ClustersSnapshot](
            "hyperpod",
            fetch_clusters,
            transitional=lambda s: any(c.status not in {"InService", "Failed"} for c in s.items),
            schedule=schedule_for(self._poll, "hyperpod"),
            id="hp-clusters-poller",
        )
        yield from self.compose_parts(ClustersTable(id="hp-clusters-table"), poller)
        yield Static("", id="hp-groups")

    @on(Listed)
    def _listed(self, message: Listed[ClustersSnapshot]) -> None:
        message.stop()  # the pane's own poll (the tab counts nothing from it)
        if self.accept(message.generation, message.snapshot):
            self.state.clusters = {c.name: c for c in message.snapshot.items}
            self.show_preview()

    def show_preview(self) -> None:
        cluster = self.table.cursor_item() if self.table.row_count else None
        groups = self.query_one("#hp-groups", Static)
        if cluster is None:
            groups.update("")
            return
        lines = [f"{cluster.name} · {cluster.status} · instance groups:"]
        for g in cluster.instance_groups:
            lines.append(
                f"  {g.name:<16} {g.instance_type:<16} {g.current_count}/{g.target_count} "
                f"{g.status or '-':<10} Slurm: {g.slurm_node_type or '-'}"
            )
        groups.update(Content("\n".join(lines)))

    def open_item(self, key: str) -> None:
        self.post_message(self.Chosen(key))

    def _cluster(self) -> Cluster | None:
        cluster = self.table.cursor_item()
        if cluster is None:
            notify(self, "no cluster selected", severity="warning", timeout=3)
        return cluster

    def action_scale(self) -> None:
        """``G``: scale one instance group of the highlighted cluster (GROUP COUNT)."""
        from screens.hyperpod.lifecycle_actions import ask_scale, default_group

        cluster = self._cluster()
        if cluster is not None and self.gate_allows("hyperpod-scale", cluster.name):
            ask_scale(self, cluster.name, None, default_group(cluster))

    def action_update_software(self) -> None:
        """``u``: patch every node of the highlighted cluster to the latest image."""
        from screens.hyperpod.lifecycle_actions import ask_update_software

        cluster = self._cluster()
        if cluster is not None and self.gate_allows("hyperpod-update-software", cluster.name):
            ask_update_software(self, cluster.name)


class NodesPane(HyperPodPane):
    NOUN = "nodes"
    TAB = "hyperpod"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="hyperpod.nodes.filter"),
        Binding("s", "sort", "Sort", show=False, id="hyperpod.nodes.sort"),
        Binding("r", "refresh", "Refresh", id="hyperpod.nodes.refresh"),
        Binding("ctrl+r", "reboot", "Reboot", id="hyperpod.nodes.reboot"),
        Binding("ctrl+e", "replace", "Replace", id="hyperpod.nodes.replace"),
        Binding("H", "health_check", "Health check", id="hyperpod.nodes.health"),
        Binding("E", "node_events", "Node events", id="hyperpod.nodes.events"),
        Binding("D", "drain", "Drain", show=False, id="hyperpod.nodes.drain"),
        Binding("U", "resume_node", "Resume node", show=False, id="hyperpod.nodes.resume"),
        Binding("G", "scale", "Scale group", show=False, id="hyperpod.nodes.scale"),
        Binding("ctrl+d", "delete", "Delete node", show=False, id="hyperpod.nodes.delete"),
    ]

    @dataclass
    class EventsWanted(Message):
        """``E`` on a node: the tab shows that node's cluster events."""

        instance_id: str

    def compose(self) -> ComposeResult:
        poller = PanePoller[NodesSnapshot](
            "hyperpod-nodes",
            bind_state(fetch_nodes, self.state),
            transitional=lambda s: s.transitional,
            schedule=schedule_for(self._poll, "slurm"),
            id="hp-nodes-poller",
        )
        yield from self.compose_parts(NodesTable(id="hp-nodes-table"), poller)

    @on(Listed)
    def _listed(self, message: Listed[NodesSnapshot]) -> None:
        message.stop()
        snapshot = message.snapshot
        if snapshot.cluster != self.state.cluster:  # polled before ] switched clusters
            return
        if not self.accept(message.generation, snapshot):
            return
        self.state.hostnames = {
            r.instance.instance_id: r.instance.hostname or r.name
            for r in snapshot.items
            if r.instance is not None
        }
        if snapshot.slurm_error is not None:
            self.post_message(SlurmUnreachable(snapshot.slurm_error))

    def info_extra(self) -> list[str]:
        parts = super().info_extra()
        snapshot: NodesSnapshot | None = self.snapshot
        if snapshot is not None:
            if snapshot.slurm_error is not None:
                parts.append(f"Slurm: {snapshot.slurm_error.message}")
            if snapshot.aws_error is not None:
                parts.append(f"AWS: {snapshot.aws_error.message}")
            if not snapshot.cluster:
                parts.append("no HyperPod cluster chosen (L: clusters)")
        return parts

    def _instance(self, action: str) -> Any:
        row = self.table.cursor_item()
        if row is None or row.instance is None:
            notify(self, "no HyperPod instance on this row", severity="warning", timeout=3)
            return None
        if not self.gate_allows(action, row.instance.cluster):
            return None
        return row.instance

    def open_item(self, key: str) -> None:
        """``enter``: the node in full (Slurm's view joined with its instance)."""
        from screens.hyperpod.node_detail import NodeDetailScreen

        row = self.table.items.get(key)
        if row is not None:
            screen = NodeDetailScreen(
                self.state.session, row.name, row.instance, in_slurm=row.slurm is not None
            )
            self.app.push_screen(screen)

    def action_scale(self) -> None:
        """``G``: scale the highlighted node's instance group."""
        from screens.hyperpod.lifecycle_actions import ask_scale

        if (node := self._instance("hyperpod-scale")) is None:
            return

        def ask(cluster: Cluster) -> None:
            self.state.clusters[cluster.name] = cluster
            group = next((g for g in cluster.instance_groups if g.name == node.group), None)
            ask_scale(self, node.cluster, node.group, str(group.target_count) if group else "")

        if (known := self.state.clusters.get(node.cluster)) is not None:
            ask(known)
            return
        # The clusters pane was never opened: read the instance groups here, so the
        # prompt still offers the group's current count.
        run_for_context(
            self,
            lambda context: context.hyperpod.describe_cluster(node.cluster),
            done=ask,
            failed=lambda error: notify(self, error.one_line(), severity="error", title="scale"),
            name="hyperpod-scale-groups",
        )

    def action_delete(self) -> None:
        """``ctrl+d``: delete the highlighted node (refused while Slurm runs jobs on it)."""
        from screens.hyperpod.lifecycle_actions import ask_delete_node

        if (node := self._instance("hyperpod-delete-nodes")) is not None:
            ask_delete_node(self, node, self.state.session)

    def _slurm_node(self, action: str) -> str | None:
        row = self.table.cursor_item()
        if row is None or row.slurm is None:
            notify(self, "this row is no Slurm node", severity="warning", timeout=3)
            return None
        if not self.gate_allows(action, row.name):
            return None
        return str(row.name)

    def action_drain(self) -> None:
        """``D``: drain the node (running jobs finish, no new ones start), with a reason."""
        from screens.hyperpod.prompt import ValuePrompt

        node = self._slurm_node("slurm-drain")
        if node is None:
            return

        def answered(reason: str | None) -> None:
            from console.slurm.client import check_reason

            if reason is None:
                return
            try:
                reason = check_reason(reason)
            except SmError as exc:
                notify(self, exc.one_line(), severity="error", title="drain")
                return
            dialog = ConfirmDialog(
                "Drain Slurm node?",
                f"{node}: jobs running on it finish, no new job starts there until it is "
                f"resumed (U).\nReason: {reason}",
                change=("slurm-drain", node),
                confirm_label="Drain",
            )
            self.ask(dialog, lambda: self._node_update("drain", node, reason), what=f"drain {node}")

        self.app.push_screen(ValuePrompt(f"Why drain {node}?", placeholder="bad GPU 3"), answered)

    def action_resume_node(self) -> None:
        """``U``: return a drained (or down) node to service."""
        node = self._slurm_node("slurm-resume")
        if node is None:
            return
        dialog = ConfirmDialog(
            "Resume Slurm node?",
            f"{node} returns to service: Slurm starts jobs on it again.",
            change=("slurm-resume", node),
            confirm_label="Resume",
        )
        self.ask(dialog, lambda: self._node_update("resume", node, ""), what=f"resume {node}")

    def _node_update(self, verb: str, node: str, reason: str) -> None:
        session = self.state.session

        def work() -> Any:
            client = session.client()
            return client.drain(node, reason) if verb == "drain" else client.resume(node)

        def done(found: Any) -> None:
            notify(self, f"{node}: {verb} done ({found.display_state})", title=verb)

        self.run_change(f"{verb} {node}", work, done)

    def action_node_events(self) -> None:
        row = self.table.cursor_item()
        if row is None or row.instance is None:
            notify(self, "no HyperPod instance on this row", severity="warning", timeout=3)
            return
        self.post_message(self.EventsWanted(row.instance.instance_id))

    def action_reboot(self) -> None:
        node = self._instance("cluster-node-reboot")
        if node is None:
            return
        dialog = ConfirmDialog(
            "Reboot HyperPod node?",
            f"{node.instance_id} (group {node.group}, {node.hostname or 'no host name'}) "
            "reboots: every job step running on it is killed.",
            change=("cluster-node-reboot", node.cluster),
            confirm_label="Reboot",
        )
        self.ask(
            dialog, lambda: self._node_action("reboot", node), what=f"reboot {node.instance_id}"
        )

    def action_replace(self) -> None:
        node = self._instance("cluster-node-replace")
        if node is None:
            return
        dialog = ConfirmDialog(
            "Replace HyperPod node?",
            f"{node.instance_id} (group {node.group}) is terminated and a new instance takes "
            "its place: its local disks are lost and jobs on it are killed.",
            change=("cluster-node-replace", node.cluster),
            confirm_label="Replace",
            typed_name=node.instance_id,
        )
        self.ask(
            dialog, lambda: self._node_action("replace", node), what=f"replace {node.instance_id}"
        )

    def action_health_check(self) -> None:
        node = self._instance("cluster-node-health-check")
        if node is None:
            return
        dialog = ConfirmDialog(
            "Run deep health checks?",
            f"{node.instance_id} (group {node.group}) leaves service while HyperPod stresses "
            "its GPUs and network (about an hour); jobs on it are killed, and a node that "
            "fails the checks is replaced.",
            change=("cluster-node-health-check", node.cluster),
            confirm_label="Start checks",
        )
        what = f"health check {node.instance_id}"
        self.ask(dialog, lambda: self._node_action("health check", node), what=what)

    def _node_action(self, verb: str, node: Any) -> None:
        service = console_host(self).context.hyperpod
        work: Callable[[str, list[str]], Any]
        if verb == "health check":
            work = partial(_health_check, service, node.group)
        else:
            work = service.reboot_nodes if verb == "reboot" else service.replace_nodes

        def done(result: Any) -> None:
            if getattr(result, "failed", None):
                node_id, why = result.failed[0]
                notify(self, f"{verb} {node_id} failed: {why}", severity="error", title=verb)
            else:
                notify(self, f"{verb} of {node.instance_id} requested", title=verb)

        self.run_change(
            f"{verb} {node.instance_id}", lambda: work(node.cluster, [node.instance_id]), done
        )


class QueuePane(HyperPodPane):
    NOUN = "Slurm jobs"
    TAB = "hyperpod"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="hyperpod.queue.filter"),
        Binding("s", "sort", "Sort", show=False, id="hyperpod.queue.sort"),
        Binding("r", "refresh", "Refresh", id="hyperpod.queue.refresh"),
        Binding("A", "toggle_all", "Mine/all", id="hyperpod.queue.all"),
        Binding("l", "logs", "Log", id="hyperpod.queue.logs"),
        Binding("g", "gpus", "GPUs", id="hyperpod.queue.gpus"),
        Binding("ctrl+k", "cancel_job", "Cancel job", id="hyperpod.queue.cancel"),
        Binding("K", "cancel_job_array", "Cancel array", id="hyperpod.queue.cancel_array"),
        Binding("space", "toggle_mark", "Mark", id="hyperpod.queue.mark"),
        Binding("o", "control('hold')", "Hold", id="hyperpod.queue.hold"),
        Binding("O", "control('release')", "Release", id="hyperpod.queue.release"),
        Binding("Q", "control('requeue')", "Requeue", show=False, id="hyperpod.queue.requeue"),
        Binding("T", "control('time_limit')", "Time limit", show=False, id="hyperpod.queue.limit"),
        Binding("i", "control('signal')", "Signal", show=False, id="hyperpod.queue.signal"),
        Binding("z", "control('suspend')", "Suspend", show=False, id="hyperpod.queue.suspend"),
        Binding(
            "Z", "control('unsuspend')", "Unsuspend", show=False, id="hyperpod.queue.unsuspend"
        ),
        Binding("E", "efficiency", "Efficiency", show=False, id="hyperpod.queue.efficiency"),
    ]

    @dataclass
    class JobAction(Message):
        """``l``/``g``/``enter``/``E`` on a job: the tab opens its log, its GPU panel, its
        detail (``detail``) or its detail with the efficiency (``efficiency``)."""

        action: str
        job: Any  # SlurmJob (queue) or AccountingJob (history)

    def compose(self) -> ComposeResult:
        poller = PanePoller[SlurmJobsSnapshot](
            "slurm-queue",
            bind_state(fetch_queue, self.state),
            transitional=lambda s: s.transitional,
            schedule=schedule_for(self._poll, "slurm"),
            id="hp-queue-poller",
        )
        yield from self.compose_parts(QueueTable(id="hp-queue-table"), poller)

    @on(Listed)
    def _listed(self, message: Listed[SlurmJobsSnapshot]) -> None:
        message.stop()
        if self.accept(message.generation, message.snapshot):
            self.queue_table.keep_marks()
            self.show_info()

    @property
    def queue_table(self) -> QueueTable:
        table = self.table
        assert isinstance(table, QueueTable)
        return table

    def info_extra(self) -> list[str]:
        parts = ["everyone's" if self.state.all_users else "mine", *super().info_extra()]
        if marked := len(self.queue_table.marks):
            parts.insert(0, f"{marked} marked (space unmarks)")
        return parts

    # --- marks and job control ------------------------------------------------------------
    def action_toggle_mark(self) -> None:
        """``space``: mark/unmark the highlighted job and move down (to mark the next)."""
        table = self.queue_table
        key = table.cursor_key
        if key is None:
            return
        table.toggle_mark(key)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self.show_info()

    def marked_or_cursor(self) -> list[SlurmJob]:
        table = self.queue_table
        keys = table.marks.targets(table.shown_keys(), table.cursor_key)
        return [table.items[k] for k in keys if k in table.items]

    def action_control(self, name: str) -> None:
        """Hold, release, requeue, time limit, signal, suspend or resume the marked jobs
        (else the highlighted one): read-only refused first, a value asked where needed,
        one confirm dialog naming them all."""
        from screens.hyperpod.job_control import CONTROLS
        from screens.hyperpod.prompt import ValuePrompt

        control = CONTROLS.get(name)
        jobs = self.marked_or_cursor()
        if control is None or not jobs:
            notify(self, "no job selected", severity="warning", timeout=3)
            return
        target = ",".join(j.job_id for j in jobs)
        if not self.gate_allows(control.action, target):
            return
        if not control.question:
            self._confirm_control(name, jobs, "")
            return

        def answered(value: str | None) -> None:
            if value is not None:
                self._confirm_control(name, jobs, value)

        self.app.push_screen(ValuePrompt(control.question, control.default), answered)

    def _confirm_control(self, name: str, jobs: list[SlurmJob], value: str) -> None:
        from screens.hyperpod.job_control import CONTROLS, check_value, dialog_text

        control = CONTROLS[name]
        if control.question:
            try:
                value = check_value(name, value)
            except SmError as exc:
                notify(self, exc.one_line(), severity="error", title=control.title)
                return
        title, message = dialog_text(control, jobs, value)
        ids = [j.job_id for j in jobs]
        target = ",".join(ids)
        dialog = ConfirmDialog(
            title,
            message,
            change=(control.action, target),
            confirm_label=control.confirm_label or control.title.split()[0],
        )
        what = f"{control.action.removeprefix('slurm-')} {target}"
        self.ask(dialog, lambda: self._run_control(name, ids, value), what=what)

    def _run_control(self, name: str, ids: list[str], value: str) -> None:
        from screens.hyperpod.job_control import CONTROLS, outcome_text, run_control

        control = CONTROLS[name]
        session = self.state.session

        def done(outcome: Any) -> None:
            self.queue_table.clear_marks()
            self.show_info()
            text = outcome_text(control, outcome, value)
            if outcome.failed:
                notify(self, text, severity="error", title=control.title)
            else:
                notify(self, text, title=control.title)

        self.run_change(
            f"{control.action} {','.join(ids)}",
            lambda: run_control(session.client, control, ids, value),
            done,
        )

    def action_efficiency(self) -> None:
        if (job := self._job()) is not None:
            self.post_message(self.JobAction("efficiency", job))

    def action_toggle_all(self) -> None:
        self.state.all_users = not self.state.all_users
        self.show_info()
        self.poller.refresh_now()

    def _job(self) -> SlurmJob | None:
        job = self.table.cursor_item()
        if job is None:
            notify(self, "no job selected", severity="warning", timeout=3)
        return job

    def open_item(self, key: str) -> None:
        job = self.table.items.get(key)
        if job is not None:
            self.post_message(self.JobAction("detail", job))

    def action_logs(self) -> None:
        if (job := self._job()) is not None:
            self.post_message(self.JobAction("logs", job))

    def action_gpus(self) -> None:
        if (job := self._job()) is not None:
            self.post_message(self.JobAction("gpus", job))

    def action_cancel_job(self) -> None:
        """``ctrl+k``: the marked jobs (one dialog naming them all), else this row's job or
        array task (a pending range is no one task)."""
        if len(self.queue_table.marks):
            self.action_control("cancel")
            return
        job = self._job()
        if job is None or not self.gate_allows("slurm-cancel", job.job_id):
            return
        if job.is_task_range:
            notify(
                self,
                f"{job.job_id} stands for pending tasks of array {job.array_job_id}: "
                "K cancels the whole array",
                severity="warning",
            )
            return
        if not job.active:
            notify(self, f"job {job.job_id} has already ended ({job.state})", severity="warning")
            return
        dialog = ConfirmDialog(
            "Cancel Slurm job?",
            f"Job {job.job_id} ({job.name}, {job.user}) is {job.display_state}. scancel "
            "ends it; what it has not checkpointed is lost.",
            change=("slurm-cancel", job.job_id),
            confirm_label="scancel",
        )
        self.ask(dialog, lambda: self._cancel(job.job_id), what=f"cancel job {job.job_id}")

    def action_cancel_job_array(self) -> None:
        """``K``: every task of the highlighted row's array (one ``scancel ARRAY_ID``)."""
        job = self._job()
        if job is None or not self.gate_allows("slurm-cancel", job.whole_array_id):
            return
        if not job.array_job_id:
            notify(
                self,
                f"job {job.job_id} is not an array job: ctrl+k cancels it",
                severity="warning",
            )
            return
        array = job.array_job_id
        tasks = [j for j in self.table.items.values() if j.array_job_id == array and j.active]
        dialog = ConfirmDialog(
            "Cancel the whole array?",
            f"Array job {array} ({job.name}, {job.user}): scancel {array} ends every task "
            f"({', '.join(j.job_id for j in tasks) or 'none active in this view'}), running "
            "and pending; what they have not checkpointed is lost.",
            change=("slurm-cancel", array),
            confirm_label="scancel",
        )
        self.ask(dialog, lambda: self._cancel(array), what=f"cancel array job {array}")

    def _cancel(self, job_id: str) -> None:
        session = self.state.session

        def done(_job: Any) -> None:
            notify(self, f"job {job_id} cancelled", title="scancel")

        self.run_change(f"cancel job {job_id}", lambda: session.client().cancel(job_id), done)


class HistoryPane(HyperPodPane):
    NOUN = "finished jobs"
    TAB = "hyperpod"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="hyperpod.history.filter"),
        Binding("s", "sort", "Sort", show=False, id="hyperpod.history.sort"),
        Binding("r", "refresh", "Refresh", id="hyperpod.history.refresh"),
        Binding("A", "toggle_all", "Mine/all", id="hyperpod.history.all"),
        Binding("l", "logs", "Log", id="hyperpod.history.logs"),
        Binding("E", "efficiency", "Efficiency", id="hyperpod.history.efficiency"),
    ]

    def compose(self) -> ComposeResult:
        poller = PanePoller[SlurmJobsSnapshot](
            "slurm-history",
            bind_state(fetch_history, self.state),
            transitional=lambda s: False,
            schedule=schedule_for(self._poll, "slurm"),
            id="hp-history-poller",
        )
        yield from self.compose_parts(HistoryTable(id="hp-history-table"), poller)

    @on(Listed)
    def _listed(self, message: Listed[SlurmJobsSnapshot]) -> None:
        message.stop()
        table = self.table
        snapshot = message.snapshot
        current = message.generation == console_host(self).generation
        if current and self.state.fresh(snapshot) and isinstance(table, HistoryTable):
            table.set_efficiency(snapshot.efficiency)
        self.accept(message.generation, snapshot)

    def info_extra(self) -> list[str]:
        parts = ["everyone's" if self.state.all_users else "mine", *super().info_extra()]
        if self.snapshot is not None and self.snapshot.note:
            parts.append(self.snapshot.note)
        return parts

    def action_toggle_all(self) -> None:
        self.state.all_users = not self.state.all_users
        self.show_info()
        self.poller.refresh_now()

    def _job(self) -> Any:
        job = self.table.cursor_item()
        if job is None:
            notify(self, "no job selected", severity="warning", timeout=3)
        return job

    def open_item(self, key: str) -> None:
        job = self.table.items.get(key)
        if job is not None:
            self.post_message(QueuePane.JobAction("detail", job))

    def action_logs(self) -> None:
        if (job := self._job()) is not None:
            self.post_message(QueuePane.JobAction("logs", job))

    def action_efficiency(self) -> None:
        if (job := self._job()) is not None:
            self.post_message(QueuePane.JobAction("efficiency", job))


class PartitionsPane(HyperPodPane):
    """Slurm's partitions at a glance: where a job could start, and how many wait."""

    NOUN = "partitions"
    TAB = "hyperpod"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="hyperpod.partitions.filter"),
        Binding("s", "sort", "Sort", show=False, id="hyperpod.partitions.sort"),
        Binding("r", "refresh", "Refresh", id="hyperpod.partitions.refresh"),
    ]

    def compose(self) -> ComposeResult:
        poller = PanePoller[PartitionsSnapshot](
            "slurm-partitions",
            bind_state(fetch_partitions, self.state),
            transitional=lambda s: False,
            schedule=schedule_for(self._poll, "slurm"),
            id="hp-partitions-poller",
        )
        yield from self.compose_parts(PartitionsTable(id="hp-partitions-table"), poller)

    @on(Listed)
    def _listed(self, message: Listed[PartitionsSnapshot]) -> None:
        message.stop()
        self.accept(message.generation, message.snapshot)
