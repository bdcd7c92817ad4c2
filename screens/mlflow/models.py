"""The MLflow Model Registry from the Experiments tab (`M`): registered models, their
versions, and setting/moving an alias (e.g. `champion`) with confirmation.

Models: `enter` opens a model's versions. Versions: `a` points an alias at the
highlighted version (asks the alias name, then confirms; refused up front in read-only
mode; the gated service call audits it with the version the alias pointed at before),
`enter` opens the run the version was made from. Stages are shown read-only, marked
deprecated: aliases and tags are how MLflow promotes versions now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from console.mlflow.records import ModelVersion, RegisteredModel
from screens.kit.confirm import ConfirmDialog
from screens.kit.filter_bar import FilterBar
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import MISSING, format_time
from screens.kit.host import console_host
from screens.kit.key_order import TextInput, focus_now
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch
from screens.kit.messages import Listed
from screens.kit.plain import notify
from screens.kit.polled_screen import PolledScreen
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView

if TYPE_CHECKING:
    from console.config import Config
    from console.context import ConsoleContext


class ModelsTable(KeyedTable[RegisteredModel]):
    BINDINGS = [Binding("enter", "select_cursor", "Versions", id="mlflow_models.open")]
    COLUMNS = (
        TableColumn("name", "Model", flex=True),
        TableColumn("latest", "Latest", compact_width=6),
        TableColumn("aliases", "Aliases", compact_width=16),
        TableColumn("updated", "Updated", compact_width=11, descending_first=True),
    )
    DEFAULT_SORT = "name"

    def key_of(self, item: RegisteredModel) -> str:
        return item.name

    def cell_values(self, item: RegisteredModel, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.name,
            "latest": item.latest_version or MISSING,
            "aliases": ", ".join(f"{a}→{v}" for a, v in item.aliases.items()) or MISSING,
            "updated": format_time(item.updated, compact=self.compact),
        }

    def filter_fields(self, item: RegisteredModel) -> Mapping[str, str]:
        return {"name": item.name, "aliases": " ".join(item.aliases)}

    def sort_value(self, item: RegisteredModel, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "updated":
            return (item.updated or epoch(), item.name)
        return (item.name.lower(),)


class VersionsTable(KeyedTable[ModelVersion]):
    BINDINGS = [Binding("enter", "select_cursor", "Run", id="mlflow_versions.open")]
    COLUMNS = (
        TableColumn("version", "Version", compact_width=7, descending_first=True),
        TableColumn("status", "Status", compact_width=9),
        TableColumn("aliases", "Aliases", compact_width=12),
        TableColumn("run", "Run", compact_width=10),
        TableColumn("created", "Created", compact_width=11, descending_first=True),
        TableColumn("stage", "Stage (deprecated)", hide_when_compact=True),
        TableColumn("source", "Source", flex=True),
    )
    DEFAULT_SORT = "version"

    def key_of(self, item: ModelVersion) -> str:
        return item.version

    def cell_values(self, item: ModelVersion, now: datetime) -> Mapping[str, str]:
        return {
            "version": item.version,
            "status": item.status.capitalize() if item.status else MISSING,
            "aliases": ", ".join(item.aliases) or MISSING,
            "run": item.run_id[:8] if item.run_id else MISSING,
            "created": format_time(item.created, compact=self.compact),
            "stage": item.stage if item.stage not in {"", "None"} else MISSING,
            "source": item.source or MISSING,
        }

    def filter_fields(self, item: ModelVersion) -> Mapping[str, str]:
        return {"version": item.version, "aliases": " ".join(item.aliases), "run": item.run_id}

    def sort_value(self, item: ModelVersion, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "created":
            return (item.created or epoch(), item.version_number)
        return (item.version_number,)


class AliasPrompt(ModalScreen[str | None]):
    """Ask which alias to point at a version (`enter` goes on, `escape` cancels)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="alias_prompt.cancel")]

    def __init__(self, model: str, version: str, current: str = "champion") -> None:
        super().__init__()
        self.model, self.version, self.current = model, version, current

    def compose(self) -> ComposeResult:
        with Vertical(id="alias-box"):
            yield Static(Content(f"Alias for {self.model} version {self.version}:"))
            yield TextInput(value=self.current, id="alias-name")

    def on_mount(self) -> None:
        focus_now(self.query_one(Input))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ModelsView(TableView):
    NOUN = "registered models"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="mlflow_models.filter"),
        Binding("s", "sort", "Sort", id="mlflow_models.sort"),
        Binding("r", "refresh", "Refresh", id="mlflow_models.refresh"),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__(id="mlflow-models-view")
        self.config = config

    def compose(self) -> ComposeResult:
        yield ModelsTable(id="mlflow-models-table")
        bar = FilterBar(id="mlflow-models-filter")
        bar.display = False
        yield bar

        def fetch(context: ConsoleContext) -> tuple[RegisteredModel, ...]:
            return tuple(context.mlflow.list_registered_models())

        yield Poller[tuple[RegisteredModel, ...]](
            "mlflow-models",
            fetch,
            transitional=lambda _: False,
            schedule=schedule_for(self.config.poll, "experiments"),
            id="mlflow-models-poller",
        )
        yield Static(Content("loading models…"), classes="view-info")

    @on(Listed)
    def _listed(self, message: Listed[tuple[RegisteredModel, ...]]) -> None:
        message.stop()
        if message.generation == console_host(self).generation:
            self.table.sync(message.snapshot)
            self.show_info()

    def open_item(self, key: str) -> None:
        if key in self.table.items:
            self.app.push_screen(VersionsScreen(key, self.config))


class VersionsView(TableView):
    NOUN = "versions"
    BINDINGS = [
        Binding("a", "alias", "Set alias", id="mlflow_versions.alias"),
        Binding("slash", "filter", "Filter", id="mlflow_versions.filter"),
        Binding("s", "sort", "Sort", id="mlflow_versions.sort"),
        Binding("r", "refresh", "Refresh", id="mlflow_versions.refresh"),
    ]

    def __init__(self, model: str, config: Config) -> None:
        super().__init__(id="mlflow-versions-view")
        self.model = model
        self.config = config

    def compose(self) -> ComposeResult:
        yield VersionsTable(id="mlflow-versions-table")
        bar = FilterBar(id="mlflow-versions-filter")
        bar.display = False
        yield bar
        model = self.model

        def fetch(context: ConsoleContext) -> tuple[ModelVersion, ...]:
            return tuple(context.mlflow.list_model_versions(model))

        yield Poller[tuple[ModelVersion, ...]](
            "mlflow-versions",
            fetch,
            transitional=lambda _: False,
            schedule=schedule_for(self.config.poll, "experiments"),
            id="mlflow-versions-poller",
        )
        yield Static(Content("loading versions…"), classes="view-info")

    @on(Listed)
    def _listed(self, message: Listed[tuple[ModelVersion, ...]]) -> None:
        message.stop()
        if message.generation == console_host(self).generation:
            self.table.sync(message.snapshot)
            self.show_info()

    def open_item(self, key: str) -> None:
        from screens.mlflow.detail import RunDetailScreen

        version = self.table.items.get(key)
        if version is not None and version.run_id:
            self.app.push_screen(RunDetailScreen(version.run_id))

    def action_alias(self) -> None:
        version = self.table.cursor_item()
        if not isinstance(version, ModelVersion):
            notify(self, "no version selected", severity="warning", timeout=3)
            return
        model = self.model
        if not self.gate_allows("mlflow-alias", f"{model}@…"):
            return

        def named(alias: str | None) -> None:
            if not alias:
                return
            owner = next((v.version for v in self.table.items.values() if alias in v.aliases), "")
            move = f" (moves it from version {owner})" if owner and owner != version.version else ""
            dialog = ConfirmDialog(
                "Set model alias?",
                f"Point {model}@{alias} at version {version.version}{move}. Code loading "
                f"models:/{model}@{alias} gets this version from now on.",
                change=("mlflow-alias", f"{model}@{alias}"),
                confirm_label="Set alias",
            )
            self.ask(dialog, lambda: self._set(alias, version.version), what=f"alias {alias}")

        self.app.push_screen(AliasPrompt(model, version.version), named)

    def _set(self, alias: str, version: str) -> None:
        host = console_host(self)
        context, model = host.context, self.model

        def done(previous: object) -> None:
            moved = f" (was {previous})" if previous and previous != version else ""
            notify(self, f"{model}@{alias} → version {version}{moved}", timeout=5)

        self.run_change(
            f"alias {alias}", lambda: context.mlflow.set_alias(model, alias, version), done
        )


class ModelsScreen(PolledScreen):
    """Registered models of the MLflow registry."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static(Content("MLflow registered models"), id="runs-title")
        yield ModelsView(self.config)
        yield ConsoleFooter()


class VersionsScreen(PolledScreen):
    """One registered model's versions; `a` sets an alias."""

    def __init__(self, model: str, config: Config) -> None:
        super().__init__()
        self.model = model
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static(Content(f"MLflow model {self.model}: versions"), id="runs-title")
        yield VersionsView(self.model, self.config)
        yield ConsoleFooter()
