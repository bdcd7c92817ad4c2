"""The one bound on a log line's length, for every place that splits logs into lines.

A job that writes 400 MB without a newline must not grow memory without end or leave the
view on "no lines yet": a line longer than :data:`MAX_LINE_BYTES` is shown cut at that
length with :data:`CUT_MARK` after it, and the rest of it (up to its newline) is dropped.
Used by the Slurm follower (bytes, as they stream) and CloudWatch log events (text).
"""

from __future__ import annotations

MAX_LINE_BYTES = 64 * 1024
CUT_MARK = f" [… line cut at {MAX_LINE_BYTES // 1024} KiB]"


def cut_bytes(line: bytes) -> str:
    """``line`` (no newline) decoded; cut at the bound and marked when longer."""
    if len(line) <= MAX_LINE_BYTES:
        return line.decode("utf-8", errors="replace")
    return line[:MAX_LINE_BYTES].decode("utf-8", errors="ignore") + CUT_MARK


def bound(text: str) -> str:
    """A text line cut at the bound (counted in UTF-8 bytes) and marked when longer."""
    if len(text) <= MAX_LINE_BYTES // 4:  # cannot exceed the bound: 4 bytes a char at most
        return text
    data = text.encode("utf-8", errors="surrogatepass")
    return text if len(data) <= MAX_LINE_BYTES else cut_bytes(data)
