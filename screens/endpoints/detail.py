"""The describe screen of one endpoint: status, why it failed, its variants, what they serve.

Opened with ``enter`` on an Endpoints row. One worker describes the endpoint (fresh, not
the table's copy) and follows it to its config and models for the "Serving" section;
that second part is best effort (a model may be gone), the describe is what matters.
``i``, ``w`` and ``u`` open the invoke panel, the traffic dialog and the config picker
for this endpoint, as on the table.

Under them the metrics (screens/endpoints/health.py): ``[`` and ``]`` step the charts'
range through 1h/3h/12h/1d/1w; while the screen is shown they are read again every
minute (CloudWatch's cache rule), and ``f`` (follow) turns live mode on: every
:data:`LIVE_SECONDS`, the cache bypassed. ``G`` edits the autoscaling shown (min/max,
paused: screens/endpoints/scaling.py) once its section is read. ``B`` (benchmark) opens
the invoke load test (screens/endpoints/load_test.py): refused first in read-only mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from console.errors import SmError, translate
from screens.endpoints.render import variants_table
from screens.kit.confirm import refused_read_only
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import StatusPalette, format_timestamp
from screens.kit.job_sections import grid, section
from screens.kit.key_order import focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.autoscaling import ScalableTarget
    from console.services.endpoints import Endpoint, ServingModel
    from screens.endpoints.health import Health, Scaling

# Seconds between two reads of the charts: normal (the metrics cache's minute) and live.
REFRESH_SECONDS = 60.0
LIVE_SECONDS = 10.0


class EndpointActions(Protocol):
    """What the detail screen can ask the Endpoints view to do."""

    def open_invoke(self, endpoint: Endpoint) -> None: ...

    def open_weights(self, endpoint: Endpoint) -> None: ...

    def open_update(self, endpoint: Endpoint) -> None: ...

    def open_logs(self, name: str) -> None: ...

    def open_scaling(self, name: str, targets: tuple[ScalableTarget, ...]) -> None: ...


# The endpoint, the models it serves, and why those could not be read (the detail shows
# the endpoint even then).
Described = tuple["Endpoint", tuple["ServingModel", ...], SmError | None]


def describe_endpoint(context: ConsoleContext, name: str) -> Described:
    """The endpoint's record and its serving models (blocking: a worker calls this)."""
    record = context.endpoints.describe_endpoint(name)
    try:
        serving = tuple(context.endpoints.serving_model_data(name))
    except Exception as exc:
        return record, (), translate(exc)
    return record, serving, None


def endpoint_sections(
    endpoint: Endpoint,
    serving: tuple[ServingModel, ...],
    serving_error: SmError | None,
    palette: StatusPalette,
) -> list[Widget]:
    widgets = section(
        "Endpoint",
        grid(
            [
                ("Status", palette.text(endpoint.status)),
                ("Config", endpoint.config_name),
                ("Created", format_timestamp(endpoint.created)),
                ("Modified", format_timestamp(endpoint.modified)),
                ("ARN", endpoint.arn),
            ]
        ),
    )
    if endpoint.failure_reason:
        widgets += section("Failure reason", endpoint.failure_reason, classes="failure")
    widgets += section("Traffic (now → desired)", variants_table(endpoint, palette))
    if serving:
        # One small grid per variant: image and S3 URIs are long, columns would fold.
        rows: list[tuple[str, str]] = []
        for item in serving:
            rows += [
                (item.variant, item.model),
                ("  image", item.image),
                ("  model data", item.model_data_url),
            ]
            if item.model_package_arn:
                rows.append(("  package", item.model_package_arn))
        widgets += section("Serving", grid(rows))
    elif serving_error is not None:
        widgets += section("Serving", f"not available: {serving_error.one_line()}")
    return widgets


class EndpointDetailScreen(Screen[None]):
    """Full-screen describe view; ``q``, ``escape``, ``backspace`` or ``ctrl+c`` go back."""

    BINDINGS = [
        Binding("q", "close", "Back", id="endpoint_detail.close"),
        Binding(
            "escape,backspace,ctrl+c", "close", "Back", show=False, id="endpoint_detail.close_alt"
        ),
        Binding("r", "reload", "Reload", id="endpoint_detail.reload"),
        Binding("l", "logs", "Logs", id="endpoint_detail.logs"),
        Binding("i", "invoke", "Invoke", id="endpoint_detail.invoke"),
        Binding("w", "weights", "Traffic", id="endpoint_detail.weights"),
        Binding("u", "update", "Config", id="endpoint_detail.update"),
        Binding("left_square_bracket", "range(-1)", "Shorter", id="endpoint_detail.shorter"),
        Binding("right_square_bracket", "range(1)", "Longer", id="endpoint_detail.longer"),
        Binding("f", "toggle_follow", "Live", id="endpoint_detail.live"),
        Binding("G", "scaling", "Scale", id="endpoint_detail.scaling"),
        Binding("B", "load_test", "Load test", id="endpoint_detail.load_test"),
    ]

    def __init__(self, name: str, actions: EndpointActions) -> None:
        super().__init__()
        self.endpoint_name = name
        self.actions = actions
        self.record: Endpoint | None = None
        self.error: SmError | None = None
        self.range_index = 0  # into screens.endpoints.charts.RANGES
        self.live = False
        self.health: Health | None = None
        self.scaling: Scaling | None = None  # None: not read yet
        # Each metrics read is numbered: an older read that answers late is dropped.
        self._reads = 0
        self._pending = False
        self._since_read = 0.0

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Endpoint {self.endpoint_name}"), id="detail-title")
        with VerticalScroll(id="detail-body"):
            yield Static("loading…", classes="detail-loading")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#detail-body"))
        self.action_reload()
        self.set_interval(LIVE_SECONDS, self._tick, name="endpoint-metrics")

    def _tick(self) -> None:
        """Read the charts again while this screen is the one shown."""
        self._since_read += LIVE_SECONDS
        due = LIVE_SECONDS if self.live else REFRESH_SECONDS
        shown = self.app.screen is self and self.record is not None
        if shown and not self._pending and self._since_read >= due and self.record:
            self._read_health(self.record)

    def action_reload(self) -> None:
        name = self.endpoint_name
        run_for_context(
            self,
            lambda context: describe_endpoint(context, name),
            done=self._described,
            failed=self._describe_failed,
            name="describe",
        )

    async def _describe_failed(self, error: SmError) -> None:
        body = self.query_one("#detail-body", VerticalScroll)
        await body.remove_children()
        self.error = error
        await body.mount(Static(Content(error.one_line()), classes="failure"))
        notify(self, error.one_line(), severity="error", title="describe failed")

    async def _described(self, described: Described) -> None:
        record, serving, serving_error = described
        body = self.query_one("#detail-body", VerticalScroll)
        await body.remove_children()
        self.record, self.error = record, None
        self.health = None  # a reload reads the kind and the scaling again
        self.scaling = None
        palette = StatusPalette.from_variables(self.app.theme_variables)
        await body.mount_all(endpoint_sections(record, serving, serving_error, palette))
        await body.mount_all([Vertical(id="endpoint-metrics"), Vertical(id="endpoint-scaling")])
        self._read_health(record)

    def _read_health(self, record: Endpoint) -> None:
        """The metrics part (screens/endpoints/health.py), after the describe."""
        from screens.endpoints.charts import RANGES
        from screens.endpoints.health import read_health

        self._reads += 1
        self._pending, self._since_read, number = True, 0.0, self._reads
        name, variants = record.name, tuple(v.name for v in record.variants)
        label, since = RANGES[self.range_index]
        live = self.live
        # The kind (one describe, the components) is read once per describe, not each minute.
        known = {"kind": self.health.kind} if self.health is not None else {}
        run_for_context(
            self,
            lambda context: read_health(
                context, name, variants, since=since, label=label, live=live, **known
            ),
            done=lambda health: self._health_read(health, number),
            failed=lambda error: self._health_failed(error, number),
            name="health",
        )

    async def _health_read(self, health: Health, number: int) -> None:
        from screens.endpoints.health import health_sections

        if number != self._reads:
            return
        self._pending = False
        first = self.health is None
        self.health = health
        await self._show_metrics(health_sections(self.endpoint_name, health))
        if first and self.record is not None:
            self._read_scaling(self.record, health)

    def _read_scaling(self, record: Endpoint, health: Health) -> None:
        from screens.endpoints.health import read_scaling

        name, variants, kind = record.name, health.variants, health.kind
        run_for_context(
            self,
            lambda context: read_scaling(context, name, variants, kind),
            done=self._scaling_read,
            failed=lambda error: self._scaling_read((None, error.one_line())),
            name="scaling",
        )

    async def _scaling_read(self, scaling: Scaling) -> None:
        from screens.endpoints.health import scaling_section

        self.scaling = scaling
        await self._show_metrics(scaling_section(scaling), "#endpoint-scaling")

    async def _health_failed(self, error: SmError, number: int) -> None:
        from screens.endpoints.charts import RANGES

        if number != self._reads:
            return
        self._pending = False
        label = RANGES[self.range_index][0]
        await self._show_metrics(
            section(f"Health (last {label})", f"not available: {error.one_line()}")
        )

    async def _show_metrics(self, widgets: list[Widget], where: str = "#endpoint-metrics") -> None:
        """Replace the metrics part (a describe that failed since has none)."""
        holders = self.query(where).results(Vertical)
        holder = next(iter(holders), None)
        if holder is None:
            return
        with self.app.batch_update():
            await holder.remove_children()
            await holder.mount_all(widgets)

    def action_range(self, step: int) -> None:
        """``[``/``]``: the charts' range one step shorter/longer (1h … 1w)."""
        from screens.endpoints.charts import RANGES

        index = max(0, min(len(RANGES) - 1, self.range_index + step))
        if index == self.range_index:
            notify(self, f"range is already {RANGES[index][0]}", timeout=2)
            return
        self.range_index = index
        if (record := self._with_record()) is not None:
            self._read_health(record)

    def action_toggle_follow(self) -> None:
        """``f`` (follow, as in a log): live charts (every few seconds, never cached) or
        back to once a minute."""
        self.live = not self.live
        notify(self, "live metrics on" if self.live else "live metrics off", timeout=2)
        if self.live and (record := self._with_record()) is not None:
            self._read_health(record)

    def _with_record(self) -> Endpoint | None:
        if self.record is None:
            notify(self, "still loading", severity="warning", timeout=2)
        return self.record

    def action_logs(self) -> None:
        self.actions.open_logs(self.endpoint_name)

    def action_invoke(self) -> None:
        if (record := self._with_record()) is not None:
            self.actions.open_invoke(record)

    def action_weights(self) -> None:
        if (record := self._with_record()) is not None:
            self.actions.open_weights(record)

    def action_update(self) -> None:
        if (record := self._with_record()) is not None:
            self.actions.open_update(record)

    def action_scaling(self) -> None:
        """``G``: edit the scalable targets shown (min/max, paused), asks first."""
        if self.scaling is None:
            notify(self, "autoscaling is still loading", severity="warning", timeout=3)
            return
        view, error = self.scaling
        if view is None or not view.targets:
            why = f": {error}" if error else ": the instance counts are fixed"
            notify(self, f"no scalable target to edit{why}", severity="warning", timeout=4)
            return
        self.actions.open_scaling(self.endpoint_name, view.targets)

    def action_load_test(self) -> None:
        """``B``: N requests at a rate to the endpoint or one variant (asks first; the
        invocations can cost money). Read-only refuses before the form opens."""
        from screens.endpoints.load_test import LoadTestScreen

        if refused_read_only(self, "endpoint-bench", self.endpoint_name):
            return
        if (record := self._with_record()) is None:
            return
        if record.status not in ("InService", "Updating"):
            notify(
                self,
                f"endpoint {record.name} is {record.status}: a load test needs it InService",
                severity="warning",
            )
            return
        self.app.push_screen(LoadTestScreen(record))

    def action_close(self) -> None:
        self.dismiss(None)
