"""Bench: what the production view costs in CloudWatch calls and time.

Not a test: run on demand (`.venv/bin/python bench/endpoint_metrics.py`), prints one JSON
line. One moto server on 127.0.0.1 in this process, with the demo's percentile support.

1. Endpoints refresh: 50 endpoints with two variants each, an hour of minute points for
   a few of them; ``CloudWatchMetricsService.endpoints_summary`` (sparkline + 5xx rate
   per endpoint). Calls counted with the session's ``ApiMetrics``. Target: <= 2 calls.
2. Detail open to first chart: ``endpoint_metrics`` for one two-variant endpoint over 1 h
   (the data the first chart draws). Target: <= 500 ms (median of ``--runs``).
3. The same through the Endpoints tab's code: a feed refresh of the 50 endpoints (rows
   and sparklines; CloudWatch calls counted) and the detail's whole metrics read
   (``screens.endpoints.health.read_health``: kind, the batch, shifts, autoscaling).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.listing_cost import isolate

TARGET_CALLS = 2
TARGET_FIRST_CHART_MS = 500.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from moto.cloudwatch.models import Statistics

    from console.demo import moto_extras
    from tests.support.moto_server import start_moto_server

    Statistics.get_statistics_for_type = moto_extras.percentile_statistic  # type: ignore[method-assign]
    # The local stack (the demo's server) answers inference components: so does this one.
    from moto.sagemaker.responses import SageMakerResponse

    for name in ("list_inference_components", "describe_inference_component"):
        setattr(SageMakerResponse, name, getattr(moto_extras, name))
    server = start_moto_server()
    try:
        isolate(server.url, Path(tempfile.mkdtemp(prefix="bench-metrics-")))
        from console.config import load_config
        from console.context import ConsoleContext

        now = datetime.now(UTC).replace(second=0, microsecond=0)
        cw = server.client("cloudwatch")
        for index in range(5):
            for variant in ("blue", "green"):
                dims = [
                    {"Name": "EndpointName", "Value": f"ep-{index}"},
                    {"Name": "VariantName", "Value": variant},
                ]
                data = [
                    {
                        "MetricName": metric,
                        "Dimensions": dims,
                        "Timestamp": now - timedelta(minutes=m),
                        "Value": value,
                    }
                    for m in range(1, 61)
                    for metric, value in (
                        ("Invocations", 100.0),
                        ("Invocation5XXErrors", 1.0),
                        ("ModelLatency", 20000.0 + m),
                    )
                ]
                cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=data)

        context = ConsoleContext(load_config())
        metrics = context.sessions.metrics
        service = context.cloudwatch
        endpoints = {f"ep-{i}": ["blue", "green"] for i in range(args.endpoints)}
        before = metrics.snapshot()
        service.endpoints_summary(endpoints, now=now)
        after = metrics.snapshot()

        def total(snapshot: object) -> int:
            return sum(
                s.calls_total
                for s in snapshot.services  # type: ignore[attr-defined]
                if s.service == "cloudwatch"
            )

        calls = total(after) - total(before)
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            batch = service.endpoint_metrics(
                "ep-1", ["blue", "green"], since=timedelta(hours=1), live=True, now=now
            )
            timings.append((time.perf_counter() - started) * 1000.0)
            assert batch.get("ep-1", "blue", "Invocations", "Sum") is not None
        first_chart = statistics.median(timings)
        feed_calls, detail_ms = tab_measures(context, server, args.endpoints, args.runs)
        print(
            json.dumps(
                {
                    "endpoints": args.endpoints,
                    "refresh_cloudwatch_calls": calls,
                    "refresh_target": TARGET_CALLS,
                    "first_chart_ms_median": round(first_chart, 1),
                    "first_chart_target_ms": TARGET_FIRST_CHART_MS,
                    "tab_refresh_cloudwatch_calls": feed_calls,
                    "detail_read_ms_median": round(detail_ms, 1),
                    "ok": max(calls, feed_calls) <= TARGET_CALLS
                    and max(first_chart, detail_ms) <= TARGET_FIRST_CHART_MS,
                }
            )
        )
    finally:
        server.stop()


def tab_measures(context: object, server: object, endpoints: int, runs: int) -> tuple[int, float]:
    """(CloudWatch calls of one Endpoints feed refresh, median ms of the detail's read)."""
    from console.services.endpoints_feed import EndpointsFeed
    from screens.endpoints.health import read_health

    sm = server.client("sagemaker")  # type: ignore[attr-defined]
    role = "arn:aws:iam::123456789012:role/bench"
    sm.create_model(
        ModelName="bench-model",
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName="bench-ab",
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": "bench-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
            for variant in ("blue", "green")
        ],
    )
    for index in range(endpoints):
        sm.create_endpoint(EndpointName=f"ep-{index}", EndpointConfigName="bench-ab")
    service = context.cloudwatch  # type: ignore[attr-defined]
    feed = EndpointsFeed(context)  # type: ignore[arg-type]
    before = service.calls
    feed.fetch()
    calls = service.calls - before
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        read_health(context, "ep-1", ("blue", "green"), live=True)  # type: ignore[arg-type]
        timings.append((time.perf_counter() - started) * 1000.0)
    return calls, statistics.median(timings)


if __name__ == "__main__":
    main()
