"""SageMaker Experiments: experiments, their trials and the trials' components.

AWS refuses to delete an experiment that still has trials (and a trial that still has
components) with a terse error; we count them first and say what to do instead. moto
lacks some of those refusals and answers a describe of a missing experiment with an HTTP
500, so existence is checked explicitly where it matters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console import validate
from console.errors import (
    ConflictError,
    NotFoundError,
    NotSupportedError,
    SmError,
    ValidationError,
)
from console.records import Record, as_datetime
from console.services.base import Service

# Experiments, trials and trial components allow longer names than most resources.
EXPERIMENT_NAME_MAX = 120
DESCRIPTION_MAX = 3072


def experiment_name(value: str, field: str = "experiment name") -> str:
    return validate.name(value, field, max_len=EXPERIMENT_NAME_MAX)


def _already_exists(error: ValidationError, what: str) -> SmError:
    """AWS reports a duplicate name as a ValidationException; it is a conflict."""
    if "already exist" in error.message.lower():
        return ConflictError(f"{what} already exists")
    return error


def _source(d: dict[str, Any], key: str) -> dict[str, Any]:
    """The resource's source: ``<Kind>Source``/``Source``, else the first of ``Sources``
    (DescribeTrialComponent lists them there; moto fills only that list)."""
    source = d.get(key) or d.get("Source")
    if not source:
        sources = d.get("Sources") or []
        source = sources[0] if sources and isinstance(sources[0], dict) else {}
    return source if isinstance(source, dict) else {}


def _source_arn(d: dict[str, Any], key: str) -> str:
    return str(_source(d, key).get("SourceArn", "") or "")


# Source ARN resource types that are jobs the console can show: ARN type -> job kind.
SOURCE_JOB_KINDS = {"training-job": "training", "processing-job": "processing"}


def source_job(arn: str) -> tuple[str, str] | None:
    """``(kind, name)`` of the SageMaker job behind a source ARN, None for anything else.

    ``arn:aws:sagemaker:us-east-1:123456789012:training-job/my-job`` -> ``("training",
    "my-job")``. SageMaker creates a trial component per training/processing job (with the
    job as its source), so this is the component -> job lineage link.
    """
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "sagemaker":
        return None
    kind, _, name = parts[5].partition("/")
    job_kind = SOURCE_JOB_KINDS.get(kind)
    if job_kind is None or not name:
        return None
    return job_kind, name


@dataclass(frozen=True)
class Experiment(Record):
    name: str
    arn: str
    display_name: str
    description: str
    source_arn: str
    created: datetime | None
    modified: datetime | None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> Experiment:
        return cls(
            name=d["ExperimentName"],
            arn=d.get("ExperimentArn", ""),
            display_name=d.get("DisplayName", "") or d["ExperimentName"],
            description=d.get("Description", "") or "",
            source_arn=_source_arn(d, "ExperimentSource"),
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
        )


@dataclass(frozen=True)
class Trial(Record):
    name: str
    arn: str
    display_name: str
    experiment_name: str
    source_arn: str
    created: datetime | None
    modified: datetime | None

    @classmethod
    def from_api(cls, d: dict[str, Any], experiment_name: str = "") -> Trial:
        return cls(
            name=d["TrialName"],
            arn=d.get("TrialArn", ""),
            display_name=d.get("DisplayName", "") or d["TrialName"],
            # Summaries do not carry the experiment; the caller knows it.
            experiment_name=d.get("ExperimentName", "") or experiment_name,
            source_arn=_source_arn(d, "TrialSource"),
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
        )


@dataclass(frozen=True)
class ComponentMetric(Record):
    """One metric of a trial component, summarised by SageMaker over all its steps."""

    name: str
    last: float | None
    minimum: float | None
    maximum: float | None
    average: float | None
    std_dev: float | None
    count: int
    timestamp: datetime | None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> ComponentMetric:
        def number(key: str) -> float | None:
            value = d.get(key)
            return float(value) if isinstance(value, int | float) else None

        return cls(
            name=d.get("MetricName", ""),
            last=number("Last"),
            minimum=number("Min"),
            maximum=number("Max"),
            average=number("Avg"),
            std_dev=number("StdDev"),
            count=int(d.get("Count", 0) or 0),
            timestamp=as_datetime(d.get("TimeStamp")),
        )


def _parameter(value: Any) -> str | float:
    if isinstance(value, dict):
        if "NumberValue" in value:
            return float(value["NumberValue"])
        return str(value.get("StringValue", ""))
    return str(value)


def _artifacts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str((v or {}).get("Value", "")) for k, v in value.items()}


@dataclass(frozen=True)
class TrialComponent(Record):
    """A trial component. Summaries leave parameters, metrics and artifacts empty."""

    name: str
    arn: str
    display_name: str
    status: str
    status_message: str
    source_arn: str
    source_type: str
    started: datetime | None
    ended: datetime | None
    created: datetime | None
    modified: datetime | None
    parameters: dict[str, str | float]
    metrics: tuple[ComponentMetric, ...]
    input_artifacts: dict[str, str]
    output_artifacts: dict[str, str]

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> TrialComponent:
        status = d.get("Status") or {}
        return cls(
            name=d["TrialComponentName"],
            arn=d.get("TrialComponentArn", ""),
            display_name=d.get("DisplayName", "") or d["TrialComponentName"],
            status=str(status.get("PrimaryStatus", "") or ""),
            status_message=str(status.get("Message", "") or ""),
            source_arn=_source_arn(d, "TrialComponentSource"),
            source_type=str(_source(d, "TrialComponentSource").get("SourceType", "") or ""),
            started=as_datetime(d.get("StartTime")),
            ended=as_datetime(d.get("EndTime")),
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
            parameters={str(k): _parameter(v) for k, v in (d.get("Parameters") or {}).items()},
            metrics=tuple(ComponentMetric.from_api(m) for m in d.get("Metrics") or []),
            input_artifacts=_artifacts(d.get("InputArtifacts")),
            output_artifacts=_artifacts(d.get("OutputArtifacts")),
        )

    @property
    def source_job(self) -> tuple[str, str] | None:
        """The training/processing job this component records, if any (see ``source_job``)."""
        return source_job(self.source_arn)

    @property
    def duration_seconds(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return (self.ended - self.started).total_seconds()


class ExperimentsService(Service):
    """Experiments, trials and trial components: list, describe, create, delete."""

    # --- experiments --------------------------------------------------------------
    def list_experiments(self, *, limit: int | None = None) -> Iterator[Experiment]:
        params = {"SortBy": "CreationTime", "SortOrder": "Descending"}
        for item in self.paginate("list_experiments", "ExperimentSummaries", limit=limit, **params):
            yield Experiment.from_api(item)

    def describe_experiment(self, name: str) -> Experiment:
        experiment_name(name)
        try:
            data = self.call(self.client.describe_experiment, ExperimentName=name)
        except NotSupportedError:
            # moto answers a missing experiment with a bare HTTP 500: tell "missing" from
            # "not implemented" by looking for it in the list.
            if not self._experiment_listed(name):
                raise NotFoundError(f"experiment {name} not found") from None
            raise
        return Experiment.from_api(data)

    def _experiment_listed(self, name: str) -> bool:
        return any(e.name == name for e in self.list_experiments())

    def create_experiment(self, name: str, description: str = "") -> str:
        experiment_name(name)
        if len(description) > DESCRIPTION_MAX:
            raise ValidationError(f"description is longer than {DESCRIPTION_MAX} characters")
        request: dict[str, Any] = {"ExperimentName": name}
        if description:
            request["Description"] = description
        # Not checked first: a describe of a missing experiment is the normal case here and
        # costs retries on some endpoints. AWS refuses duplicates itself (moto overwrites).
        try:
            result = self.mutate(
                "experiment-create", name, request, self.client.create_experiment, **request
            )
        except ValidationError as exc:
            raise _already_exists(exc, f"experiment {name}") from exc
        return str(result.get("ExperimentArn", ""))

    def delete_experiment(self, name: str) -> None:
        """Delete an experiment, refusing (as AWS does) while it still has trials."""
        experiment_name(name)
        self.describe_experiment(name)
        count = sum(1 for _ in self.list_trials(name))
        if count:
            raise ConflictError(
                f"experiment {name} still has {count} trial{'s' if count != 1 else ''}: "
                "delete them first",
                f"list them with `smconsole trial-list {name}`",
            )
        self.mutate(
            "experiment-delete", name, {}, self.client.delete_experiment, ExperimentName=name
        )

    # --- trials -------------------------------------------------------------------
    def list_trials(self, experiment: str, *, limit: int | None = None) -> Iterator[Trial]:
        experiment_name(experiment)
        params = {"ExperimentName": experiment, "SortBy": "CreationTime", "SortOrder": "Descending"}
        for item in self.paginate("list_trials", "TrialSummaries", limit=limit, **params):
            yield Trial.from_api(item, experiment_name=experiment)

    def describe_trial(self, name: str) -> Trial:
        experiment_name(name, "trial name")
        data = self.call(self.client.describe_trial, TrialName=name)
        return Trial.from_api(data)

    def trial_exists(self, name: str) -> bool:
        try:
            self.describe_trial(name)
        except NotFoundError:
            return False
        return True

    def create_trial(self, name: str, experiment: str) -> str:
        experiment_name(name, "trial name")
        experiment_name(experiment)
        self.describe_experiment(experiment)  # a clear "not found" before creating
        # Checked first (a cheap describe): some endpoints (moto) silently replace a trial.
        if self.trial_exists(name):
            raise ConflictError(f"trial {name} already exists")
        request = {"TrialName": name, "ExperimentName": experiment}
        try:
            result = self.mutate("trial-create", name, request, self.client.create_trial, **request)
        except ValidationError as exc:
            raise _already_exists(exc, f"trial {name}") from exc
        return str(result.get("TrialArn", ""))

    def delete_trial(self, name: str) -> None:
        """Delete a trial, refusing while components are still associated with it."""
        experiment_name(name, "trial name")
        self.describe_trial(name)
        count = sum(1 for _ in self.list_trial_components(name))
        if count:
            raise ConflictError(
                f"trial {name} still has {count} trial component{'s' if count != 1 else ''}: "
                "disassociate them first"
            )
        self.mutate("trial-delete", name, {}, self.client.delete_trial, TrialName=name)

    # --- trial components ---------------------------------------------------------
    def list_trial_components(
        self, trial: str, *, limit: int | None = None
    ) -> Iterator[TrialComponent]:
        experiment_name(trial, "trial name")
        params = {"TrialName": trial, "SortBy": "CreationTime", "SortOrder": "Descending"}
        for item in self.paginate(
            "list_trial_components", "TrialComponentSummaries", limit=limit, **params
        ):
            yield TrialComponent.from_api(item)

    def describe_trial_component(self, name: str) -> TrialComponent:
        """A component with its parameters and metric summaries."""
        experiment_name(name, "trial component name")
        data = self.call(self.client.describe_trial_component, TrialComponentName=name)
        return TrialComponent.from_api(data)
