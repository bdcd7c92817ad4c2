"""Model registry fixtures on the moto server: versions with metric reports, endpoints."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sm"


def add_version(
    aws: Any,
    group: str,
    version: int,
    status: str,
    metrics: dict[str, float] | None,
    metadata: dict[str, str] | None = None,
) -> str:
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    params: dict[str, Any] = {
        "ModelPackageGroupName": group,
        "ModelApprovalStatus": status,
        "InferenceSpecification": {
            "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://models/{group}/v{version}.tgz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    }
    if metadata:
        params["CustomerMetadataProperties"] = metadata
    if metrics is not None:
        key = f"{group}/v{version}/statistics.json"
        report = {"binary_classification_metrics": {k: {"value": v} for k, v in metrics.items()}}
        s3.put_object(Bucket="reports", Key=key, Body=json.dumps(report).encode())
        params["ModelMetrics"] = {
            "ModelQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": f"s3://reports/{key}"}
            }
        }
    return str(sm.create_model_package(**params)["ModelPackageArn"])


def pending_version(aws: Any, group: str) -> str:
    """A new ``group`` holding one version pending manual approval, with no metrics: what
    the mutation tests approve, reject or update (its ARN)."""
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName=group)
    return add_version(aws, group, 1, "PendingManualApproval", None)


def serve(aws: Any, endpoint: str, container: dict[str, str]) -> None:
    sm = aws.client("sagemaker")
    sm.create_model(
        ModelName=f"{endpoint}-model",
        PrimaryContainer={"Image": IMAGE, **container},
        ExecutionRoleArn=ROLE,
    )
    sm.create_endpoint_config(
        EndpointConfigName=f"{endpoint}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{endpoint}-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=f"{endpoint}-config")


def seed_churn(aws: Any) -> dict[str, str]:
    """v1 Approved and serving on churn-prod (by model data); v2 Rejected; v3 pending."""
    aws.client("s3").create_bucket(Bucket="reports")
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="churn")
    arns = {
        "v1": add_version(aws, "churn", 1, "Approved", {"auc": 0.90, "logloss": 0.30}),
        "v2": add_version(aws, "churn", 2, "Rejected", {"auc": 0.80, "logloss": 0.50}),
        "v3": add_version(aws, "churn", 3, "PendingManualApproval", {"auc": 0.93, "logloss": 0.35}),
    }
    serve(aws, "churn-prod", {"ModelDataUrl": "s3://models/churn/v1.tgz"})
    return arns
