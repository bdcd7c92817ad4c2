"""A fake ``tail -c +N -F`` over a link that can be cut, for the log follower's tests.

The transport is the boundary being isolated: :class:`FakeTail` behaves like the real
tail script on a model file (``Link.file``), and a cut (``Link.generation``) kills every
process started before it; ``failures_left`` reconnect attempts fail first. The script
itself runs for real in tests/core/slurm/test_log_follower.py (local) and
tests/core/remote/test_ssh_faults.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from console.errors import UnreachableError
from console.lines import CUT_MARK, MAX_LINE_BYTES
from console.remote.base import Process, Result, Transport
from console.remote.errors import ConnectionLostError


class Link:
    """The shared state of the fake link: the file, and whether the link is up."""

    def __init__(self, chunk: int) -> None:
        self.file = bytearray()
        self.chunk = chunk  # bytes delivered per read at most
        self.generation = 0  # bumped by a cut: older processes are dead
        self.failures_left = 0  # reconnect attempts that still fail


def last_lines_start(text: bytes, lines: int) -> int:
    """Where ``tail -n LINES`` starts (a trailing partial line counts as a line)."""
    if lines == 0:
        return len(text)
    body = text[:-1] if text.endswith(b"\n") else text
    position = len(body)
    for _ in range(lines):
        found = body.rfind(b"\n", 0, position)
        if found == -1:
            return 0
        position = found
    return position + 1


class FakeTail(Process):
    """``sh -c TAIL_SCRIPT sh FILE N OFFSET`` on the model file."""

    def __init__(self, link: Link, lines: int, resume: str) -> None:
        super().__init__()
        self.link = link
        self.generation = link.generation
        start = int(resume) if resume else last_lines_start(bytes(link.file), lines)
        self.pending = f"{start}\n".encode()
        self.position = start

    def read(self, timeout: float) -> bytes | None:
        if self.generation != self.link.generation:
            raise ConnectionLostError("the connection dropped")
        # Small reads cut lines at arbitrary points; a third of a big backlog at once keeps
        # a huge line from taking 64 Ki reads.
        size = max(self.link.chunk, (len(self.link.file) - self.position) // 3)
        out = self.pending + bytes(self.link.file[self.position : self.position + size])
        self.position += len(out) - len(self.pending)
        self.pending = b""
        return out or None

    @property
    def exit_status(self) -> int | None:
        return None

    def close(self) -> None:
        pass


class FakeTransport(Transport):
    def __init__(self, link: Link) -> None:
        self.link = link

    def spawn(self, argv: Sequence[str], *, merge_stderr: bool = True) -> Process:
        assert argv[:2] == ["sh", "-c"] and not merge_stderr
        return FakeTail(self.link, int(argv[5]), argv[6])

    def reconnect(self) -> None:
        if self.link.failures_left > 0:
            self.link.failures_left -= 1
            raise UnreachableError("could not connect: connection refused")

    def run(
        self, argv: Sequence[str], *, input: bytes | None = None, timeout: float = 60
    ) -> Result:
        raise AssertionError("not used")

    def put_file(self, path: str, data: bytes, *, mode: int = 0o600) -> str:
        raise AssertionError("not used")

    def home(self) -> str:
        return "/home/u"

    def describe(self) -> str:
        return "fake"

    @property
    def destination(self) -> str:
        return "fake"


def expected_lines(data: bytes) -> list[str]:
    """The spec: complete lines, each cut at the bound and marked when longer. A last
    piece without its newline is held, unless it is already past the bound (a 400 MB line
    that never ends must show, cut; one byte of slack waits for a possible ``\r``)."""
    lines = data.split(b"\n")
    if len(lines[-1]) <= MAX_LINE_BYTES + 1:
        lines.pop()
    return [
        line.decode("utf-8", "replace")
        if len(line) <= MAX_LINE_BYTES
        else line[:MAX_LINE_BYTES].decode("utf-8", "ignore") + CUT_MARK
        for line in lines
    ]
