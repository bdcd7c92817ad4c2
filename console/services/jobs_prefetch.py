"""The TUI's first jobs listing, made by a helper process while the TUI starts.

Why a process: start-up is CPU-bound and Python runs one thread at a time. Importing
Textual and our screens and mounting the app take one core about half a second; importing
botocore, building the SageMaker client and listing the jobs take as long again. The
second core of the machine is idle meanwhile. So ``smconsole`` starts
``python -m console.services.jobs_prefetch`` first thing, hands it the resolved config,
and the Jobs tab's first poll takes the helper's snapshot instead of listing itself: the
first rows are on screen about 0.4 s sooner (``bench/startup.py``).

It is only a head start. The helper makes exactly the calls the first poll would make,
through the same services and session factory, so errors read the same; any failure of
the helper itself (it cannot start, crashes, or answers nonsense) means the poll simply
lists the jobs itself. Its API calls are added to this process's API budget.
"""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.errors import SmError

if TYPE_CHECKING:
    from console.aws.metrics import ApiMetrics
    from console.config import Config
    from console.services.jobs_feed import JobsSnapshot

MODULE = "console.services.jobs_prefetch"
# At most this long for the helper's answer: it has the session factory's own connect and
# read timeouts, this only guards against a helper that never ends.
WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class PrefetchAnswer:
    """What the helper sends back: a snapshot or the error a poll would have shown, and
    how many SageMaker calls it made."""

    snapshot: JobsSnapshot | None
    error: SmError | None
    sagemaker_calls: int


class JobsPrefetch:
    """A running helper process; :meth:`take` its answer once, from a worker thread."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process

    @classmethod
    def start(cls, config: Config) -> JobsPrefetch | None:
        """Start the helper on ``config``; None if it cannot be started (no head start)."""
        try:
            payload = pickle.dumps(config)
        except Exception:  # a config that does not pickle: list in-process
            return None
        env = dict(os.environ)
        # The helper imports this package from wherever this process did.
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", MODULE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # ctrl+c in the TUI is a key, not the helper's signal
            )
        except OSError:
            return None
        stdin, process.stdin = process.stdin, None  # so communicate() only reads
        assert stdin is not None
        try:
            stdin.write(payload)  # a few KB: fits the pipe, never blocks
            stdin.close()
        except OSError:
            process.kill()
            process.wait()
            return None
        return cls(process)

    def answered(self) -> bool:
        """Whether the helper has finished (its answer can be read without waiting).

        A helper with more to say than a pipe holds (thousands of jobs) only finishes
        once someone reads: it stays unanswered here and :meth:`take` waits for it.
        """
        return self._process.poll() is not None

    def take(self, metrics: ApiMetrics | None = None) -> JobsSnapshot | None:
        """The helper's snapshot (raises the :class:`SmError` a poll would have raised);
        None when the helper failed and the caller should list by itself."""
        answer = self._answer()
        if answer is None:
            return None
        if metrics is not None:
            for _ in range(answer.sagemaker_calls):
                metrics.record_call("sagemaker")
        if answer.error is not None:
            raise answer.error
        return answer.snapshot

    def cancel(self) -> None:
        """The app closed before the first poll: the answer is not wanted."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def _answer(self) -> PrefetchAnswer | None:
        try:
            out, _ = self._process.communicate(timeout=WAIT_SECONDS)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            self.cancel()
            return None
        if self._process.returncode != 0:
            return None
        try:
            # Our own child, over a pipe only the two processes hold: trusted bytes.
            answer = pickle.loads(out)  # noqa: S301
        except Exception:
            return None
        return answer if isinstance(answer, PrefetchAnswer) else None


def prefetch(config: Config) -> PrefetchAnswer:
    """List the jobs as the Jobs tab's first poll would (runs in the helper process)."""
    from console.context import ConsoleContext
    from console.services.jobs_feed import JobsFeed

    context = ConsoleContext(config, source="tui")
    snapshot: JobsSnapshot | None = None
    error: SmError | None = None
    try:
        snapshot = JobsFeed(context).fetch()
    except SmError as exc:
        error = exc
    return PrefetchAnswer(snapshot, error, context.sessions.metrics.calls_total("sagemaker"))


def main() -> None:
    # A short-lived process building long-lived objects: the cyclic GC would only walk
    # botocore's models over and over (see console/cli/tui.py).
    gc.disable()
    config = pickle.load(sys.stdin.buffer)  # noqa: S301 (from our parent, over a pipe)
    answer = prefetch(config)
    try:
        data = pickle.dumps(answer)
        # An error class that does not round-trip: no answer at all (the poll lists).
        pickle.loads(data)  # noqa: S301 (our own bytes)
    except Exception:
        sys.exit(1)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    # Answered: exit at once. Tearing down botocore's objects takes ~0.1 s, and the
    # parent reads until the pipe closes (nothing else here needs cleaning up).
    os._exit(0)


if __name__ == "__main__":
    # This module's own copy, not ``__main__``'s: the answer's class must pickle by the
    # name the parent knows it by.
    from console.services.jobs_prefetch import main as run_helper

    run_helper()
