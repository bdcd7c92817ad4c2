"""The log view's data: inert lines, a bounded line store with wrap layout, and search.

No Textual here, on purpose: this is the part that must take 100,000+ lines a second, so
it is plain Python that a test or a bench can drive directly. The widget in
:mod:`screens.logs.view` only renders what this module holds.

- :func:`convert_events` turns core :class:`~console.services.logs.LogEvent` records
  into rows (:data:`Row`, read as :class:`LogLine`) whose text is inert
  (``console.sanitize``): escape sequences never reach the terminal. It runs in the
  feed's worker thread.
- :class:`LineBuffer` keeps at most ``max_lines`` lines (memory bounded: the list is
  compacted in amortised O(1), never more than ``max_lines + slack`` entries), with an
  optional wrap layout (rows per line, cumulative) so a row finds its line by bisection.
  Lines travel and are held as plain tuples, which the cyclic GC stops tracking:
  50,000 held ``LogLine`` objects made every full collection take 25-90 ms, and lines
  waiting for a flush were promoted to the old generation at 20,000 a second, so a
  streaming log made those collections about once a second (keys waited behind them).
- :class:`LogSearch` is the ``/`` query: plain text (smart case) or ``re:regex``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from rich.cells import cell_len, chop_cells

from console.sanitize import inert, strip_escapes

TAB_SIZE = 4


Row = tuple[datetime | None, str, str, int, bool]
"""How :class:`LineBuffer` holds a line: (when, host, text, cells, marker)."""
# A Row's fields read on hot paths, where no LogLine is built (Final: typed per field).
HOST: Final = 1
TEXT: Final = 2
CELLS: Final = 3
MARKER: Final = 4


class LogLine:
    """One displayed line: when, which host, inert text and its width in cells.

    A multi-line event becomes several lines with the same time and host. ``marker``
    lines are the view's own notes (a stream gap), not something the job wrote.
    """

    __slots__ = ("cells", "host", "marker", "text", "when")

    def __init__(
        self, when: datetime | None, host: str, text: str, cells: int, marker: bool = False
    ) -> None:
        self.when = when
        self.host = host
        self.text = text
        self.cells = cells
        self.marker = marker

    def __repr__(self) -> str:
        return f"LogLine({self.when!r}, {self.host!r}, {self.text!r})"

    @property
    def row(self) -> Row:
        return (self.when, self.host, self.text, self.cells, self.marker)


def text_cells(text: str) -> int:
    """Terminal cells ``text`` takes (ASCII: its length, the common and fast case)."""
    return len(text) if text.isascii() else cell_len(text)


def clean_message(message: str) -> list[str]:
    """A raw message as inert display lines: escapes gone, tabs expanded, split on \\n."""
    text = strip_escapes(message.rstrip("\r\n"))
    return [part.expandtabs(TAB_SIZE) for part in text.split("\n")]


@dataclass(frozen=True)
class LineBatch:
    """Converted lines with what the view needs to know about them without a second pass."""

    rows: list[Row]
    hosts: frozenset[str]
    widest: int


def convert_events(events: Iterable[object]) -> LineBatch:
    """Display lines for core ``LogEvent`` records (duck-typed: timestamp, host, message).

    The fast path is one ``str.isprintable`` check per message: true for ordinary text,
    false for anything holding a control character (escapes, tabs, newlines), which then
    goes through :func:`clean_message`. Hosts and the widest line are noted on the way.
    """
    out: list[Row] = []
    append = out.append
    hosts: dict[str, str] = {}
    widest = 0
    for event in events:
        message: str = event.message  # type: ignore[attr-defined]
        when: datetime = event.timestamp  # type: ignore[attr-defined]
        raw_host: str = event.host  # type: ignore[attr-defined]
        host = hosts.get(raw_host)
        if host is None:
            host = hosts[raw_host] = inert(raw_host)
        if message.isprintable():
            cells = len(message) if message.isascii() else cell_len(message)
            append((when, host, message, cells, False))
            if cells > widest:  # noqa: PLR1730 (hot loop: a comparison beats a call)
                widest = cells
            continue
        for text in clean_message(message):
            cells = text_cells(text)
            append((when, host, text, cells, False))
            widest = max(widest, cells)
    return LineBatch(out, frozenset(hosts.values()), widest)


def lines_from_events(events: Iterable[object]) -> list[LogLine]:
    """The lines of :func:`convert_events`, as :class:`LogLine` objects."""
    return [LogLine(*row) for row in convert_events(events).rows]


def marker_line(text: str, when: datetime | None = None) -> LogLine:
    """A note from the view itself (shown and saved apart from the job's own lines)."""
    clean = inert(text)
    return LogLine(when or datetime.now(UTC), "", clean, text_cells(clean), marker=True)


def wrap_ranges(line: LogLine, width: int) -> list[tuple[int, int]]:
    """Character ranges of ``line.text`` per wrapped row of ``width`` cells (at least one)."""
    text = line.text
    width = max(1, width)
    if line.cells <= width:
        return [(0, len(text))]
    if text.isascii():
        return [(start, min(start + width, len(text))) for start in range(0, len(text), width)]
    ranges: list[tuple[int, int]] = []
    start = 0
    for piece in chop_cells(text, width):
        ranges.append((start, start + len(piece)))
        start += len(piece)
    return ranges or [(0, 0)]


def row_count(line: LogLine, width: int) -> int:
    """Rows ``line`` takes when wrapped at ``width`` cells (agrees with :func:`wrap_ranges`)."""
    if line.cells <= width:
        return 1
    if line.text.isascii():
        return -(-line.cells // max(1, width))
    return len(wrap_ranges(line, width))


class LineBuffer:
    """At most ``max_lines`` lines, oldest dropped first; rows laid out for wrapping.

    Lines are numbered from the first ever added (``first_seq`` is the number of the
    oldest line still held), so a search match or a scroll anchor survives lines falling
    off the front. With :meth:`set_wrap` given a width, ``_ends[k]`` is the cumulative
    row count through item ``k`` and :meth:`locate` bisects it.
    """

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max(1, int(max_lines))
        self._slack = max(1024, self.max_lines // 4)
        self._items: list[Row] = []
        self._head = 0  # index in _items of the oldest live line
        self._ends: list[int] = []
        self._ends_base = 0  # rows of items compacted away (``_ends`` stays cumulative)
        self._wrap: int | None = None
        self.dropped = 0
        """Lines dropped from the front so far (also the number of the oldest line held)."""
        self.widest = 0
        """Cells of the widest line seen (for the horizontal scroll extent)."""

    # --- size and access -----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items) - self._head

    @property
    def first_seq(self) -> int:
        return self.dropped

    @property
    def end_seq(self) -> int:
        """The number the next line will get (one past the newest)."""
        return self.dropped + len(self)

    @property
    def total(self) -> int:
        """Every line ever added, dropped ones included."""
        return self.end_seq

    @property
    def capacity(self) -> int:
        """Most entries the store ever holds (the memory bound)."""
        return self.max_lines + self._slack

    def line(self, index: int) -> LogLine:
        """The ``index``-th live line (0 = oldest held)."""
        return LogLine(*self._items[self._head + index])

    def by_seq(self, seq: int) -> LogLine | None:
        index = seq - self.dropped
        if 0 <= index < len(self):
            return self.line(index)
        return None

    def lines(self) -> list[LogLine]:
        """A copy of the live lines, oldest first (for saving)."""
        return [LogLine(*row) for row in self._items[self._head :]]

    def rows_where(self, host: str) -> list[Row]:
        """The live rows of ``host`` and the view's own notes (markers), oldest first."""
        return [row for row in self._items[self._head :] if row[HOST] == host or row[MARKER]]

    def host_counts(self) -> dict[str, int]:
        """Live lines per host (the view's notes not counted)."""
        return dict(Counter(row[HOST] for row in self._items[self._head :] if not row[MARKER]))

    def texts(self) -> list[str]:
        """The live lines' texts, oldest first (for searching)."""
        return [row[TEXT] for row in self._items[self._head :]]

    # --- adding and dropping -----------------------------------------------------------------
    def extend(self, lines: Sequence[Row], widest: int | None = None) -> int:
        """Add lines (rows: see :attr:`LogLine.row`) at the end; return how many rows
        fell off the front.

        ``widest`` (cells of the widest of ``lines``) saves a pass when the caller knows.
        """
        if not lines:
            return 0
        dropped_rows = 0
        if len(lines) >= self.max_lines:
            # Everything held now falls off, and the front of this batch too.
            cut = len(lines) - self.max_lines
            dropped_rows = self.rows + cut
            self.dropped += len(self) + cut
            lines = lines[cut:]
            self._items = []
            self._ends = []
            self._ends_base = 0
            self._head = 0
        if widest is None:
            widest = max(line[CELLS] for line in lines)
        self.widest = max(self.widest, widest)
        rows_before_head = self._rows_before(self._head)
        self._items.extend(lines)
        if self._wrap is not None:
            self._extend_ends(lines)
        excess = len(self) - self.max_lines
        if excess > 0:
            new_head = self._head + excess
            dropped_rows += self._rows_before(new_head) - rows_before_head
            self._head = new_head
            self.dropped += excess
            if self._head > self._slack:
                if self._wrap is not None:
                    self._ends_base = self._ends[self._head - 1]
                    del self._ends[: self._head]
                del self._items[: self._head]
                self._head = 0
        return dropped_rows

    def clear(self) -> None:
        self.dropped += len(self)
        self._items = []
        self._ends = []
        self._ends_base = 0
        self._head = 0

    # --- rows -------------------------------------------------------------------------------
    @property
    def wrap_width(self) -> int | None:
        return self._wrap

    def set_wrap(self, width: int | None) -> None:
        """Lay rows out for ``width`` cells of message (None: one row per line)."""
        self._wrap = None if width is None else max(1, width)
        self._ends = []
        self._ends_base = 0
        if self._wrap is not None:
            self._extend_ends(self._items)

    def _extend_ends(self, rows: Iterable[Row]) -> None:
        width = self._wrap or 1
        ends = self._ends
        total = ends[-1] if ends else self._ends_base
        for row in rows:
            total += 1 if row[CELLS] <= width else row_count(LogLine(*row), width)
            ends.append(total)

    def _rows_before(self, item: int) -> int:
        """Rows of all items before list position ``item``."""
        if self._wrap is None:
            return item
        return self._ends[item - 1] if item > 0 else self._ends_base

    @property
    def rows(self) -> int:
        if self._wrap is None:
            return len(self)
        return self._rows_before(len(self._items)) - self._rows_before(self._head)

    def row_of(self, index: int) -> int:
        """First row of live line ``index``."""
        return self._rows_before(self._head + index) - self._rows_before(self._head)

    def locate(self, row: int) -> tuple[int, int]:
        """(live line index, row within that line) for a row of the whole view."""
        if self._wrap is None:
            return row, 0
        base = self._rows_before(self._head)
        item = bisect_right(self._ends, base + row, lo=self._head)
        item = min(item, len(self._items) - 1)
        return item - self._head, base + row - self._rows_before(item)


class HostLines:
    """Every host's lines, and the lines shown: all of them or one host's (``H``).

    ``all`` holds every line (bounded); while one host is chosen, ``shown`` is a second
    bounded buffer of that host's lines and the view's notes, so choosing every host again
    loses nothing, and the shown host keeps up to ``max_lines`` of its own lines.
    """

    def __init__(self, max_lines: int) -> None:
        self.all = LineBuffer(max_lines)
        self.shown = self.all
        self.host: str | None = None

    def extend(self, rows: Sequence[Row], widest: int | None = None) -> tuple[Sequence[Row], int]:
        """Add ``rows``; return those now shown and how many shown rows fell off the front."""
        dropped = self.all.extend(rows, widest)
        if self.host is None:
            return rows, dropped
        host = self.host
        shown = [row for row in rows if row[HOST] == host or row[MARKER]]
        return shown, self.shown.extend(shown) if shown else 0

    def set_host(self, host: str | None) -> None:
        """Show ``host``'s lines (None: every host's); the shown buffer's wrap is unset."""
        self.host = host
        if host is None:
            self.shown = self.all
            return
        self.shown = LineBuffer(self.all.max_lines)
        rows = self.all.rows_where(host)
        if rows:
            self.shown.extend(rows)


class LogSearch:
    """A ``/`` query: text (case-insensitive unless it has a capital) or ``re:regex``."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.error: str | None = None
        flags = 0
        if query.startswith("re:"):
            source = query[3:]
            if source == source.lower():
                flags = re.IGNORECASE
        else:
            source = re.escape(query)
            if query == query.lower():
                flags = re.IGNORECASE
        try:
            self.pattern: re.Pattern[str] | None = re.compile(source, flags) if source else None
        except re.error as exc:
            self.pattern = None
            self.error = f"bad regex: {exc}"

    @property
    def active(self) -> bool:
        return self.pattern is not None

    def matches(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character ranges of every (non-empty) match in ``text``."""
        if self.pattern is None:
            return []
        return [m.span() for m in self.pattern.finditer(text) if m.end() > m.start()]


class MatchIndex:
    """Numbers (seqs) of the buffer's lines that match the search, in order."""

    def __init__(self) -> None:
        self.seqs: list[int] = []

    def rebuild(self, search: LogSearch, buffer: LineBuffer) -> None:
        first = buffer.first_seq
        matches = search.matches
        self.seqs = [first + index for index, text in enumerate(buffer.texts()) if matches(text)]

    def add(self, search: LogSearch, lines: Sequence[Row], first_seq: int) -> None:
        matches = search.matches
        self.seqs.extend(
            first_seq + offset for offset, line in enumerate(lines) if matches(line[TEXT])
        )

    def prune(self, first_seq: int) -> None:
        """Forget matches on lines that fell off the buffer."""
        cut = bisect_left(self.seqs, first_seq)
        if cut:
            del self.seqs[:cut]

    def next_after(self, seq: int) -> int | None:
        """The first match after ``seq``, wrapping to the first one."""
        if not self.seqs:
            return None
        index = bisect_right(self.seqs, seq)
        return self.seqs[index] if index < len(self.seqs) else self.seqs[0]

    def previous_before(self, seq: int) -> int | None:
        """The last match before ``seq``, wrapping to the last one."""
        if not self.seqs:
            return None
        index = bisect_left(self.seqs, seq)
        return self.seqs[index - 1] if index > 0 else self.seqs[-1]

    def position(self, seq: int | None) -> int | None:
        """1-based position of ``seq`` among the matches (None if not a match)."""
        if seq is None:
            return None
        index = bisect_left(self.seqs, seq)
        if index < len(self.seqs) and self.seqs[index] == seq:
            return index + 1
        return None


def file_line(line: LogLine) -> str:
    """How a line is saved: ISO time (UTC), host, message; markers as ``#`` comments."""
    when = line.when.astimezone(UTC).isoformat(timespec="milliseconds") if line.when else "-"
    if line.marker:
        return f"# {when} {line.text}"
    return f"{when} {line.host or '-'} | {line.text}"
