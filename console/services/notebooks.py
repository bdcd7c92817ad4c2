"""Notebook instances: list, describe, create, start, stop, delete, open.

SageMaker answers a missing notebook instance with ``ValidationException: RecordNotFound``;
this service re-words that not-found error to name the instance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

from console import validate
from console.aws import enums
from console.errors import ConflictError, NotFoundError, ValidationError
from console.records import Record, as_datetime
from console.services.base import Service

T = TypeVar("T")

NOTEBOOK_STATUSES = (
    "Pending",
    "InService",
    "Stopping",
    "Stopped",
    "Failed",
    "Deleting",
    "Updating",
)
TRANSITIONAL_STATUSES = frozenset({"Pending", "Stopping", "Deleting", "Updating"})
DELETABLE_STATUSES = frozenset({"Stopped", "Failed"})
DEFAULT_NOTEBOOK_INSTANCE_TYPE = "ml.t3.medium"
DEFAULT_VOLUME_GB = 5
# CreatePresignedNotebookInstanceUrl's SessionExpirationDurationInSeconds bounds.
MIN_SESSION_SECONDS = 1800
MAX_SESSION_SECONDS = 12 * 3600


def console_url(region: str, name: str) -> str:
    """The AWS console page of a notebook instance (works without any API call)."""
    region = region or "us-east-1"
    return (
        f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}"
        f"#/notebook-instances/{quote(name)}"
    )


@dataclass(frozen=True)
class NotebookSummary(Record):
    name: str
    arn: str
    status: str
    instance_type: str
    url: str
    created: datetime | None
    modified: datetime | None

    @property
    def transitional(self) -> bool:
        return self.status in TRANSITIONAL_STATUSES

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> NotebookSummary:
        return cls(
            name=str(d["NotebookInstanceName"]),
            arn=str(d.get("NotebookInstanceArn", "")),
            status=str(d.get("NotebookInstanceStatus", "")),
            instance_type=str(d.get("InstanceType", "")),
            url=str(d.get("Url", "")),
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
        )


@dataclass(frozen=True)
class Notebook(Record):
    # Failure reasons are paragraphs (tracebacks, NCCL errors): shown with their lines.
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"failure_reason"})

    name: str
    arn: str
    status: str
    failure_reason: str
    instance_type: str
    url: str
    role_arn: str
    volume_gb: int | None
    direct_internet_access: str
    root_access: str
    lifecycle_config: str
    subnet_id: str
    created: datetime | None
    modified: datetime | None

    @property
    def transitional(self) -> bool:
        return self.status in TRANSITIONAL_STATUSES

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> Notebook:
        volume = d.get("VolumeSizeInGB")
        return cls(
            name=str(d["NotebookInstanceName"]),
            arn=str(d.get("NotebookInstanceArn", "")),
            status=str(d.get("NotebookInstanceStatus", "")),
            failure_reason=str(d.get("FailureReason", "") or ""),
            instance_type=str(d.get("InstanceType", "")),
            url=str(d.get("Url", "")),
            role_arn=str(d.get("RoleArn", "")),
            volume_gb=int(volume) if volume is not None else None,
            direct_internet_access=str(d.get("DirectInternetAccess", "") or ""),
            root_access=str(d.get("RootAccess", "") or ""),
            lifecycle_config=str(d.get("NotebookInstanceLifecycleConfigName", "") or ""),
            subnet_id=str(d.get("SubnetId", "") or ""),
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
        )


def _not_found(name: str, fn: Callable[[], T]) -> T:
    """Run ``fn``; its not-found error names the notebook instance."""
    try:
        return fn()
    except NotFoundError as exc:
        # SageMaker's own message is the bare word "RecordNotFound": name the instance.
        raise NotFoundError(f"notebook instance {name} not found") from exc


class NotebooksService(Service):
    """Notebook instances: list, describe, create, start, stop, delete, presigned URL."""

    def list_notebooks(
        self,
        *,
        status: str | None = None,
        name_contains: str | None = None,
        limit: int | None = None,
    ) -> Iterator[NotebookSummary]:
        params = self.newest_first(
            validate.choice(status, NOTEBOOK_STATUSES, "notebook instance status"), name_contains
        )
        for item in self.paginate(
            "list_notebook_instances", "NotebookInstances", limit=limit, **params
        ):
            yield NotebookSummary.from_api(item)

    def describe_notebook(self, name: str) -> Notebook:
        validate.name(name, "notebook instance name")
        data = _not_found(
            name,
            lambda: self.call(self.client.describe_notebook_instance, NotebookInstanceName=name),
        )
        return Notebook.from_api(data)

    def create_notebook(
        self,
        name: str,
        role_arn: str,
        *,
        instance_type: str = DEFAULT_NOTEBOOK_INSTANCE_TYPE,
        volume_gb: int = DEFAULT_VOLUME_GB,
    ) -> str:
        validate.name(name, "notebook instance name")
        enums.instance_type(instance_type, "InstanceType", "notebook instance type")
        if not role_arn:
            raise ValidationError(
                "no execution role given",
                validate.NO_ROLE_HINT,
            )
        validate.role_arn(role_arn)
        if validate.positive_int(volume_gb, "volume size (GB)", maximum=16384) < 5:
            raise ValidationError(f"volume size (GB) must be at least 5, got {volume_gb}")
        request = {
            "NotebookInstanceName": name,
            "InstanceType": instance_type,
            "RoleArn": role_arn,
            "VolumeSizeInGB": volume_gb,
        }
        result = self.mutate(
            "notebook-create",
            name,
            request,
            self.client.create_notebook_instance,
            **request,
        )
        return str(result.get("NotebookInstanceArn", ""))

    def start_notebook(self, name: str) -> None:
        """Start a Stopped or Failed instance; one already running (or on its way) is
        said to be so, before anything is sent."""
        validate.name(name, "notebook instance name")
        status = self.describe_notebook(name).status
        if status in ("InService", "Pending", "Updating"):
            already = "already InService" if status == "InService" else f"already {status}"
            raise ConflictError(
                f"notebook instance {name} is {already}; nothing to start",
                f"open it with `smconsole notebook-url {name}`"
                if status == "InService"
                else f"wait for it: `smconsole notebook-describe {name}`",
            )
        if status in ("Stopping", "Deleting"):
            # SageMaker starts only Stopped or Failed instances; said before sending.
            raise ConflictError(
                f"notebook instance {name} is {status}; only a Stopped or Failed instance "
                "can be started",
                f"start it once it is Stopped (`smconsole notebook-describe {name}`)"
                if status == "Stopping"
                else f"it is being deleted; `smconsole notebook-describe {name}` shows it",
            )
        self._mutate(
            "notebook-start", name, self.client.start_notebook_instance, {"Pending", "InService"}
        )

    def stop_notebook(self, name: str) -> None:
        validate.name(name, "notebook instance name")
        self._mutate(
            "notebook-stop", name, self.client.stop_notebook_instance, {"Stopping", "Stopped"}
        )

    def delete_notebook(self, name: str) -> None:
        """Delete a stopped (or failed) notebook; SageMaker refuses running ones."""
        notebook = self.describe_notebook(name)
        if notebook.status not in DELETABLE_STATUSES:
            raise ConflictError(
                f"notebook instance {name} is {notebook.status}; only Stopped or Failed "
                "instances can be deleted",
                f"stop it first: smconsole notebook-stop {name}",
            )
        self._mutate(
            "notebook-delete", name, self.client.delete_notebook_instance, {"Deleting", "gone"}
        )

    def presigned_url(self, name: str, *, session_seconds: int | None = None) -> str:
        """A URL that opens Jupyter without the console login (read-like: not gated)."""
        validate.name(name, "notebook instance name")
        params: dict[str, Any] = {"NotebookInstanceName": name}
        if session_seconds is not None:
            validate.positive_int(
                session_seconds, "session length (s)", maximum=MAX_SESSION_SECONDS
            )
            if session_seconds < MIN_SESSION_SECONDS:
                raise ValidationError(
                    f"session length (s) must be {MIN_SESSION_SECONDS}-{MAX_SESSION_SECONDS}, "
                    f"got {session_seconds}"
                )
            params["SessionExpirationDurationInSeconds"] = session_seconds
        data = _not_found(
            name,
            lambda: self.call(self.client.create_presigned_notebook_instance_url, **params),
        )
        return str(data.get("AuthorizedUrl", ""))

    def console_url(self, name: str) -> str:
        validate.name(name, "notebook instance name")
        return console_url(self.sessions.region, name)

    def _mutate(self, action: str, name: str, fn: Callable[..., Any], applied: set[str]) -> None:
        """One gated call; ``applied``: the statuses that show it took effect ("gone":
        the instance no longer exists), read back if the answer is lost."""

        def reconcile() -> bool:
            try:
                status = self.describe_notebook(name).status
            except NotFoundError:
                status = "gone"
            return status in applied

        _not_found(
            name,
            lambda: self.mutate_checked(
                action, name, {}, lambda: fn(NotebookInstanceName=name), reconcile
            ),
        )
