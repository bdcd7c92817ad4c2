"""Bench: lines per second ingested by the TUI's log view, and memory bounded by its buffer.

Not a test: run on demand (`.venv/bin/python bench/log_view.py`), prints one JSON line.

The whole path an operator's log takes is measured, headless: a thread worker polls a
fake tail (the core's ``LogEvent`` records, as the CloudWatch tail returns them, two hosts
interleaved, some lines with escape sequences), turns them into inert lines, posts them
in batches; the widget queues them, flushes them into its bounded buffer a few times a
second and renders frames. The clock stops when the last line is in the buffer and the
frame after it has been rendered. The target (issue 3) is >= 100,000 lines/s, with memory
bounded by the buffer size: RSS is sampled at half way and at the end, and the buffer
must hold exactly ``max_lines`` lines.

Options: ``--lines N`` (default 2,000,000), ``--max-lines N`` (50,000), ``--batch N``
(events per poll, 100,000: what ten GetLogEvents calls return at most), ``--rate N``
(feed at most N lines/s, e.g. a chatty job, instead of flat out),
``--search TEXT`` (search active while ingesting), ``--wrap``, ``--keys`` (press ``t``
every 0.1 s while ingesting and report how long each took to be handled and drawn; this
slows ingestion a little, so the headline rate is measured without it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_LINES_PER_S = 100_000


def rss_mb() -> float:
    """Resident set size now (Linux /proc), in MB; peak RSS elsewhere."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * resource.getpagesize() / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def make_events(count: int) -> list[Any]:
    from console.services.logs import LogEvent

    base = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    events = []
    for i in range(count):
        host = f"algo-{i % 2 + 1}"
        if i % 50 == 0:
            message = f"\x1b[31m[{i}] WARNING\x1b[0m loss spiked at step {i}\tlr=0.001\n"
        else:
            message = (
                f"[{i}]#011train-logloss:0.{i % 9973:04d}#011validation-logloss:0.{i % 7919:04d}"
                f" step={i} epoch={i // 1000} throughput={1000 + i % 300} samples/s"
            )
        events.append(LogEvent(base + timedelta(milliseconds=i), f"job/{host}-1", host, message))
    return events


class PoolSource:
    """A job's logs served from a pool of events: ``total`` lines in polls of ``batch``."""

    kind = "training"
    name = "bench-job"
    label = "training job bench-job"
    ends = False
    known_status = None

    def __init__(self, pool: list[Any], rate: float = 0.0) -> None:
        self.pool = pool
        self.left = 0  # the bench sets the total when it starts the clock
        self.polls = 0
        self.rate = rate  # lines per second at most (0: as fast as the view takes them)
        self._since = 0.0

    def open(self) -> PoolSource:
        return self

    def status(self) -> str | None:
        return None

    def poll(self) -> list[Any]:
        self.polls += 1
        count = min(self.left, len(self.pool))
        if self.rate:
            now = time.perf_counter()
            if not self._since:
                self._since = now
            count = min(count, int((now - self._since) * self.rate))
            self._since += count / self.rate
        self.left -= count
        return self.pool[:count]


async def key_to_frame(app: Any, view: Any) -> float:
    """Milliseconds from a key event (``T``, the timestamps toggle) to the first frame
    drawn after it took effect.

    Measured directly (key posted to the app, frames seen through ``render_lines``):
    Textual's Pilot waits for every message queue to drain, which never happens while a
    log pours in, so it cannot time this.
    """
    from textual import events

    before = view.show_time
    frames = view.frames_rendered
    pressed = time.perf_counter()
    app.post_message(events.Key("T", "T"))
    while view.show_time == before:
        await asyncio.sleep(0.001)
    while view.frames_rendered == frames or view.last_frame_at < pressed:
        await asyncio.sleep(0.001)
    return (view.last_frame_at - pressed) * 1000


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from textual.app import App, ComposeResult

    from screens.logs.feed import FeedTiming
    from screens.logs.view import LogPanel, LogView

    pool = make_events(args.batch)
    source = PoolSource(pool, args.rate)
    # Poll again at once while there is a backlog (as after a full GetLogEvents page).
    timing = FeedTiming(interval=0.05, catch_up=0.0)

    class BenchApp(App[None]):
        def compose(self) -> ComposeResult:
            yield LogPanel(source, max_lines=args.max_lines, timing=timing)

    app = BenchApp()
    count_frames(LogView)
    rss_start = rss_mb()
    rss_half = 0.0
    async with app.run_test(size=(160, 50)) as pilot:
        view = app.query_one(LogView)
        if args.wrap:
            view.set_wrap(True)
        if args.search:
            view.set_search(args.search)
        await pilot.pause(0.2)  # the feed is polling (nothing yet)
        frames_before = view.flushes
        started = time.perf_counter()
        source.left = args.lines
        key_ms: list[float] = []
        next_key = started + 0.1
        while view.buffer.total < args.lines:
            await asyncio.sleep(0.005)
            if not rss_half and view.buffer.total >= args.lines // 2:
                rss_half = rss_mb()
            if args.keys and time.perf_counter() >= next_key:
                key_ms.append(await key_to_frame(app, view))
                next_key = time.perf_counter() + 0.1
        filled = time.perf_counter()
        while view.last_frame_at < filled:  # the frame showing the last line
            await asyncio.sleep(0.001)
        elapsed = view.last_frame_at - started
        last_row = view.row_text(view.scrollable_content_region.height - 1)
        held = len(view.buffer)
        capacity = view.buffer.capacity
        matches = len(view.matches.seqs)
        flushes = view.flushes - frames_before
    rate = args.lines / elapsed
    rss_end = rss_mb()
    return {
        "bench": "log_view",
        "lines": args.lines,
        "seconds": round(elapsed, 3),
        "lines_per_s": round(rate),
        "target_lines_per_s": TARGET_LINES_PER_S,
        "meets_target": rate >= TARGET_LINES_PER_S and held == min(args.max_lines, args.lines),
        "max_lines": args.max_lines,
        "held_lines": held,
        "store_capacity": capacity,
        "flushes": flushes,
        "polls": source.polls,
        "search": args.search or None,
        "search_matches_held": matches if args.search else None,
        "wrap": args.wrap,
        "feed_rate_limit": args.rate or None,
        "keys_pressed": len(key_ms),
        "key_to_frame_ms_p50": round(statistics.median(key_ms), 1) if key_ms else None,
        "key_to_frame_ms_p99": round(percentile(key_ms, 99), 1) if key_ms else None,
        "key_to_frame_ms_max": round(max(key_ms), 1) if key_ms else None,
        "rss_mb_start": round(rss_start, 1),
        "rss_mb_half": round(rss_half, 1),
        "rss_mb_end": round(rss_end, 1),
        "last_row_shown": last_row.rstrip()[:60],
    }


def count_frames(view_class: Any) -> None:
    """Wrap ``render_lines`` to count frames and note when the last one was drawn."""
    original = view_class.render_lines

    def render_lines(self: Any, crop: Any) -> Any:
        strips = original(self, crop)
        self.frames_rendered = getattr(self, "frames_rendered", 0) + 1
        self.last_frame_at = time.perf_counter()
        return strips

    view_class.frames_rendered = 0
    view_class.last_frame_at = 0.0
    view_class.render_lines = render_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--max-lines", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--search", default="")
    parser.add_argument("--wrap", action="store_true")
    parser.add_argument(
        "--keys", action="store_true", help="press a key every 0.1 s while ingesting"
    )
    parser.add_argument(
        "--rate", type=float, default=0.0, help="feed at most this many lines/s (0: flat out)"
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
