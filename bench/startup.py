"""Bench: process start to the first frame showing data, vs a bare Textual hello-world.

Not a test: run on demand (`.venv/bin/python bench/startup.py`), prints one JSON line.

A local stack runs first: a moto server on 127.0.0.1 (in this process, in a thread)
seeded with training and processing jobs and warmed up. Then, alternately, each of two
programs is started as a new process on a pseudo-terminal (a real terminal for Textual's
own driver, ``--size`` cells), and timed from just before the process is spawned to the
moment it reports its first frame:

- ``smconsole``: the real console script path (``console.cli.main``: click, every command
  module, the TUI), configured by the environment only, pointed at the moto server. With
  ``BENCH_SMCONSOLE_READY_FILE`` set, the app writes the time of the first frame drawn
  after the Jobs table received jobs (``call_after_refresh`` after the jobs ``Listed``) and
  exits; nothing else changes.
- hello-world: a bare Textual ``App`` with one ``Static``, reporting its first frame the
  same way.

Both run ``--runs`` times (median reported, every run listed). Python source is compiled
to bytecode first (``compileall``, as ``pip``/``uv`` installs do; this machine sets
``PYTHONDONTWRITEBYTECODE``, so otherwise every start would recompile). Targets (issue 3):
first data <= 1.0 s, and <= 2.5x the hello-world of the same run.
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import json
import os
import pty
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 1.0
TARGET_RATIO = 2.5

HELLO = """
import sys, time
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Hello, world")

    def on_mount(self):
        self.call_after_refresh(self.drawn)

    def drawn(self):
        with open(sys.argv[1], "w") as handle:
            handle.write(f"{time.time():.6f}\\n")
        self.exit()

Hello().run()
"""


def seed(server: Any, training: int, processing: int) -> None:
    from tests.support.moto_server import MotoServer

    assert isinstance(server, MotoServer)
    sm = server.client("sagemaker")
    role = "arn:aws:iam::123456789012:role/SageMakerRole"
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"
    for i in range(training):
        sm.create_training_job(
            TrainingJobName=f"bench-train-{i:04d}",
            AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
            RoleArn=role,
            OutputDataConfig={"S3OutputPath": "s3://out/bench"},
            ResourceConfig={
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
        )
    for i in range(processing):
        sm.create_processing_job(
            ProcessingJobName=f"bench-prep-{i:04d}",
            RoleArn=role,
            AppSpecification={"ImageUri": image},
            ProcessingResources={
                "ClusterConfig": {
                    "InstanceType": "ml.m5.large",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 10,
                }
            },
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
        )
    # Warm every list call the console makes at start (moto's first call is slow).
    sm.list_training_jobs(MaxResults=1)
    sm.list_processing_jobs(MaxResults=1)
    sm.list_hyper_parameter_tuning_jobs(MaxResults=1)
    server.client("sts").get_caller_identity()


def child_env(home: Path, endpoint: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "SMCONSOLE_", "MLFLOW_", "NO_COLOR", "BENCH_"))
    }
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".local/state"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "AWS_CONFIG_FILE": str(home / ".aws/config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws/credentials"),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": endpoint,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
        }
    )
    return env


def timed_start(
    argv: list[str],
    env: dict[str, str],
    size: tuple[int, int],
    ready: Path,
    *,
    timeout: float = 60.0,
) -> tuple[float, float]:
    """Seconds from spawning ``argv`` on a new pty to the time it writes to ``ready``,
    and the CPU seconds the process used in all (start to exit)."""
    cpu_before = _children_cpu()
    ready.unlink(missing_ok=True)
    leader, follower = pty.openpty()
    columns, rows = size
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    drained = threading.Event()
    tail = bytearray()

    def drain() -> None:  # the child blocks if nobody reads its screen
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            tail[:] = (tail + chunk)[-2000:]
        drained.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    started = time.time()
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
    try:
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
        drained.wait(5)
    if not ready.exists():
        raise RuntimeError(
            f"{argv[-1]} exited ({process.returncode}) without drawing data: "
            f"{tail.decode(errors='replace')[-500:]}"
        )
    return float(ready.read_text().strip()) - started, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(usage.ru_utime + usage.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--training-jobs", type=int, default=40)
    parser.add_argument("--processing-jobs", type=int, default=10)
    parser.add_argument(
        "--no-compile", action="store_true", help="do not compile the sources to bytecode first"
    )
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    assert len(size) == 2

    if not args.no_compile:
        for package in ("console", "screens", "themes"):
            compileall.compile_dir(str(ROOT / package), quiet=1)

    from tests.support.moto_server import start_moto_server

    server = start_moto_server()
    try:
        seed(server, args.training_jobs, args.processing_jobs)
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            env = child_env(home, server.url)
            env[BENCH_ENV] = str(home / "ready-smconsole")
            hello_py = home / "hello.py"
            hello_py.write_text(HELLO, encoding="utf-8")
            python = sys.executable
            smconsole = [python, "-c", "from console.cli.main import run; run()"]
            hello = [python, str(hello_py), str(home / "ready-hello")]
            console_s: list[float] = []
            hello_s: list[float] = []
            console_cpu: list[float] = []
            hello_cpu: list[float] = []
            for _ in range(args.runs):
                wall, cpu = timed_start(hello, env, (size[0], size[1]), home / "ready-hello")
                hello_s.append(wall)
                hello_cpu.append(cpu)
                wall, cpu = timed_start(
                    smconsole, env, (size[0], size[1]), home / "ready-smconsole"
                )
                console_s.append(wall)
                console_cpu.append(cpu)
    finally:
        server.stop()
    first_data = statistics.median(console_s)
    baseline = statistics.median(hello_s)
    ratio = first_data / baseline
    print(
        json.dumps(
            {
                "bench": "startup",
                "size": args.size,
                "runs": args.runs,
                "jobs_seeded": args.training_jobs + args.processing_jobs,
                "first_data_s": round(first_data, 3),
                "hello_world_s": round(baseline, 3),
                "ratio": round(ratio, 2),
                "target_s": TARGET_SECONDS,
                "target_ratio": TARGET_RATIO,
                "first_data_runs_s": [round(v, 3) for v in console_s],
                "hello_world_runs_s": [round(v, 3) for v in hello_s],
                # CPU seconds each process used, start to exit (an idle machine's floor).
                "first_data_cpu_s": round(statistics.median(console_cpu), 3),
                "hello_world_cpu_s": round(statistics.median(hello_cpu), 3),
                "bytecode_compiled": not args.no_compile,
                "load_average_1m": round(os.getloadavg()[0], 2),
                "meets_target": first_data <= TARGET_SECONDS and ratio <= TARGET_RATIO,
            }
        )
    )


BENCH_ENV = "BENCH_SMCONSOLE_READY_FILE"

if __name__ == "__main__":
    main()
