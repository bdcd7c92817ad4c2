"""The describe screen for one job: why it failed, what it cost, what it was given.

Opened with ``enter`` on a Jobs row. The describe call runs in a thread worker
(:func:`~screens.kit.work.run_for_context`); the layout (sections of
key/value grids) is built by :mod:`screens.kit.job_sections`, which knows the records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from screens.kit.navigation import JobRunTarget, ModelPackageTarget, go_to
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
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
        return jobs.describe_tuning_job(name)
    if kind == "xform":
        return context.transform.describe_transform_job(name)
    raise SmError(f"unknown job type {kind!r}")


class JobDetailScreen(Screen[None]):
    """Full-screen describe view; ``escape``, ``q``, ``backspace`` or ``ctrl+c`` go back."""

    BINDINGS = [
        Binding("q", "close", "Back", id="detail.close"),
        Binding("escape,backspace,ctrl+c", "close", "Back", show=False, id="detail.close_alt"),
        Binding("r", "reload", "Reload", id="detail.reload"),
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
        await body.mount_all(sections_for(record, palette))

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
