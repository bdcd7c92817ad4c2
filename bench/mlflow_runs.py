"""Bench: list a 5,000-run MLflow experiment through our service vs a raw MlflowClient.

Not a test: run on demand (`.venv/bin/python bench/mlflow_runs.py`), prints one JSON line.

Seeds an experiment of ``--runs`` runs (default 5,000; each with 3 params, 2 metrics and
a tag, as a training sweep logs them) into a temporary sqlite store, or into the tracking
server at ``--uri`` (a real ``mlflow server`` shows the REST cost: ``--server`` starts one
on loopback). Then it times, for the same experiment:

- ``raw``: ``MlflowClient.search_runs`` page by page (1,000 a page), mlflow's entities;
- ``service``: ``MlflowService.list_runs`` (the same pages, turned into our records, inside
  the stdout guard and error translation);
- ``export``: the service listing plus a CSV of every param and metric.

The target (issue 4) is that 5,000 runs stay responsive: the service within 1.5x of raw
mlflow and the whole listing in seconds, not the minutes the MLflow UI takes.

``--tui``: instead, time the Experiments tab's runs table headless (no store needed):
5,000 synthetic runs synced into :class:`screens.mlflow.table.RunsTable` with two
metric and two param columns, a re-sync with 50 changed runs (a poll), a sort by a metric
column, and how long marking a run (`space`) takes to be handled and drawn.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seed(client: Any, experiment_id: str, runs: int) -> float:
    from mlflow.entities import Metric, Param, RunTag

    started = time.perf_counter()
    for index in range(runs):
        run = client.create_run(experiment_id, run_name=f"sweep-{index}")
        client.log_batch(
            run.info.run_id,
            metrics=[
                Metric("loss", 1.0 / (index + 1), 0, 0),
                Metric("accuracy", index / runs, 0, 0),
            ],
            params=[
                Param("lr", str(0.001 * (index % 10 + 1))),
                Param("depth", str(index % 8)),
                Param("seed", "42"),
            ],
            tags=[RunTag("sagemaker.training_job", f"sweep-job-{index}")],
        )
    return time.perf_counter() - started


def raw_listing(client: Any, experiment_id: str) -> tuple[int, float]:
    started = time.perf_counter()
    count, token = 0, None
    while True:
        page = client.search_runs([experiment_id], max_results=1000, page_token=token)
        count += len(page)
        token = page.token
        if not token:
            break
    return count, time.perf_counter() - started


def tui_bench(count: int) -> dict[str, Any]:
    """The runs table with ``count`` runs: sync, poll re-sync, sort, key latency."""
    import asyncio
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from textual.app import App, ComposeResult

    from console.mlflow.records import MlflowRun
    from screens.mlflow.table import RunsTable

    start = datetime(2026, 1, 1, tzinfo=UTC)
    runs = [
        MlflowRun(
            run_id=f"{i:032x}",
            name=f"sweep-{i}",
            experiment_id="1",
            status="FINISHED" if i % 7 else "FAILED",
            start=start + timedelta(minutes=i),
            end=start + timedelta(minutes=i + 30),
            user="alice",
            artifact_uri="",
            lifecycle_stage="active",
            params={"lr": str(0.001 * (i % 10 + 1)), "depth": str(i % 8)},
            metrics={"loss": 1.0 / (i + 1), "accuracy": i / count},
        )
        for i in range(count)
    ]
    out: dict[str, Any] = {"bench": "mlflow_runs_table", "runs": count}

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            table = RunsTable(id="runs-table")
            table.set_columns(["metrics.loss", "metrics.accuracy", "params.lr", "params.depth"])
            yield table

    async def run() -> None:
        app = TableApp()
        async with app.run_test(size=(160, 50)) as pilot:
            table = app.query_one(RunsTable)
            started = time.perf_counter()
            table.sync(runs)
            await pilot.pause()
            out["first_sync_s"] = round(time.perf_counter() - started, 3)
            changed = [replace(r, metrics={**r.metrics, "loss": 0.5}) for r in runs[:50]]
            started = time.perf_counter()
            table.sync(changed + runs[50:])
            await pilot.pause()
            out["poll_resync_s"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            table.set_sort(type(table.ordering)("metrics.loss", False, table.COLUMNS))
            await pilot.pause()
            out["sort_by_metric_s"] = round(time.perf_counter() - started, 3)
            latencies = []
            for key in table.shown_keys()[:5]:
                started = time.perf_counter()
                table.toggle_mark(key)
                await pilot.pause()
                latencies.append(time.perf_counter() - started)
            out["mark_run_s_median"] = round(sorted(latencies)[2], 3)

    asyncio.run(run())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--uri", default="", help="an existing tracking URI to seed into")
    parser.add_argument("--server", action="store_true", help="start a loopback mlflow server")
    parser.add_argument("--repeat", type=int, default=3, help="best of N listings")
    parser.add_argument("--tui", action="store_true", help="time the TUI runs table instead")
    args = parser.parse_args()
    if args.tui:
        print(json.dumps(tui_bench(args.runs)))
        return

    from console.config import Config
    from console.context import ConsoleContext
    from console.mlflow import columns
    from console.mlflow.quiet import quiet

    tmp = Path(tempfile.mkdtemp(prefix="smconsole-bench-mlflow-"))
    server = None
    uri = args.uri
    if args.server:
        from tests.support.mlflow_server import start_mlflow_server

        server = start_mlflow_server(tmp / "server")
        uri = server.url
    uri = uri or f"sqlite:///{tmp / 'bench.db'}"
    try:
        with quiet():
            from mlflow.tracking import MlflowClient

            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            experiment_id = client.create_experiment(
                f"bench-{int(time.time())}", artifact_location=(tmp / "a").as_uri()
            )
            undo = None
            if uri.startswith("sqlite:"):
                from console.demo.mlflow_seed import _fast_sqlite

                undo = _fast_sqlite(uri)  # no fsync while seeding a throwaway store
            seed_s = seed(client, experiment_id, args.runs)
            if undo is not None:
                undo()
        service = ConsoleContext(Config(mlflow_tracking_uri=uri)).mlflow
        raw = min(
            (raw_listing(client, experiment_id) for _ in range(args.repeat)), key=lambda r: r[1]
        )
        ours_s, ours_n = float("inf"), 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            runs = service.list_runs(experiment_id)
            ours_s = min(ours_s, time.perf_counter() - started)
            ours_n = len(runs)
        started = time.perf_counter()
        runs = service.list_runs(experiment_id)
        names = (
            *columns.DEFAULT_ATTRIBUTES,
            *(f"params.{k}" for k in columns.keys_of(runs, "params")),
            *(f"metrics.{k}" for k in columns.keys_of(runs, "metrics")),
        )
        buffer = io.StringIO()
        columns.write_csv(runs, names, buffer)
        export_s = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "bench": "mlflow_runs",
                    "backend": "rest" if uri.startswith("http") else uri.split(":", 1)[0],
                    "runs": args.runs,
                    "seed_s": round(seed_s, 2),
                    "raw_list_s": round(raw[1], 3),
                    "raw_count": raw[0],
                    "service_list_s": round(ours_s, 3),
                    "service_count": ours_n,
                    "service_vs_raw": round(ours_s / raw[1], 2) if raw[1] else None,
                    "export_csv_s": round(export_s, 3),
                    "csv_bytes": len(buffer.getvalue()),
                }
            )
        )
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
