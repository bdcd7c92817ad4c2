"""The Slurm log follower, by example: where the first start begins, the reconnecting
state, and the real tail script resuming at the byte (local transport). The model-based
test of its positions is tests/core/slurm/test_stateful_log_tail.py.
"""

from __future__ import annotations

import time
from pathlib import Path

from console.lines import CUT_MARK, MAX_LINE_BYTES
from console.remote.local import LocalTransport
from console.slurm.tail import Gap, LogFollower, Reconnecting, backoff
from tests.support.fake_tail import FakeTransport, Link


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
