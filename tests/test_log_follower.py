"""The Slurm log follower's positions: every line of the file shown exactly once, in
order, whatever the file does (appends, partial lines, huge lines) and wherever the
connection is cut.

The stateful test drives :class:`LogFollower` against a model file through a small fake
transport that behaves like ``tail -c +N -F`` reached over a link we can cut (the
transport is the boundary being isolated; the script itself runs for real in
``test_the_tail_script_resumes_at_the_byte`` through the local transport, and over SSH
in tests/test_ssh_faults.py).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from console.errors import UnreachableError
from console.lines import CUT_MARK, MAX_LINE_BYTES
from console.remote.base import Process, Result, Transport
from console.remote.errors import ConnectionLostError
from console.remote.local import LocalTransport
from console.slurm.tail import Gap, LogFollower, Reconnecting, backoff


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
    that never ends must show, cut)."""
    lines = data.split(b"\n")
    if len(lines[-1]) <= MAX_LINE_BYTES:
        lines.pop()
    return [
        line.decode("utf-8", "replace")
        if len(line) <= MAX_LINE_BYTES
        else line[:MAX_LINE_BYTES].decode("utf-8", "ignore") + CUT_MARK
        for line in lines
    ]


class FollowerMachine(RuleBasedStateMachine):
    """The model: the file's bytes. Shown lines must be the file's lines (from where the
    follower started) exactly once, in order; a held partial line never shows."""

    @initialize(
        initial=st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"")),
        lines=st.integers(0, 5),
        chunk=st.sampled_from([1, 3, 17, 4096, 1 << 20]),
    )
    def start(self, initial: bytes, lines: int, chunk: int) -> None:
        self.now = 0.0
        self.link = Link(chunk)
        self.link.file += initial
        self.follower = LogFollower(
            FakeTransport(self.link), "/f", lines=lines, clock=self.clock, sleep=self.sleep
        )
        self.shown: list[str] = []
        self.start_offset: int | None = None

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def _poll(self) -> None:
        for item in self.follower.poll(0.1):
            if isinstance(item, str):
                self.shown.append(item)
            else:
                assert isinstance(item, Gap | Reconnecting)
                assert not isinstance(item, Gap) or item.resumed is not None
        if self.start_offset is None:
            self.start_offset = self.follower.started_at

    @rule(data=st.binary(max_size=50).map(lambda b: b.replace(b"\r", b"")))
    def append(self, data: bytes) -> None:
        self.link.file += data

    @rule(newline=st.booleans())
    def append_huge_line(self, newline: bool) -> None:
        self.link.file += b"x" * (MAX_LINE_BYTES + 100) + (b"\n" if newline else b"")

    @rule(failures=st.integers(0, 4))
    def cut(self, failures: int) -> None:
        self.link.generation += 1
        self.link.failures_left = failures

    @rule(times=st.integers(1, 5))
    def poll(self, times: int) -> None:
        for _ in range(times):
            self._poll()

    @invariant()
    def shown_is_a_prefix_of_the_file_s_lines(self) -> None:
        assert not self.follower.closed
        if self.start_offset is None:
            assert self.shown == []
            return
        want = expected_lines(bytes(self.link.file[self.start_offset :]))
        assert self.shown == want[: len(self.shown)]

    def _progress(self) -> tuple[int, int | None, int, str]:
        follower = self.follower
        return (len(self.shown), follower.offset, follower.held_bytes, follower.state.kind)

    def teardown(self) -> None:
        # Drained (the link up for good): everything complete is shown, exactly once.
        if not hasattr(self, "link"):
            return
        self.link.failures_left = 0
        quiet = 0
        while quiet < 3:
            before = self._progress()
            self._poll()
            if self.follower.state.kind == "reconnecting":
                self.now += 60
            progressed = before != self._progress()
            quiet = 0 if progressed else quiet + 1
        assert self.start_offset is not None
        assert self.shown == expected_lines(bytes(self.link.file[self.start_offset :]))
        assert self.follower.state.kind == "following"


TestFollowerPositions = FollowerMachine.TestCase
TestFollowerPositions.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_the_start_shows_the_last_lines_from_their_offset() -> None:
    link = Link(4096)
    link.file += b"a\nb\nc\nd"
    follower = LogFollower(FakeTransport(link), "/f", lines=2)
    assert follower.poll(0) == ["c"]  # d has no newline yet: held
    assert follower.offset == 6
    link.file += b"\n"
    assert follower.poll(0) == ["d"]


def test_reconnecting_is_the_state_until_the_link_is_back() -> None:
    now = [0.0]
    link = Link(4096)
    follower = LogFollower(
        FakeTransport(link), "/f", lines=0, clock=lambda: now[0], sleep=lambda s: None
    )
    assert follower.poll(0) == []  # started at the end of the (empty) file
    link.file += b"one\n"
    assert follower.poll(0) == ["one"]
    link.generation += 1
    link.failures_left = 3
    assert follower.poll(0) == []
    assert follower.state.text == "reconnecting (attempt 1, next in 0s)"
    (item,) = follower.poll(0)
    assert isinstance(item, Reconnecting) and item.attempt == 1 and item.next_in == backoff(1)
    assert follower.state.text == "reconnecting (attempt 2, next in 1s)"
    for _ in range(2):
        now[0] += 100
        assert isinstance(follower.poll(0)[0], Reconnecting)
    link.file += b"two\n"
    now[0] += 100
    (gap,) = follower.poll(0)
    assert isinstance(gap, Gap) and "no line missed" in gap.message
    assert follower.poll(0) == ["two"]
    assert follower.state.text == "following"
    assert [backoff(n) for n in (1, 2, 3, 6, 9)] == [1, 2, 4, 30, 30]


def test_the_tail_script_resumes_at_the_byte(tmp_path: Path) -> None:
    """The real script and tail (local transport): first start at the last N lines,
    then a resume at a byte offset repeats and loses nothing."""
    log = tmp_path / "job.out"
    log.write_bytes(b"1\n22\n333\n44")
    transport = LocalTransport()

    def collect(follower: LogFollower, count: int) -> list[str]:
        got: list[str] = []
        deadline = time.monotonic() + 30
        while len(got) < count and time.monotonic() < deadline:
            got += [item for item in follower.poll(0.2) if isinstance(item, str)]
        return got

    with LogFollower(transport, str(log), lines=2) as follower:
        assert collect(follower, 1) == ["333"]
        assert (follower.started_at, follower.offset) == (5, 9)
        with log.open("ab") as handle:
            handle.write(b"44\n5")
        assert collect(follower, 1) == ["4444"]
        offset = follower.offset
    assert offset == 14
    with log.open("ab") as handle:
        handle.write(b"5\n" + b"y" * (MAX_LINE_BYTES * 2) + b"\n6\n")
    with LogFollower(transport, str(log), lines=0) as again:
        again.offset = offset  # as after a reconnect
        assert collect(again, 3) == ["55", "y" * MAX_LINE_BYTES + CUT_MARK, "6"]
