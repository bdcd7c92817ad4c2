"""Bench: resident memory of the TUI, beside a bare Textual app, in one run.

Not a test: run on demand (`.venv/bin/python bench/memory.py`), prints one JSON line.

A moto server (in this process) seeded with jobs, and (unless ``--no-mlflow``) a real
``mlflow server`` on 127.0.0.1 seeded with experiments, runs and models. Then three
programs run in turn on a pseudo-terminal (Textual's own driver, ``--size`` cells):

- ``bare``: a Textual ``App`` with one ``Static``;
- ``tui``: ``smconsole`` against the moto server, no MLflow configured;
- ``tui_mlflow``: the same with ``MLFLOW_TRACKING_URI`` pointing at the mlflow server.

Each is left to settle (``--settle`` seconds), then the number keys show every tab in
turn (Experiments and Registry read MLflow; each tab's first poll runs), then it settles
again and its resident set (``VmRSS``) and peak (``VmHWM``) are read from /proc.

Then (unless ``--jobs 0``) the account grows to ``--jobs`` jobs (100,000 by default: the
rest are put into moto's backend directly, as ``bench/listing_cost.py`` does) and
``tui_jobs`` runs: it waits until the whole listing is drawn (the app says so, see
``BENCH_SMCONSOLE_COMPLETE_FILE``) and its process is idle (``--idle-timeout`` at most),
the tabs are shown, and it settles again. Plain moto pages oldest first (it ignores
``SortBy``), so each poll of the TUI reads all 100,000 jobs again: harsher than AWS,
where a poll reads one page. ``--sorted-lists`` lists newest first as AWS does (the
demo's moto extras, as ``bench/listing_cost.py``), but they sort the whole account for
every page: the first listing of 100,000 jobs then takes many minutes. Then, still in
that process, the Jobs tab is shown and sorted by its next column (``s``): its figure is
``tui_jobs_sorted_rss_mb`` (the new column's sort values, the filter lists rebuilt in the
new order).

With ``--polls N`` a last run, ``tui_polls``, polls the Jobs tab of the large account
every ``--poll-interval`` seconds (each poll ends when its listing is drawn: ~1 min at
100,000 jobs on plain moto, which reads every page) and reads the resident set after
each poll (``BENCH_SMCONSOLE_POLLS_FILE``): after poll 1, 10 and N, and the slope in KB
per poll (least squares from poll 2): flat when nothing is kept per poll.

Targets (issue 21): the TUI with MLflow configured <= 120 MB (it was 276 MB while full
``mlflow`` was imported: pandas, pyarrow, scipy); with 100,000 jobs <= 250 MB (it was
475-520 MB, then 346 MB once the listing streamed in).

Measured here (2 cores, load 13-20, 120x40): bare 32.7 MB, TUI 96.4 MB, with MLflow
96.2 MB; 100,010 jobs measured once the whole listing is drawn: 713 MB before the
compact records (botocore's ``tzlocal()`` per timestamp, a second copy of every job
from the start-up helper's answer, a dict per row in the table's filter cache, frozen
dead workers holding every job), 233.5 MB after; 222.5 MB once large syncs stopped
freezing the heap at every poll (load 8-12), 242.9 MB sorted by Duration (a float and a
tuple per row for the sort). ``--polls 30`` (load 8-12): 230.7 MB after poll 1, 244.5 MB
after poll 10, 247.0 MB after poll 30, +170 KB per poll; before, with a collection and a
freeze at every poll: 231.3, 260.5 and 267.1 MB after polls 1, 10 and 12, +2.1 MB per
poll (what a poll's finished worker kept alive when the heap was frozen).
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MLFLOW_MB = 120.0
TARGET_JOBS_MB = 250.0
# Idle: the process used less than this share of a core over IDLE_WINDOW seconds.
IDLE_SHARE = 0.05
IDLE_WINDOW = 2.0
TAB_KEYS = "12345678"  # every tab (screens/tabs.py), Pipelines included

BARE = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("Hello, world")

Bare().run()
"""


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            fields[name] = int(value.split()[0]) / 1024
    return round(fields["VmRSS"], 1), round(fields["VmHWM"], 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(
    pid: int, timeout: float, complete: Path | None = None, *, idle: bool = True
) -> float:
    """Wait until the whole listing is drawn (``complete`` written, see
    ``BENCH_SMCONSOLE_COMPLETE_FILE``) and ``pid`` is idle (see ``IDLE_SHARE``; not with
    ``idle=False``: an app polling every second never is), or ``timeout``; seconds
    waited. Idle alone is not enough: the TUI waits idly on the listing helper's pipe
    while the helper lists on a loaded machine."""
    began = time.monotonic()
    while complete is not None and not complete.exists():
        if time.monotonic() - began > timeout:
            raise RuntimeError(f"the whole listing was not drawn in {timeout:.0f} s")
        time.sleep(0.5)
    used = cpu_seconds(pid)
    while idle and time.monotonic() - began < timeout:
        time.sleep(IDLE_WINDOW)
        now = cpu_seconds(pid)
        if now - used < IDLE_SHARE * IDLE_WINDOW:
            break
        used = now
    return time.monotonic() - began


def measure(
    argv: list[str],
    env: dict[str, str],
    size: tuple[int, int],
    settle: float,
    keys: str,
    idle_timeout: float = 0.0,
    complete: Path | None = None,
    then: Callable[[int, int], dict[str, Any]] | None = None,
    *,
    idle: bool = True,
) -> dict[str, Any]:
    """Run ``argv`` on a pty, settle (and, with ``idle_timeout``, wait until it is idle),
    type ``keys`` (one per ``settle / 2``), settle, read its memory, then (``then``, given
    the pid and the pty's leader) measure more, and end it."""
    import fcntl
    import termios

    leader, follower = pty.openpty()
    columns, rows = size
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    tail = bytearray()

    def drain() -> None:  # the child blocks if nobody reads its screen
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                return
            if not chunk:
                return
            tail[:] = (tail + chunk)[-2000:]

    threading.Thread(target=drain, daemon=True).start()
    process = subprocess.Popen(
        argv,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=str(ROOT),
        start_new_session=True,
    )
    os.close(follower)
    waited = 0.0
    try:
        time.sleep(settle)
        if idle_timeout:
            waited = wait_idle(process.pid, idle_timeout, complete, idle=idle)
        for key in keys:
            os.write(leader, key.encode())
            time.sleep(settle / 2)
        time.sleep(settle)
        if process.poll() is not None:
            raise RuntimeError(
                f"{argv[-1]} exited ({process.returncode}): {tail.decode(errors='replace')[-500:]}"
            )
        rss, peak = memory_mb(process.pid)
        more = then(process.pid, leader) if then is not None else {}
        if process.poll() is not None:
            raise RuntimeError(f"{argv[-1]} exited ({process.returncode}) while measured")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    result: dict[str, Any] = {"rss_mb": rss, "peak_mb": peak}
    if idle_timeout:
        result["idle_after_s"] = round(settle + waited, 1)
    return {**result, **more}


def sorted_by_a_column(settle: float, idle_timeout: float) -> Callable[[int, int], dict[str, Any]]:
    """The Jobs tab shown and sorted by its next column (``s``): the table then holds the
    new column's sort values and rebuilds its filter lists in the new order."""

    def sort(pid: int, leader: int) -> dict[str, Any]:
        os.write(leader, b"1")  # the Jobs tab
        time.sleep(settle / 2)
        os.write(leader, b"s")  # the next sort column
        waited = wait_idle(pid, idle_timeout)
        time.sleep(settle)
        rss, peak = memory_mb(pid)
        return {"sorted_rss_mb": rss, "sorted_peak_mb": peak, "sorted_idle_after_s": waited}

    return sort


def slope_kb(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of resident MB against poll number, in KB per poll."""
    count = len(points)
    mean_x = sum(x for x, _ in points) / count
    mean_y = sum(y for _, y in points) / count
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if not spread:
        return 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return round(slope * 1024, 1)


def poll_after_poll(
    polls_file: Path, polls: int, timeout: float
) -> Callable[[int, int], dict[str, Any]]:
    """The Jobs tab left shown while it polls ``polls`` more times (the app notes each
    complete listing drawn in ``polls_file``, see ``BENCH_SMCONSOLE_POLLS_FILE``): the
    resident set after each, and how it moves per poll (flat: nothing kept per poll)."""

    def count() -> int:
        return len(polls_file.read_text().splitlines()) if polls_file.exists() else 0

    def watch(pid: int, _leader: int) -> dict[str, Any]:
        start = seen = count()
        began = time.monotonic()
        rss: dict[int, float] = {}
        while seen - start < polls:
            if time.monotonic() - began > timeout:
                raise RuntimeError(f"{seen - start} polls in {timeout:.0f} s, not {polls}")
            time.sleep(0.2)
            now = count()
            if now > seen:
                seen = now
                rss[seen - start] = memory_mb(pid)[0]
        points = sorted(rss.items())
        # From the second poll: the first may still grow caches sized once (strips, heaps).
        steady = [(n, mb) for n, mb in points if n >= 2] or points
        marks = sorted({1, min(10, polls), polls})
        return {
            "polls": polls,
            "polls_s": round(time.monotonic() - began, 1),
            **{f"rss_after_poll_{n}_mb": rss.get(n, nearest(rss, n)) for n in marks},
            "rss_slope_kb_per_poll": slope_kb(steady),
        }

    return watch


def nearest(rss: dict[int, float], poll: int) -> float:
    """The figure read closest after ``poll`` (two polls may end between two reads)."""
    return rss[min((n for n in rss if n >= poll), default=max(rss))]


def main() -> None:
    from bench.startup import child_env, seed

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--settle", type=float, default=6.0)
    parser.add_argument("--training-jobs", type=int, default=40)
    parser.add_argument("--no-mlflow", action="store_true", help="skip the mlflow server")
    parser.add_argument("--jobs", type=int, default=100_000, help="0: skip the large account")
    parser.add_argument("--idle-timeout", type=float, default=600.0)
    parser.add_argument(
        "--sorted-lists", action="store_true", help="moto honours SortBy (slow at 100,000)"
    )
    parser.add_argument(
        "--polls", type=int, default=0, help="then this many Jobs polls at 100,000 jobs"
    )
    parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds (>= 1)")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    assert len(size) == 2

    from tests.support.moto_server import start_moto_server

    server = start_moto_server()
    mlflow: Any = None
    results: dict[str, Any] = {}
    try:
        seed(server, args.training_jobs, 10)
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            env = child_env(home, server.url)
            bare_py = home / "bare.py"
            bare_py.write_text(BARE, encoding="utf-8")
            python = sys.executable
            smconsole = [python, "-c", "from console.cli.main import run; run()"]
            dims = (size[0], size[1])
            results["bare"] = measure([python, str(bare_py)], env, dims, args.settle, "")
            results["tui"] = measure(smconsole, env, dims, args.settle, TAB_KEYS)
            if not args.no_mlflow:
                from tests.support.fault_proxy import FaultProxy
                from tests.support.mlflow_seed import seed_store
                from tests.support.mlflow_server import start_mlflow_server

                mlflow = start_mlflow_server(home / "mlflow")
                seed_store(mlflow.url, home / "mlflow" / "artifacts")
                # A recording proxy (no faults): proves the TUI did read MLflow.
                proxy = FaultProxy(mlflow.url).start()
                with_mlflow = {**env, "MLFLOW_TRACKING_URI": proxy.url}
                try:
                    results["tui_mlflow"] = measure(
                        smconsole, with_mlflow, dims, args.settle, TAB_KEYS
                    )
                finally:
                    proxy.stop()
                results["tui_mlflow"]["requests"] = len(proxy.seen)
            if args.jobs:
                from bench.listing_cost import seed as seed_backend
                from console.demo.moto_extras import DemoState, install

                if args.sorted_lists:
                    install(DemoState(notebook_url_base="https://notebooks.invalid"))
                seed_backend(max(0, args.jobs - args.training_jobs - 10))
                # Told when the whole listing is drawn; the app stays to be measured.
                complete = home / "listing-drawn"
                with_all = {
                    **env,
                    "BENCH_SMCONSOLE_COMPLETE_FILE": str(complete),
                    "BENCH_SMCONSOLE_STAY": "1",
                }
                results["tui_jobs"] = measure(
                    smconsole,
                    with_all,
                    dims,
                    args.settle,
                    TAB_KEYS,
                    args.idle_timeout,
                    complete,
                    then=sorted_by_a_column(args.settle, args.idle_timeout),
                )
                if args.polls:
                    # Its own run: polling every second from the start, the app is never
                    # idle long enough for the figures above.
                    complete.unlink()
                    polls_file = home / "polls"
                    every = str(args.poll_interval)
                    polling = {
                        **with_all,
                        "BENCH_SMCONSOLE_POLLS_FILE": str(polls_file),
                        "SMCONSOLE_POLL_JOBS": every,
                        "SMCONSOLE_POLL_TRANSITIONAL": every,
                    }
                    results["tui_polls"] = measure(
                        smconsole,
                        polling,
                        dims,
                        args.settle,
                        "",
                        args.idle_timeout,
                        complete,
                        then=poll_after_poll(polls_file, args.polls, args.idle_timeout * 3),
                        idle=False,
                    )
    finally:
        if mlflow is not None:
            mlflow.stop()
        server.stop()
    mlflow_rss = results.get("tui_mlflow", {}).get("rss_mb")
    jobs_rss = results.get("tui_jobs", {}).get("rss_mb")
    print(
        json.dumps(
            {
                "bench": "memory",
                "size": args.size,
                "jobs_seeded": args.training_jobs + 10,
                **{f"{name}_{k}": v for name, r in results.items() for k, v in r.items()},
                "jobs_large": args.jobs or None,
                "lists_sorted": args.sorted_lists,
                "target_mlflow_mb": TARGET_MLFLOW_MB,
                "target_jobs_mb": TARGET_JOBS_MB,
                "meets_target": None if mlflow_rss is None else mlflow_rss <= TARGET_MLFLOW_MB,
                "meets_jobs_target": None if jobs_rss is None else jobs_rss <= TARGET_JOBS_MB,
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
