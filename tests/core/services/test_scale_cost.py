"""The projected cost of a scale (issue 17): a HyperPod instance group's count and an
endpoint variant's autoscaling max, against a moto server with the demo's served Price
List (HyperPod instances under their own usage type, ``USE1-Cluster:ml.*``).

Every figure is computed by hand from the table; above ``max_hourly_cost`` the change is
refused with the numbers, audited once, and nothing is sent (requests counted at the
fault proxy); an unknown price says ``?`` and why, and never blocks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import click.testing
import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.demo.prices import TABLE, price_list, write_demo_prices
from console.services.hyperpod_lifecycle import ClusterLifecycle, scale_cost
from console.services.pricing import cache_path, parse_price_list, store_prices
from console.services.projection import CostCapError, combined, project_scale
from tests.core.services.test_hyperpod_lifecycle import clusters, targets  # noqa: F401
from tests.core.services.test_models_endpoints import make_ab_endpoint
from tests.core.services.test_production_view import register_target
from tests.support.fault_proxy import FaultProxy
from tests.support.helpers import assert_one_error, audit_records

G5 = TABLE[("Cluster", "ml.g5.xlarge")]  # 1.408
M5 = TABLE[("Hosting", "ml.m5.large")]  # 0.115
GROW = "projected cost: +2 x ml.g5.xlarge at $1.408/h = +$2.816/h (hp-1 now $4.224/h -> $7.040/h)"
RAISE = (
    "projected cost: at most +2 x ml.m5.large at $0.115/h = +$0.230/h "
    "(blue at max $0.460/h -> $0.690/h)"
)


@pytest.fixture
def proxy(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """The fault proxy in front of moto, priced: the demo's table is where the console
    reads the proxy's prices (as the demo serves them to the console)."""
    fault_proxy = FaultProxy(aws.url).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    write_demo_prices(load_config().region or "us-east-1", fault_proxy.url)
    yield fault_proxy
    fault_proxy.stop()


def via(proxy: FaultProxy, **overrides: Any) -> ConsoleContext:
    return ConsoleContext(load_config(overrides={"endpoint_url": proxy.url, **overrides}))


def outcomes(action: str) -> list[str]:
    return [r["outcome"] for r in audit_records(intents=True) if r["action"] == action]


@pytest.fixture
def tty(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI runner's stdin is a terminal: the question is asked (and answered by
    ``input=``), so its text can be read on stderr."""
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)


# --- the served price list ----------------------------------------------------------------


def test_hyperpod_instances_are_read_from_their_usage_type() -> None:
    documents = price_list("us-east-1")
    cluster = [json.loads(d) for d in documents if "-Cluster:" in d]
    attributes = cluster[0]["product"]["attributes"]
    assert "instanceName" not in attributes  # named by the usage type, as AWS lists them
    assert attributes["usagetype"].startswith("USE1-Cluster:ml.")
    prices = parse_price_list(documents)
    assert prices["Cluster|ml.p5.48xlarge"] == 113.068
    assert prices["Cluster|ml.g5.xlarge"] == G5 == 1.408
    reserved = json.loads(json.dumps(cluster[0]))
    reserved["product"]["attributes"]["usagetype"] += "-Reserved"  # not an on-demand hour
    reserved["terms"]["OnDemand"] = {
        "T": {"priceDimensions": {"D": {"unit": "Hrs", "pricePerUnit": {"USD": "0.01"}}}}
    }
    alone = parse_price_list([json.dumps(reserved)])
    assert alone == {}


# --- the math, by hand ------------------------------------------------------------------


def test_a_scale_is_priced_by_hand(proxy: FaultProxy) -> None:
    context = via(proxy)
    grow = project_scale(
        context.pricing,
        context.config,
        "hp-1",
        "cluster",
        "ml.g5.xlarge",
        2,
        4,
        label="workers",
        rest=[("cluster", "ml.g5.xlarge", 1)],
    )
    assert grow.usd == pytest.approx(2 * G5)  # 2.816
    assert (grow.before, grow.after) == (pytest.approx(3 * G5), pytest.approx(5 * G5))
    assert grow.line == GROW and grow.refusal is None
    # Another group not priced: the group's own hourly cost, not the cluster's.
    partial = project_scale(
        context.pricing,
        context.config,
        "hp-1",
        "cluster",
        "ml.g5.xlarge",
        2,
        4,
        label="workers",
        rest=[("cluster", "ml.trn1.32xlarge", 1)],
    )
    assert "(workers now $2.816/h -> $5.632/h)" in partial.line
    unknown = project_scale(
        context.pricing, context.config, "hp-1", "cluster", "ml.trn1.32xlarge", 1, 2, label="w"
    )
    assert unknown.usd is None and unknown.refusal is None and not unknown.quiet
    assert unknown.line == "projected cost: ? (no cluster price for ml.trn1.32xlarge)"


def test_scale_cost_of_a_plan_read_from_the_cluster(
    clusters: Any,  # noqa: F811
    proxy: FaultProxy,
) -> None:
    context = via(proxy)
    lifecycle = ClusterLifecycle(context.hyperpod)
    plan = lifecycle.plan_scale("hp-1", "workers", 4)
    assert plan.instance_type == "ml.g5.xlarge" and plan.others == (("ml.g5.xlarge", 1),)
    assert scale_cost(context.pricing, context.config, plan).line == GROW
    shrink = scale_cost(context.pricing, context.config, lifecycle.plan_scale("hp-1", "workers", 1))
    assert shrink.usd == pytest.approx(-G5)
    assert shrink.line == (
        "projected saving: -1 x ml.g5.xlarge at $1.408/h = -$1.408/h "
        "(hp-1 now $4.224/h -> $2.816/h)"
    )
    lifecycle.scale("hp-1", "workers", 4)  # the target moves first; the instances follow
    moving = lifecycle.plan_scale("hp-1", "workers", 3)
    assert (moving.current, moving.target) == (2, 4)
    back = scale_cost(context.pricing, context.config, moving)
    assert back.line.endswith("(hp-1 at target $7.040/h -> $5.632/h)")


def test_the_cap_refuses_growth_never_a_saving(
    clusters: Any,  # noqa: F811
    proxy: FaultProxy,
) -> None:
    context = via(proxy, max_hourly_cost="6")
    lifecycle = ClusterLifecycle(context.hyperpod)
    over = scale_cost(context.pricing, context.config, lifecycle.plan_scale("hp-1", "workers", 4))
    assert isinstance(over.refusal, CostCapError)
    assert over.refusal.message == (
        "hp-1 would cost $7.040/h (+$2.816/h), above max_hourly_cost $6.00; nothing was sent"
    )
    fits = scale_cost(context.pricing, context.config, lifecycle.plan_scale("hp-1", "workers", 3))
    assert fits.refusal is None and fits.after == pytest.approx(4 * G5)  # 5.632 <= 6
    low = via(proxy, max_hourly_cost="1")  # already above: a saving still goes through
    saving = scale_cost(low.pricing, low.config, lifecycle.plan_scale("hp-1", "workers", 1))
    assert saving.refusal is None


def test_several_raises_sum_and_keep_the_first_refusal(proxy: FaultProxy) -> None:
    context = via(proxy, max_hourly_cost="0.5")
    one = project_scale(
        context.pricing, context.config, "r1", "endpoint", "ml.m5.large", 1, 2, label="a"
    )
    two = project_scale(
        context.pricing, context.config, "r2", "endpoint", "ml.m5.large", 4, 6, label="b"
    )
    both = combined([one, two])
    assert both is not None and both.usd == pytest.approx(3 * M5)
    assert both.line.splitlines() == [one.line, two.line]
    assert both.refusal is two.refusal and two.refusal is not None  # 6 x 0.115 = 0.69
    assert combined([]) is None


# --- HyperPod scale from the CLI ----------------------------------------------------------


def test_cli_scale_shows_the_cost_and_answers_it_in_json(
    clusters: Any,  # noqa: F811
    proxy: FaultProxy,
    run_cli: Any,
    aws: Any,
) -> None:
    result = run_cli("hyperpod-scale", "hp-1", "workers", "4", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert GROW in result.stderr  # --yes: no question, the line is still said
    cost = result.json()["cost"]
    assert cost["usd_per_hour_change"] == pytest.approx(2.816)
    assert cost["usd_per_hour_before"] == pytest.approx(4.224)
    assert cost["usd_per_hour_after"] == pytest.approx(7.04)
    assert result.json()["instance_type"] == "ml.g5.xlarge"
    assert targets(aws, "hp-1")["workers"] == 4


def test_cli_scale_question_carries_the_cost(
    clusters: Any,  # noqa: F811
    proxy: FaultProxy,
    run_cli: Any,
    tty: None,
) -> None:
    declined = run_cli("hyperpod-scale", "hp-1", "workers", "4", input="n\n")
    assert declined.exit_code == 4
    question = declined.stderr
    assert question.index(GROW) < question.index("Scale workers of hp-1 from 2 to 4")
    assert proxy.calls("UpdateCluster") == 0
    shrink = run_cli("hyperpod-scale", "hp-1", "workers", "1", input="y\n")
    assert shrink.exit_code == 0, shrink.stderr
    assert "projected saving: -1 x ml.g5.xlarge" in shrink.stderr
    assert proxy.calls("UpdateCluster") == 1
    assert outcomes("hyperpod-scale") == ["refused", "intent", "ok"]


def test_cli_scale_above_max_hourly_cost_sends_nothing(
    clusters: Any,  # noqa: F811
    proxy: FaultProxy,
    run_cli: Any,
    aws: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMCONSOLE_MAX_HOURLY_COST", "6")
    refused = run_cli("hyperpod-scale", "hp-1", "workers", "4", "--yes")
    assert_one_error(refused, 2, "above max_hourly_cost $6.00")
    assert "$7.040/h" in refused.stderr and "hint:" in refused.stderr
    assert proxy.calls("UpdateCluster") == 0
    assert outcomes("hyperpod-scale") == ["refused"]  # audited once
    assert targets(aws, "hp-1")["workers"] == 2


def test_cli_scale_read_only_is_refused_before_prices(
    clusters: Any,  # noqa: F811
    proxy: FaultProxy,
    run_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMCONSOLE_MAX_HOURLY_COST", "1")  # would refuse too: read-only first
    refused = run_cli("--read-only", "hyperpod-scale", "hp-1", "workers", "4", "--yes")
    assert_one_error(refused, 3, "read-only")
    assert proxy.calls("DescribeCluster") == 0 and proxy.calls("UpdateCluster") == 0
    assert [r["outcome"] for r in audit_records()] == ["refused"]


def test_cli_scale_with_an_unknown_price_says_why_and_goes_on(
    clusters: Any,  # noqa: F811
    proxy: FaultProxy,
    run_cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A price list without HyperPod's ml.g5.xlarge (other components priced).
    store_prices(
        cache_path(load_config().region or "us-east-1", proxy.url),
        {"Training|ml.g5.xlarge": 1.408},
        time.time(),
    )
    monkeypatch.setenv("SMCONSOLE_MAX_HOURLY_COST", "1")  # unknown never blocks
    done = run_cli("hyperpod-scale", "hp-1", "workers", "3", "--yes", "--json")
    assert done.exit_code == 0, done.stderr
    assert "projected cost: ? (no cluster price for ml.g5.xlarge)" in done.stderr
    assert done.json()["cost"]["usd_per_hour_change"] is None
    assert proxy.calls("UpdateCluster") == 1


# --- autoscaling raise-max from the CLI -------------------------------------------------


@pytest.fixture
def fraud(proxy: FaultProxy, aws: Any) -> str:
    make_ab_endpoint(aws)  # blue and green: 1 x ml.m5.large each
    return register_target(aws)  # blue: min 1, max 4


def test_raise_max_is_priced_at_its_worst_case(fraud: str, proxy: FaultProxy, run_cli: Any) -> None:
    context = via(proxy)
    projected = context.autoscaling.max_cost(context.pricing, context.config, fraud, 4, 6)
    assert projected is not None and projected.line == RAISE
    assert projected.usd == pytest.approx(2 * M5)
    assert context.autoscaling.max_cost(context.pricing, context.config, fraud, 4, 3) is None
    component = "inference-component/ic-1"
    assert context.autoscaling.max_cost(context.pricing, context.config, component, 1, 9) is None

    result = run_cli(
        "endpoint-autoscaling-set", "fraud", "blue", "--min", "1", "--max", "6", "--yes", "--json"
    )
    assert result.exit_code == 0, result.stderr
    assert RAISE in result.stderr
    answer = result.json()
    assert answer["max_capacity"] == 6
    assert answer["cost"]["usd_per_hour_change"] == pytest.approx(0.23)
    assert answer["cost"]["usd_per_hour_after"] == pytest.approx(0.69)
    lower = run_cli(
        "endpoint-autoscaling-set", "fraud", "blue", "--min", "1", "--max", "5", "--yes", "--json"
    )
    assert "cost" not in lower.json() and "projected" not in lower.stderr  # nothing added


def test_raise_max_question_carries_the_cost(
    fraud: str, proxy: FaultProxy, run_cli: Any, tty: None
) -> None:
    declined = run_cli(
        "endpoint-autoscaling-set", "fraud", "blue", "--min", "1", "--max", "6", input="n\n"
    )
    assert declined.exit_code == 4
    assert declined.stderr.index(RAISE) < declined.stderr.index("min 1->1, max 4->6")
    assert proxy.calls("RegisterScalableTarget") == 0


def test_raise_max_above_max_hourly_cost_sends_nothing(
    fraud: str, proxy: FaultProxy, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMCONSOLE_MAX_HOURLY_COST", "0.5")
    args = ("endpoint-autoscaling-set", "fraud", "blue", "--min", "1", "--max", "6", "--yes")
    refused = run_cli(*args)
    assert_one_error(refused, 2, "blue would cost up to $0.690/h (+$0.230/h)")
    assert proxy.calls("RegisterScalableTarget") == 0
    assert outcomes("autoscaling-set") == ["refused"]
    described = proxy.calls("DescribeEndpoint")
    read_only = run_cli("--read-only", *args)
    assert_one_error(read_only, 3, "read-only")
    assert proxy.calls("DescribeEndpoint") == described  # refused before pricing it
    assert proxy.calls("RegisterScalableTarget") == 0
    assert outcomes("autoscaling-set") == ["refused", "refused"]
