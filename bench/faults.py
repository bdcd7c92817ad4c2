"""Bench: the console under injected faults; prints one JSON line of figures.

Not a test: run on demand (`.venv/bin/python bench/faults.py`). The tests run the same soak
with a fixed budget (tests/tui/test_fault_soak.py); this script lets you turn it up.

A moto server runs in-process; a fault-injecting proxy of our own sits between it and the
real app (headless, Pilot). Bursts of faults — dropped connections, hangs, slow answers,
500/503, throttling, bodies cut short, expired credentials, access denied — hit one tab's
calls at a time while keys are pressed; after each burst the time until that tab shows
healthy again is recorded. Reported: faults injected (by kind), crashes (the app stopping
or a test assertion failing), recovery p50/p95, keys pressed, and the rows the tables hold
at the end against the truth (lost or duplicated rows).

Options: ``--faults N`` (default 300), ``--burst N`` (12), ``--seed N`` (7).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"
POLL = {"jobs": 0.1, "endpoints": 0.1, "notebooks": 0.1, "transitional": 0.1, "max_backoff": 0.2}


def isolate(home: Path) -> None:
    """No real config, credentials or AWS (as the tests do)."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "SMCONSOLE_", "MLFLOW_")):
            del os.environ[name]
    os.environ.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_STATE_HOME=str(home / ".state"),
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )


def seed(url: str, jobs: int) -> None:
    import boto3

    sm = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1")
    for i in range(jobs):
        sm.create_training_job(
            TrainingJobName=f"soak-{i:03d}",
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            RoleArn=ROLE,
            OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
            ResourceConfig={
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
        )
    for name in ("nb-a", "nb-b"):
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
        )


async def soak(args: argparse.Namespace, url: str) -> dict[str, Any]:
    from console.config import load_config
    from console.context import ConsoleContext
    from screens.app import create_app
    from screens.jobs_table import JobsTable
    from screens.notebooks_table import NotebooksTable
    from tests.support.fault_proxy import FaultProxy
    from tests.support.soak import run_soak

    proxy = FaultProxy(url).start()
    settings = {
        "endpoint_url": proxy.url,
        "read_timeout": 0.6,
        "connect_timeout": 0.6,
        "poll": POLL,
    }
    app = create_app(ConsoleContext(load_config(overrides=settings), source="tui"))
    crashes = 0
    figures: dict[str, Any] = {}
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            table = app.main_screen.query_one(JobsTable)
            while table.total_count < args.jobs:
                await pilot.pause(0.05)
            report = await run_soak(
                pilot, app, proxy, min_faults=args.faults, burst=args.burst, seed=args.seed
            )
            proxy.clear()
            for tab in ("jobs", "notebooks"):
                app.action_show_tab(tab)
                await pilot.pause(1.0)
            jobs = sorted(app.main_screen.query_one(JobsTable).items)
            notebooks = sorted(app.main_screen.query_one(NotebooksTable).items)
            recoveries = report.recovery_seconds
            expected_jobs = {f"training:soak-{i:03d}" for i in range(args.jobs)}
            wrong_rows = len(set(jobs) ^ expected_jobs) + len(set(notebooks) ^ {"nb-a", "nb-b"})
            figures = {
                "faults_injected": report.faults_injected,
                "by_kind": dict(sorted(proxy.injected.items())),
                "bursts": report.bursts,
                "keys_pressed": len(report.key_seconds),
                "recovery_p50_s": round(statistics.median(recoveries), 3),
                "recovery_p95_s": round(report.p95(recoveries), 3),
                "recovery_max_s": round(max(recoveries), 3),
                "rows_lost_or_extra": wrong_rows,
                "app_running_at_end": app.return_code is None,
            }
    except Exception as exc:  # a crash is a figure here, not a traceback
        crashes += 1
        figures["crash"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        proxy.stop()
    figures["crashes"] = crashes
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", type=int, default=300)
    parser.add_argument("--burst", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=12)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as home:
        isolate(Path(home))
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        try:
            seed(url, args.jobs)
            started = time.monotonic()
            figures = asyncio.run(soak(args, url))
            figures["seconds"] = round(time.monotonic() - started, 1)
        finally:
            server.stop()
    figures["target"] = "zero crashes, zero lost rows, recovery within about one poll"
    print(json.dumps({"bench": "faults", **figures}))


if __name__ == "__main__":
    main()
