"""The Status tab's Cost section against moto, priced from the demo's own Price List
(GetProducts' shape, written where the console caches prices): spend per hour by kind,
today's accrued and the idle resources, checked against values computed by hand."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from console.config import load_config
from console.context import ConsoleContext
from console.demo.prices import TABLE, write_demo_prices
from console.services.cost import RunningCost
from console.services.cost_overview import CostOverview, CostOverviewService, IdleResource
from console.services.pricing import PricingService
from screens.status.view import cost_view, usd
from tests.core.services.test_hyperpod_lifecycle import clusters  # noqa: F401
from tests.support.hostile import HOSTILE, assert_inert_output

ACCOUNT, REGION = "123456789012", "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/xgb:1"
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)
MIDNIGHT = NOW.replace(hour=0, minute=0)
NO_CALLS = "no invocations in 24 h"


def backend() -> Any:
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[ACCOUNT][REGION]


def context() -> ConsoleContext:
    return ConsoleContext(load_config())


@pytest.fixture
def priced(aws: Any) -> ConsoleContext:
    """The demo's prices as the console's cache for this endpoint."""
    config = load_config()
    write_demo_prices(config.region or REGION, config.endpoint_url or aws.url)
    return context()


def make_endpoint(sm: Any, name: str, instances: int, *, age: timedelta) -> None:
    sm.create_model(
        ModelName=f"{name}-model",
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://models-bkt/m.tar.gz"},
        ExecutionRoleArn=ROLE,
    )
    sm.create_endpoint_config(
        EndpointConfigName=f"{name}-cfg",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": instances,
            }
        ],
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-cfg")
    endpoint = backend().endpoints[name]
    endpoint.creation_time = (NOW - age).isoformat()
    for variant in endpoint.production_variants:
        variant["CurrentInstanceCount"] = instances


@pytest.fixture
def running(priced: ConsoleContext, aws: Any) -> ConsoleContext:
    """An idle endpoint (2 x ml.m5.large, 2 days old), a busy one (1 x, 2 days), a
    notebook up for 3 days, a training job on ml.g5.12xlarge for an hour, and an
    endpoint config no endpoint uses."""
    sm = aws.client("sagemaker")
    make_endpoint(sm, "idle-ep", 2, age=timedelta(days=2))
    make_endpoint(sm, "busy-ep", 1, age=timedelta(days=2))
    sm.create_endpoint_config(
        EndpointConfigName="old-cfg",
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": "idle-ep-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    backend().notebook_instances["nb"].last_modified_time = (NOW - timedelta(days=3)).isoformat()
    sm.create_training_job(
        TrainingJobName="big",
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.g5.12xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 600},
    )
    job = backend().training_jobs["big"]
    job.training_job_status = "InProgress"
    job.creation_time = (NOW - timedelta(hours=1)).isoformat()
    aws.client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [
                    {"Name": "EndpointName", "Value": "busy-ep"},
                    {"Name": "VariantName", "Value": "AllTraffic"},
                ],
                "Timestamp": NOW - timedelta(hours=3),
                "Value": 42.0,
                "Unit": "None",
            }
        ],
    )
    return priced


def overview(ctx: ConsoleContext) -> CostOverview:
    return CostOverviewService(ctx.cost, ctx.cloudwatch, clock=lambda: NOW).overview()


def test_spend_today_and_idle_by_hand(running: ConsoleContext) -> None:
    got = overview(running)
    m5_hosting = TABLE[("Hosting", "ml.m5.large")]  # 0.115
    g5_training = TABLE[("Training", "ml.g5.12xlarge")]  # 7.09
    t3_notebook = TABLE[("Notebook", "ml.t3.medium")]  # 0.05
    per_hour = 3 * m5_hosting + g5_training + t3_notebook  # 0.345 + 7.09 + 0.05 = 7.485
    assert got.per_hour == pytest.approx(per_hour)
    assert got.unpriced == 0 and got.prices_note == ""
    assert [(k, c) for k, _usd, c in got.by_kind] == [
        ("training", 1),
        ("endpoint", 2),
        ("notebook", 1),
    ]
    # Since midnight for what was up before it; the training job for its one hour.
    hours_today = (NOW - MIDNIGHT).total_seconds() / 3600
    today = (3 * m5_hosting + t3_notebook) * hours_today + g5_training * min(1.0, hours_today)
    assert got.today == pytest.approx(today)
    # No invocation for a day on idle-ep; busy-ep had 42; the notebook is up 3 days.
    assert got.idle == (
        IdleResource(
            "endpoint", "idle-ep", pytest.approx(2 * m5_hosting), "no invocations in 24 h"
        ),
        IdleResource("notebook", "nb", pytest.approx(t3_notebook), "InService for 3 d"),
    )
    assert got.unused_configs == 1  # old-cfg: free, and said so
    assert got.top[0].name == "big"


def test_without_prices_the_section_says_why(aws: Any) -> None:
    """No cache and a local endpoint: every cost is ``?``, with the reason."""
    aws.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    got = overview(context())
    assert got.unpriced == 1 and got.per_hour == 0.0
    assert "Price List API is not served" in got.prices_note
    text = render(cost_view(got))
    assert "?" in text and "Price List API is not served" in text


def test_nothing_running_still_says_whether_prices_are_known(aws: Any) -> None:
    got = overview(context())
    assert got.running == () and got.idle == ()
    assert got.prices_note.startswith("prices unavailable")
    assert "nothing billable runs" in render(cost_view(got))


def test_the_demo_price_list_goes_through_the_real_parser(priced: ConsoleContext) -> None:
    prices = PricingService(priced.sessions, priced.gate).prices()
    assert prices["Hosting|ml.m5.large"] == TABLE[("Hosting", "ml.m5.large")]
    assert len(prices) == len(TABLE)


def render(renderable: Any) -> str:
    console = Console(width=80, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_hostile_names_render_inert() -> None:
    row = RunningCost("endpoint", f"{HOSTILE}/v", "ml.m5.large", 1, 0.115, NOW)
    got = CostOverview(
        running=(row,),
        by_kind=(("endpoint", 0.115, 1),),
        per_hour=0.115,
        unpriced=0,
        today=1.0,
        idle=(IdleResource("endpoint", HOSTILE, 0.115, "no invocations in 24 h"),),
        unused_configs=0,
        prices_note="",
        idle_note="",
        fetched_at=NOW,
    )
    assert_inert_output(render(cost_view(got)))


def test_money_formatting() -> None:
    assert usd(None) == "?" and usd(None, hourly=True) == "?"
    assert usd(7.485, hourly=True) == "$7.49/h"
    assert usd(0.05, hourly=True) == "$0.050/h"
    assert usd(1234.5) == "$1,234.50"


def test_hyperpod_groups_are_priced_per_instance_now(
    clusters: Any,  # noqa: F811
    priced: ConsoleContext,
) -> None:
    """Each group with instances is a row (``cluster/group``), at HyperPod's own price
    (the ``Cluster`` component: ``USE1-Cluster:ml.g5.xlarge``)."""
    g5 = TABLE[("Cluster", "ml.g5.xlarge")]  # 1.408
    got = overview(priced)
    rows = {(r.kind, r.name): (r.instance_count, r.usd_per_hour) for r in got.running}
    assert rows == {
        ("cluster", "hp-1/controller"): (1, pytest.approx(g5)),
        ("cluster", "hp-1/workers"): (2, pytest.approx(2 * g5)),
        ("cluster", "hp-2/controller"): (1, pytest.approx(g5)),
        ("cluster", "hp-2/workers"): (2, pytest.approx(2 * g5)),
    }
    assert got.per_hour == pytest.approx(6 * g5)  # 8.448
    assert [(k, c) for k, _usd, c in got.by_kind] == [("cluster", 4)]
    assert "4 cluster $8.45/h" in render(cost_view(got))
