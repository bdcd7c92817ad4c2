"""Printing job and endpoint logs on a terminal: ``training-logs``, ``processing-logs``, ….

Lines look like ``12:03:04 algo-1 | message`` (UTC), every host of the job merged by time.
Messages come from the job's own code, so they are made inert (no escape sequences reach
the terminal). ``--follow`` polls the logs every few seconds but asks for the job's status
only every ~30 s, as the SageMaker SDK does: DescribeTrainingJob is throttled too.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from console.errors import NotFoundError, SmError
from console.sanitize import inert
from console.services.logs import LogEvent

STATUS_CHECK_SECONDS = 30.0
TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


def format_event(event: LogEvent) -> str:
    """``HH:MM:SS host | message`` with the message made safe for a terminal."""
    when = event.timestamp.astimezone(UTC).strftime("%H:%M:%S")
    return f"{when} {inert(event.host)} | {inert(event.message.rstrip(chr(10) + chr(13)))}"


def _status_of(inv: Any, kind: str, name: str) -> str | None:
    """The job's status (raises NotFoundError for an unknown job); None for endpoints."""
    jobs = inv.console.jobs
    if kind == "training":
        return str(jobs.describe_training_job(name).status)
    if kind == "processing":
        return str(jobs.describe_processing_job(name).status)
    if kind == "transform":
        return str(inv.console.transform.describe_transform_job(name).status)
    return None


class JobEndWatch:
    """``should_stop`` for a follow: true once the job is terminal, checked at most every
    ``every`` seconds. A failed status check (throttling) just means "not yet"."""

    def __init__(
        self,
        check: Callable[[], str | None],
        *,
        every: float = STATUS_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._check = check
        self._every = every
        self._clock = clock
        self._last = clock()
        self.status: str | None = None

    def __call__(self) -> bool:
        now = self._clock()
        if now - self._last < self._every:
            return False
        self._last = now
        try:
            self.status = self._check()
        except SmError:
            return False
        return self.status in TERMINAL_STATUSES


def _emit(event: LogEvent, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(event.to_dict(), default=str, ensure_ascii=True))
    else:
        click.echo(format_event(event))


def print_job_logs(
    inv: Any,
    kind: str,
    name: str,
    *,
    follow: bool,
    since_minutes: int | None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> None:
    """Print the merged logs of a training/processing job or an endpoint.

    Without ``follow``: everything (or the last ``since_minutes``), then return. With it:
    keep printing until the job is Completed/Failed/Stopped (endpoints: until Ctrl-C).
    ``--json`` prints an array, or one JSON object per line while following.
    ``sleep`` and ``clock`` default to :func:`time.sleep` and :func:`time.monotonic`.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    logs = inv.console.logs
    as_json = bool(inv.json_output)
    since = datetime.now(UTC) - timedelta(minutes=since_minutes) if since_minutes else None
    if follow:
        status = _status_of(inv, kind, name)
        follow = status not in TERMINAL_STATUSES
    if not follow:
        try:
            events = logs.read(kind, name, since=since)
        except NotFoundError:
            # No logs: an unknown job says "not found" (not "try --follow"); a job
            # that exists but has no logs yet keeps the logs service's message.
            try:
                status = _status_of(inv, kind, name)
            except NotFoundError as missing:
                raise NotFoundError(
                    f"{kind} job {name} not found",
                    f"`smconsole {kind}-list` shows the {kind} jobs of this account and region",
                ) from missing
            if status in TERMINAL_STATUSES:
                # Ended: "no logs yet ... try --follow" would wait for nothing.
                raise NotFoundError(
                    f"{kind} job {name} is {status} and wrote no logs",
                    f"`smconsole {kind}-describe {name}` says how it ended",
                ) from None
            raise
        if as_json:
            json.dump([e.to_dict() for e in events], sys.stdout, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            for event in events:
                click.echo(format_event(event))
        return

    should_stop: Callable[[], bool]
    if kind == "endpoint":

        def should_stop() -> bool:
            return False
    else:
        should_stop = JobEndWatch(
            lambda: _status_of(inv, kind, name), every=STATUS_CHECK_SECONDS, clock=clock
        )
    if not as_json:
        until = "Ctrl-C to stop" if kind == "endpoint" else "until the job ends; Ctrl-C to stop"
        click.echo(f"following {kind} {name} ({until})", err=True)
    try:
        logs.streams(kind, name)
    except NotFoundError as exc:
        # Say so rather than sit silent: a starting job has no log streams for a while.
        click.echo(f"note: {exc.message}; waiting for them to appear", err=True)
    for event in logs.follow(
        kind,
        name,
        since=since,
        should_stop=should_stop,
        sleep=sleep,
        interval=inv.config.poll.logs,
        max_backoff=inv.config.poll.max_backoff,
        on_notice=lambda message: click.echo(f"note: {message}", err=True),
    ):
        _emit(event, as_json)
    if isinstance(should_stop, JobEndWatch) and should_stop.status and not as_json:
        click.echo(f"{kind} job {name} is {should_stop.status}", err=True)
