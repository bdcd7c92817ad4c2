"""The Experiments tab: MLflow experiments -> runs -> run detail / compare, with charts.

Keys here: `enter` opens an experiment's runs (see :mod:`screens.mlflow.runs` for the
runs keys), `M` the MLflow Model Registry (:mod:`screens.mlflow.models`: versions,
aliases), `e` switches the source to SageMaker Experiments (:mod:`screens.sm_experiments.view`),
`T` the managed MLflow tracking servers (:mod:`screens.mlflow.servers`), `/` filter,
`s`/`S` sort, `r` refresh. The tracking server is the config's
``mlflow_tracking_uri`` (or ``MLFLOW_TRACKING_URI``); without one, the tab says how to set
it. mlflow itself is imported by the first poll, in a worker thread, never at start-up.

Lineage entry points for other views: :meth:`ExperimentsView.show_run` opens a run's
detail screen, :meth:`ExperimentsView.show_training_job_run` finds the run of a SageMaker
training job (``MlflowDetails`` first, then run tags) and opens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from console.mlflow.records import MlflowRun
from console.services.mlflow_feed import ExperimentsSnapshot, fetch_experiments
from screens.kit.filter_bar import FilterBar
from screens.kit.host import console_host
from screens.kit.messages import Listed, PollFailed
from screens.kit.navigation import JobRunTarget, go_to
from screens.kit.palette import PaletteCommand
from screens.kit.plain import notify
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView
from screens.kit.work import run_for_context
from screens.mlflow.table import ExperimentsTable

if TYPE_CHECKING:
    from console.config import Config

# The info line without a tracking URI: the tab's other sources still work.
NO_MLFLOW_HINT = "no MLflow: e SageMaker Experiments, T servers"


class ExperimentsView(TableView):
    """Everything on the Experiments tab."""

    NOUN = "experiments"
    TAB = "experiments"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="experiments.filter"),
        Binding("s", "sort", "Sort", id="experiments.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="experiments.sort_reverse"),
        Binding("r", "refresh", "Refresh", id="experiments.refresh"),
        Binding("M", "models", "Models", id="experiments.models"),
        Binding("e", "sagemaker_experiments", "SageMaker Exps", id="experiments.sagemaker"),
        Binding("T", "tracking_servers", "MLflow servers", id="experiments.servers"),
    ]

    def __init__(self, config: Config, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.snapshot: ExperimentsSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield ExperimentsTable(id="experiments-table")
        bar = FilterBar(id="experiments-filter")
        bar.display = False
        yield bar
        yield Poller[ExperimentsSnapshot](
            "experiments",
            fetch_experiments,
            transitional=lambda snapshot: False,
            schedule=schedule_for(self.config.poll, "experiments"),
            id="experiments-poller",
        )
        yield Static(
            Content("loading MLflow experiments…"), id="experiments-info", classes="view-info"
        )

    @property
    def table(self) -> ExperimentsTable:
        return self.query_one(ExperimentsTable)

    @on(Listed)
    def _listed(self, message: Listed[ExperimentsSnapshot]) -> None:
        if message.generation != console_host(self).generation:
            return
        self.snapshot = message.snapshot
        self.table.sync(message.snapshot.items)
        self.show_info()

    @on(PollFailed)
    def _poll_failed(self, message: PollFailed) -> None:
        # Not stopped: the header shows poll health. Without MLflow, the tab's other
        # sources are what the operator can use: say which keys open them.
        if message.resource == "experiments" and not console_host(self).context.mlflow.configured:
            self.show_info()

    def reset(self) -> None:
        """Context switched: forget rows, poll the new context."""
        self.snapshot = None
        self.table.sync(())
        self.poller.reset()
        self.show_info()

    def action_refresh(self) -> None:
        console_host(self).context.mlflow.forget_run_counts()  # r means fresh counts too
        super().action_refresh()

    def store_filled(self) -> None:
        """The store was filled after the start-up listing (the demo seeds MLflow in the
        background): list it again now, shown or not, so the tab's count is right."""
        console_host(self).context.mlflow.forget_run_counts()
        self.poller.reset()  # polls at once if shown
        if not self.poller.shown:
            self.poller.prime()  # else once, hidden, as at start-up

    def info_extra(self) -> list[str]:
        snapshot = self.snapshot
        if not console_host(self).context.mlflow.configured:
            return [NO_MLFLOW_HINT]
        if snapshot is None:
            return []
        # The tracking URI last: it is long, and what does not fit is cut at the end.
        return [f"updated {snapshot.fetched_at.astimezone():%H:%M:%S}", snapshot.target]

    # --- navigation ----------------------------------------------------------------------
    def open_item(self, key: str) -> None:
        from screens.mlflow.runs import RunsScreen

        experiment = self.table.items.get(key)
        if experiment is not None:
            self.app.push_screen(RunsScreen(experiment, self.config))

    def action_models(self) -> None:
        """The MLflow Model Registry: models, versions, aliases."""
        from screens.mlflow.models import ModelsScreen

        self.app.push_screen(ModelsScreen(self.config))

    def action_sagemaker_experiments(self) -> None:
        """Switch the source: SageMaker Experiments -> trials -> components (`e` back)."""
        go_to(self, "sm_experiments")

    def action_tracking_servers(self) -> None:
        """SageMaker managed MLflow tracking servers: status, start/stop, UI URL."""
        from screens.mlflow.servers import ServersScreen

        self.app.push_screen(ServersScreen(self.config))

    def go_to(self, target: Any) -> None:
        """A jump from another tab (see :mod:`screens.kit.navigation`)."""
        if isinstance(target, JobRunTarget):
            self.show_training_job_run(target.job_name, target.mlflow_run_id)

    def show_run(self, run_id: str) -> None:
        """Open the detail screen of one MLflow run (for lineage jumps from other views)."""
        from screens.mlflow.detail import RunDetailScreen

        self.app.push_screen(RunDetailScreen(run_id))

    def show_training_job_run(self, job_name: str, mlflow_run_id: str = "") -> None:
        """Find the run of a SageMaker training job in a worker, then open it.

        ``mlflow_run_id`` is DescribeTrainingJob's ``MlflowDetails.MlflowRunId`` when the
        caller has it; otherwise runs tagged with the job name are searched.
        """
        run_for_context(
            self,
            lambda context: context.mlflow.run_for_training_job(
                job_name, mlflow_run_id=mlflow_run_id
            ),
            done=lambda run: self._job_run_found(job_name, run),
            failed=lambda error: notify(self, error.one_line(), severity="error", title="MLflow"),
            name="job-run",
        )

    def _job_run_found(self, job_name: str, run: MlflowRun | None) -> None:
        if run is None:
            notify(
                self,
                f"no MLflow run found for training job {job_name}",
                severity="warning",
                timeout=5,
            )
        else:
            self.show_run(run.run_id)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            self.palette_command("Experiments: filter", "filter MLflow experiments (/)", "filter"),
            self.palette_command(
                "Experiments: refresh now", "list experiments again (r)", "refresh"
            ),
            self.palette_command(
                "Experiments: SageMaker Experiments",
                "SageMaker experiments, trials and trial components (e)",
                "sagemaker_experiments",
            ),
            self.palette_command(
                "Experiments: MLflow tracking servers",
                "managed MLflow servers: start/stop, open the UI (T)",
                "tracking_servers",
            ),
        ]
