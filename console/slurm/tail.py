"""Following a job's log through a transport: every line exactly once, across outages.

The follower knows the byte offset of what it has consumed (every complete line shown,
plus the dropped rest of a line cut at :data:`~console.lines.MAX_LINE_BYTES`). It reads
with ``tail -c +<offset+1> -F``, so after a dropped connection it resumes at exactly that
byte: no line lost, none repeated. A last line without its newline is held (not shown,
not counted) until the newline comes; after a resume it is simply read again.

The first start shows the last ``lines`` lines: a small fixed shell script (the path and
numbers are its positional parameters, never pasted into it) measures the file, prints
the byte offset where those lines start, then ``exec``s the ``tail``. ``tail -F`` keeps
following across log rotation and waits for a file that does not exist yet (a pending
job's).

While the link is down the follower keeps trying, with backoff (1, 2, 4 … 30 s), for as
long as it is polled (the view is open, the CLI was not interrupted); :attr:`state` says
"following" or "reconnecting (attempt N, next in Xs)" and each failed attempt is a
:class:`Reconnecting` item in the stream. Only a host-key or authentication refusal ends
it (retrying cannot help). A successful resume is a :class:`Gap` item saying nothing was
missed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from console.errors import SmError
from console.lines import LineSplitter
from console.remote.base import Process, Transport
from console.remote.errors import AuthenticationError, HostKeyError

# $1 file, $2 lines wanted at the start, $3 byte offset to resume at ("" on the first
# start). Prints the start offset on a line of its own, then becomes tail. The size is
# measured once and the last lines are counted within that size, so a file growing
# meanwhile cannot shift the offset.
TAIL_SCRIPT = """\
start=$3
if [ -z "$start" ]; then
  size=0
  if [ -r "$1" ]; then size=$(wc -c < "$1"); fi
  last=$(head -c "$size" -- "$1" 2>/dev/null | tail -n "$2" | wc -c)
  start=$((size - last))
fi
echo "$start"
exec tail -c +$((start + 1)) -F -s 0.2 -- "$1"
"""

BACKOFF_MAX = 30.0


def backoff(attempt: int) -> float:
    """Seconds before reconnect attempt ``attempt + 1``: 1, 2, 4 … at most 30."""
    return float(min(BACKOFF_MAX, 2 ** max(attempt - 1, 0)))


@dataclass(frozen=True)
class Gap:
    """The connection dropped at ``lost`` and the follower resumed at ``resumed`` from
    byte ``offset`` (nothing missed); ``resumed`` None: it stopped for good."""

    lost: datetime
    resumed: datetime | None
    reason: str
    offset: int = 0

    @property
    def message(self) -> str:
        if self.resumed is None:
            return f"connection lost at {self.lost:%H:%M:%S} ({self.reason}); stopped following"
        return (
            f"connection lost at {self.lost:%H:%M:%S} ({self.reason}); resumed at "
            f"{self.resumed:%H:%M:%S} from byte {self.offset}: no line missed"
        )


@dataclass(frozen=True)
class Reconnecting:
    """A reconnect attempt failed; the next one is in ``next_in`` seconds."""

    attempt: int
    next_in: float
    reason: str

    @property
    def message(self) -> str:
        return f"reconnecting (attempt {self.attempt}, next in {self.next_in:.0f}s): {self.reason}"


@dataclass(frozen=True)
class FollowState:
    """What the follower is doing, for a status line."""

    kind: str  # "following" | "reconnecting" | "stopped"
    attempt: int = 0
    next_in: float = 0.0

    @property
    def text(self) -> str:
        if self.kind == "reconnecting":
            return f"reconnecting (attempt {self.attempt}, next in {self.next_in:.0f}s)"
        return self.kind


Item = str | Gap | Reconnecting


class LogFollower:
    """Lines of a remote file as they are written; use as a context manager."""

    def __init__(
        self,
        transport: Transport,
        path: str,
        *,
        lines: int = 100,
        reconnect: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.transport = transport
        self.path = path
        self.lines = lines
        self.reconnect = reconnect
        self.process: Process | None = None
        self.closed = False
        self.offset: int | None = None  # bytes consumed; None until the first start
        self.started_at: int | None = None  # the byte the first start showed from
        self._clock = clock
        self._sleep = sleep
        self._header = b""  # the start offset line, until it is complete
        self._header_done = False
        # Lines bounded as they stream; what it holds (a line without its newline yet) is
        # not consumed: the offset counts every byte it gave out or dropped.
        self._lines = LineSplitter()
        self._lost: datetime | None = None
        self._lost_reason = ""
        self._attempt = 0
        self._next_at = 0.0

    # --- state ------------------------------------------------------------------------

    @property
    def state(self) -> FollowState:
        if self.closed:
            return FollowState("stopped")
        if self._lost is not None:
            return FollowState(
                "reconnecting", self._attempt + 1, max(self._next_at - self._clock(), 0.0)
            )
        return FollowState("following")

    @property
    def held_bytes(self) -> int:
        """Bytes of a last line read but not shown yet (waiting for its newline)."""
        return self._lines.held_bytes

    # --- reading ----------------------------------------------------------------------

    def _start(self) -> Process:
        resume = "" if self.offset is None else str(self.offset)
        argv = ["sh", "-c", TAIL_SCRIPT, "sh", self.path, str(max(self.lines, 0)), resume]
        process = self.transport.spawn(argv, merge_stderr=False)
        self._header = b""
        self._header_done = False
        self._lines.forget_held()  # read again from the offset
        return process

    def poll(self, timeout: float = 0.5) -> list[Item]:
        """What arrived within ``timeout``: lines, a :class:`Gap` after a resume, a
        :class:`Reconnecting` after a failed attempt; [] when nothing did."""
        if self.closed:
            return []
        if self._lost is not None:
            return self._try_resume(timeout)
        try:
            if self.process is None:
                self.process = self._start()
            chunk = self.process.read(timeout)
        except (HostKeyError, AuthenticationError) as exc:
            return self._stop(exc)
        except SmError as exc:
            return self._lose(exc)
        if chunk is None:
            return []
        if chunk == b"":
            # tail ended by itself (its directory vanished?): start again from the offset.
            self.process.close()
            self.process = None
            self._sleep(min(timeout, 0.5))
            return []
        return list(self._feed(chunk))

    def _feed(self, chunk: bytes) -> list[str]:
        if not self._header_done:
            self._header += chunk
            if b"\n" not in self._header and len(self._header) <= 64:
                return []
            first, _, chunk = self._header.partition(b"\n")
            self._header_done = True
            # Not a number: not our script's output (a broken remote shell?); show it all
            # as lines from where we are rather than guess an offset.
            start = int(first) if first.strip().isdigit() else None
            if start is None:
                chunk = self._header
            if self.offset is None:
                self.offset = self.started_at = start or 0
        assert self.offset is not None
        held = self._lines.held_bytes
        out = self._lines.feed(chunk)
        self.offset += held + len(chunk) - self._lines.held_bytes
        return out

    # --- outages ----------------------------------------------------------------------

    def _drop_process(self) -> None:
        if self.process is not None:
            process, self.process = self.process, None
            # If the link is down, the remote tail ends at its next write (SIGPIPE).
            with contextlib.suppress(SmError):
                process.close()

    def _stop(self, exc: SmError) -> list[Item]:
        lost = self._lost or datetime.now(UTC)
        self._drop_process()
        self.closed = True
        return [Gap(lost, None, exc.message, self.offset or 0)]

    def _lose(self, exc: SmError) -> list[Item]:
        self._drop_process()
        if not self.reconnect:
            return self._stop(exc)
        self._lost = datetime.now(UTC)
        self._lost_reason = exc.message
        self._attempt = 0
        self._next_at = self._clock()  # the first attempt at once
        return []

    def _try_resume(self, timeout: float) -> list[Item]:
        wait = self._next_at - self._clock()
        if wait > 0:
            self._sleep(min(wait, timeout))
            return []
        try:
            self.transport.reconnect()
            self.process = self._start()
        except (HostKeyError, AuthenticationError) as exc:
            return self._stop(exc)
        except SmError as exc:
            self._drop_process()
            self._attempt += 1
            delay = backoff(self._attempt)
            self._next_at = self._clock() + delay
            return [Reconnecting(self._attempt, delay, exc.message)]
        lost, self._lost = self._lost, None
        assert lost is not None
        return [Gap(lost, datetime.now(UTC), self._lost_reason, self.offset or 0)]

    def close(self) -> None:
        self.closed = True
        self._drop_process()

    def __enter__(self) -> LogFollower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
