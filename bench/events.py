"""Bench: push, not poll (issue 18). Prints one JSON line.

Not a test: run on demand (`.venv/bin/python bench/events.py`). Headless, the real app on
a moto server in this process, every call counted at a proxy in front of it (what an
account's API quota sees):

- ``idle``: SageMaker calls per minute of a console idle on the Jobs tab, events off
  (polling) vs on (an EventBridge rule -> SQS queue configured), after a warm-up; SQS
  ReceiveMessage calls (the long poll) are reported apart: they cost no SageMaker quota.
- ``latency``: a job's state changes on the account and its event is put on the bus
  (PutEvents); the time until its row shows the new status, p50/p95 (target <= 2 s).
- ``burst``: the console runs with a key pressed every 20 ms, first with no events (the
  quiet keys, ``--quiet-seconds``), then ``--burst`` events (default 10,000) about
  ``--jobs`` jobs are all queued while its consumer holds off (it reads nothing until
  the whole burst is in the queue), then it drains them: keypress p50/p99 (target
  <= 50 ms) quiet vs burst, and DescribeTrainingJob calls per event (coalescing: far
  below 1). Beside the wall times,
  figures the machine's load does not move: the event loop thread's CPU per key, the
  other threads' CPU (consumer, describes), and the cyclic GC's pauses on the event
  loop's thread (and how many slow keys fell on one).
- ``idle600``: the Jobs tab's poller and (events on) the consumer over ``--sim-window``
  seconds (default 600) of a simulated clock: the real PollSchedule, HealthTracker and
  the Poller's own safety-net code decide when each runs, the real feed and consumer
  make the calls (counted at the proxy). Events off vs on, no state changing (idle).
- ``burst-oop``: moto in a child process (its own interpreter: the console's threads do
  not share a GIL with the server), ``--burst`` events sent as fast as the queue drains;
  the consumer applies them with one DescribeTrainingJob per coalesced change; apply
  latency per event (sent -> applied and acknowledged) p50/p95/p99.
  Both out-of-process phases patch moto's SQS (:func:`tests.support.events.fast_moto_sqs`:
  its receive scanned the queue per message handed out, ~0.6 s per receive at 500
  queued, and its batch delete twice per entry).
- ``burst-app-oop``: the ``burst`` phase (the real app, keys pressed during the drain)
  with moto in a child process at nice 10, so the server (AWS, elsewhere in real use)
  does not take the app's CPU: keypress p50/p99/max, drain time, describes per event,
  and the 1-minute load beside them.

``--phases`` picks some (comma-separated; default all).
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
SLOW_KEY_MS = 50.0  # the target: a key slower than this is counted, and checked for a GC pause
# Seconds of keys with no events before a burst (--quiet-seconds): ~50 keys a second, so
# 30 s make a p99 of ~15 keys, not the 3rd-worst of 5 s.
QUIET_SECONDS = 30.0


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


async def _burst(
    proxy: Any,
    stack: Any,
    names: list[str],
    events: int,
    describes_seen: Any = None,
    endpoint: str | None = None,
    quiet_seconds: float = QUIET_SECONDS,
) -> dict[str, Any]:
    """``describes_seen(app)``: the DescribeTrainingJob calls so far (default: counted at
    the proxy). ``endpoint``: send the burst from a child process to this server."""
    from console.config import load_config
    from console.context import ConsoleContext
    from screens.app import create_app
    from screens.jobs.table import JobsTable

    base = datetime.now(UTC) + timedelta(hours=1)
    if endpoint is not None:
        from multiprocessing import resource_tracker

        # For the producer's child process, started now: under run_test sys.stderr has
        # no file descriptor to hand it.
        resource_tracker.ensure_running()
    app = create_app(
        ConsoleContext(load_config(overrides={"events_queue_url": stack.queue_url}), source="tui")
    )
    mark = len(proxy.seen) if proxy is not None else 0
    keys = _Keys()
    load = os.getloadavg()[0]
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.main_screen.query_one(JobsTable)
        while table.total_count < len(names):
            await pilot.pause(0.05)
        table.focus()
        slow = _watch_slow_callbacks() if os.environ.get("BENCH_SLOW_CALLBACKS") else None
        # The same key presses with no events first: what this machine's load alone costs.
        quiet_gc = _GcPauses()
        quiet_cpu = _Cpu()
        quiet = _Keys()
        t_quiet = time.perf_counter()
        await _press_keys(app, table, quiet, lambda: time.perf_counter() - t_quiet < quiet_seconds)
        quiet_cpu.stop()
        quiet_gc.stop()
        spent = _time_consumer(app)
        ui = _time_table(table)
        # The whole burst is queued before the consumer reads any of it (a tuning job's
        # hundreds of jobs starting at once): the consumer is held at its next receive.
        hold = _ReceiveHold(app, stack)
        await asyncio.to_thread(hold.close)
        t_queue = time.perf_counter()
        await asyncio.to_thread(_send_burst, stack, names, events, base, endpoint)
        queued_s = time.perf_counter() - t_queue
        queued = await asyncio.to_thread(stack.depth)

        # The queue's depth is read on a thread of its own: an HTTP call on the event loop
        # between two keys would block the very loop whose keys are measured.
        drained_flag = threading.Event()

        def watch_depth() -> None:
            while time.perf_counter() - started < 600:
                if stack.depth() == 0:
                    drained_flag.set()
                    return
                time.sleep(0.2)
            drained_flag.set()

        def draining() -> bool:
            return not drained_flag.is_set()

        burst_gc = _GcPauses()
        burst_cpu = _Cpu()
        started = time.perf_counter()
        hold.release()
        threading.Thread(target=watch_depth, daemon=True).start()
        await _press_keys(app, table, keys, draining)
        drained = time.perf_counter() - started
        burst_cpu.stop()
        burst_gc.stop()
        if describes_seen is not None:
            describes = describes_seen(app)
    if describes_seen is None:
        describes = _count(proxy, "sagemaker", mark, "DescribeTrainingJob")
    return {
        "events": events,
        "queued_before_drain": queued,
        "queue_s": round(queued_s, 1),
        "drain_s": round(drained, 1),
        "quiet_keypress_p50_ms": round(_pct(quiet, 0.50), 1),
        "quiet_keypress_p99_ms": round(_pct(quiet, 0.99), 1),
        "keypress_p50_ms": round(_pct(keys, 0.50), 1),
        "keypress_p99_ms": round(_pct(keys, 0.99), 1),
        "keypress_max_ms": round(max(keys, default=float("nan")), 1),
        "keys": len(keys),
        "describes": describes,
        "describes_per_event": round(describes / events, 4),
        "target_keypress_p99_ms": 50.0,
        "consumer_s": {part: round(seconds, 1) for part, seconds in spent.items()},
        "table_updates": int(ui["calls"]),
        "table_update_cpu_s": round(ui["cpu"], 2),
        "table_update_max_ms": round(ui["max"] * 1000, 1),
        "quiet_cpu": quiet_cpu.summary(len(quiet)),
        "burst_cpu": burst_cpu.summary(len(keys)),
        "quiet_gc": quiet_gc.summary(quiet),
        "burst_gc": burst_gc.summary(keys),
        **({"slow_callbacks": slow.summary()} if slow is not None else {}),
        "load_1m_before": round(load, 2),
        "load_1m_after": round(os.getloadavg()[0], 2),
    }


class _ReceiveHold:
    """Holds the app's events consumer at its next SQS receive (so a burst can be queued
    whole before it reads any), then lets it go.

    Closing also sends one message that is not an event: a long poll under way returns
    with it (ignored and deleted, as any foreign message) and the consumer's next receive
    is the one held; :meth:`close` returns once it is held there."""

    def __init__(self, app: Any, stack: Any) -> None:
        self._open = threading.Event()
        self._open.set()
        self._held = threading.Event()
        self._stack = stack
        runner = app.events.runner
        assert runner is not None, "the app runs no events consumer"
        consumer = runner.consumer
        receive = consumer._receive

        def held(wait: int) -> list[dict[str, Any]]:
            if not self._open.is_set():
                self._held.set()
                self._open.wait()
            return receive(wait)

        consumer._receive = held

    def close(self) -> None:
        self._open.clear()
        self._stack.send_raw("bench: not an event")
        if not self._held.wait(60):
            raise RuntimeError("the events consumer did not come back to receive")

    def release(self) -> None:
        self._open.set()


class _Cpu:
    """CPU seconds from now to :meth:`stop`: the event loop's thread (this one) and the
    process's other threads (the consumer, its describes): load-independent figures."""

    def __init__(self) -> None:
        self._loop0 = time.thread_time()
        self._process0 = time.process_time()
        self.loop = self.others = 0.0

    def stop(self) -> None:
        self.loop = time.thread_time() - self._loop0
        self.others = time.process_time() - self._process0 - self.loop

    def summary(self, keys: int) -> dict[str, float]:
        return {
            "loop_s": round(self.loop, 2),
            "loop_ms_per_key": round(self.loop * 1000 / max(1, keys), 1),
            "other_threads_s": round(self.others, 2),
        }


class _GcPauses:
    """The cyclic GC's collections on the event loop's thread from now to :meth:`stop`:
    per generation, how many, their CPU and their longest wall time; and how many keys
    slower than ``SLOW_KEY_MS`` overlapped one (a key waits for a collection to end)."""

    def __init__(self) -> None:
        import gc

        self._loop = threading.get_ident()
        self._started: tuple[float, float, int] | None = None
        self.pauses: list[tuple[int, float, float, float]] = []  # gen, start, wall, cpu
        self._gc = gc
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if threading.get_ident() != self._loop:
            return
        if phase == "start":
            self._started = (time.perf_counter(), time.thread_time(), info["generation"])
        elif self._started is not None:
            t0, c0, generation = self._started
            self._started = None
            wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
            self.pauses.append((generation, t0, wall, cpu))

    def stop(self) -> None:
        if self._callback in self._gc.callbacks:
            self._gc.callbacks.remove(self._callback)

    def summary(self, keys: Any) -> dict[str, Any]:
        by_generation: dict[str, Any] = {}
        for generation in (0, 1, 2):
            mine = [p for p in self.pauses if p[0] == generation]
            by_generation[f"gen{generation}"] = {
                "n": len(mine),
                "cpu_ms_total": round(sum(p[3] for p in mine) * 1000),
                "cpu_ms_max": round(max((p[3] for p in mine), default=0.0) * 1000, 1),
                "wall_ms_max": round(max((p[2] for p in mine), default=0.0) * 1000, 1),
            }
        stamps = getattr(keys, "stamps", [])
        slow = [(t, ms / 1000) for t, ms in stamps if ms > SLOW_KEY_MS]
        on_gc = sum(
            1
            for t, took in slow
            if any(p[1] < t + took and p[1] + p[2] > t and p[2] > 0.005 for p in self.pauses)
        )
        return {**by_generation, "slow_keys": len(slow), "slow_keys_during_a_gc_pause": on_gc}


def _send_burst(
    stack: Any, names: list[str], events: int, base: datetime, endpoint: str | None
) -> None:
    """All ``events`` into the queue, from a child process when ``endpoint`` is given
    (its own interpreter: sending 10,000 events costs the app's process nothing)."""
    if endpoint is None:
        _produce(stack.sqs, stack.queue_url, names, events, base)
        return
    import multiprocessing

    producer = multiprocessing.get_context("spawn").Process(
        target=_produce_at, args=(endpoint, stack.queue_url, names, events, base), daemon=True
    )
    producer.start()
    producer.join(600)
    if producer.exitcode != 0:
        raise RuntimeError(f"the burst producer failed (exit {producer.exitcode})")


def _produce(sqs: Any, queue_url: str, names: list[str], events: int, base: datetime) -> None:
    """Send the burst, ten messages a call, as fast as the queue takes them."""
    from tests.support.events import job_detail, sagemaker_event

    for start in range(0, events, 10):
        entries = []
        for i in range(start, min(events, start + 10)):
            name = names[i % len(names)]
            status = ("InProgress", "Failed", "Completed")[i % 3]
            _type, detail = job_detail("training", name, status, base + timedelta(seconds=i))
            body = sagemaker_event(_type, detail, when=base, event_id=f"burst-{i}")
            entries.append({"Id": str(i - start), "MessageBody": json.dumps(body)})
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def _produce_at(
    endpoint: str, queue_url: str, names: list[str], events: int, base: datetime
) -> None:
    """:func:`_produce` in a child process, with a client of its own."""
    import boto3

    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    _produce(sqs, queue_url, names, events, base)


class _Keys(list[float]):
    """Each key's time (ms) until the cursor moved; ``stamps``: (pressed at, ms) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[tuple[float, float]] = []


async def _press_keys(app: Any, table: Any, keys: list[float], going: Any) -> None:
    """Press up/down every 20 ms while ``going()``; each key's time until the cursor moved
    (with when it was pressed, when ``keys`` is a :class:`_Keys`).

    Pilot.press waits for an idle that a draining console may not reach: the key is
    posted (as bench/keypress.py does)."""
    from textual.events import Key

    key = "down"
    while going():
        before = table.cursor_row
        if before >= table.row_count - 1:
            key = "up"
        elif before <= 0:
            key = "down"
        t0 = time.perf_counter()
        app.post_message(Key(key, None))
        while table.cursor_row == before and time.perf_counter() - t0 < 5:
            await asyncio.sleep(0.001)
        took = (time.perf_counter() - t0) * 1000
        keys.append(took)
        if isinstance(keys, _Keys):
            keys.stamps.append((t0, took))
        await asyncio.sleep(0.02)


class _SlowCallbacks:
    """asyncio's debug log of callbacks that held the event loop > 20 ms, summed by
    what they were (``BENCH_SLOW_CALLBACKS=1``; debug mode slows everything a little)."""

    def __init__(self) -> None:
        import logging
        import re

        self.by_what: dict[str, list[float]] = {}
        pattern = re.compile(r"Executing (.*?) took ([0-9.]+) seconds")
        outer = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                found = pattern.search(record.getMessage())
                if found:
                    what = re.sub(r"0x[0-9a-f]+|\d+", "#", found.group(1))[:160]
                    outer.by_what.setdefault(what, []).append(float(found.group(2)))

        logger = logging.getLogger("asyncio")
        logger.addHandler(Handler())
        logger.setLevel(logging.WARNING)
        logger.propagate = False

    def summary(self) -> list[dict[str, Any]]:
        rows = sorted(self.by_what.items(), key=lambda kv: -sum(kv[1]))[:8]
        return [
            {"what": w, "n": len(t), "total_s": round(sum(t), 2), "max_ms": round(max(t) * 1e3)}
            for w, t in rows
        ]


def _watch_slow_callbacks() -> _SlowCallbacks:
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = 0.02
    return _SlowCallbacks()


def _time_table(table: Any) -> dict[str, float]:
    """CPU time of the event loop's thread inside the table's pushed-row updates (CPU,
    not wall: the machine's load does not inflate it)."""
    spent = {"calls": 0.0, "cpu": 0.0, "max": 0.0}
    for name in ("upsert", "upsert_many"):
        original = getattr(table, name, None)
        if original is None:
            continue

        def timed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            t0 = time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                took = time.thread_time() - t0
                spent["calls"] += 1
                spent["cpu"] += took
                spent["max"] = max(spent["max"], took)

        setattr(table, name, timed)
    return spent


def _time_consumer(app: Any) -> dict[str, float]:
    """Wrap the app's consumer to see where the drain's time goes (filled as it runs):
    SQS receives and deletes, applying (describes and the rows), and messages received."""
    spent = {"receive": 0.0, "apply": 0.0, "delete": 0.0, "messages": 0.0, "batches": 0.0}
    runner = app.events.runner
    if runner is None:
        return spent
    consumer = runner.consumer

    def timed(part: str, call: Any) -> Any:
        def run(*args: Any) -> Any:
            t0 = time.perf_counter()
            try:
                answer = call(*args)
            finally:
                spent[part] += time.perf_counter() - t0
            if part == "receive":
                spent["messages"] += len(answer)
            if part == "apply":
                spent["batches"] += 1
            return answer

        return run

    consumer._receive = timed("receive", consumer._receive)
    consumer._delete = timed("delete", consumer._delete)
    consumer._handler = timed("apply", consumer._handler)
    return spent


def _burst_app_out_of_process(
    events: int, jobs: int, quiet_seconds: float = QUIET_SECONDS
) -> dict[str, Any]:
    """The ``burst`` phase with moto in a child process: the app's event loop shares its
    interpreter with nothing but the bench's key presses (the burst is sent from a child
    process too).
    DescribeTrainingJob calls are counted by a hook on the app's own client."""
    import tempfile

    from tests.support.events import EventsStack
    from tests.support.moto_server import start_moto_process
    from tests.tui.conftest import create_training_job

    server = start_moto_process("tests.support.events:fast_moto_sqs", SERVER_AT_LOW_PRIORITY)
    try:
        _env(server.url, Path(tempfile.mkdtemp(prefix="bench-events-oop-")))
        sm = server.client("sagemaker")
        names = [f"oop-app-job-{i:03d}" for i in range(jobs)]
        for name in names:
            create_training_job(sm, name)
        stack = EventsStack.create(server, "smconsole-burst-app-oop")
        counted = [0]

        def count(**_: Any) -> None:
            counted[0] += 1

        def describes_seen(app: Any) -> int:
            return counted[0]

        from console.aws.session import SessionFactory

        original = SessionFactory._install_hooks

        def install(self: Any, client: Any, service: str) -> None:
            original(self, client, service)
            if service == "sagemaker":
                client.meta.events.register("before-call.sagemaker.DescribeTrainingJob", count)

        SessionFactory._install_hooks = install  # type: ignore[method-assign]
        try:
            return asyncio.run(
                _burst(None, stack, names, events, describes_seen, server.url, quiet_seconds)
            )
        finally:
            SessionFactory._install_hooks = original  # type: ignore[method-assign]
    finally:
        server.stop()


def server_at_low_priority(monkeypatch: Any) -> None:
    """In the moto child process of ``burst-app-oop``: nice 10. The server stands for
    AWS, which does not take the operator's CPU; on a 2-core box its draining of 10,000
    messages otherwise competes with the console's event loop for a core, and the keys
    measured that. The console is not reniced."""
    os.nice(10)


SERVER_AT_LOW_PRIORITY = "bench.events:server_at_low_priority"


def _idle_simulated(proxy: Any, queue_url: str, window: float) -> dict[str, Any]:
    """The Jobs tab's polls and the consumer's receives over ``window`` simulated seconds.

    Each second of the simulated clock: a receive when the last long poll would have
    ended (an idle one returns after its whole wait), a Jobs poll when the schedule says
    one is due; after a poll the Poller's own ``_pushed_delay`` stretches the wait to
    the safety net while the health says events flow.
    """
    from types import SimpleNamespace

    from console.config import load_config
    from console.context import ConsoleContext
    from console.events.consumer import EventConsumer
    from console.events.health import HealthTracker
    from console.services.jobs_feed import JobsFeed
    from screens.kit.poll_schedule import PollSchedule
    from screens.kit.poller import Poller

    clock = [0.0]

    def now() -> float:
        return clock[0]

    context = ConsoleContext(load_config(), source="tui")
    poll = context.config.poll
    feed = JobsFeed(context)
    schedule = PollSchedule(poll.jobs, transitional_interval=poll.transitional, clock=now)
    schedule.resume()
    health = HealthTracker(clock=now)
    consumer = (
        EventConsumer(context.sessions, queue_url, lambda _: None, health=health, wait_seconds=0)
        if queue_url
        else None
    )
    link = SimpleNamespace(poll_interval=health.poll_interval if consumer else (lambda n: n))
    poller = SimpleNamespace(
        pushed=consumer is not None, schedule=schedule, app=SimpleNamespace(events=link)
    )
    start = len(proxy.seen)
    polls = receives = 0
    next_receive = 0.0
    while clock[0] < window:
        if consumer is not None and clock[0] >= next_receive:
            consumer.poll_once()
            receives += 1
            next_receive = clock[0] + EventConsumer.WAIT_SECONDS
        if schedule.try_start():
            snapshot = feed.fetch()
            polls += 1
            delay = schedule.succeeded(transitional=snapshot.transitional)
            Poller._pushed_delay(poller, delay)  # type: ignore[arg-type]
        clock[0] += 1.0
    minutes = window / 60
    sagemaker = _count(proxy, "sagemaker", start)
    return {
        "simulated_s": window,
        "jobs_polls": polls,
        "sagemaker_calls": sagemaker,
        "sagemaker_per_min": round(sagemaker / minutes, 2),
        "sqs_receives": receives,
        "sqs_per_min": round(_count(proxy, "sqs", start) / minutes, 2),
        "health": health.snapshot().state.value if consumer else "off",
    }


def _burst_out_of_process(events: int, jobs: int, depth: int) -> dict[str, Any]:
    """Apply latency of a burst with moto in a child process (see the module docstring)."""
    from console.aws.session import AwsContext, SessionFactory
    from console.events.consumer import EventConsumer
    from console.events.records import ResourceChanged
    from tests.support.events import EventsStack, job_detail, sagemaker_event
    from tests.support.moto_server import start_moto_process
    from tests.tui.conftest import create_training_job

    server = start_moto_process("tests.support.events:fast_moto_sqs")
    try:
        sm = server.client("sagemaker")
        names = [f"oop-job-{i:03d}" for i in range(jobs)]
        for name in names:
            create_training_job(sm, name)
        stack = EventsStack.create(server, "smconsole-burst-oop")
        factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=server.url))
        sent: dict[str, float] = {}
        applied: dict[str, float] = {}
        describes = [0]

        def handler(changes: Any) -> None:
            client = factory.client("sagemaker")
            for change in changes:  # one describe per coalesced change, like a live row
                assert isinstance(change, ResourceChanged)
                client.describe_training_job(TrainingJobName=change.name)
                describes[0] += 1

        consumer = EventConsumer(factory, stack.queue_url, handler, wait_seconds=1)
        spent = {"receive": 0.0, "apply": 0.0, "delete": 0.0}

        def timed(part: str, call: Any) -> Any:
            def run(*args: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return call(*args)
                finally:
                    spent[part] += time.perf_counter() - t0

            return run

        # Where the drain's time goes: SQS (moto) or applying (the describes).
        consumer._receive = timed("receive", consumer._receive)  # type: ignore[method-assign]
        consumer._delete = timed("delete", consumer._delete)  # type: ignore[method-assign]
        consumer._handler = timed("apply", consumer._handler)
        mark_seen = consumer.ledger.seen

        def seen(event_id: str) -> None:
            # Called for every event of a batch once its changes were applied.
            if event_id and event_id not in applied:
                applied[event_id] = time.perf_counter()
            mark_seen(event_id)

        consumer.ledger.seen = seen  # type: ignore[method-assign]
        base = datetime.now(UTC)
        stop = threading.Event()
        runner = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
        runner.start()
        started = time.perf_counter()
        for start in range(0, events, 10):
            while start % 100 == 0 and stack.depth() > depth:
                time.sleep(0.02)
            entries, ids = [], []
            for i in range(start, min(events, start + 10)):
                name = names[i % len(names)]
                status = ("InProgress", "Failed", "Completed")[i % 3]
                _type, detail = job_detail("training", name, status, base + timedelta(seconds=i))
                body = sagemaker_event(_type, detail, when=base, event_id=f"oop-{i}")
                entries.append({"Id": str(i - start), "MessageBody": json.dumps(body)})
                ids.append(f"oop-{i}")
            stack.sqs.send_message_batch(QueueUrl=stack.queue_url, Entries=entries)
            at = time.perf_counter()
            for event_id in ids:
                sent[event_id] = at
        deadline = time.perf_counter() + 600
        while len(applied) < events and time.perf_counter() < deadline:
            time.sleep(0.05)
        drained = time.perf_counter() - started
        stop.set()
        runner.join(5)
        latencies = [(applied[i] - sent[i]) * 1000 for i in sent if i in applied]
        return {
            "events": events,
            "applied": len(latencies),
            "drain_s": round(drained, 1),
            "apply_p50_ms": round(_pct(latencies, 0.50), 1),
            "apply_p95_ms": round(_pct(latencies, 0.95), 1),
            "apply_p99_ms": round(_pct(latencies, 0.99), 1),
            "apply_max_ms": round(max(latencies, default=float("nan")), 1),
            "describes": describes[0],
            "describes_per_event": round(describes[0] / events, 4),
            "queue_depth_cap": depth,
            "spent_s": {part: round(seconds, 1) for part, seconds in spent.items()},
        }
    finally:
        server.stop()


PHASES = ("idle", "latency", "burst", "idle600", "burst-oop", "burst-app-oop")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--sim-window", type=float, default=600.0)
    # Kept low: moto scans its whole queue per ReceiveMessage (SQS does not), so a deep
    # queue measures moto; the latency then still includes the time queued.
    parser.add_argument("--oop-depth", type=int, default=50)
    parser.add_argument("--quiet-seconds", type=float, default=QUIET_SECONDS)
    parser.add_argument("--phases", default=",".join(PHASES), help=", ".join(PHASES))
    args = parser.parse_args()
    phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    unknown = phases - set(PHASES)
    if unknown:
        parser.error(f"unknown phase {sorted(unknown)[0]!r} (known: {', '.join(PHASES)})")

    import tempfile

    from screens.kit.events_link import EventsLink
    from tests.support.events import EventsStack
    from tests.support.fault_proxy import FaultProxy
    from tests.support.moto_server import start_moto_server

    result: dict[str, Any] = {"jobs": args.jobs}
    if "burst-app-oop" in phases:  # first: its own server, env set before the others'
        result["burst_app_out_of_process"] = _burst_app_out_of_process(
            args.burst, args.jobs, args.quiet_seconds
        )
        phases.discard("burst-app-oop")
        if not phases:
            print(json.dumps(result))
            return
    import pytest

    from tests.support.events import fast_moto_sqs

    fast_moto_sqs(pytest.MonkeyPatch())  # this process's moto (see ``produce``)
    server = start_moto_server()
    proxy = FaultProxy(server.url).start()
    home = Path(tempfile.mkdtemp(prefix="bench-events-"))
    _env(proxy.url, home)
    EventsLink.WAIT_SECONDS = 20
    names = _seed(server, args.jobs)
    stack = EventsStack.create(server)
    if "idle" in phases:
        result["idle_events_off"] = asyncio.run(_idle(proxy, "", args.warmup, args.window))
        result["idle_events_on"] = asyncio.run(
            _idle(proxy, stack.queue_url, args.warmup, args.window)
        )
    if "idle600" in phases:
        quiet = EventsStack.create(server, "smconsole-idle600")
        result["idle600_events_off"] = _idle_simulated(proxy, "", args.sim_window)
        result["idle600_events_on"] = _idle_simulated(proxy, quiet.queue_url, args.sim_window)
    # A queue per phase: a stopped console's last long poll may still take a message.
    if "latency" in phases:
        latency = EventsStack.create(server, "smconsole-latency")
        result["latency"] = asyncio.run(_latency(latency, latency.queue_url, names, args.rounds))
    if "burst" in phases:
        burst = EventsStack.create(server, "smconsole-burst")
        result["burst"] = asyncio.run(
            _burst(proxy, burst, names, args.burst, quiet_seconds=args.quiet_seconds)
        )
    if "burst-oop" in phases:
        result["burst_out_of_process"] = _burst_out_of_process(
            args.burst, args.jobs, args.oop_depth
        )
    print(json.dumps(result))
    proxy_server = getattr(proxy, "_server", None)
    if proxy_server is not None:
        proxy_server.shutdown()
    server.stop()


if __name__ == "__main__":
    main()
