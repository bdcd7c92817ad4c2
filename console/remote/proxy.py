"""A program's stdin/stdout used as the SSH connection (OpenSSH's ProxyCommand).

paramiko's own ``ProxyCommand`` spins on end-of-file until its timeout (a proxy that
exits at once, like ``aws ssm start-session`` refusing a target, costs the whole banner
timeout) and throws its stderr away. This one reports end-of-file as it happens, keeps the
last lines of stderr (the AWS CLI says there why a session failed), and ends the program
on close.
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import subprocess
import threading
from collections import deque
from collections.abc import Sequence

from console.errors import ToolMissingError, UnreachableError
from console.lines import LineSplitter


class ProcessSocket:
    """The socket-like object paramiko's Transport reads and writes (``sock=``)."""

    def __init__(self, argv: Sequence[str], *, missing_hint: str = "") -> None:
        self.argv = list(argv)
        try:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=0,
                start_new_session=True,  # Ctrl-C in the console does not kill the tunnel
            )
        except FileNotFoundError:
            raise ToolMissingError(f"`{self.argv[0]}` is not installed", missing_hint) from None
        except OSError as exc:
            raise UnreachableError(f"cannot start `{self.argv[0]}`: {exc.strerror}") from None
        self.timeout: float | None = None
        self.stderr_lines = deque[str](maxlen=50)
        self._reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()

    @classmethod
    def shell(cls, command: str) -> ProcessSocket:
        """A ProxyCommand line from ~/.ssh/config, run by ``sh`` as OpenSSH does."""
        return cls(["/bin/sh", "-c", f"exec {command}"])

    def _drain_stderr(self) -> None:
        stream = self.process.stderr
        if stream is None:
            return
        # Read in chunks, split with a bound: a program printing one endless line must not
        # grow memory (``readline`` would hold all of it).
        splitter = LineSplitter()
        for chunk in iter(lambda: stream.read(65536), b""):
            self.stderr_lines.extend(line.rstrip() for line in splitter.feed(chunk))
        self.stderr_lines.extend(line.rstrip() for line in splitter.flush())

    def error_text(self, wait: float = 3.0) -> str:
        """The program's stderr, after giving a failing program a moment to finish."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=wait)
        self._reader.join(timeout=1.0)
        return "\n".join(self.stderr_lines)

    def settimeout(self, timeout: float | None) -> None:
        self.timeout = timeout

    def send(self, data: bytes) -> int:
        stdin = self.process.stdin
        try:
            assert stdin is not None
            written = stdin.write(data)
        except (OSError, ValueError) as exc:
            raise EOFError(f"the proxy command {shlex.join(self.argv[:3])} ended") from exc
        return int(written or 0)

    def recv(self, size: int) -> bytes:
        """Like ``socket.recv``: what is available, ``b""`` at end, or ``socket.timeout``."""
        stdout = self.process.stdout
        if stdout is None or stdout.closed:
            return b""
        ready, _, _ = select.select([stdout], [], [], self.timeout)
        if not ready:
            raise TimeoutError()
        return os.read(stdout.fileno(), size)

    @property
    def closed(self) -> bool:
        return self.process.poll() is not None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=3)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
