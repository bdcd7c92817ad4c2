"""The TUI's first jobs listing, made by a helper process while the TUI starts.

Why a process: start-up is CPU-bound and Python runs one thread at a time. Importing
Textual and our screens and mounting the app take one core about half a second; importing
botocore, building the SageMaker client and listing the jobs take as long again. The
second core of the machine is idle meanwhile. So ``smconsole`` starts
``python -m console.services.jobs_prefetch`` first thing, hands it the resolved config,
and the Jobs tab's first poll takes the helper's snapshot instead of listing itself: the
first rows are on screen about 0.4 s sooner (``bench/startup.py``).

A large account streams (100,000 jobs are 1,000 pages, half a minute): the helper
sends the jobs of each page it reads as a frame of its own (batched, a few a second), and
the parent hands them on as they come, so the first rows show after one call, not after
the whole listing. The answer, the last frame, holds the whole snapshot, naming the jobs
already sent by their place in the stream: the parent keeps the objects it has (the
table holds them already) instead of a second copy of every job (issue 21: 100,000 jobs
are ~60 MB of records, and unpickling them again cost that much at the peak).

It is only a head start. The helper makes exactly the calls the first poll would make,
through the same services and session factory, so errors read the same; any failure of
the helper itself (it cannot start, crashes, or answers nonsense) means the poll simply
lists the jobs itself. Its API calls are added to this process's API budget.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console.errors import SmError

if TYPE_CHECKING:
    from console.aws.metrics import ApiMetrics
    from console.config import Config
    from console.services.jobs import JobSummary
    from console.services.jobs_feed import JobsProgress, JobsSnapshot

MODULE = "console.services.jobs_prefetch"
# At most this long between two frames of the helper: it has the session factory's own
# connect and read timeouts, this only guards against a helper that never ends.
WAIT_SECONDS = 120.0
# The helper sends the pages it read at most this often (the first one at once).
PAGE_FRAME_SECONDS = 0.2
# A frame: its length (8 bytes, big-endian), then a pickle of that many bytes.
HEADER = struct.Struct(">Q")


@dataclass(frozen=True)
class PrefetchPage:
    """Jobs the helper has read since its last frame (a listing still under way)."""

    items: tuple[JobSummary, ...]


@dataclass(frozen=True)
class PrefetchAnswer:
    """What the helper sends back: a snapshot or the error a poll would have shown, and
    how many SageMaker calls it made.

    On the wire the snapshot's ``items`` are empty and ``items`` stands for them: a job
    already sent in a :class:`PrefetchPage` is its index in the stream of sent jobs (an
    ``int``), any other job is itself. :meth:`resolved` puts the snapshot back together.
    """

    snapshot: JobsSnapshot | None
    error: SmError | None
    sagemaker_calls: int
    items: tuple[JobSummary | int, ...] = ()

    def resolved(self, sent: Sequence[JobSummary]) -> PrefetchAnswer:
        """The answer with its snapshot's items, the jobs in ``sent`` reused."""
        if self.snapshot is None or not self.items:
            return self
        items = tuple(sent[item] if isinstance(item, int) else item for item in self.items)
        return replace(self, snapshot=replace(self.snapshot, items=items), items=())


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
        stdin, process.stdin = process.stdin, None  # written once here, then only read from
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

    def take(
        self,
        metrics: ApiMetrics | None = None,
        *,
        on_page: Callable[[JobsProgress], object] | None = None,
    ) -> JobsSnapshot | None:
        """The helper's snapshot (raises the :class:`SmError` a poll would have raised);
        None when the helper failed and the caller should list by itself.

        Until the answer comes, ``on_page`` hears of each batch of jobs the helper sends
        (as :meth:`JobsFeed.fetch` does of its pages); if it raises, the helper is ended
        and the exception goes on (a stream nobody wants any more)."""
        try:
            answer = self._answer(on_page)
        except BaseException:
            self.cancel()
            raise
        if answer is None:
            return None
        if metrics is not None:
            for _ in range(answer.sagemaker_calls):
                metrics.record_call("sagemaker")
        if answer.error is not None:
            raise answer.error
        return answer.snapshot

    def cancel(self) -> None:
        """The app closed before the first poll (or the stream was dropped): the answer
        is not wanted."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._close()

    def _answer(self, on_page: Callable[[JobsProgress], object] | None) -> PrefetchAnswer | None:
        from console.services.jobs_feed import JobsProgress, JobsSnapshot

        known: dict[tuple[str, str], JobSummary] = {}
        sent: list[JobSummary] = []  # every job of every page, in order (see PrefetchAnswer)

        def so_far() -> JobsSnapshot:
            return JobsSnapshot(tuple(known.values()), datetime.now(UTC), complete=False)

        while True:
            frame = self._frame()
            if isinstance(frame, PrefetchAnswer):
                self._process.wait()
                self._close()
                if self._process.returncode != 0:
                    return None
                try:
                    return frame.resolved(sent)
                except IndexError:  # names a job it never sent: nonsense, list here
                    return None
            if not isinstance(frame, PrefetchPage):
                self.cancel()
                return None
            sent.extend(frame.items)
            for job in frame.items:
                known[(job.kind, job.name)] = job
            if on_page is not None:
                on_page(JobsProgress(frame.items, len(known), so_far))

    def _frame(self) -> object:
        """The next frame's object; None if the helper ended, timed out or sent nonsense."""
        header = self._read(HEADER.size)
        if header is None:
            return None
        body = self._read(HEADER.unpack(header)[0])
        if body is None:
            return None
        try:
            # Our own child, over a pipe only the two processes hold: trusted bytes.
            return pickle.loads(body)  # noqa: S301
        except Exception:
            return None

    def _read(self, size: int) -> bytes | None:
        stdout = self._process.stdout
        if stdout is None:
            return None
        chunks: list[bytes] = []
        wanted = size
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            fd = stdout.fileno()
            while wanted:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    return None
                chunk = os.read(fd, min(wanted, 1 << 20))
                if not chunk:
                    return None
                chunks.append(chunk)
                wanted -= len(chunk)
        except (OSError, ValueError):
            return None
        return b"".join(chunks)

    def _close(self) -> None:
        if self._process.stdout is not None:
            self._process.stdout.close()


def prefetch(config: Config, send: Callable[[PrefetchPage], None] | None = None) -> PrefetchAnswer:
    """List the jobs as the Jobs tab's first poll would (runs in the helper process);
    ``send`` gets the pages of a long listing, batched (see :data:`PAGE_FRAME_SECONDS`)."""
    from console.context import ConsoleContext
    from console.services.jobs_feed import JobsFeed

    context = ConsoleContext(config, source="tui")
    unsent: list[JobSummary] = []
    # The jobs sent so far, kept alive so that their ids stay theirs: id -> stream index.
    sent: list[JobSummary] = []
    index: dict[int, int] = {}
    sent_at = [float("-inf")]

    def on_page(progress: JobsProgress) -> None:
        unsent.extend(progress.page)
        now = time.monotonic()
        if send is not None and now - sent_at[0] >= PAGE_FRAME_SECONDS:
            send(PrefetchPage(tuple(unsent)))
            for job in unsent:
                index[id(job)] = len(sent)
                sent.append(job)
            unsent.clear()
            sent_at[0] = now

    snapshot: JobsSnapshot | None = None
    error: SmError | None = None
    try:
        snapshot = JobsFeed(context).fetch(on_page=on_page)
    except SmError as exc:
        error = exc
    calls = context.sessions.metrics.calls_total("sagemaker")
    if snapshot is None or not sent:
        return PrefetchAnswer(snapshot, error, calls)
    items = tuple(index.get(id(job), job) for job in snapshot.items)
    return PrefetchAnswer(replace(snapshot, items=()), error, calls, items)


def frame(value: object) -> bytes:
    """``value`` as one frame of the helper's answer (see :data:`HEADER`)."""
    data = pickle.dumps(value)
    return HEADER.pack(len(data)) + data


def main() -> None:
    # A short-lived process building long-lived objects: the cyclic GC would only walk
    # botocore's models over and over (see console/cli/tui.py).
    gc.disable()
    config = pickle.load(sys.stdin.buffer)  # noqa: S301 (from our parent, over a pipe)
    out = sys.stdout.buffer

    def send(page: PrefetchPage) -> None:
        out.write(frame(page))
        out.flush()

    answer = prefetch(config, send)
    try:
        data = frame(answer)
        # An error class that does not round-trip: no answer at all (the poll lists).
        pickle.loads(data[HEADER.size :])  # noqa: S301 (our own bytes)
    except Exception:
        sys.exit(1)
    out.write(data)
    out.flush()
    # Answered: exit at once. Tearing down botocore's objects takes ~0.1 s, and the
    # parent reads until the pipe closes (nothing else here needs cleaning up).
    os._exit(0)


if __name__ == "__main__":
    # This module's own copy, not ``__main__``'s: the answer's class must pickle by the
    # name the parent knows it by.
    from console.services.jobs_prefetch import main as run_helper

    run_helper()
