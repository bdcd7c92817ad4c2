"""Bench: Slurm over SSH under injected link faults; prints one JSON line of figures.

Not a test: run on demand (`.venv/bin/python bench/ssh_faults.py`), as root on a machine
where `tests/system/setup.py` brought up the test sshd and Slurm. The tests run each
fault once (tests/core/remote/test_ssh_faults.py); this script repeats them.

Our throttling relay (tests/support/slow_link.py) sits between the console and sshd, at
``--rate`` bytes/s and ``--latency`` seconds each way. Each round injects one fault:

* ``stall-at-submit``: the link freezes right as the sbatch wrapper is sent and comes
  back a little after the connect timeout (the console drops the link and reconnects);
* ``cut-mid-submit``: the connection is cut at a random moment after the wrapper is sent;
* ``stall-between``: the link freezes before a read (``squeue``), then comes back.

Reported: faults by kind, crashes (anything but a one-line SmError), submissions, jobs
found per submission token (``duplicate_jobs`` must be 0, ``lost_submissions`` counts
submits that raised although a job exists), and the time from each fault until the
console answered again (p50/p95). Jobs are submitted held (``--hold``): they never run.

Options: ``--rounds N`` (default 30), ``--rate B`` (bytes/s, 0 = unlimited, default
65536), ``--latency S`` (0.03), ``--connect-timeout S`` (1.5), ``--seed N`` (7).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HELD = "#!/bin/bash\n#SBATCH --hold\n#SBATCH --cpus-per-task=1\n#SBATCH --time=1\ntrue\n"
KINDS = ("stall-at-submit", "cut-mid-submit", "stall-between")


def jobs_with_token(slurm_conf: str, token: str) -> list[str]:
    done = subprocess.run(
        ["squeue", "-h", "-t", "all", "-o", "%i|%k"],
        env={**os.environ, "SLURM_CONF": slurm_conf},
        capture_output=True,
        text=True,
        check=False,
    )
    return [line.split("|")[0] for line in done.stdout.splitlines() if line.endswith(f"|{token}")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rate", type=float, default=65536)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--connect-timeout", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from console.errors import SmError
    from console.remote.base import Result
    from console.remote.ssh import SshTransport, resolve_target
    from console.slurm.client import SlurmClient
    from tests.support.slow_link import slow_link
    from tests.system.support import INFO_FILE, System

    if not INFO_FILE.exists():
        print(f"no {INFO_FILE}: run tests/system/setup.py first (root)", file=sys.stderr)
        return 2
    system = System.load()
    rng = random.Random(args.seed)
    faults: Counter[str] = Counter()
    recoveries: list[float] = []
    crashes: list[str] = []
    tokens: list[str] = []
    lost = 0
    submits = 0

    with (
        tempfile.TemporaryDirectory() as scratch,
        slow_link(system.head.port, rate=args.rate, latency=args.latency) as link,
    ):
        known = Path(scratch) / "known_hosts"
        known.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{link.port}"))
        target = dataclasses.replace(
            resolve_target(
                f"127.0.0.1:{link.port}",
                user=system.user,
                identity_file=system.key,
                known_hosts=str(known),
            ),
            connect_timeout=args.connect_timeout,
        )
        plan: dict[str, Any] = {"kind": None}

        class FaultyTransport(SshTransport):
            """Injects the planned fault when the submit wrapper is sent."""

            def run(self, argv: Sequence[str], **kwargs: Any) -> Result:
                kind = plan["kind"]
                if kind and list(argv[:2]) == ["sh", "-c"] and "sbatch" in argv:
                    plan["kind"] = None
                    plan["at"] = time.monotonic()
                    if kind == "cut-mid-submit":
                        threading.Timer(rng.uniform(0.02, 0.6), link.cut).start()
                    else:
                        plan["stall_next"] = True
                return super().run(argv, **kwargs)

            def _open_channel(self) -> Any:
                channel = super()._open_channel()
                if plan.pop("stall_next", False):
                    link.stall()
                    threading.Timer(args.connect_timeout + 0.5, link.resume).start()
                return channel

        remote_dir = f"~/bench-ssh-{os.getpid()}"
        slurm = SlurmClient(FaultyTransport(target), remote_dir=remote_dir)
        started = time.monotonic()
        try:
            for _ in range(args.rounds):
                kind = rng.choice(KINDS)
                faults[kind] += 1
                if kind == "stall-between":
                    slurm.queue()
                    link.stall()
                    threading.Timer(args.connect_timeout + 0.5, link.resume).start()
                    at = time.monotonic()
                    while True:
                        try:
                            slurm.queue()
                            break
                        except SmError:
                            continue
                        except Exception as exc:  # a crash: counted, then carry on
                            crashes.append(f"{kind}: {type(exc).__name__}: {exc}")
                            break
                    recoveries.append(time.monotonic() - at)
                    continue
                plan["kind"] = kind
                submits += 1
                try:
                    result = slurm.submit(HELD, name=f"bench-{kind}")
                    tokens.append(result.token)
                    recoveries.append(time.monotonic() - plan.get("at", time.monotonic()))
                except SmError as error:
                    token = error.hint.split("comment ")[-1].split(")")[0] if error.hint else ""
                    if token and jobs_with_token(system.slurm_conf, token):
                        lost += 1
                    link.resume()
                except Exception as exc:
                    crashes.append(f"{kind}: {type(exc).__name__}: {exc}")
                    link.resume()
            elapsed = time.monotonic() - started
        finally:
            slurm.transport.close()
        found = {t: jobs_with_token(system.slurm_conf, t) for t in tokens}
        ids = [job for jobs in found.values() for job in jobs]
        system.scancel(ids)
        subprocess.run(["rm", "-rf", str(Path(system.home, remote_dir[2:]))], check=False)

    ordered = sorted(recoveries)
    figures = {
        "rounds": args.rounds,
        "faults": dict(faults),
        "crashes": len(crashes),
        "crash_examples": crashes[:3],
        "submissions": submits,
        "submitted": len(tokens),
        "duplicate_jobs": sum(max(len(jobs) - 1, 0) for jobs in found.values()),
        "missing_jobs": sum(1 for jobs in found.values() if not jobs),
        "lost_submissions": lost,
        "recovery_p50_s": round(statistics.median(ordered), 3) if ordered else None,
        "recovery_p95_s": round(ordered[int(0.95 * (len(ordered) - 1))], 3) if ordered else None,
        "link": {"rate_bytes_s": args.rate, "latency_s": args.latency},
        "connect_timeout_s": args.connect_timeout,
        "elapsed_s": round(elapsed, 1),
    }
    print(json.dumps(figures))
    return 1 if figures["crashes"] or figures["duplicate_jobs"] or figures["missing_jobs"] else 0


if __name__ == "__main__":
    sys.exit(main())
