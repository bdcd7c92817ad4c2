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


def fast_moto_receive(monkeypatch: Any) -> None:
    """moto's ReceiveMessage reads all of a queue's attributes for each message it hands
    out, and each count among them scans the whole queue: ~0.6 s per receive with 500
    messages queued, where SQS answers in tens of milliseconds. Its retention check needs
    one number: read it directly. For benches (``start_moto_process(
    "tests.support.events:fast_moto_receive")``), so a burst measures the console, not moto.
    """
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def valid(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return bool(retain_until > unix_time())

    monkeypatch.setattr(SQSBackend, "is_message_valid_based_on_retention_period", valid)
