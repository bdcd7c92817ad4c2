"""Training, processing and hyperparameter tuning jobs."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from console import validate
from console.aws import enums
from console.errors import ValidationError
from console.records import Record, as_datetime, same_time, shared
from console.services.base import Service
from console.services.incremental import IncrementalLister

# The original script's default for training and processing (ml.m5.xlarge costs double).
DEFAULT_JOB_INSTANCE_TYPE = "ml.m5.large"

TRAINING_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting")
PROCESSING_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
TUNING_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting")
TRANSITIONAL_STATUSES = frozenset({"InProgress", "Stopping", "Deleting"})
# A stop whose answer was lost took effect if the job now reads as one of these.
STOP_APPLIED = frozenset({"Stopping", "Stopped"})


@dataclass(frozen=True, slots=True)
class JobSummary(Record):
    """One row of the Jobs view: training, processing and tuning jobs alike.

    Compact, as an account holds 100,000 of them (issue 21): slotted (no instance dict),
    its repeated texts (kind, status, secondary status) one shared object each, and equal
    times one object. Built from a listing's fields only, never holding the API dict.
    """

    kind: str  # training | processing | tuning
    name: str
    status: str
    arn: str
    created: datetime | None
    modified: datetime | None
    ended: datetime | None
    secondary_status: str = ""

    def __post_init__(self) -> None:
        Record.__post_init__(self)  # sanitised first: what is shared is inert text
        setattr_ = object.__setattr__
        setattr_(self, "kind", shared(self.kind))
        setattr_(self, "status", shared(self.status))
        setattr_(self, "secondary_status", shared(self.secondary_status))
        setattr_(self, "modified", same_time(self.modified, self.created))
        setattr_(self, "ended", same_time(self.ended, self.modified, self.created))

    @property
    def transitional(self) -> bool:
        return self.status in TRANSITIONAL_STATUSES


@dataclass(frozen=True)
class StatusTransition(Record):
    status: str
    start: datetime | None
    end: datetime | None
    message: str


@dataclass(frozen=True)
class Metric(Record):
    name: str
    value: float
    timestamp: datetime | None


@dataclass(frozen=True)
class Channel(Record):
    name: str
    s3_uri: str


@dataclass(frozen=True)
class TrainingJob(Record):
    """The describe view of a training job: everything the describe pane shows."""

    # Failure reasons are paragraphs (tracebacks, NCCL errors): shown with their lines.
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    name: str
    arn: str
    status: str
    secondary_status: str
    failure_reason: str
    created: datetime | None
    started: datetime | None
    ended: datetime | None
    modified: datetime | None
    image: str
    role_arn: str
    instance_type: str
    instance_count: int
    volume_gb: int
    max_runtime_seconds: int | None
    max_wait_seconds: int | None
    spot: bool
    training_seconds: int | None
    billable_seconds: int | None
    hyperparameters: dict[str, str]
    environment: dict[str, str]
    inputs: tuple[Channel, ...]
    output_path: str
    model_artifacts: str
    checkpoint_uri: str
    final_metrics: tuple[Metric, ...]
    transitions: tuple[StatusTransition, ...]
    mlflow_experiment_id: str = ""
    mlflow_run_id: str = ""
    output_model_package_arn: str = ""
    warm_pool_status: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    # The names of the job's MetricDefinitions (``train:loss``…): what SageMaker publishes
    # to CloudWatch for it, charted in the detail without another describe.
    metric_definitions: tuple[str, ...] = ()

    @property
    def spot_savings(self) -> float | None:
        """1 - billable/training, the fraction saved by managed spot training."""
        if not self.spot or not self.training_seconds or self.billable_seconds is None:
            return None
        return max(0.0, 1.0 - self.billable_seconds / self.training_seconds)

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> TrainingJob:
        resources = d.get("ResourceConfig", {})
        stopping = d.get("StoppingCondition", {})
        mlflow = d.get("MlflowDetails") or {}
        return cls(
            name=d["TrainingJobName"],
            arn=d.get("TrainingJobArn", ""),
            status=d.get("TrainingJobStatus", ""),
            secondary_status=d.get("SecondaryStatus", ""),
            failure_reason=d.get("FailureReason", ""),
            created=as_datetime(d.get("CreationTime")),
            started=as_datetime(d.get("TrainingStartTime")),
            ended=as_datetime(d.get("TrainingEndTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
            image=d.get("AlgorithmSpecification", {}).get("TrainingImage", ""),
            role_arn=d.get("RoleArn", ""),
            instance_type=resources.get("InstanceType", ""),
            instance_count=int(resources.get("InstanceCount", 0) or 0),
            volume_gb=int(resources.get("VolumeSizeInGB", 0) or 0),
            max_runtime_seconds=stopping.get("MaxRuntimeInSeconds"),
            max_wait_seconds=stopping.get("MaxWaitTimeInSeconds"),
            spot=bool(d.get("EnableManagedSpotTraining")),
            training_seconds=d.get("TrainingTimeInSeconds"),
            billable_seconds=d.get("BillableTimeInSeconds"),
            hyperparameters=dict(d.get("HyperParameters") or {}),
            environment=dict(d.get("Environment") or {}),
            inputs=tuple(
                Channel(
                    c.get("ChannelName", ""),
                    c.get("DataSource", {}).get("S3DataSource", {}).get("S3Uri", ""),
                )
                for c in d.get("InputDataConfig") or []
            ),
            output_path=d.get("OutputDataConfig", {}).get("S3OutputPath", ""),
            model_artifacts=(d.get("ModelArtifacts") or {}).get("S3ModelArtifacts", ""),
            checkpoint_uri=(d.get("CheckpointConfig") or {}).get("S3Uri", ""),
            final_metrics=tuple(
                Metric(
                    m.get("MetricName", ""),
                    float(m.get("Value", 0.0)),
                    as_datetime(m.get("Timestamp")),
                )
                for m in d.get("FinalMetricDataList") or []
            ),
            transitions=tuple(
                StatusTransition(
                    t.get("Status", ""),
                    as_datetime(t.get("StartTime")),
                    as_datetime(t.get("EndTime")),
                    t.get("StatusMessage", ""),
                )
                for t in d.get("SecondaryStatusTransitions") or []
            ),
            mlflow_experiment_id=str(mlflow.get("MlflowExperimentId", "") or ""),
            mlflow_run_id=str(mlflow.get("MlflowRunId", "") or ""),
            output_model_package_arn=d.get("OutputModelPackageArn", "") or "",
            warm_pool_status=(d.get("WarmPoolStatus") or {}).get("Status", ""),
            metric_definitions=tuple(
                str(m["Name"])
                for m in (d.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or []
                if isinstance(m, dict) and m.get("Name")
            ),
        )


@dataclass(frozen=True)
class ProcessingJob(Record):
    # Failure reasons are paragraphs (tracebacks, NCCL errors): shown with their lines.
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason", "exit_message"})

    name: str
    arn: str
    status: str
    failure_reason: str
    exit_message: str
    created: datetime | None
    started: datetime | None
    ended: datetime | None
    modified: datetime | None
    image: str
    role_arn: str
    instance_type: str
    instance_count: int
    volume_gb: int
    max_runtime_seconds: int | None
    inputs: tuple[Channel, ...]
    outputs: tuple[Channel, ...]
    environment: dict[str, str]
    training_job_arn: str = ""

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> ProcessingJob:
        cluster = d.get("ProcessingResources", {}).get("ClusterConfig", {})
        return cls(
            name=d["ProcessingJobName"],
            arn=d.get("ProcessingJobArn", ""),
            status=d.get("ProcessingJobStatus", ""),
            failure_reason=d.get("FailureReason", ""),
            exit_message=d.get("ExitMessage", ""),
            created=as_datetime(d.get("CreationTime")),
            started=as_datetime(d.get("ProcessingStartTime")),
            ended=as_datetime(d.get("ProcessingEndTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
            image=d.get("AppSpecification", {}).get("ImageUri", ""),
            role_arn=d.get("RoleArn", ""),
            instance_type=cluster.get("InstanceType", ""),
            instance_count=int(cluster.get("InstanceCount", 0) or 0),
            volume_gb=int(cluster.get("VolumeSizeInGB", 0) or 0),
            max_runtime_seconds=(d.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds"),
            inputs=tuple(
                Channel(i.get("InputName", ""), (i.get("S3Input") or {}).get("S3Uri", ""))
                for i in d.get("ProcessingInputs") or []
            ),
            outputs=tuple(
                Channel(o.get("OutputName", ""), (o.get("S3Output") or {}).get("S3Uri", ""))
                for o in (d.get("ProcessingOutputConfig") or {}).get("Outputs") or []
            ),
            environment=dict(d.get("Environment") or {}),
            training_job_arn=d.get("TrainingJobArn", "") or "",
        )


@dataclass(frozen=True)
class TuningJob(Record):
    # Failure reasons are paragraphs (tracebacks, NCCL errors): shown with their lines.
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    name: str
    arn: str
    status: str
    strategy: str
    failure_reason: str
    created: datetime | None
    ended: datetime | None
    modified: datetime | None
    counters: dict[str, int]
    best_training_job: str
    objective: str

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> TuningJob:
        config = d.get("HyperParameterTuningJobConfig", {})
        objective = config.get("HyperParameterTuningJobObjective", {})
        return cls(
            name=d["HyperParameterTuningJobName"],
            arn=d.get("HyperParameterTuningJobArn", ""),
            status=d.get("HyperParameterTuningJobStatus", ""),
            strategy=config.get("Strategy", ""),
            failure_reason=d.get("FailureReason", ""),
            created=as_datetime(d.get("CreationTime")),
            ended=as_datetime(d.get("HyperParameterTuningEndTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
            counters={k: int(v) for k, v in (d.get("TrainingJobStatusCounters") or {}).items()},
            best_training_job=(d.get("BestTrainingJob") or {}).get("TrainingJobName", ""),
            objective=" ".join(
                x for x in (objective.get("Type", ""), objective.get("MetricName", "")) if x
            ),
        )


@dataclass(frozen=True)
class TrainingSpec:
    """What ``training-create`` (CLI and TUI form) needs; validated by :meth:`validated`."""

    name: str
    image: str
    s3_input: str
    s3_output: str
    role_arn: str
    instance_type: str = DEFAULT_JOB_INSTANCE_TYPE
    instance_count: int = 1
    volume_gb: int = 30
    max_runtime_seconds: int = 86400
    spot: bool = False
    max_wait_seconds: int | None = None
    checkpoint_uri: str = ""
    hyperparameters: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)

    def validated(self) -> TrainingSpec:
        validate.name(self.name, "training job name")
        validate.image_uri(self.image)
        validate.s3_uri(self.s3_input, "input S3 URI")
        validate.s3_uri(self.s3_output, "output S3 URI")
        if not self.role_arn:
            raise ValidationError(
                "no execution role given",
                validate.NO_ROLE_HINT,
            )
        validate.role_arn(self.role_arn)
        enums.instance_type(self.instance_type, "TrainingInstanceType", "training instance type")
        validate.positive_int(self.instance_count, "instance count", maximum=100)
        validate.positive_int(self.volume_gb, "volume size (GB)", maximum=16384)
        validate.positive_int(self.max_runtime_seconds, "max runtime (s)", maximum=28 * 86400)
        if self.spot:
            if self.max_wait_seconds is None:
                raise ValidationError("spot training needs --max-wait (seconds)")
            validate.positive_int(self.max_wait_seconds, "max wait (s)")
            if self.max_wait_seconds < self.max_runtime_seconds:
                raise ValidationError(
                    f"max wait ({self.max_wait_seconds}s) must be >= max runtime "
                    f"({self.max_runtime_seconds}s)"
                )
        elif self.max_wait_seconds is not None:
            raise ValidationError("--max-wait only applies with --spot")
        if self.checkpoint_uri:
            validate.s3_uri(self.checkpoint_uri, "checkpoint S3 URI")
        return self

    def to_api(self) -> dict[str, Any]:
        stopping: dict[str, int] = {"MaxRuntimeInSeconds": self.max_runtime_seconds}
        request: dict[str, Any] = {
            "TrainingJobName": self.name,
            "AlgorithmSpecification": {"TrainingImage": self.image, "TrainingInputMode": "File"},
            "RoleArn": self.role_arn,
            "InputDataConfig": [
                {
                    "ChannelName": "training",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": self.s3_input,
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
            ],
            "OutputDataConfig": {"S3OutputPath": self.s3_output},
            "ResourceConfig": {
                "InstanceType": self.instance_type,
                "InstanceCount": self.instance_count,
                "VolumeSizeInGB": self.volume_gb,
            },
            "StoppingCondition": stopping,
        }
        if self.hyperparameters:
            request["HyperParameters"] = dict(self.hyperparameters)
        if self.environment:
            request["Environment"] = dict(self.environment)
        if self.spot:
            request["EnableManagedSpotTraining"] = True
            stopping["MaxWaitTimeInSeconds"] = int(self.max_wait_seconds or 0)
        if self.checkpoint_uri:
            request["CheckpointConfig"] = {"S3Uri": self.checkpoint_uri}
        return request


@dataclass(frozen=True)
class ProcessingSpec:
    name: str
    image: str
    s3_input: str
    s3_output: str
    role_arn: str
    instance_type: str = DEFAULT_JOB_INSTANCE_TYPE
    instance_count: int = 1
    volume_gb: int = 30
    max_runtime_seconds: int = 86400
    environment: dict[str, str] = field(default_factory=dict)
    entrypoint: tuple[str, ...] = ()

    def validated(self) -> ProcessingSpec:
        validate.name(self.name, "processing job name")
        validate.image_uri(self.image)
        validate.s3_uri(self.s3_input, "input S3 URI")
        validate.s3_uri(self.s3_output, "output S3 URI")
        if not self.role_arn:
            raise ValidationError(
                "no execution role given",
                validate.NO_ROLE_HINT,
            )
        validate.role_arn(self.role_arn)
        enums.instance_type(
            self.instance_type, "ProcessingInstanceType", "processing instance type"
        )
        validate.positive_int(self.instance_count, "instance count", maximum=100)
        validate.positive_int(self.volume_gb, "volume size (GB)", maximum=16384)
        validate.positive_int(self.max_runtime_seconds, "max runtime (s)", maximum=5 * 86400)
        return self

    def to_api(self) -> dict[str, Any]:
        app: dict[str, Any] = {"ImageUri": self.image}
        if self.entrypoint:
            app["ContainerEntrypoint"] = list(self.entrypoint)
        request: dict[str, Any] = {
            "ProcessingJobName": self.name,
            "RoleArn": self.role_arn,
            "AppSpecification": app,
            "ProcessingInputs": [
                {
                    "InputName": "input",
                    "S3Input": {
                        "S3Uri": self.s3_input,
                        "LocalPath": "/opt/ml/processing/input",
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                    },
                }
            ],
            "ProcessingOutputConfig": {
                "Outputs": [
                    {
                        "OutputName": "output",
                        "S3Output": {
                            "S3Uri": self.s3_output,
                            "LocalPath": "/opt/ml/processing/output",
                            "S3UploadMode": "EndOfJob",
                        },
                    }
                ]
            },
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceType": self.instance_type,
                    "InstanceCount": self.instance_count,
                    "VolumeSizeInGB": self.volume_gb,
                }
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": self.max_runtime_seconds},
        }
        if self.environment:
            request["Environment"] = dict(self.environment)
        return request


def _summary(kind: str, prefix: str, d: dict[str, Any]) -> JobSummary:
    return JobSummary(
        kind=kind,
        name=d[f"{prefix}Name"],
        status=d.get(f"{prefix}Status", ""),
        arn=d.get(f"{prefix}Arn", ""),
        created=as_datetime(d.get("CreationTime")),
        modified=as_datetime(d.get("LastModifiedTime")),
        ended=as_datetime(
            d.get("TrainingEndTime")
            or d.get("ProcessingEndTime")
            or d.get("HyperParameterTuningEndTime")
        ),
        secondary_status=d.get("SecondaryStatus", ""),
    )


def _newest_first_until(
    since: datetime | None, pages: Iterator[list[JobSummary]]
) -> Iterator[JobSummary]:
    """The jobs of :func:`_newest_first_pages`, one after the other."""
    for page in _newest_first_pages(since, pages):
        yield from page


def _newest_first_pages(
    since: datetime | None, pages: Iterator[list[JobSummary]]
) -> Iterator[list[JobSummary]]:
    """Yield the pages one by one, stopping after a page that ends before ``since``.

    Only safe when the service really returns newest first: each page is checked, and
    if the order is anything else (moto ignores SortBy) the early stop is disabled and
    the listing is read to the end rather than missing jobs. The listing must also start
    at or after ``since`` (the newest job known is never older than that): a listing in
    creation order starts with the oldest job, and a first page of one job (or of jobs
    created in the same second) looks newest-first while being oldest-first.
    """
    previous: datetime | None = None
    for page in pages:
        yield page
        if since is None:
            continue
        stamps = [job.created for job in page if job.created is not None]
        if not stamps:
            continue
        ordered = all(a >= b for a, b in itertools.pairwise(stamps))
        starts_new = previous is not None or stamps[0] >= since
        if not ordered or not starts_new or (previous is not None and stamps[0] > previous):
            since = None
            continue
        previous = stamps[-1]
        if previous < since:
            return


def _job_lister(
    fetch_pages: Callable[[datetime | None], Iterator[list[JobSummary]]],
) -> IncrementalLister[JobSummary]:
    return IncrementalLister.paged(
        fetch_pages,
        key=lambda job: job.name,
        created=lambda job: job.created,
        can_change=lambda job: job.transitional,
    )


# kind -> (API name prefix, list operation, result key, statuses)
_LISTINGS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "training": ("TrainingJob", "list_training_jobs", "TrainingJobSummaries", TRAINING_STATUSES),
    "processing": (
        "ProcessingJob",
        "list_processing_jobs",
        "ProcessingJobSummaries",
        PROCESSING_STATUSES,
    ),
}


class JobsService(Service):
    """Training, processing and tuning jobs: list, describe, create, stop."""

    def _list_jobs(
        self,
        kind: str,
        *,
        status: str | None,
        name_contains: str | None,
        created_since: datetime | None,
        limit: int | None,
    ) -> Iterator[JobSummary]:
        """Newest first; with ``created_since``, paging stops past that creation time."""
        prefix, operation, result_key, statuses = _LISTINGS[kind]
        params = self.newest_first(
            validate.choice(status, statuses, f"{kind} job status"), name_contains
        )
        if created_since is None:
            items = self.paginate(operation, result_key, limit=limit, **params)
            yield from (_summary(kind, prefix, item) for item in items)
            return
        for page in self._job_pages(kind, created_since, **params):
            yield from page

    def _job_pages(
        self, kind: str, created_since: datetime | None, **params: Any
    ) -> Iterator[list[JobSummary]]:
        """The jobs of ``kind`` page by page, newest page first (one call each); with
        ``created_since``, paging stops past that creation time."""
        prefix, operation, result_key, _ = _LISTINGS[kind]
        pages = self.pages(operation, result_key, **(params or self.newest_first()))
        yield from _newest_first_pages(
            created_since, ([_summary(kind, prefix, i) for i in page] for page in pages)
        )

    # --- training -----------------------------------------------------------------
    def list_training_jobs(
        self,
        *,
        status: str | None = None,
        name_contains: str | None = None,
        created_since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[JobSummary]:
        """Training jobs, newest first (see ``_list_jobs``)."""
        return self._list_jobs(
            "training",
            status=status,
            name_contains=name_contains,
            created_since=created_since,
            limit=limit,
        )

    def training_lister(self) -> IncrementalLister[JobSummary]:
        """A keyed snapshot of all training jobs, refreshed incrementally."""
        return _job_lister(lambda since: self._job_pages("training", since))

    def describe_training_job(self, name: str) -> TrainingJob:
        validate.name(name, "training job name")
        data = self.call(self.client.describe_training_job, TrainingJobName=name)
        return TrainingJob.from_api(data)

    def create_training_job(self, spec: TrainingSpec) -> str:
        spec = spec.validated()
        request = spec.to_api()
        audit = {k: v for k, v in request.items() if k != "Environment"}
        audit["EnvironmentKeys"] = sorted(spec.environment)
        result = self.mutate(
            "training-create", spec.name, audit, self.client.create_training_job, **request
        )
        return str(result.get("TrainingJobArn", ""))

    def stop_training_job(self, name: str) -> None:
        validate.name(name, "training job name")
        self.mutate_checked(
            "training-stop",
            name,
            {},
            lambda: self.client.stop_training_job(TrainingJobName=name),
            lambda: self.describe_training_job(name).status in STOP_APPLIED,
        )

    # --- processing ---------------------------------------------------------------
    def list_processing_jobs(
        self,
        *,
        status: str | None = None,
        name_contains: str | None = None,
        created_since: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[JobSummary]:
        """Processing jobs, newest first (see ``_list_jobs``)."""
        return self._list_jobs(
            "processing",
            status=status,
            name_contains=name_contains,
            created_since=created_since,
            limit=limit,
        )

    def processing_lister(self) -> IncrementalLister[JobSummary]:
        """A keyed snapshot of all processing jobs, refreshed incrementally."""
        return _job_lister(lambda since: self._job_pages("processing", since))

    def describe_processing_job(self, name: str) -> ProcessingJob:
        validate.name(name, "processing job name")
        data = self.call(self.client.describe_processing_job, ProcessingJobName=name)
        return ProcessingJob.from_api(data)

    def create_processing_job(self, spec: ProcessingSpec) -> str:
        spec = spec.validated()
        request = spec.to_api()
        audit = {k: v for k, v in request.items() if k != "Environment"}
        result = self.mutate(
            "processing-create", spec.name, audit, self.client.create_processing_job, **request
        )
        return str(result.get("ProcessingJobArn", ""))

    def stop_processing_job(self, name: str) -> None:
        validate.name(name, "processing job name")
        self.mutate_checked(
            "processing-stop",
            name,
            {},
            lambda: self.client.stop_processing_job(ProcessingJobName=name),
            lambda: self.describe_processing_job(name).status in STOP_APPLIED,
        )

    # --- tuning -------------------------------------------------------------------
    def list_tuning_jobs(
        self, *, status: str | None = None, limit: int | None = None
    ) -> Iterator[JobSummary]:
        params = self.newest_first(validate.choice(status, TUNING_STATUSES, "tuning job status"))
        for item in self.paginate(
            "list_hyper_parameter_tuning_jobs",
            "HyperParameterTuningJobSummaries",
            limit=limit,
            **params,
        ):
            yield _summary("tuning", "HyperParameterTuningJob", item)

    def describe_tuning_job(self, name: str) -> TuningJob:
        validate.name(name, "tuning job name", max_len=32)
        data = self.call(
            self.client.describe_hyper_parameter_tuning_job, HyperParameterTuningJobName=name
        )
        return TuningJob.from_api(data)

    def stop_tuning_job(self, name: str) -> None:
        validate.name(name, "tuning job name", max_len=32)
        self.mutate(
            "tuning-stop",
            name,
            {},
            self.client.stop_hyper_parameter_tuning_job,
            HyperParameterTuningJobName=name,
        )
