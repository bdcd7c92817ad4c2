"""The HyperPod tab: a cluster's AWS view joined with its Slurm view.

Panes (one on screen at a time, each polling only while shown; ``p`` Slurm partitions;
``]`` the next cluster): ``L`` clusters and their instance groups (``G`` scale a group,
``u`` update software), ``I`` nodes (one row per machine: Slurm state/reason/CPUs/GPUs
beside the instance's AWS status; ``enter`` the node in full, ``ctrl+r`` reboot,
``ctrl+e`` replace, ``H`` deep health check, ``E`` the node's events, ``D`` drain with a
reason, ``U`` resume, ``G`` scale its group, ``ctrl+d`` delete it), ``e`` the cluster's
events (``enter`` one in full), ``j`` the Slurm queue (``A`` mine/all, ``enter`` the
job's detail, ``l`` its log, ``g`` its GPUs, ``ctrl+k`` scancel the job or array task,
``K`` the whole array; ``space`` marks jobs, then ``o``/``O`` hold/release, ``Q``
requeue, ``T`` time limit, ``i`` signal, ``z``/``Z`` suspend/resume and ``ctrl+k`` act on
every marked job with one confirm), ``h`` history of ended jobs (sacct; ``enter`` detail, ``l`` log,
``E`` efficiency). ``b`` opens the sbatch editor; a submitted job's log opens by itself.

Slurm is reached as the config's ``[ssh]`` section says (ssh, ssm, local, or the demo's
simulated cluster), through one :class:`~console.slurm.session.SlurmSession` opened in a
worker on first use. An unknown SSH host key stops there: its fingerprint is shown in the
confirm dialog and the key is recorded only if the operator accepts it; a changed key is
refused with the warning, never offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, Static

from console.events.hyperpod_rows import cluster_row, joined_all, node_row
from console.remote.errors import HostKeyError
from screens.hyperpod.detail import SlurmJobDetailScreen
from screens.hyperpod.events import EventsPane
from screens.hyperpod.jobs import GpuScreen, SlurmJobLog, SlurmLogScreen
from screens.hyperpod.panes import (
    ClustersPane,
    HistoryPane,
    HyperPodPane,
    HyperPodState,
    NodesPane,
    PartitionsPane,
    QueuePane,
    SlurmUnreachable,
)
from screens.hyperpod.sbatch import SbatchOutcome, SbatchScreen
from screens.kit.confirm import ConfirmDialog, refused_read_only
from screens.kit.host import console_host
from screens.kit.lifecycle import being_removed
from screens.kit.live_rows import follow_changes
from screens.kit.messages import PollFailed
from screens.kit.palette import PaletteCommand
from screens.kit.plain import notify
from screens.logs.feed import FeedTiming
from screens.logs.view import max_lines_from

if TYPE_CHECKING:
    from console.config import Config
    from console.context import ConsoleContext
    from console.events.records import ResourceChanged
    from console.services.hyperpod import Cluster, ClusterNode
    from console.slurm.session import SlurmSession

PANES = {
    "clusters": "hp-clusters",
    "nodes": "hp-nodes",
    "events": "hp-events",
    "queue": "hp-queue",
    "history": "hp-history",
    "partitions": "hp-partitions",
}
PANE_TITLES = {
    "clusters": "Clusters",
    "nodes": "Nodes",
    "events": "Events",
    "queue": "Queue",
    "history": "History",
    "partitions": "Partitions",
}
SLURM_LOG_INTERVAL = 1.0


class HyperPodView(Vertical):
    """Everything on the HyperPod tab."""

    BINDINGS = [
        Binding("L", "pane('clusters')", "Clusters", id="hyperpod.clusters"),
        Binding("I", "pane('nodes')", "Nodes", id="hyperpod.nodes"),
        Binding("e", "pane('events')", "Events", id="hyperpod.events"),
        Binding("j", "pane('queue')", "Queue", id="hyperpod.queue"),
        Binding("h", "pane('history')", "History", id="hyperpod.history"),
        Binding("p", "pane('partitions')", "Partitions", id="hyperpod.partitions"),
        Binding("b", "new_job", "New job", id="hyperpod.new_job"),
        Binding("right_square_bracket", "next_cluster", "Next cluster", id="hyperpod.next_cluster"),
    ]

    def __init__(self, config: Config, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._config = config
        self.state: HyperPodState | None = None
        self.pane = "nodes" if config.ssh.cluster or config.ssh.transport == "demo" else "clusters"
        self.draft: str | None = None
        self.draft_name = ""
        self._asked_keys: set[str] = set()  # fingerprints already offered (one dialog each)

    def compose(self) -> ComposeResult:
        from console.slurm.session import SlurmSession

        session = SlurmSession.from_context(console_host(self).context)
        self.state = HyperPodState(session, self._config.ssh.cluster)
        poll = self._config.poll
        yield Static("", id="hyperpod-head")
        with ContentSwitcher(initial=PANES[self.pane], id="hyperpod-panes"):
            yield ClustersPane(poll, self.state, id="hp-clusters")
            yield NodesPane(poll, self.state, id="hp-nodes")
            yield EventsPane(poll, self.state, id="hp-events")
            yield QueuePane(poll, self.state, id="hp-queue")
            yield HistoryPane(poll, self.state, id="hp-history")
            yield PartitionsPane(poll, self.state, id="hp-partitions")

    def on_mount(self) -> None:
        if being_removed(self):
            return
        self._activate(self.pane, focus=False)  # the tab is not shown yet
        self._follow_changes()

    # --- live rows (pushed HyperPod events, issue 18) ---------------------------------------
    def _follow_changes(self) -> None:
        """Cluster and node events refresh their rows with one describe each. The nodes
        pane keeps its poll pace: Slurm's half of its rows has no events."""
        clusters, nodes = self.query_one(ClustersPane), self.query_one(NodesPane)
        state = self.state
        assert state is not None

        # Both run on the consumer's thread (plain attributes only). A pane that has not
        # listed yet is left alone: one pushed row would look like the whole list.
        def cluster(context: ConsoleContext, change: ResourceChanged) -> Cluster | None:
            return cluster_row(context, change) if clusters.snapshot is not None else None

        def node(context: ConsoleContext, change: ResourceChanged) -> ClusterNode | None:
            if nodes.snapshot is None:
                return None
            return node_row(context, change, state.cluster)  # the shown cluster's only

        follow_changes(clusters, ("cluster",), cluster, self._clusters_changed, clusters.poller)
        follow_changes(nodes, ("cluster-node",), node, self._nodes_changed)

    # A pushed batch (one item per resource) in one call: one table update for all of it.
    def _clusters_changed(self, changed: list[Cluster]) -> None:
        assert self.state is not None
        pane = self.query_one(ClustersPane)
        pane.table.upsert_many(changed)
        for cluster in changed:
            self.state.clusters[cluster.name] = cluster
        pane.show_preview()
        self.show_head()

    def _nodes_changed(self, changed: list[ClusterNode]) -> None:
        state = self.state
        assert state is not None
        # Nodes of another cluster: the operator chose another one meanwhile.
        shown = [node for node in changed if node.cluster == state.cluster]
        if not shown:
            return
        table = self.query_one(NodesPane).table
        rows = joined_all(table.items.values(), shown)
        table.upsert_many(rows)
        for row in rows:
            if row.instance is not None:
                state.hostnames[row.instance.instance_id] = row.instance.hostname or row.name

    @property
    def session(self) -> SlurmSession:
        assert self.state is not None
        return self.state.session

    def current_pane(self) -> HyperPodPane:
        return self.query_one(f"#{PANES[self.pane]}", HyperPodPane)

    def focus_main(self) -> None:
        self.current_pane().focus_main()

    def reset(self) -> None:
        """Context switched (profile/region): a new session, every pane polled afresh."""
        from console.slurm.session import SlurmSession

        if self.state is None:
            return
        self.state.session.close()
        self.state.session = SlurmSession.from_context(console_host(self).context)
        self.state.clusters = {}
        self.state.event_node = ""
        self.state.hostnames = {}
        for pane_id in PANES.values():
            pane = self.query_one(f"#{pane_id}", HyperPodPane)
            pane.snapshot = None
            pane.table.sync(())
            pane.poller.reset()
        self._asked_keys.clear()
        self.show_head()

    # --- panes ----------------------------------------------------------------------------
    def action_pane(self, pane: str) -> None:
        if pane in PANES:
            self._activate(pane)

    def _activate(self, pane: str, *, focus: bool = True) -> None:
        self.pane = pane
        self.query_one(ContentSwitcher).current = PANES[pane]
        for name, pane_id in PANES.items():
            self.query_one(f"#{pane_id}", HyperPodPane).pane_poller.set_active(name == pane)
        self.show_head()
        if focus:
            self.current_pane().focus_main()

    def show_head(self) -> None:
        state = self.state
        if state is None:
            return
        cluster = state.cluster or "no cluster chosen"
        known = state.clusters.get(state.cluster)
        status = f" ({known.status})" if known else ""
        panes = " ".join(
            f"[{title}]" if name == self.pane else title for name, title in PANE_TITLES.items()
        )
        where = f"{cluster}{status} · Slurm: {state.session.label}"
        keys = f"{self._keys('pane')} panes"
        text = f"{where} · {panes} · {keys} · {self._keys('next_cluster')} next cluster · "
        text += f"{self._keys('new_job')} new job"
        if len(text) > (self.size.width or self.app.size.width):
            # Narrow (80 columns): the pane you are on and the keys to the others first.
            text = f"[{PANE_TITLES[self.pane]}] · {keys} · {where}"
        self.query_one("#hyperpod-head", Static).update(Content(text))

    def _keys(self, action: str) -> str:
        """The keys of this view's bindings whose action starts with ``action``, as the
        keymap has them now, "/"-joined (``L/I/e/j/h/p``): the head never names a key
        that does nothing."""
        keymap: Mapping[str, str] = getattr(self.app, "keymap", None) or {}
        found: list[str] = []
        for binding in Binding.make_bindings(self.BINDINGS):
            if binding.action.split("(", 1)[0] == action:
                key = keymap.get(binding.id or "", binding.key).split(",")[0].strip()
                found.append(self.app.get_key_display(binding.with_key(key)))
        return "/".join(found)

    def on_resize(self) -> None:
        self.show_head()

    @on(ClustersPane.Chosen)
    def _cluster_chosen(self, message: ClustersPane.Chosen) -> None:
        self.choose_cluster(message.name)
        self._activate("nodes")

    def choose_cluster(self, name: str) -> None:
        """Show ``name``'s nodes and events from now on (over SSM, and in the demo, its
        Slurm too)."""
        assert self.state is not None
        before = self.state.session
        self.state.cluster = name
        self.state.session = before.for_cluster(name)  # SSM/demo: that cluster's Slurm
        self.state.event_node = ""
        emptied = ["events", "nodes"]
        if self.state.session is not before:
            emptied += ["queue", "history", "partitions"]
        for pane_name in emptied:
            pane = self.query_one(f"#{PANES[pane_name]}", HyperPodPane)
            pane.snapshot = None
            pane.table.sync(())
            pane.show_info()
            # Poll the new cluster at once (a hidden pane as soon as it is shown); what
            # the old cluster still answers is dropped (HyperPodState.fresh).
            pane.poller.refresh_now()
        self.show_head()

    def action_next_cluster(self) -> None:
        """``]``: the account's next HyperPod cluster (several clusters, one key)."""
        from screens.hyperpod.lifecycle_actions import next_cluster

        next_cluster(self)

    @on(NodesPane.EventsWanted)
    def _node_events(self, message: NodesPane.EventsWanted) -> None:
        message.stop()
        self._activate("events")
        self.query_one(EventsPane).scope(message.instance_id)

    # --- Slurm problems ---------------------------------------------------------------------
    @on(SlurmUnreachable)
    def _slurm_unreachable(self, message: SlurmUnreachable) -> None:
        message.stop()
        self.offer_host_key(message.error)

    def offer_host_key(self, error: Any) -> None:
        """An unknown host key: show its fingerprint, record it only if accepted."""
        if not isinstance(error, HostKeyError):
            return
        if error.changed or error.unknown is None:
            if error.message not in self._asked_keys:  # once, not on every poll
                self._asked_keys.add(error.message)
                notify(self, error.one_line(), severity="error", title="host key refused")
            return
        unknown = error.unknown
        if unknown.fingerprint in self._asked_keys:
            return
        self._asked_keys.add(unknown.fingerprint)
        dialog = ConfirmDialog(
            "Unknown SSH host key",
            f"{unknown.hostname} presents a key smconsole has not seen:\n\n"
            f"  {unknown.key_type} {unknown.fingerprint}\n\n"
            "Trust it only if this fingerprint matches the one your cluster admin gave you. "
            f"Trusting writes it to {unknown.known_hosts_file}.",
            change=None,  # a local known_hosts line, not a change on the cluster
            confirm_label="Trust this key",
        )

        def answered(yes: bool | None) -> None:
            if not yes:
                notify(self, "host key not trusted: Slurm stays disconnected", severity="warning")
                return
            self.session.trust(unknown)
            notify(self, f"trusted {unknown.fingerprint} for {unknown.hostname}", title="host key")
            self.current_pane().poller.refresh_now()

        self.app.push_screen(dialog, answered)

    @on(PollFailed)
    def _poll_failed(self, message: PollFailed) -> None:
        # Not stopped: the main screen shows poll health too.
        if message.resource.startswith(("slurm", "hyperpod-nodes")):
            self.offer_host_key(message.error)

    # --- jobs: editor, log, GPUs ----------------------------------------------------------------
    def action_new_job(self) -> None:
        """Open the sbatch editor; refused up front in read-only mode (it can only end in
        a submit), before anything else is checked."""
        if refused_read_only(self, "slurm-submit", "(new job)"):
            return
        if not self.session.configured:
            notify(
                self,
                "no Slurm connection is configured: set [ssh] in the config",
                severity="warning",
            )
            return
        screen = SbatchScreen(self.session, draft=self.draft, name=self.draft_name)
        self.app.push_screen(screen, self._editor_closed)

    def _editor_closed(self, outcome: SbatchOutcome | None) -> None:
        if outcome is None:
            return
        if outcome.submitted is None:
            self.draft, self.draft_name = outcome.text, outcome.name
            return
        self.draft, self.draft_name = None, ""
        self.query_one(QueuePane).poller.refresh_now()
        self.open_log(outcome.submitted.job_id, outcome.name, None)

    @on(QueuePane.JobAction)
    def _job_action(self, message: QueuePane.JobAction) -> None:
        message.stop()
        job = message.job
        if message.action in {"detail", "efficiency"}:
            self.app.push_screen(
                SlurmJobDetailScreen(
                    self.session,
                    job.job_id,
                    name=job.name,
                    open_log=self.open_log,
                    efficiency=message.action == "efficiency",
                )
            )
        elif message.action == "gpus":
            if job.state != "RUNNING":
                notify(
                    self,
                    f"job {job.job_id} is {job.display_state}: GPUs are shown for running jobs",
                    severity="warning",
                )
                return
            self.app.push_screen(GpuScreen(self.session, job.job_id, self._config.poll))
        else:
            self.open_log(job.job_id, job.name, job.state)

    def open_log(self, job_id: str, name: str, state: str | None) -> None:
        source = SlurmJobLog(self.session, job_id, name, status_hint=state)
        timing = FeedTiming(
            interval=SLURM_LOG_INTERVAL,
            max_backoff=self._config.poll.max_backoff,
            status_every=5.0,
        )
        self.app.push_screen(
            SlurmLogScreen(source, max_lines=max_lines_from(self._config), timing=timing)
        )

    # --- palette ----------------------------------------------------------------------------------
    def palette_commands(self) -> list[PaletteCommand]:
        def goto(pane: str) -> Any:
            def run() -> None:
                show_tab = getattr(self.screen, "show_tab", None)
                if callable(show_tab):
                    show_tab("hyperpod")
                self._activate(pane)

            return run

        return [
            (f"HyperPod: {title}", f"show the {title.lower()} pane", goto(name))
            for name, title in PANE_TITLES.items()
        ] + [("HyperPod: new Slurm job", "open the sbatch editor (b)", self.action_new_job)]
