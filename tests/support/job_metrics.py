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
