"""Typed, frozen records for MLflow entities, built from mlflow's entity objects (or the REST
client's look-alikes, console/mlflow/rest.py).

Widgets and CLI output render these, never mlflow objects: the records are cheap to
import (no mlflow), hashable where it matters and give the CLI its stable ``--json``
shape. Version numbers are strings everywhere: sqlite stores hand back ``int`` and the
REST client ``str`` (facts.md), and a version compared as ``1 != "1"`` would hide bugs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from console.records import Record

# Tags MLflow itself writes; shown in the run detail, but not offered as "params".
USER_TAG = "mlflow.user"
RUN_NAME_TAG = "mlflow.runName"
# Tags that name the SageMaker training job a run belongs to, most specific first.
# ``sagemaker.training_job`` is what the demo (and our docs) use; ``sagemaker_job_name``
# is what the SageMaker Python SDK's MLflow integration writes.
JOB_TAGS = ("sagemaker.training_job", "sagemaker_job_name", "sagemaker.job_name")


def from_millis(value: Any) -> datetime | None:
    """MLflow times are epoch milliseconds (``None`` or 0 when unset)."""
    if value is None or value in {0, ""}:
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def version_str(value: Any) -> str:
    """A model version number as a string, whatever the store handed back."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass(frozen=True)
class MlflowExperiment(Record):
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    created: datetime | None
    last_update: datetime | None
    tags: dict[str, str] = field(default_factory=dict)
    # Filled only when asked for (counting means listing runs); capped, see ``runs_capped``.
    run_count: int | None = None
    runs_capped: bool = False

    @property
    def runs_label(self) -> str:
        if self.run_count is None:
            return "-"
        return f"{self.run_count}+" if self.runs_capped else str(self.run_count)

    @classmethod
    def from_mlflow(cls, e: Any) -> MlflowExperiment:
        return cls(
            experiment_id=str(e.experiment_id),
            name=str(e.name),
            artifact_location=str(getattr(e, "artifact_location", "") or ""),
            lifecycle_stage=str(getattr(e, "lifecycle_stage", "") or ""),
            created=from_millis(getattr(e, "creation_time", None)),
            last_update=from_millis(getattr(e, "last_update_time", None)),
            tags={str(k): str(v) for k, v in (getattr(e, "tags", None) or {}).items()},
        )


@dataclass(frozen=True)
class MlflowRun(Record):
    """A run with its params, latest metric values and tags."""

    run_id: str
    name: str
    experiment_id: str
    status: str
    start: datetime | None
    end: datetime | None
    user: str
    artifact_uri: str
    lifecycle_stage: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float | None:
        """Start to end; for a run still going, ``None`` (the caller knows "now")."""
        if self.start is None or self.end is None:
            return None
        return max(0.0, (self.end - self.start).total_seconds())

    @property
    def training_job(self) -> str:
        """The SageMaker training job this run belongs to, from its tags ("" if none)."""
        for tag in JOB_TAGS:
            if self.tags.get(tag):
                return self.tags[tag]
        return ""

    @property
    def label(self) -> str:
        return self.name or self.run_id[:8]

    @classmethod
    def from_mlflow(cls, r: Any) -> MlflowRun:
        info, data = r.info, r.data
        tags = {str(k): str(v) for k, v in (data.tags or {}).items()}
        return cls(
            run_id=str(info.run_id),
            name=str(getattr(info, "run_name", "") or tags.get(RUN_NAME_TAG, "")),
            experiment_id=str(info.experiment_id),
            status=str(info.status or ""),
            start=from_millis(info.start_time),
            end=from_millis(info.end_time),
            user=str(tags.get(USER_TAG) or getattr(info, "user_id", "") or ""),
            artifact_uri=str(getattr(info, "artifact_uri", "") or ""),
            lifecycle_stage=str(getattr(info, "lifecycle_stage", "") or ""),
            params={str(k): str(v) for k, v in (data.params or {}).items()},
            metrics={str(k): float(v) for k, v in (data.metrics or {}).items()},
            tags=tags,
        )


@dataclass(frozen=True)
class MetricPoint(Record):
    key: str
    step: int
    value: float
    timestamp: datetime | None

    @classmethod
    def from_mlflow(cls, m: Any) -> MetricPoint:
        return cls(
            key=str(m.key),
            step=int(m.step or 0),
            value=float(m.value),
            timestamp=from_millis(m.timestamp),
        )


@dataclass(frozen=True)
class Artifact(Record):
    path: str
    is_dir: bool
    size: int | None

    @classmethod
    def from_mlflow(cls, f: Any) -> Artifact:
        size = getattr(f, "file_size", None)
        return cls(
            path=str(f.path), is_dir=bool(f.is_dir), size=int(size) if size is not None else None
        )


@dataclass(frozen=True)
class ModelVersion(Record):
    """One version of a registered model. ``stage`` is MLflow's deprecated stage, kept
    for display only: aliases and tags are how versions are promoted now."""

    name: str
    version: str
    status: str
    run_id: str
    source: str
    aliases: tuple[str, ...]
    tags: dict[str, str]
    description: str
    created: datetime | None
    updated: datetime | None
    stage: str = ""

    @property
    def version_number(self) -> int:
        """For sorting; a non-numeric version sorts first."""
        return int(self.version) if self.version.isdigit() else -1

    @classmethod
    def from_mlflow(cls, v: Any) -> ModelVersion:
        return cls(
            name=str(v.name),
            version=version_str(v.version),
            status=str(getattr(v, "status", "") or ""),
            run_id=str(getattr(v, "run_id", "") or ""),
            source=str(getattr(v, "source", "") or ""),
            aliases=tuple(sorted(str(a) for a in (getattr(v, "aliases", None) or ()))),
            tags={str(k): str(t) for k, t in (getattr(v, "tags", None) or {}).items()},
            description=str(getattr(v, "description", "") or ""),
            created=from_millis(getattr(v, "creation_timestamp", None)),
            updated=from_millis(getattr(v, "last_updated_timestamp", None)),
            stage=str(getattr(v, "current_stage", "") or ""),
        )


@dataclass(frozen=True)
class RegisteredModel(Record):
    name: str
    description: str
    created: datetime | None
    updated: datetime | None
    # alias -> version (normalised to str)
    aliases: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    latest_version: str = ""

    @classmethod
    def from_mlflow(cls, m: Any) -> RegisteredModel:
        raw_aliases = getattr(m, "aliases", None) or {}
        if isinstance(raw_aliases, dict):
            aliases = {str(k): version_str(v) for k, v in raw_aliases.items()}
        else:  # some stores hand back alias objects
            aliases = {str(a.alias): version_str(a.version) for a in raw_aliases}
        latest = [version_str(v.version) for v in (getattr(m, "latest_versions", None) or [])]
        numeric = [int(v) for v in latest if v.isdigit()]
        return cls(
            name=str(m.name),
            description=str(getattr(m, "description", "") or ""),
            created=from_millis(getattr(m, "creation_timestamp", None)),
            updated=from_millis(getattr(m, "last_updated_timestamp", None)),
            aliases=dict(sorted(aliases.items())),
            tags={str(k): str(v) for k, v in (getattr(m, "tags", None) or {}).items()},
            latest_version=str(max(numeric)) if numeric else (latest[-1] if latest else ""),
        )


@dataclass(frozen=True)
class TrackingServer(Record):
    """A SageMaker managed MLflow tracking server (from List/Describe)."""

    name: str
    arn: str
    status: str
    mlflow_version: str
    size: str
    url: str
    artifact_store_uri: str
    created: datetime | None
    modified: datetime | None
    is_active: str = ""
    automatic_model_registration: bool | None = None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> TrackingServer:
        from console.records import as_datetime

        auto = d.get("AutomaticModelRegistration")
        return cls(
            name=str(d.get("TrackingServerName", "")),
            arn=str(d.get("TrackingServerArn", "")),
            status=str(d.get("TrackingServerStatus", "") or ""),
            mlflow_version=str(d.get("MlflowVersion", "") or ""),
            size=str(d.get("TrackingServerSize", "") or ""),
            url=str(d.get("TrackingServerUrl", "") or ""),
            artifact_store_uri=str(d.get("ArtifactStoreUri", "") or ""),
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
            is_active=str(d.get("IsActive", "") or ""),
            automatic_model_registration=bool(auto) if auto is not None else None,
        )


@dataclass(frozen=True)
class PackageLink(Record):
    """A SageMaker model package made from a run, and why we think so."""

    arn: str
    group: str
    version: int | None
    approval_status: str
    reason: str


@dataclass(frozen=True)
class RunLineage(Record):
    """Where a run came from and what was made from it."""

    run_id: str
    training_job: str
    model_versions: tuple[ModelVersion, ...]
    packages: tuple[PackageLink, ...]
