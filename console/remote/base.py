"""What every transport offers: run a program, stream one, put a file, say who it is.

Commands are always given as argv lists. The one place that turns an argv into the
string a remote shell reads is :func:`command_line`, which quotes every word with
``shlex.quote``: a job name such as ``a; rm -rf ~`` or ``$(reboot)`` reaches the remote
program as one literal argument. Nothing in the console builds a remote command by
pasting text into a shell string.
"""

from __future__ import annotations

import shlex
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from console.errors import ValidationError
from console.lines import LineSplitter
from console.remote.errors import RemoteCommandError
from console.sanitize import inert

DEFAULT_TIMEOUT = 60.0
MAX_OUTPUT_BYTES = 64 * 1024 * 1024

# Runs "$@" (the real argv, passed as positional parameters, never pasted into this
# script) after printing the shell's pid, so the caller can kill exactly that process
# when it stops reading. `exec` makes the pid the program's own.
SPAWN_SCRIPT = 'echo "$$"; exec "$@"'
SPAWN_SCRIPT_MERGED = 'echo "$$"; exec "$@" 2>&1'


def command_line(argv: Sequence[str]) -> str:
    """The shell-quoted form of ``argv`` (each word one argument, nothing interpreted)."""
    if isinstance(argv, str) or not argv:
        raise ValidationError("a remote command must be a non-empty list of words")
    for word in argv:
        if not isinstance(word, str):
            raise ValidationError(f"a remote command word must be text, got {word!r}")
        if "\x00" in word:
            raise ValidationError("a remote command word cannot contain a NUL byte")
    return shlex.join(argv)


def spawn_argv(argv: Sequence[str], *, merge_stderr: bool = True) -> list[str]:
    """``sh -c 'echo $$; exec "$@"' sh ARGV…``: the pid first, then the program's output."""
    command_line(argv)  # validates
    return ["sh", "-c", SPAWN_SCRIPT_MERGED if merge_stderr else SPAWN_SCRIPT, "sh", *argv]


@dataclass(frozen=True)
class Result:
    """What a finished program left: exit code and decoded output."""

    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def first_error(self) -> str:
        """The most telling line of stderr (or stdout), safe to print on one line."""
        for text in (self.stderr, self.stdout):
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            errors = [line for line in lines if "error" in line.lower()]
            if errors or lines:
                return inert((errors or lines)[-1], 300)
        return f"exit status {self.rc}"

    def check(self, what: str) -> Result:
        """Return self when the program succeeded, else a :class:`RemoteCommandError`."""
        if self.rc != 0:
            raise RemoteCommandError(
                f"{what} failed: {self.first_error()}", rc=self.rc, stderr=self.stderr
            )
        return self


class Process(ABC):
    """A program started with :meth:`Transport.spawn`, read as it writes.

    ``close()`` always leaves nothing running on the other side (the remote pid printed
    by :data:`SPAWN_SCRIPT` is killed), whether the program ended or not.
    """

    def __init__(self) -> None:
        self._splitter = LineSplitter()  # lines bounded: a huge one never grows memory
        self._eof = False

    @abstractmethod
    def read(self, timeout: float) -> bytes | None:
        """Up to 64 KiB of output; ``b""`` at end of output; None if nothing came in time."""

    @abstractmethod
    def close(self) -> None:
        """Stop the program (if it still runs) and release the channel."""

    @property
    @abstractmethod
    def exit_status(self) -> int | None:
        """The exit status once the program ended, else None."""

    @property
    def eof(self) -> bool:
        return self._eof

    def lines(self, timeout: float) -> list[str] | None:
        """Complete lines that arrived within ``timeout``; [] when output ended; None when
        nothing new came. A last line without newline is returned once output ends. Each
        line is bounded (:class:`~console.lines.LineSplitter`): a longer one comes cut,
        marked, as soon as it is known to be too long."""
        deadline = time.monotonic() + timeout
        out: list[str] = []
        while not out:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            chunk = self.read(remaining)
            if chunk is None:
                return None
            if chunk == b"":
                self._eof = True
                return self._splitter.flush()
            out.extend(self._splitter.feed(chunk))
        return out

    def __enter__(self) -> Process:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Transport(ABC):
    """A way to run programs on the cluster's login node (or here)."""

    kind = "transport"

    @abstractmethod
    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Result:
        """Run ``argv`` to completion. A non-zero exit is a :class:`Result`, not an error;
        errors are about reaching the machine (UnreachableError, HostKeyError, …)."""

    @abstractmethod
    def spawn(self, argv: Sequence[str], *, merge_stderr: bool = True) -> Process:
        """Start ``argv`` and return a :class:`Process` to read its output as it comes."""

    @abstractmethod
    def put_file(self, path: str, data: bytes, *, mode: int = 0o600) -> str:
        """Write ``data`` to ``path`` atomically (a temp name, then rename); parents are
        created (mode 0700). Returns the absolute path written."""

    @abstractmethod
    def home(self) -> str:
        """The login user's home directory (absolute)."""

    @abstractmethod
    def describe(self) -> str:
        """The equivalent command an operator could type (``ssh -J bastion user@host``)."""

    @property
    @abstractmethod
    def destination(self) -> str:
        """Short name of where commands run (``user@host:port``, ``local``), for audit."""

    def reconnect(self) -> None:  # noqa: B027 - a no-op where there is no connection
        """Re-establish a dropped connection (a no-op for local)."""

    def close(self) -> None:  # noqa: B027 - a no-op where there is nothing to release
        """Release the connection."""

    def expand_path(self, path: str) -> str:
        """``~/x`` and relative paths made absolute against the remote home."""
        if path == "~":
            return self.home()
        if path.startswith("~/"):
            return f"{self.home().rstrip('/')}/{path[2:]}"
        if path.startswith("/"):
            return path
        return f"{self.home().rstrip('/')}/{path}"

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
