"""The Slurm log follower's positions against a model file (Hypothesis state machine):
every line of the file shown exactly once, in order, whatever the file does (appends,
partial lines, huge lines cut at the bound) and wherever the connection is cut or
refuses to come back; the byte offset only moves forward and never past what was read.

The fake transport (tests/support/fake_tail.py) behaves like ``tail -c +N -F`` over a
link we can cut; the real script is run in tests/core/slurm/test_log_follower.py and over SSH in
tests/core/remote/test_ssh_faults.py. Budget: tests/support/stateful.py (large: bench/stateful.py).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from console.lines import MAX_LINE_BYTES
from console.slurm.tail import Gap, LogFollower, Reconnecting
from tests.support.fake_tail import FakeTransport, Link, expected_lines
from tests.support.stateful import STATEFUL


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
        self.last_offset = 0

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
    def the_offset_only_moves_forward_within_the_file(self) -> None:
        offset = self.follower.offset
        if offset is None:
            return
        assert self.start_offset is not None and self.start_offset <= offset
        assert offset >= self.last_offset, "the offset went back: lines would repeat"
        assert offset + self.follower.held_bytes <= len(self.link.file)
        self.last_offset = offset

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
    STATEFUL, suppress_health_check=[*STATEFUL.suppress_health_check, HealthCheck.data_too_large]
)
