"""Which class owns which key bindings, for the help screen and the keymap check.

It imports every screen of the console, so it is imported on demand (help, a keymap in
the config), never on the start-up path: the TUI imports a tab's modules when the tab is
first mounted.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from screens.app import SmConsoleApp
from screens.confirm import ConfirmDialog
from screens.context_switch import ContextDialog
from screens.endpoints import EndpointsView
from screens.endpoints_detail import EndpointDetailScreen
from screens.endpoints_invoke import InvokeScreen
from screens.endpoints_table import EndpointsTable
from screens.endpoints_update import ConfigPicker
from screens.endpoints_weights import WeightsDialog
from screens.experiments import ExperimentsView
from screens.experiments_detail import ChartScreen, CompareScreen
from screens.experiments_models import AliasPrompt, ModelsView, PolledScreen, VersionsView
from screens.experiments_runs import ColumnPicker, RunsScreen, RunsView
from screens.experiments_table import ExperimentsTable, RunsTable
from screens.filter_bar import FilterBar
from screens.help import HelpScreen
from screens.hyperpod import HyperPodView
from screens.hyperpod_events import EventDetailScreen, EventsPane
from screens.hyperpod_jobs import GpuScreen
from screens.hyperpod_panes import ClustersPane, HistoryPane, NodesPane, QueuePane
from screens.hyperpod_sbatch import SbatchScreen
from screens.job_detail import JobDetailScreen
from screens.jobs import JobsView
from screens.jobs_table import JobsTable
from screens.keyed_table import KeyedTable
from screens.log_view import LogPanel, LogScreen, SearchBar
from screens.main import MainScreen
from screens.mlflow_servers import ServersTable, ServersView
from screens.notebooks import NotebooksView
from screens.notebooks_table import NotebooksTable
from screens.notebooks_url import NotebookUrlScreen
from screens.registry import RegistryView
from screens.registry_history import HistoryScreen
from screens.registry_table import GroupsTable, PackagesTable
from screens.sm_experiments import (
    ComponentDetailScreen,
    ComponentsView,
    SmExperimentsScreen,
    SmExperimentsView,
    TrialsView,
)
from screens.sm_experiments_table import ComponentsTable, SmExperimentsTable, TrialsTable
from screens.status import StatusView
from screens.training_form import TrainingForm

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
