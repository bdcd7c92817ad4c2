"""The quota pre-flight of scaling changes made by services: an endpoint variant's
autoscaling max and a HyperPod instance group's count. Over the quota: refused, audited,
nothing sent (requests counted at the moto server through the fault proxy); lowering is
never refused; within the quota the change goes through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.services.autoscaling import VARIANT_DIMENSION
from console.services.hyperpod_lifecycle import ClusterLifecycle
from console.services.quotas import QuotaExceededError
from tests.core.services.test_hyperpod_lifecycle import clusters, targets  # noqa: F401
from tests.core.services.test_models_endpoints import make_ab_endpoint
from tests.core.services.test_production_view import register_target
from tests.support.fault_proxy import FaultProxy
from tests.support.helpers import audit_records


@pytest.fixture
def quotas(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[tuple[str, str], float]]:
    """SageMaker's applied quotas, served by the demo's ListServiceQuotas handler."""
    from moto.servicequotas.responses import ServiceQuotasResponse

    from console.demo import moto_extras

    monkeypatch.setattr(
        ServiceQuotasResponse,
        "list_service_quotas",
        moto_extras.list_service_quotas,
        raising=False,
    )
    moto_extras.SAGEMAKER_QUOTAS.clear()
    try:
        yield moto_extras.SAGEMAKER_QUOTAS
    finally:
        moto_extras.SAGEMAKER_QUOTAS.clear()


@pytest.fixture
def proxy(aws: Any) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(aws.url).start()
    yield fault_proxy
    fault_proxy.stop()


def via(proxy: FaultProxy) -> ConsoleContext:
    return ConsoleContext(load_config(overrides={"endpoint_url": proxy.url}))


def outcomes(action: str) -> list[str]:
    return [r["outcome"] for r in audit_records() if r["action"] == action]


def test_autoscaling_max_over_the_endpoint_quota_is_refused(
    quotas: dict[tuple[str, str], float], proxy: FaultProxy, aws: Any
) -> None:
    from moto.sagemaker.models import sagemaker_backends

    make_ab_endpoint(aws)  # blue and green: 1 x ml.m5.large each
    for variant in (
        sagemaker_backends["123456789012"]["us-east-1"].endpoints["fraud"].production_variants
    ):
        variant["CurrentInstanceCount"] = 1
    resource = register_target(aws)  # blue: min 1, max 4
    quotas[("ml.m5.large", "endpoint")] = 8
    service = via(proxy).autoscaling

    # 2 in use; max 9 lets blue add 8 (9 - its 1): 10 > 8.
    with pytest.raises(QuotaExceededError) as refused:
        service.set_capacity(resource, VARIANT_DIMENSION, 1, 9)
    assert "limit 8, 2 in use, this needs 8 more" in refused.value.message
    assert "request an increase" in (refused.value.hint or "")
    assert proxy.calls("RegisterScalableTarget") == 0
    assert outcomes("autoscaling-set") == ["refused"]

    # Max 6 adds at most 5: 7 <= 8, sent.
    assert service.set_capacity(resource, VARIANT_DIMENSION, 1, 6).max_capacity == 6
    assert proxy.calls("RegisterScalableTarget") == 1

    # Lowering is never refused, even over a quota lowered meanwhile.
    quotas[("ml.m5.large", "endpoint")] = 1
    calls = proxy.calls("ListServiceQuotas")
    assert service.set_capacity(resource, VARIANT_DIMENSION, 1, 5).max_capacity == 5
    assert proxy.calls("ListServiceQuotas") == calls  # not even asked
    assert outcomes("autoscaling-set") == ["refused", "ok", "ok"]


def test_autoscaling_without_a_known_quota_warns_and_goes_on(
    quotas: dict[tuple[str, str], float], proxy: FaultProxy, aws: Any
) -> None:
    make_ab_endpoint(aws)
    resource = register_target(aws)
    warnings: list[str] = []
    target = via(proxy).autoscaling.set_capacity(
        resource, VARIANT_DIMENSION, 1, 6, warn=warnings.append
    )
    assert target.max_capacity == 6
    assert warnings and "no applied quota found for ml.m5.large" in warnings[0]


def test_read_only_refuses_before_the_quota_is_read(
    quotas: dict[tuple[str, str], float], proxy: FaultProxy, aws: Any
) -> None:
    make_ab_endpoint(aws)
    resource = register_target(aws)
    context = ConsoleContext(load_config(overrides={"endpoint_url": proxy.url, "read_only": True}))
    with pytest.raises(Exception, match="read-only"):
        context.autoscaling.set_capacity(resource, VARIANT_DIMENSION, 1, 9)
    assert proxy.calls("ListServiceQuotas") == 0
    assert proxy.calls("RegisterScalableTarget") == 0


def test_hyperpod_scale_over_the_cluster_quota_is_refused(
    clusters: Any,  # noqa: F811
    quotas: dict[tuple[str, str], float],
    proxy: FaultProxy,
    aws: Any,
) -> None:
    # Two clusters of 1 controller + 2 workers, all ml.g5.xlarge: 6 in use.
    quotas[("ml.g5.xlarge", "cluster")] = 7
    lifecycle = ClusterLifecycle(via(proxy).hyperpod)
    with pytest.raises(QuotaExceededError) as refused:
        lifecycle.scale("hp-1", "workers", 4)  # +2: 8 > 7
    assert "limit 7, 6 in use, this needs 2 more" in refused.value.message
    assert proxy.calls("UpdateCluster") == 0
    assert outcomes("hyperpod-scale") == ["refused"]
    assert targets(aws, "hp-1")["workers"] == 2

    lifecycle.scale("hp-1", "workers", 3)  # +1: 7, fits
    assert proxy.calls("UpdateCluster") == 1
    assert targets(aws, "hp-1")["workers"] == 3


def test_hyperpod_scale_down_is_never_refused(
    clusters: Any,  # noqa: F811
    quotas: dict[tuple[str, str], float],
    proxy: FaultProxy,
    aws: Any,
) -> None:
    quotas[("ml.g5.xlarge", "cluster")] = 1  # already far over
    ClusterLifecycle(via(proxy).hyperpod).scale("hp-1", "workers", 1)
    assert proxy.calls("ListServiceQuotas") == 0
    assert targets(aws, "hp-1")["workers"] == 1


def test_quota_list_counts_cluster_instances(
    clusters: Any,  # noqa: F811
    quotas: dict[tuple[str, str], float],
    run_cli: Any,
) -> None:
    quotas[("ml.g5.xlarge", "cluster")] = 10
    rows = run_cli("quota-list", "--json").json()
    assert [(r["quota"]["usage"], r["in_use"]) for r in rows] == [("cluster", 6)]


def test_the_cli_refuses_a_scale_over_the_quota_with_the_numbers(
    clusters: Any,  # noqa: F811
    quotas: dict[tuple[str, str], float],
    proxy: FaultProxy,
    run_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    quotas[("ml.g5.xlarge", "cluster")] = 7
    refused = run_cli("hyperpod-scale", "hp-1", "workers", "5", "--yes")
    assert refused.exit_code == 2, refused.stderr
    assert "limit 7, 6 in use, this needs 3 more" in refused.stderr
    assert "hint:" in refused.stderr
    assert proxy.calls("UpdateCluster") == 0
    fits = run_cli("hyperpod-scale", "hp-2", "workers", "3", "--yes")  # 7: fits
    assert fits.exit_code == 0, fits.stderr
    assert proxy.calls("UpdateCluster") == 1
