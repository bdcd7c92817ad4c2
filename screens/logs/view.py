"""The one log view of the console: a bounded, searchable, following log of many hosts.

Three layers, reusable separately:

- :class:`LogView` is a Line-API widget (a ``ScrollView`` with ``render_line``) over a
  :class:`~screens.logs.lines.LineBuffer`: only the rows on screen are rendered, so
  the buffer size does not slow it. Lines arrive in batches and are flushed a few times a
  second (one scroll and one refresh per flush, never one per line).
- :class:`LogPanel` adds the feed (a thread worker running
  :func:`~screens.logs.feed.run_feed`), the search bar, the "reconnecting" banner, the
  status line and the keys: ``f`` follow, ``/`` search (``n``/``N`` next/previous), ``w``
  wrap, ``T`` timestamps, ``H`` one host or every host, ``ctrl+s`` save to a file.
- :class:`LogScreen` is the full-screen page opened by ``l`` on a job (``q`` goes back).

The source is pluggable (:class:`~screens.logs.feed.LogFeedSource`): jobs today,
endpoints with the same panel later.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from console.config import state_dir
from console.errors import SmError, translate
from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import TextInput, focus_now
from screens.kit.plain import notify
from screens.logs.feed import (
    Backlog,
    FeedTiming,
    LogFeedFailed,
    LogFeedSource,
    LogFollowEnded,
    LogLinesArrived,
    LogSourceStatus,
    LogStreamBroke,
    LogStreamResumed,
    LogStreamRetrying,
    run_feed,
)
from screens.logs.hosts import host_column_limit, host_labels
from screens.logs.lines import (
    CELLS,
    HOST,
    HostLines,
    LineBuffer,
    LogLine,
    LogSearch,
    MatchIndex,
    Row,
    file_line,
    marker_line,
    text_cells,
    wrap_ranges,
)

DEFAULT_MAX_LINES = 50_000
FLUSH_SECONDS = 0.2  # pending lines reach the screen five times a second
HOST_STYLES = 4
MIN_MESSAGE_WIDTH = 12
TIME_FORMAT = "%H:%M:%S"
TIME_WIDTH = 8
SEPARATOR = "│ "
_ALGO = re.compile(r"^algo-(\d+)$")


def max_lines_from(config: object) -> int:
    """The buffer size: the config's ``log_max_lines`` (checked there), else 50,000."""
    value = getattr(config, "log_max_lines", None)
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_MAX_LINES


def save_path(kind: str, name: str, *, now: datetime | None = None) -> Path:
    """A new file for a saved log: under the XDG state dir, else the working directory."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{kind}-{name}") or "log"
    try:
        folder = state_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path.cwd()
    path = folder / f"{safe}-{stamp}.log"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"{safe}-{stamp}-{counter}.log"
    return path


def write_log_file(path: Path, lines: Sequence[LogLine], header: str) -> int:
    """Write ``lines`` (private: mode 0600, logs can hold anything) and return the count."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"# {header}\n")
        handle.writelines(file_line(line) + "\n" for line in lines)
    return len(lines)


class LogView(ScrollView, can_focus=True):
    """Time-ordered lines of one or more hosts, in a bounded buffer.

    ``follow`` keeps the newest line in view; scrolling up turns it off, ``end`` or ``f``
    turns it back on. Lines that fall off the buffer's front do not move what is shown
    while not following.
    """

    COMPONENT_CLASSES = {
        "log-view--time",
        "log-view--separator",
        "log-view--marker",
        "log-view--match",
        "log-view--match-current",
        *(f"log-view--host-{n}" for n in range(1, HOST_STYLES + 1)),
    }

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $foreground;
        overflow-x: auto;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
    }
    LogView.-wrap { overflow-x: hidden; }
    LogView > .log-view--time { color: $text-muted; }
    LogView > .log-view--separator { color: $text-muted; }
    LogView > .log-view--marker { color: $text-warning; text-style: bold; }
    LogView > .log-view--match { background: $accent 45%; color: $foreground; }
    LogView > .log-view--match-current {
        background: $warning; color: $background; text-style: bold;
    }
    LogView > .log-view--host-1 { color: $text-primary; }
    LogView > .log-view--host-2 { color: $text-accent; }
    LogView > .log-view--host-3 { color: $text-success; }
    LogView > .log-view--host-4 { color: $text-secondary; }
    """

    @dataclass
    class StateChanged(Message):
        """Lines arrived or a mode changed: the status line should be redrawn."""

    def __init__(self, *, max_lines: int = DEFAULT_MAX_LINES, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines = HostLines(max_lines)
        self.follow = True
        self.wrap = False
        self.show_time = True
        self.search: LogSearch | None = None
        self.matches = MatchIndex()
        self.current_match: int | None = None
        """Line number (seq) of the match the cursor is on."""
        self.flushes = 0
        self._pending: list[Row] = []
        self._pending_hosts: set[str] = set()
        self._pending_widest = 0
        self._hosts: dict[str, int] = {}
        self._labels: dict[str, str] = {}
        self._host_width = 0
        self._moving = False
        self._flush_timer: Timer | None = None
        self._styles: dict[str, Style] = {}
        self._frame_width = 0

    # --- feeding ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._flush_timer = self.set_interval(FLUSH_SECONDS, self.flush, name="log-flush")

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add_lines(self, lines: Sequence[LogLine]) -> None:
        """Queue lines for the next flush (see :meth:`add_rows`)."""
        self.add_rows([line.row for line in lines])

    def add_rows(
        self,
        rows: Sequence[Row],
        hosts: Iterable[str] | None = None,
        widest: int | None = None,
    ) -> None:
        """Queue lines, as rows (``LogLine.row``), for the next flush (a backlog larger
        than the buffer flushes now).

        ``hosts`` and ``widest`` (the hosts of ``rows``, the cells of the widest) save a
        pass over them when the sender already knows, as the feed does.
        """
        if not rows:
            return
        self._pending.extend(rows)
        self._pending_hosts.update({row[HOST] for row in rows} if hosts is None else hosts)
        if widest is None:
            widest = max(row[CELLS] for row in rows)
        self._pending_widest = max(self._pending_widest, widest)
        if len(self._pending) >= self.buffer.max_lines:
            self.flush()

    def add_marker(self, text: str, when: datetime | None = None) -> None:
        self.add_lines([marker_line(text, when)])

    def flush(self) -> None:
        """Move queued lines into the buffer; one size update, scroll and refresh."""
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        hosts, self._pending_hosts = self._pending_hosts, set()
        widest, self._pending_widest = self._pending_widest, 0
        buffer = self.buffer
        first_new = buffer.end_seq
        new_hosts = [host for host in sorted(hosts) if host and host not in self._hosts]
        for host in new_hosts:
            self._add_host(host)
        if new_hosts:
            self._label_hosts()
        shown, dropped_rows = self.lines.extend(lines, widest)
        if self.search is not None and self.search.active:
            self.matches.prune(buffer.first_seq)
            kept = max(first_new, buffer.first_seq)
            self.matches.add(self.search, shown[kept - first_new :], kept)
        if self.current_match is not None and self.current_match < buffer.first_seq:
            self.current_match = None
        self.flushes += 1
        self._update_virtual_size()
        if self.follow:
            self._scroll_end()
        elif dropped_rows:
            self._move_to(max(0, round(self.scroll_y) - dropped_rows))
        self.refresh()
        self.post_message(self.StateChanged())

    def _add_host(self, host: str) -> None:
        match = _ALGO.match(host)
        index = (int(match.group(1)) - 1) if match else len(self._hosts)
        self._hosts[host] = index % HOST_STYLES + 1

    def _label_hosts(self) -> None:
        """Name the hosts in their column (see :mod:`screens.logs.hosts`): new hosts or a
        new width may change every label (the prefix they share, the room there is)."""
        limit = host_column_limit(self.content_width if self.is_mounted else 0)
        self._labels = host_labels(self._hosts, limit)
        width = max((len(label) for label in self._labels.values()), default=0)
        if width != self._host_width:
            self._host_width = width
            if self.wrap:
                self._relayout()
            else:
                self._update_virtual_size()

    def host_label(self, host: str) -> str:
        """How ``host`` reads in the host column."""
        return self._labels.get(host, host)

    @property
    def hosts(self) -> list[str]:
        return sorted(self._hosts)

    @property
    def buffer(self) -> LineBuffer:
        """The lines shown: every host's, or one host's (:meth:`set_host_filter`)."""
        return self.lines.shown

    @property
    def all_lines(self) -> LineBuffer:
        """Every line held, of every host."""
        return self.lines.all

    @property
    def host_filter(self) -> str | None:
        return self.lines.host

    def set_host_filter(self, host: str | None) -> None:
        """Show one host's lines (None: every host's). The lines of every host are kept
        (:attr:`all_lines`), so going back to all of them loses nothing."""
        self.flush()
        if host == self.host_filter:
            return
        self.lines.set_host(host)
        if self.search is not None:
            self.matches.rebuild(self.search, self.buffer)
        self.current_match = None
        self.buffer.set_wrap(self._message_width() if self.wrap else None)
        self._update_virtual_size()
        if self.follow:
            self._scroll_end()
        else:
            self._move_to(0)
        self.refresh()
        self.post_message(self.StateChanged())

    # --- modes ----------------------------------------------------------------------------
    def set_follow(self, follow: bool) -> None:
        self.follow = follow
        if follow:
            self._scroll_end()
        self.post_message(self.StateChanged())

    def set_wrap(self, wrap: bool) -> None:
        self.wrap = wrap
        self.set_class(wrap, "-wrap")
        if wrap:
            self._move_x(0)
        self._relayout()

    def set_show_time(self, show: bool) -> None:
        self.show_time = show
        self._relayout()

    # --- search -------------------------------------------------------------------------------
    def set_search(self, query: str) -> LogSearch:
        """Highlight ``query`` (empty clears); the matches are indexed for ``n``/``N``."""
        search = LogSearch(query)
        if search.error is None:
            self.search = search if search.active else None
            if self.search is not None:
                self.matches.rebuild(self.search, self.buffer)
            else:
                self.matches = MatchIndex()
            self.current_match = None
            self.refresh()
            self.post_message(self.StateChanged())
        return search

    def jump(self, forward: bool = True) -> tuple[int | None, bool]:
        """Go to the next (or previous) match: (its seq, whether the search wrapped)."""
        if self.search is None or not self.matches.seqs:
            return None, False
        top, bottom = self.visible_seqs()
        current = self.current_match
        if current is not None and top <= current <= bottom:
            origin = current
        else:  # from what is on screen (the operator may have scrolled away)
            origin = top - 1 if forward else bottom + 1
        seq = self.matches.next_after(origin) if forward else self.matches.previous_before(origin)
        if seq is None:
            return None, False
        wrapped = seq <= origin if forward else seq >= origin
        self.current_match = seq
        self.show_seq(seq)
        self._reveal_match(seq)
        self.post_message(self.StateChanged())
        return seq, wrapped

    def _reveal_match(self, seq: int) -> None:
        """Scroll sideways so the first match on line ``seq`` is on screen (no wrap)."""
        line = self.buffer.by_seq(seq)
        if self.wrap or self.search is None or line is None:
            return
        spans = self.search.spans(line.text)
        if not spans:
            return
        start, end = spans[0]
        left, right = text_cells(line.text[:start]), text_cells(line.text[:end])
        window = max(1, self.content_width - self.prefix_width)
        x = round(self.scroll_x)
        if left < x or right > x + window:
            self._move_x(max(0, left - window // 3) if right - left < window else left)

    def visible_seqs(self) -> tuple[int, int]:
        """Line numbers of the first and last lines on screen."""
        buffer = self.buffer
        if not len(buffer):
            return buffer.first_seq, buffer.first_seq
        top = round(self.scroll_y)
        height = max(1, self.scrollable_content_region.height)
        first, _ = buffer.locate(min(top, buffer.rows - 1))
        last, _ = buffer.locate(min(top + height - 1, buffer.rows - 1))
        return buffer.first_seq + first, buffer.first_seq + last

    def show_seq(self, seq: int) -> None:
        """Scroll line ``seq`` into view (a third down the screen); stops following."""
        index = seq - self.buffer.first_seq
        if not 0 <= index < len(self.buffer):
            return
        self.follow = False
        row = self.buffer.row_of(index)
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_y)
        if not top <= row < top + height:
            self._move_to(max(0, row - height // 3))
        self.refresh()

    # --- scrolling ----------------------------------------------------------------------------
    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # The operator scrolled up: stop following (clamping to the end is not a scroll-up).
        scrolled_up = new_value < old_value and new_value < self.max_scroll_y
        if scrolled_up and self.follow and not self._moving:
            self.follow = False
            self.post_message(self.StateChanged())

    def action_scroll_end(self) -> None:
        self.set_follow(True)

    def _scroll_end(self) -> None:
        self._move_to(self.max_scroll_y)

    def _move_to(self, y: int) -> None:
        self._moving = True
        try:
            self.scroll_to(y=y, animate=False, immediate=True)
        finally:
            self._moving = False

    def _move_x(self, x: int) -> None:
        self._moving = True
        try:
            self.scroll_to(x=x, animate=False, immediate=True)
        finally:
            self._moving = False

    # --- layout -------------------------------------------------------------------------------
    @property
    def prefix_width(self) -> int:
        width = len(SEPARATOR)
        if self.show_time:
            width += TIME_WIDTH + 1
        if self._host_width:
            width += self._host_width + 1
        return width

    @property
    def content_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def _message_width(self) -> int:
        return max(MIN_MESSAGE_WIDTH, self.content_width - self.prefix_width)

    def on_resize(self, _event: Resize) -> None:
        self._label_hosts()  # the host column grows with the view
        if self.wrap:
            self._relayout()

    def _relayout(self) -> None:
        """Re-lay rows (wrap/width/columns changed), keeping the top line in place."""
        buffer = self.buffer
        anchor = self.visible_seqs()[0] - buffer.first_seq if len(buffer) else 0
        buffer.set_wrap(self._message_width() if self.wrap else None)
        self._update_virtual_size()
        if self.follow:
            self._scroll_end()
        elif len(buffer):
            self._move_to(buffer.row_of(anchor))
        self.refresh()
        self.post_message(self.StateChanged())

    def _update_virtual_size(self) -> None:
        # Unwrapped, the horizontal extent counts the time column even when it is hidden:
        # a new virtual size costs a layout of the whole screen (~25 ms at 160x50), which
        # the ``t`` toggle would pay on every press; a few blank columns at the far right
        # cost nothing.
        if self.wrap:
            width = self.content_width
        else:
            hidden_time = 0 if self.show_time else TIME_WIDTH + 1
            width = self.prefix_width + hidden_time + self.buffer.widest
        self.virtual_size = Size(width, self.buffer.rows)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self.refresh()

    # --- rendering ------------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # Measured once per frame rather than once per row (it walks the widget's styles).
        self._frame_width = self.content_width
        try:
            return super().render_lines(crop)
        finally:
            self._frame_width = 0

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self._frame_width or self.content_width
        base = self._style("")
        buffer = self.buffer
        row = scroll_y + y
        if row >= buffer.rows or not len(buffer):
            return Strip.blank(width, base)
        index, sub = buffer.locate(row)
        line = buffer.line(index)
        seq = buffer.first_seq + index
        if self.wrap:
            ranges = wrap_ranges(line, buffer.wrap_width or self._message_width())
            start, end = ranges[min(sub, len(ranges) - 1)]
        else:
            start, end = 0, len(line.text)
        prefix_width = self.prefix_width
        segments = self._prefix(line, first=sub == 0, base=base)
        message = self._message(line, seq, start, end, base)
        cells = end - start if line.text.isascii() else None
        room = width - prefix_width
        # The time and host columns stay put; only the message scrolls sideways.
        offset = 0 if self.wrap else scroll_x
        if offset == 0 and cells is not None and 0 <= cells <= room:
            segments += message  # the common case: nothing to cut
            return Strip(segments, prefix_width + cells).extend_cell_length(width, base)
        if room <= 0:
            return Strip(segments, prefix_width).crop_extend(0, width, base)
        segments += Strip(message, cells).crop_extend(offset, offset + room, base)
        return Strip(segments, width)

    def _style(self, name: str) -> Style:
        """The widget's ("") or a component's Rich style, cached until styles change
        (``rich_style`` walks the DOM: far too slow to ask for on every row)."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style if not name else self.get_component_rich_style(name)
            self._styles[name] = style
        return style

    def _prefix(self, line: LogLine, *, first: bool, base: Style) -> list[Segment]:
        segments: list[Segment] = []
        if self.show_time:
            text = format_time(line.when) if first else ""
            segments.append(Segment(f"{text:<{TIME_WIDTH}} ", self._style("log-view--time")))
        if self._host_width:
            host = self._labels.get(line.host, line.host)[: self._host_width] if first else ""
            slot = self._hosts.get(line.host, 1)
            segments.append(
                Segment(f"{host:<{self._host_width}} ", self._style(f"log-view--host-{slot}"))
            )
        segments.append(Segment(SEPARATOR, self._style("log-view--separator")))
        return segments

    def _message(self, line: LogLine, seq: int, start: int, end: int, base: Style) -> list[Segment]:
        text = line.text
        style = self._style("log-view--marker") if line.marker else base
        search = self.search
        if search is None:
            return [Segment(text[start:end], style)]
        spans = search.spans(text)
        if not spans:
            return [Segment(text[start:end], style)]
        hit = self._style(
            "log-view--match-current" if seq == self.current_match else "log-view--match"
        )
        segments: list[Segment] = []
        position = start
        for span_start, span_end in spans:
            if span_end <= start or span_start >= end:
                continue
            left, right = max(span_start, start), min(span_end, end)
            if left > position:
                segments.append(Segment(text[position:left], style))
            segments.append(Segment(text[left:right], hit))
            position = right
        if position < end:
            segments.append(Segment(text[position:end], style))
        return segments

    def row_text(self, y: int) -> str:
        """The plain text of screen row ``y`` (what an operator sees there)."""
        return "".join(segment.text for segment in self.render_line(y))


def format_time(when: datetime | None) -> str:
    """Local wall-clock time of a line, like the rest of the console."""
    return _clock(int(when.timestamp())) if when is not None else ""


@lru_cache(maxsize=4096)
def _clock(epoch_second: int) -> str:
    # Rows on screen share seconds: format each second once.
    return time.strftime(TIME_FORMAT, time.localtime(epoch_second))


class SearchBar(TextInput):
    """The ``/`` input: highlights live while typing; ``enter`` keeps it and jumps."""

    BINDINGS = [Binding("escape,ctrl+g", "cancel", "Cancel search", id="logs.search_cancel")]

    @dataclass
    class Edited(Message):
        text: str

    @dataclass
    class Closed(Message):
        """``text`` is the search now in force; ``submitted`` is False when cancelled."""

        text: str
        submitted: bool

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="search: text (smart case) or re:regex — enter finds, esc undoes",
            id=id,
        )
        self._before = ""

    def open(self) -> None:
        self._before = self.value
        self.display = True
        focus_now(self)
        self.cursor_position = len(self.value)

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Edited(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Closed(self.value.strip(), submitted=True))

    def action_cancel(self) -> None:
        self.value = self._before
        self.post_message(self.Closed(self._before, submitted=False))


@dataclass
class LogSaved(Message):
    """A save finished: the path and line count, or the error."""

    path: Path | None
    count: int = 0
    error: SmError | None = None


class LogPanel(Vertical):
    """A :class:`LogView` fed from a source, with search, banner and status line."""

    BINDINGS = [
        Binding("f", "toggle_follow", "Follow", id="logs.follow"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("n", "next_match", "Next", id="logs.next"),
        Binding("N", "previous_match", "Previous", show=False, id="logs.previous"),
        Binding("w", "toggle_wrap", "Wrap", id="logs.wrap"),
        Binding("T", "toggle_timestamps", "Times", id="logs.timestamps"),
        Binding("ctrl+s", "save", "Save", id="logs.save"),
        Binding("H", "pick_host", "Hosts", id="logs.hosts"),
    ]

    def __init__(
        self,
        source: LogFeedSource,
        *,
        max_lines: int = DEFAULT_MAX_LINES,
        timing: FeedTiming | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.source = source
        self.timing = timing or FeedTiming()
        self._max_lines = max_lines
        self.worker: Worker[object] | None = None
        self.feed_finished = threading.Event()
        """Set when the feed's thread has returned (cancelled, ended or failed)."""
        self.status: str | None = source.known_status
        self.ended = False
        self.problem: str | None = None
        """The banner's text while the stream is broken, else None."""
        self.failure: SmError | None = None
        self.gaps = 0
        self._retry_at: float | None = None
        self._broke: LogStreamBroke | None = None
        self._countdown: Timer | None = None
        self._status_shown: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="log-banner")
        yield LogView(max_lines=self._max_lines, id="log-view")
        bar = SearchBar(id="log-search")
        bar.display = False
        yield bar
        yield Static("", id="log-status")

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        focus_now(self.view)
        self._show_status()
        self.start()

    def on_unmount(self) -> None:
        self.stop()

    # --- the feed -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start (or restart) the thread worker that polls the source."""
        self.stop()
        source, timing, post = self.source, self.timing, self.post_message
        finished = self.feed_finished = threading.Event()
        backlog = Backlog()

        def feed() -> None:
            try:
                cancelled = get_current_worker().cancelled_event
                run_feed(source, post, cancelled, timing, backlog=backlog)
            finally:
                finished.set()

        self.worker = self.run_worker(
            feed,
            name=f"logs:{source.kind}:{source.name}",
            group="log-feed",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def stop(self) -> None:
        """Cancel the feed (closing the view does this): the thread ends within a poll."""
        if self.worker is not None and self.worker.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        ):
            self.worker.cancel()

    @on(LogLinesArrived)
    def _lines_arrived(self, message: LogLinesArrived) -> None:
        message.stop()
        if message.backlog is not None:
            message.backlog.taken()
        self.view.add_rows(message.rows, message.hosts, message.widest)

    @on(LogStreamBroke)
    def _stream_broke(self, message: LogStreamBroke) -> None:
        message.stop()
        self._broke = message
        self._retry_at = time.monotonic() + message.retry_in
        self._tick_banner()
        if self._countdown is None:
            self._countdown = self.set_interval(1.0, self._tick_banner, name="log-countdown")

    @on(LogStreamRetrying)
    def _stream_retrying(self, message: LogStreamRetrying) -> None:
        message.stop()
        self._retry_at = None
        self._tick_banner()

    @on(LogStreamResumed)
    def _stream_resumed(self, message: LogStreamResumed) -> None:
        message.stop()
        seconds = max(0, round((message.until - message.since).total_seconds()))
        self.gaps += 1
        self.view.add_marker(
            f"── log stream interrupted for {seconds} s ({message.error.message}); "
            "reading resumed where it stopped ──",
            message.until,
        )
        self._clear_banner()

    @on(LogSourceStatus)
    def _source_status(self, message: LogSourceStatus) -> None:
        message.stop()
        self.status = message.status
        self._show_status()

    @on(LogFollowEnded)
    def _follow_ended(self, message: LogFollowEnded) -> None:
        message.stop()
        self.ended = True
        self.status = message.status or self.status
        self._clear_banner()
        self.view.add_marker(
            f"── {self.source.label} is {self.status or 'finished'}: every line read ──"
        )
        self._show_status()

    @on(LogFeedFailed)
    def _feed_failed(self, message: LogFeedFailed) -> None:
        message.stop()
        self.failure = message.error
        self._set_banner(f"cannot read logs: {message.error.one_line()}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker or event.state is not WorkerState.ERROR:
            return
        # Never silently: a bug in the feed shows up where the lines would have.
        self.failure = translate(event.worker.error or RuntimeError("the log feed failed"))
        self._set_banner(f"log reader stopped: {self.failure.one_line()}")

    # --- banner and status --------------------------------------------------------------------
    def _tick_banner(self) -> None:
        broke = self._broke
        if broke is None:
            return
        what = f"{broke.error.message}"
        if self._retry_at is None:
            self._set_banner(f"{what}; reconnecting now… (attempt {broke.failures + 1})")
            return
        left = max(0, round(self._retry_at - time.monotonic()))
        self._set_banner(f"{what}; reconnecting in {left} s (attempt {broke.failures + 1})")

    def _set_banner(self, text: str) -> None:
        self.problem = text
        banner = self.query_one("#log-banner", Static)
        banner.update(Content(text))  # plain: error messages may hold "[...]"
        banner.set_class(True, "-shown")

    def _clear_banner(self) -> None:
        self._broke = None
        self._retry_at = None
        self.problem = None
        if self._countdown is not None:
            self._countdown.stop()
            self._countdown = None
        banner = self.query_one("#log-banner", Static)
        banner.update("")
        banner.set_class(False, "-shown")

    @on(LogView.StateChanged)
    def _view_changed(self, message: LogView.StateChanged) -> None:
        message.stop()
        self._show_status()

    def status_text(self) -> str:
        view = self.view
        buffer = view.buffer
        parts = ["● following" if view.follow else "‖ paused (f follows)"]
        held = f"{len(buffer):,} lines"
        if not buffer.total and not view.pending and not self.ended:
            held = "no lines yet: waiting for the log streams (a starting job has none)"
        if buffer.dropped:
            held += f" (oldest {buffer.dropped:,} dropped, max {buffer.max_lines:,})"
        parts.append(held)
        hosts = view.hosts
        if view.host_filter is not None:
            parts.append(f"only {view.host_filter} (H: every host)")
        elif hosts:
            labels = [view.host_label(host) for host in hosts]
            parts.append(", ".join(labels) if len(hosts) <= 3 else f"{len(hosts)} hosts (H)")
        if view.search is not None:
            position = view.matches.position(view.current_match)
            count = len(view.matches.seqs)
            where = f"{position}/{count}" if position else f"{count} match(es)"
            parts.append(f"/{view.search.query} {where}")
        if view.wrap:
            parts.append("wrap")
        if not view.show_time:
            parts.append("no times")
        if self.status:
            parts.append(f"{self.status}: all read" if self.ended else self.status)
        elif self.ended:
            parts.append("all read")
        return " · ".join(parts)

    def _show_status(self) -> None:
        # Many times a second while a log pours in: unchanged text draws nothing, and the
        # bar's height is fixed (1 line), so no layout pass (a full one costs ~10 ms).
        text = self.status_text()
        if text != self._status_shown:
            self._status_shown = text
            self.query_one("#log-status", Static).update(Content(text), layout=False)

    # --- actions --------------------------------------------------------------------------------
    def action_toggle_follow(self) -> None:
        self.view.set_follow(not self.view.follow)

    def action_toggle_wrap(self) -> None:
        self.view.set_wrap(not self.view.wrap)

    def action_toggle_timestamps(self) -> None:
        self.view.set_show_time(not self.view.show_time)

    def action_search(self) -> None:
        self.query_one(SearchBar).open()

    @on(SearchBar.Edited)
    def _search_edited(self, message: SearchBar.Edited) -> None:
        message.stop()
        search = self.view.set_search(message.text.strip())
        self.query_one(SearchBar).set_class(search.error is not None, "-invalid")

    @on(SearchBar.Closed)
    def _search_closed(self, message: SearchBar.Closed) -> None:
        message.stop()
        bar = self.query_one(SearchBar)
        view = self.view
        search = view.set_search(message.text)
        if search.error is not None:
            notify(self, search.error, severity="error", title="search not applied")
            bar.value = view.search.query if view.search else ""
        bar.set_class(False, "-invalid")
        bar.display = False
        focus_now(view)
        if message.submitted and view.search is not None:
            # At the live end the latest occurrence is the useful one; else read downwards.
            self._jump(forward=not view.follow)

    def action_next_match(self) -> None:
        self._jump(forward=True)

    def action_previous_match(self) -> None:
        self._jump(forward=False)

    def _jump(self, *, forward: bool) -> None:
        view = self.view
        if view.search is None:
            notify(self, "no search: press / first", severity="warning", timeout=2)
            return
        seq, wrapped = view.jump(forward)
        if seq is None:
            notify(self, f"no match for {view.search.query!r}", severity="warning", timeout=2)
        elif wrapped:
            where = "top" if forward else "bottom"
            notify(self, f"search wrapped to the {where}", timeout=1.5)

    def action_pick_host(self) -> None:
        """``H``: show one host's lines, or every host's (:mod:`screens.logs.picker`)."""
        from screens.logs.picker import HostPicker

        view = self.view
        view.flush()
        if not view.hosts:
            notify(self, "no host has written a line yet", severity="warning", timeout=3)
            return
        counts = view.all_lines.host_counts()
        self.app.push_screen(HostPicker(view.hosts, view.host_filter, counts), self._host_picked)

    def _host_picked(self, host: str | None) -> None:
        if host is None:
            return
        self.view.set_host_filter(host or None)
        focus_now(self.view)

    def action_save(self) -> None:
        view = self.view
        view.flush()
        lines = view.buffer.lines()
        source = self.source
        only = f" · only {view.host_filter}" if view.host_filter is not None else ""
        header = f"{source.label}{only} · {len(lines):,} lines · saved {datetime.now().isoformat()}"

        def work() -> None:
            path: Path | None = None
            try:
                path = save_path(source.kind, source.name)
                count = write_log_file(path, lines, header)
            except OSError as exc:
                self.post_message(LogSaved(path, error=SmError(f"cannot save the log: {exc}")))
            else:
                self.post_message(LogSaved(path, count))

        self.run_worker(work, name="save log", group="log-save", thread=True, exit_on_error=False)

    @on(LogSaved)
    def _saved(self, message: LogSaved) -> None:
        message.stop()
        if message.error is not None:
            notify(self, message.error.one_line(), severity="error", title="save")
            return
        notify(self, f"{message.count:,} lines saved to {message.path}", title="log saved")


class LogScreen(Screen[None]):
    """Full-screen logs of one source; ``q`` (or escape, backspace, ctrl+c) goes back."""

    # A jump away (the palette) closes the log rather than keep it for Back: kept, its feed
    # would go on reading CloudWatch unseen (see screens.main.BackEntry).
    KEPT_FOR_BACK = False

    BINDINGS = [
        Binding("q", "close", "Back", id="logs.close"),
        Binding("escape,backspace,ctrl+c", "close", "Back", show=False, id="logs.close_alt"),
    ]

    def __init__(
        self,
        source: LogFeedSource,
        *,
        max_lines: int = DEFAULT_MAX_LINES,
        timing: FeedTiming | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self._max_lines = max_lines
        self._timing = timing

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Logs · {self.source.label}"), id="log-title")
        yield LogPanel(self.source, max_lines=self._max_lines, timing=self._timing, id="log-panel")
        yield ConsoleFooter()

    @property
    def panel(self) -> LogPanel:
        return self.query_one(LogPanel)

    def action_close(self) -> None:
        self.panel.stop()
        self.dismiss(None)
