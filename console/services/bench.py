"""Invoke load test: N requests at a fixed rate, latency percentiles and errors per variant.

Invocations run the operator's payload on a production model (and may cost money), so the
whole run is one gated change (``endpoint-bench``: refused read-only, audited with the
request count and rate, never the payload). A failed request is counted, not retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console import validate
from console.errors import ValidationError
from console.records import Record
from console.services.endpoints import EndpointsService, is_json_type, mime_type


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0-100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


@dataclass(frozen=True)
class VariantBench(Record):
    variant: str
    requests: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


@dataclass(frozen=True)
class BenchResult(Record):
    endpoint: str
    requests: int
    rate: float
    seconds: float
    variants: tuple[VariantBench, ...]
    errors: tuple[str, ...]


def run_bench(
    endpoints: EndpointsService,
    name: str,
    body: str,
    *,
    requests: int,
    rate: float,
    variant: str | None = None,
    content_type: str = "application/json",
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.perf_counter,
) -> BenchResult:
    validate.name(name, "endpoint name")
    validate.positive_int(requests, "request count", maximum=10000)
    if not 0 < rate <= 1000:
        raise ValidationError(f"rate {rate!r} must be in (0, 1000] requests per second")
    ctype = mime_type(content_type)
    payload = body.encode("utf-8")
    if not payload:
        raise ValidationError("payload is empty")
    if is_json_type(ctype):
        validate.json_payload(body)
    request: dict[str, Any] = {"EndpointName": name, "Body": payload, "ContentType": ctype}
    if variant:
        request["TargetVariant"] = validate.name(variant, "target variant")
    runtime = endpoints.sessions.client("sagemaker-runtime")
    latencies: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    errors: list[str] = []

    def send_all() -> float:
        started = clock()
        for index in range(requests):
            due = started + index / rate
            wait = due - clock()
            if wait > 0:
                sleep(wait)
            sent = clock()
            try:
                answer = runtime.invoke_endpoint(**request)
                answer["Body"].read()
            except Exception as exc:  # counted, never retried: each request costs
                who = variant or "?"
                failures[who] = failures.get(who, 0) + 1
                errors.append(endpoints.sessions.translate(exc).message)
                continue
            who = str(answer.get("InvokedProductionVariant") or variant or "?")
            latencies.setdefault(who, []).append((clock() - sent) * 1000.0)
        return clock() - started

    seconds = endpoints.mutate(
        "endpoint-bench",
        name,
        {"Requests": requests, "Rate": rate, "TargetVariant": variant or "", "Bytes": len(payload)},
        send_all,
    )
    names = sorted(set(latencies) | set(failures))
    return BenchResult(
        endpoint=name,
        requests=requests,
        rate=rate,
        seconds=round(float(seconds or 0.0), 3),
        variants=tuple(
            VariantBench(
                variant=v,
                requests=len(latencies.get(v, [])) + failures.get(v, 0),
                errors=failures.get(v, 0),
                p50_ms=percentile(latencies.get(v, []), 50),
                p95_ms=percentile(latencies.get(v, []), 95),
                p99_ms=percentile(latencies.get(v, []), 99),
            )
            for v in names
        ),
        errors=tuple(errors),
    )
