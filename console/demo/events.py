"""The demo on push (issue 18): the simulator's state changes as SageMaker events.

The demo stack creates what ``tf/events.tf`` creates on an account: an SQS queue and an
EventBridge rule on the default bus matching SageMaker's state-change detail types, with
the queue as its target. After each simulator tick, :meth:`DemoEvents.changes` compares
the states of jobs, endpoints, model packages, clusters and nodes with the last tick's and
:meth:`DemoEvents.publish` puts one event per change through moto's EventBridge
(``PutEvents``, source ``aws.sagemaker``, the documented ``detail-type``/``detail``
shapes read by console/events/parse.py), so the rule routes it to the queue as AWS would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from console.events.parse import DETAIL_TYPES, SOURCE

QUEUE_NAME = "smconsole-demo-events"
RULE_NAME = "smconsole-demo-console-events"

_JOBS = (
    # backend attribute, status attribute, detail type, detail prefix
    ("training_jobs", "training_job_status", "SageMaker Training Job State Change", "TrainingJob"),
    (
        "processing_jobs",
        "processing_job_status",
        "SageMaker Processing Job State Change",
        "ProcessingJob",
    ),
    (
        "hyper_parameter_tuning_jobs",
        "hyper_parameter_tuning_job_status",
        "SageMaker HyperParameter Tuning Job State Change",
        "HyperParameterTuningJob",
    ),
    ("endpoints", "endpoint_status", "SageMaker Endpoint State Change", "Endpoint"),
)
_NODE_HEALTH = {"Running": "Schedulable", "Failure": "UnschedulablePendingReplacement"}


def _ms(value: Any) -> int | None:
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(when.timestamp() * 1000)
    return None


def _entry(detail_type: str, detail: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps({k: v for k, v in detail.items() if v is not None}),
        "Time": now,
    }


@dataclass
class DemoEvents:
    """The demo's rule and queue, and the state of the world last published."""

    events: Any
    sqs: Any
    queue_url: str
    published: int = 0
    _last: dict[tuple[str, str], str] = field(default_factory=dict)
    _primed: bool = False

    @classmethod
    def create(cls, session: Any, url: str, config: Any) -> DemoEvents:
        """The queue, the rule on the default bus and its target (as tf/events.tf)."""
        sqs = session.client("sqs", endpoint_url=url, config=config)
        events = session.client("events", endpoint_url=url, config=config)
        queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        pattern = {"source": [SOURCE], "detail-type": list(DETAIL_TYPES)}
        events.put_rule(Name=RULE_NAME, EventPattern=json.dumps(pattern), State="ENABLED")
        events.put_targets(
            Rule=RULE_NAME,
            Targets=[{"Id": "console", "Arn": arn["Attributes"]["QueueArn"]}],
        )
        return cls(events, sqs, queue_url)

    def changes(self, backend: Any, now: datetime) -> list[dict[str, Any]]:
        """PutEvents entries for what changed since the last call (read under the
        simulator's lock; the first call only records the seeded world)."""
        entries = []
        for key, status, detail_type, detail in self._states(backend):
            if self._last.get(key) != status:
                self._last[key] = status
                if self._primed:
                    entries.append(_entry(detail_type, detail, now))
        self._primed = True
        return entries

    def publish(self, entries: list[dict[str, Any]]) -> None:
        """Put the entries on the default bus (outside the simulator's lock)."""
        for start in range(0, len(entries), 10):
            self.events.put_events(Entries=entries[start : start + 10])
            self.published += len(entries[start : start + 10])

    @staticmethod
    def _states(backend: Any) -> Iterator[tuple[tuple[str, str], str, str, dict[str, Any]]]:
        for attribute, status_attr, detail_type, prefix in _JOBS:
            for name, item in list(getattr(backend, attribute).items()):
                status = str(getattr(item, status_attr, "") or "")
                arn = getattr(item, "arn", "")
                detail = {
                    f"{prefix}Name": name,
                    f"{prefix}Arn": arn if isinstance(arn, str) else "",
                    f"{prefix}Status": status,
                    "FailureReason": getattr(item, "failure_reason", None) or None,
                    "CreationTime": _ms(getattr(item, "creation_time", None)),
                    "LastModifiedTime": _ms(getattr(item, "last_modified_time", None)),
                }
                # SageMaker also tells secondary status changes (Downloading, Training…).
                secondary = getattr(item, "secondary_status", None)
                if isinstance(secondary, str) and secondary:
                    detail["SecondaryStatus"] = secondary
                    status = f"{status}/{secondary}"
                yield (attribute, name), status, detail_type, detail
        for arn, package in list(backend.model_packages.items()):
            approval = str(package.model_approval_status or "")
            detail = {
                "ModelPackageGroupName": package.model_package_group_name,
                "ModelPackageVersion": package.model_package_version,
                "ModelPackageArn": arn,
                "ModelPackageStatus": "Completed",
                "ModelApprovalStatus": approval,
                "CreationTime": _ms(getattr(package, "creation_time", None)),
                "LastModifiedTime": _ms(getattr(package, "last_modified_time", None)),
            }
            yield ("package", arn), approval, "SageMaker Model Package State Change", detail
        for name, cluster in list(backend.clusters.items()):
            status = str(cluster.status)
            detail = {"ClusterName": name, "ClusterArn": cluster.arn, "ClusterStatus": status}
            yield ("cluster", name), status, "SageMaker HyperPod Cluster State Change", detail
            for node_id, node in list(dict(cluster.nodes).items()):
                health = _NODE_HEALTH.get(node.status, "")
                if not health:
                    continue
                detail = {
                    "ClusterName": name,
                    "ClusterArn": cluster.arn,
                    "InstanceGroupName": node.instance_group_name,
                    "InstanceId": node_id,
                    "HealthSummary": {"HealthStatus": health},
                }
                yield (
                    ("node", f"{name}/{node_id}"),
                    health,
                    "SageMaker HyperPod Cluster Node Health Event",
                    detail,
                )
