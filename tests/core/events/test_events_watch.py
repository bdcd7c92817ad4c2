"""``smconsole watch``: from the events queue (a real rule and queue on moto), from a poll
diff of the listings without one, and Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.events.records import ResourceKey
from console.events.watch import PollDiffSource, Snapshot, WatchFilter, diff, format_line
from tests.support.events import EventsStack, job_detail, node_detail
from tests.support.hostile import HOSTILE
from tests.support.moto_server import MotoServer

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_watch_json_from_the_queue(aws: MotoServer, run_cli: Any, monkeypatch: Any) -> None:
    stack = EventsStack.create(aws)
    monkeypatch.setenv("SMCONSOLE_EVENTS_QUEUE_URL", stack.queue_url)
    stack.put(*job_detail("endpoint", "ep-1", "InService", T0), when=T0)
    stack.put(*job_detail("training", "bad-1", "Failed", T0), when=T0)
    stack.put(*node_detail("hp", "i-1", "Unschedulable"), when=T0)
    result = run_cli("watch", "--json", "--kind", "jobs", "--filter", "BAD", "--count", "1")
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["kind"], x["name"], x["status"]) for x in lines] == [("training", "bad-1", "Failed")]
    assert lines[0]["time"].startswith("2026-03-01T12:00:00")


def test_watch_lines_from_the_queue_are_sanitised(
    aws: MotoServer, run_cli: Any, monkeypatch: Any
) -> None:
    stack = EventsStack.create(aws)
    monkeypatch.setenv("SMCONSOLE_EVENTS_QUEUE_URL", stack.queue_url)
    detail_type, detail = job_detail("training", "j", "Failed", T0)
    detail["FailureReason"] = HOSTILE
    stack.put(detail_type, detail, when=T0)
    result = run_cli("watch", "--count", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("2026-03-01T12:00:00Z training j Failed  job ")
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout


def test_watch_a_missing_queue_is_one_error(
    aws: MotoServer, run_cli: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SMCONSOLE_EVENTS_QUEUE_URL", f"{aws.url}/123456789012/nope")
    result = run_cli("watch", "--count", "1")
    assert result.exit_code != 0
    assert "error: events queue" in result.stderr
    assert "Traceback" not in result.stderr


def test_watch_unknown_kind_is_refused(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("watch", "--kind", "jobz")
    assert result.exit_code == 2
    assert "jobz" in result.stderr


def test_watch_polls_and_diffs_without_a_queue(aws: MotoServer, run_cli: Any) -> None:
    sm = aws.client("sagemaker")
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/i:1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName="cfg",
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": "m",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )

    def later() -> None:
        time.sleep(2.5)
        sm.create_endpoint(EndpointName="late-ep", EndpointConfigName="cfg")

    thread = threading.Thread(target=later)
    thread.start()
    result = run_cli("watch", "--json", "--interval", "1", "--count", "1")
    thread.join()
    assert result.exit_code == 0, result.stderr
    change = json.loads(result.stdout.splitlines()[0])
    assert (change["kind"], change["name"], change["detail_type"]) == (
        "endpoint",
        "late-ep",
        "poll",
    )


def test_poll_diff_reports_new_and_changed_only() -> None:
    a, b = ResourceKey("training", "a"), ResourceKey("endpoint", "b")
    before: Snapshot = {a: ("InProgress", T0, "arn-a"), b: ("InService", T0, "arn-b")}
    after = {
        a: ("Completed", T0, "arn-a"),
        b: ("InService", T0, "arn-b"),
        ResourceKey("training", "c"): ("InProgress", None, "arn-c"),
    }
    changes = diff(before, after, T0)
    assert [(c.name, c.status) for c in changes] == [("a", "Completed"), ("c", "InProgress")]
    assert format_line(changes[0]) == "2026-03-01T12:00:00Z training a Completed"
    assert WatchFilter(frozenset({"endpoint"})).matches(changes[0]) is False


def test_poll_diff_source_stops_when_told() -> None:
    snapshots: Iterator[Snapshot] = iter(
        [{}, {ResourceKey("cluster", "hp"): ("InService", None, "")}]
    )
    source = PollDiffSource(lambda: next(snapshots), 0.01)
    stop = threading.Event()
    stream = source.changes(stop)
    first = next(stream)
    assert (first.kind, first.name) == ("cluster", "hp")
    stop.set()
    assert list(stream) == []


def test_ctrl_c_ends_watch_cleanly(aws: MotoServer, tmp_path: Path) -> None:
    stack = EventsStack.create(aws)
    env = dict(os.environ, SMCONSOLE_EVENTS_QUEUE_URL=stack.queue_url, AWS_ENDPOINT_URL=aws.url)
    # Ctrl+C as a terminal delivers it: SIGINT at its default disposition, even when this
    # test runs under a shell's background job (which starts with SIGINT ignored).
    code = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from console.cli.main import main; raise SystemExit(main(['watch']))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        banner = proc.stderr.readline()  # watching: …: the long poll is under way
        assert "watching: events queue" in banner
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "waiting for sqs ReceiveMessage" not in err  # a long poll is no slow call


def test_watch_finds_the_queue_in_the_terraform_outputs(
    aws: MotoServer, run_cli: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    stack = EventsStack.create(aws)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"events_queue_url": {"value": stack.queue_url}}))
    monkeypatch.setenv("SMCONSOLE_TERRAFORM_OUTPUTS_FILE", str(outputs))
    stack.put(*job_detail("tuning", "hpo-1", "Completed", T0), when=T0)
    result = run_cli("watch", "--count", "1")
    assert result.exit_code == 0, result.stderr
    assert "watching: events queue" in result.stderr
    assert result.stdout.strip() == "2026-03-01T12:00:00Z tuning hpo-1 Completed"


def test_watch_fires_alert_rules(
    aws: MotoServer, run_cli: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    stack = EventsStack.create(aws)
    out = tmp_path / "alert.txt"
    script = (
        "import os,sys; open(sys.argv[1],'a').write(os.environ['SMCONSOLE_ALERT_MESSAGE']+'\\n')"
    )
    config = tmp_path / "c.toml"
    config.write_text(
        f'events_queue_url = {json.dumps(stack.queue_url)}\n\n[[alerts]]\nwhen = "job-failed"\n'
        f'match = "prod-*"\ncommand = {json.dumps([sys.executable, "-c", script, str(out)])}\n'
    )
    stack.put(*job_detail("training", "dev-1", "Failed", T0), when=T0)
    stack.put(*job_detail("training", "prod-1", "Failed", T0), when=T0)
    result = run_cli("--config", str(config), "watch", "--count", "2")
    assert result.exit_code == 0, result.stderr
    deadline = time.monotonic() + 20
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert out.read_text() == "training job prod-1 failed\n"


def test_a_long_poll_is_not_reported_as_a_slow_call(aws: MotoServer) -> None:
    """`watch` long-polls for 20 s by design: the slow-call notice must not fire for it,
    while any other call on the same client that takes as long still is reported."""
    from console.aws.call_watch import CallWatch

    stack = EventsStack.create(aws, name="long-poll-quiet")
    said: list[str] = []
    watch = CallWatch(said.append, after=0.2, every=0.2)
    sqs = aws.client("sqs")
    watch.install(sqs.meta.events, "sqs")
    sqs.receive_message(QueueUrl=stack.queue_url, WaitTimeSeconds=1)
    time.sleep(0.3)
    assert said == []

    # The same client, a call that is not a long poll, held past the limit: reported.
    def held(**_: Any) -> None:
        time.sleep(0.6)  # returns None: botocore then sends the request itself

    sqs.meta.events.register("before-send.sqs.GetQueueAttributes", held)
    sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])
    assert said and said[0].startswith("waiting for sqs GetQueueAttributes")


def test_watch_read_only_does_not_publish_alerts_and_says_so_once(
    aws: MotoServer, run_cli: Any, tmp_path: Path
) -> None:
    stack = EventsStack.create(aws, name="watch-read-only")
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name="watch-ro-alerts")["TopicArn"]
    inbox = sqs.create_queue(QueueName="watch-ro-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn["Attributes"]["QueueArn"])
    config = tmp_path / "c.toml"
    config.write_text(
        f"events_queue_url = {json.dumps(stack.queue_url)}\n\n[[alerts]]\n"
        f'when = "job-failed"\nbell = false\ndesktop = false\nsns_topic = {json.dumps(topic)}\n'
    )
    stack.put(*job_detail("training", "ro-1", "Failed", T0), when=T0)
    stack.put(*job_detail("training", "ro-2", "Failed", T0), when=T0)
    result = run_cli("--config", str(config), "--read-only", "watch", "--count", "2")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2  # both alerts' changes printed
    assert result.stderr.count("read-only mode: alert-publish") == 1
    assert "Messages" not in sqs.receive_message(QueueUrl=inbox, WaitTimeSeconds=0)
