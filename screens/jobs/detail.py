"""The describe screen for one job: why it failed, what it cost, what it was given.

Opened with ``enter`` on a Jobs row. The describe call runs in a thread worker
(:func:`~screens.kit.work.run_for_context`); the layout (sections of
key/value grids) is built by :mod:`screens.kit.job_sections`, which knows the records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from console.errors import SmError
from console.sanitize import inert
from console.services.job_extras import (
    JobDetailMetrics,
    JobFacts,
    cost_of,
    facts_of,
    job_detail_metrics,
)
from console.services.pipeline_origin import EXECUTION_TAG, PipelineOrigin, pipeline_origin
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import StatusPalette
from screens.kit.job_sections import section, sections_for
from screens.kit.key_order import focus_now
from screens.kit.keyed_table import KeyedTable
from screens.kit.navigation import (
    JobRunTarget,
    ModelPackageTarget,
    PipelineExecutionTarget,
    go_to,
)
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
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
        Binding("p", "pipeline_execution", "Pipeline", id="detail.pipeline"),
        Binding("m", "next_metric", "Next metric", show=False, id="detail.next_metric"),
        # The endpoint detail's range keys: one meaning for ``[``/``]`` on a detail with charts.
        Binding("left_square_bracket", "range(-1)", "Shorter", show=False, id="detail.shorter"),
        Binding("right_square_bracket", "range(1)", "Longer", show=False, id="detail.longer"),
    ]

    def __init__(self, kind: str, name: str) -> None:
        super().__init__()
        self.kind = kind
        self.job_name = name
        self.record: Any = None
        self.error: SmError | None = None
        self.metrics: JobDetailMetrics | None = None  # the charts' last read
        # The pipeline execution that made the job: None until read, False if none.
        self.origin: PipelineOrigin | bool | None = None
        self.origin_error = ""

    def compose(self) -> ComposeResult:
        title = f"{KIND_TITLES.get(self.kind, 'Job')} {self.job_name}"
        yield Static(Content(title), id="detail-title")
        origin = Static(Content(""), id="detail-pipeline")
        origin.display = False
        yield origin
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
                # enter opens the highlighted trial; the page stays at its top (the
                # summary names the best trial; the table follows it at 80x24).
                self.set_focus(table, scroll_visible=False)
            return
        widgets = sections_for(record, palette)
        if self.kind in COSTED_KINDS:
            widgets[_after_summary(widgets) : _after_summary(widgets)] = self._extra_sections(
                record
            )
        await body.mount_all(widgets)
        if self.kind in COSTED_KINDS:
            self._read_cost(record)
            self._read_origin(record)
        self.read_metrics()

    def _extra_sections(self, record: Any) -> list[Widget]:
        """Cost (filled by a worker) and, for jobs with hosts in CloudWatch, their
        utilisation charts: right after the summary, above the fold at 80x24; for a
        training job, its MetricDefinitions charted below them (one read, no key)."""
        extra = section("Cost", "reading prices…")
        extra[-1].id = "detail-cost"
        if self.kind in USAGE_KINDS:
            from screens.jobs.usage_panel import JobUsagePanel

            extra += [
                Static(Content("Utilisation per host"), classes="section-title"),
                JobUsagePanel(self.kind, self.job_name, record.instance_count, id="detail-usage"),
            ]
        if self.kind == "training":
            from screens.jobs.algorithm_metrics import AlgorithmMetricsPanel

            extra += [
                Static(Content("Algorithm metrics"), classes="section-title"),
                AlgorithmMetricsPanel(self.job_name, id="detail-algorithm"),
            ]
        return extra

    def _read_cost(self, record: Any) -> None:
        kind = self.kind
        facts = facts_of(kind, record)

        def call(context: ConsoleContext) -> str:
            try:
                prices = context.pricing.prices()
            except SmError as exc:
                return f"? (prices unavailable: {exc.message})"
            return cost_line(facts, prices, datetime.now(UTC))

        def show(text: str) -> None:
            for widget in self.query("#detail-cost").results(Static):
                widget.update(Content(text))

        run_for_context(
            self,
            call,
            done=show,
            failed=lambda error: show(f"? ({error.one_line()})"),
            name="detail cost",
        )

    # --- the pipeline execution that made the job (issue 17) ------------------------------
    def _read_origin(self, record: Any) -> None:
        """One ListTags of the job (and, when a pipeline made it, one describe of the
        execution): the line under the title, and where ``p`` goes."""
        arn = str(getattr(record, "arn", "") or "")

        def call(context: ConsoleContext) -> PipelineOrigin | None:
            return pipeline_origin(context.pipelines, arn)

        def show(origin: PipelineOrigin | None) -> None:
            self.origin = origin or False
            line = self.query_one("#detail-pipeline", Static)
            line.display = origin is not None
            if origin is not None:
                # The key first: at 80 columns the label's tail is cut, never the key.
                line.update(Content(f"Pipeline (p): {inert(origin.label)}"))

        def failed(error: SmError) -> None:
            self.origin = False  # unknown (no permission to read tags…): p says why
            self.origin_error = error.one_line()

        run_for_context(self, call, done=show, failed=failed, name="pipeline origin")

    def action_pipeline_execution(self) -> None:
        """The execution that made this job, its steps on the Pipelines tab (q comes
        back to this detail)."""
        origin = self.origin
        if origin is None:
            notify(self, "still reading the job's tags", severity="warning", timeout=2)
            return
        if not isinstance(origin, PipelineOrigin):
            why = f" ({self.origin_error})" if self.origin_error else ""
            notify(
                self,
                f"{self.job_name} was not started by a pipeline (no {EXECUTION_TAG} tag){why}",
                timeout=4,
            )
            return
        go_to(self, "pipelines", PipelineExecutionTarget(origin.execution_arn))

    # --- metrics: one batched read per refresh for every chart shown -------------------
    # The panels' modules import textual-plotext: only once a detail has shown them.
    def read_metrics(self) -> None:
        """Every chart of the detail (hosts' utilisation, a training job's algorithm
        metrics) from ONE GetMetricData, in a worker; the panels draw their parts. Runs
        after each describe (open, ``r``) and each range step (``[``/``]``)."""
        from screens.jobs.usage_panel import JobUsagePanel

        panel = next(iter(self.query(JobUsagePanel)), None)
        if panel is None:
            return
        kind, name, hosts, since = self.kind, self.job_name, panel.hosts, panel.since
        names = tuple(getattr(self.record, "metric_definitions", ()) or ())

        def call(context: ConsoleContext) -> JobDetailMetrics:
            return job_detail_metrics(
                context.cloudwatch, kind, name, hosts, metric_names=names, since=since
            )

        run_for_context(
            self, call, done=self._metrics_read, failed=self._metrics_failed, name="job metrics"
        )

    def _metrics_read(self, data: JobDetailMetrics) -> None:
        from screens.jobs.algorithm_metrics import AlgorithmMetricsPanel
        from screens.jobs.usage_panel import JobUsagePanel

        self.metrics = data
        label = ""
        for usage in self.query(JobUsagePanel):
            usage.show(data.hosts)
            label = usage.range_label
        finals = {m.name: m.value for m in getattr(self.record, "final_metrics", ()) or ()}
        for panel in self.query(AlgorithmMetricsPanel):
            panel.show(data.algorithm, label, finals)

    def _metrics_failed(self, error: SmError) -> None:
        from screens.jobs.algorithm_metrics import AlgorithmMetricsPanel
        from screens.jobs.usage_panel import JobUsagePanel

        for usage in self.query(JobUsagePanel):
            usage.show_error(error.one_line())
        for panel in self.query(AlgorithmMetricsPanel):
            panel.show_error(error.one_line())

    def action_next_metric(self) -> None:
        from screens.jobs.usage_panel import JobUsagePanel

        for panel in self.query(JobUsagePanel):
            notify(self, f"showing {panel.next_metric()}", timeout=2)

    def action_range(self, step: int) -> None:
        from screens.jobs.usage_panel import JobUsagePanel

        for panel in self.query(JobUsagePanel):
            if panel.step_range(step):
                self.read_metrics()
            notify(self, f"last {panel.range_label}", timeout=2)

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
        # The detail stays for Back (the main screen keeps it while the Registry shows).
        go_to(self, "registry", ModelPackageTarget(arn))

    def action_close(self) -> None:
        self.dismiss(None)


LOG_KINDS = frozenset({"training", "processing"})
COSTED_KINDS = frozenset({"training", "processing", "xform"})
USAGE_KINDS = frozenset({"training", "processing"})


def _after_summary(widgets: list[Widget]) -> int:
    """The index just after the Summary section's body (or the end)."""
    for index, widget in enumerate(widgets):
        title = isinstance(widget, Static) and widget.has_class("section-title")
        if title and str(widget.content) == "Summary":  # type: ignore[attr-defined]
            return min(index + 2, len(widgets))
    return len(widgets)


def cost_line(facts: JobFacts, prices: Mapping[str, float], now: datetime) -> str:
    """``$12.34 so far · $6.17/h (ml.g5.2xlarge x 2) · spot saved $3.10`` (or why not)."""
    hourly, usd, saved, note = cost_of(facts, prices, now)
    if hourly is None or usd is None:
        return f"? ({note})"
    verb = "so far" if facts.ended is None else "in total"
    text = (
        f"${usd:,.2f} {verb} · ${hourly:,.2f}/h "
        f"({facts.instance_type} x {max(1, facts.instance_count)})"
    )
    if saved:
        text += f" · spot saved ${saved:,.2f}"
    return text


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
