"""Bench: the fuzz suite (tests/core/test_fuzz.py) with a large budget; prints one JSON line.

Not a test: run on demand (`.venv/bin/python bench/fuzz.py`). The normal suite runs the
same Hypothesis tests with ~150 examples each; this runs them with ``--examples`` each
(default 10,000; the app-start keymap test is capped at 15 by design) and reports how many
tests ran, how many failed (a failure prints Hypothesis' falsifying example above the
JSON line), and the time taken.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pytest_budget import run_with_budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--workers", default="2")
    args = parser.parse_args()
    budget = {"FUZZ_EXAMPLES": str(args.examples)}
    tally = run_with_budget(budget, "-n", args.workers, "tests/core/test_fuzz.py")
    print(
        json.dumps(
            {
                "bench": "fuzz",
                "examples_per_test": args.examples,
                "tests_passed": tally.passed,
                "tests_failed": tally.failed,
                "seconds": tally.seconds,
                "target": "no unhandled exception in any parser or validator",
            }
        )
    )


if __name__ == "__main__":
    main()
