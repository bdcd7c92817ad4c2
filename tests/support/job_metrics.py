"""Host metrics of a training job, put into the moto server's CloudWatch (what SageMaker
publishes under ``/aws/sagemaker/TrainingJobs``, dimension ``Host = <job>/algo-N``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def put_host_metrics(
    aws: Any, job: str, host: str, now: datetime, minutes: int, **values: float
) -> None:
    """One point a minute for the last ``minutes`` minutes, each metric at its value
    (``GPUUtilization=88.0``)."""
    aws.client("cloudwatch").put_metric_data(
        Namespace="/aws/sagemaker/TrainingJobs",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "Host", "Value": f"{job}/{host}"}],
                "Timestamp": now - timedelta(minutes=i),
                "Value": value,
            }
            for i in range(1, minutes + 1)
            for metric, value in values.items()
        ],
    )


def put_algorithm_metrics(
    aws: Any, job: str, now: datetime, minutes: int, **values: list[float]
) -> None:
    """What SageMaker publishes for a job's MetricDefinitions (namespace ``TrainingJobs``,
    dimension ``TrainingJobName``): ``values[metric][i]`` at ``minutes - i`` minutes ago.
    Keyword names cannot hold ``:``; pass ``**{"train:loss": [...]}``."""
    aws.client("cloudwatch").put_metric_data(
        Namespace="TrainingJobs",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "TrainingJobName", "Value": job}],
                "Timestamp": now - timedelta(minutes=minutes - i),
                "Value": value,
            }
            for metric, points in values.items()
            for i, value in enumerate(points)
        ],
    )
