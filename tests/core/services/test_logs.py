"""CloudWatch logs of jobs and endpoints: merge order, since, follow, and the CLI output."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.errors import NotFoundError, ThrottledError, ValidationError
from console.services import logs as logs_module
from console.services.logs import (
    PROCESSING_GROUP,
    TRAINING_GROUP,
    LogEvent,
    LogsService,
    log_source,
    merge_events,
)

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"


def _now_ms() -> int:
    # Whole seconds, a minute back: moto refuses events from the future or >14 days old.
    return (int(time.time()) - 60) * 1000


class LogWriter:
    """Writes CloudWatch log events on the moto server through a plain boto3 client."""

    def __init__(self, aws: Any) -> None:
        self.client = aws.client("logs")
        self.groups: set[str] = set()
        self.streams: set[tuple[str, str]] = set()

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        if group not in self.groups:
            self.client.create_log_group(logGroupName=group)
            self.groups.add(group)
        if (group, stream) not in self.streams:
            self.client.create_log_stream(logGroupName=group, logStreamName=stream)
            self.streams.add((group, stream))
        self.client.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": ts, "message": msg} for ts, msg in events],
        )


@pytest.fixture
def writer(aws: Any) -> LogWriter:
    return LogWriter(aws)


@pytest.fixture
def service(aws: Any) -> LogsService:
    return ConsoleContext(load_config()).logs


def _interleaved(writer: LogWriter, job: str, base: int) -> list[tuple[int, str, str]]:
    """Three hosts whose lines interleave in time; two lines share a timestamp."""
    plan = {
        "algo-1": [0, 30, 60, 90],
        "algo-2": [10, 30, 70],
        "algo-3": [5, 45, 100],
    }
    expected = []
    for host, offsets in plan.items():
        stream = f"{job}/{host}-1700000000"
        events = [(base + off * 1000, f"{host} at {off}") for off in offsets]
        writer.put(TRAINING_GROUP, stream, events)
        expected += [(ts, stream, msg) for ts, msg in events]
    return sorted(expected, key=lambda e: (e[0], e[1]))


# --- the service --------------------------------------------------------------------


def test_read_merges_every_host_by_time(writer: LogWriter, service: LogsService) -> None:
    base = _now_ms() - 200_000
    expected = _interleaved(writer, "job-a", base)
    # Another job's streams share the group and must not leak in.
    writer.put(TRAINING_GROUP, "job-ab/algo-1-1700000000", [(base, "other job")])

    events = service.read("training", "job-a")

    assert [(int(e.timestamp.timestamp() * 1000), e.stream, e.message) for e in events] == expected
    assert [e.host for e in events][:3] == ["algo-1", "algo-3", "algo-2"]
    # The tie at +30 s goes to algo-1 (stream name order), then algo-2.
    tie = [e.host for e in events if e.message.endswith(" at 30")]
    assert tie == ["algo-1", "algo-2"]
    assert all(isinstance(e, LogEvent) and e.timestamp.tzinfo is UTC for e in events)


def test_read_since_skips_older_events(writer: LogWriter, service: LogsService) -> None:
    base = _now_ms() - 200_000
    _interleaved(writer, "job-b", base)
    since = datetime.fromtimestamp((base + 60_000) / 1000, tz=UTC)

    events = service.read("training", "job-b", since=since)

    assert [e.message for e in events] == [
        "algo-1 at 60",
        "algo-2 at 70",
        "algo-1 at 90",
        "algo-3 at 100",
    ]


def test_read_pages_through_a_long_stream(
    writer: LogWriter, service: LogsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs_module, "EVENTS_PER_CALL", 4)
    base = _now_ms() - 100_000
    writer.put(TRAINING_GROUP, "long/algo-1-1", [(base + i, f"line {i}") for i in range(11)])
    calls_before = service.sessions.metrics.calls_total("logs")

    events = service.read("training", "long")

    assert [e.message for e in events] == [f"line {i}" for i in range(11)]
    # 1 DescribeLogStreams + 3 full-or-partial pages + 1 call that finds the end.
    assert service.sessions.metrics.calls_total("logs") - calls_before == 5


def test_read_missing_group_or_streams_is_not_found(
    writer: LogWriter, service: LogsService
) -> None:
    with pytest.raises(NotFoundError, match="no logs yet for training job ghost"):
        service.read("training", "ghost")
    writer.put(TRAINING_GROUP, "someone-else/algo-1-1", [(_now_ms(), "x")])
    with pytest.raises(NotFoundError, match="no logs yet for training job ghost"):
        service.read("training", "ghost")


def test_bad_kind_or_name_is_refused_before_any_call(service: LogsService) -> None:
    with pytest.raises(ValidationError, match="unknown log kind"):
        service.read("batch", "job")
    with pytest.raises(ValidationError, match="not a valid SageMaker name"):
        service.read("training", "bad/name")
    assert service.sessions.metrics.calls_total() == 0


def test_processing_and_endpoint_sources(writer: LogWriter, service: LogsService) -> None:
    base = _now_ms() - 10_000
    writer.put(PROCESSING_GROUP, "prep/algo-2-1700000001", [(base, "processing")])
    writer.put("/aws/sagemaker/Endpoints/ep-1", "AllTraffic/i-0abc", [(base, "serving")])

    processing = service.read("processing", "prep")
    endpoint = service.read("endpoint", "ep-1")

    assert [(e.host, e.message) for e in processing] == [("algo-2", "processing")]
    assert [(e.host, e.message) for e in endpoint] == [("AllTraffic/i-0abc", "serving")]
    assert log_source("endpoint", "ep-1").group == "/aws/sagemaker/Endpoints/ep-1"


def test_merge_is_stable_for_equal_keys() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    a = [LogEvent(when, "s/algo-1-1", "algo-1", m) for m in ("first", "second")]
    b = [LogEvent(when, "s/algo-2-1", "algo-2", "third")]
    assert [e.message for e in merge_events([b, a])] == ["first", "second", "third"]


def test_follow_picks_up_new_lines_and_new_streams(writer: LogWriter, service: LogsService) -> None:
    base = _now_ms() - 100_000
    writer.put(TRAINING_GROUP, "run/algo-1-1", [(base, "a0"), (base + 2000, "a2")])
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:  # a second host starts late, and the first goes on
            writer.put(TRAINING_GROUP, "run/algo-2-1", [(base + 1000, "b1"), (base + 3000, "b3")])
            writer.put(TRAINING_GROUP, "run/algo-1-1", [(base + 4000, "a4")])
        elif len(sleeps) == 2:
            writer.put(TRAINING_GROUP, "run/algo-2-1", [(base + 5000, "b5")])

    stop_after = iter([False, False, True])
    events = list(
        service.follow(
            "training", "run", should_stop=lambda: next(stop_after), sleep=sleep, interval=2.5
        )
    )

    assert [(e.host, e.message) for e in events] == [
        ("algo-1", "a0"),
        ("algo-1", "a2"),
        ("algo-2", "b1"),
        ("algo-2", "b3"),
        ("algo-1", "a4"),
        ("algo-2", "b5"),
    ]
    assert sleeps == [2.5, 2.5]


def test_follow_waits_for_a_log_group_that_does_not_exist_yet(
    writer: LogWriter, service: LogsService
) -> None:
    base = _now_ms()

    def sleep(_: float) -> None:
        writer.put(PROCESSING_GROUP, "late/algo-1-1", [(base, "finally")])

    stops = iter([False, True])
    events = list(
        service.follow("processing", "late", should_stop=lambda: next(stops), sleep=sleep)
    )
    assert [e.message for e in events] == ["finally"]


def test_follow_backs_off_when_throttled(
    writer: LogWriter, service: LogsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer.put(TRAINING_GROUP, "busy/algo-1-1", [(_now_ms(), "hello")])
    real = service.find_streams
    failures = iter([True, True, False, False, False])

    def flaky(source: Any, **kwargs: Any) -> list[str]:
        if next(failures):
            raise ThrottledError("DescribeLogStreams is being throttled by AWS")
        return real(source, **kwargs)

    monkeypatch.setattr(service, "find_streams", flaky)
    sleeps: list[float] = []
    notices: list[str] = []
    stops = iter([False, False, True])

    events = list(
        service.follow(
            "training",
            "busy",
            should_stop=lambda: next(stops),
            sleep=sleeps.append,
            interval=3,
            max_backoff=10,
            on_notice=notices.append,
        )
    )

    assert [e.message for e in events] == ["hello"]
    assert sleeps == [6, 10]  # doubled, then capped
    assert len(notices) == 2 and "throttled" in notices[0] and "retrying in 6s" in notices[0]


def test_tail_bounds_calls_per_poll_and_serves_every_stream(
    writer: LogWriter, service: LogsService
) -> None:
    base = _now_ms() - 10_000
    for i in range(1, 6):
        writer.put(TRAINING_GROUP, f"wide/algo-{i}-1", [(base + i, f"host {i}")])
    tail = service.tail("training", "wide", max_calls_per_poll=2)
    metrics = service.sessions.metrics

    seen: list[str] = []
    for _ in range(3):
        before = metrics.calls_total("logs")
        seen += [e.message for e in tail.poll()]
        assert metrics.calls_total("logs") - before <= 1 + 2  # discovery + the budget

    assert sorted(seen) == [f"host {i}" for i in range(1, 6)]
    assert len(tail.streams) == 5


def test_a_poll_that_fails_part_way_loses_nothing(writer: LogWriter, service: LogsService) -> None:
    """Tokens move back on failure: the retry re-reads what the broken poll had fetched."""
    base = _now_ms() - 10_000
    for i, host in enumerate(("algo-1", "algo-2")):
        writer.put(TRAINING_GROUP, f"rj/{host}-1700000000", [(base + i * 500, f"{host} line")])
    calls = {"n": 0}
    real = service.get_events

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second stream of the first poll
            raise ThrottledError("rate exceeded")
        return real(*args, **kwargs)

    service.get_events = flaky  # type: ignore[method-assign]
    tail = service.tail("training", "rj")
    with pytest.raises(ThrottledError):
        tail.poll()
    assert [e.message for e in tail.poll()] == ["algo-1 line", "algo-2 line"]
    assert tail.poll() == []


# --- the CLI ------------------------------------------------------------------------


def _create_training_job(run_cli: Callable[..., Any], name: str) -> None:
    result = run_cli(
        "training-create", name, IMAGE, "s3://bucket/in", "s3://bucket/out", "--role", ROLE
    )
    assert result.exit_code == 0, result.stderr


def test_training_logs_prints_merged_inert_lines(writer: LogWriter, run_cli: Any) -> None:
    base = _now_ms() - 100_000
    writer.put(
        TRAINING_GROUP,
        "cli-job/algo-1-1",
        [(base, "epoch 1\n"), (base + 2000, "\x1b]52;c;ZXZpbA==\x07stolen? \x1b[31mred\x1b[0m")],
    )
    writer.put(
        TRAINING_GROUP, "cli-job/algo-2-1", [(base + 1000, "two\x1b]0;title\x07 lines\nhere")]
    )

    result = run_cli("training-logs", "cli-job")

    assert result.exit_code == 0, result.stderr
    hms = [
        datetime.fromtimestamp((base + d) / 1000, tz=UTC).strftime("%H:%M:%S")
        for d in (0, 1000, 2000)
    ]
    assert result.stdout.splitlines() == [
        f"{hms[0]} algo-1 | epoch 1",
        # Escape sequences are shown, not run; colour (SGR) is dropped.
        f"{hms[1]} algo-2 | two␛]0;title␇ lines⏎here",
        f"{hms[2]} algo-1 | ␛]52;c;ZXZpbA==␇stolen? red",
    ]
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_training_logs_json_and_since(writer: LogWriter, run_cli: Any) -> None:
    now = _now_ms()
    old = now - int(timedelta(minutes=30).total_seconds() * 1000)
    writer.put(TRAINING_GROUP, "js/algo-1-1", [(old, "old"), (now, "new")])

    everything = run_cli("--json", "training-logs", "js")
    recent = run_cli("training-logs", "js", "--since", "5")

    assert everything.exit_code == 0, everything.stderr
    rows = everything.json()
    assert [r["message"] for r in rows] == ["old", "new"]
    assert rows[0]["host"] == "algo-1" and rows[0]["stream"] == "js/algo-1-1"
    assert datetime.fromisoformat(rows[1]["timestamp"]) == datetime.fromtimestamp(
        now / 1000, tz=UTC
    )
    assert recent.exit_code == 0 and recent.stdout.count("\n") == 1 and "new" in recent.stdout


def test_training_logs_bad_input(aws: Any, run_cli: Any) -> None:
    missing = run_cli("training-logs", "nobody")
    bad = run_cli("training-logs", "bad_name!")
    zero = run_cli("training-logs", "job", "--since", "0")

    assert missing.exit_code == 5
    # An unknown job is "not found" (issue #15), not "no logs yet … try --follow".
    assert missing.stderr.splitlines()[0] == "error: training job nobody not found"
    assert bad.exit_code == 2 and "not a valid SageMaker name" in bad.stderr
    assert zero.exit_code != 0
    for result in (missing, bad, zero):
        assert "Traceback" not in result.stderr


def test_a_finished_job_without_logs_says_so_not_try_follow(aws: Any, run_cli: Any) -> None:
    """An ended job with no logs (the demo's transform jobs had none) will never get any:
    "no logs yet … try --follow" sent the operator to wait for nothing."""
    _create_training_job(run_cli, "silent-job")  # moto: Completed at once
    result = run_cli("training-logs", "silent-job")
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        "error: training job silent-job is Completed and wrote no logs",
        "hint: `smconsole training-describe silent-job` says how it ended",
    ]


def test_follow_on_a_finished_job_prints_and_returns(writer: LogWriter, run_cli: Any) -> None:
    _create_training_job(run_cli, "done-job")  # moto: Completed at once
    writer.put(TRAINING_GROUP, "done-job/algo-1-1", [(_now_ms(), "all done")])

    result = run_cli("training-logs", "done-job", "--follow")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("algo-1 | all done\n")


def test_follow_unknown_job_is_not_found(aws: Any, run_cli: Any) -> None:
    result = run_cli("training-logs", "no-such-job", "--follow")
    assert result.exit_code == 5 and "Traceback" not in result.stderr


class FakeTime:
    """Stands in for the ``time`` module inside logs_output: instant sleeps, a fake clock."""

    def __init__(self, on_sleep: Callable[[int], None]) -> None:
        self.now = 0.0
        self.sleeps = 0
        self.on_sleep = on_sleep

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        self.on_sleep(self.sleeps)


def _set_status(kind: str, name: str, status: str) -> None:
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends["123456789012"]["us-east-1"]
    if kind == "training":
        backend.training_jobs[name].training_job_status = status
    else:
        backend.processing_jobs[name].processing_job_status = status


def test_follow_prints_until_the_job_ends(
    writer: LogWriter, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.cli import logs_output

    _create_training_job(run_cli, "live-job")
    _set_status("training", "live-job", "InProgress")
    base = _now_ms() - 100_000
    writer.put(TRAINING_GROUP, "live-job/algo-1-1", [(base, "starting")])
    describes: list[int] = []
    real_status = logs_output._status_of

    def counting_status(inv: Any, kind: str, name: str) -> str | None:
        describes.append(1)
        return real_status(inv, kind, name)

    def on_sleep(n: int) -> None:
        if n <= 25:
            writer.put(TRAINING_GROUP, "live-job/algo-1-1", [(base + n * 1000, f"step {n}")])
        if n == 25:
            _set_status("training", "live-job", "Failed")
            writer.put(TRAINING_GROUP, "live-job/algo-2-1", [(base + 99_000, "last words")])

    fake = FakeTime(on_sleep)
    monkeypatch.setattr(logs_output, "time", fake)

    result = run_cli("training-logs", "live-job", "--follow")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("algo-1 | starting")
    assert [line.split("| ")[1] for line in lines[1:26]] == [f"step {n}" for n in range(1, 26)]
    assert lines[-1].endswith("algo-2 | last words")
    assert "is Failed" in result.stderr
    # Polls every 3 s (config poll.logs), status only every 30 s: far fewer describes.
    assert fake.sleeps >= 25
    assert len(describes) <= 1 + fake.now // 30 + 1


def test_processing_logs_follow_json_lines(
    writer: LogWriter, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.cli import logs_output

    result = run_cli(
        "processing-create", "proc-live", IMAGE, "s3://bucket/in", "s3://bucket/out", "--role", ROLE
    )
    assert result.exit_code == 0, result.stderr
    _set_status("processing", "proc-live", "InProgress")
    base = _now_ms() - 50_000

    def on_sleep(n: int) -> None:
        if n == 1:  # the first instance starts logging, and the job ends
            writer.put(PROCESSING_GROUP, "proc-live/algo-1-1", [(base, "one"), (base + 1, "two")])
            _set_status("processing", "proc-live", "Completed")

    monkeypatch.setattr(logs_output, "time", FakeTime(on_sleep))
    monkeypatch.setattr(logs_output, "STATUS_CHECK_SECONDS", 0.0)

    result = run_cli("--json", "processing-logs", "proc-live", "--follow")

    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["message"] for r in rows] == ["one", "two"]
    assert rows[0]["host"] == "algo-1"
    assert "note: no logs yet for processing job proc-live; waiting" in result.stderr
