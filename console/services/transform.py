"""Batch transform jobs: list, describe, create, stop.

Shaped like the training and processing parts of :mod:`console.services.jobs` (the same
:class:`JobSummary` rows, kind ``xform``) but kept apart so the jobs module stays one
job: its snapshots are being reworked independently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from console import validate
from console.aws import enums
from console.records import Record, as_datetime
from console.services.base import Service
from console.services.jobs import DEFAULT_JOB_INSTANCE_TYPE, STOP_APPLIED, JobSummary

TRANSFORM_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
TRANSFORM_KIND = "xform"


def transform_summary(d: Mapping[str, Any]) -> JobSummary:
    """A ListTransformJobs item as a Jobs row (kind ``xform``)."""
    return JobSummary(
        kind=TRANSFORM_KIND,
        name=str(d["TransformJobName"]),
        status=str(d.get("TransformJobStatus", "")),
        arn=str(d.get("TransformJobArn", "")),
        created=as_datetime(d.get("CreationTime")),
        modified=as_datetime(d.get("LastModifiedTime")),
        ended=as_datetime(d.get("TransformEndTime")),
    )


@dataclass(frozen=True)
class TransformJob(Record):
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    name: str
    arn: str
    status: str
    failure_reason: str
    model: str
    created: datetime | None
    started: datetime | None
    ended: datetime | None
    instance_type: str
    instance_count: int
    input_uri: str
    input_content_type: str
    split_type: str
    output_uri: str
    assemble_with: str
    batch_strategy: str
    max_payload_mb: int | None
    max_concurrent: int | None
    data_processing: dict[str, str]
    environment: dict[str, str]

    @property
    def billable_seconds(self) -> float | None:
        """Instance time: wall time x instance count (transform has no spot)."""
        if self.started is None or self.ended is None:
            return None
        return max(0.0, (self.ended - self.started).total_seconds()) * max(1, self.instance_count)

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> TransformJob:
        source = ((d.get("TransformInput") or {}).get("DataSource") or {}).get("S3DataSource") or {}
        given = d.get("TransformInput") or {}
        output = d.get("TransformOutput") or {}
        resources = d.get("TransformResources") or {}
        processing = d.get("DataProcessing") or {}
        return cls(
            name=str(d["TransformJobName"]),
            arn=str(d.get("TransformJobArn", "")),
            status=str(d.get("TransformJobStatus", "")),
            failure_reason=str(d.get("FailureReason", "") or ""),
            model=str(d.get("ModelName", "")),
            created=as_datetime(d.get("CreationTime")),
            started=as_datetime(d.get("TransformStartTime")),
            ended=as_datetime(d.get("TransformEndTime")),
            instance_type=str(resources.get("InstanceType", "")),
            instance_count=int(resources.get("InstanceCount", 0) or 0),
            input_uri=str(source.get("S3Uri", "")),
            input_content_type=str(given.get("ContentType", "") or ""),
            split_type=str(given.get("SplitType", "") or ""),
            output_uri=str(output.get("S3OutputPath", "")),
            assemble_with=str(output.get("AssembleWith", "") or ""),
            batch_strategy=str(d.get("BatchStrategy", "") or ""),
            max_payload_mb=d.get("MaxPayloadInMB"),
            max_concurrent=d.get("MaxConcurrentTransforms"),
            data_processing={str(k): str(v) for k, v in processing.items()},
            environment={str(k): str(v) for k, v in (d.get("Environment") or {}).items()},
        )


@dataclass(frozen=True)
class TransformSpec:
    """What ``transform-create NAME MODEL S3_IN S3_OUT [INSTANCE_TYPE] [COUNT]`` asks for."""

    name: str
    model: str
    s3_input: str
    s3_output: str
    instance_type: str = DEFAULT_JOB_INSTANCE_TYPE
    instance_count: int = 1
    content_type: str = ""
    split_type: str = ""

    def validated(self) -> TransformSpec:
        validate.name(self.name, "transform job name")
        validate.name(self.model, "model name")
        validate.s3_uri(self.s3_input, "input S3 URI")
        validate.s3_uri(self.s3_output, "output S3 URI")
        enums.instance_type(self.instance_type, "TransformInstanceType", "transform instance type")
        validate.positive_int(self.instance_count, "instance count", maximum=100)
        if self.split_type:
            validate.choice(self.split_type, ("None", "Line", "RecordIO", "TFRecord"), "split")
        return self

    def to_api(self) -> dict[str, Any]:
        given: dict[str, Any] = {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": self.s3_input}}
        }
        if self.content_type:
            given["ContentType"] = self.content_type
        if self.split_type:
            given["SplitType"] = self.split_type
        return {
            "TransformJobName": self.name,
            "ModelName": self.model,
            "TransformInput": given,
            "TransformOutput": {"S3OutputPath": self.s3_output},
            "TransformResources": {
                "InstanceType": self.instance_type,
                "InstanceCount": self.instance_count,
            },
        }


class TransformService(Service):
    """Batch transform jobs: list, describe, create, stop (through the gate)."""

    def list_transform_jobs(
        self,
        *,
        status: str | None = None,
        name_contains: str | None = None,
        limit: int | None = None,
    ) -> Iterator[JobSummary]:
        params = self.newest_first(
            validate.choice(status, TRANSFORM_STATUSES, "transform job status"), name_contains
        )
        for item in self.paginate(
            "list_transform_jobs", "TransformJobSummaries", limit=limit, **params
        ):
            yield transform_summary(item)

    def describe_transform_job(self, name: str) -> TransformJob:
        validate.name(name, "transform job name")
        data = self.call(self.client.describe_transform_job, TransformJobName=name)
        return TransformJob.from_api(data)

    def create_transform_job(self, spec: TransformSpec) -> str:
        spec = spec.validated()
        request = spec.to_api()
        result = self.mutate(
            "transform-create", spec.name, request, self.client.create_transform_job, **request
        )
        return str(result.get("TransformJobArn", ""))

    def stop_transform_job(self, name: str) -> None:
        validate.name(name, "transform job name")
        self.mutate_checked(
            "transform-stop",
            name,
            {},
            lambda: self.client.stop_transform_job(TransformJobName=name),
            lambda: self.describe_transform_job(name).status in STOP_APPLIED,
        )
