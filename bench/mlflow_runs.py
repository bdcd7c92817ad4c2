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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--uri", default="", help="an existing tracking URI to seed into")
    parser.add_argument("--server", action="store_true", help="start a loopback mlflow server")
    parser.add_argument("--repeat", type=int, default=3, help="best of N listings")
    args = parser.parse_args()

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
