"""Quotas: quota-list beside the console's count, and the pre-flight check that refuses
before anything is sent (requests counted at the moto server through the proxy)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from console.services.quotas import parse_quota
from tests.support.fault_proxy import FaultProxy
from tests.support.helpers import audit_records

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1"


@pytest.fixture
def extras(aws: Any) -> Iterator[Any]:
    from console.demo import moto_extras

    moto_extras.install(moto_extras.DemoState(notebook_url_base="http://127.0.0.1:9"))
    moto_extras.SAGEMAKER_QUOTAS.clear()
    moto_extras.SAGEMAKER_QUOTAS.update(
        {
            ("ml.g5.12xlarge", "training job"): 2,
            ("ml.m5.large", "training job"): 20,
            ("ml.m5.large", "transform job"): 1,
            ("ml.t3.medium", "notebook instance"): 1,
        }
    )
    try:
        yield aws
    finally:
        moto_extras.SAGEMAKER_QUOTAS.clear()
        moto_extras.uninstall()


@pytest.fixture
def proxy(extras: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(extras.url).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    yield fault_proxy
    fault_proxy.stop()


def running_training_job(aws: Any, name: str, instance_type: str, count: int) -> None:
    from moto.sagemaker.models import sagemaker_backends

    aws.client("sagemaker").create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={
            "InstanceType": instance_type,
            "InstanceCount": count,
            "VolumeSizeInGB": 10,
        },
        StoppingCondition={"MaxRuntimeInSeconds": 600},
    )
    job = sagemaker_backends["123456789012"]["us-east-1"].training_jobs[name]
    job.training_job_status = "InProgress"


def test_parse_quota_names() -> None:
    quota = parse_quota({"QuotaName": "ml.g5.12xlarge for training job usage", "Value": 4.0})
    assert quota is not None
    assert (quota.instance_type, quota.usage, quota.limit) == ("ml.g5.12xlarge", "training job", 4)
    assert parse_quota({"QuotaName": "Number of domains", "Value": 1}) is None
    assert parse_quota({"QuotaName": "ml.m5.large for endpoint usage", "Value": "x"}) is None


def test_quota_list_shows_use_beside_limits(extras: Any, run_cli: Any) -> None:
    running_training_job(extras, "big-1", "ml.g5.12xlarge", 1)
    listed = run_cli("quota-list", "--json")
    assert listed.exit_code == 0, listed.stderr
    rows = {(r["quota"]["instance_type"], r["quota"]["usage"]): r for r in listed.json()}
    assert set(rows) == {("ml.g5.12xlarge", "training job")}  # only the types in use
    assert rows["ml.g5.12xlarge", "training job"]["in_use"] == 1
    one = run_cli("quota-list", "--type", "ml.m5.large", "--json").json()
    assert {(r["quota"]["usage"], r["in_use"]) for r in one} == {
        ("training job", 0),
        ("transform job", 0),
    }
    text = run_cli("quota-list", "--type", "ml.g5.12xlarge")
    assert "ml.g5.12xlarge" in text.stdout and "training job" in text.stdout


def test_training_over_quota_is_refused_and_nothing_is_sent(
    proxy: FaultProxy, extras: Any, run_cli: Any
) -> None:
    running_training_job(extras, "big-1", "ml.g5.12xlarge", 1)
    args = ("training-create", "big-2", IMAGE, "s3://in-bkt/d", "s3://out-bkt/o")
    big = ("--instance-type", "ml.g5.12xlarge", "--role", ROLE)
    result = run_cli(*args, *big, "--instance-count", "2")
    assert result.exit_code == 2, result.stderr
    assert "limit 2, 1 in use, this needs 2 more" in result.stderr
    assert "hint:" in result.stderr and "request an increase" in result.stderr
    assert proxy.calls("CreateTrainingJob") == 0
    (record,) = [r for r in audit_records(intents=True) if r["action"] == "training-create"]
    assert record["outcome"] == "refused"
    fits = run_cli(*args, *big, "--instance-count", "1")
    assert fits.exit_code == 0, fits.stderr
    assert proxy.calls("CreateTrainingJob") == 1


def test_transform_and_tuning_and_notebook_preflight(
    proxy: FaultProxy, extras: Any, run_cli: Any, tmp_path: Any
) -> None:
    import json

    sm = extras.client("sagemaker")
    sm.create_model(
        ModelName="m",
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://models-bkt/m.tar.gz"},
        ExecutionRoleArn=ROLE,
    )
    two = run_cli(
        "transform-create", "x-1", "m", "s3://a-bkt/i", "s3://a-bkt/o", "ml.m5.large", "2"
    )
    assert two.exit_code == 2 and "limit 1" in two.stderr
    assert proxy.calls("CreateTransformJob") == 0
    spec = {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "auc"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 8, "MaxParallelTrainingJobs": 3},
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {
                "InstanceType": "ml.g5.12xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        },
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    tuning = run_cli("tuning-create", "hpo-q", "--from-json", str(path))
    assert tuning.exit_code == 2 and "this needs 3 more" in tuning.stderr
    assert proxy.calls("CreateHyperParameterTuningJob") == 0
    sm.create_notebook_instance(
        NotebookInstanceName="nb-1", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    sm.create_notebook_instance(
        NotebookInstanceName="nb-2", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    sm.stop_notebook_instance(NotebookInstanceName="nb-2")
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends["123456789012"]["us-east-1"]
    backend.notebook_instances["nb-2"].status = "Stopped"
    started = run_cli("notebook-start", "nb-2")
    assert started.exit_code == 2 and "notebook instance usage" in started.stderr
    assert proxy.calls("StartNotebookInstance") == 0


def test_unknown_quota_warns_and_goes_on(proxy: FaultProxy, run_cli: Any) -> None:
    """Quotas that cannot be read (access denied): a warning, then the create is sent."""
    from tests.support.fault_proxy import Fault

    proxy.add(Fault("denied", "servicequotas", "ListServiceQuotas"))
    args = ("training-create", "t-1", IMAGE, "s3://in-bkt/d", "s3://out-bkt/o", "--role", ROLE)
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    assert "warning: quota for ml.m5.large not checked" in result.stderr
    assert proxy.calls("CreateTrainingJob") == 1


def test_a_local_stack_without_quotas_is_quiet(aws: Any, run_cli: Any) -> None:
    """Plain moto has no SageMaker quotas: nothing to check, nothing said."""
    args = ("training-create", "t-1", IMAGE, "s3://in-bkt/d", "s3://out-bkt/o", "--role", ROLE)
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
