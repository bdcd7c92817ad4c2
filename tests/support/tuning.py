"""A tuning job's trial on the moto server: a training job tied to the tuning job, with
its objective as a final metric (the demo's moto extras list it as the trial's
FinalHyperParameterTuningJobObjectiveMetric)."""

from __future__ import annotations

from typing import Any

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def add_trial(
    aws: Any, tuning: str, name: str, value: float, metric: str, **hyperparameters: str
) -> None:
    from moto.sagemaker.models import sagemaker_backends

    aws.client("sagemaker").create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        HyperParameters=hyperparameters,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 600},
    )
    backend = sagemaker_backends["123456789012"]["us-east-1"]
    job = backend.training_jobs[name]
    job.tuning_job_arn = backend.hyper_parameter_tuning_jobs[tuning].arn
    job.final_metric_data_list = [
        {"MetricName": metric, "Value": value, "Timestamp": job.creation_time}
    ]
