"""The SageMaker model registry: model package groups, their versions and approvals.

Approval is the one registry action with real consequences (a pipeline may deploy what
is approved), so :meth:`RegistryService.update_approval` re-reads the package just before
changing it and refuses when somebody else changed it since the operator looked: never
overwrite a colleague's decision silently.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console import validate
from console.errors import ConflictError, NotFoundError, SmError, ValidationError, translate
from console.records import Record, as_datetime
from console.services.base import Service

APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")
# Short forms operators type: `--status pending`.
_STATUS_ALIASES = {
    "pending": "PendingManualApproval",
    "approved": "Approved",
    "rejected": "Rejected",
}
_ACTIONS = {
    "Approved": "model-package-approve",
    "Rejected": "model-package-reject",
    "PendingManualApproval": "model-package-update",
}
# SmError kinds -> batch outcomes (anything else is "error").
_OUTCOMES = {"conflict": "conflict", "read-only": "refused"}
GROUP_NAME_MAX = 63
GROUP_DESCRIPTION_MAX = 1024
APPROVAL_DESCRIPTION_MAX = 1024
# Metric reports are small JSON documents; never pull a large object into memory.
METRIC_REPORT_MAX_BYTES = 1_048_576
_METRIC_SKIP_KEYS = frozenset({"version", "dataset", "confusion_matrix", "item_count"})


def approval_status(value: str, field: str = "approval status") -> str:
    """Normalise ``pending``/``approved``/``rejected`` or a full status name."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _STATUS_ALIASES:
            return _STATUS_ALIASES[key]
        for candidate in APPROVAL_STATUSES:
            if candidate.lower() == key:
                return candidate
    raise ValidationError(
        f"unknown {field} {value!r}",
        f"one of {', '.join(APPROVAL_STATUSES)} (or pending, approved, rejected)",
    )


def _group_name(value: str) -> str:
    return validate.name(value, "model package group name", max_len=GROUP_NAME_MAX)


def package_arn(value: str) -> str:
    validate.arn(value, "model package ARN", service="sagemaker")
    if ":model-package/" not in value:
        raise ValidationError(
            f"model package ARN {value!r} does not name a model package",
            "expected arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/VERSION",
        )
    return value


def _metric_reports(model_metrics: Any) -> dict[str, str]:
    """``ModelMetrics`` as ``{"ModelQuality.Statistics": "s3://…", …}``."""
    reports: dict[str, str] = {}
    if not isinstance(model_metrics, dict):
        return reports
    for area, sources in model_metrics.items():
        if not isinstance(sources, dict):
            continue
        for kind, source in sources.items():
            if isinstance(source, dict) and source.get("S3Uri"):
                reports[f"{area}.{kind}"] = str(source["S3Uri"])
    return reports


def parse_metric_report(document: Any) -> dict[str, float]:
    """Numbers from a model-quality statistics report, keyed by metric name.

    Understands SageMaker Model Monitor's format (``{"regression_metrics": {"mse":
    {"value": 0.1, "standard_deviation": …}}}``) and flat ``{"accuracy": 0.9}`` documents.
    Curves and confusion matrices are left out: they are not single numbers.
    """
    metrics: dict[str, float] = {}

    def walk(node: Any, name: str, depth: int) -> None:
        if depth > 4:
            return
        if isinstance(node, bool):
            return
        if isinstance(node, int | float):
            if name:
                metrics[name] = float(node)
            return
        if not isinstance(node, dict):
            return
        value = node.get("value")
        if name and isinstance(value, int | float) and not isinstance(value, bool):
            metrics[name] = float(value)
            return
        for key, child in node.items():
            if str(key) not in _METRIC_SKIP_KEYS:
                walk(child, str(key), depth + 1)

    walk(document, "", 0)
    return metrics


@dataclass(frozen=True)
class ModelPackageGroup(Record):
    name: str
    arn: str
    description: str
    status: str
    created: datetime | None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> ModelPackageGroup:
        return cls(
            name=d["ModelPackageGroupName"],
            arn=d.get("ModelPackageGroupArn", ""),
            description=d.get("ModelPackageGroupDescription", "") or "",
            status=d.get("ModelPackageGroupStatus", "") or "",
            created=as_datetime(d.get("CreationTime")),
        )


def _who(d: dict[str, Any], key: str) -> str:
    by = d.get(key) or {}
    if not isinstance(by, dict):
        return ""
    return str(by.get("UserProfileName") or by.get("IamIdentity", {}).get("Arn") or "")


@dataclass(frozen=True)
class ModelPackage(Record):
    """One model version. From a list summary, the detail fields stay empty."""

    group: str
    version: int | None
    arn: str
    approval_status: str
    status: str
    created: datetime | None
    modified: datetime | None
    modified_by: str
    description: str
    approval_description: str
    model_data_url: str
    image: str
    metric_reports: dict[str, str]
    metrics: dict[str, float]
    created_by: str = ""
    # CustomerMetadataProperties: where lineage (MLflow run id, training job) is recorded.
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.group}/{self.version}" if self.version is not None else self.arn

    @classmethod
    def from_api(cls, d: dict[str, Any], metrics: dict[str, float] | None = None) -> ModelPackage:
        containers = (d.get("InferenceSpecification") or {}).get("Containers") or [{}]
        first = containers[0] if isinstance(containers[0], dict) else {}
        data_url = first.get("ModelDataUrl") or (
            (first.get("ModelDataSource") or {}).get("S3DataSource") or {}
        ).get("S3Uri", "")
        version = d.get("ModelPackageVersion")
        return cls(
            group=d.get("ModelPackageGroupName", "") or "",
            version=int(version) if version is not None else None,
            arn=d.get("ModelPackageArn", ""),
            approval_status=d.get("ModelApprovalStatus", "") or "",
            status=d.get("ModelPackageStatus", "") or "",
            created=as_datetime(d.get("CreationTime")),
            modified=as_datetime(d.get("LastModifiedTime")),
            modified_by=_who(d, "LastModifiedBy"),
            description=d.get("ModelPackageDescription", "") or "",
            approval_description=d.get("ApprovalDescription", "") or "",
            model_data_url=str(data_url or ""),
            image=str(first.get("Image", "") or ""),
            metric_reports=_metric_reports(d.get("ModelMetrics")),
            metrics=dict(metrics or {}),
            created_by=_who(d, "CreatedBy"),
            metadata={
                str(k): str(v) for k, v in (d.get("CustomerMetadataProperties") or {}).items()
            },
        )


@dataclass(frozen=True)
class ApprovalResult(Record):
    """How one package of a batch approval ended.

    ``outcome`` is ``ok``, ``conflict`` (changed by someone else since it was read: nothing
    written), ``refused`` (read-only mode) or ``error`` (anything else, ``message`` says).
    """

    arn: str
    outcome: str
    message: str
    package: ModelPackage | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _newest_first(package: ModelPackage) -> tuple[float, int]:
    created = package.created.timestamp() if package.created else 0.0
    return (-created, -(package.version or 0))


class RegistryService(Service):
    """Model package groups and packages: list, describe, create, delete, approve."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Metric reports belong to an immutable package version: read each once.
        self._reports: dict[str, dict[str, float]] = {}
        self._reports_lock = threading.Lock()

    # --- groups -------------------------------------------------------------------
    def list_groups(self, *, limit: int | None = None) -> list[ModelPackageGroup]:
        params = {"SortBy": "CreationTime", "SortOrder": "Descending"}
        return [
            ModelPackageGroup.from_api(item)
            for item in self.paginate(
                "list_model_package_groups", "ModelPackageGroupSummaryList", limit=limit, **params
            )
        ]

    def describe_group(self, name: str) -> ModelPackageGroup:
        _group_name(name)
        data = self.call(self.client.describe_model_package_group, ModelPackageGroupName=name)
        return ModelPackageGroup.from_api(data)

    def create_group(self, name: str, description: str = "") -> str:
        _group_name(name)
        if len(description) > GROUP_DESCRIPTION_MAX:
            raise ValidationError(f"description is longer than {GROUP_DESCRIPTION_MAX} characters")
        # Checked first: some endpoints (moto) silently replace an existing group.
        if self._group_exists(name):
            raise ConflictError(f"model package group {name} already exists")
        request: dict[str, Any] = {"ModelPackageGroupName": name}
        if description:
            request["ModelPackageGroupDescription"] = description
        result = self.mutate(
            "model-package-group-create",
            name,
            request,
            self.client.create_model_package_group,
            **request,
        )
        return str(result.get("ModelPackageGroupArn", ""))

    def _group_exists(self, name: str) -> bool:
        try:
            self.describe_group(name)
        except NotFoundError:
            return False
        return True

    def delete_group(self, name: str) -> None:
        """Delete a group, refusing (as AWS does) while it still holds packages."""
        self.describe_group(name)
        count = sum(1 for _ in self._package_summaries(name, None, None))
        if count:
            raise ConflictError(
                f"model package group {name} still has {count} model "
                f"package{'s' if count != 1 else ''}: delete them first",
                f"list them with `smconsole model-package-list {name}`, delete each with "
                "`smconsole model-package-delete ARN`",
            )
        self.mutate(
            "model-package-group-delete",
            name,
            {},
            self.client.delete_model_package_group,
            ModelPackageGroupName=name,
        )

    # --- packages -----------------------------------------------------------------
    def delete_package(self, arn: str) -> None:
        """Delete one model package (version) by ARN; it must exist (read first, so a
        wrong ARN is "not found" before anything is audited or sent). A lost answer is
        settled by reading back: gone means it took effect."""
        self.describe_package(arn, metrics=False)

        def reconcile() -> bool:
            try:
                self.describe_package(arn, metrics=False)
            except NotFoundError:
                return True
            return False

        self.mutate_checked(
            "model-package-delete",
            arn,
            {},
            lambda: self.client.delete_model_package(ModelPackageName=arn),
            reconcile,
        )

    def _package_summaries(
        self, group: str, status: str | None, limit: int | None
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "ModelPackageGroupName": group,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
        }
        if status is not None:
            params["ModelApprovalStatus"] = status
        return list(
            self.paginate("list_model_packages", "ModelPackageSummaryList", limit=limit, **params)
        )

    def list_packages(
        self,
        group: str,
        *,
        status: str | None = None,
        limit: int | None = None,
        details: bool = True,
        metrics: bool = True,
    ) -> list[ModelPackage]:
        """The group's versions, newest first, optionally filtered by approval status.

        With ``details`` each version is described (model data URL, metric reports) and its
        model-quality report read once from S3 (unless ``metrics`` is false); without,
        only the list summary is used.
        """
        _group_name(group)
        wanted = approval_status(status) if status is not None else None
        self.describe_group(group)  # "group not found" rather than an empty list
        summaries = self._package_summaries(group, wanted, limit)
        if details:
            packages = [
                self.describe_package(s["ModelPackageArn"], metrics=metrics) for s in summaries
            ]
        else:
            packages = [ModelPackage.from_api(s) for s in summaries]
        return sorted(packages, key=_newest_first)

    def count_packages(self, group: str, *, status: str | None = None, limit: int = 1000) -> int:
        """How many versions of ``group`` have ``status`` (list calls only, no describes).

        For counters polled often (pending approvals per group in the TUI's tab title).
        """
        _group_name(group)
        wanted = approval_status(status) if status is not None else None
        return len(self._package_summaries(group, wanted, limit))

    def describe_package(self, arn: str, *, metrics: bool = True) -> ModelPackage:
        package_arn(arn)
        data = self.call(self.client.describe_model_package, ModelPackageName=arn)
        reports = _metric_reports(data.get("ModelMetrics"))
        values = self._read_metrics(reports) if metrics else {}
        return ModelPackage.from_api(data, values)

    def _read_metrics(self, reports: dict[str, str]) -> dict[str, float]:
        """Best effort: a missing or unreadable report gives no numbers, never an error."""
        uri = reports.get("ModelQuality.Statistics")
        if not uri:
            return {}
        with self._reports_lock:
            cached = self._reports.get(uri)
        if cached is not None:
            return dict(cached)
        values: dict[str, float] = {}
        try:
            validate.s3_uri(uri, "metric report")
            bucket, _, key = uri[len("s3://") :].partition("/")
            s3 = self.sessions.client("s3")
            body = self.call(s3.get_object, Bucket=bucket, Key=key)["Body"]
            raw = body.read(METRIC_REPORT_MAX_BYTES + 1)
            if len(raw) <= METRIC_REPORT_MAX_BYTES:
                values = parse_metric_report(json.loads(raw))
        except Exception:  # best effort by design: a bad report must not break a listing
            return {}
        with self._reports_lock:
            self._reports[uri] = values
        return dict(values)

    def update_approval(
        self,
        package: str,
        status: str,
        comment: str = "",
        expected_status: str | None = None,
    ) -> ModelPackage:
        """Set a package's approval status, refusing if it changed since it was read.

        ``expected_status`` is the status the operator saw when deciding. The package is
        re-read just before the update; if it no longer has that status, nothing is
        written and :class:`ConflictError` says who won.
        """
        package_arn(package)
        target = approval_status(status)
        expected = approval_status(expected_status, "expected status") if expected_status else None
        if len(comment) > APPROVAL_DESCRIPTION_MAX:
            raise ValidationError(f"comment is longer than {APPROVAL_DESCRIPTION_MAX} characters")
        current = self.describe_package(package, metrics=False)
        request: dict[str, Any] = {"ModelPackageArn": package, "ModelApprovalStatus": target}
        if comment:
            request["ApprovalDescription"] = comment
        audited = {**request, "PreviousStatus": current.approval_status}
        if expected is not None and current.approval_status != expected:
            by = f" ({current.modified_by})" if current.modified_by else ""
            conflict = ConflictError(
                f"package changed meanwhile: now {current.approval_status or 'unset'} "
                f"by someone else{by}",
                "look at it again and decide on its current state",
            )

            def refuse() -> None:
                raise conflict

            # Through the gate all the same: the attempt is audited (outcome "error", the
            # conflict as detail), and read-only mode still answers "refused" first.
            self.gate.run(
                _ACTIONS[target], package, {**audited, "ExpectedStatus": expected}, refuse
            )
        self.mutate(_ACTIONS[target], package, audited, self.client.update_model_package, **request)
        return self.describe_package(package)

    def update_approvals(
        self,
        packages: Sequence[tuple[str, str | None]],
        status: str,
        comment: str = "",
    ) -> list[ApprovalResult]:
        """Approve or reject several packages, each on its own (one audit record each).

        ``packages`` pairs each ARN with the status the operator saw. Every package is
        re-read and updated separately: a conflict or error on one is reported in its
        result and never stops, or hides, the others. Input errors that concern the whole
        batch (status, comment) are raised before anything is sent.
        """
        approval_status(status)
        if len(comment) > APPROVAL_DESCRIPTION_MAX:
            raise ValidationError(f"comment is longer than {APPROVAL_DESCRIPTION_MAX} characters")
        results: list[ApprovalResult] = []
        for arn, expected in packages:
            try:
                updated = self.update_approval(arn, status, comment, expected_status=expected)
            except SmError as exc:
                outcome = _OUTCOMES.get(exc.kind, "error")
                results.append(ApprovalResult(arn, outcome, exc.one_line()))
            except Exception as exc:  # one broken package must not hide the others' results
                results.append(ApprovalResult(arn, "error", translate(exc).one_line()))
            else:
                results.append(ApprovalResult(arn, "ok", "", updated))
        return results
