"""SageMaker managed MLflow tracking servers (`T` on the Experiments tab).

One row per server: status, size, MLflow version, URL. `t` starts a stopped server,
`ctrl+k` stops a running one (as on Jobs and Notebooks): refused up front in read-only
mode, confirmed in the one confirm dialog, run through the gated service (audited).
`o` (or `y`) gets a presigned URL of the server's MLflow web UI and copies it with
OSC 52, which reaches the operator's clipboard through SSH; the URL logs in by itself
and expires in minutes. `/` filters, `s` sorts, `r` refreshes, `q`/`escape` go back.

The list call has neither size nor URL, so each server is described too (accounts have
a handful; the describe is cached by LastModifiedTime). Endpoints without managed MLflow
(moto, other partitions) give one clear line in the degraded banner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from console.errors import SmError
from console.mlflow.records import TrackingServer
from console.services.mlflow_feed import ServersFeed, ServersListing
from screens.kit.confirm import ConfirmDialog
from screens.kit.filter_bar import FilterBar
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import CLIPBOARD_HINT, MISSING, format_time
from screens.kit.host import console_host
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch
from screens.kit.messages import Listed
from screens.kit.plain import notify
from screens.kit.polled_screen import PolledScreen
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.config import Config

# TrackingServerStatus values from which a start / a stop makes sense.
STARTABLE = frozenset({"Stopped", "StartFailed"})
STOPPABLE = frozenset(
    {"Created", "Started", "Updated", "UpdateFailed", "StopFailed", "MaintenanceComplete"}
)


class ServersTable(KeyedTable[TrackingServer]):
    BINDINGS = [Binding("enter", "select_cursor", "Open UI", id="mlflow_servers.open")]
    COLUMNS = (
        TableColumn("name", "Tracking server", flex=True),
        TableColumn("status", "Status", compact_width=10),
        TableColumn("size", "Size", compact_width=6),
        TableColumn("version", "MLflow", compact_width=7),
        TableColumn("created", "Created", compact_width=11, descending_first=True),
        TableColumn("url", "URL", hide_when_compact=True),
    )
    DEFAULT_SORT = "name"
    COMPACT_WIDTH = 120

    def key_of(self, item: TrackingServer) -> str:
        return item.name

    def cell_values(self, item: TrackingServer, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.status or MISSING,
            "size": item.size or MISSING,
            "version": item.mlflow_version or MISSING,
            "created": format_time(item.created, compact=self.compact),
            "url": item.url or MISSING,
        }

    def filter_fields(self, item: TrackingServer) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.status,
            "size": item.size,
            "version": item.mlflow_version,
            "url": item.url,
        }

    def sort_value(self, item: TrackingServer, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "created":
            return (item.created or epoch(), item.name)
        if column in {"status", "size", "url"}:
            return (getattr(item, column), item.name)
        if column == "version":
            return (item.mlflow_version, item.name)
        return (item.name.lower(),)


class ServersView(TableView):
    NOUN = "tracking servers"
    BINDINGS = [
        Binding("o", "url", "Copy UI URL", id="mlflow_servers.url"),
        Binding("t", "start", "Start", id="mlflow_servers.start"),
        Binding("ctrl+k", "stop", "Stop", id="mlflow_servers.stop"),
        Binding("slash", "filter", "Filter", id="mlflow_servers.filter"),
        Binding("s", "sort", "Sort", id="mlflow_servers.sort"),
        Binding("r", "refresh", "Refresh", id="mlflow_servers.refresh"),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__(id="mlflow-servers-view")
        self.add_class("sm-view")
        self.config = config
        self.listing: ServersListing | None = None
        self.feed = ServersFeed()
        self.last_url = ""

    def compose(self) -> ComposeResult:
        yield ServersTable(id="mlflow-servers-table")
        bar = FilterBar(id="mlflow-servers-filter")
        bar.display = False
        yield bar
        yield Poller[ServersListing](
            "mlflow-servers",
            self.feed.fetch,
            transitional=lambda listing: listing.transitional,
            schedule=schedule_for(self.config.poll, "experiments"),
            id="mlflow-servers-poller",
        )
        yield Static(Content("loading tracking servers…"), classes="view-info")

    @property
    def table(self) -> ServersTable:
        return self.query_one(ServersTable)

    @on(Listed)
    def _listed(self, message: Listed[ServersListing]) -> None:
        message.stop()
        if message.generation != console_host(self).generation:
            return
        self.listing = message.snapshot
        self.table.sync(message.snapshot.items)
        self.show_info()

    def info_extra(self) -> list[str]:
        if self.listing is None:
            return []
        return [f"updated {self.listing.fetched_at.astimezone():%H:%M:%S}"]

    def _selected(self) -> TrackingServer | None:
        server = self.table.cursor_item()
        if server is None:
            notify(self, "no tracking server selected", severity="warning", timeout=3)
        return server

    # --- presigned UI URL ------------------------------------------------------------------
    def open_item(self, key: str) -> None:
        self.action_url()

    def action_url(self) -> None:
        server = self._selected()
        if server is None:
            return
        name = server.name

        def failed(error: SmError) -> None:
            notify(self, error.one_line(), severity="error", title=f"MLflow UI of {name}")

        run_for_context(
            self,
            lambda context: context.mlflow_servers.presigned_url(name),
            done=lambda url: self._url_created(name, url),
            failed=failed,
            name="presigned url",
            group="url",
        )

    def _url_created(self, name: str, url: str) -> None:
        if not url:
            notify(self, "no URL in the answer", severity="error", title=f"MLflow UI of {name}")
            return
        self.last_url = url
        self.app.copy_to_clipboard(url)
        notify(
            self,
            f"{url}\nlogs in by itself; expires in 5 minutes; {CLIPBOARD_HINT}",
            title=f"MLflow UI of {name}",
            timeout=10,
        )

    # --- start / stop ------------------------------------------------------------------------
    def action_start(self) -> None:
        server = self._selected()
        if server is None or not self.gate_allows("mlflow-server-start", server.name):
            return
        if server.status not in STARTABLE:
            notify(
                self,
                f"tracking server {server.name} is {server.status}: only Stopped servers start",
                severity="warning",
            )
            return
        dialog = ConfirmDialog(
            "Start MLflow tracking server?",
            f"{server.name} ({server.size or 'size unknown'}) starts and is billed by the "
            "hour until it is stopped.",
            change=("mlflow-server-start", server.name),
            confirm_label="Start",
        )
        name = server.name
        self.ask(dialog, lambda: self._run("start", name), what=f"start {name}")

    def action_stop(self) -> None:
        server = self._selected()
        if server is None or not self.gate_allows("mlflow-server-stop", server.name):
            return
        if server.status not in STOPPABLE:
            notify(
                self,
                f"tracking server {server.name} is {server.status}: only running servers stop",
                severity="warning",
            )
            return
        dialog = ConfirmDialog(
            "Stop MLflow tracking server?",
            f"{server.name} stops: training jobs and notebooks logging to it fail until it "
            "is started again. Runs, models and artifacts are kept.",
            change=("mlflow-server-stop", server.name),
            confirm_label="Stop",
        )
        name = server.name
        self.ask(dialog, lambda: self._run("stop", name), what=f"stop {name}")

    def _run(self, verb: str, name: str) -> None:
        service = console_host(self).context.mlflow_servers
        work = service.start_server if verb == "start" else service.stop_server
        done_text = "starting" if verb == "start" else "stopping"

        def done(_none: Any) -> None:
            notify(self, f"tracking server {name} is {done_text}", title=f"{verb} requested")

        self.run_change(f"{verb} {name}", lambda: work(name), done)


class ServersScreen(PolledScreen):
    """The managed MLflow tracking servers of the current account and region."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static(Content("SageMaker managed MLflow tracking servers"), id="runs-title")
        yield ServersView(self.config)
        yield ConsoleFooter()
