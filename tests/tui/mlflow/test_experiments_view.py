"""The Experiments tab against a real MLflow tracking server (and moto for the rest):
experiments -> runs (columns, differing params, MLflow filter, sort, marks) -> run detail
with a chart (metric cycling, log scale) -> compare; export; the lineage jump."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from screens.app import SmConsoleApp
from screens.mlflow.detail import CompareScreen, RunDetailScreen
from screens.mlflow.runs import ColumnPicker, RunsScreen, RunsView
from screens.mlflow.table import ExperimentsTable, RunsTable
from screens.mlflow.view import ExperimentsView
from tests.support.mlflow_seed import MlflowSeed
from tests.tui.conftest import all_views, make_app, notifications, static_text
from tests.tui.conftest import wait_until as _wait_until

# MLflow answers over HTTP and CI boxes are shared: wait longer than for moto alone.
TIMEOUT = 30.0


async def wait_until(pilot: Any, predicate: Any, *, what: str = "") -> None:
    await _wait_until(pilot, predicate, timeout=TIMEOUT, what=what)


def experiments(app: SmConsoleApp) -> ExperimentsTable:
    return app.main_screen.query_one(ExperimentsTable)


async def open_runs(pilot: Any, app: SmConsoleApp, seed: MlflowSeed) -> RunsTable:
    await pilot.press("3")
    table = experiments(app)
    await wait_until(pilot, lambda: seed.experiment_id in table.items, what="experiments")
    assert table.has_focus
    table.move_cursor(row=table.get_row_index(seed.experiment_id))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen), what="runs screen")
    runs = app.screen.query_one(RunsTable)
    await wait_until(pilot, lambda: runs.total_count >= 4, what="runs listed")
    return runs


def header(runs: RunsTable) -> list[str]:
    return [str(c.label) for c in runs.columns.values()]


@pytest.fixture
def env(
    aws: Any, mlflow_env: MlflowSeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> MlflowSeed:
    monkeypatch.chdir(tmp_path)  # exports land here
    return mlflow_env


async def test_refresh_recounts_the_runs(env: MlflowSeed) -> None:
    """Counts are reused between polls (counting lists runs); r counts afresh."""
    import uuid

    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=env.uri)
    experiment_id = client.create_experiment(f"recount-{uuid.uuid4().hex[:8]}")
    client.create_run(experiment_id)
    app = make_app()
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("3")
            table = experiments(app)

            def runs_cell() -> str:
                if experiment_id not in table.items:
                    return ""
                return table.get_row(experiment_id)[2].plain

            await wait_until(pilot, lambda: runs_cell() == "1", what="one run counted")
            client.create_run(experiment_id)
            await pilot.press("r")
            await wait_until(pilot, lambda: runs_cell() == "2", what="recounted")
    finally:
        client.delete_experiment(experiment_id)  # the seeded server is shared


async def test_experiments_list_runs_and_columns(env: MlflowSeed) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        runs = await open_runs(pilot, app, env)
        assert header(runs)[:5] == ["Run", "Status", "Start", "Duration", "User"]
        assert "m:loss" in header(runs) and "m:accuracy" in header(runs)
        row = [c.plain for c in runs.get_row(env.runs[0])]
        assert row[:2] == ["run-0", "Finished"] and row[4] == "alice"
        # only differing params: depth and lr, not seed
        await pilot.press("p")
        assert "p:depth" in header(runs) and "p:lr" in header(runs)
        assert "p:seed" not in header(runs)
        await pilot.press("p")
        assert "p:lr" not in header(runs)
        # column picker: pick params.seed only, applied and saved per experiment
        await pilot.press("vertical_line")
        await wait_until(pilot, lambda: isinstance(app.screen, ColumnPicker))
        picker = app.screen
        assert isinstance(picker, ColumnPicker)
        picker.query_one("#columns-list").deselect_all()  # type: ignore[attr-defined]
        picker.query_one("#columns-list").select("params.seed")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
        assert header(runs)[5:] == ["p:seed"]
        import tomllib

        saved = tomllib.loads(Path(app.context.config.source).read_text())
        assert saved == {"mlflow_columns": {env.experiment_id: "params.seed"}}


async def test_sort_by_metric_filter_and_mark(env: MlflowSeed) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        runs = await open_runs(pilot, app, env)
        view = app.screen.query_one(RunsView)
        while runs.ordering.column != "metrics.loss":
            await pilot.press("s")
        losses = [runs.items[k].metrics["loss"] for k in runs.shown_keys()]
        assert losses == sorted(losses, reverse=runs.ordering.reverse)
        # MLflow search filter goes to the server
        await pilot.press("F")
        await pilot.press(*"attributes.status = 'FAILED'", "enter")
        await wait_until(pilot, lambda: runs.total_count == 1, what="filtered")
        assert runs.shown_keys() == [env.runs[2]]
        assert "MLflow filter: attributes.status = 'FAILED'" in static_text(
            view.query_one("#runs-info")  # type: ignore[arg-type]
        )
        # a bad filter: one notification, back to the last good listing
        await pilot.press("F", "ctrl+u", *"params.lr = ", "enter")
        await wait_until(
            pilot, lambda: any("filter" in n.lower() for n in notifications(app)), what="error"
        )
        await wait_until(pilot, lambda: view.search == "attributes.status = 'FAILED'")
        await pilot.press("F", "ctrl+u", "enter")
        await wait_until(pilot, lambda: runs.total_count >= 4, what="unfiltered")
        # marks, then compare needs two
        await pilot.press("m")
        assert "mark 2 or more runs" in notifications(app)[-1]
        await pilot.press("space", "down", "space")
        assert len(runs.marked) == 2
        assert runs.get_row(runs.shown_keys()[0])[0].plain.startswith("● ")
        await pilot.pause()
        assert runs.render_line(1).text.lstrip().startswith("● ")  # drawn, not just known


async def test_run_detail_chart_keys(env: MlflowSeed) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        runs = await open_runs(pilot, app, env)
        runs.move_cursor(row=runs.get_row_index(env.runs[0]))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        screen = app.screen
        assert isinstance(screen, RunDetailScreen)
        await wait_until(pilot, lambda: screen.run is not None, what="run loaded")
        chart = screen.chart
        assert chart.key == "loss" and chart.keys == ["accuracy", "loss"]
        assert [len(s.points) for s in chart.histories["loss"]] == [20]
        body = "\n".join(static_text(w) for w in screen.query("#run-body Static"))  # type: ignore[arg-type]
        assert "lr" in body and "notes/" in body and "churn-model" in body
        await pilot.press("k")
        assert chart.key == "accuracy"
        await pilot.press("Y")
        assert chart.log_scale and chart.title == "accuracy (log scale)"
        await pilot.press("q")
        assert isinstance(app.screen, RunsScreen)


async def test_compare_highlights_differing_params(env: MlflowSeed) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        runs = await open_runs(pilot, app, env)
        for run_id in (env.runs[0], env.runs[2]):
            runs.move_cursor(row=runs.get_row_index(run_id))
            await pilot.press("space")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await wait_until(pilot, lambda: len(screen.runs) == 2, what="compared")
        assert screen.differing() == ["depth", "lr"]
        assert len(screen.chart.histories["loss"]) == 2  # overlaid curves
        await wait_until(pilot, lambda: len(screen.query("#run-body Static")) >= 6)
        text = "\n".join(static_text(w) for w in screen.query("#run-body Static"))  # type: ignore[arg-type]
        assert "≠ lr" in text and "  seed" in text
        await pilot.press("p")
        await wait_until(
            pilot,
            lambda: (
                "seed" not in "\n".join(static_text(w) for w in screen.query("#run-body Static"))  # type: ignore[arg-type]
            ),
            what="only differing",
        )


async def test_export_csv(env: MlflowSeed, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_runs(pilot, app, env)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("exported" in n for n in notifications(app)))
        files = list(tmp_path.glob("mlflow-runs-churn-training-*.csv"))
        assert len(files) == 1
        rows = list(csv.reader(files[0].open()))
        assert rows[0][:6] == ["run_id", "name", "status", "start", "duration", "user"]
        assert "metrics.loss" in rows[0]
        assert len(rows) == 5


async def test_export_writes_the_params_and_metrics_columns_shown(
    env: MlflowSeed, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_runs(pilot, app, env)
        await pilot.press("p")  # only differing params: params columns now shown
        view = app.screen.query_one(RunsView)
        shown = view.current_columns()
        assert any(c.startswith("params.") for c in shown)
        assert any(c.startswith("metrics.") for c in shown)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("exported" in n for n in notifications(app)))
        (path,) = tmp_path.glob("mlflow-runs-churn-training-*.csv")
        header = next(csv.reader(path.open()))
        assert set(shown) <= set(header)


async def test_v_compares_the_highlighted_run_with_the_one_before(env: MlflowSeed) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        runs = await open_runs(pilot, app, env)
        by_start = sorted(runs.shown_runs(), key=lambda r: (r.start, r.run_id))
        latest, before = by_start[-1], by_start[-2]
        runs.move_cursor(row=runs.get_row_index(latest.run_id))
        await pilot.press("v")  # no marks needed
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.run_ids == (before.run_id, latest.run_id)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
        runs.move_cursor(row=runs.get_row_index(by_start[0].run_id))
        await pilot.press("v")  # the first run has nothing before it: says so
        await wait_until(pilot, lambda: any("no earlier run" in n for n in notifications(app)))
        assert isinstance(app.screen, RunsScreen)


async def test_jump_from_training_job_to_run(env: MlflowSeed) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await all_views(pilot, app)
        view = app.main_screen.query_one(ExperimentsView)
        view.show_training_job_run("train-job-1")
        await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        assert isinstance(app.screen, RunDetailScreen)
        assert app.screen.run_id == env.runs[1]
        await pilot.press("q")
        view.show_training_job_run("no-such-job")
        await wait_until(pilot, lambda: any("no MLflow run found" in n for n in notifications(app)))


async def test_no_tracking_uri_says_how_to_set_it(aws: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        poller = app.main_screen.query_one("#experiments-poller")
        await wait_until(pilot, lambda: "MLflow tracking URI" in poller.banner_text)  # type: ignore[attr-defined]


async def open_versions(pilot: Any, app: SmConsoleApp, model: str) -> Any:
    from screens.mlflow.models import ModelsTable, VersionsScreen, VersionsTable

    await pilot.press("3")
    await pilot.press("M")
    models = app.screen.query_one(ModelsTable)
    await wait_until(pilot, lambda: model in models.items, what="models")
    models.move_cursor(row=models.get_row_index(model))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, VersionsScreen))
    versions = app.screen.query_one(VersionsTable)
    await wait_until(pilot, lambda: versions.total_count >= 2, what="versions")
    return versions


async def test_alias_set_from_the_registry_is_confirmed_and_audited(env: MlflowSeed) -> None:
    from screens.kit.confirm import ConfirmDialog
    from screens.mlflow.models import AliasPrompt
    from tests.support.helpers import audit_records, context

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        versions = await open_versions(pilot, app, env.alias_model)
        assert versions.shown_keys() == ["2", "1"]  # newest first
        assert [c.plain for c in versions.get_row("1")][2] == "champion"
        versions.move_cursor(row=versions.get_row_index("2"))
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AliasPrompt))
        await pilot.press("ctrl+u", *"tui-test", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")  # Cancel first: nothing happens (but the audit says so)
        assert "cancelled" in notifications(app)[-1]
        model = context().mlflow.get_registered_model(env.alias_model)
        assert "tui-test" not in model.aliases
        [declined] = audit_records(intents=True)
        assert (declined["action"], declined["target"], declined["outcome"]) == (
            "mlflow-alias",
            f"{env.alias_model}@tui-test",
            "refused",
        )
        assert "not confirmed" in declined["detail"]
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AliasPrompt))
        await pilot.press("ctrl+u", *"tui-test", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_until(
            pilot, lambda: any("tui-test → version 2" in n for n in notifications(app))
        )
        await wait_until(pilot, lambda: "tui-test" in versions.items["2"].aliases, what="polled")
    aliases = context().mlflow.get_registered_model(env.alias_model).aliases
    assert aliases["tui-test"] == "2"
    assert [(r["action"], r["outcome"], r["source"]) for r in audit_records()] == [
        ("mlflow-alias", "refused", "tui"),
        ("mlflow-alias", "ok", "tui"),
    ]


async def test_alias_refused_read_only(env: MlflowSeed) -> None:
    from screens.mlflow.models import AliasPrompt

    app = make_app(read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_versions(pilot, app, env.alias_model)
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, AliasPrompt)
        assert "read-only" in notifications(app)[-1]


async def test_job_detail_jumps_to_its_run_and_back(env: MlflowSeed, aws: Any) -> None:
    from screens.jobs.detail import JobDetailScreen
    from tests.tui.conftest import create_training_job, jobs_table, wait_for_rows

    create_training_job(aws.client("sagemaker"), "train-job-1")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        assert jobs_table(app).cursor_key == "training:train-job-1"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
        detail = app.screen
        await wait_until(pilot, lambda: detail.record is not None, what="describe")  # type: ignore[attr-defined]
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen), what="the run")
        assert app.screen.run_id == env.runs[1]  # type: ignore[attr-defined]
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is detail, what="back to the job")
        await pilot.press("P")
        assert any("registered no model package" in n for n in notifications(app))


async def test_mlflow_down_degrades_the_tab_and_it_recovers(
    env: MlflowSeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screens.kit.poller import Poller
    from tests.support.fault_proxy import Fault, FaultProxy

    proxy = FaultProxy(env.uri).start()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", proxy.url)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    try:
        app = make_app(poll={"experiments": 0.2})
        async with app.run_test(size=(120, 30)) as pilot:
            app.action_show_tab("experiments")
            await all_views(pilot, app)
            table = experiments(app)
            await wait_until(pilot, lambda: env.experiment_id in table.items, what="listed")
            poller = app.main_screen.query_one("#experiments-poller", Poller)
            proxy.add(Fault("refuse", "mlflow"))
            await wait_until(pilot, lambda: poller.has_class("-degraded"), what="degraded")
            assert f"could not connect to {proxy.url}" in str(poller.render())
            assert env.experiment_id in table.items  # the last good rows stay on screen
            proxy.clear()
            await wait_until(pilot, lambda: not poller.has_class("-degraded"), what="recovered")
            assert env.experiment_id in table.items
    finally:
        proxy.stop()


async def test_first_page_of_a_big_listing_is_shown_before_the_rest(
    env: MlflowSeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 2 over a slow link: the newest 2 runs show while the rest still loads."""
    import screens.mlflow.runs
    from tests.support.fault_proxy import Fault, FaultProxy

    monkeypatch.setattr(screens.mlflow.runs, "PAGE_SIZE", 2)
    proxy = FaultProxy(env.uri).start()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", proxy.url)
    try:
        app = make_app()
        async with app.run_test(size=(120, 30)) as pilot:
            app.action_show_tab("experiments")
            await all_views(pilot, app)
            table = experiments(app)
            await wait_until(pilot, lambda: env.experiment_id in table.items, what="listed")
            table.move_cursor(row=table.get_row_index(env.experiment_id))
            proxy.add(Fault("slow", "mlflow", "POST /api/2.0/mlflow/runs/search", delay=1.0))
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen), what="runs")
            runs = app.screen.query_one(RunsTable)
            info = app.screen.query_one("#runs-info")
            await wait_until(pilot, lambda: runs.total_count == 2, what="first page")
            assert "loading more…" in str(info.render())
            assert set(runs.items) == set(env.runs[-2:])  # the newest two
            await wait_until(pilot, lambda: runs.total_count == 4, what="every page")
            await wait_until(pilot, lambda: "loading more" not in str(info.render()))
            assert "m:loss" in header(runs)  # columns derived from the whole listing
    finally:
        proxy.stop()


async def test_the_info_line_fits_one_line_at_80_columns(env: MlflowSeed) -> None:
    """The info line's parts that do not fit end in "…" on its one line: they wrapped onto
    a second line nothing showed, and at 80 columns the tracking URI pushed "updated
    HH:MM:SS" there."""
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        table = experiments(app)
        await wait_until(pilot, lambda: env.experiment_id in table.items, what="experiments")
        view = app.main_screen.query_one(ExperimentsView)
        info = view.query_one(".view-info", Static)
        await wait_until(pilot, lambda: "updated" in static_text(info), what="info line")
        await pilot.pause()
        line = info.render_line(0).text
        assert "updated" in line, line
        assert info.size.height == 1
        if len(static_text(info)) > info.size.width - 2:
            assert line.rstrip().endswith("…"), line
