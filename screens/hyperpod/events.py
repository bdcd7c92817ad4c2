"""The HyperPod tab's Events pane: the cluster's own record of what happened to it.

Like the AWS console's cluster Events tab: time, level, what the event is about (the
cluster, an instance group or a node), and the description, newest first. ``enter``
opens one event in full (DescribeClusterEvent: its metadata, e.g. a failure message or
the Slurm daemon's health). From the nodes pane ``E`` shows the highlighted node's events
only (the API filters by node id); ``A`` here goes back to every event.

The API keeps events only for clusters with continuous node provisioning; for the
others the pane says so in its info line instead of showing an empty table in silence.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.errors import SmError, translate
from screens.hyperpod.panes import HyperPodPane, PanePoller, bind_state
from screens.kit.formatting import MISSING, format_time, format_timestamp
from screens.kit.host import console_host
from screens.kit.key_order import focus_now
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch
from screens.kit.messages import Listed
from screens.kit.plain import notify
from screens.kit.poller import schedule_for

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.hyperpod import ClusterEvent
    from screens.hyperpod.panes import HyperPodState

EVENT_LIMIT = 200  # the newest this many: older ones are a `cluster-events --limit` away


@dataclass(frozen=True)
class EventsSnapshot:
    cluster: str
    node: str  # "" for every event of the cluster
    items: tuple[ClusterEvent, ...]
    error: SmError | None
    fetched_at: datetime


def fetch_events(context: ConsoleContext, state: HyperPodState) -> EventsSnapshot:
    """The newest events of the chosen cluster (of one node when the pane is scoped).

    A refusal (no events for this cluster, not supported by the endpoint) is part of the
    snapshot, not a poll failure: retrying with backoff would not change the answer.
    """
    from console.errors import NotSupportedError, ValidationError

    cluster, node = state.cluster, state.event_node
    if not cluster:
        return EventsSnapshot("", node, (), None, state.now())
    try:
        events = tuple(context.hyperpod.list_events(cluster, node=node or None, limit=EVENT_LIMIT))
    except (NotSupportedError, ValidationError) as exc:
        return EventsSnapshot(cluster, node, (), exc, state.now())
    return EventsSnapshot(cluster, node, events, None, state.now())


class EventsTable(KeyedTable["ClusterEvent"]):
    """Cluster events: newest first by default."""

    COLUMNS = (
        TableColumn("time", "Time", compact_width=11, descending_first=True),
        TableColumn("status", "Level", compact_width=5),
        TableColumn("type", "Type", compact_width=8, hide_when_compact=True),
        TableColumn("group", "Group", compact_width=10, hide_when_compact=True),
        TableColumn("node", "Node", compact_width=19),
        TableColumn("host", "Host", compact_width=14),
        TableColumn("description", "Description", flex=True),
    )
    DEFAULT_SORT = "time"
    COMPACT_WIDTH = 120

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # instance id -> Slurm host name, as the nodes pane last read them (events carry
        # only the instance id; an operator reads Slurm's name)
        self.hostnames: Mapping[str, str] = {}

    def key_of(self, item: ClusterEvent) -> str:
        return item.event_id

    def host(self, item: ClusterEvent) -> str:
        return self.hostnames.get(item.instance_id, "") if item.instance_id else ""

    def cell_values(self, item: ClusterEvent, now: datetime) -> Mapping[str, str]:
        return {
            "time": format_time(item.time, compact=self.compact),
            "status": item.level or MISSING,
            "type": item.resource_type or MISSING,
            "group": item.group or MISSING,
            "node": item.instance_id or MISSING,
            "host": self.host(item).split(".", 1)[0] or MISSING,
            "description": item.description or MISSING,
        }

    def filter_fields(self, item: ClusterEvent) -> Mapping[str, str]:
        return {
            "status": item.level,
            "type": item.resource_type,
            "group": item.group,
            "node": item.instance_id,
            "host": self.host(item),
            "description": item.description,
        }

    def sort_value(self, item: ClusterEvent, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "time":
            return (item.time or epoch(), item.event_id)
        return (self.cell_values(item, now)[column], item.time or epoch())


class EventsPane(HyperPodPane):
    NOUN = "events"
    TAB = "hyperpod"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="hyperpod.events.filter"),
        Binding("s", "sort", "Sort", show=False, id="hyperpod.events.sort"),
        Binding("r", "refresh", "Refresh", id="hyperpod.events.refresh"),
        Binding("A", "all_nodes", "All nodes", id="hyperpod.events.all"),
    ]

    def compose(self) -> ComposeResult:
        poller = PanePoller[EventsSnapshot](
            "hyperpod-events",
            bind_state(fetch_events, self.state),
            transitional=lambda s: False,
            schedule=schedule_for(self._poll, "hyperpod"),
            id="hp-events-poller",
        )
        yield from self.compose_parts(EventsTable(id="hp-events-table"), poller)

    @on(Listed)
    def _listed(self, message: Listed[EventsSnapshot]) -> None:
        message.stop()
        snapshot = message.snapshot
        if (snapshot.cluster, snapshot.node) != (self.state.cluster, self.state.event_node):
            return  # asked before the scope changed: a newer poll is on its way
        table = self.table
        if isinstance(table, EventsTable):
            table.hostnames = dict(self.state.hostnames)
        self.accept(message.generation, snapshot)

    def info_extra(self) -> list[str]:
        parts = []
        if self.state.event_node:
            parts.append(f"node {self.state.event_node} only (A: all)")
        parts += super().info_extra()
        snapshot: EventsSnapshot | None = self.snapshot
        if snapshot is not None:
            if snapshot.error is not None:
                parts.append(snapshot.error.one_line())
            if not snapshot.cluster:
                parts.append("no HyperPod cluster chosen (L: clusters)")
        return parts

    def scope(self, node: str) -> None:
        """Show the events of one node ("" for all), polled afresh."""
        if node != self.state.event_node:
            self.state.event_node = node
            self.snapshot = None
            self.table.sync(())
        self.show_info()
        self.poller.refresh_now()

    def action_all_nodes(self) -> None:
        self.scope("")

    def open_item(self, key: str) -> None:
        event = self.table.items.get(key)
        if event is not None:
            self.app.push_screen(EventDetailScreen(event))


def event_lines(event: ClusterEvent) -> list[str]:
    """The full event, one ``label: value`` per line (details flattened)."""
    rows = [
        ("Time", format_timestamp(event.time)),
        ("Level", event.level or MISSING),
        ("Type", event.resource_type or MISSING),
        ("Cluster", event.cluster or MISSING),
        ("Group", event.group or MISSING),
        ("Node", event.instance_id or MISSING),
        ("Operation", event.operation_id or MISSING),
        ("Event ID", event.event_id),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    lines += ["", event.description or "(no description)"]
    if event.details:
        lines += ["", "Details:"]
        lines += [f"  {key}: {value}" for key, value in event.details]
    return lines


@dataclass
class EventDescribed(Message):
    generation: int
    event: ClusterEvent | None = None
    error: SmError | None = None


class EventDetailScreen(ModalScreen[None]):
    """One cluster event in full: what the list shows, then DescribeClusterEvent's details."""

    BINDINGS = [
        Binding("c", "copy", "Copy", id="hyperpod_event.copy"),
        Binding("q", "close", "Close", id="hyperpod_event.close"),
        Binding("escape,enter", "close", "Close", show=False, id="hyperpod_event.close_alt"),
    ]

    def __init__(self, event: ClusterEvent) -> None:
        super().__init__()
        self.event = event

    def compose(self) -> ComposeResult:
        with Vertical(id="hp-event-box"):
            yield Label(
                Content(f"Cluster event · {self.event.level or 'event'}"), id="hp-event-title"
            )
            with VerticalScroll(id="hp-event-scroll"):
                yield Static(Content("\n".join(event_lines(self.event))), id="hp-event-body")
            yield Static(Content("loading details…"), id="hp-event-note")
            command = shlex.join(
                ["smconsole", "cluster-event-describe", self.event.cluster, self.event.event_id]
            )
            yield Static(Content(f"CLI: {command}\nc copy · q close"), id="hp-event-keys")

    def on_mount(self) -> None:
        focus_now(self.query_one("#hp-event-scroll"))
        host = console_host(self)
        generation, context = host.generation, host.context
        cluster = self.event.cluster or self.event.cluster_arn
        event_id = self.event.event_id

        def work() -> None:
            try:
                event = context.hyperpod.describe_event(cluster, event_id)
            except Exception as exc:
                self.post_message(EventDescribed(generation, error=translate(exc)))
            else:
                self.post_message(EventDescribed(generation, event=event))

        self.run_worker(work, name="describe event", thread=True, exit_on_error=False)

    @on(EventDescribed)
    def _described(self, message: EventDescribed) -> None:
        message.stop()
        if message.generation != console_host(self).generation:
            return
        note = self.query_one("#hp-event-note", Static)
        if message.event is None:
            text = message.error.one_line() if message.error else "no details"
            note.update(Content(f"details unavailable: {text}"))
            return
        self.event = message.event
        self.query_one("#hp-event-body", Static).update(
            Content("\n".join(event_lines(message.event)))
        )
        note.update(Content("" if message.event.details else "no further details"))

    def action_copy(self) -> None:
        self.app.copy_to_clipboard("\n".join(event_lines(self.event)))
        notify(self, "event copied", timeout=2)

    def action_close(self) -> None:
        self.dismiss(None)
