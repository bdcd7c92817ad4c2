"""Bench: the model-based (Hypothesis stateful) tests with a large budget; one JSON line.

Not a test: run on demand (`.venv/bin/python bench/stateful.py`). The suite runs each
machine with ~60 examples; this runs them with ``--examples`` each (default 5,000) and
reports the examples run and the machines that failed (a failure prints Hypothesis'
falsifying steps above the JSON line).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pytest_budget import run_with_budget

MACHINES = (
    "tests/tui/kit/test_keyed_table_model.py::TestKeyedTableModel",
    "tests/core/services/test_stateful_incremental.py::TestIncrementalLister",
    "tests/tui/kit/test_stateful_poll_schedule.py::TestPollSchedule",
    "tests/core/slurm/test_stateful_log_tail.py::TestFollowerPositions",
    "tests/core/services/test_stateful_jobs_feed.py::TestJobsFeed",
    "tests/core/events/test_events_stateful.py::TestConsumer",
    "tests/core/events/test_events_switch_stateful.py::TestSwitch",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5_000)
    args = parser.parse_args()
    budget = {"STATEFUL_EXAMPLES": str(args.examples)}
    tally = run_with_budget(budget, "-p", "no:xdist", *MACHINES)
    print(
        json.dumps(
            {
                "bench": "stateful",
                "machines": len(MACHINES),
                "examples_run": args.examples * (tally.passed + tally.failed),
                "failures_found": tally.failed,
                "seconds": tally.seconds,
                "target": "every machine agrees with its model",
            }
        )
    )


if __name__ == "__main__":
    main()
