"""The suite's own Hypothesis tests run by a bench with a larger budget, and their tally.

Not a bench itself: bench/fuzz.py and bench/stateful.py run pytest on the tests they
stress, with the budget in an environment variable the tests read, and report from the
counts pytest prints last. A failure prints pytest's output (Hypothesis' falsifying
example) on stderr, above the bench's JSON line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Tally:
    """What one pytest run of a bench counted, and how long it took."""

    passed: int
    failed: int  # failed tests and errors
    seconds: float


def run_with_budget(budget: dict[str, str], *pytest_args: str) -> Tally:
    """``pytest -q *pytest_args`` from the repository root, without a timeout or a cache,
    with ``budget`` (e.g. ``FUZZ_EXAMPLES``) added to the environment."""
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout", "0",
         *pytest_args],
        cwd=ROOT, env=dict(os.environ, **budget), capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    tail = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|error)", tail)}
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-5000:])
    failed = counts.get("failed", 0) + counts.get("error", 0)
    return Tally(counts.get("passed", 0), failed, round(seconds, 1))
