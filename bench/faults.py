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

Then a mutation round (``--mutations N``, default 60): training jobs created through the
console's service while the proxy answers CreateTrainingJob with a random fault (500/503
after applying it, the answer lost, an empty/HTML/garbage/cut-short 200, a plain 500/503,
a refused connection, or nothing), plus creates with an audit log that cannot be written.
Counted at the server side — the proxy sees every request that reached moto, moto's state
says what was applied: ``mutations_delivered_twice`` (the same request received more than
once) and ``changes_without_audit_record`` (a job moto holds with no outcome record in the
audit log). Both must be 0.

Options: ``--faults N`` (default 300), ``--burst N`` (12), ``--seed N`` (7),
``--mutations N`` (60).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
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
    from screens.jobs.table import JobsTable
    from screens.notebooks.table import NotebooksTable
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


MUTATION_FAULTS = (
    "",
    "500_after",
    "503_after",
    "lose_response",
    "short",
    "empty",
    "html",
    "garbage",
    "500",
    "503",
    "refuse",
)


def mutation_round(url: str, rounds: int, seed: int, home: Path) -> dict[str, Any]:
    """Creates under faults; duplicates and unaudited changes counted at the server side."""
    import boto3

    from console.audit import AuditLog
    from console.config import load_config
    from console.context import ConsoleContext
    from console.errors import SmError
    from console.services.jobs import TrainingSpec
    from tests.support.fault_proxy import Fault, FaultProxy

    proxy = FaultProxy(url).start()
    rng = random.Random(seed)
    audit_path = home / "bench-audit.jsonl"
    unwritable = home / "audit-is-a-directory"
    unwritable.mkdir()
    settings = {"endpoint_url": proxy.url, "read_timeout": 2.0, "connect_timeout": 1.0}
    errors = 0

    def create(context: ConsoleContext, name: str) -> None:
        nonlocal errors
        spec = TrainingSpec(name, IMAGE, "s3://input-bkt/d", "s3://output-bkt/o", ROLE)
        try:
            context.jobs.create_training_job(spec)
        except SmError:
            errors += 1

    try:
        context = ConsoleContext(load_config(overrides={**settings, "audit_log": str(audit_path)}))
        for i in range(rounds):
            kind = rng.choice(MUTATION_FAULTS)
            if kind:  # the *_after kinds hit every attempt: a resend would land as well
                times = None if kind.endswith("_after") else 1
                proxy.add(Fault(kind, "sagemaker", "CreateTrainingJob", times=times))
            create(context, f"mut-{i:04d}")
            proxy.clear()
        blind = ConsoleContext(load_config(overrides={**settings, "audit_log": str(unwritable)}))
        for i in range(max(1, rounds // 10)):
            create(blind, f"mut-unaudited-{i:04d}")
    finally:
        proxy.stop()
    sm = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1")
    applied = {
        job["TrainingJobName"]
        for page in sm.get_paginator("list_training_jobs").paginate(NameContains="mut-")
        for job in page["TrainingJobSummaries"]
    }
    outcomes = {
        r.target: r.outcome for r in AuditLog(audit_path).records() if r.action == "training-create"
    }
    return {
        "mutations": rounds + max(1, rounds // 10),
        "mutation_errors": errors,
        "mutations_delivered_twice": proxy.delivered_twice(),
        "changes_without_audit_record": len(applied - set(outcomes)),
        "applied_but_audited_error": sum(1 for n in applied if outcomes.get(n) == "error"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", type=int, default=300)
    parser.add_argument("--burst", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--mutations", type=int, default=60)
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
            figures.update(mutation_round(url, args.mutations, args.seed, Path(home)))
            figures["seconds"] = round(time.monotonic() - started, 1)
        finally:
            server.stop()
    figures["target"] = (
        "zero crashes, zero lost rows, recovery within about one poll; "
        "zero mutations delivered twice, zero changes without an audit record"
    )
    print(json.dumps({"bench": "faults", **figures}))


if __name__ == "__main__":
    main()
