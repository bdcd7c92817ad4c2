"""From an MLflow run to the SageMaker model packages made from it (the AWS half of
run lineage; the MLflow half is :class:`console.mlflow.service.MlflowService`).

A package counts as made from the run when its ``CustomerMetadataProperties`` name the
run id (``mlflow_run_id``) or the run's training job (``training_job``), or its model
data URL sits under the training job's output prefix. SageMaker's MLflow integration
names a model package group after the registered model, so the groups searched are the
run's registered model names (plus its ``sagemaker.model_package_group`` tag), else the
newest groups of the account. Only the newest packages of each group are described, so
the cost stays bounded (``GROUPS_SCANNED`` x ``PACKAGES_PER_GROUP`` describes at most).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from console.errors import NotFoundError
from console.mlflow.records import PackageLink
from console.services.base import Service

GROUPS_SCANNED = 30
PACKAGES_PER_GROUP = 20
# CustomerMetadataProperties keys that tie a model package to its MLflow run / job.
RUN_ID_KEYS = ("mlflow_run_id", "mlflow.run_id", "MlflowRunId")
JOB_KEYS = ("training_job", "sagemaker.training_job", "TrainingJobName")


class PackageLinksService(Service):
    """Reads model package groups and packages; changes nothing."""

    def packages_for(self, run_id: str, job: str, groups: Sequence[str]) -> list[PackageLink]:
        names = list(groups) or [
            g["ModelPackageGroupName"]
            for g in self.paginate(
                "list_model_package_groups",
                "ModelPackageGroupSummaryList",
                limit=GROUPS_SCANNED,
                SortBy="CreationTime",
                SortOrder="Descending",
            )
        ]
        links: list[PackageLink] = []
        for group in names[:GROUPS_SCANNED]:
            try:
                summaries = list(
                    self.paginate(
                        "list_model_packages",
                        "ModelPackageSummaryList",
                        limit=PACKAGES_PER_GROUP,
                        ModelPackageGroupName=group,
                        SortBy="CreationTime",
                        SortOrder="Descending",
                    )
                )
            except NotFoundError:
                continue  # no SageMaker group of that name: nothing made there
            for summary in summaries:
                arn = summary["ModelPackageArn"]
                d = self.call(self.client.describe_model_package, ModelPackageName=arn)
                reason = package_reason(d, run_id, job)
                if reason:
                    version = d.get("ModelPackageVersion")
                    links.append(
                        PackageLink(
                            arn=arn,
                            group=str(d.get("ModelPackageGroupName", group)),
                            version=int(version) if version is not None else None,
                            approval_status=str(d.get("ModelApprovalStatus", "") or ""),
                            reason=reason,
                        )
                    )
        return links


def package_reason(d: dict[str, Any], run_id: str, job: str) -> str:
    """Why package ``d`` was made from this run/job ("" if it was not)."""
    meta = d.get("CustomerMetadataProperties") or {}
    for key in RUN_ID_KEYS:
        if meta.get(key) == run_id:
            return f"metadata {key}"
    if job:
        for key in JOB_KEYS:
            if meta.get(key) == job:
                return f"metadata {key}"
        for container in (d.get("InferenceSpecification") or {}).get("Containers") or []:
            url = str(container.get("ModelDataUrl") or "")
            if f"/{job}/" in url:
                return "model data from the training job"
    return ""
