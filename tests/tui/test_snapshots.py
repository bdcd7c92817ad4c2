"""Snapshots of the Jobs tab at 80x24 and 160x50 in each theme family.

The real app runs on the moto server (header identity from STS), but the jobs come from a
fixed snapshot (the Jobs feed is our own code, replaced here so the picture does not
depend on moto's clock) and the table's clock and the time zone are pinned. Update with
``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate change, and
look at the pictures (``snapshot_report.html``) before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.services.jobs import JobSummary
from screens.jobs_feed import JobsFeed, JobsSnapshot
from screens.jobs_table import JobsTable
from screens.keyed_table import KeyedTable
from screens.poller import Poller

from .conftest import jobs_table, make_app, wait_until

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
THEMES = ("smconsole-dark", "smconsole-light", "smconsole-high-contrast", "smconsole-ansi")


def fixed_jobs() -> tuple[JobSummary, ...]:
    specs = [
        ("training", "llama3-8b-sft-lr2e-5-run-0042", "InProgress", "Training", 95, None),
        ("training", "llama3-8b-sft-lr1e-5-run-0041", "Failed", "Failed", 400, 130),
        ("processing", "tokenize-corpus-2026-11-01", "Completed", "", 900, 42),
        ("tuning", "sft-sweep-nov", "InProgress", "", 1500, None),
        ("training", "resnet50-imagenet-baseline", "Completed", "Completed", 2900, 1260),
        ("training", "bert-base-ner-spot", "Stopped", "Stopped", 4300, 75),
        ("processing", "eval-llama3-8b-mmlu", "Failed", "", 5000, 9),
        (
            "training",
            "a-job-with-a-rather-long-name-for-the-narrow-screen-0001",
            "Stopping",
            "Stopping",
            6000,
            None,
        ),
    ]
    jobs = []
    for kind, name, status, secondary, ago, minutes in specs:
        created = NOW - timedelta(minutes=ago)
        ended = created + timedelta(minutes=minutes) if minutes is not None else None
        jobs.append(
            JobSummary(
                kind=kind,
                name=name,
                status=status,
                arn=f"arn:aws:sagemaker:us-east-1:123456789012:{kind}-job/{name}",
                created=created,
                modified=ended or created,
                ended=ended,
                secondary_status=secondary,
            )
        )
    return tuple(jobs)


@pytest.fixture
def fixed_world(monkeypatch: pytest.MonkeyPatch, aws: Any) -> Iterator[None]:
    """UTC, a fixed clock for the table, and a fixed jobs listing."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    snapshot = JobsSnapshot(fixed_jobs(), NOW)
    monkeypatch.setattr(JobsFeed, "fetch", lambda self: snapshot)
    original = KeyedTable.__init__

    def init(self: KeyedTable[Any], **kwargs: Any) -> None:
        kwargs.setdefault("now", lambda: NOW)
        original(self, **kwargs)

    monkeypatch.setattr(JobsTable, "__init__", init)
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
@pytest.mark.parametrize("theme", THEMES)
def test_jobs_tab(snap_compare: Any, fixed_world: None, theme: str, size: tuple[int, int]) -> None:
    app = make_app(theme=theme)

    async def ready(pilot: Any) -> None:
        # snap_compare's pilot starts before the main screen has composed.
        await wait_until(pilot, lambda: app.main_screen.query(JobsTable), what="composed")
        header = app.main_screen.query_one("ContextBar")
        await wait_until(pilot, lambda: jobs_table(app).total_count == 8, what="jobs")
        await wait_until(
            pilot,
            lambda: "account 123456789012" in header.text,  # type: ignore[attr-defined]
            what="identity",
        )
        # Hidden tabs poll once after start-up (tab counts): wait for that to settle.
        pollers = [p for p in app.main_screen.query(Poller) if p.PRIME_WHEN_HIDDEN]
        await wait_until(
            pilot,
            lambda: all(p.schedule.polls_started and not p.schedule.running for p in pollers),
            what="hidden tabs primed",
        )
        await pilot.press("down")  # the cursor on the failed job
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)
