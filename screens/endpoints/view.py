"""The Endpoints tab: endpoints with their traffic split; invoke, shift traffic, update, delete.

Keys: `/` filter, `s`/`S` sort, `enter` describe, `l` live logs (every instance merged by
time, the same view as Jobs), `i` invoke panel, `w` A/B traffic
weights (preview, then confirm), `u` move to another endpoint config (confirm),
`ctrl+d` delete (type the name), `r` refresh now. Every change is refused up front in
read-only mode, confirmed through the one confirm dialog, run in a worker through the
gated service, and reported as a notification. On tall screens a preview of the
highlighted endpoint's variants sits under the table (no extra API call).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from console.events.rows import endpoint_row
from console.sanitize import clean
from console.services.endpoints_feed import EndpointsFeed, EndpointsSnapshot
from console.services.projection import CostProjection, combined
from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.guard import GuardFactory, GuardStops, start_guard
from screens.endpoints.invoke import InvokeScreen, PayloadHistory
from screens.endpoints.render import split_summary, variants_table
from screens.endpoints.scaling import ScalingChange, ScalingDialog, describe_change
from screens.endpoints.table import EndpointsTable
from screens.endpoints.update import ConfigPicker
from screens.endpoints.weights import WeightPlan, WeightsDialog
from screens.kit.confirm import ConfirmDialog, with_cost
from screens.kit.filter_bar import FilterBar
from screens.kit.host import console_host
from screens.kit.lifecycle import being_removed
from screens.kit.live_rows import follow_changes
from screens.kit.messages import Listed
from screens.kit.palette import PaletteCommand
from screens.kit.plain import notify
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView

if TYPE_CHECKING:
    from console.config import PollIntervals
    from console.context import ConsoleContext
    from console.services.autoscaling import ScalableTarget
    from console.services.endpoints import Endpoint

# Height from which the variants preview is shown under the table.
TALL_HEIGHT = 36
# SageMaker refuses updates and weight changes while an endpoint is not InService.
CHANGEABLE = frozenset({"InService"})


class EndpointPreview(Static):
    """The highlighted endpoint's variants, on tall screens only."""

    def show_endpoint(self, endpoint: Endpoint | None, view: EndpointsView) -> None:
        if endpoint is None:
            self.update(Content("no endpoint selected"))
            return
        self.update(variants_table(endpoint, view.table.palette))
        self.border_title = Content(f"{endpoint.name} · config {endpoint.config_name}")


class EndpointsView(TableView):
    """Everything on the Endpoints tab."""

    NOUN = "endpoints"
    TAB = "endpoints"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="endpoints.filter"),
        Binding("s", "sort", "Sort", id="endpoints.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="endpoints.sort_reverse"),
        Binding("l", "logs", "Logs", id="endpoints.logs"),
        Binding("i", "invoke", "Invoke", id="endpoints.invoke"),
        Binding("w", "weights", "Traffic", id="endpoints.weights"),
        Binding("u", "update", "Config", id="endpoints.update"),
        Binding("ctrl+d", "delete", "Delete", id="endpoints.delete"),
        Binding("r", "refresh", "Refresh", id="endpoints.refresh"),
    ]

    def __init__(self, poll: PollIntervals, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._poll = poll
        self.feed: EndpointsFeed | None = None
        self.snapshot: EndpointsSnapshot | None = None
        self.history = PayloadHistory()
        # How a traffic guard is built (tests give one that does not sleep a minute).
        self.guard_factory: GuardFactory | None = None
        self.guards = GuardStops()

    def compose(self) -> ComposeResult:
        yield EndpointsTable(id="endpoints-table")
        yield EndpointPreview(id="endpoints-preview")
        bar = FilterBar(id="endpoints-filter")
        bar.display = False
        yield bar
        yield Poller[EndpointsSnapshot](
            "endpoints",
            self._fetch,
            transitional=lambda snapshot: snapshot.transitional,
            schedule=schedule_for(self._poll, "endpoints"),
            id="endpoints-poller",
        )
        yield Static(Content("loading endpoints…"), id="endpoints-info", classes="view-info")

    @property
    def table(self) -> EndpointsTable:
        return self.query_one(EndpointsTable)

    def on_mount(self) -> None:
        self.feed = EndpointsFeed(console_host(self).context)
        if being_removed(self):  # the app quits while hidden views mount: no table
            return
        # Pushed changes (issue 18): one describe of the endpoint, its row replaced.
        follow_changes(self, ("endpoint",), endpoint_row, self.table, self.poller)

    # --- polling -----------------------------------------------------------------------
    def _fetch(self, context: ConsoleContext) -> EndpointsSnapshot:
        """Runs in the poller's thread; a poll that raced a context switch lists afresh."""
        feed = self.feed
        if feed is None or feed.context is not context:
            feed = EndpointsFeed(context)
        return feed.fetch()

    @on(Listed)
    def _listed(self, message: Listed[EndpointsSnapshot]) -> None:
        # Not stopped: the main screen counts the rows for the tab title.
        if message.generation != console_host(self).generation:
            return
        self.snapshot = message.snapshot
        self.table.set_metrics(message.snapshot.metrics)
        self.table.sync(message.snapshot.items)
        if self.feed is not None:
            self.feed.show(self.table.shown_keys())
        self.show_info()
        self.show_preview()

    def on_unmount(self) -> None:
        self.guards.stop_all()  # the console quits: no guard keeps it waiting

    def reset(self) -> None:
        """Context switched: forget rows and descriptions, poll the new context."""
        if self.guards.running():
            notify(self, "traffic guards stopped: the context changed", severity="warning")
        self.guards.stop_all()
        self.feed = EndpointsFeed(console_host(self).context)
        self.snapshot = None
        self.table.sync(())
        self.poller.reset()
        self.show_info()

    def action_refresh(self) -> None:
        if self.feed is not None:
            self.feed.request_full()
        super().action_refresh()

    def info_extra(self) -> list[str]:
        snapshot = self.snapshot
        if snapshot is None:
            return []
        extra = [f"updated {snapshot.fetched_at.astimezone():%H:%M:%S}"]
        if snapshot.metrics_error:
            # An error message quotes remote text: inert, whatever produced it.
            extra.append(f"metrics: {clean(snapshot.metrics_error)}")
        return extra

    # --- presentation --------------------------------------------------------------------
    def on_resize(self) -> None:
        # Textual then runs TableView.on_resize too (handlers run for every class).
        self.set_class(self.size.height >= TALL_HEIGHT, "-tall")

    def show_preview(self) -> None:
        if self.has_class("-tall"):
            self.query_one(EndpointPreview).show_endpoint(self.table.cursor_item(), self)

    # --- describe ------------------------------------------------------------------------
    def open_item(self, key: str) -> None:
        if key in self.table.items:
            self.app.push_screen(EndpointDetailScreen(key, self))

    def _selected(self) -> Endpoint | None:
        endpoint = self.table.cursor_item()
        if endpoint is None:
            notify(self, "no endpoint selected", severity="warning", timeout=3)
        return endpoint

    def _changeable(self, endpoint: Endpoint, what: str) -> bool:
        if endpoint.status in CHANGEABLE:
            return True
        notify(
            self,
            f"endpoint {endpoint.name} is {endpoint.status}: {what} needs it InService",
            severity="warning",
        )
        return False

    def changed(self, name: str) -> None:
        """After a change: describe it again on the next poll, and in an open detail."""
        if self.feed is not None:
            self.feed.invalidate(name)
        screen = self.app.screen
        if isinstance(screen, EndpointDetailScreen) and screen.endpoint_name == name:
            screen.action_reload()

    # --- logs ----------------------------------------------------------------------------
    def action_logs(self) -> None:
        """Open the highlighted endpoint's live logs; endpoints never end, so follow stays on."""
        if (endpoint := self._selected()) is not None:
            self.open_logs(endpoint.name)

    def open_logs(self, name: str) -> None:
        # Imported on first use: the start-up path does not need the log view.
        from screens.logs.feed import CloudWatchLogs, FeedTiming
        from screens.logs.view import LogScreen, max_lines_from

        context = console_host(self).context
        timing = FeedTiming(interval=self._poll.logs, max_backoff=self._poll.max_backoff)
        source = CloudWatchLogs(context, "endpoint", name)
        self.app.push_screen(
            LogScreen(source, max_lines=max_lines_from(context.config), timing=timing)
        )

    # --- invoke --------------------------------------------------------------------------
    def action_invoke(self) -> None:
        if (endpoint := self._selected()) is not None:
            self.open_invoke(endpoint)

    def open_invoke(self, endpoint: Endpoint) -> None:
        if self.gate_allows("endpoint-invoke", endpoint.name):
            self.app.push_screen(InvokeScreen(endpoint, self.history))

    # --- A/B traffic ---------------------------------------------------------------------
    def action_weights(self) -> None:
        if (endpoint := self._selected()) is not None:
            self.open_weights(endpoint)

    def open_weights(self, endpoint: Endpoint) -> None:
        if not self.gate_allows("endpoint-weights", endpoint.name):
            return
        if not self._changeable(endpoint, "a traffic change"):
            return
        if not endpoint.variants:
            notify(self, f"endpoint {endpoint.name} has no variants", severity="warning")
            return
        planner = console_host(self).context.endpoints.plan_variant_weights

        def planned(plan: WeightPlan | None) -> None:
            if plan is not None:
                self._confirm_weights(endpoint, plan)

        self.app.push_screen(WeightsDialog(endpoint, planner), planned)

    def _confirm_weights(self, endpoint: Endpoint, plan: WeightPlan) -> None:
        name = endpoint.name
        dialog = ConfirmDialog(
            f"Shift traffic on {name}?",
            f"{plan.summary}\n\nThe new split applies to live requests at once.",
            change=("endpoint-weights", name),
            confirm_label="Shift traffic",
        )
        self.ask(dialog, lambda: self._run_weights(name, plan), what=f"traffic change on {name}")

    def _run_weights(self, name: str, plan: WeightPlan) -> None:
        context = console_host(self).context
        before = self.table.items.get(name)

        def done(endpoint: Endpoint) -> None:
            self.changed(name)
            notify(
                self, split_summary(endpoint) + f" ({endpoint.status})", title=f"traffic of {name}"
            )
            if plan.guard is not None and before is not None:
                start_guard(self, before, plan, self.guard_factory)

        self.run_change(
            f"traffic of {name}",
            lambda: context.endpoints.update_variant_weights(name, plan.weights, plan.counts),
            done,
        )

    # --- autoscaling (from the detail) ---------------------------------------------------
    def open_scaling(self, name: str, targets: tuple[ScalableTarget, ...]) -> None:
        """The detail's ``c``: min/max and paused of each target, confirmed, gated."""
        if not self.gate_allows("autoscaling-set", name):
            return

        def planned(changes: list[ScalingChange] | None) -> None:
            if changes:
                self._confirm_scaling(name, targets, changes)

        self.app.push_screen(ScalingDialog(name, targets), planned)

    def _confirm_scaling(
        self, name: str, targets: tuple[ScalableTarget, ...], changes: list[ScalingChange]
    ) -> None:
        by_resource = {t.resource_id: t for t in targets}
        lines = [describe_change(c, by_resource[c.resource]) for c in changes]
        # One change: its own action and resource; several: the endpoint as the target.
        first = changes[0]
        change = (first.action, first.resource) if len(changes) == 1 else (first.action, name)

        def opened(cost: str | None) -> None:
            dialog = ConfirmDialog(
                f"Change the autoscaling of {name}?",
                "\n".join(lines) + "\n\nThe autoscaler applies the new limits at once "
                "(a min above today's count adds instances, which cost money).",
                change=change,
                confirm_label="Change scaling",
                cost=cost,
            )
            self.ask(
                dialog, lambda: self._run_scaling(name, changes), what=f"autoscaling of {name}"
            )

        raised = [
            (c.resource, by_resource[c.resource].max_capacity, c.maximum)
            for c in changes
            if c.maximum is not None
            and c.maximum > by_resource[c.resource].max_capacity
            and c.resource.startswith("endpoint/")  # a variant: new instances, billed
        ]
        if not raised:
            opened(None)
            return

        def project(context: ConsoleContext) -> CostProjection:
            # The worst case of each raised max (a variant's instances; an inference
            # component's copies add none): one line each, refused above max_hourly_cost.
            found = [
                context.autoscaling.max_cost(context.pricing, context.config, *r) for r in raised
            ]
            projected = combined([p for p in found if p is not None])
            return projected or CostProjection(None, True, "projected cost: ?", "", None)

        with_cost(self, change, project, opened)

    def _run_scaling(self, name: str, changes: list[ScalingChange]) -> None:
        service = console_host(self).context.autoscaling

        def work() -> list[ScalableTarget]:
            done: list[ScalableTarget] = []
            for c in changes:
                if c.minimum is not None and c.maximum is not None:
                    done.append(service.set_capacity(c.resource, c.dimension, c.minimum, c.maximum))
                if c.suspend is not None:
                    done.append(service.set_suspended(c.resource, c.dimension, c.suspend))
            return done

        def finished(targets: list[ScalableTarget]) -> None:
            self.changed(name)
            latest = {t.resource_id: t for t in targets}
            lines = [
                f"{clean(t.resource_id)}: min {t.min_capacity}, max {t.max_capacity}, "
                f"scaling {'paused' if t.suspended else 'active'}"
                for t in latest.values()
            ]
            notify(self, "\n".join(lines), title=f"autoscaling of {name}")

        self.run_change(f"autoscaling of {name}", work, finished)

    # --- update to another config --------------------------------------------------------
    def action_update(self) -> None:
        if (endpoint := self._selected()) is not None:
            self.open_update(endpoint)

    def open_update(self, endpoint: Endpoint) -> None:
        if not self.gate_allows("endpoint-update", endpoint.name):
            return
        if not self._changeable(endpoint, "a config change"):
            return

        def picked(config: str | None) -> None:
            if config:
                self._confirm_update(endpoint, config)

        self.app.push_screen(ConfigPicker(endpoint), picked)

    def _confirm_update(self, endpoint: Endpoint, config: str) -> None:
        name = endpoint.name
        dialog = ConfirmDialog(
            f"Move {name} to {config}?",
            f"{name} serves {endpoint.config_name} now. SageMaker starts the fleet of "
            f"{config}, shifts traffic to it, then removes the old one; the endpoint is "
            "Updating meanwhile and cannot take other changes.",
            change=("endpoint-update", name),
            confirm_label="Update endpoint",
        )
        self.ask(dialog, lambda: self._run_update(name, config), what=f"update of {name}")

    def _run_update(self, name: str, config: str) -> None:
        context = console_host(self).context

        def done(_arn: Any) -> None:
            self.changed(name)
            notify(self, f"{name} is moving to {config}", title="update requested")

        self.run_change(
            f"update {name}", lambda: context.endpoints.update_endpoint(name, config), done
        )

    # --- delete --------------------------------------------------------------------------
    def action_delete(self) -> None:
        endpoint = self._selected()
        if endpoint is None or not self.gate_allows("endpoint-delete", endpoint.name):
            return
        name = endpoint.name
        dialog = ConfirmDialog(
            "Delete endpoint?",
            f"{name} ({endpoint.status}, config {endpoint.config_name}) stops serving at "
            "once; callers get errors. The config and models are kept.",
            change=("endpoint-delete", name),
            confirm_label="Delete",
            typed_name=name,
        )
        self.ask(dialog, lambda: self._run_delete(name), what=f"delete {name}")

    def _run_delete(self, name: str) -> None:
        context = console_host(self).context

        def done(_none: Any) -> None:
            notify(self, f"endpoint {name} is being deleted", title="delete requested")

        self.run_change(f"delete {name}", lambda: context.endpoints.delete_endpoint(name), done)

    # --- palette -------------------------------------------------------------------------
    def palette_commands(self) -> list[PaletteCommand]:
        return [
            self.palette_command("Endpoints: filter", "filter the endpoints table (/)", "filter"),
            self.palette_command(
                "Endpoints: refresh now", "list and describe again (r)", "refresh"
            ),
            self.palette_command(
                "Endpoints: logs of selected", "follow the endpoint's CloudWatch logs (l)", "logs"
            ),
            self.palette_command("Endpoints: invoke selected", "send a test request (i)", "invoke"),
            self.palette_command(
                "Endpoints: shift traffic (A/B weights)",
                "change variant weights, preview first (w)",
                "weights",
            ),
            self.palette_command(
                "Endpoints: update to another config",
                "move the endpoint to another endpoint config (u)",
                "update",
            ),
            self.palette_command(
                "Endpoints: delete selected", "delete the endpoint (ctrl+d)", "delete"
            ),
        ]
