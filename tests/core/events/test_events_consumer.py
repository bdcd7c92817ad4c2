"""The events consumer against the moto server: a real EventBridge rule on the default
bus routing SageMaker events (their documented shapes) to a real SQS queue."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from console.aws.session import AwsContext, SessionFactory
from console.events.consumer import EventConsumer
from console.events.health import EventsState, HealthTracker
from console.events.parse import DETAIL_TYPES, parse_body
from console.events.records import ResourceChanged, ResourceKey, expand_kinds
from console.sanitize import is_clean
from tests.support.events import (
    EventsStack,
    job_detail,
    node_detail,
    package_detail,
    sagemaker_event,
)
from tests.support.hostile import CORPUS, HOSTILE
from tests.support.moto_server import MotoServer

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _consumer(aws: MotoServer, stack: EventsStack, seen: list[ResourceChanged]) -> EventConsumer:
    factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url))

    def handler(changes: Sequence[ResourceChanged]) -> None:
        seen.extend(changes)

    return EventConsumer(factory, stack.queue_url, handler, wait_seconds=1)


def test_rule_routes_events_to_the_queue_and_they_become_changes(aws: MotoServer) -> None:
    stack = EventsStack.create(aws)
    seen: list[ResourceChanged] = []
    consumer = _consumer(aws, stack, seen)
    stack.put(*job_detail("training", "bert-1", "Failed", T0), when=T0)
    stack.put(*node_detail("hp-1", "i-0abc", "UnschedulablePendingReplacement"), when=T0)
    stack.put(*package_detail("churn", 3, "PendingManualApproval", T0), when=T0)
    result = consumer.poll_once()
    assert not result.error
    by_kind = {c.kind: c for c in seen}
    assert by_kind["training"].name == "bert-1"
    assert by_kind["training"].status == "Failed"
    assert by_kind["training"].modified == T0
    assert by_kind["training"].reason.startswith("AlgorithmError")
    assert by_kind["cluster-node"].name == "i-0abc"
    assert by_kind["cluster-node"].parent == "hp-1"
    assert by_kind["model-package"].name == "churn/3"
    assert by_kind["model-package"].status == "PendingManualApproval"
    assert stack.depth() == 0  # applied, then deleted
    assert consumer.health.snapshot().state is EventsState.FLOWING


def test_burst_for_one_resource_is_one_refresh_with_the_newest_state(aws: MotoServer) -> None:
    stack = EventsStack.create(aws)
    seen: list[ResourceChanged] = []
    consumer = _consumer(aws, stack, seen)
    statuses = ["InProgress"] * 40 + ["Completed"]
    # Sent newest first: the queue's order is no guide.
    for i, status in reversed(list(enumerate(statuses))):
        stack.put(*job_detail("training", "big", status, T0 + timedelta(seconds=i)), when=T0)
    consumer.poll_once()
    assert [(c.name, c.status) for c in seen] == [("big", "Completed")]
    assert stack.depth() == 0


def test_duplicates_and_older_events_change_nothing(aws: MotoServer) -> None:
    stack = EventsStack.create(aws)
    seen: list[ResourceChanged] = []
    consumer = _consumer(aws, stack, seen)
    later = T0 + timedelta(minutes=5)
    body = json.dumps(
        sagemaker_event(*job_detail("training", "j", "Completed", later), when=later, event_id="x1")
    )
    stack.send_raw(body)
    consumer.poll_once()
    stack.send_raw(body)  # redelivered
    stack.put(*job_detail("training", "j", "InProgress", T0), when=T0)  # older, late
    consumer.poll_once()
    assert [(c.name, c.status) for c in seen] == [("j", "Completed")]
    assert stack.depth() == 0


def test_a_describe_newer_than_the_event_wins(aws: MotoServer) -> None:
    stack = EventsStack.create(aws)
    seen: list[ResourceChanged] = []
    consumer = _consumer(aws, stack, seen)
    consumer.ledger.observe(ResourceKey("endpoint", "ep"), T0 + timedelta(minutes=1), "InService")
    stack.put(*job_detail("endpoint", "ep", "Creating", T0), when=T0)
    consumer.poll_once()
    assert seen == []


def test_a_failing_handler_deletes_nothing(aws: MotoServer) -> None:
    stack = EventsStack.create(aws)
    factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url))

    def broken(changes: Sequence[ResourceChanged]) -> None:
        raise RuntimeError("view gone")

    consumer = EventConsumer(factory, stack.queue_url, broken, wait_seconds=1)
    stack.put(*job_detail("training", "j", "Failed", T0), when=T0)
    try:
        consumer.poll_once()
    except RuntimeError:
        pass
    else:
        raise AssertionError("the handler's failure must surface")
    assert stack.depth() == 1


def test_a_deleted_queue_falls_back_to_polling(aws: MotoServer) -> None:
    stack = EventsStack.create(aws)
    seen: list[ResourceChanged] = []
    consumer = _consumer(aws, stack, seen)
    consumer.poll_once()
    assert consumer.health.poll_interval(15) == HealthTracker.SAFETY_NET
    stack.sqs.delete_queue(QueueUrl=stack.queue_url)
    result = consumer.poll_once()
    health = consumer.health.snapshot()
    assert result.error
    assert health.state is EventsState.MISSING
    assert "missing" in health.label()
    assert consumer.health.poll_interval(15) == 15


def test_silence_falls_back_to_polling() -> None:
    now = [0.0]
    tracker = HealthTracker(silent_after=60, clock=lambda: now[0])
    assert tracker.snapshot().state is EventsState.STARTING
    tracker.read_ok(events=1)
    assert tracker.snapshot().pushing
    now[0] = 61
    tracker.read_ok(events=0)
    assert tracker.snapshot().state is EventsState.SILENT
    assert tracker.poll_interval(10) == 10
    tracker.read_ok(events=2)
    assert tracker.snapshot().pushing
    assert HealthTracker(configured=False).snapshot().label() == "polling"


def test_events_not_ours_are_ignored_and_hostile_text_is_inert() -> None:
    assert parse_body("not json") is None
    assert parse_body(json.dumps({"source": "aws.ec2", "detail-type": "x", "detail": {}})) is None
    assert parse_body(json.dumps([1, 2])) is None
    for text in (*CORPUS, HOSTILE):
        detail_type, detail = job_detail("training", "j", "Failed", T0)
        detail["TrainingJobName"] = text
        detail["FailureReason"] = text
        change = parse_body(json.dumps(sagemaker_event(detail_type, detail, when=T0)))
        if change is None:
            continue
        assert is_clean(change.name) and is_clean(change.reason)


def test_sns_wrapped_event_parses() -> None:
    inner = sagemaker_event(*job_detail("processing", "p", "Completed", T0), when=T0)
    body = json.dumps({"Type": "Notification", "Message": json.dumps(inner)})
    change = parse_body(body)
    assert change is not None and (change.kind, change.name) == ("processing", "p")


def test_kind_groups() -> None:
    assert expand_kinds("jobs,endpoints") >= {"training", "tuning", "endpoint"}
    assert expand_kinds("nodes") == {"cluster-node"}
    try:
        expand_kinds("jobz")
    except ValueError as exc:
        assert str(exc) == "jobz"
    else:
        raise AssertionError


def test_runner_routes_changes_to_the_views_that_show_them(aws: MotoServer) -> None:
    import threading

    from console.events.router import EventsRunner, RefreshRouter

    stack = EventsStack.create(aws)
    factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url))
    router = RefreshRouter()
    jobs: list[str] = []
    endpoints: list[str] = []
    arrived = threading.Event()
    router.subscribe({"training", "processing"}, lambda cs: jobs.extend(c.name for c in cs))

    def on_endpoint(changes: Sequence[ResourceChanged]) -> None:
        endpoints.extend(change.name for change in changes)
        arrived.set()

    unsubscribe = router.subscribe({"endpoint"}, on_endpoint)
    runner = EventsRunner(factory, stack.queue_url, router, wait_seconds=1)
    runner.start()
    try:
        stack.put(*job_detail("training", "t-1", "Completed", T0), when=T0)
        stack.put(*job_detail("endpoint", "ep-1", "InService", T0), when=T0)
        assert arrived.wait(15)
        deadline = time.monotonic() + 10
        while not jobs and time.monotonic() < deadline:
            time.sleep(0.05)
        assert jobs == ["t-1"] and endpoints == ["ep-1"]
        assert runner.health.pushing
        assert runner.poll_interval(15) == HealthTracker.SAFETY_NET
        unsubscribe()
        stack.put(*job_detail("endpoint", "ep-2", "InService", T0), when=T0)
        deadline = time.monotonic() + 10
        while stack.depth() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert endpoints == ["ep-1"]
    finally:
        runner.stop(timeout=5)


def test_sns_fan_out_feeds_every_console_queue(aws: MotoServer) -> None:
    """The tf/ sharing model's topic -> queue leg on moto: one topic, one queue per console
    (raw delivery as tf/ sets it, and the wrapped form). moto 5 cannot route an EventBridge
    rule to an SNS target (NotImplementedError in Rule.send_to_targets), so the event is
    published as EventBridge would publish it; the rule -> queue leg is tested above."""
    sqs, sns = aws.client("sqs"), aws.client("sns")
    topic = sns.create_topic(Name="console-events")["TopicArn"]
    queues = []
    for name, raw in (("alice", "true"), ("bob", "false")):
        url = sqs.create_queue(QueueName=f"console-events-{name}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": raw}
        )
        queues.append(url)
    event = sagemaker_event(*job_detail("training", "shared", "Failed", T0), when=T0)
    sns.publish(TopicArn=topic, Message=json.dumps(event))
    factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url))
    for url in queues:
        seen: list[ResourceChanged] = []
        EventConsumer(factory, url, seen.extend, wait_seconds=1).poll_once()
        assert [(c.name, c.status) for c in seen] == [("shared", "Failed")]
    assert DETAIL_TYPES[0] == event["detail-type"]


def test_an_idle_queue_is_live_at_once_not_after_a_whole_long_poll(aws: MotoServer) -> None:
    """The first receive does not wait: until it answers the console polls at its normal
    pace (16 SageMaker calls of Jobs polls in the 20 s of a first long poll, measured by
    bench/three_consoles.py); after it, the receives are long polls again."""
    import threading

    stack = EventsStack.create(aws, "idle-start")
    factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url))
    consumer = EventConsumer(factory, stack.queue_url, lambda _: None, wait_seconds=20)
    waits: list[int] = []
    receive = consumer._receive

    def counted(wait: int) -> list[dict[str, object]]:
        waits.append(wait)
        return receive(wait)

    consumer._receive = counted  # type: ignore[method-assign]
    stop = threading.Event()
    runner = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    started = time.monotonic()
    runner.start()
    try:
        while consumer.health.snapshot().state is not EventsState.FLOWING:
            assert time.monotonic() - started < 10, consumer.health.snapshot()
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while len(waits) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert waits[:2] == [0, 20]
    finally:
        stop.set()
        stack.put(*job_detail("training", "wake", "Failed", T0), when=T0)  # ends the poll
        runner.join(25)
