"""Invoke load test: N requests at a fixed rate, latency percentiles and errors per variant.

Invocations run the operator's payload on a production model (and may cost money), so the
whole run is one gated change (``endpoint-bench``: refused read-only, audited with the
request count and rate, never the payload). A failed request is counted, not retried.

The CLI's ``endpoint-bench`` and the TUI's load test (screens/endpoints/load_test.py) both
run :func:`run_bench`; the TUI passes ``progress`` (sent/ok/errors as they come, read by
its timer) and ``stop`` (``esc``: no further request is sent, the result covers those
sent). An answer that does not name the variant that served it
(``x-Amzn-Invoked-Production-Variant``, which SageMaker always sends) is not SageMaker's:
a proxy's login page or garbage under a 200 is counted as an error, never as a fast success.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console import validate
from console.errors import ValidationError
from console.records import Record
from console.sanitize import clean
from console.services.endpoints import EndpointsService, is_json_type, mime_type

MAX_REQUESTS = 10000
MAX_RATE = 1000.0
# The most of a payload file read (``@path``): a larger one is refused before sending.
PAYLOAD_FILE_LIMIT = 25 * 1024 * 1024
# The error messages kept (each failed request has one; a run may have thousands).
ERRORS_KEPT = 100
NOT_SAGEMAKER = (
    "unreadable answer from sagemaker-runtime: a 200 without "
    "x-Amzn-Invoked-Production-Variant (not SageMaker's answer: a proxy or a load balancer?)"
)


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
    first_error: str = ""  # the first failure's message (inert), "" when none failed


@dataclass(frozen=True)
class BenchProgress:
    """Where a run is: handed to ``progress`` after each request (from the worker thread)."""

    total: int
    sent: int = 0
    ok: int = 0
    errors: int = 0


@dataclass(frozen=True)
class BenchResult(Record):
    endpoint: str
    requests: int
    rate: float
    seconds: float
    variants: tuple[VariantBench, ...]
    errors: tuple[str, ...]
    sent: int = 0  # requests actually sent (fewer than ``requests`` when stopped)
    stopped: bool = False


def read_payload_file(path: str) -> str:
    """A payload file named by the operator (``@path`` in the TUI's form), capped."""
    from pathlib import Path

    from console.cli.files import read_text_file

    if not path.strip():
        raise ValidationError("payload file name is empty", "use @path/to/file.json")
    return read_text_file(Path(path.strip()).expanduser(), PAYLOAD_FILE_LIMIT, "payload file")


def bench_request(
    name: str,
    body: str,
    *,
    requests: int,
    rate: float,
    variant: str | None = None,
    content_type: str = "application/json",
) -> dict[str, Any]:
    """Check a load test before anything is sent (raises :class:`ValidationError`) and
    build its InvokeEndpoint request. Pure: the TUI's form checks with it before asking."""
    validate.name(name, "endpoint name")
    validate.positive_int(requests, "request count", maximum=MAX_REQUESTS)
    if not 0 < rate <= MAX_RATE:
        raise ValidationError(
            f"rate {rate:g} must be above 0 and at most {MAX_RATE:g} requests per second",
            "e.g. 10",
        )
    ctype = mime_type(content_type)
    payload = body.encode("utf-8")
    if not payload:
        raise ValidationError("payload is empty", "type JSON text, or @path/to/file")
    if is_json_type(ctype):
        validate.json_payload(body)
    request: dict[str, Any] = {"EndpointName": name, "Body": payload, "ContentType": ctype}
    if variant:
        request["TargetVariant"] = validate.name(variant, "target variant")
    return request


def run_bench(
    endpoints: EndpointsService,
    name: str,
    body: str,
    *,
    requests: int,
    rate: float,
    variant: str | None = None,
    content_type: str = "application/json",
    sleep: Callable[[float], object] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    progress: Callable[[BenchProgress], None] | None = None,
    stop: threading.Event | None = None,
) -> BenchResult:
    """Send ``requests`` invocations at ``rate`` per second through the gate (one
    ``endpoint-bench`` change); ``stop`` set: send no more (the waits wake at once)."""
    request = bench_request(
        name, body, requests=requests, rate=rate, variant=variant, content_type=content_type
    )
    payload = request["Body"]
    runtime = endpoints.sessions.client("sagemaker-runtime")
    pause = sleep or (stop.wait if stop is not None else time.sleep)
    latencies: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    first: dict[str, str] = {}
    errors: list[str] = []
    done = BenchProgress(total=requests)

    def failed(who: str, message: str) -> None:
        failures[who] = failures.get(who, 0) + 1
        first.setdefault(who, message)
        if len(errors) < ERRORS_KEPT:
            errors.append(message)

    def send_all() -> float:
        nonlocal done
        started = clock()
        for index in range(requests):
            due = started + index / rate
            wait = due - clock()
            if wait > 0 and not (stop is not None and stop.is_set()):
                pause(wait)
            if stop is not None and stop.is_set():
                break
            sent = clock()
            try:
                answer = runtime.invoke_endpoint(**request)
                answer["Body"].read()
            except Exception as exc:  # counted, never retried: each request costs
                failed(variant or "?", endpoints.sessions.translate(exc).message)
                done = BenchProgress(requests, done.sent + 1, done.ok, done.errors + 1)
            else:
                served = answer.get("InvokedProductionVariant")
                if served:
                    latencies.setdefault(clean(str(served)), []).append((clock() - sent) * 1000.0)
                    done = BenchProgress(requests, done.sent + 1, done.ok + 1, done.errors)
                else:
                    failed(variant or "?", NOT_SAGEMAKER)
                    done = BenchProgress(requests, done.sent + 1, done.ok, done.errors + 1)
            if progress is not None:
                progress(done)
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
                first_error=first.get(v, ""),
            )
            for v in names
        ),
        errors=tuple(errors),
        sent=done.sent,
        stopped=done.sent < requests,
    )
