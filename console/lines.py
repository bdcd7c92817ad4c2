"""The one bound on a log line's length, for every place that splits logs into lines.

A job that writes 400 MB without a newline must not grow memory without end or leave the
view on "no lines yet": a line longer than :data:`MAX_LINE_BYTES` is shown cut at that
length with :data:`CUT_MARK` after it, and the rest of it (up to its newline) is dropped.
Used wherever remote text becomes lines: :class:`LineSplitter` for every stream (the
Slurm follower, which counts its byte offsets from it; ``Process.lines`` of a remote
program; a ProxyCommand's stderr) and :func:`bound_lines` for CloudWatch log events
(text).
"""

from __future__ import annotations

MAX_LINE_BYTES = 64 * 1024
CUT_MARK = f" [… line cut at {MAX_LINE_BYTES // 1024} KiB]"


def cut_bytes(line: bytes, limit: int = MAX_LINE_BYTES) -> str:
    """``line`` (no newline) decoded; cut at the bound and marked when longer."""
    if len(line) <= limit:
        return line.decode("utf-8", errors="replace")
    return line[:limit].decode("utf-8", errors="ignore") + CUT_MARK


def bound(text: str) -> str:
    """A text line cut at the bound (counted in UTF-8 bytes) and marked when longer."""
    if len(text) <= MAX_LINE_BYTES // 4:  # cannot exceed the bound: 4 bytes a char at most
        return text
    data = text.encode("utf-8", errors="surrogatepass")
    return text if len(data) <= MAX_LINE_BYTES else cut_bytes(data)


class LineSplitter:
    """Bytes as they arrive -> complete lines, each bounded; memory stays bounded too.

    A line longer than :data:`MAX_LINE_BYTES` is given out cut (with :data:`CUT_MARK`) as
    soon as it is known to be too long, and the rest of it, up to its newline, is dropped
    as it comes: a 400 MB line without a newline holds at most the bound in memory and
    shows at once, not "no lines yet". ``\\r\\n`` ends a line like ``\\n``. Chunk
    boundaries never change the lines (one byte of slack waits for a possible ``\\r``).
    """

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self._held = bytearray()  # the current line so far (at most limit + 1 bytes)
        self._dropping = False  # inside a line already given out cut

    @property
    def held_bytes(self) -> int:
        """Bytes of the current line read but not given out yet."""
        return len(self._held)

    def feed(self, chunk: bytes) -> list[str]:
        out: list[str] = []
        position = 0
        while position < len(chunk):
            newline = chunk.find(b"\n", position)
            end = len(chunk) if newline == -1 else newline
            if not self._dropping:
                room = self.limit + 2 - len(self._held)  # enough to know it is too long
                self._held += chunk[position : min(end, position + room)]
            if newline == -1:
                if not self._dropping and len(self._held) > self.limit + 1:
                    out.append(self._cut())
                return out
            if self._dropping:
                self._dropping = False
            else:
                out.append(self._line(bytes(self._held)))
            self._held.clear()
            position = newline + 1
        return out

    def forget_held(self) -> None:
        """Drop the incomplete line held (it will be read again, e.g. after a reconnect
        that resumes at its first byte); a line being dropped stays dropped."""
        self._held.clear()

    def flush(self) -> list[str]:
        """At end of output: the last line if it had no newline (bounded like the rest)."""
        held, dropping = bytes(self._held), self._dropping
        self._held.clear()
        self._dropping = False
        return [] if dropping or not held else [self._line(held)]

    def _line(self, line: bytes) -> str:
        return cut_bytes(line.removesuffix(b"\r"), self.limit)

    def _cut(self) -> str:
        text = cut_bytes(bytes(self._held), self.limit)  # longer than the bound: cut
        self._held.clear()
        self._dropping = True
        return text


def bound_lines(text: str) -> str:
    """``text`` with each of its lines bounded (a CloudWatch event's message may hold
    several lines, or one of 256 KB)."""
    if len(text) <= MAX_LINE_BYTES // 4:
        return text
    return "\n".join(bound(line) for line in text.split("\n"))
