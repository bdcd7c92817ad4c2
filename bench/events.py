"""Bench: push, not poll (issue 18). Prints one JSON line.

Not a test: run on demand (`.venv/bin/python bench/events.py`). Headless, the real app on
a moto server in this process, every call counted at a proxy in front of it (what an
account's API quota sees):

- ``idle``: SageMaker calls per minute of a console idle on the Jobs tab, events off
  (polling) vs on (an EventBridge rule -> SQS queue configured), after a warm-up; SQS
  ReceiveMessage calls (the long poll) are reported apart: they cost no SageMaker quota.
- ``latency``: a job's state changes on the account and its event is put on the bus
  (PutEvents); the time until its row shows the new status, p50/p95 (target <= 2 s).
- ``burst``: ``--burst`` events (default 10,000) about ``--jobs`` jobs are queued, then
  the console starts and drains them while a key is pressed every 20 ms: keypress p99
  (target <= 50 ms) and DescribeTrainingJob calls per event (coalescing: far below 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACCOUNT = "123456789012"
BURST_DEPTH = 200


def _env(url: str, home: Path) -> None:
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        SMCONSOLE_AUDIT_LOG=str(home / "audit.jsonl"),
    )
    os.environ.pop("AWS_PROFILE", None)


def _seed(server: Any, jobs: int) -> list[str]:
    from tests.tui.conftest import create_training_job

    sm = server.client("sagemaker")
    names = [f"bench-job-{i:03d}" for i in range(jobs)]
    for name in names:
        create_training_job(sm, name)
    return names


def _set_state(name: str, status: str) -> None:
    from tests.tui.conftest import set_training_state

    set_training_state(name, status)


def _count(proxy: Any, service: str, since: int, action: str | None = None) -> int:
    with proxy._lock:
        seen = proxy.seen[since:]
    return sum(1 for s in seen if s.service == service and (action is None or s.action == action))


def _pct(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _idle(proxy: Any, queue_url: str, warmup: float, window: float) -> dict[str, float]:
    from console.config import load_config
    from console.context import ConsoleContext
    from screens.app import create_app

    overrides = {"events_queue_url": queue_url} if queue_url else None
    app = create_app(ConsoleContext(load_config(overrides=overrides), source="tui"))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause(warmup)
        start = len(proxy.seen)
        await pilot.pause(window)
        minutes = window / 60
        return {
            "sagemaker_per_min": round(_count(proxy, "sagemaker", start) / minutes, 2),
            "sqs_per_min": round(_count(proxy, "sqs", start) / minutes, 2),
        }


async def _latency(stack: Any, queue_url: str, names: list[str], rounds: int) -> dict[str, Any]:
    from console.config import load_config
    from console.context import ConsoleContext
    from screens.app import create_app
    from screens.jobs.table import JobsTable
    from tests.support.events import job_detail

    app = create_app(
        ConsoleContext(load_config(overrides={"events_queue_url": queue_url}), source="tui")
    )
    samples: list[float] = []
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.main_screen.query_one(JobsTable)
        while table.total_count < len(names):
            await pilot.pause(0.05)
        for i in range(rounds):
            name = names[i % len(names)]
            status = "Failed" if i % 2 == 0 else "Stopped"
            _set_state(name, status)
            when = datetime.now(UTC) + timedelta(seconds=i)
            started = time.perf_counter()
            stack.put(*job_detail("training", name, status, when), when=when)
            deadline = started + 30
            while time.perf_counter() < deadline:
                item = table.items.get(f"training:{name}")
                if item is not None and item.status == status:
                    break
                await pilot.pause(0.01)
            samples.append(time.perf_counter() - started)
    return {
        "samples_s": [round(x, 3) for x in samples],
        "p50_s": round(statistics.median(samples), 3),
        "p95_s": round(_pct(samples, 0.95), 3),
        "target_p95_s": 2.0,
    }


async def _burst(proxy: Any, stack: Any, names: list[str], events: int) -> dict[str, Any]:
    from textual.events import Key

    from console.config import load_config
    from console.context import ConsoleContext
    from screens.app import create_app
    from screens.jobs.table import JobsTable
    from tests.support.events import job_detail, sagemaker_event

    base = datetime.now(UTC) + timedelta(hours=1)

    def produce() -> None:
        # While the console runs, as fast as it drains: moto's ReceiveMessage costs ~0.8 s
        # with 500 messages queued (it scans the queue; SQS does not), so the queue is kept
        # under ``BURST_DEPTH`` or moto, not the console, would be measured.
        for start in range(0, events, 10):
            while start % 100 == 0 and stack.depth() > BURST_DEPTH:
                time.sleep(0.05)
            entries = []
            for i in range(start, min(events, start + 10)):
                name = names[i % len(names)]
                status = ("InProgress", "Failed", "Completed")[i % 3]
                _type, detail = job_detail("training", name, status, base + timedelta(seconds=i))
                body = sagemaker_event(_type, detail, when=base, event_id=f"burst-{i}")
                entries.append({"Id": str(i - start), "MessageBody": json.dumps(body)})
            stack.sqs.send_message_batch(QueueUrl=stack.queue_url, Entries=entries)

    producer = threading.Thread(target=produce, daemon=True)
    app = create_app(
        ConsoleContext(load_config(overrides={"events_queue_url": stack.queue_url}), source="tui")
    )
    mark = len(proxy.seen)
    keys: list[float] = []
    started = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.main_screen.query_one(JobsTable)
        while table.total_count < len(names):
            await pilot.pause(0.05)
        table.focus()
        producer.start()
        started = time.perf_counter()
        # Pilot.press waits for an idle that a draining console may not reach: post the
        # key (as bench/keypress.py does) and time until the cursor moved.
        key = "down"
        while (producer.is_alive() or stack.depth() > 0) and time.perf_counter() - started < 600:
            before = table.cursor_row
            if before >= table.row_count - 1:
                key = "up"
            elif before <= 0:
                key = "down"
            t0 = time.perf_counter()
            app.post_message(Key(key, None))
            while table.cursor_row == before and time.perf_counter() - t0 < 5:
                await asyncio.sleep(0.001)
            keys.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0.02)
        drained = time.perf_counter() - started
    describes = _count(proxy, "sagemaker", mark, "DescribeTrainingJob")
    return {
        "events": events,
        "drain_s": round(drained, 1),
        "keypress_p99_ms": round(_pct(keys, 0.99), 1),
        "keys": len(keys),
        "describes": describes,
        "describes_per_event": round(describes / events, 4),
        "target_keypress_p99_ms": 50.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--burst", type=int, default=10_000)
    args = parser.parse_args()

    import tempfile

    from screens.kit.events_link import EventsLink
    from tests.support.events import EventsStack
    from tests.support.fault_proxy import FaultProxy
    from tests.support.moto_server import start_moto_server

    server = start_moto_server()
    proxy = FaultProxy(server.url).start()
    home = Path(tempfile.mkdtemp(prefix="bench-events-"))
    _env(proxy.url, home)
    EventsLink.WAIT_SECONDS = 20
    names = _seed(server, args.jobs)
    stack = EventsStack.create(server)
    result: dict[str, Any] = {"jobs": args.jobs}
    result["idle_events_off"] = asyncio.run(_idle(proxy, "", args.warmup, args.window))
    result["idle_events_on"] = asyncio.run(_idle(proxy, stack.queue_url, args.warmup, args.window))
    # A queue per phase: a stopped console's last long poll may still take a message.
    latency = EventsStack.create(server, "smconsole-latency")
    result["latency"] = asyncio.run(_latency(latency, latency.queue_url, names, args.rounds))
    burst = EventsStack.create(server, "smconsole-burst")
    result["burst"] = asyncio.run(_burst(proxy, burst, names, args.burst))
    print(json.dumps(result))
    proxy_server = getattr(proxy, "_server", None)
    if proxy_server is not None:
        proxy_server.shutdown()
    server.stop()


if __name__ == "__main__":
    main()
