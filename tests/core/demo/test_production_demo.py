"""The demo's production view, as a new operator would try it (issue 16's "done when"):
each endpoint kind, why the autoscaler did not add instances, the idle GPU of a running
job, and a shift to the candidate that the guard rolls back on its 5xx burst."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.demo.stack import DemoStack


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoStack]:
    stack = DemoStack(simulate=False, mlflow=False, seed=7)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
    from moto.cloudwatch.models import Statistics

    from console.demo import moto_extras

    # moto is itself again: no percentile statistics left behind
    assert Statistics.get_statistics_for_type is moto_extras._PLAIN_STATISTIC


@pytest.fixture
def context(demo: DemoStack, monkeypatch: pytest.MonkeyPatch) -> ConsoleContext:
    for name, value in demo.env().items():
        monkeypatch.setenv(name, value)
    return ConsoleContext(load_config())


def test_every_endpoint_kind_is_in_the_demo(context: ConsoleContext) -> None:
    from console.demo import production

    kinds = {
        name: context.endpoint_kinds.kind(name).kind
        for name in (production.SERVERLESS, production.ASYNC, production.COMPONENTS)
    }
    assert kinds == {
        production.SERVERLESS: "serverless",
        production.ASYNC: "async",
        production.COMPONENTS: "inference-components",
    }
    components = context.endpoint_kinds.kind(production.COMPONENTS).components
    assert any(c.scaled_to_zero for c in components)
    assert context.endpoint_kinds.kind("churn-xgb-prod").kind == "instance"


def test_the_detail_kind_charts_get_data_in_the_demo(context: ConsoleContext) -> None:
    """What the detail reads for each kind (one batch, as the screen does) has points:
    cold starts, the async backlog, the serving component's traffic and latency."""
    from console.demo import production
    from screens.endpoints.health import read_health

    expected = {
        production.SERVERLESS: [
            ("serverless", "AllTraffic", "ModelSetupTime", "SampleCount"),
            ("serverless", "AllTraffic", "ModelSetupTime", "Average"),
        ],
        production.ASYNC: [("async", "ApproximateBacklogSize", "Average")],
        production.COMPONENTS: [
            ("component", "genai-llama3-8b", "Invocations", "Sum"),
            ("component", "genai-llama3-8b", "ModelLatency", "p99"),
            ("component", "genai-llama3-8b", "GPUUtilizationNormalized", "Average"),
        ],
    }
    for name, keys in expected.items():
        health = read_health(context, name, ("AllTraffic",))
        for key in keys:
            series = health.batch.get(*key)
            assert series is not None and series.points, (name, key)
        calls = health.batch.get(name, "AllTraffic", "Invocations", "Sum")
        assert calls is not None and calls.total() > 0, name
    # a CPU endpoint has no GPU chart; a GPU one has
    cpu = read_health(context, "churn-xgb-prod", ("AllTraffic",)).batch
    gpu_cpu = cpu.get("churn-xgb-prod", "AllTraffic", "GPUUtilization", "Average")
    assert gpu_cpu is None or not gpu_cpu.points
    ab = read_health(context, production.AB_ENDPOINT, ("v1-baseline",)).batch
    gpu_ab = ab.get(production.AB_ENDPOINT, "v1-baseline", "GPUUtilization", "Average")
    assert gpu_ab is not None and gpu_ab.points
    # the scaled-to-zero component publishes nothing
    ic = read_health(context, production.COMPONENTS, ("AllTraffic",)).batch
    idle = ic.get("component", "genai-bert-embed", "Invocations", "Sum")
    assert idle is None or not idle.points


def test_why_the_autoscaler_did_not_add_instances(context: ConsoleContext) -> None:
    view = context.autoscaling.scaling("llama3-chat-prod", ["v1-baseline", "v2-candidate"])
    failed = [a for a in view.activities if a.failed]
    assert failed and "insufficient capacity" in " ".join(a.message for a in failed)
    assert {t.max_capacity for t in view.targets} == {4, 2}
    assert any(s.name == "night-floor" for s in view.scheduled)


def test_the_running_gpu_job_shows_its_idle_gpu(context: ConsoleContext) -> None:
    from console.demo import production

    metrics = context.cloudwatch.training_metrics(production.GPU_JOB, since=timedelta(hours=1))
    flags = {(f.host, f.kind) for f in metrics.flags}
    assert flags == {("algo-3", "idle-gpu"), ("algo-4", "straggler"), ("algo-2", "disk-full")}
    assert metrics.algorithm["train:loss"]


def test_a_shift_to_the_candidate_is_rolled_back_by_the_guard(
    demo: DemoStack, context: ConsoleContext
) -> None:
    from console.services.cloudwatch import GuardRule
    from console.services.traffic_guard import TrafficGuard

    endpoints = context.endpoints
    before = endpoints.describe_endpoint("llama3-chat-prod")
    previous = {v.name: v.desired_weight or 0.0 for v in before.variants}
    endpoints.update_variant_weights("llama3-chat-prod", {"v1-baseline": 1, "v2-candidate": 9})
    feed = demo.simulator.production  # type: ignore[union-attr]
    assert feed is not None and feed.last_minute is not None
    shifted = feed.last_minute + timedelta(minutes=1)
    assert feed.candidate_share(shifted) > 0.5
    for minute in range(3):
        feed.minute(shifted + timedelta(minutes=minute))
    # the 10/90 split shows in the charts: the candidate takes nine calls in ten
    batch = context.cloudwatch.endpoint_metrics(
        "llama3-chat-prod",
        ["v1-baseline", "v2-candidate"],
        since=timedelta(minutes=3),
        live=True,
        now=shifted + timedelta(minutes=3),
    )
    calls = {
        v: {p.time: p.value for p in s.points}
        for v in ("v1-baseline", "v2-candidate")
        if (s := batch.get("llama3-chat-prod", v, "Invocations", "Sum")) is not None
    }
    moments = sorted(set(calls["v1-baseline"]) & set(calls["v2-candidate"]))
    assert moments, calls
    for moment in moments:
        assert calls["v2-candidate"][moment] == pytest.approx(9 * calls["v1-baseline"][moment])
    clock = {"now": shifted}

    def sleep(seconds: float) -> None:
        clock["now"] += timedelta(seconds=seconds)

    guard = TrafficGuard(endpoints, context.cloudwatch, sleep=sleep, now=lambda: clock["now"])
    report = guard.watch(
        "llama3-chat-prod",
        previous,
        ["v2-candidate"],
        GuardRule.parse("5xx<1%"),
        10,
        shifted_at=shifted,
    )
    assert report.rolled_back, report
    after = endpoints.describe_endpoint("llama3-chat-prod")
    assert {v.name: v.desired_weight for v in after.variants} == previous


def test_the_gpu_job_trains_for_longer_than_any_demo_session(
    demo: DemoStack, context: ConsoleContext
) -> None:
    """The idle GPU must still be there when the operator gets to it: the simulator moves
    the GPU job by a plan that never fails and ends hours after the demo started (an
    adopted plan failed it or finished it within minutes)."""
    from console.demo import production
    from console.demo.seed import FAMILIES

    job = context.jobs.describe_training_job(production.GPU_JOB)
    assert job.status == "InProgress" and job.started is not None and job.created is not None
    assert job.started - job.created == timedelta(minutes=4)
    assert datetime.now(UTC) - job.started > timedelta(hours=1)  # not "5 s" and "$0.00"
    assert [t.status for t in job.transitions] == ["Starting", "Downloading", "Training"]
    plan = demo.world.plans[production.GPU_JOB]
    assert plan.outcome == "Completed"
    assert plan.hosts == production.GPU_HOSTS and len(plan.streams) == production.GPU_HOSTS
    ticks_left = (plan.total_steps - plan.step) / FAMILIES[plan.family].steps_per_tick
    assert ticks_left * demo.simulator.tick_seconds >= 8 * 3600
    assert 0 < plan.step < plan.total_steps  # mid-run: its loss curve has a history


def test_a_second_job_of_the_gpu_type_is_refused_with_the_numbers(
    context: ConsoleContext,
) -> None:
    """The quota story does not fade with the demo's clock: the GPU fine-tune holds four
    of its type's five training instances for hours (the other tight type's jobs end
    within the hour), so two more are refused, with the limit and the use."""
    from console.demo import production
    from console.services.quotas import QuotaExceededError

    kind = production.GPU_INSTANCE_TYPE
    (use,) = [u for u in context.quotas.list_with_use(kind) if u.quota.usage == "training job"]
    assert (use.in_use, use.quota.limit) == (production.GPU_HOSTS, production.GPU_HOSTS + 1)
    context.quotas.preflight("training", kind, 1, warn=pytest.fail)  # one more fits
    with pytest.raises(QuotaExceededError, match="limit 5, 4 in use, this needs 2 more"):
        context.quotas.preflight("training", kind, 2, warn=pytest.fail)
