"""A fault soak of the running app: bursts of injected faults per tab, keys pressed
throughout, an action or two under faults, recovery timed after each burst.

Shared by tests/tui/test_fault_soak.py (asserts) and bench/faults.py (prints figures).
The app must talk to AWS through ``proxy`` (``endpoint_url=proxy.url``) with short
timeouts and poll intervals, or a soak takes minutes.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

from screens.kit.header import ContextBar
from screens.kit.poller import Poller
from tests.support.fault_proxy import Fault, FaultProxy

# The calls each tab's poller makes on every poll, and the key that shows the tab.
TAB_CALLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "jobs": ("1", ("ListTrainingJobs", "ListProcessingJobs", "ListHyperParameterTuningJobs")),
    "endpoints": ("2", ("ListEndpoints",)),
    "notebooks": ("6", ("ListNotebookInstances",)),
}
READ_FAULTS = ("refuse", "hang", "slow", "500", "503", "throttle", "truncate", "expired", "denied")
KEYS = ("down", "up", "down", "r", "s", "S", "end", "home")


@dataclass
class SoakReport:
    faults_injected: int = 0
    bursts: int = 0
    recovery_seconds: list[float] = field(default_factory=list)
    key_seconds: list[float] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    def p95(self, values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def poller(app: Any, tab: str) -> Poller[Any]:
    found: Poller[Any] = app.main_screen.query_one(f"#{tab}-poller", Poller)
    return found


async def until(pilot: Any, predicate: Any, timeout: float, what: str) -> float:
    """Run the app until ``predicate()``; the seconds it took (AssertionError on timeout)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        # A plain sleep (see tests/tui/conftest.py's wait_until): ``pilot.pause`` walks every
        # widget on each look, CPU the app being timed would otherwise have; the classes
        # and the header's state read here change without waiting for a refresh.
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


async def show_tab(pilot: Any, app: Any, tab: str) -> None:
    app.action_show_tab(tab)
    await pilot.pause(0.05)


async def press_timed(pilot: Any, report: SoakReport, key: str) -> None:
    start = time.monotonic()
    await pilot.press(key)
    report.key_seconds.append(time.monotonic() - start)


async def run_soak(
    pilot: Any,
    app: Any,
    proxy: FaultProxy,
    *,
    min_faults: int = 100,
    burst: int = 12,
    seed: int = 7,
    recovery_timeout: float = 60.0,
    act: Any = None,
) -> SoakReport:
    """Bursts of ``burst`` faults on one tab's calls at a time until ``min_faults`` were
    injected. ``act(pilot, tab, report)``, if given, runs an action during a burst.

    ``recovery_timeout`` only bounds a tab that never recovers: it is far above the
    recovery time (about one poll) so that a loaded machine never trips it; how fast
    recovery is belongs to ``bench/faults.py``, which prints it."""
    rng = random.Random(seed)
    report = SoakReport()
    tabs = list(TAB_CALLS)
    while report.faults_injected < min_faults:
        tab = tabs[report.bursts % len(tabs)]
        _key, calls = TAB_CALLS[tab]
        # The number key's action, called directly: Pilot.press waits for the screen to
        # be idle, which it never is with three pollers at 0.1 s (~20 s per press).
        await show_tab(pilot, app, tab)
        before = proxy.total_injected
        for _ in range(burst):
            kind = rng.choice(READ_FAULTS)
            proxy.add(Fault(kind, "sagemaker", rng.choice(calls), times=1, delay=0.8))
        if act is not None:
            await act(pilot, tab, report)
        deadline = time.monotonic() + 10
        while proxy.active and time.monotonic() < deadline:
            await press_timed(pilot, report, rng.choice(KEYS))
            await pilot.pause(0.3)
        proxy.clear()  # the fault ends (what was not consumed is dropped)
        report.faults_injected += proxy.total_injected - before
        report.bursts += 1
        shown = poller(app, tab)
        shown.refresh_now()
        report.recovery_seconds.append(
            await until(
                pilot,
                lambda shown=shown: not shown.has_class("-degraded"),
                recovery_timeout,
                f"{tab} to recover",
            )
        )
    return report


def header_healthy(app: Any) -> bool:
    return "API ok" in app.main_screen.query_one(ContextBar).text
