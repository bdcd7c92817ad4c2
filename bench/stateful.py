"""Bench: the model-based (Hypothesis stateful) tests with a large budget; one JSON line.

Not a test: run on demand (`.venv/bin/python bench/stateful.py`). The suite runs each
machine with ~60 examples; this runs them with ``--examples`` each (default 5,000) and
reports the examples run and the machines that failed (a failure prints Hypothesis'
falsifying steps above the JSON line).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MACHINES = (
    "tests/tui/test_keyed_table_model.py::TestKeyedTableModel",
    "tests/test_stateful_incremental.py::TestIncrementalLister",
    "tests/test_stateful_poll_schedule.py::TestPollSchedule",
    "tests/test_stateful_log_tail.py::TestFollowerPositions",
    "tests/test_stateful_jobs_feed.py::TestJobsFeed",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5_000)
    args = parser.parse_args()
    env = dict(os.environ, STATEFUL_EXAMPLES=str(args.examples))
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
         "--timeout", "0", *MACHINES],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    tail = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|error)", tail)}
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-5000:])
    failed = counts.get("failed", 0) + counts.get("error", 0)
    print(
        json.dumps(
            {
                "bench": "stateful",
                "machines": len(MACHINES),
                "examples_run": args.examples * (counts.get("passed", 0) + failed),
                "failures_found": failed,
                "seconds": round(seconds, 1),
                "target": "every machine agrees with its model",
            }
        )
    )


if __name__ == "__main__":
    main()
