"""Run detail and run comparison screens, each with metric curves.

Run detail (``enter`` on a run, or :meth:`ExperimentsView.show_run`): the loss/accuracy
curves on top, then params, latest metrics, tags, artifacts and the registry versions
made from the run. Compare (2+ marked runs): the same curves overlaid, params side by
side with the ones that differ highlighted (``p`` shows only those), latest metrics.

One worker loads everything through ``context.mlflow`` (never a widget), run by
``run_for_context``: the answer is dropped if the console's context changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from console.errors import SmError
from console.mlflow import columns as cols
from console.mlflow.records import Artifact, MlflowRun, ModelVersion
from screens.kit.footer import ConsoleFooter
from screens.kit.formatting import MISSING, format_duration, format_timestamp
from screens.kit.job_sections import columns_table, grid, section
from screens.kit.key_order import focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context
from screens.mlflow.series import Series
from screens.mlflow.table import status_word

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from screens.mlflow.chart import MetricChart

R = TypeVar("R")

# Metric keys charted per screen (each is one request per run).
MAX_CHART_KEYS = 8


@dataclass(frozen=True)
class LoadedRun:
    """What the run detail shows: the run, its curves, artifacts and registry versions."""

    run: MlflowRun
    histories: dict[str, list[Series]] = field(default_factory=dict)
    artifacts: tuple[Artifact, ...] = ()
    versions: tuple[ModelVersion, ...] = ()


@dataclass(frozen=True)
class ComparedRuns:
    """What the compare screen shows: the runs and their overlaid curves."""

    runs: tuple[MlflowRun, ...]
    histories: dict[str, list[Series]] = field(default_factory=dict)


def load_run(context: ConsoleContext, run_id: str) -> LoadedRun:
    """One run with its curves; artifacts and versions best effort (worker thread)."""
    run = context.mlflow.get_run(run_id)
    histories = load_histories(context, [run])
    artifacts: tuple[Artifact, ...] = ()
    versions: tuple[ModelVersion, ...] = ()
    try:  # best effort: the run is what matters
        artifacts = tuple(context.mlflow.list_artifacts(run_id))
        versions = tuple(context.mlflow.model_versions_for_run(run_id))
    except Exception:  # noqa: S110 - shown as "none" rather than failing the screen
        pass
    return LoadedRun(run, histories, artifacts, versions)


def compare_runs(context: ConsoleContext, run_ids: Sequence[str]) -> ComparedRuns:
    """The runs and their curves (worker thread)."""
    runs = tuple(context.mlflow.get_run(r) for r in run_ids)
    return ComparedRuns(runs, load_histories(context, runs))


def load_histories(context: ConsoleContext, runs: Sequence[MlflowRun]) -> dict[str, list[Series]]:
    """metric key -> one series per run (worker thread)."""
    keys = sorted({k for run in runs for k in run.metrics})[:MAX_CHART_KEYS]
    found = context.mlflow.metric_histories([r.run_id for r in runs], keys)
    out: dict[str, list[Series]] = {}
    for key in keys:
        for run in runs:
            points = found.get((run.run_id, key))
            if points:
                out.setdefault(key, []).append(Series(run.label, tuple(points)))
    return out


class ChartScreen(Screen[None]):
    """What both screens share: back, reload, metric key cycling, log scale."""

    BINDINGS = [
        Binding("q", "close", "Back", id="run_detail.close"),
        Binding("escape,backspace", "close", "Back", show=False, id="run_detail.close_alt"),
        Binding("k", "next_metric", "Next metric", id="run_detail.next_metric"),
        Binding("Y", "log_scale", "Log scale", id="run_detail.log_scale"),
        Binding("r", "reload", "Reload", id="run_detail.reload"),
    ]
    TITLE_TEXT = ""

    def compose(self) -> ComposeResult:
        # textual-plotext (~0.3 s) is imported when a chart is first shown, not at start-up.
        from screens.mlflow.chart import MetricChart

        yield Static(Content(self.TITLE_TEXT), id="run-title")
        yield MetricChart(id="run-chart")
        with VerticalScroll(id="run-body"):
            yield Static("loading…", classes="detail-loading")
        yield ConsoleFooter()

    @property
    def chart(self) -> MetricChart:
        from screens.mlflow.chart import MetricChart

        return self.query_one("#run-chart", MetricChart)

    def on_mount(self) -> None:
        focus_now(self.query_one("#run-body"))
        self.action_reload()

    def action_reload(self) -> None:
        raise NotImplementedError

    def action_close(self) -> None:
        self.dismiss(None)

    def action_next_metric(self) -> None:
        key = self.chart.next_key()
        if not key:
            notify(self, "no metric history to chart", severity="warning", timeout=3)

    def action_log_scale(self) -> None:
        on = self.chart.toggle_log()
        notify(self, f"log scale {'on' if on else 'off'}", timeout=2)

    async def show_error(self, error: SmError | None) -> None:
        body = self.query_one("#run-body", VerticalScroll)
        await body.remove_children()
        text = error.one_line() if error else "no answer"
        await body.mount(Static(Content(text), classes="failure"))
        notify(self, text, severity="error", title="MLflow")

    def load(self, call: Callable[[ConsoleContext], R], done: Callable[[R], object]) -> None:
        """Run ``call`` for the current context; ``done`` with its value, or the error."""
        run_for_context(self, call, done=done, failed=self.show_error, name="mlflow-detail")


class RunDetailScreen(ChartScreen):
    """One run: curves, params, latest metrics, tags, artifacts, registry versions."""

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.TITLE_TEXT = f"MLflow run {run_id}"
        self.run: MlflowRun | None = None

    def action_reload(self) -> None:
        run_id = self.run_id
        self.load(lambda context: load_run(context, run_id), self._loaded)

    async def _loaded(self, message: LoadedRun) -> None:
        run = self.run = message.run
        self.query_one("#run-title", Static).update(
            Content(f"MLflow run {run.label} · {status_word(run.status)} · {run.run_id}")
        )
        self.chart.set_histories(message.histories)
        body = self.query_one("#run-body", VerticalScroll)
        await body.remove_children()
        widgets = section(
            "Run",
            grid(
                [
                    ("Status", status_word(run.status)),
                    ("User", run.user or MISSING),
                    ("Start", format_timestamp(run.start)),
                    ("End", format_timestamp(run.end)),
                    ("Duration", format_duration(run.duration_seconds)),
                    ("Training job", run.training_job or MISSING),
                    ("Experiment", run.experiment_id),
                    ("Artifacts", run.artifact_uri),
                ]
            ),
        )
        widgets += section("Params", grid(sorted(run.params.items())) if run.params else "none")
        widgets += section(
            "Latest metrics",
            grid([(k, cols.text(v)) for k, v in sorted(run.metrics.items())])
            if run.metrics
            else "none",
        )
        user_tags = {k: v for k, v in run.tags.items() if not k.startswith("mlflow.")}
        widgets += section("Tags", grid(sorted(user_tags.items())) if user_tags else "none")
        widgets += section(
            "Artifacts",
            columns_table(
                ["Path", "Size"],
                [
                    [a.path + ("/" if a.is_dir else ""), str(a.size) if a.size else ""]
                    for a in message.artifacts
                ],
            )
            if message.artifacts
            else "none",
        )
        widgets += section(
            "Registered model versions",
            columns_table(
                ["Model", "Version", "Aliases", "Status"],
                [[v.name, v.version, ", ".join(v.aliases), v.status] for v in message.versions],
            )
            if message.versions
            else "none",
        )
        await body.mount_all(widgets)


class CompareScreen(ChartScreen):
    """2+ runs side by side: overlaid curves, params (differences highlighted), metrics."""

    BINDINGS = [
        Binding("p", "only_differing", "Only differing", id="run_compare.only_differing"),
    ]

    def __init__(self, run_ids: Sequence[str]) -> None:
        super().__init__()
        self.run_ids = tuple(run_ids)
        self.TITLE_TEXT = f"Compare {len(self.run_ids)} runs"
        self.runs: tuple[MlflowRun, ...] = ()
        self.only_differing = False

    def action_reload(self) -> None:
        run_ids = self.run_ids
        self.load(lambda context: compare_runs(context, run_ids), self._compared)

    async def _compared(self, message: ComparedRuns) -> None:
        if not message.runs:
            await self.show_error(None)
            return
        self.runs = message.runs
        self.chart.set_histories(message.histories)
        await self._render_tables()

    def action_only_differing(self) -> None:
        self.only_differing = not self.only_differing
        notify(self, "only params that differ" if self.only_differing else "all params", timeout=2)
        self.run_worker(self._render_tables(), exclusive=True, group="compare-render")

    def differing(self) -> list[str]:
        return cols.differing_params(self.runs)

    def params_table(self) -> Table:
        runs = self.runs
        differ = set(self.differing())
        keys = cols.keys_of(runs, "params")
        if self.only_differing:
            keys = [k for k in keys if k in differ]
        variables = self.app.theme_variables
        highlight = Style(color=variables.get("warning") or None, bold=True)
        table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
        table.add_column("param")
        for run in runs:
            table.add_column(Text(run.label), overflow="fold")
        for key in keys:
            style = highlight if key in differ else Style()
            table.add_row(
                Text(("≠ " if key in differ else "  ") + key, style=style),
                *(Text(run.params.get(key, MISSING), style=style) for run in runs),
            )
        return table

    def metrics_table(self) -> Table:
        runs = self.runs
        headers = ["metric", *(r.label for r in runs)]
        rows = [
            [key, *(cols.text(r.metrics.get(key)) for r in runs)]
            for key in cols.keys_of(runs, "metrics")
        ]
        return columns_table(headers, rows)

    async def _render_tables(self) -> None:
        body = self.query_one("#run-body", VerticalScroll)
        await body.remove_children()
        differ = self.differing()
        title = f"Params ({len(differ)} differ" + (
            ", only those shown)" if self.only_differing else ")"
        )
        widgets = section(
            "Runs",
            columns_table(
                ["run", "status", "start", "id"],
                [
                    [r.label, status_word(r.status), format_timestamp(r.start), r.run_id]
                    for r in self.runs
                ],
            ),
        )
        widgets += section(title, self.params_table())
        widgets += section("Latest metrics", self.metrics_table())
        await body.mount_all(widgets)
