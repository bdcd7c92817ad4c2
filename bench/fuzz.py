"""Bench: the fuzz suite (tests/test_fuzz.py) with a large budget; prints one JSON line.

Not a test: run on demand (`.venv/bin/python bench/fuzz.py`). The normal suite runs the
same Hypothesis tests with ~150 examples each; this runs them with ``--examples`` each
(default 10,000; the app-start keymap test is capped at 15 by design) and reports how many
tests ran, how many failed (a failure prints Hypothesis' falsifying example above the
JSON line), and the time taken.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--workers", default="2")
    args = parser.parse_args()
    env = dict(os.environ, FUZZ_EXAMPLES=str(args.examples))
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", args.workers, "-p", "no:cacheprovider",
         "--timeout", "0", "tests/test_fuzz.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    tail = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|error)", tail)}
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-5000:])
    print(
        json.dumps(
            {
                "bench": "fuzz",
                "examples_per_test": args.examples,
                "tests_passed": counts.get("passed", 0),
                "tests_failed": counts.get("failed", 0) + counts.get("error", 0),
                "seconds": round(seconds, 1),
                "target": "no unhandled exception in any parser or validator",
            }
        )
    )


if __name__ == "__main__":
    main()
