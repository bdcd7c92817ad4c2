"""Which pipeline execution made a job: the way back from a job to its pipeline step.

DescribeTrainingJob (and the processing and transform describes) has no field for it.
SageMaker Pipelines tags every job a step starts with ``sagemaker:pipeline-execution-arn``
and ``sagemaker:pipeline-step-name`` (the SageMaker SDK's lineage code reads the same
tag), so one ListTags on the job's ARN answers it; a job with no such tag was not made
by a pipeline. Searching every execution's steps instead would cost a call per
execution of every pipeline. A tagged job then costs one DescribePipelineExecution for
the execution's display name and status ("nightly-failed (Failed)"); an execution
deleted since still names its pipeline and id, from the ARN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from console.errors import NotFoundError, ValidationError
from console.records import Record
from console.services.base import Service
from console.services.pipelines import pipeline_of_execution

EXECUTION_TAG = "sagemaker:pipeline-execution-arn"
STEP_TAG = "sagemaker:pipeline-step-name"


@dataclass(frozen=True)
class PipelineOrigin(Record):
    """The execution (and step) that ran a job. ``execution``: its display name, else
    the id at the end of its ARN; ``status``: "" when it could not be read."""

    execution_arn: str
    pipeline: str
    execution: str
    step: str = ""
    status: str = ""

    @property
    def label(self) -> str:
        """``pipeline / execution (status) · step S`` as the job's detail shows it."""
        text = f"{self.pipeline} / {self.execution}"
        if self.status:
            text += f" ({self.status})"
        if self.step:
            text += f" · step {self.step}"
        return text


def origin_tags(tags: Iterable[Mapping[str, Any]]) -> tuple[str, str] | None:
    """``(execution ARN, step name)`` from a job's tags; None when no pipeline made it
    (or the tag holds no execution ARN)."""
    found = {str(t.get("Key", "")): str(t.get("Value", "") or "") for t in tags}
    arn = found.get(EXECUTION_TAG, "")
    try:
        pipeline_of_execution(arn)
    except ValidationError:
        return None
    return arn, found.get(STEP_TAG, "")


def pipeline_origin(service: Service, job_arn: str) -> PipelineOrigin | None:
    """The pipeline execution that made the job ``job_arn`` (None: not a pipeline's).

    ``service``: any SageMaker service (its client and error translation)."""
    if not job_arn:
        return None
    tags = list(service.paginate("list_tags", "Tags", ResourceArn=job_arn))
    tagged = origin_tags(tags)
    if tagged is None:
        return None
    arn, step = tagged
    pipeline = pipeline_of_execution(arn)
    execution = arn.rsplit("/", 1)[-1]
    try:
        described = service.call(
            service.client.describe_pipeline_execution, PipelineExecutionArn=arn
        )
    except (NotFoundError, ValidationError):  # deleted since: the ARN still names it
        return PipelineOrigin(arn, pipeline, execution, step)
    return PipelineOrigin(
        execution_arn=arn,
        pipeline=pipeline,
        execution=str(described.get("PipelineExecutionDisplayName") or execution),
        step=step,
        status=str(described.get("PipelineExecutionStatus", "") or ""),
    )
