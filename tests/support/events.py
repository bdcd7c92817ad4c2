"""SageMaker EventBridge events for tests: the documented shapes, a real rule and queue.

``sagemaker_event`` builds an event the way SageMaker sends it (``source``,
``detail-type``, ``detail`` with the resource's Describe-like fields, ``LastModifiedTime``
in epoch milliseconds); ``EventsStack`` creates, on the moto server, an EventBridge rule on
the default bus for the SageMaker detail types with the SQS queue as its target, and
puts events through ``PutEvents`` so they reach the queue the way AWS routes them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.events.parse import DETAIL_TYPES, SOURCE

# detail-type -> (name field, status field) for the job-like kinds.
_FIELDS = {
    "training": ("SageMaker Training Job State Change", "TrainingJob"),
    "processing": ("SageMaker Processing Job State Change", "ProcessingJob"),
    "transform": ("SageMaker Transform Job State Change", "TransformJob"),
    "tuning": ("SageMaker HyperParameter Tuning Job State Change", "HyperParameterTuningJob"),
    "endpoint": ("SageMaker Endpoint State Change", "Endpoint"),
}
_ARN_KIND = {
    "training": "training-job",
    "processing": "processing-job",
    "transform": "transform-job",
    "tuning": "hyper-parameter-tuning-job",
    "endpoint": "endpoint",
}
ACCOUNT = "123456789012"


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def job_detail(kind: str, name: str, status: str, modified: datetime) -> tuple[str, dict[str, Any]]:
    """(detail-type, detail) of a job/endpoint state change."""
    detail_type, prefix = _FIELDS[kind]
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:{_ARN_KIND[kind]}/{name}"
    detail: dict[str, Any] = {
        f"{prefix}Name": name,
        f"{prefix}Arn": arn,
        f"{prefix}Status": status,
        "CreationTime": _ms(modified) - 60_000,
        "LastModifiedTime": _ms(modified),
    }
    if status == "Failed":
        detail["FailureReason"] = "AlgorithmError: out of memory"
    return detail_type, detail


def node_detail(cluster: str, instance: str, health: str) -> tuple[str, dict[str, Any]]:
    return "SageMaker HyperPod Cluster Node Health Event", {
        "ClusterArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:cluster/{cluster}",
        "ClusterName": cluster,
        "InstanceGroupName": "workers",
        "InstanceId": instance,
        "HealthSummary": {
            "HealthStatus": health,
            "HealthStatusReason": "GPU XID 79: fell off the bus",
            "RepairAction": "Replace",
        },
    }


def package_detail(
    group: str, version: int, approval: str, modified: datetime
) -> tuple[str, dict[str, Any]]:
    return "SageMaker Model Package State Change", {
        "ModelPackageGroupName": group,
        "ModelPackageVersion": version,
        "ModelPackageArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/{group}/{version}",
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": approval,
        "CreationTime": _ms(modified),
        "LastModifiedTime": _ms(modified),
    }


def sagemaker_event(
    detail_type: str, detail: dict[str, Any], *, when: datetime, event_id: str = "e-1"
) -> dict[str, Any]:
    """A whole EventBridge event as delivered to an SQS target."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": SOURCE,
        "account": ACCOUNT,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def put_event(events: Any, detail_type: str, detail: dict[str, Any], *, when: datetime) -> None:
    """``PutEvents`` of one SageMaker event on the default bus (its rules route it)."""
    answer = events.put_events(
        Entries=[
            {
                "Source": SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "Time": when,
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0, answer


@dataclass
class EventsStack:
    """A rule on the default bus routing SageMaker events to a queue, on the moto server."""

    events: Any
    sqs: Any
    queue_url: str

    @classmethod
    def create(cls, server: Any, name: str = "smconsole-events") -> EventsStack:
        sqs = server.client("sqs")
        events = server.client("events")
        queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        pattern = {"source": [SOURCE], "detail-type": list(DETAIL_TYPES)}
        events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
        events.put_targets(Rule=name, Targets=[{"Id": "console", "Arn": queue_arn}])
        return cls(events, sqs, queue_url)

    def put(self, detail_type: str, detail: dict[str, Any], *, when: datetime) -> None:
        """Put one event on the default bus (the rule routes it to the queue)."""
        put_event(self.events, detail_type, detail, when=when)

    def send_raw(self, body: str) -> None:
        """A message straight into the queue (a duplicate delivery, or junk)."""
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)

    def depth(self) -> int:
        """Messages still in the queue (visible or in flight)."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


def route_rules_to_sns(monkeypatch: Any) -> None:
    """Let moto's EventBridge rules deliver to SNS topic targets, as AWS does.

    moto 5 raises NotImplementedError for an SNS target (``Rule.send_to_targets``); tf/
    routes the rule to a topic that fans out to one queue per console. The event is
    published whole (JSON, ``time`` in ISO form, as the SQS target gets it); the topic
    then delivers it to its subscriptions (raw delivery as tf/ sets it). Other targets go
    through moto's own code. Usable in a moto child process
    (``start_moto_process("tests.support.events:route_rules_to_sns")``) or in-process.
    """
    from moto.events.models import Rule
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    original = Rule.send_to_targets
    lock = threading.Lock()

    def send_to_targets(self: Any, event: dict[str, Any], transform_input: bool = True) -> None:
        topics = [t for t in self.targets if parse_arn(t["Arn"]).service == "sns"]
        if topics and self.event_pattern.matches_event(event):
            body = dict(event)
            if isinstance(body.get("time"), int | float):
                body["time"] = datetime.fromtimestamp(body["time"], UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
            for target in topics:
                arn = parse_arn(target["Arn"])
                backend = sns_backends[arn.account][arn.region]
                backend.get_topic(target["Arn"]).publish(json.dumps(body, default=str))
        if len(topics) == len(self.targets):
            return
        with lock:  # moto's own code for the rest: the rule's targets without the topics
            every = self.targets
            self.targets = [t for t in every if t not in topics]
            try:
                original(self, event, transform_input)
            finally:
                self.targets = every

    monkeypatch.setattr(Rule, "send_to_targets", send_to_targets)


@dataclass
class FanOutStack:
    """tf/events.tf on a moto server: a rule on the default bus -> an SNS topic -> one SQS
    queue per console (raw message delivery). Needs :func:`route_rules_to_sns` in the
    server's process."""

    events: Any
    sqs: Any
    topic_arn: str
    queue_urls: list[str]

    @classmethod
    def create(cls, server: Any, consoles: int, name: str = "smconsole-events") -> FanOutStack:
        sqs, sns, events = server.client("sqs"), server.client("sns"), server.client("events")
        topic_arn = sns.create_topic(Name=name)["TopicArn"]
        queue_urls = []
        for index in range(consoles):
            url = sqs.create_queue(QueueName=f"{name}-console-{index}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            sns.subscribe(
                TopicArn=topic_arn,
                Protocol="sqs",
                Endpoint=arn,
                Attributes={"RawMessageDelivery": "true"},
            )
            queue_urls.append(url)
        pattern = {"source": [SOURCE], "detail-type": list(DETAIL_TYPES)}
        events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
        events.put_targets(Rule=name, Targets=[{"Id": "fan-out", "Arn": topic_arn}])
        return cls(events, sqs, topic_arn, queue_urls)

    def put(self, detail_type: str, detail: dict[str, Any], *, when: datetime) -> None:
        """Put one event on the default bus (rule -> topic -> every queue)."""
        put_event(self.events, detail_type, detail, when=when)


def fast_moto_sqs(monkeypatch: Any) -> None:
    """moto's SQS made to answer a deep queue about as fast as SQS does, so a burst bench
    measures the console, not moto (``start_moto_process("tests.support.events:
    fast_moto_sqs")``, or in-process with a ``MonkeyPatch``):

    - ReceiveMessage read all of a queue's attributes for each message it hands out, and
      each count among them scans the whole queue (~0.6 s per receive with 500 messages
      queued): its retention check needs one number, read directly.
    - DeleteMessageBatch scanned the queue twice per entry and rebuilt it once per entry:
      one pass per batch (10 entries) here, with moto's own outcome per entry (an unknown
      handle fails, one already deleted succeeds). With 10,000 queued that is the
      difference between minutes of moto CPU beside the console and seconds.
    - SendMessage read all of the queue's attributes (three scans counting its messages)
      for one FIFO setting: sending 10,000 took minutes. A standard queue's is skipped.
    - Which messages are visible read the clock once per message: once per scan here.
    """
    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs.models import Queue, SQSBackend

    sending = threading.local()
    attributes = Queue.attributes.fget  # type: ignore[attr-defined]
    send = SQSBackend.send_message

    def queue_attributes(self: Any) -> dict[str, Any]:
        if getattr(sending, "now", False) and not self.fifo_queue:
            return {}  # what SendMessage reads of it is FIFO-only
        return attributes(self)  # type: ignore[no-any-return]

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        sending.now = True
        try:
            return send(self, *args, **kwargs)
        finally:
            sending.now = False

    def visible_messages(self: Any) -> list[Any]:
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and now >= m.delayed_until]

    def valid(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return bool(retain_until > unix_time())

    def delete_batch(
        self: Any, queue_name: str, receipts: list[dict[str, Any]]
    ) -> tuple[list[str], list[dict[str, Any]]]:
        queue = self.get_queue(queue_name)
        handles = {str(r["ReceiptHandle"]) for r in receipts}
        kept = []
        for message in queue._messages:
            if handles.isdisjoint(message.all_receipt_handles):
                kept.append(message)
                continue
            queue.pending_messages.discard(message)
            queue.deleted_messages.update(message.all_receipt_handles)
        queue._messages = kept
        success: list[str] = []
        errors: list[dict[str, Any]] = []
        for receipt in receipts:
            if receipt["ReceiptHandle"] in queue.deleted_messages:
                success.append(receipt["Id"])
                continue
            words = f'The input receipt handle "{receipt["ReceiptHandle"]}" is not a valid'
            errors.append(
                {  # moto's own answer
                    "Id": receipt["Id"],
                    "SenderFault": True,
                    "Code": "ReceiptHandleIsInvalid",
                    "Message": f"{words} receipt handle.",
                }
            )
        return success, errors

    monkeypatch.setattr(SQSBackend, "is_message_valid_based_on_retention_period", valid)
    monkeypatch.setattr(SQSBackend, "delete_message_batch", delete_batch)
    monkeypatch.setattr(SQSBackend, "send_message", send_message)
    monkeypatch.setattr(Queue, "attributes", property(queue_attributes))
    monkeypatch.setattr(Queue, "messages", property(visible_messages))
