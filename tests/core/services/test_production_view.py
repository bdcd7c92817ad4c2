"""Production view (issue 16) against a moto server: CloudWatch metrics read in batches,
autoscaling edits through the gate, the traffic guard, endpoint kinds, the CLI's --json.

moto lacks percentile statistics, DescribeScalingActivities and inference components:
the demo's handlers (``console.demo.moto_extras``) are put on the server for these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.errors import UnreadableAnswerError, ValidationError
from console.services.cloudwatch import (
    GuardRule,
    HostMetrics,
    MetricQuery,
    host_flags,
    parse_since,
)
from console.services.traffic_guard import TrafficGuard, breach_reason, gained_traffic
from tests.core.services.test_models_endpoints import make_ab_endpoint
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.helpers import assert_one_error, audit_records
from tests.support.moto_server import MotoServer

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture
def extras(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.cloudwatch.models import Statistics
    from moto.sagemaker.responses import SageMakerResponse

    from console.demo import moto_extras

    monkeypatch.setattr(Statistics, "get_statistics_for_type", moto_extras.percentile_statistic)
    monkeypatch.setattr(
        ApplicationAutoScalingResponse,
        "describe_scaling_activities",
        moto_extras.describe_scaling_activities,
        raising=False,
    )
    for name in (
        "list_inference_components",
        "describe_inference_component",
        "create_inference_component",
    ):
        monkeypatch.setattr(SageMakerResponse, name, getattr(moto_extras, name), raising=False)
    monkeypatch.setattr(moto_extras, "INFERENCE_COMPONENTS", {})
    monkeypatch.setattr(moto_extras, "SCALING_ACTIVITIES", {})
    return aws


@pytest.fixture
def proxy(extras: MotoServer) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(extras.url).start()
    yield fault_proxy
    fault_proxy.stop()


def via(proxy: FaultProxy, **overrides: Any) -> ConsoleContext:
    return ConsoleContext(load_config(overrides={"endpoint_url": proxy.url} | overrides))


def put_variant(
    aws: MotoServer,
    endpoint: str,
    variant: str,
    *,
    minutes: int = 10,
    invocations: float = 100.0,
    errors_5xx: float = 0.0,
    latency_us: float = 20000.0,
) -> None:
    dims = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    data = []
    for i in range(1, minutes + 1):
        at = NOW - timedelta(minutes=i) + timedelta(seconds=5)
        data += [
            {
                "MetricName": "Invocations",
                "Dimensions": dims,
                "Timestamp": at,
                "Value": invocations,
            },
            {
                "MetricName": "Invocation5XXErrors",
                "Dimensions": dims,
                "Timestamp": at,
                "Value": errors_5xx,
            },
            {
                "MetricName": "ModelLatency",
                "Dimensions": dims,
                "Timestamp": at,
                "Value": latency_us,
            },
        ]
    cw = aws.client("cloudwatch")
    for start in range(0, len(data), 500):
        cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=data[start : start + 500])


# --- batching ------------------------------------------------------------------------------


def test_one_endpoint_detail_is_one_call_and_cached_for_a_minute(
    proxy: FaultProxy, extras: MotoServer
) -> None:
    put_variant(extras, "fraud", "blue", latency_us=30000.0)
    put_variant(extras, "fraud", "green", errors_5xx=5.0)
    service = via(proxy).cloudwatch
    batch = service.endpoint_metrics("fraud", ["blue", "green"], since=timedelta(hours=1), now=NOW)
    assert proxy.calls("GetMetricData") == 1
    assert batch.calls == 1
    invocations = batch.get("fraud", "green", "Invocations", "Sum")
    assert invocations is not None and invocations.total() == 1000.0
    p99 = batch.get("fraud", "blue", "ModelLatency", "p99")
    assert p99 is not None and p99.values and set(p99.values) == {30000.0}
    # cached: no call; live: one more
    service.endpoint_metrics("fraud", ["blue", "green"], since=timedelta(hours=1), now=NOW)
    assert proxy.calls("GetMetricData") == 1
    service.endpoint_metrics(
        "fraud", ["blue", "green"], since=timedelta(hours=1), now=NOW, live=True
    )
    assert proxy.calls("GetMetricData") == 2


def test_more_than_500_queries_take_two_calls(proxy: FaultProxy) -> None:
    service = via(proxy).cloudwatch
    queries = [
        MetricQuery("AWS/SageMaker", "Invocations", (("EndpointName", f"e{i}"),), "Sum", (str(i),))
        for i in range(501)
    ]
    batch = service.fetch(queries, start=NOW - timedelta(hours=1), end=NOW, period=60)
    assert proxy.calls("GetMetricData") == 2
    assert len(batch.series) == 501


def test_fifty_endpoints_summary_is_one_call(proxy: FaultProxy, extras: MotoServer) -> None:
    put_variant(extras, "ep-3", "AllTraffic", minutes=5, errors_5xx=10.0)
    endpoints = {f"ep-{i}": ["AllTraffic", "canary"] for i in range(50)}
    summary = via(proxy).cloudwatch.endpoints_summary(endpoints, now=NOW)
    assert proxy.calls("GetMetricData") == 1
    assert summary["ep-3"].error_rate_5xx == pytest.approx(0.1)
    assert sum(summary["ep-3"].invocations) == 500.0
    assert summary["ep-4"].error_rate_5xx == 0.0


def test_the_sparkline_buckets_are_whole_minutes_whatever_the_clock(
    proxy: FaultProxy, extras: MotoServer
) -> None:
    """Read at 29 s past a minute, the hour's twelve 5-minute buckets still hold five
    minutes each: unaligned, the newest bucket came back empty (every endpoint of the
    demo looked as if its traffic had just stopped) and the oldest minute was lost."""
    put_variant(extras, "ep", "AllTraffic", minutes=60)
    service = via(proxy).cloudwatch
    late = service.endpoints_summary({"ep": ["AllTraffic"]}, now=NOW + timedelta(seconds=29))
    assert late["ep"].invocations == (500.0,) * 12
    assert late == service.endpoints_summary({"ep": ["AllTraffic"]}, now=NOW)


def test_garbage_answer_to_a_metrics_read_is_a_clear_error(
    proxy: FaultProxy, extras: MotoServer, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_ab_endpoint(extras)
    proxy.add(Fault("garbage", "monitoring", "GetMetricData"))
    with pytest.raises((UnreadableAnswerError, Exception)) as caught:
        via(proxy).cloudwatch.endpoint_metrics("fraud", ["blue"], live=True)
    from console.errors import SmError

    assert isinstance(caught.value, SmError), caught.value
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    result = run_cli("endpoint-metrics", "fraud", "--json")
    assert_one_error(result, caught.value.exit_code)


def test_since_and_guard_rules_refuse_bad_input() -> None:
    assert parse_since("3h") == timedelta(hours=3)
    for bad in ("", "3", "0h", "3y", "-1h"):
        with pytest.raises(ValidationError):
            parse_since(bad)
    assert GuardRule.parse("5xx<1%").threshold == pytest.approx(0.01)
    for bad in ("5xx>1%", "5xx<0%", "latency<1%", "5xx<101%"):
        with pytest.raises(ValidationError):
            GuardRule.parse(bad)


def test_host_flags_idle_gpu_straggler_disk() -> None:
    busy = tuple([80.0] * 12)
    hosts = [
        HostMetrics("algo-1", {"GPUUtilization": busy, "DiskUtilization": (50.0,)}),
        HostMetrics("algo-2", {"GPUUtilization": busy, "DiskUtilization": (95.0,)}),
        HostMetrics("algo-3", {"GPUUtilization": tuple([3.0] * 12)}),
        HostMetrics("algo-4", {"GPUUtilization": tuple([20.0] * 12)}),
    ]
    flags = {(f.host, f.kind) for f in host_flags(hosts)}
    assert flags == {("algo-2", "disk-full"), ("algo-3", "idle-gpu"), ("algo-4", "straggler")}


# --- autoscaling through the gate -------------------------------------------------------


def register_target(aws: MotoServer, endpoint: str = "fraud", variant: str = "blue") -> str:
    resource = f"endpoint/{endpoint}/variant/{variant}"
    client = aws.client("application-autoscaling")
    client.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=4,
    )
    client.put_scaling_policy(
        PolicyName="invocations-70",
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
        },
    )
    return resource


def test_autoscaling_view_json(extras: MotoServer, run_cli: Any) -> None:
    from console.demo import moto_extras

    make_ab_endpoint(extras)
    resource = register_target(extras)
    moto_extras.add_scaling_activity(
        "123456789012",
        "us-east-1",
        resource_id=resource,
        status="Failed",
        description="Setting desired instance count to 5.",
        cause="monitor alarm TargetTracking-High in state ALARM triggered policy invocations-70",
        message="Failed to set desired instance count: insufficient capacity for ml.m5.large",
    )
    result = run_cli("endpoint-autoscaling", "fraud", "--json")
    assert result.exit_code == 0, result.stderr
    view = result.json()
    assert [(t["resource_id"], t["max_capacity"]) for t in view["targets"]] == [(resource, 4)]
    assert view["policies"][0]["kind"] == "TargetTrackingScaling"
    assert "insufficient capacity" in view["activities"][0]["message"]
    text = run_cli("endpoint-autoscaling", "fraud")
    assert "insufficient capacity" in text.stdout


def test_autoscaling_set_goes_through_the_gate(
    proxy: FaultProxy, extras: MotoServer, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_ab_endpoint(extras)
    resource = register_target(extras)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    args = ("endpoint-autoscaling-set", "fraud", "blue", "--min", "2", "--max", "6")

    declined = run_cli(*args)  # no terminal, no --yes: refused before anything is sent
    assert declined.exit_code == 4
    read_only = run_cli("--read-only", *args, "--yes")
    assert_one_error(read_only, 3, "read-only")
    assert proxy.calls("RegisterScalableTarget") == 0
    assert [r["outcome"] for r in audit_records()] == ["refused", "refused"]

    done = run_cli(*args, "--yes", "--json")
    assert done.exit_code == 0, done.stderr
    assert (done.json()["min_capacity"], done.json()["max_capacity"]) == (2, 6)
    assert proxy.calls("RegisterScalableTarget") == 1
    last = audit_records()[-1]
    assert (last["action"], last["target"], last["outcome"]) == ("autoscaling-set", resource, "ok")

    paused = run_cli("endpoint-autoscaling-set", "fraud", "blue", "--suspend", "--yes", "--json")
    assert paused.json()["scale_out_suspended"] is True
    bad = run_cli("endpoint-autoscaling-set", "fraud", "blue", "--min", "5", "--max", "2", "--yes")
    assert_one_error(bad, 2, "min capacity")


# --- the traffic guard --------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = NOW - timedelta(minutes=10)

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_guard_rolls_back_on_a_5xx_burst(proxy: FaultProxy, extras: MotoServer) -> None:
    make_ab_endpoint(extras)
    put_variant(extras, "fraud", "green", minutes=8, errors_5xx=12.0)  # 12% 5xx
    put_variant(extras, "fraud", "blue", minutes=8)
    context = via(proxy)
    endpoints = context.endpoints
    before = endpoints.describe_endpoint("fraud")
    previous = {v.name: v.desired_weight or 0.0 for v in before.variants}
    shifted = {"blue": 10.0, "green": 90.0}
    assert gained_traffic(before, shifted) == ["green"]
    endpoints.update_variant_weights("fraud", shifted)
    clock = Clock()
    guard = TrafficGuard(endpoints, context.cloudwatch, sleep=clock.sleep, now=lambda: clock.now)
    report = guard.watch("fraud", previous, ["green"], GuardRule.parse("5xx<1%"), 15)
    assert report.rolled_back, report
    assert "green" in report.reason
    after = endpoints.describe_endpoint("fraud")
    assert {v.name: v.desired_weight for v in after.variants} == previous
    last = audit_records()[-1]
    assert (last["action"], last["outcome"]) == ("endpoint-weights-rollback", "ok")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("5xx<1%", "green: 5xx rate 6.00% (11 of 182) >= 1.00%"),
        ("4xx<1%", "green: 4xx rate 2.00% (4 of 182) >= 1.00%"),
        ("errors<5%", "green: errors rate 8.00% (15 of 182) >= 5.00%"),
    ],
)
def test_the_rollback_reason_counts_whole_requests_of_its_rule(rule: str, expected: str) -> None:
    """CloudWatch sums can be fractional (the demo's were "10.9349 of 182.248"); the
    reason counts the rule's own errors (it showed the 5xx count for a 4xx rule)."""
    from console.services.cloudwatch import VariantHealth

    invocations = 182.248
    health = VariantHealth(
        "fraud", "green", invocations, invocations * 0.02, invocations * 0.06, 30.0, 25.0, 90.0
    )
    assert breach_reason(health, GuardRule.parse(rule)) == expected


def test_guard_keeps_a_healthy_shift_and_refuses_read_only(
    proxy: FaultProxy, extras: MotoServer
) -> None:
    make_ab_endpoint(extras)
    put_variant(extras, "fraud", "green", minutes=8, errors_5xx=0.0)
    context = via(proxy)
    clock = Clock()
    guard = TrafficGuard(
        context.endpoints, context.cloudwatch, sleep=clock.sleep, now=lambda: clock.now
    )
    report = guard.watch(
        "fraud", {"blue": 1.0, "green": 1.0}, ["green"], GuardRule.parse("5xx<1%"), 3
    )
    assert not report.rolled_back and len(report.checks) == 3
    from console.errors import ReadOnlyError

    read_only = via(proxy, read_only=True)
    with pytest.raises(ReadOnlyError):
        TrafficGuard(read_only.endpoints, read_only.cloudwatch).rollback(
            "fraud", {"blue": 1.0, "green": 1.0}, "test"
        )
    assert proxy.calls("UpdateEndpointWeightsAndCapacities") == 0


# --- endpoint kinds ----------------------------------------------------------------------


def test_each_endpoint_kind_is_recognised(extras: MotoServer, run_cli: Any) -> None:
    from console.demo import moto_extras
    from console.services.endpoint_kinds import kind_of

    make_ab_endpoint(extras)
    moto_extras.add_inference_component(
        "123456789012",
        "us-east-1",
        name="ic-llm",
        endpoint="fraud",
        variant="blue",
        model="fraud-v1",
        copies=0,
        accelerators=1,
    )
    components = run_cli("endpoint-kind", "fraud", "--json").json()
    assert components["kind"] == "inference-components"
    assert components["components"][0]["desired_copies"] == 0
    plain = {"EndpointName": "x", "ProductionVariants": [{"VariantName": "a"}]}
    assert kind_of(plain, []).kind == "instance"
    serverless = {
        "EndpointName": "s",
        "ProductionVariants": [
            {
                "VariantName": "a",
                "CurrentServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
            }
        ],
    }
    kind = kind_of(serverless, [])
    assert kind.kind == "serverless" and kind.serverless[0].memory_mb == 2048
    async_ep = dict(plain, AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://b/out"}})
    assert kind_of(async_ep, []).kind == "async"
    assert kind_of(async_ep, []).async_config.output_path == "s3://b/out"  # type: ignore[union-attr]


# --- CLI --json ------------------------------------------------------------------------


def test_endpoint_metrics_cli_json_csv_and_table(extras: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(extras)
    put_variant(extras, "fraud", "green", minutes=5, errors_5xx=50.0)
    result = run_cli("endpoint-metrics", "fraud", "--variant", "green", "--since", "1h", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    sums = {
        s["metric"]: sum(v for _, v in s["points"]) for s in data["series"] if s["stat"] == "Sum"
    }
    assert sums["Invocations"] == 500.0 and sums["Invocation5XXErrors"] == 250.0
    csv = run_cli("endpoint-metrics", "fraud", "--variant", "green", "--csv")
    assert csv.stdout.splitlines()[0] == "variant,metric,stat,time,value"
    table = run_cli("endpoint-metrics", "fraud")
    assert "50.00%" in table.stdout
    missing = run_cli("endpoint-metrics", "fraud", "--variant", "nope")
    assert_one_error(missing, 2, "no variant nope")


def test_training_metrics_cli_json(extras: MotoServer, run_cli: Any) -> None:
    sm = extras.client("sagemaker")
    sm.create_training_job(
        TrainingJobName="train-1",
        AlgorithmSpecification={
            "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1",
            "TrainingInputMode": "File",
            "MetricDefinitions": [
                {"Name": "test:dcg", "Regex": "dcg=(.*)"}
            ],  # moto: always test:dcg
        },
        RoleArn="arn:aws:iam::123456789012:role/r",
        OutputDataConfig={"S3OutputPath": "s3://b/out"},
        ResourceConfig={
            "InstanceType": "ml.p4d.24xlarge",
            "InstanceCount": 2,
            "VolumeSizeInGB": 50,
        },
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    cw = extras.client("cloudwatch")
    for host, gpu in (("algo-1", 90.0), ("algo-2", 2.0)):
        cw.put_metric_data(
            Namespace="/aws/sagemaker/TrainingJobs",
            MetricData=[
                {
                    "MetricName": "GPUUtilization",
                    "Dimensions": [{"Name": "Host", "Value": f"train-1/{host}"}],
                    "Timestamp": NOW - timedelta(minutes=i),
                    "Value": gpu,
                }
                for i in range(1, 13)
            ],
        )
    cw.put_metric_data(
        Namespace="TrainingJobs",
        MetricData=[
            {
                "MetricName": "test:dcg",
                "Dimensions": [{"Name": "TrainingJobName", "Value": "train-1"}],
                "Timestamp": NOW - timedelta(minutes=i),
                "Value": 1.0 / i,
            }
            for i in range(1, 6)
        ],
    )
    result = run_cli("training-metrics", "train-1", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert [h["host"] for h in data["hosts"]] == ["algo-1", "algo-2"]
    assert len(data["algorithm"]["test:dcg"]) == 5
    assert ("algo-2", "idle-gpu") in {(f["host"], f["kind"]) for f in data["flags"]}


def test_endpoint_bench_asks_and_reports_per_variant(extras: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(extras)
    refused = run_cli("endpoint-bench", "fraud", "--requests", "3", "--rate", "100")
    assert refused.exit_code == 4
    done = run_cli(
        "endpoint-bench",
        "fraud",
        "--requests",
        "4",
        "--rate",
        "200",
        "--variant",
        "blue",
        "--yes",
        "--json",
    )
    assert done.exit_code == 0, done.stderr
    data = done.json()
    assert sum(v["requests"] for v in data["variants"]) == 4
    assert data["variants"][0]["p99_ms"] is not None
    actions = [(r["action"], r["outcome"]) for r in audit_records()]
    assert actions == [("endpoint-bench", "refused"), ("endpoint-bench", "ok")]
