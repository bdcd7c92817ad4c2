"""Bench: start-up at scale: first rows and the whole listing with 100,000 jobs (issue 21).

Not a test: run on demand (`.venv/bin/python bench/startup_stream.py`), prints one JSON
line.

One moto server on 127.0.0.1 (in this process, in a thread), as ``bench/startup.py``
sets it up. First with the quiet account of that bench (40 training + 10 processing
jobs), then with the same account grown to ``--jobs`` (100,000 by default: the rest are
put into moto's backend directly, as ``bench/listing_cost.py`` does; creating them over
HTTP would take longer than the bench). Each time the real ``smconsole`` is started on a
pseudo-terminal and timed from the spawn to:

- first rows: the first frame drawn after the Jobs table received jobs (for the big
  account, the first page streamed in: ``BENCH_SMCONSOLE_READY_FILE``);
- all rows: the first frame drawn after the whole listing arrived, with the SageMaker
  calls the console made by then, the start-up helper's included
  (``BENCH_SMCONSOLE_COMPLETE_FILE``).

Target (issue 21): first rows at 100,000 jobs <= 1.5x first rows at 50 jobs, same run.
Before streaming, the first rows at 100,000 jobs came after the whole listing (30 s).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.listing_cost import seed as seed_backend  # noqa: E402
from bench.startup import BENCH_ENV, child_env, seed, timed_start  # noqa: E402

TARGET_RATIO = 1.5
COMPLETE_ENV = "BENCH_SMCONSOLE_COMPLETE_FILE"
QUIET_JOBS = (40, 10)  # training, processing: bench/startup.py's account


def start_once(
    env: dict[str, str], home: Path, size: tuple[int, int], timeout: float
) -> dict[str, float]:
    """One start of the console: seconds to first rows and to all rows, calls made."""
    ready, complete = home / "ready-first", home / "ready-all"
    complete.unlink(missing_ok=True)
    run_env = dict(env, **{BENCH_ENV: str(ready), COMPLETE_ENV: str(complete)})
    argv = [sys.executable, "-c", "from console.cli.main import run; run()"]
    started = time.time()
    first, cpu = timed_start(argv, run_env, size, ready, timeout=timeout)
    stamp, calls = complete.read_text().split()
    return {
        "first_rows_s": first,
        "all_rows_s": float(stamp) - started,
        "calls": float(calls),
        "cpu_s": cpu,
    }


def measure(
    env: dict[str, str], home: Path, size: tuple[int, int], runs: int, timeout: float
) -> dict[str, object]:
    results = [start_once(env, home, size, timeout) for _ in range(runs)]
    first = [r["first_rows_s"] for r in results]
    whole = [r["all_rows_s"] for r in results]
    return {
        "first_rows_s": round(statistics.median(first), 3),
        "all_rows_s": round(statistics.median(whole), 3),
        "sagemaker_calls": int(statistics.median(r["calls"] for r in results)),
        "cpu_s": round(statistics.median(r["cpu_s"] for r in results), 3),
        "first_rows_runs_s": [round(v, 3) for v in first],
        "all_rows_runs_s": [round(v, 3) for v in whole],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    columns, rows = (int(v) for v in args.size.split("x"))
    size = (columns, rows)
    for package in ("console", "screens", "themes"):
        compileall.compile_dir(str(ROOT / package), quiet=1)

    from tests.support.moto_server import start_moto_server

    server = start_moto_server()
    try:
        seed(server, *QUIET_JOBS)
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            env = child_env(home, server.url)
            quiet = measure(env, home, size, args.runs, args.timeout)
            began = time.monotonic()
            seed_backend(args.jobs - sum(QUIET_JOBS))
            seeded_s = time.monotonic() - began
            large = measure(env, home, size, args.runs, args.timeout)
    finally:
        server.stop()
    ratio = float(large["first_rows_s"]) / float(quiet["first_rows_s"])  # type: ignore[arg-type]
    print(
        json.dumps(
            {
                "bench": "startup_stream",
                "size": args.size,
                "runs": args.runs,
                "quiet_jobs": sum(QUIET_JOBS),
                "quiet": quiet,
                "jobs": args.jobs,
                "large": large,
                "first_rows_ratio": round(ratio, 2),
                "target_ratio": TARGET_RATIO,
                "seeding_s": round(seeded_s, 1),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "meets_target": ratio <= TARGET_RATIO,
            }
        )
    )


if __name__ == "__main__":
    main()
