"""The describe screen for one job: why it failed, what it cost, what it was given.

Opened with ``enter`` on a Jobs row. The describe call runs in a thread worker
(:func:`~screens.kit.work.run_for_context`); the layout (sections of
key/value grids) is built by :mod:`screens.kit.job_sections`, which knows the records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from console.errors import SmError
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import StatusPalette
from screens.kit.job_sections import sections_for
from screens.kit.key_order import focus_now
from screens.kit.keyed_table import KeyedTable
from screens.kit.navigation import JobRunTarget, ModelPackageTarget, go_to
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from textual.widget import Widget

    from console.config import PollIntervals
    from console.context import ConsoleContext

KIND_TITLES = {
    "training": "Training job",
    "processing": "Processing job",
    "tuning": "Tuning job",
    "xform": "Transform job",
}


def describe_job(context: ConsoleContext, kind: str, name: str) -> Any:
    """The service call for one kind (runs in a worker thread)."""
    jobs = context.jobs
    if kind == "training":
        return jobs.describe_training_job(name)
    if kind == "processing":
        return jobs.describe_processing_job(name)
    if kind == "tuning":
        return context.tuning.detail(name)  # the job and its trials, ranked
    if kind == "xform":
        return context.transform.describe_transform_job(name)
    raise SmError(f"unknown job type {kind!r}")


class JobDetailScreen(Screen[None]):
    """Full-screen describe view; ``escape``, ``q``, ``backspace`` or ``ctrl+c`` go back."""

    BINDINGS = [
        Binding("q", "close", "Back", id="detail.close"),
        Binding("escape,backspace,ctrl+c", "close", "Back", show=False, id="detail.close_alt"),
        Binding("r", "reload", "Reload", id="detail.reload"),
        Binding("l", "logs", "Logs", id="detail.logs"),
        Binding("M", "mlflow_run", "MLflow run", id="detail.mlflow_run"),
        Binding("P", "model_package", "Model package", id="detail.model_package"),
    ]

    def __init__(self, kind: str, name: str) -> None:
        super().__init__()
        self.kind = kind
        self.job_name = name
        self.record: Any = None
        self.error: SmError | None = None

    def compose(self) -> ComposeResult:
        title = f"{KIND_TITLES.get(self.kind, 'Job')} {self.job_name}"
        yield Static(Content(title), id="detail-title")
        with VerticalScroll(id="detail-body"):
            yield Static("loading…", classes="detail-loading")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#detail-body"))
        self.action_reload()

    def action_reload(self) -> None:
        kind, name = self.kind, self.job_name
        run_for_context(
            self,
            lambda context: describe_job(context, kind, name),
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

    async def _described(self, record: Any) -> None:
        body = self.query_one("#detail-body", VerticalScroll)
        await body.remove_children()
        self.record = record
        self.error = None
        palette = StatusPalette.from_variables(self.app.theme_variables)
        if self.kind == "tuning":
            from screens.jobs.tuning_detail import fill_tuning, tuning_widgets

            await body.mount_all(tuning_widgets(record, palette))
            fill_tuning(self, record)
            for table in self.query("#tuning-trials"):
                focus_now(table)  # enter opens the highlighted trial
            return
        await body.mount_all(sections_for(record, palette))

    @on(KeyedTable.RowSelected, "#tuning-trials")
    def _trial_selected(self, event: KeyedTable.RowSelected) -> None:
        """A tuning job's trial: its own detail over this one (q comes back)."""
        event.stop()
        self.app.push_screen(JobDetailScreen("training", event.key))

    def action_logs(self) -> None:
        """This job's live logs (as `l` on its row): no way back to the table first."""
        status = str(getattr(self.record, "status", "") or "")
        open_job_logs(self, self.kind, self.job_name, status)

    # --- lineage jumps ---------------------------------------------------------------------
    def _training_record(self) -> Any:
        if self.kind != "training":
            notify(self, "only training jobs link to MLflow runs and model packages", timeout=3)
            return None
        if self.record is None:
            notify(self, "still loading", severity="warning", timeout=2)
        return self.record

    def action_mlflow_run(self) -> None:
        """The job's MLflow run (MlflowDetails, else runs tagged with the job's name)."""
        job = self._training_record()
        if job is not None:
            go_to(self, "experiments", JobRunTarget(job.name, job.mlflow_run_id), show=False)

    def action_model_package(self) -> None:
        """The model package version the job registered, on the Registry tab."""
        job = self._training_record()
        if job is None:
            return
        arn = job.output_model_package_arn
        if not arn:
            notify(
                self,
                f"{job.name} registered no model package (OutputModelPackageArn is empty); "
                "M finds its MLflow run and the versions made from it",
                timeout=5,
            )
            return
        go_to(self, "registry", ModelPackageTarget(arn))
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


LOG_KINDS = frozenset({"training", "processing"})


def open_job_logs(
    widget: Widget, kind: str, name: str, status: str, poll: PollIntervals | None = None
) -> None:
    """Push the live log view of one job (every host merged by time), from its row or its
    detail; a tuning job has no logs of its own and says where they are."""
    if kind not in LOG_KINDS:
        notify(
            widget,
            f"{kind} job {name} has no logs of its own: open one of its training jobs",
            severity="warning",
        )
        return
    # Imported on first use: ~30 ms that the start-up path does not need.
    from screens.kit.host import console_host
    from screens.logs.feed import CloudWatchLogs, FeedTiming
    from screens.logs.view import LogScreen, max_lines_from

    context = console_host(widget).context
    poll = poll or context.config.poll
    timing = FeedTiming(interval=poll.logs, max_backoff=poll.max_backoff)
    source = CloudWatchLogs(context, kind, name, status_hint=status)
    widget.app.push_screen(
        LogScreen(source, max_lines=max_lines_from(context.config), timing=timing)
    )
