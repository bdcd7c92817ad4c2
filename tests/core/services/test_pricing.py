"""Prices from GetProducts (botocore Stubber: moto has no pricing service), the disk
cache, and the cost math checked against values computed by hand from the served list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from console.config import load_config
from console.context import ConsoleContext
from console.services.pricing import (
    PricingService,
    job_cost,
    parse_price_list,
    projected_cost,
)


def product(instance: str, component: str, usd: str, unit: str = "Hrs") -> str:
    """One PriceList entry in the Price List API's real shape (a JSON string)."""
    return json.dumps(
        {
            "product": {
                "productFamily": "ML Instance",
                "attributes": {
                    "regionCode": "us-east-1",
                    "instanceName": instance,
                    "component": component,
                    "servicecode": "AmazonSageMaker",
                },
                "sku": f"SKU{instance}{component}",
            },
            "serviceCode": "AmazonSageMaker",
            "terms": {
                "OnDemand": {
                    "SKU.JRTCKXETXF": {
                        "priceDimensions": {
                            "SKU.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "pricePerUnit": {"USD": usd},
                                "description": f"${usd} per hour",
                            }
                        },
                        "termAttributes": {},
                    }
                }
            },
        }
    )


SERVED = [
    product("ml.m5.large", "Training", "0.1150000000"),
    product("ml.m5.large", "Hosting", "0.1150000000"),
    product("ml.g5.12xlarge", "Training", "7.0900000000"),
    product("ml.t3.medium", "Notebook", "0.0500000000"),
    product("ml.m5.large", "Training", "0.0000000000"),  # free tier: skipped
    product("ml.m5.large", "Storage", "0.14", unit="GB-Mo"),  # not hourly: skipped
    "not json",
]


def test_parse_keeps_hourly_on_demand_prices() -> None:
    prices = parse_price_list(SERVED)
    assert prices == {
        "Training|ml.m5.large": 0.115,
        "Hosting|ml.m5.large": 0.115,
        "Training|ml.g5.12xlarge": 7.09,
        "Notebook|ml.t3.medium": 0.05,
    }


def with_attributes(document: str, **attributes: str | None) -> str:
    """``document`` with attributes set (None: removed)."""
    product = json.loads(document)
    found = product["product"]["attributes"]
    for key, value in attributes.items():
        if value is None:
            found.pop(key, None)
        else:
            found[key] = value
    return json.dumps(product)


def test_hyperpod_instances_are_named_by_their_usage_type() -> None:
    """HyperPod bills ``<REGION>-Cluster:ml.*``: read as the Cluster component whether the
    product names its instance or not; reserved capacity and a usage type naming another
    instance are not an instance's on-demand hour."""
    base = product("ml.p5.48xlarge", "Training", "98.32")
    served = [
        with_attributes(
            base, instanceName=None, component="Cluster", usagetype="USE1-Cluster:ml.p5.48xlarge"
        ),
        with_attributes(
            product("ml.g5.xlarge", "HyperPod", "1.41"), usagetype="USW2-Cluster:ml.g5.xlarge"
        ),
        with_attributes(base, instanceName=None, usagetype="USE1-Cluster:ml.p5.48xlarge-Reserved"),
        with_attributes(
            product("ml.m5.large", "Hosting", "0.115"), usagetype="USE1-Host:ml.m5.large"
        ),
        with_attributes(
            product("ml.m5.large", "Hosting", "0.1"), usagetype="USE1-Host:ml.m5.xlarge"
        ),
    ]
    assert parse_price_list(served) == {
        "Cluster|ml.p5.48xlarge": 98.32,
        "Cluster|ml.g5.xlarge": 1.41,
        "Hosting|ml.m5.large": 0.115,
    }


def test_cost_math_by_hand() -> None:
    # 2 x ml.m5.large, 3600 s of training of which 1800 s billed (spot): per instance
    # 0.5 h x 0.115 = 0.0575, two instances 0.115; the other half saved: 0.115.
    cost = job_cost(0.115, 2, billable_seconds=1800, training_seconds=3600)
    assert cost.usd == pytest.approx(0.115)
    assert cost.spot_savings_usd == pytest.approx(0.115)
    # 1 x ml.g5.12xlarge on demand for 2 h 15 min: 2.25 x 7.09 = 15.9525, nothing saved.
    on_demand = job_cost(7.09, 1, billable_seconds=8100, training_seconds=8100)
    assert (on_demand.usd, on_demand.spot_savings_usd) == (pytest.approx(15.9525), 0.0)
    # The most a 4 x ml.g5.12xlarge job with a 1-day max runtime can cost: 7.09 x 4 x 24.
    assert projected_cost(7.09, 4, 86400) == pytest.approx(680.64)


def stubbed(context: ConsoleContext, answers: int) -> Stubber:
    stub = Stubber(context.sessions.client("pricing"))
    for _ in range(answers):
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": SERVED})
    stub.activate()
    return stub


def test_prices_are_cached_on_disk_for_a_day(monkeypatch: pytest.MonkeyPatch) -> None:
    # No endpoint override (the Stubber answers; nothing leaves the process).
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    now = [1_000_000.0]
    first = ConsoleContext(load_config())
    stub = stubbed(first, 1)
    service = PricingService(first.sessions, first.gate, clock=lambda: now[0])
    assert service.hourly("training", "ml.g5.12xlarge") == 7.09
    assert service.hourly("endpoint", "ml.g5.12xlarge") is None
    stub.assert_no_pending_responses()

    later = ConsoleContext(load_config())
    no_calls = stubbed(later, 0)  # any call now fails the test
    now[0] += 23 * 3600
    cached = PricingService(later.sessions, later.gate, clock=lambda: now[0])
    assert cached.hourly("notebook", "ml.t3.medium") == 0.05
    no_calls.assert_no_pending_responses()

    stale = ConsoleContext(load_config())
    again = stubbed(stale, 1)
    now[0] += 2 * 3600  # 25 h after the first answer: asked again
    refreshed = PricingService(stale.sessions, stale.gate, clock=lambda: now[0])
    assert refreshed.hourly("training", "ml.m5.large") == 0.115
    again.assert_no_pending_responses()


def test_hostile_price_list_entries_are_skipped(aws: Any) -> None:
    from tests.support.hostile import HOSTILE

    hostile = product(HOSTILE, "Training", "1.0")
    bad_price = product("ml.m5.large", "Training", HOSTILE)
    assert parse_price_list([hostile, bad_price]) == {}


def write_price_cache() -> None:
    """The served list as if fetched a minute ago (the cost CLI then asks no pricing)."""
    import time

    context = ConsoleContext(load_config())  # the CLI's own endpoint and region
    path = context.pricing._cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    prices = parse_price_list(SERVED)
    path.write_text(json.dumps({"fetched": time.time() - 60, "prices": prices}))


def test_cost_cli_prices_what_runs(aws: Any, run_cli: Any) -> None:
    from moto.sagemaker.models import sagemaker_backends

    write_price_cache()
    sm = aws.client("sagemaker")
    role = "arn:aws:iam::123456789012:role/SageMakerRole"
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1"
    sm.create_model(
        ModelName="m",
        PrimaryContainer={"Image": image, "ModelDataUrl": "s3://models-bkt/m.tar.gz"},
        ExecutionRoleArn=role,
    )
    sm.create_endpoint_config(
        EndpointConfigName="cfg",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "m",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
            }
        ],
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=role
    )
    sm.create_training_job(
        TrainingJobName="big",
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        RoleArn=role,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.g5.12xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 600},
    )
    backend = sagemaker_backends["123456789012"]["us-east-1"]
    backend.training_jobs["big"].training_job_status = "InProgress"
    for variant in backend.endpoints["ep"].production_variants:
        variant["CurrentInstanceCount"] = 2

    rows = run_cli("cost", "--json")
    assert rows.exit_code == 0, rows.stderr
    hourly = {(r["kind"], r["name"]): r["usd_per_hour"] for r in rows.json()}
    assert hourly == {
        ("training", "big"): pytest.approx(7.09),
        ("endpoint", "ep/AllTraffic"): pytest.approx(0.23),  # 2 x 0.115
        ("notebook", "nb"): pytest.approx(0.05),
    }
    text = run_cli("cost")
    assert "total: $7.37/h" in text.stdout  # 7.09 + 0.23 + 0.05


def test_dry_run_projects_and_caps_refuse(aws: Any, run_cli: Any, monkeypatch: Any) -> None:
    write_price_cache()
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1"
    role = "arn:aws:iam::123456789012:role/SageMakerRole"
    args = ("training-create", "t-1", image, "s3://in-bkt/d", "s3://out-bkt/o", "--role", role)
    big = ("--instance-type", "ml.g5.12xlarge", "--instance-count", "4")
    dry = run_cli(*args, *big, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    # 4 x 7.09 $/h x the default max runtime of 24 h = 680.64
    assert "projected cost at most $680.64" in dry.stdout and "nothing was sent" in dry.stdout
    sm = aws.client("sagemaker")
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    monkeypatch.setenv("SMCONSOLE_MAX_JOB_COST", "500")
    capped = run_cli(*args, *big)
    assert capped.exit_code == 2 and "above max_job_cost $500.00" in capped.stderr
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    fits = run_cli(*args, "--instance-count", "2")  # 2 x 0.115 x 24 = 5.52
    assert fits.exit_code == 0, fits.stderr
    assert "projected cost at most $5.52" in fits.stderr


def test_a_serverless_endpoint_dry_run_says_billed_per_request(aws: Any, run_cli: Any) -> None:
    """No instance-hours: "$0.000/h" read as free; serverless is billed per request."""
    write_price_cache()
    sm = aws.client("sagemaker")
    sm.create_model(
        ModelName="m",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1"},
        ExecutionRoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
    )
    sm.create_endpoint_config(
        EndpointConfigName="sls",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "m",
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
            }
        ],
    )
    dry = run_cli("endpoint-create", "ep", "sls", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout == (
        "dry run: endpoint ep on sls: no instance-hours (serverless: billed per request); "
        "nothing was sent\n"
    )
    assert sm.list_endpoints()["Endpoints"] == []


def test_a_local_stack_has_no_prices(aws: Any) -> None:
    from console.errors import NotSupportedError

    context = ConsoleContext(load_config())
    with pytest.raises(NotSupportedError):
        context.pricing.prices()


def test_cost_without_prices_shows_question_marks_and_why(aws: Any, run_cli: Any) -> None:
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="nb",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
    )
    rows = run_cli("cost", "--json").json()
    assert [(r["name"], r["usd_per_hour"]) for r in rows] == [("nb", None)]
    assert "Price List API is not served" in rows[0]["note"]
    text = run_cli("cost")
    assert "?" in text.stdout and "(+1 without a price)" in text.stdout
