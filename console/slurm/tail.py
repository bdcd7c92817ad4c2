"""Following a job's log: ``tail -F`` through a transport, surviving dropped connections.

``tail -F`` keeps following across log rotation and waits for a file that does not exist
yet (a pending job's). Closing the follower ends the remote ``tail`` (the transport kills
the pid it printed first). After a dropped connection the follower reconnects and starts
a new ``tail -n 0 -F``, and says so with a :class:`Gap` in the stream: lines written
while disconnected may be missing, and the operator should know.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from console.errors import SmError
from console.remote.base import Process, Transport
from console.remote.errors import ConnectionLostError


@dataclass(frozen=True)
class Gap:
    """A hole in the stream: the connection dropped between ``lost`` and ``resumed``."""

    lost: datetime
    resumed: datetime | None  # None: could not reconnect (the follower stopped)
    reason: str

    @property
    def message(self) -> str:
        if self.resumed is None:
            return f"connection lost at {self.lost:%H:%M:%S} ({self.reason}); not reconnected"
        return (
            f"connection lost at {self.lost:%H:%M:%S} ({self.reason}); reconnected at "
            f"{self.resumed:%H:%M:%S}: lines written in between may be missing"
        )


class LogFollower:
    """Lines of a remote file as they are written; use as a context manager."""

    POLL_INTERVAL = "0.2"  # seconds between tail's checks when it cannot use inotify

    def __init__(
        self, transport: Transport, path: str, *, lines: int = 100, reconnect: bool = True
    ) -> None:
        self.transport = transport
        self.path = path
        self.lines = lines
        self.reconnect = reconnect
        self.process: Process | None = None
        self.closed = False

    def _start(self, lines: int) -> Process:
        argv = ["tail", "-n", str(max(lines, 0)), "-F", "-s", self.POLL_INTERVAL, "--", self.path]
        return self.transport.spawn(argv)

    def poll(self, timeout: float = 0.5) -> list[str | Gap]:
        """What arrived within ``timeout`` (lines, and a :class:`Gap` after a reconnect);
        [] when nothing did."""
        if self.closed:
            return []
        if self.process is None:
            self.process = self._start(self.lines)
        try:
            batch = self.process.lines(timeout)
        except ConnectionLostError as exc:
            return self._recover(exc)
        if batch is None:
            return []
        if self.process.eof and not batch:
            # tail ended by itself (the file's directory vanished?): restart after a pause.
            self.process.close()
            self.process = None
            time.sleep(min(timeout, 0.5))
            return []
        return list(batch)

    def _recover(self, exc: SmError) -> list[str | Gap]:
        lost = datetime.now(UTC)
        if self.process is not None:
            self.process.close()
            self.process = None
        if not self.reconnect:
            self.closed = True
            return [Gap(lost, None, exc.message)]
        try:
            self.transport.reconnect()
            self.process = self._start(0)  # only what is written from now on
        except SmError as again:
            self.closed = True
            return [Gap(lost, None, again.message)]
        return [Gap(lost, datetime.now(UTC), exc.message)]

    def close(self) -> None:
        self.closed = True
        if self.process is not None:
            self.process.close()
            self.process = None

    def __enter__(self) -> LogFollower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
