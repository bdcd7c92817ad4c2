"""Every place remote text becomes lines bounds the line: a 400 MB line without a newline
never grows memory and shows, cut and marked, at once.

``LineSplitter`` (console/lines.py) is the one splitter: chunk boundaries never change
the lines it gives out (a Hypothesis property against the same bytes unchunked), and it
holds at most the bound in memory. It is driven through its users: a real remote
program's ``Process.lines`` (local transport), a ProxyCommand's stderr, and CloudWatch
log events from moto.
"""

from __future__ import annotations

import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from console.lines import CUT_MARK, MAX_LINE_BYTES, LineSplitter, bound_lines

LIMIT = 16  # small bound for the property tests; the users run with MAX_LINE_BYTES


def split_all(data: bytes, chunks: list[int], limit: int = LIMIT) -> list[str]:
    splitter = LineSplitter(limit)
    out: list[str] = []
    position = 0
    for size in chunks:
        out += splitter.feed(data[position : position + size])
        position += size
    out += splitter.feed(data[position:])
    return out + splitter.flush()


def reference(data: bytes, limit: int = LIMIT) -> list[str]:
    """What the lines must be: split on newlines, ``\\r`` dropped before it, each cut."""
    lines = data.split(b"\n")
    last = lines.pop()
    if last:
        lines.append(last)
    out = []
    for raw in lines:
        line = raw.removesuffix(b"\r")
        if len(line) <= limit:
            out.append(line.decode("utf-8", errors="replace"))
        else:
            out.append(line[:limit].decode("utf-8", errors="ignore") + CUT_MARK)
    return out


line_bytes = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"\n", b"\r\n", b"\r", b"x" * LIMIT, b"\xc3\xa9" * 9, b"\xff"]),
    ),
    max_size=20,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(data=line_bytes, chunks=st.lists(st.integers(0, 50), max_size=30))
def test_chunked_input_splits_into_the_same_lines_as_unchunked(
    data: bytes, chunks: list[int]
) -> None:
    assert split_all(data, chunks) == split_all(data, []) == reference(data)


@settings(max_examples=100, deadline=None)
@given(data=line_bytes, chunks=st.lists(st.integers(1, 7), max_size=60))
def test_memory_held_never_exceeds_the_bound(data: bytes, chunks: list[int]) -> None:
    splitter = LineSplitter(LIMIT)
    position = 0
    for size in chunks:
        splitter.feed(data[position : position + size])
        position += size
        assert splitter.held_bytes <= LIMIT + 2


def test_a_huge_line_without_newline_shows_cut_at_once_and_holds_nothing() -> None:
    splitter = LineSplitter()
    block = b"y" * (1 << 20)
    shown: list[str] = []
    for _ in range(400):  # 400 MB in 1 MiB chunks, no newline
        shown += splitter.feed(block)
        assert splitter.held_bytes <= MAX_LINE_BYTES + 2
    assert shown == ["y" * MAX_LINE_BYTES + CUT_MARK]
    assert splitter.feed(b"tail\nnext\n") == ["next"]  # the rest of the cut line is dropped
    assert splitter.flush() == []


def test_bound_lines_cuts_each_line_of_a_message() -> None:
    long = "z" * (MAX_LINE_BYTES + 10)
    assert bound_lines(f"short\n{long}\nend") == f"short\n{'z' * MAX_LINE_BYTES}{CUT_MARK}\nend"
    assert bound_lines("a\nb") == "a\nb"
    wide = "é" * (MAX_LINE_BYTES // 2 + 1)  # 2 bytes a character: over the bound in bytes
    assert bound_lines(wide).endswith(CUT_MARK)


def test_a_remote_program_printing_a_huge_line_gives_it_cut(tmp_path: Any) -> None:
    """``Process.lines`` of a real program (the local transport): 8 MiB without a newline,
    then a normal line; the view gets the cut line first, then the next."""
    from console.remote.local import LocalTransport

    script = "head -c 8388608 /dev/zero | tr '\\0' 'q'; printf '\\nafter\\n'"
    with LocalTransport().spawn(["sh", "-c", script]) as process:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while not process.eof and time.monotonic() < deadline:
            lines += process.lines(5) or []
    assert lines == ["q" * MAX_LINE_BYTES + CUT_MARK, "after"]


def test_a_proxy_command_s_endless_stderr_line_is_bounded() -> None:
    from console.remote.proxy import ProcessSocket

    proxy = ProcessSocket.shell(
        "head -c 4194304 /dev/zero | tr '\\0' 'e' >&2; printf '\\ndone\\n' >&2"
    )
    text = proxy.error_text(wait=20)
    assert text.splitlines() == ["e" * MAX_LINE_BYTES + CUT_MARK, "done"]


def test_cloudwatch_log_events_are_bounded(aws: Any) -> None:
    from console.config import load_config
    from console.context import ConsoleContext

    logs = aws.client("logs")
    group, stream = "/aws/sagemaker/TrainingJobs", "big-job/algo-1-1700000000"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    huge = "w" * (200 * 1024)  # CloudWatch takes up to 256 KB an event
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": int(time.time() * 1000) - 60_000, "message": f"{huge}\nok"}],
    )
    context = ConsoleContext(load_config())
    events = context.logs.read("training", "big-job")
    assert [e.message for e in events] == [f"{'w' * MAX_LINE_BYTES}{CUT_MARK}\nok"]
