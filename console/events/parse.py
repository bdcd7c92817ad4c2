"""SageMaker's EventBridge events -> :class:`ResourceChanged`.

The shapes are AWS's documented ones ("Events that Amazon SageMaker AI sends to Amazon
EventBridge"): ``source`` is ``aws.sagemaker``, ``detail-type`` names the kind, and
``detail`` is close to the resource's Describe answer (``TrainingJobName``,
``TrainingJobStatus``, ``LastModifiedTime`` in epoch milliseconds, …). Pipelines use
camelCase (``pipelineExecutionArn``, ``currentPipelineExecutionStatus``); HyperPod node
health events carry ``InstanceId`` and ``HealthSummary.HealthStatus``.

Everything here is remote data: a body that is not JSON, not an object, not from
SageMaker or of a detail type we do not show parses to ``None`` (the consumer deletes it:
it is not ours to keep). Text fields are sanitised by the record itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.events.records import ResourceChanged
from console.records import as_datetime

SOURCE = "aws.sagemaker"
# Names, ARNs and statuses are short; anything longer is not a SageMaker value.
_MAX_FIELD = 2048


def event_datetime(value: Any) -> datetime | None:
    """An event time: ISO 8601 text, or epoch seconds / milliseconds (SageMaker's
    ``LastModifiedTime`` in a detail is milliseconds)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and len(value) <= 64:
        return as_datetime(value)
    return None


def _text(detail: Mapping[str, Any], *path: str) -> str:
    value: Any = detail
    for part in path:
        if not isinstance(value, Mapping):
            return ""
        value = value.get(part)
    return value[:_MAX_FIELD] if isinstance(value, str) else ""


def _arn_tail(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if "/" in arn else ""


@dataclass(frozen=True)
class _Shape:
    """Where one detail type keeps the resource's name, ARN, status and times."""

    kind: str
    name: Callable[[Mapping[str, Any]], str]
    arn: Callable[[Mapping[str, Any]], str]
    status: Callable[[Mapping[str, Any]], str]
    modified: str = "LastModifiedTime"
    reason: Callable[[Mapping[str, Any]], str] = lambda d: _text(d, "FailureReason")
    parent: Callable[[Mapping[str, Any]], str] = lambda d: ""


def _job(kind: str, prefix: str) -> _Shape:
    return _Shape(
        kind,
        name=lambda d: _text(d, f"{prefix}Name"),
        arn=lambda d: _text(d, f"{prefix}Arn"),
        status=lambda d: _text(d, f"{prefix}Status"),
    )


def _package_name(d: Mapping[str, Any]) -> str:
    group = _text(d, "ModelPackageGroupName")
    version = d.get("ModelPackageVersion")
    if group and isinstance(version, int) and not isinstance(version, bool):
        return f"{group}/{version}"
    return group or _arn_tail(_text(d, "ModelPackageArn"))


def _cluster_of(d: Mapping[str, Any]) -> str:
    return _text(d, "ClusterName") or _arn_tail(_text(d, "ClusterArn"))


SHAPES: dict[str, _Shape] = {
    "SageMaker Training Job State Change": _job("training", "TrainingJob"),
    "SageMaker Processing Job State Change": _job("processing", "ProcessingJob"),
    "SageMaker Transform Job State Change": _job("transform", "TransformJob"),
    "SageMaker HyperParameter Tuning Job State Change": _job("tuning", "HyperParameterTuningJob"),
    "SageMaker Endpoint State Change": _job("endpoint", "Endpoint"),
    "SageMaker Model Package State Change": _Shape(
        "model-package",
        name=_package_name,
        arn=lambda d: _text(d, "ModelPackageArn"),
        # What an operator waits on is the approval; the package status says little.
        status=lambda d: _text(d, "ModelApprovalStatus") or _text(d, "ModelPackageStatus"),
        reason=lambda d: _text(d, "ApprovalDescription"),
    ),
    "SageMaker Model Building Pipeline Execution Status Change": _Shape(
        "pipeline",
        name=lambda d: (
            _text(d, "pipelineExecutionDisplayName") or _arn_tail(_text(d, "pipelineExecutionArn"))
        ),
        arn=lambda d: _text(d, "pipelineExecutionArn"),
        status=lambda d: _text(d, "currentPipelineExecutionStatus"),
        modified="",
        reason=lambda d: _text(d, "failureReason"),
        parent=lambda d: _arn_tail(_text(d, "pipelineArn")),
    ),
    "SageMaker Model Building Pipeline Execution Step Status Change": _Shape(
        "pipeline-step",
        name=lambda d: _text(d, "stepName"),
        arn=lambda d: _text(d, "pipelineExecutionArn"),
        status=lambda d: _text(d, "currentStepStatus"),
        modified="",
        reason=lambda d: _text(d, "failureReason"),
        parent=lambda d: _arn_tail(_text(d, "pipelineExecutionArn")),
    ),
    "SageMaker HyperPod Cluster State Change": _Shape(
        "cluster",
        name=_cluster_of,
        arn=lambda d: _text(d, "ClusterArn"),
        status=lambda d: _text(d, "ClusterStatus"),
        modified="",
    ),
    "SageMaker HyperPod Cluster Node Health Event": _Shape(
        "cluster-node",
        name=lambda d: _text(d, "InstanceId"),
        arn=lambda d: _text(d, "ClusterArn"),
        status=lambda d: _text(d, "HealthSummary", "HealthStatus"),
        modified="",
        reason=lambda d: _text(d, "HealthSummary", "HealthStatusReason"),
        parent=_cluster_of,
    ),
}

DETAIL_TYPES: tuple[str, ...] = tuple(SHAPES)


def parse_event(event: Any) -> ResourceChanged | None:
    """One EventBridge event (already decoded) -> a change, or ``None`` if not ours."""
    if not isinstance(event, Mapping) or event.get("source") != SOURCE:
        return None
    detail_type = event.get("detail-type")
    shape = SHAPES.get(detail_type) if isinstance(detail_type, str) else None
    detail = event.get("detail")
    if shape is None or not isinstance(detail, Mapping):
        return None
    name = shape.name(detail)
    status = shape.status(detail)
    if not name or not status:
        return None
    event_id = event.get("id")
    return ResourceChanged(
        kind=shape.kind,
        name=name,
        arn=shape.arn(detail),
        status=status,
        event_time=event_datetime(event.get("time")),
        modified=event_datetime(detail.get(shape.modified)) if shape.modified else None,
        event_id=event_id[:128] if isinstance(event_id, str) else "",
        detail_type=str(detail_type),
        reason=shape.reason(detail),
        parent=shape.parent(detail),
    )


def parse_body(body: str) -> ResourceChanged | None:
    """An SQS message body (an EventBridge event, or one wrapped by SNS) -> a change."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        return None
    # Delivered through an SNS fan-out topic without raw delivery: the event is the
    # notification's Message.
    if isinstance(event, dict) and event.get("Type") == "Notification":
        message = event.get("Message")
        if not isinstance(message, str):
            return None
        try:
            event = json.loads(message)
        except (ValueError, RecursionError):
            return None
    return parse_event(event)
