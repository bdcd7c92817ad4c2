"""Alert actions and the endpoint 5xx rule against the moto server: an alert published to
a real SNS topic is read back from an SQS queue subscribed to it; the 5xx rate comes from
CloudWatch (GetMetricData) and opens one incident until it falls back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from console.aws.session import AwsContext, SessionFactory
from console.config import load_config
from console.context import ConsoleContext
from console.errors import ConfigError
from console.events.alerts import (
    Alert,
    AlertEngine,
    AlertPublisher,
    publish_sns,
    rules_from_config,
)
from console.events.endpoint_errors import HIGH, OK, as_change, check_endpoints, error_rate
from console.events.records import ResourceChanged
from tests.support.helpers import audit_records
from tests.support.hostile import HOSTILE
from tests.support.moto_server import MotoServer

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _factory(aws: MotoServer) -> SessionFactory:
    return SessionFactory(AwsContext(region="us-east-1", endpoint_url=aws.url))


def _inbox(aws: MotoServer, name: str) -> tuple[str, str]:
    """An SNS topic with an SQS queue subscribed to it: (topic ARN, queue URL)."""
    sns = aws.client("sns")
    sqs = aws.client("sqs")
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def test_an_alert_is_published_to_the_topic_and_read_back(aws: MotoServer) -> None:
    sqs = aws.client("sqs")
    topic, queue = _inbox(aws, "smconsole-alerts")
    [rule] = rules_from_config([{"name": "prod", "when": "job-failed", "sns_topic": topic}])
    change = ResourceChanged(
        kind="training", name="bert-7", arn="", status="Failed", event_time=T0, reason=HOSTILE
    )
    message_id = publish_sns(_factory(aws), Alert(rule, change))
    assert message_id
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    body = json.loads(json.loads(messages[0]["Body"])["Message"])
    assert body["message"] == "training job bert-7 failed"
    assert body["rule"] == "prod"
    assert "\x1b" not in body["reason"]  # the change's text was sanitised when made


def test_no_topic_publishes_nothing_and_a_bad_topic_is_refused(aws: MotoServer) -> None:
    [rule] = rules_from_config([{"when": "job-failed"}])
    change = ResourceChanged(kind="training", name="x", arn="", status="Failed", event_time=T0)
    assert publish_sns(_factory(aws), Alert(rule, change)) == ""
    with pytest.raises(ConfigError, match="sns_topic"):
        rules_from_config([{"when": "job-failed", "sns_topic": "arn:aws:sqs:x"}])
    with pytest.raises(ConfigError, match="threshold"):
        rules_from_config([{"when": "endpoint-5xx", "threshold": 3}])


def _put(aws: MotoServer, endpoint: str, errors: float, invocations: float, when: datetime) -> None:
    dims = [
        {"Name": "EndpointName", "Value": endpoint},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    aws.client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocation5XXErrors",
                "Dimensions": dims,
                "Value": errors,
                "Timestamp": when,
            },
            {
                "MetricName": "Invocations",
                "Dimensions": dims,
                "Value": invocations,
                "Timestamp": when,
            },
        ],
    )


def test_the_5xx_rate_alerts_once_per_incident(aws: MotoServer) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _put(aws, "churn-ep", 12, 100, now - timedelta(minutes=1))
    [rule] = rules_from_config([{"name": "5xx", "when": "endpoint-5xx", "threshold": 0.05}])
    engine = AlertEngine([rule], min_interval=0)
    rate = error_rate(_factory(aws), "churn-ep", ["AllTraffic"], now=now)
    assert (rate.errors, rate.invocations) == (12, 100)
    change = as_change(rate, rule.threshold, now)
    assert change.status == HIGH
    [alert] = engine.evaluate(change, only=rule)
    assert alert.message() == "endpoint churn-ep answers 5xx above 5%"
    # The same incident, told again.
    assert engine.evaluate(as_change(rate, rule.threshold, now), only=rule) == []
    # Recovered (no errors in the window), then high again: a new incident.
    quiet = error_rate(_factory(aws), "churn-ep", ["AllTraffic"], now=now + timedelta(minutes=30))
    assert as_change(quiet, rule.threshold).status == OK
    assert engine.evaluate(as_change(quiet, rule.threshold), only=rule) == []
    assert len(engine.evaluate(change, only=rule)) == 1
    # A 5xx change is judged only by the rule whose threshold built it.
    assert engine.evaluate(change) == []


def test_check_endpoints_finds_endpoints_from_cloudwatch_alone(aws: MotoServer) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _put(aws, "fraud-ep", 30, 100, now - timedelta(minutes=1))
    _put(aws, "calm-ep", 0, 100, now - timedelta(minutes=1))
    engine = AlertEngine(rules_from_config([{"when": "endpoint-5xx", "match": "*-ep"}]))
    fired = check_endpoints(_factory(aws), engine, now=now)
    assert [a.change.name for a in fired] == ["fraud-ep"]
    assert check_endpoints(_factory(aws), engine, now=now) == []  # once per incident


def test_two_5xx_rules_never_close_each_others_incidents(aws: MotoServer) -> None:
    """Two unnamed ``endpoint-5xx`` rules (both called "endpoint-5xx"), 5 % and 50 %: at
    12 % the 5 % rule's incident stays open while the 50 % rule sees no incident, round
    after round (it used to close the other's incident: an alert every minute)."""
    now = datetime.now(UTC).replace(microsecond=0)
    _put(aws, "twin-ep", 12, 100, now - timedelta(minutes=1))
    _put(aws, "twin-ep", 60, 100, now + timedelta(minutes=29))
    low, high = rules_from_config(
        [
            {"when": "endpoint-5xx", "match": "twin-*", "threshold": 0.05},
            {"when": "endpoint-5xx", "match": "twin-*", "threshold": 0.5},
        ]
    )
    assert low.name == high.name  # the collision the incident key must survive
    engine = AlertEngine([low, high], min_interval=0)
    factory = _factory(aws)
    [first] = check_endpoints(factory, engine, now=now)
    assert first.rule is low
    for _ in range(3):  # later rounds, same rate: nothing new
        assert check_endpoints(factory, engine, now=now) == []
    # 60 %: the 50 % rule's own incident opens, once; the 5 % one is still the same.
    later = now + timedelta(minutes=30)
    [second] = check_endpoints(factory, engine, now=later)
    assert second.rule is high
    assert check_endpoints(factory, engine, now=later) == []
    # Back to 12 %: the 50 % incident closes, the 5 % one stays open (no new alert).
    assert check_endpoints(factory, engine, now=now) == []


def _failed(name: str) -> ResourceChanged:
    return ResourceChanged(kind="training", name=name, arn="", status="Failed", event_time=T0)


def test_read_only_refuses_publishing_alerts_and_says_so_once(aws: MotoServer) -> None:
    """Publishing is a write (not to SageMaker, but a write): read-only refuses it before
    anything is sent, with one refused audit record and one notice however many alerts
    fire; allowed, the same publisher publishes."""
    topic, queue = _inbox(aws, "smconsole-alerts-ro")
    [rule] = rules_from_config([{"name": "prod", "when": "job-failed", "sns_topic": topic}])
    context = ConsoleContext(load_config(overrides={"read_only": True}))
    told: list[str] = []
    publisher = AlertPublisher(context.sessions, context.gate, told=told.append)
    assert publisher.publish(Alert(rule, _failed("a-1"))) == ""
    assert publisher.publish(Alert(rule, _failed("a-2"))) == ""
    assert len(told) == 1
    assert told[0].startswith("read-only mode: alert-publish")
    assert "none is published to SNS" in told[0]
    refused = [r for r in audit_records() if r["action"] == "alert-publish"]
    assert [(r["outcome"], r["target"]) for r in refused] == [("refused", topic)]
    sqs = aws.client("sqs")
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)

    allowed = ConsoleContext(load_config(overrides={"read_only": False}))
    publisher = AlertPublisher(allowed.sessions, allowed.gate, told=told.append)
    assert publisher.publish(Alert(rule, _failed("a-3")))
    [message] = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert json.loads(json.loads(message["Body"])["Message"])["name"] == "a-3"
    assert len(told) == 1  # nothing more said
