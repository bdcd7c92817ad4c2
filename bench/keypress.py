"""Bench: keypress-to-frame latency while a log streams and every poller runs.

Not a test: run on demand (`.venv/bin/python bench/keypress.py`), prints one JSON line.

How it is measured (headless, the real app):

- A moto server runs in its own process on 127.0.0.1 (as AWS would be elsewhere), seeded
  with ``--jobs`` training jobs, an endpoint and two notebook instances.
- The real ``SmConsoleApp`` runs on it (``run_test``, 160x50) with every poll interval
  set to ``--poll`` seconds (default 1 s, far busier than the 15-60 s defaults).
- A job's log screen is opened on a synthetic source streaming ``--rate`` lines/s
  (default 20,000/s: a very chatty distributed job; the log view bench's source).
- The console pauses pollers behind a full-screen view by design; here the Jobs,
  Endpoints and Notebooks pollers and the Status tab's budget timer are switched back on
  after the log screen opened, so all of them poll (threads, boto3 to moto) and post
  their results to the UI thread while the log streams.
- Every 0.1 s a key (``T``, the timestamps toggle) is posted to the app; the time from the
  key event to the first frame of the log view drawn after the toggle took effect is one
  sample (Pilot's ``press`` waits for idle, which never comes while a log streams, so the
  key is posted directly; the clock stops in ``render_lines``). The UI thread's CPU time
  over the same span is reported too: on a shared machine, wall time adds the wait for
  a core (the load average is in the output).

Target (issue 3): p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_P99_MS = 50.0
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/train:1"

SERVER = """
import logging, sys, time
logging.getLogger("werkzeug").disabled = True
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
while True:
    time.sleep(60)
"""


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                break
        except OSError:
            time.sleep(0.05)
    return process, url


def seed(url: str, jobs: int) -> None:
    import boto3

    sm = boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for i in range(jobs):
        sm.create_training_job(
            TrainingJobName=f"keys-{i:04d}",
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            RoleArn=ROLE,
            OutputDataConfig={"S3OutputPath": "s3://out/keys"},
            ResourceConfig={
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
        )
    sm.create_model(
        ModelName="keys-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE}
    )
    sm.create_endpoint_config(
        EndpointConfigName="keys-config",
        ProductionVariants=[
            {
                "VariantName": "blue",
                "ModelName": "keys-model",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sm.create_endpoint(EndpointName="keys-endpoint", EndpointConfigName="keys-config")
    for name in ("keys-nb-1", "keys-nb-2"):
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
        )


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    from log_view import PoolSource, count_frames, key_to_frame, make_events

    from console.config import load_config
    from console.context import ConsoleContext
    from screens.app import create_app
    from screens.jobs.table import JobsTable
    from screens.kit.poller import Poller
    from screens.logs.feed import FeedTiming
    from screens.logs.view import LogScreen, LogView
    from screens.status.view import StatusView

    interval = args.poll
    config = load_config(
        overrides={
            "poll": {
                "jobs": interval,
                "endpoints": interval,
                "notebooks": interval,
                "status": interval,
                "transitional": interval,
            }
        }
    )
    app = create_app(ConsoleContext(config, source="tui"))
    count_frames(LogView)
    counted = LogView.render_lines

    def render_lines(self: Any, crop: Any) -> Any:
        strips = counted(self, crop)
        self.last_frame_cpu = time.thread_time()
        return strips

    LogView.render_lines = render_lines  # type: ignore[method-assign]
    pool = make_events(20_000)
    source = PoolSource(pool, rate=args.rate)
    source.left = 10**9
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.main_screen.query_one(JobsTable)
        while table.total_count < args.jobs:
            await asyncio.sleep(0.02)
        await app.main_screen.mounted_view("notebooks")  # every tab's view, so every poller
        await pilot.pause(0.1)
        app.push_screen(
            LogScreen(source, max_lines=50_000, timing=FeedTiming(interval=0.05, catch_up=0.0))
        )
        await pilot.pause(0.3)
        view = app.screen.query_one(LogView)
        pollers = list(app.main_screen.query(Poller))
        for poller in pollers:
            poller.set_shown(True)
        app.main_screen.query_one(StatusView).set_shown(True)
        metrics = app.context.sessions.metrics
        calls_before = metrics.calls_total()
        lines_before = view.buffer.total
        await asyncio.sleep(0.5)
        samples: list[float] = []
        cpu_samples: list[float] = []
        started = time.perf_counter()
        for _ in range(args.keys):
            cpu = time.thread_time()
            samples.append(await key_to_frame(app, view))
            cpu_samples.append((view.last_frame_cpu - cpu) * 1000)
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        calls = metrics.calls_total() - calls_before
        lines = view.buffer.total - lines_before
        running = sum(1 for poller in pollers if poller.shown)
    p99 = percentile(samples, 99)
    return {
        "bench": "keypress",
        "keys": len(samples),
        "key_to_frame_ms_p50": round(statistics.median(samples), 1),
        "key_to_frame_ms_p99": round(p99, 1),
        "key_to_frame_ms_max": round(max(samples), 1),
        "target_p99_ms": TARGET_P99_MS,
        # CPU the UI thread spent from the key to that frame (an idle core's time).
        "ui_cpu_ms_p50": round(statistics.median(cpu_samples), 1),
        "ui_cpu_ms_p99": round(percentile(cpu_samples, 99), 1),
        "pollers_running": running,
        "poll_interval_s": interval,
        "api_calls_during": calls,
        "log_lines_streamed": lines,
        "log_lines_per_s": round(lines / (elapsed + 0.5)),
        "seconds": round(elapsed, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "meets_target": p99 <= TARGET_P99_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20_000.0)
    parser.add_argument("--poll", type=float, default=1.0)
    args = parser.parse_args()
    process, url = start_server()
    try:
        seed(url, args.jobs)
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            for name in list(os.environ):
                if name.startswith(("AWS_", "SMCONSOLE_", "MLFLOW_")):
                    del os.environ[name]
            os.environ.update(
                {
                    "HOME": str(home),
                    "XDG_CONFIG_HOME": str(home / ".config"),
                    "XDG_STATE_HOME": str(home / ".local/state"),
                    "AWS_CONFIG_FILE": str(home / ".aws/config"),
                    "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws/credentials"),
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_REGION": "us-east-1",
                    "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_ENDPOINT_URL": url,
                }
            )
            result = asyncio.run(run(args, url))
    finally:
        process.kill()
        process.wait()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
