"""A burst of events in the console (issue 18): thousands of SageMaker events about a few
jobs are queued on a real SQS queue (moto server) while the operator presses keys.

Behaviour, not timings (bench/events.py prints those): keys are handled while the burst
is still draining, each batch is described once per job and applied to the table in one
update, and the rows end with the newest state.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.events import Key

from screens.kit.events_link import EventsLink
from tests.support.events import EventsStack, fast_moto_sqs, job_detail, sagemaker_event
from tests.support.keyed_rows import count_batch_updates
from tests.support.moto_server import MotoServer
from tests.tui.conftest import (
    create_training_job,
    jobs_table,
    make_app,
    set_training_state,
    wait_for_rows,
    wait_until,
)

JOBS = 20
EVENTS = 2000
# Generous for CI: a key is never expected to wait this long, only to be handled.
KEY_BOUND = 10.0
T0 = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EventsLink, "WAIT_SECONDS", 1)


def _bodies(names: list[str]) -> list[str]:
    """EVENTS events spread over the jobs; each job's newest (the last JOBS) is Failed."""
    bodies = []
    for i in range(EVENTS):
        name = names[i % len(names)]
        status = "Failed" if i >= EVENTS - len(names) else ("InProgress", "Completed")[i % 2]
        detail_type, detail = job_detail("training", name, status, T0 + timedelta(seconds=i))
        event = sagemaker_event(detail_type, detail, when=T0, event_id=f"burst-{i}")
        bodies.append(json.dumps(event))
    return bodies


async def test_keys_are_served_while_a_burst_drains_in_coalesced_batches(
    aws: MotoServer, sm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto's receive scans the queue per message handed out (a second per receive with
    # a few hundred queued); SQS does not: patched, so the console is what is exercised.
    fast_moto_sqs(monkeypatch)
    stack = EventsStack.create(aws, "smconsole-burst-test")
    names = [f"burst-{i:02d}" for i in range(JOBS)]
    for name in names:
        create_training_job(sm, name)
    bodies = _bodies(names)
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, JOBS)
        table = jobs_table(app)
        table.focus()
        await pilot.pause()
        for name in names:
            set_training_state(name, "Failed")
        # What the consumer hands the views, batch by batch, and the table's updates.
        runner = app.events.runner
        assert runner is not None
        consumer = runner.consumer
        batches: list[list[str]] = []
        handler = consumer._handler

        def recording(changes: Any) -> None:
            batches.append([c.name for c in changes])
            handler(changes)

        consumer._handler = recording
        updates = count_batch_updates(table)

        sent = threading.Event()
        drained: list[float] = []

        def produce_then_watch() -> None:
            for start in range(0, len(bodies), 10):
                entries = [
                    {"Id": str(i), "MessageBody": body}
                    for i, body in enumerate(bodies[start : start + 10])
                ]
                stack.sqs.send_message_batch(QueueUrl=stack.queue_url, Entries=entries)
            sent.set()
            deadline = time.monotonic() + 300
            while stack.depth() and time.monotonic() < deadline:
                time.sleep(0.1)
            drained.append(time.monotonic())

        watcher = threading.Thread(target=produce_then_watch, daemon=True)
        watcher.start()
        await asyncio.to_thread(sent.wait, 120)
        handled: list[float] = []  # when each key moved the cursor
        while not drained:
            before = table.cursor_row
            key = "up" if before >= table.row_count - 1 else "down"
            pressed = time.monotonic()
            app.post_message(Key(key, None))
            while table.cursor_row == before and time.monotonic() - pressed < KEY_BOUND:
                await asyncio.sleep(0.005)
            assert table.cursor_row != before, f"a key waited {KEY_BOUND}s during the burst"
            handled.append(time.monotonic())
            await asyncio.sleep(0.05)
        watcher.join(5)
        assert drained, "the burst did not drain"
        assert handled and handled[0] < drained[0]  # served during the burst, not after
        await wait_until(
            pilot,
            lambda: all(table.items[f"training:{n}"].status == "Failed" for n in names),
            what="every row Failed",
        )
        # One describe per job per batch, never one per event; one table update a batch.
        described = sum(len(batch) for batch in batches)
        assert all(len(batch) == len(set(batch)) <= JOBS for batch in batches)
        assert described <= EVENTS // 4, (described, len(batches))
        assert len(updates) <= len(batches)
        assert sum(updates) <= described
