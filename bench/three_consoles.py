"""Bench: the reviewer's check of issue 18 ("Done when"), as a script. Prints one JSON line.

Not a test: run on demand (`.venv/bin/python bench/three_consoles.py`; about
``--warmup`` + ``--window`` seconds, 10.5 minutes by default). What it does, as a reviewer
would by hand:

1. A moto server in a child process (the account), with the events part of tf/events.tf:
   a rule on the default bus -> an SNS topic -> one SQS queue per console (raw delivery;
   moto's missing rule -> SNS leg is added by ``tests.support.events.route_rules_to_sns``).
   ``--jobs`` training jobs, InProgress.
2. Three real ``smconsole`` TUIs on pseudo-terminals (``--size``), each with its own
   config (``events_queue_url`` of its own queue) and its own counting proxy in front of
   the server, so every call is counted per console where the account's quota sees it.
   Console 0 has an ``[[alerts]]`` rule for failed jobs. A fourth queue feeds
   ``smconsole watch --json`` (own proxy too). Unless ``--no-baseline``, a fourth TUI with
   no queue (polling, as before the issue) runs beside them for comparison.
3. After ``--warmup`` seconds, ``--window`` idle seconds: SageMaker calls per minute of
   each console (target <= 1); the SQS long polls are reported apart (no SageMaker quota).
4. ``--rounds`` changes: a job's state is set to Failed on the account (through a small
   control port the moto child opens) and its event is put on the bus (PutEvents). The
   time until each console's screen shows the row with the new status (the pty stream is
   played on a minimal screen model: cursor moves and text; the row is found on it), and
   until ``watch --json`` prints the change. Target: <= 2 s in all three consoles. Console
   0's stream is checked for the alert: BEL and OSC 9 after the first change.

``load_average`` is reported with the figures (the machine may be shared).
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import pty
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTROL_ENV = "BENCH_THREE_CONTROL_FILE"
TARGET_CALLS_PER_MIN = 1.0
TARGET_SCREEN_S = 2.0
SMCONSOLE = [sys.executable, "-c", "from console.cli.main import run; run()"]


# --- in the moto child ---------------------------------------------------------------


def child_hooks(monkeypatch: Any) -> None:
    """Run in the moto child before it serves: the rule -> SNS leg, and a control port
    that changes a training job's state (moto's jobs never move by themselves)."""
    from tests.support.events import route_rules_to_sns

    route_rules_to_sns(monkeypatch)

    class Control(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            from tests.tui.conftest import set_training_state

            query = parse_qs(urlparse(self.path).query)
            status = query["status"][0]
            reason = "AlgorithmError: out of memory" if status == "Failed" else ""
            set_training_state(query["name"][0], status, failure_reason=reason)
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Path(os.environ[CONTROL_ENV]).write_text(str(server.server_address[1]), encoding="utf-8")


# --- reading a screen back from a pty stream -----------------------------------------

_SEQUENCE = re.compile(
    r"\x1b\[(?P<cup>\d*(?:;\d*)?)H"  # cursor position
    r"|\x1b\[[0-9;?<=>]*[ -/]*[@-~]"  # any other CSI
    r"|\x1b\](?P<osc>[^\x07\x1b]*)(?:\x07|\x1b\\)"  # OSC (a notification: OSC 9 / 777)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)"  # DCS and the like
    r"|\x1b[@-OQ-WYZ\\]"  # two-byte escapes (not the starts of the ones above)
)


class Screen:
    """Just enough of a terminal to read rows back: cursor moves (CUP), text, CR/LF.

    Every other sequence is dropped; a sequence cut between two reads waits for the rest.
    BEL and OSC 9 (the alert) are counted with the time they arrived."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.grid = [[" "] * columns for _ in range(rows)]
        self.x = self.y = 0
        self._pending = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.bells: list[float] = []
        self.notifications: list[tuple[float, str]] = []

    def feed(self, data: bytes, now: float) -> None:
        from wcwidth import wcwidth

        text = self._pending + self._decoder.decode(data)
        position = 0
        while position < len(text):
            char = text[position]
            if char == "\x1b":
                match = _SEQUENCE.match(text, position)
                if match is None:
                    if len(text) - position > 4096:  # not a sequence we know: skip ESC
                        position += 1
                        continue
                    break  # cut between two reads
                if match.group("cup") is not None:
                    row, _, column = match.group("cup").partition(";")
                    self.y = min(self.rows - 1, max(0, int(row or 1) - 1))
                    self.x = min(self.columns, max(0, int(column or 1) - 1))
                elif match.group("osc") is not None and match.group("osc").startswith("9;"):
                    self.notifications.append((now, match.group("osc")[2:]))
                position = match.end()
                continue
            if char == "\x07":
                self.bells.append(now)
            elif char == "\r":
                self.x = 0
            elif char == "\n":
                self.y = min(self.rows - 1, self.y + 1)
            elif char >= " ":
                width = max(0, wcwidth(char))
                if self.x < self.columns and width:
                    self.grid[self.y][self.x] = char
                    if width == 2 and self.x + 1 < self.columns:
                        self.grid[self.y][self.x + 1] = ""
                self.x += width
            position += 1
        self._pending = text[position:]

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.grid]

    def shows(self, *words: str) -> bool:
        """True when one line of the screen holds every word (a table row)."""
        return any(all(w in line for w in words) for line in self.lines())


# --- the consoles --------------------------------------------------------------------


@dataclass
class Console:
    """One smconsole TUI on a pty, its screen read back as it is drawn."""

    name: str
    proxy: Any
    process: subprocess.Popen[bytes]
    leader: int
    screen: Screen
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (name, status) to wait for, and when it was first on the screen.
    wanted: tuple[str, str] | None = None
    seen_at: float | None = None
    tail: bytearray = field(default_factory=bytearray)

    def read(self) -> None:
        while True:
            try:
                chunk = os.read(self.leader, 65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            with self.lock:
                self.tail[:] = (self.tail + chunk)[-4000:]
                self.screen.feed(chunk, now)
                if self.wanted and self.seen_at is None and self.screen.shows(*self.wanted):
                    self.seen_at = now

    def expect(self, name: str, status: str) -> None:
        with self.lock:
            self.wanted, self.seen_at = (name, status), None
            if self.screen.shows(name, status):
                self.seen_at = time.perf_counter()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self.leader)
        self.proxy.stop()


def _config(home: Path, queue_url: str, *, alert: bool) -> Path:
    """The console's own config.toml (``events_queue_url``, and the alert rule)."""
    lines = [f'events_queue_url = "{queue_url}"'] if queue_url else []
    if alert:
        lines += [
            "",
            "[[alerts]]",
            'name = "three-failed"',
            'when = "job-failed"',
            'match = "three-job-*"',
        ]
    path = home / ".config" / "smconsole" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _environment(home: Path, proxy_url: str, config: Path) -> dict[str, str]:
    from bench.startup import child_env

    env = child_env(home, proxy_url)
    env["SMCONSOLE_CONFIG"] = str(config)
    return env


def start_console(
    name: str, upstream: str, queue_url: str, size: tuple[int, int], *, alert: bool = False
) -> Console:
    import fcntl
    import termios

    from tests.support.fault_proxy import FaultProxy

    home = Path(tempfile.mkdtemp(prefix=f"bench-three-{name}-"))
    proxy = FaultProxy(upstream).start()
    env = _environment(home, proxy.url, _config(home, queue_url, alert=alert))
    leader, follower = pty.openpty()
    columns, rows = size
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        SMCONSOLE,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=str(ROOT),
        start_new_session=True,
    )
    os.close(follower)
    console = Console(name, proxy, process, leader, Screen(columns, rows))
    threading.Thread(target=console.read, daemon=True).start()
    return console


@dataclass
class Watcher:
    """``smconsole watch --json`` on its own queue and proxy; its lines timed."""

    proxy: Any
    process: subprocess.Popen[str]
    lines: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            self.lines.append((time.perf_counter(), record))

    def printed_at(self, name: str, status: str, since: float) -> float | None:
        for at, record in list(self.lines):
            if at >= since and record.get("name") == name and record.get("status") == status:
                return at
        return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.proxy.stop()


def start_watch(upstream: str, queue_url: str) -> Watcher:
    from tests.support.fault_proxy import FaultProxy

    home = Path(tempfile.mkdtemp(prefix="bench-three-watch-"))
    proxy = FaultProxy(upstream).start()
    env = _environment(home, proxy.url, _config(home, queue_url, alert=False))
    process = subprocess.Popen(
        [*SMCONSOLE, "watch", "--json", "--kind", "jobs"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=str(ROOT),
        text=True,
        start_new_session=True,
    )
    watcher = Watcher(proxy, process)
    threading.Thread(target=watcher.read, daemon=True).start()
    return watcher


# --- figures -------------------------------------------------------------------------


def _calls(proxy: Any, since: int) -> tuple[int, dict[str, int]]:
    """(calls seen so far, {service: calls since ``since``}; SageMaker's also by action)."""
    with proxy._lock:
        seen = list(proxy.seen)
    counts: dict[str, int] = {}
    for call in seen[since:]:
        keys = [call.service or "?"]
        if call.service == "sagemaker":
            keys.append(f"sagemaker:{call.action}")
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    return len(seen), counts


def _set_state(control: str, name: str, status: str) -> None:
    """A training job's state on the account (the moto child's control port)."""
    request = urllib.request.Request(f"{control}/state?name={name}&status={status}", method="POST")
    urllib.request.urlopen(request, timeout=10).read()


def _wait(predicate: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _pct(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=600.0, help="idle seconds counted")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds before counting")
    parser.add_argument("--rounds", type=int, default=5, help="state changes timed")
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--size", default="160x50")
    parser.add_argument("--no-baseline", action="store_true", help="no polling console")
    args = parser.parse_args()
    columns, rows = (int(v) for v in args.size.split("x"))
    jobs = max(args.jobs, args.rounds)

    from tests.support.events import FanOutStack, job_detail
    from tests.support.moto_server import start_moto_process
    from tests.tui.conftest import create_training_job

    control_file = Path(tempfile.mkdtemp(prefix="bench-three-")) / "control-port"
    os.environ[CONTROL_ENV] = str(control_file)
    server = start_moto_process("bench.three_consoles:child_hooks")
    control = f"http://127.0.0.1:{control_file.read_text(encoding='utf-8').strip()}"
    consoles: list[Console] = []
    watcher: Watcher | None = None
    result: dict[str, Any] = {"bench": "three_consoles", "window_s": args.window}
    try:
        sm = server.client("sagemaker")
        names = [f"three-job-{i:02d}" for i in range(jobs)]
        for name in names:  # moto creates them Completed
            create_training_job(sm, name)
            _set_state(control, name, "InProgress")
        stack = FanOutStack.create(server, 4, name="smconsole-three")
        for index in range(3):
            consoles.append(
                start_console(
                    f"console-{index}",
                    server.url,
                    stack.queue_urls[index],
                    (columns, rows),
                    alert=index == 0,
                )
            )
        if not args.no_baseline:
            consoles.append(start_console("polling", server.url, "", (columns, rows)))
        watcher = start_watch(server.url, stack.queue_urls[3])

        # Every console shows the jobs (its first listing) before the clock starts.
        started = time.perf_counter()
        for console in consoles:
            if not _wait(lambda c=console: c.screen.shows(names[-1], "InProgress"), 120, 0.1):
                raise RuntimeError(
                    f"{console.name} never showed the jobs; its screen:\n"
                    + "\n".join(console.screen.lines())
                )
        result["first_screen_s"] = round(time.perf_counter() - started, 1)
        time.sleep(args.warmup)

        # Idle: calls counted at each console's proxy.
        marks = {c.name: _calls(c.proxy, 0)[0] for c in consoles}
        watch_mark = _calls(watcher.proxy, 0)[0]
        time.sleep(args.window)
        minutes = args.window / 60
        idle: dict[str, Any] = {}
        for console in consoles:
            _, counts = _calls(console.proxy, marks[console.name])
            idle[console.name] = {
                "sagemaker_per_min": round(counts.get("sagemaker", 0) / minutes, 2),
                "sqs_per_min": round(counts.get("sqs", 0) / minutes, 2),
                "calls": counts,
            }
        _, watch_counts = _calls(watcher.proxy, watch_mark)
        idle["watch"] = {
            "sagemaker_per_min": round(watch_counts.get("sagemaker", 0) / minutes, 2),
            "calls": watch_counts,
        }
        result["idle"] = idle
        result["load_average_idle"] = [round(v, 2) for v in os.getloadavg()]

        # Changes: state set on the account, the event put on the bus, screens watched.
        pushed = [c for c in consoles if c.name != "polling"]
        delays: dict[str, list[float]] = {c.name: [] for c in pushed}
        delays["watch"] = []
        misses: dict[str, int] = {name: 0 for name in delays}
        first_change = 0.0
        for round_ in range(args.rounds):
            name = names[round_]
            _set_state(control, name, "Failed")
            for console in pushed:
                console.expect(name, "Failed")
            when = datetime.now(UTC)
            put_at = time.perf_counter()
            first_change = first_change or put_at
            stack.put(*job_detail("training", name, "Failed", when), when=when)
            _wait(
                lambda n=name, t=put_at: (
                    all(c.seen_at for c in pushed)
                    and watcher.printed_at(n, "Failed", t) is not None
                ),
                30,
            )
            for console in pushed:
                if console.seen_at is None:
                    misses[console.name] += 1
                else:
                    delays[console.name].append(console.seen_at - put_at)
            printed = watcher.printed_at(name, "Failed", put_at)
            if printed is None:
                misses["watch"] += 1
            else:
                delays["watch"].append(printed - put_at)
            time.sleep(1.0)
        changes: dict[str, Any] = {}
        for who, samples in delays.items():
            changes[who] = {
                "samples_s": [round(s, 3) for s in samples],
                "max_s": round(max(samples), 3) if samples else None,
                "p95_s": _pct(samples, 0.95),
                "missed": misses[who],
            }
        result["change_to_screen"] = changes
        alerting = consoles[0].screen
        result["alert"] = {
            "bell": any(at >= first_change for at in alerting.bells),
            "osc9": [text for at, text in alerting.notifications if at >= first_change][:3],
        }
        result["load_average"] = [round(v, 2) for v in os.getloadavg()]
        pushed_idle = [idle[c.name]["sagemaker_per_min"] for c in pushed]
        result["meets_targets"] = {
            "idle_sagemaker_per_min_le_1": all(v <= TARGET_CALLS_PER_MIN for v in pushed_idle),
            "screen_le_2s_all_three": all(
                not misses[c.name] and max(delays[c.name], default=99) <= TARGET_SCREEN_S
                for c in pushed
            ),
            "watch_printed": not misses["watch"],
            "alert_rang": result["alert"]["bell"] and bool(result["alert"]["osc9"]),
        }
    finally:
        for console in consoles:
            console.stop()
        if watcher is not None:
            watcher.stop()
        server.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
