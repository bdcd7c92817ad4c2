"""tf/events.tf's whole path on moto: rule -> SNS topic -> one queue per console.

moto cannot route a rule to an SNS target by itself; ``route_rules_to_sns`` adds that leg
(the bench of the reviewer's three-console check runs on it, bench/three_consoles.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.aws.session import AwsContext, SessionFactory
from console.events.consumer import EventConsumer
from console.events.records import ResourceChanged
from tests.support.events import FanOutStack, job_detail, route_rules_to_sns
from tests.support.moto_server import MotoServer

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_a_rule_event_reaches_every_console_queue_through_the_topic(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    route_rules_to_sns(monkeypatch)
    stack = FanOutStack.create(aws, 3, name="fan-out-test")
    stack.put(*job_detail("training", "fanned", "Failed", T0), when=T0)
    factory = SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url))
    for url in stack.queue_urls:
        seen: list[ResourceChanged] = []
        EventConsumer(factory, url, seen.extend, wait_seconds=1).poll_once()
        assert [(c.kind, c.name, c.status) for c in seen] == [("training", "fanned", "Failed")]


def test_an_event_the_rule_does_not_match_reaches_no_queue(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    route_rules_to_sns(monkeypatch)
    stack = FanOutStack.create(aws, 2, name="fan-out-unmatched")
    answer = stack.events.put_events(
        Entries=[{"Source": "aws.ec2", "DetailType": "EC2 Instance State-change", "Detail": "{}"}]
    )
    assert answer["FailedEntryCount"] == 0
    for url in stack.queue_urls:
        messages = stack.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
        assert messages.get("Messages", []) == []
