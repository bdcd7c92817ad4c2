"""SageMaker Pipelines: pipelines, their executions and steps; start, stop, retry.

An execution's step names the job it ran only by ARN (``Metadata.TrainingJob.Arn``…);
:func:`job_of_arn` turns that into the (type, name) the Jobs views and commands use, so
an operator goes from a failed step to its job's logs in one move.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from console import validate
from console.errors import ConflictError, NotFoundError, ValidationError
from console.records import Record, as_datetime
from console.services.base import Service

EXECUTION_STATUSES = ("Executing", "Stopping", "Stopped", "Failed", "Succeeded")
STEP_STATUSES = ("Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded")
EXECUTION_RUNNING = frozenset({"Executing", "Stopping"})
STEP_RUNNING = frozenset({"Starting", "Executing", "Stopping"})
STOPPABLE = frozenset({"Executing"})
RETRYABLE = frozenset({"Failed"})
# Step metadata keys that carry the ARN of a job, and the job type the console calls it.
_JOB_METADATA = {
    "TrainingJob": "training",
    "ProcessingJob": "processing",
    "TransformJob": "xform",
    "TuningJob": "tuning",
}
# The resource word in a SageMaker ARN -> job type.
_ARN_KINDS = {
    "training-job": "training",
    "processing-job": "processing",
    "transform-job": "xform",
    "hyper-parameter-tuning-job": "tuning",
}


def job_of_arn(arn: str) -> tuple[str, str] | None:
    """``(type, name)`` of a job ARN (``training``/``processing``/``xform``/``tuning``)."""
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    kind, _, name = resource.partition("/")
    job_type = _ARN_KINDS.get(kind)
    return (job_type, name) if job_type and name else None


def pipeline_of_execution(arn: str) -> str:
    """The pipeline name inside an execution ARN (``…:pipeline/NAME/execution/ID``)."""
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    parts = resource.split("/")
    if len(parts) == 4 and parts[0] == "pipeline" and parts[2] == "execution":
        return parts[1]
    raise ValidationError(
        f"{arn[:80]!r} is not a pipeline execution ARN",
        "arn:aws:sagemaker:REGION:ACCOUNT:pipeline/NAME/execution/ID "
        "(smconsole pipeline-execution-list PIPELINE shows them)",
    )


def _who(d: Mapping[str, Any] | None) -> str:
    """Who started an execution: the Studio user, else the IAM identity (CreatedBy)."""
    if not d:
        return ""
    for key in ("UserProfileName", "IamIdentity"):
        value = d.get(key)
        if isinstance(value, Mapping):
            value = value.get("Arn", "")
        if value:
            return str(value)
    return ""


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


@dataclass(frozen=True)
class PipelineParameter(Record):
    """A parameter the pipeline declares (its definition's ``Parameters``)."""

    name: str
    type: str
    default: str | None


@dataclass(frozen=True)
class PipelineSummary(Record):
    name: str
    arn: str
    display_name: str
    description: str
    created: datetime | None
    last_run: datetime | None

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> PipelineSummary:
        return cls(
            name=str(d.get("PipelineName", "")),
            arn=str(d.get("PipelineArn", "")),
            display_name=str(d.get("PipelineDisplayName", "") or ""),
            description=str(d.get("PipelineDescription", "") or ""),
            created=as_datetime(d.get("CreationTime")),
            last_run=as_datetime(d.get("LastExecutionTime") or d.get("LastRunTime")),
        )


@dataclass(frozen=True)
class ExecutionSummary(Record):
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    arn: str
    pipeline: str
    display_name: str
    status: str
    started: datetime | None
    failure_reason: str

    @classmethod
    def from_api(cls, d: Mapping[str, Any], pipeline: str) -> ExecutionSummary:
        reason = d.get("PipelineExecutionFailureReason") or ""
        return cls(
            arn=str(d.get("PipelineExecutionArn", "")),
            pipeline=pipeline,
            display_name=str(d.get("PipelineExecutionDisplayName", "") or ""),
            status=str(d.get("PipelineExecutionStatus", "")),
            started=as_datetime(d.get("StartTime")),
            failure_reason="" if reason == "None" else str(reason),
        )


@dataclass(frozen=True)
class ExecutionStep(Record):
    """One step of an execution and the job it ran (if any)."""

    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    name: str
    display_name: str
    step_type: str
    status: str
    started: datetime | None
    ended: datetime | None
    failure_reason: str
    cache_hit: bool
    job_arn: str
    job_type: str
    job_name: str
    attempts: int

    @property
    def duration_s(self) -> float | None:
        """Wall time so far (running) or until it ended."""
        running = self.status in STEP_RUNNING and self.ended is None
        return _seconds(self.started, datetime.now(UTC) if running else self.ended)

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ExecutionStep:
        metadata = d.get("Metadata") or {}
        job_arn = ""
        for key in _JOB_METADATA:
            entry = metadata.get(key)
            if isinstance(entry, Mapping) and entry.get("Arn"):
                job_arn = str(entry["Arn"])
                break
        job = job_of_arn(job_arn) or ("", "")
        cache = d.get("CacheHitResult") or {}
        return cls(
            name=str(d.get("StepName", "")),
            display_name=str(d.get("StepDisplayName", "") or ""),
            step_type=str(d.get("StepType", "") or ""),
            status=str(d.get("StepStatus", "")),
            started=as_datetime(d.get("StartTime")),
            ended=as_datetime(d.get("EndTime")),
            failure_reason=str(d.get("FailureReason", "") or ""),
            cache_hit=bool(cache.get("SourcePipelineExecutionArn")),
            job_arn=job_arn,
            job_type=job[0],
            job_name=job[1],
            attempts=int(d.get("AttemptCount") or 0),
        )


@dataclass(frozen=True)
class Execution(Record):
    """An execution in full: its fields, its parameters and its steps (oldest first)."""

    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    arn: str
    pipeline: str
    display_name: str
    status: str
    failure_reason: str
    started: datetime | None
    modified: datetime | None
    started_by: str
    parameters: tuple[tuple[str, str], ...]
    steps: tuple[ExecutionStep, ...]

    @property
    def duration_s(self) -> float | None:
        """Wall time so far (running) or until the last change (finished). While it runs
        the last change is a step's start, not now: it read 0s, then froze."""
        running = self.status in EXECUTION_RUNNING
        return _seconds(self.started, datetime.now(UTC) if running else self.modified)

    @property
    def failed_step(self) -> ExecutionStep | None:
        return next((s for s in self.steps if s.status == "Failed"), None)


def declared_parameters(definition: str) -> tuple[PipelineParameter, ...]:
    """The ``Parameters`` a pipeline definition (JSON) declares; () when unreadable."""
    try:
        data = json.loads(definition or "{}")
    except (TypeError, ValueError):
        return ()
    out = []
    for item in data.get("Parameters", []) if isinstance(data, dict) else []:
        if isinstance(item, dict) and item.get("Name"):
            default = item.get("DefaultValue")
            out.append(
                PipelineParameter(
                    name=str(item["Name"]),
                    type=str(item.get("Type", "String")),
                    default=None if default is None else str(default),
                )
            )
    return tuple(out)


def check_parameters(
    given: Mapping[str, str], declared: tuple[PipelineParameter, ...], pipeline: str
) -> list[dict[str, str]]:
    """The request's ``PipelineParameters``; an unknown name is refused, naming the
    declared ones (a typo would otherwise run the pipeline on its default silently)."""
    names = {p.name for p in declared}
    unknown = sorted(set(given) - names)
    if unknown:
        listed = ", ".join(
            f"{p.name}={p.default}" if p.default is not None else p.name for p in declared
        )
        raise ValidationError(
            f"pipeline {pipeline} declares no parameter {', '.join(unknown)}",
            f"declared: {listed}" if declared else "this pipeline declares no parameters",
        )
    return [{"Name": k, "Value": v} for k, v in given.items()]


class PipelinesService(Service):
    """Pipelines, executions and steps; start/stop/retry through the gate."""

    def list_pipelines(
        self, *, name_contains: str | None = None, limit: int | None = None
    ) -> Iterator[PipelineSummary]:
        params: dict[str, Any] = {"SortBy": "CreationTime", "SortOrder": "Descending"}
        if name_contains:
            params["PipelineNamePrefix"] = name_contains
        for item in self.paginate("list_pipelines", "PipelineSummaries", limit=limit, **params):
            yield PipelineSummary.from_api(item)

    def parameters(self, pipeline: str) -> tuple[PipelineParameter, ...]:
        validate.name(pipeline, "pipeline name")
        data = self._found(
            f"pipeline {pipeline}",
            lambda: self.call(self.client.describe_pipeline, PipelineName=pipeline),
        )
        return declared_parameters(str(data.get("PipelineDefinition", "") or ""))

    def list_executions(
        self, pipeline: str, *, status: str | None = None, limit: int | None = None
    ) -> Iterator[ExecutionSummary]:
        validate.name(pipeline, "pipeline name")
        wanted = validate.choice(status, EXECUTION_STATUSES, "pipeline execution status")
        count = 0
        pages = self.pages(
            "list_pipeline_executions",
            "PipelineExecutionSummaries",
            PipelineName=pipeline,
            SortBy="CreationTime",
            SortOrder="Descending",
        )
        for page in self._found(f"pipeline {pipeline}", lambda: _first_page(pages)):
            for item in page:
                summary = ExecutionSummary.from_api(item, pipeline)
                if wanted and summary.status != wanted:
                    continue  # the API has no status filter
                yield summary
                count += 1
                if limit is not None and count >= limit:
                    return

    def steps(self, arn: str) -> tuple[ExecutionStep, ...]:
        """The steps, oldest first (the API answers newest first by default)."""
        items = self.paginate(
            "list_pipeline_execution_steps",
            "PipelineExecutionSteps",
            PipelineExecutionArn=arn,
            SortOrder="Ascending",
        )
        found = self._found(f"pipeline execution {arn}", lambda: list(items))
        return tuple(ExecutionStep.from_api(d) for d in found)

    def describe_execution(self, arn: str, *, with_steps: bool = True) -> Execution:
        """The execution, its parameters and (``with_steps``) its steps: a list of
        executions needs no steps (one call fewer per row)."""
        validate.arn(arn, "pipeline execution ARN", service="sagemaker")
        pipeline = pipeline_of_execution(arn)
        data = self._found(
            f"pipeline execution {arn}",
            lambda: self.call(self.client.describe_pipeline_execution, PipelineExecutionArn=arn),
        )
        params = self.paginate(
            "list_pipeline_parameters_for_execution",
            "PipelineParameters",
            PipelineExecutionArn=arn,
        )
        return Execution(
            arn=arn,
            pipeline=pipeline,
            display_name=str(data.get("PipelineExecutionDisplayName", "") or ""),
            status=str(data.get("PipelineExecutionStatus", "")),
            failure_reason=str(data.get("FailureReason", "") or ""),
            started=as_datetime(data.get("CreationTime")),
            modified=as_datetime(data.get("LastModifiedTime")),
            started_by=_who(data.get("CreatedBy")),
            parameters=tuple((str(p.get("Name", "")), str(p.get("Value", ""))) for p in params),
            steps=self.steps(arn) if with_steps else (),
        )

    def start_execution(self, pipeline: str, parameters: Mapping[str, str] | None = None) -> str:
        """Start an execution; parameters are checked against the declared ones first."""
        request: dict[str, Any] = {"PipelineName": pipeline}
        wanted = check_parameters(parameters or {}, self.parameters(pipeline), pipeline)
        if wanted:
            request["PipelineParameters"] = wanted
        result = self.gate.run(
            "pipeline-execution-start",
            pipeline,
            {"parameters": dict(parameters or {})},
            lambda: self.client.start_pipeline_execution(**request),
            reconcile=lambda: None,  # a new execution cannot be told from earlier ones
        )
        return str((result or {}).get("PipelineExecutionArn", ""))

    def status(self, arn: str) -> str:
        """The execution's status alone (one describe call, no steps)."""
        validate.arn(arn, "pipeline execution ARN", service="sagemaker")
        pipeline_of_execution(arn)
        data = self._found(
            f"pipeline execution {arn}",
            lambda: self.call(self.client.describe_pipeline_execution, PipelineExecutionArn=arn),
        )
        return str(data.get("PipelineExecutionStatus", ""))

    def stop_execution(self, arn: str) -> None:
        self._ready("pipeline-execution-stop", arn, STOPPABLE, "stopped")
        self.mutate_checked(
            "pipeline-execution-stop",
            arn,
            {},
            lambda: self.client.stop_pipeline_execution(
                PipelineExecutionArn=arn, ClientRequestToken=_token()
            ),
            self._reached(arn, {"Stopping", "Stopped"}),
        )

    def retry_execution(self, arn: str) -> None:
        self._ready("pipeline-execution-retry", arn, RETRYABLE, "retried")
        self.mutate_checked(
            "pipeline-execution-retry",
            arn,
            {},
            lambda: self.client.retry_pipeline_execution(
                PipelineExecutionArn=arn, ClientRequestToken=_token()
            ),
            self._reached(arn, {"Executing", "Succeeded"}),
        )

    def _ready(self, action: str, arn: str, allowed: frozenset[str], done: str) -> None:
        """Refuse early in read-only mode, then check the state: a stop of a finished
        execution says so and sends nothing."""
        self.gate.precheck(action, arn)
        status = self.status(arn)
        if status not in allowed:
            raise ConflictError(
                f"pipeline execution is {status}; only {'/'.join(sorted(allowed))} "
                f"executions can be {done}",
                f"smconsole pipeline-execution-describe {arn}",
            )

    def _reached(self, arn: str, applied: set[str]) -> Any:
        """A read-back: did the execution reach one of ``applied``?"""
        return lambda: self.status(arn) in applied

    @staticmethod
    def _found(what: str, fn: Any) -> Any:
        try:
            return fn()
        except NotFoundError as exc:
            raise NotFoundError(f"{what} not found") from exc
        except ValidationError as exc:
            # SageMaker says "ResourceNotFound"/"does not exist" as a ValidationException.
            if "not exist" in exc.message or "not found" in exc.message.lower():
                raise NotFoundError(f"{what} not found") from exc
            raise


def _first_page(pages: Iterator[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
    """Pull the first page now (so a missing pipeline errors inside the not-found guard),
    then the rest lazily."""
    first = next(pages, None)

    def rest() -> Iterator[list[dict[str, Any]]]:
        if first is not None:
            yield first
        yield from pages

    return rest()


def _token() -> str:
    import uuid

    return uuid.uuid4().hex
