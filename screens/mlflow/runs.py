"""One MLflow experiment's runs: pick columns, filter with MLflow's search syntax, mark
runs to compare, chart, export.

Keys: `enter` run detail, `space` mark/unmark a run, `m` compare the marked runs (2+),
`c` pick params/metrics columns (saved per experiment in the config), `p` show only the
params that differ between the runs, `f` MLflow search filter (e.g.
``metrics.loss < 0.3 and params.lr = '0.1'``; sent to the server), `/` filter the rows
shown, `s`/`S` sort by any column (metrics included), `x` export the shown runs with
the shown columns to CSV, `r` refresh, `q` back.

Runs are listed by the poller in a thread worker through ``context.mlflow`` (page by
page; a 5,000-run experiment is five requests) and synced into the keyed table. The first
listing shows its first page as soon as it arrives ("loading more…"), so a big sweep
shows its newest runs in a fraction of the time the whole listing takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.events import ScreenResume, ScreenSuspend
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, SelectionList, Static

from console.errors import SmError, ValidationError, translate
from console.mlflow import columns as cols
from console.mlflow.records import MlflowExperiment, MlflowRun
from console.services.mlflow_feed import RunsSnapshot
from screens.kit.filter_bar import FilterBar
from screens.kit.footer import ConsoleFooter
from screens.kit.host import console_host
from screens.kit.key_order import TextInput, focus_now
from screens.kit.messages import Listed, PollFailed
from screens.kit.plain import notify
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView
from screens.mlflow.table import RunsTable

if TYPE_CHECKING:
    from console.config import Config
    from console.context import ConsoleContext

# Params shown when "only differing" is on (the widest sweep stays readable).
MAX_DIFFERING = 12


# Runs per request, as the service's RUN_PAGE_SIZE (console/mlflow/service.py, not
# imported here: it is off the start-up path); the first page of the first listing is
# shown on its own.
PAGE_SIZE = 1000


@dataclass
class RunsExported(Message):
    path: str
    count: int
    error: SmError | None = None


class ColumnPicker(ModalScreen[list[str] | None]):
    """Tick the params/metrics/tags columns to show; `ctrl+s` applies, `escape` cancels."""

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="columns.apply"),
        Binding("escape,q", "cancel", "Cancel", id="columns.cancel"),
        Binding("minus", "none", "None", id="columns.none"),
    ]

    def __init__(self, available: list[str], chosen: tuple[str, ...]) -> None:
        super().__init__()
        self.available = available
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        yield Static(
            Content("Columns: space ticks, ctrl+s applies, - clears, escape cancels"),
            id="columns-title",
        )
        yield SelectionList[str](
            *((Content(name), name, name in self.chosen) for name in self.available),
            id="columns-list",
        )
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one(SelectionList))

    def action_apply(self) -> None:
        picked = set(self.query_one(SelectionList).selected)
        self.dismiss([name for name in self.available if name in picked])

    def action_none(self) -> None:
        self.query_one(SelectionList).deselect_all()

    def action_cancel(self) -> None:
        self.dismiss(None)


class RunsView(TableView):
    """The runs table with its filter bars, poller and info line."""

    NOUN = "runs"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="runs.filter"),
        Binding("F", "search", "MLflow filter", id="runs.search"),
        Binding("s", "sort", "Sort", id="runs.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="runs.sort_reverse"),
        Binding("space", "mark", "Mark", id="runs.mark"),
        Binding("m", "compare", "Compare", id="runs.compare"),
        Binding("v", "compare_previous", "Vs previous", id="runs.compare_previous"),
        Binding("vertical_line", "columns", "Columns", id="runs.columns"),
        Binding("p", "differing", "Differing params", id="runs.differing"),
        Binding("ctrl+s", "export", "Export CSV", id="runs.export"),
        Binding("r", "refresh", "Refresh", id="runs.refresh"),
    ]

    def __init__(self, experiment: MlflowExperiment, config: Config) -> None:
        super().__init__(id="runs-view")
        self.experiment = experiment
        self.config = config
        self.search = ""
        self.snapshot: RunsSnapshot | None = None
        self.only_differing = False
        saved = config.mlflow_columns.get(experiment.experiment_id, "")
        self.picked: tuple[str, ...] | None = cols.parse_columns(saved) if saved else None

    def compose(self) -> ComposeResult:
        search = TextInput(placeholder="MLflow filter, e.g. metrics.loss < 0.3", id="runs-search")
        search.display = False
        yield search
        yield RunsTable(id="runs-table")
        bar = FilterBar(id="runs-filter")
        bar.display = False
        yield bar
        experiment_id = self.experiment.experiment_id

        def fetch(context: ConsoleContext) -> RunsSnapshot:
            """Every page; on the first listing, the first page is posted early too."""
            search, early = self.search, self.snapshot is None
            generation = console_host(self).generation
            runs: list[MlflowRun] = []
            pages = context.mlflow.run_pages(
                [experiment_id], filter_string=search, page_size=PAGE_SIZE
            )
            for page in pages:
                runs.extend(page)
                if early and len(page) == PAGE_SIZE:  # a full page: more may follow
                    partial = RunsSnapshot(tuple(runs), search, datetime.now(UTC), False)
                    self.post_message(Listed("mlflow-runs", generation, partial))  # thread-safe
                early = False
            return RunsSnapshot(tuple(runs), search, datetime.now(UTC))

        yield Poller[RunsSnapshot](
            "mlflow-runs",
            fetch,
            transitional=lambda snapshot: False,
            schedule=schedule_for(self.config.poll, "experiments"),
            id="runs-poller",
        )
        yield Static(Content("loading runs…"), id="runs-info", classes="view-info")

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    # --- polling -----------------------------------------------------------------------
    @on(Listed)
    def _listed(self, message: Listed[RunsSnapshot]) -> None:
        if message.resource != "mlflow-runs":
            return
        message.stop()
        if message.generation != console_host(self).generation:
            return
        if message.snapshot.search != self.search:
            return  # listed under a filter the operator has since changed
        # Columns are derived once the listing is whole (a first page was shown early).
        first = self.snapshot is None or not self.snapshot.complete
        if not first and self.snapshot is not None and self.snapshot.runs == message.snapshot.runs:
            # Nothing changed (the usual poll): skip re-deriving 5,000 rows' cells.
            self.snapshot = message.snapshot
            self.show_info()
            return
        self.snapshot = message.snapshot
        self.table.sync(message.snapshot.runs)
        if first or self.only_differing:
            self._apply_columns()
        self.show_info()

    @on(PollFailed)
    def _poll_failed(self, message: PollFailed) -> None:
        if message.resource != "mlflow-runs" or not isinstance(message.error, ValidationError):
            return
        message.stop()
        # A bad MLflow filter: say so once and go back to the last good listing.
        notify(self, message.error.one_line(), severity="error", title="MLflow filter")
        self.search = self.snapshot.search if self.snapshot else ""
        self.poller.reset()

    def info_extra(self) -> list[str]:
        parts = []
        if self.search:
            parts.append(f"MLflow filter: {self.search}")
        if self.table.marked:
            parts.append(f"{len(self.table.marked)} marked")
        if self.only_differing:
            parts.append("only differing params")
        if self.snapshot is not None and not self.snapshot.complete:
            parts.append("loading more…")
        elif self.snapshot is not None:
            parts.append(f"updated {self.snapshot.fetched_at.astimezone():%H:%M:%S}")
        return parts

    # --- columns -------------------------------------------------------------------------
    def current_columns(self) -> tuple[str, ...]:
        """The picked/extra columns (what export writes after the base ones)."""
        runs = self.table.shown_runs() or list(self.snapshot.runs if self.snapshot else ())
        default = tuple(
            f"metrics.{k}" for k in cols.keys_of(runs, "metrics")[: cols.MAX_DEFAULT_METRICS]
        )
        if self.only_differing:
            differ = [f"params.{k}" for k in cols.differing_params(runs)[:MAX_DIFFERING]]
            # The metrics stay (the picked ones, else the default ones): the differing
            # params are only worth reading beside what they did.
            kept = self.picked if self.picked is not None else default
            return (*differ, *(c for c in kept if not c.startswith("params.")))
        if self.picked is not None:
            return self.picked
        return default

    def _apply_columns(self) -> None:
        self.table.set_columns(
            [c for c in self.current_columns() if c not in cols.DEFAULT_ATTRIBUTES]
        )
        self.show_info()

    def action_columns(self) -> None:
        runs = list(self.snapshot.runs) if self.snapshot else []
        available = [
            *(f"params.{k}" for k in cols.keys_of(runs, "params")),
            *(f"metrics.{k}" for k in cols.keys_of(runs, "metrics")),
            *(f"tags.{k}" for k in cols.keys_of(runs, "tags") if not k.startswith("mlflow.")),
        ]
        if not available:
            notify(self, "no params or metrics to pick from yet", severity="warning")
            return

        def picked(choice: list[str] | None) -> None:
            if choice is None:
                return
            self.picked = tuple(choice)
            self._apply_columns()
            try:
                from console.mlflow.prefs import save_columns

                save_columns(self.config, self.experiment.experiment_id, choice)
            except SmError as exc:
                notify(self, exc.one_line(), severity="warning", title="columns not saved")

        self.app.push_screen(ColumnPicker(available, self.current_columns()), picked)

    def action_differing(self) -> None:
        self.only_differing = not self.only_differing
        self._apply_columns()

    # --- MLflow search filter --------------------------------------------------------------
    def action_search(self) -> None:
        search = self.query_one("#runs-search", Input)
        search.value = self.search
        search.display = True
        focus_now(search)

    @on(Input.Submitted, "#runs-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = self.query_one("#runs-search", Input)
        field.display = False
        self.search = event.value.strip()
        focus_now(self.table)
        self.show_info()
        self.poller.refresh_now()

    # --- marks, detail, compare ---------------------------------------------------------------
    def action_mark(self) -> None:
        run = self.table.cursor_item()
        if run is not None:
            self.table.toggle_mark(run.run_id)
            self.show_info()

    def open_item(self, key: str) -> None:
        from screens.mlflow.detail import RunDetailScreen

        if key in self.table.items:
            self.app.push_screen(RunDetailScreen(key))

    def action_compare(self) -> None:
        from screens.mlflow.detail import CompareScreen

        marked = self.table.marked_runs()
        if len(marked) < 2:
            notify(self, "mark 2 or more runs with space first", severity="warning", timeout=3)
            return
        self.app.push_screen(CompareScreen([r.run_id for r in marked]))

    def action_compare_previous(self) -> None:
        """The highlighted run beside the run started just before it (one key, no marks):
        "what changed since last time" is the comparison operators make most."""
        from screens.mlflow.detail import CompareScreen

        run = self.table.cursor_item()
        previous = previous_run(run, self.table.shown_runs()) if run is not None else None
        if run is None or previous is None:
            notify(self, "no earlier run to compare with", severity="warning", timeout=3)
            return
        self.app.push_screen(CompareScreen([previous.run_id, run.run_id]))

    # --- export ---------------------------------------------------------------------------------
    def export_path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.experiment.name).strip("-") or "runs"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return Path.cwd() / f"mlflow-runs-{safe}-{stamp}.csv"

    def action_export(self) -> None:
        runs = self.table.shown_runs()
        if not runs:
            notify(self, "no runs to export", severity="warning", timeout=3)
            return
        names = (*cols.DEFAULT_ATTRIBUTES, "end", *self.current_columns())
        path = self.export_path()

        def work() -> None:
            try:
                with path.open("x", encoding="utf-8", newline="") as out:
                    count = cols.write_csv(runs, names, out)
            except OSError as exc:
                self.post_message(RunsExported(str(path), 0, translate(exc)))
            else:
                self.post_message(RunsExported(str(path), count))

        self.run_worker(work, name="export", group="export", thread=True, exit_on_error=False)

    @on(RunsExported)
    def _exported(self, message: RunsExported) -> None:
        message.stop()
        if message.error is not None:
            notify(self, message.error.one_line(), severity="error", title="export failed")
        else:
            notify(self, f"exported {message.count} runs to {message.path}", timeout=6)


class RunsScreen(Screen[None]):
    """Full-screen runs of one experiment; `q`/`escape` go back to the experiments."""

    BINDINGS = [
        Binding("q", "close", "Back", id="runs_screen.close"),
        Binding("escape,backspace", "close", "Back", show=False, id="runs_screen.close_alt"),
    ]

    def __init__(self, experiment: MlflowExperiment, config: Config) -> None:
        super().__init__()
        self.experiment = experiment
        self.config = config

    def compose(self) -> ComposeResult:
        yield Static(
            Content(f"MLflow experiment {self.experiment.name} ({self.experiment.experiment_id})"),
            id="runs-title",
        )
        yield RunsView(self.experiment, self.config)
        yield ConsoleFooter()

    @property
    def view(self) -> RunsView:
        return self.query_one(RunsView)

    def on_mount(self) -> None:
        self.view.poller.set_shown(True)
        self.view.focus_main()

    def on_screen_suspend(self, _event: ScreenSuspend) -> None:
        self.view.poller.set_shown(False)

    def on_screen_resume(self, _event: ScreenResume) -> None:
        self.view.poller.set_shown(True)

    def action_close(self) -> None:
        search = self.query_one("#runs-search", Input)
        if search.display:
            search.display = False
            self.view.focus_main()
            return
        self.view.poller.set_shown(False)
        self.dismiss(None)


def previous_run(run: MlflowRun, runs: list[MlflowRun]) -> MlflowRun | None:
    """The run among ``runs`` that started last before ``run`` (None for the first)."""
    if run.start is None:
        return None
    start = run.start
    earlier = [r for r in runs if r.start is not None and r.start < start]
    return max(earlier, key=lambda r: (r.start, r.run_id)) if earlier else None
