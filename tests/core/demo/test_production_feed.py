"""The demo's metrics feed (issue 16 follow-up): the traffic follows the variants' weights,
the instance metrics follow the instance type, and each endpoint kind publishes what its
charts read. Pure: :meth:`ProductionFeed.minute_data` is checked without a server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from console.demo import production
from console.demo.production import ProductionFeed, has_gpu

MOMENT = datetime(2026, 12, 6, 14, 7, tzinfo=UTC)  # 14:07: a serverless cold start minute


def feed() -> ProductionFeed:
    variants = {
        "churn-xgb-prod": ["AllTraffic"],
        production.AB_ENDPOINT: ["v1-baseline", production.CANDIDATE],
        production.SERVERLESS: ["AllTraffic"],
        production.ASYNC: ["AllTraffic"],
        production.COMPONENTS: ["AllTraffic"],
    }
    types: dict[tuple[str, str], str | None] = {
        ("churn-xgb-prod", "AllTraffic"): "ml.m5.xlarge",
        (production.AB_ENDPOINT, "v1-baseline"): "ml.g4dn.12xlarge",
        (production.AB_ENDPOINT, production.CANDIDATE): "ml.g4dn.12xlarge",
        (production.SERVERLESS, "AllTraffic"): None,
        (production.ASYNC, "AllTraffic"): "ml.g4dn.xlarge",
        (production.COMPONENTS, "AllTraffic"): "ml.g4dn.12xlarge",
    }
    return ProductionFeed(None, variants, instance_types=types)


def data_of(shares: dict[str, dict[str, float]]) -> dict[str, list[dict[str, Any]]]:
    base = {e: {v: 1.0 / len(vs) for v in vs} for e, vs in feed().variants.items()}
    return feed().minute_data(MOMENT, {**base, **shares})


def values(items: list[dict[str, Any]], metric: str, **dims: str) -> list[float]:
    wanted = [{"Name": k, "Value": v} for k, v in dims.items()]
    return [d["Value"] for d in items if d["MetricName"] == metric and d["Dimensions"] == wanted]


def test_a_ten_ninety_shift_splits_the_invocations_by_weight() -> None:
    data = data_of({production.AB_ENDPOINT: {"v1-baseline": 0.1, production.CANDIDATE: 0.9}})
    sm = data["AWS/SageMaker"]
    ep = production.AB_ENDPOINT
    (base,) = values(sm, "Invocations", EndpointName=ep, VariantName="v1-baseline")
    (cand,) = values(sm, "Invocations", EndpointName=ep, VariantName=production.CANDIDATE)
    assert cand == pytest.approx(9 * base)
    # most of the traffic on the candidate: its 5xx burst
    (errors,) = values(sm, "Invocation5XXErrors", EndpointName=ep, VariantName="v2-candidate")
    assert errors == pytest.approx(cand * 0.06)


def test_a_variant_at_zero_weight_gets_no_calls() -> None:
    data = data_of({production.AB_ENDPOINT: {"v1-baseline": 1.0, production.CANDIDATE: 0.0}})
    sm = data["AWS/SageMaker"]
    ep = production.AB_ENDPOINT
    assert values(sm, "Invocations", EndpointName=ep, VariantName="v2-candidate") == [0.0]
    assert values(sm, "Invocations", EndpointName=ep, VariantName="v1-baseline")[0] > 0


def test_gpu_metrics_only_for_gpu_instance_types() -> None:
    hosts = feed().minute_data(MOMENT, {})["/aws/sagemaker/Endpoints"]
    gpu = values(hosts, "GPUUtilization", EndpointName="churn-xgb-prod", VariantName="AllTraffic")
    assert gpu == []  # ml.m5: a CPU instance
    assert values(hosts, "CPUUtilization", EndpointName="churn-xgb-prod", VariantName="AllTraffic")
    ab = {"EndpointName": production.AB_ENDPOINT, "VariantName": "v1-baseline"}
    assert values(hosts, "GPUUtilization", **ab)
    assert values(hosts, "GPUMemoryUtilization", **ab)
    # serverless: no instances, so no instance metrics at all
    serverless = {"Name": "EndpointName", "Value": production.SERVERLESS}
    assert not [d for d in hosts if serverless in d["Dimensions"]]
    assert (has_gpu("ml.p4d.24xlarge"), has_gpu("ml.m5.xlarge"), has_gpu(None)) == (
        True,
        False,
        False,
    )


def test_each_kind_publishes_what_its_charts_read() -> None:
    data = data_of({})
    sm = data["AWS/SageMaker"]
    dims = {"EndpointName": production.SERVERLESS, "VariantName": "AllTraffic"}
    setup = values(sm, "ModelSetupTime", **dims)
    assert len(setup) == 1 and 2_000_000 < setup[0] < 5_000_000  # microseconds
    (backlog,) = values(sm, "ApproximateBacklogSize", EndpointName=production.ASYNC)
    assert backlog > 0
    serving = {"InferenceComponentName": "genai-llama3-8b"}
    assert values(sm, "Invocations", **serving)[0] > 0
    assert len(values(sm, "ModelLatency", **serving)) == 3
    ic = data[production.COMPONENT_NAMESPACE]
    assert values(ic, "GPUUtilizationNormalized", **serving)
    # scaled to zero: nothing published
    zero = {"InferenceComponentName": "genai-bert-embed"}
    assert values(sm, "Invocations", **zero) == []
    assert values(ic, "CPUUtilizationNormalized", **zero) == []


def test_cold_starts_are_not_every_minute() -> None:
    later = MOMENT.replace(minute=8)
    sm = feed().minute_data(later, {})["AWS/SageMaker"]
    dims = {"EndpointName": production.SERVERLESS, "VariantName": "AllTraffic"}
    assert values(sm, "ModelSetupTime", **dims) == []
