"""SageMaker Experiments on the Experiments tab (`e` switches the source from MLflow).

experiments -> `enter` trials -> `enter` trial components -> `enter` component detail
(status, parameters, metric summaries, artifacts, source job). `j` on a component (or in
its detail) jumps to the training/processing job it records, on the Jobs tab. `/` filters,
`s`/`S` sort, `r` refreshes, `q`/`escape` go back one level; `e` on the experiments
screen switches back to MLflow.

Each level is a full screen with its own :class:`Poller` (polls only while on top, like
the MLflow runs screen). Trial components are described one by one (the list call has
no parameters or metrics) and cached by LastModifiedTime, so a poll of a quiet trial is
one list call; components still InProgress are described again on every poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from console.services.experiments import Experiment, Trial, TrialComponent
from console.services.sm_experiments_feed import (
    ComponentsFeed,
    SmListing,
    fetch_sm_experiments,
    fetch_trials,
)
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import MISSING, format_duration, format_timestamp
from screens.kit.job_sections import columns_table, grid, section
from screens.kit.key_order import focus_now
from screens.kit.level_view import LevelView
from screens.kit.navigation import JobTarget, go_to
from screens.kit.plain import notify
from screens.kit.polled_screen import PolledScreen
from screens.kit.work import run_for_context
from screens.sm_experiments.table import (
    ComponentsTable,
    SmExperimentsTable,
    TrialsTable,
    source_label,
)

if TYPE_CHECKING:
    from console.config import Config
    from console.context import ConsoleContext

SOURCE_HINT = "SageMaker Experiments · e: back to MLflow"


def open_source_job(node: Widget | Screen[Any], component: TrialComponent | None) -> None:
    """Jump to the job a component records: its detail, over the Jobs tab.

    The SageMaker Experiments screens leave with the jump, so `escape` from the job's
    detail lands on the Jobs tab (where the job's row is); Back from there brings them
    again (the main screen keeps them: :class:`screens.main.BackEntry`).
    """
    if component is None:
        notify(node, "no trial component selected", severity="warning", timeout=3)
        return
    job = component.source_job
    if job is None:
        what = f"its source is {component.source_arn}" if component.source_arn else "no source"
        notify(
            node,
            f"{component.display_name} was not made by a training or processing job ({what})",
            severity="warning",
            timeout=5,
        )
        return
    go_to(node, "jobs", JobTarget(*job))


class SmLevelView(LevelView):
    """One level's table, filter bar, poller and info line (subclasses say what)."""

    RESOURCE = "sm-experiments"
    POLL = "experiments"
    LEVEL_CLASS = "sm-view"

    def fetch(self, context: ConsoleContext) -> SmListing:
        raise NotImplementedError


class SmExperimentsView(SmLevelView):
    NOUN = "SageMaker experiments"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="sm_experiments.filter"),
        Binding("s", "sort", "Sort", id="sm_experiments.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="sm_experiments.sort_reverse"),
        Binding("r", "refresh", "Refresh", id="sm_experiments.refresh"),
    ]

    def make_table(self) -> Widget:
        return SmExperimentsTable(id="sm-experiments-table")

    def fetch(self, context: ConsoleContext) -> SmListing:
        return fetch_sm_experiments(context)

    def open_item(self, key: str) -> None:
        experiment = self.table.items.get(key)
        if isinstance(experiment, Experiment):
            self.app.push_screen(TrialsScreen(experiment, self.config))


class TrialsView(SmLevelView):
    NOUN = "trials"
    RESOURCE = "sm-trials"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="sm_trials.filter"),
        Binding("s", "sort", "Sort", id="sm_trials.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="sm_trials.sort_reverse"),
        Binding("r", "refresh", "Refresh", id="sm_trials.refresh"),
    ]

    def __init__(self, experiment: Experiment, config: Config) -> None:
        super().__init__(config, id="sm-trials-view")
        self.experiment = experiment

    def make_table(self) -> Widget:
        return TrialsTable(id="sm-trials-table")

    def fetch(self, context: ConsoleContext) -> SmListing:
        return fetch_trials(context, self.experiment.name)

    def open_item(self, key: str) -> None:
        trial = self.table.items.get(key)
        if isinstance(trial, Trial):
            self.app.push_screen(ComponentsScreen(trial, self.config))


class ComponentsView(SmLevelView):
    NOUN = "trial components"
    RESOURCE = "sm-trial-components"
    BINDINGS = [
        Binding("j", "job", "Source job", id="sm_components.job"),
        Binding("slash", "filter", "Filter", id="sm_components.filter"),
        Binding("s", "sort", "Sort", id="sm_components.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="sm_components.sort_reverse"),
        Binding("r", "refresh", "Refresh", id="sm_components.refresh"),
    ]

    def __init__(self, trial: Trial, config: Config) -> None:
        super().__init__(config, id="sm-components-view")
        self.trial = trial
        self.feed = ComponentsFeed(trial.name)

    def make_table(self) -> Widget:
        return ComponentsTable(id="sm-components-table")

    def fetch(self, context: ConsoleContext) -> SmListing:
        return self.feed.fetch(context)

    def open_item(self, key: str) -> None:
        if key in self.table.items:
            self.app.push_screen(ComponentDetailScreen(key))

    def action_job(self) -> None:
        open_source_job(self, self.table.cursor_item())


class SmExperimentsScreen(PolledScreen):
    """SageMaker Experiments: the Experiments tab's other source."""

    BINDINGS = [Binding("e", "mlflow", "MLflow", id="sm_experiments.mlflow")]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def action_mlflow(self) -> None:
        """Back to the MLflow source (its own action: the footer shows one key per action)."""
        self.action_close()

    def compose(self) -> ComposeResult:
        yield Static(Content(SOURCE_HINT), id="runs-title")
        yield SmExperimentsView(self.config, id="sm-experiments-view")
        yield ConsoleFooter()


class TrialsScreen(PolledScreen):
    """One SageMaker experiment's trials."""

    def __init__(self, experiment: Experiment, config: Config) -> None:
        super().__init__()
        self.experiment = experiment
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static(Content(f"SageMaker experiment {self.experiment.name}"), id="runs-title")
        yield TrialsView(self.experiment, self.config)
        yield ConsoleFooter()


class ComponentsScreen(PolledScreen):
    """One trial's components."""

    def __init__(self, trial: Trial, config: Config) -> None:
        super().__init__()
        self.trial = trial
        self.config = config

    def compose(self) -> ComposeResult:
        experiment = f" ({self.trial.experiment_name})" if self.trial.experiment_name else ""
        yield Static(Content(f"Trial {self.trial.name}{experiment}"), id="runs-title")
        yield ComponentsView(self.trial, self.config)
        yield ConsoleFooter()


def component_sections(component: TrialComponent) -> list[Widget]:
    """The detail's sections (pure: built from the record alone)."""
    status = component.status or MISSING
    if component.status_message:
        status = f"{status}: {component.status_message}"
    widgets = section(
        "Component",
        grid(
            [
                ("Status", status),
                ("Source job", source_label(component) or MISSING),
                ("Source ARN", component.source_arn or MISSING),
                ("Start", format_timestamp(component.started)),
                ("End", format_timestamp(component.ended)),
                ("Duration", format_duration(component.duration_seconds)),
                ("Created", format_timestamp(component.created)),
                ("ARN", component.arn),
            ]
        ),
    )
    params = sorted(
        (k, f"{v:.6g}" if isinstance(v, float) else v) for k, v in component.parameters.items()
    )
    widgets += section("Parameters", grid(params) if params else "none")

    def number(value: float | None) -> str:
        return MISSING if value is None else f"{value:.4g}"

    widgets += section(
        "Metrics",
        columns_table(
            ["Metric", "Last", "Min", "Max", "Avg", "Count"],
            [
                [
                    m.name,
                    number(m.last),
                    number(m.minimum),
                    number(m.maximum),
                    number(m.average),
                    str(m.count),
                ]
                for m in component.metrics
            ],
        )
        if component.metrics
        else "none",
    )
    for title, artifacts in (
        ("Input artifacts", component.input_artifacts),
        ("Output artifacts", component.output_artifacts),
    ):
        widgets += section(title, grid(sorted(artifacts.items())) if artifacts else "none")
    return widgets


class ComponentDetailScreen(Screen[None]):
    """One trial component, described; `j` opens its source job, `r` reloads."""

    BINDINGS = [
        Binding("q", "close", "Back", id="sm_component.close"),
        Binding("escape,backspace", "close", "Back", show=False, id="sm_component.close_alt"),
        Binding("j", "job", "Source job", id="sm_component.job"),
        Binding("r", "reload", "Reload", id="sm_component.reload"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.component_name = name
        self.component: TrialComponent | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Trial component {self.component_name}"), id="runs-title")
        with VerticalScroll(id="sm-component-body"):
            yield Static("loading…", classes="detail-loading")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#sm-component-body"))
        self.action_reload()

    def action_reload(self) -> None:
        name = self.component_name
        run_for_context(
            self,
            lambda context: context.experiments.describe_trial_component(name),
            done=self._described,
            failed=lambda error: self._not_described(error.one_line()),
            name="describe",
        )

    async def _not_described(self, text: str) -> None:
        body = self.query_one("#sm-component-body", VerticalScroll)
        await body.remove_children()
        await body.mount(Static(Text(text), classes="failure"))

    async def _described(self, component: TrialComponent | None) -> None:
        if component is None:
            await self._not_described("not found")
            return
        body = self.query_one("#sm-component-body", VerticalScroll)
        await body.remove_children()
        self.component = component
        self.query_one("#runs-title", Static).update(
            Content(f"Trial component {component.display_name} · {component.status or MISSING}")
        )
        await body.mount_all(component_sections(component))

    def action_job(self) -> None:
        if self.component is None:
            notify(self, "still loading", severity="warning", timeout=2)
            return
        open_source_job(self, self.component)

    def action_close(self) -> None:
        self.dismiss(None)
