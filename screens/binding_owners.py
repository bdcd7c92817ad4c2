"""Which class owns which key bindings, for the help screen and the keymap check.

It imports every screen of the console, so it is imported on demand (help, a keymap in
the config), never on the start-up path: the TUI imports a tab's modules when the tab is
first mounted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.binding import Binding
from textual.keys import _character_to_key

from console.errors import ConfigError
from screens.app import SmConsoleApp
from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.invoke import InvokeScreen
from screens.endpoints.table import EndpointsTable
from screens.endpoints.update import ConfigPicker
from screens.endpoints.view import EndpointsView
from screens.endpoints.weights import WeightsDialog
from screens.hyperpod.events import EventDetailScreen, EventsPane
from screens.hyperpod.jobs import GpuScreen, SlurmLogScreen
from screens.hyperpod.panes import ClustersPane, HistoryPane, NodesPane, QueuePane
from screens.hyperpod.sbatch import SbatchScreen
from screens.hyperpod.view import HyperPodView
from screens.jobs.detail import JobDetailScreen
from screens.jobs.table import JobsTable
from screens.jobs.training_form import TrainingForm
from screens.jobs.view import JobsView
from screens.kit.confirm import ConfirmDialog
from screens.kit.context_switch import ContextDialog
from screens.kit.filter_bar import FilterBar
from screens.kit.help import HelpScreen
from screens.kit.keyed_table import KeyedTable
from screens.logs.view import LogPanel, LogScreen, SearchBar
from screens.main import MainScreen
from screens.mlflow.detail import ChartScreen, CompareScreen
from screens.mlflow.models import AliasPrompt, ModelsView, PolledScreen, VersionsView
from screens.mlflow.runs import ColumnPicker, RunsScreen, RunsView
from screens.mlflow.servers import ServersTable, ServersView
from screens.mlflow.table import ExperimentsTable, RunsTable
from screens.mlflow.view import ExperimentsView
from screens.notebooks.table import NotebooksTable
from screens.notebooks.url import NotebookUrlScreen
from screens.notebooks.view import NotebooksView
from screens.registry.history import HistoryScreen
from screens.registry.table import GroupsTable, PackagesTable
from screens.registry.view import RegistryView
from screens.sm_experiments.table import ComponentsTable, SmExperimentsTable, TrialsTable
from screens.sm_experiments.view import (
    ComponentDetailScreen,
    ComponentsView,
    SmExperimentsScreen,
    SmExperimentsView,
    TrialsView,
)
from screens.status.view import StatusView

# Where each binding works, for the help screen (order = order shown).
BINDING_OWNERS: tuple[tuple[str, type[Any]], ...] = (
    ("Everywhere", SmConsoleApp),
    ("Main screen", MainScreen),
    ("Jobs", JobsView),
    ("Tables", KeyedTable),
    ("Jobs table", JobsTable),
    ("Filter input", FilterBar),
    ("Job details", JobDetailScreen),
    ("New training job", TrainingForm),
    ("Confirm dialog", ConfirmDialog),
    ("Context switch", ContextDialog),
    ("Endpoints", EndpointsView),
    ("Endpoints table", EndpointsTable),
    ("Endpoint details", EndpointDetailScreen),
    ("Invoke panel", InvokeScreen),
    ("Traffic weights", WeightsDialog),
    ("Endpoint config picker", ConfigPicker),
    ("Experiments", ExperimentsView),
    ("Experiments table", ExperimentsTable),
    ("MLflow runs", RunsView),
    ("MLflow runs screen", RunsScreen),
    ("Runs table", RunsTable),
    ("Run detail and compare", ChartScreen),
    ("Run compare", CompareScreen),
    ("Run columns picker", ColumnPicker),
    ("MLflow registry screens", PolledScreen),
    ("MLflow models", ModelsView),
    ("MLflow model versions", VersionsView),
    ("Alias prompt", AliasPrompt),
    ("SageMaker Experiments", SmExperimentsScreen),
    ("SageMaker experiments", SmExperimentsView),
    ("SageMaker experiments table", SmExperimentsTable),
    ("SageMaker trials", TrialsView),
    ("SageMaker trials table", TrialsTable),
    ("Trial components", ComponentsView),
    ("Trial components table", ComponentsTable),
    ("Trial component detail", ComponentDetailScreen),
    ("MLflow tracking servers", ServersView),
    ("MLflow tracking servers table", ServersTable),
    ("Notebooks", NotebooksView),
    ("Notebooks table", NotebooksTable),
    ("Notebook URL", NotebookUrlScreen),
    ("Registry", RegistryView),
    ("Registry groups", GroupsTable),
    ("Registry versions", PackagesTable),
    ("Approval history", HistoryScreen),
    ("HyperPod", HyperPodView),
    ("HyperPod clusters", ClustersPane),
    ("HyperPod nodes", NodesPane),
    ("HyperPod events", EventsPane),
    ("Cluster event", EventDetailScreen),
    ("Slurm queue", QueuePane),
    ("Slurm history", HistoryPane),
    ("sbatch editor", SbatchScreen),
    ("GPU panel", GpuScreen),
    ("Logs", LogScreen),
    ("Slurm job log", SlurmLogScreen),
    ("Log panel", LogPanel),
    ("Log search", SearchBar),
    ("Status", StatusView),
    ("Help", HelpScreen),
)


def known_binding_ids() -> set[str]:
    ids: set[str] = set()
    for _where, owner in BINDING_OWNERS:
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
            if binding.id:
                ids.add(binding.id)
    return ids


# Where a widget's bindings live together with others': a focused table also answers its
# tab's keys, a tab its screen's. Text inputs (FilterBar, SearchBar) are left out: a
# key typed there is text, not a binding. Screens and classes not named here sit on the
# main screen (tabs) or are screens of their own; the app's bindings are visible always.
_INSIDE: dict[type[Any], type[Any]] = {
    JobsView: MainScreen,
    EndpointsView: MainScreen,
    ExperimentsView: MainScreen,
    RegistryView: MainScreen,
    HyperPodView: MainScreen,
    NotebooksView: MainScreen,
    StatusView: MainScreen,
    JobsTable: JobsView,
    EndpointsTable: EndpointsView,
    ExperimentsTable: ExperimentsView,
    RunsTable: RunsView,
    RunsView: RunsScreen,
    ServersTable: ServersView,
    ServersView: PolledScreen,
    ModelsView: PolledScreen,
    VersionsView: PolledScreen,
    NotebooksTable: NotebooksView,
    GroupsTable: RegistryView,
    PackagesTable: RegistryView,
    SmExperimentsTable: SmExperimentsView,
    SmExperimentsView: SmExperimentsScreen,
    TrialsTable: TrialsView,
    TrialsView: SmExperimentsScreen,
    ComponentsTable: ComponentsView,
    ComponentsView: SmExperimentsScreen,
    ClustersPane: HyperPodView,
    NodesPane: HyperPodView,
    EventsPane: HyperPodView,
    QueuePane: HyperPodView,
    HistoryPane: HyperPodView,
    LogPanel: LogScreen,
}

_TEXT_INPUTS = (FilterBar, SearchBar)


def _normal_keys(keys: str) -> frozenset[str]:
    """``"f, /"`` -> ``{"f", "slash"}``: the names Textual matches key events against."""
    out = set()
    for raw in keys.split(","):
        key = raw.strip()
        if key:
            out.add(_character_to_key(key) if len(key) == 1 else key)
    return frozenset(out)


def _scope(owner: type[Any]) -> list[type[Any]]:
    """The owners whose bindings are live together while ``owner`` has the focus."""
    owners = {cls for _where, cls in BINDING_OWNERS}
    chain: list[type[Any]] = []
    current: type[Any] | None = owner
    while current is not None:
        chain.extend(cls for cls in current.__mro__ if cls in owners and cls not in chain)
        current = _INSIDE.get(current)
    if SmConsoleApp not in chain:
        chain.append(SmConsoleApp)
    return chain


def _bindings(owner: type[Any], keymap: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    """``(binding id, key)`` for each key of each binding with an id, after ``keymap``."""
    for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
        if not binding.id:
            continue
        keys = keymap.get(binding.id, binding.key)
        for key in _normal_keys(keys):
            yield binding.id, key


def _collisions(keymap: Mapping[str, str]) -> set[tuple[str, str, str, str]]:
    """``(where, key, id, id)`` for each key two different binding ids share in a scope."""
    found: set[tuple[str, str, str, str]] = set()
    for where, owner in BINDING_OWNERS:
        if owner is SmConsoleApp or issubclass(owner, _TEXT_INPUTS):
            continue
        by_key: dict[str, set[str]] = {}
        for member in _scope(owner):
            for binding_id, key in _bindings(member, keymap):
                by_key.setdefault(key, set()).add(binding_id)
        for key, ids in by_key.items():
            ordered = sorted(ids)
            for i, first in enumerate(ordered):
                for second in ordered[i + 1 :]:
                    found.add((where, key, first, second))
    return found


def keymap_conflicts(keymap: Mapping[str, str]) -> list[str]:
    """One line per key the ``[keymap]`` binds twice where both would be live.

    Only collisions the keymap makes count: the built-in bindings shadow some on purpose
    (``q`` closes a detail screen instead of quitting), and restating a default key must
    never be refused.
    """
    if not keymap:
        return []
    made = _collisions(keymap) - _collisions({})
    lines: dict[tuple[str, str, str], list[str]] = {}
    for where, key, first, second in sorted(made):
        lines.setdefault((key, first, second), []).append(where)
    return [
        f"{key!r} is bound to both {first} and {second} ({', '.join(wheres)})"
        for (key, first, second), wheres in lines.items()
    ]


def check_keymap(keymap: Mapping[str, str]) -> None:
    """Refuse a ``[keymap]`` that would silently shadow a binding (a :class:`ConfigError`)."""
    conflicts = keymap_conflicts(keymap)
    if conflicts:
        more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        raise ConfigError(
            f"[keymap]: {conflicts[0]}{more}",
            "give each binding its own key there; `?` in the console lists every binding id",
        )
