"""API budget: calls per minute per service, throttles and the last error.

SageMaker list calls and CloudWatch GetLogEvents are throttled per account and shared by
every operator, so the console shows what it spends. The session factory feeds this from
botocore's event hooks; the Status tab and ``smconsole status`` read :meth:`snapshot`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class ServiceBudget:
    service: str
    calls_last_minute: int
    calls_total: int
    throttles_total: int
    errors_total: int


@dataclass(frozen=True)
class BudgetSnapshot:
    services: tuple[ServiceBudget, ...]
    last_error: str
    last_error_at: float | None


class ApiMetrics:
    """Thread-safe counters; cheap enough to update on every call."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}
        self._totals: dict[str, int] = {}
        self._throttles: dict[str, int] = {}
        self._errors: dict[str, int] = {}
        self._last_error = ""
        self._last_error_at: float | None = None

    def record_call(self, service: str) -> None:
        now = self._clock()
        with self._lock:
            recent = self._recent.setdefault(service, deque())
            recent.append(now)
            self._trim(recent, now)
            self._totals[service] = self._totals.get(service, 0) + 1

    def record_error(self, service: str, operation: str, code: str, throttled: bool) -> None:
        with self._lock:
            self._errors[service] = self._errors.get(service, 0) + 1
            if throttled:
                self._throttles[service] = self._throttles.get(service, 0) + 1
            self._last_error = f"{service}.{operation}: {code}"
            self._last_error_at = time.time()

    def _trim(self, recent: deque[float], now: float) -> None:
        while recent and now - recent[0] > WINDOW_SECONDS:
            recent.popleft()

    def calls_total(self, service: str | None = None) -> int:
        with self._lock:
            if service is None:
                return sum(self._totals.values())
            return self._totals.get(service, 0)

    def snapshot(self) -> BudgetSnapshot:
        now = self._clock()
        with self._lock:
            rows = []
            for service in sorted(self._totals):
                recent = self._recent.get(service, deque())
                self._trim(recent, now)
                rows.append(
                    ServiceBudget(
                        service=service,
                        calls_last_minute=len(recent),
                        calls_total=self._totals[service],
                        throttles_total=self._throttles.get(service, 0),
                        errors_total=self._errors.get(service, 0),
                    )
                )
            return BudgetSnapshot(tuple(rows), self._last_error, self._last_error_at)
