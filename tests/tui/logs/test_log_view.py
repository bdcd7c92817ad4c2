"""The log view: merged hosts from the moto server, follow, search, wrap, times, inert
text, the bounded buffer, reconnecting after throttling, save, and closing the feed.

UI behaviour is tested on our own fake source (a scripted tail injected into the panel);
the CloudWatch path is tested end to end through the Jobs tab's ``l`` key on moto.
"""

from __future__ import annotations

import gc
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.message import Message

from console.errors import ThrottledError, ValidationError
from console.services.logs import LogEvent
from screens.logs.feed import (
    CHUNK_LINES,
    Backlog,
    CloudWatchLogs,
    FeedTiming,
    LogFeedFailed,
    LogFollowEnded,
    LogLinesArrived,
    LogSourceStatus,
    LogStreamBroke,
    LogStreamResumed,
    post_lines,
    run_feed,
)
from screens.logs.lines import (
    LineBuffer,
    LogSearch,
    convert_events,
    lines_from_events,
    marker_line,
    wrap_ranges,
)
from screens.logs.view import LogPanel, LogScreen, LogView
from screens.main import MainScreen
from tests.tui.conftest import (
    create_training_job,
    create_tuning_job,
    jobs_table,
    make_app,
    notifications,
    set_training_state,
    wait_for_rows,
    wait_until,
)
from themes import STYLESHEETS

FAST = FeedTiming(interval=0.05, max_backoff=0.2, status_every=0.1, catch_up=0.0)
BASE = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def event(i: int, message: str, host: str = "algo-1") -> LogEvent:
    return LogEvent(BASE + timedelta(seconds=i), f"job/{host}-1700000000", host, message)


class FakeSource:
    """A scripted tail: the test pushes events and failures; the feed's thread polls."""

    kind = "training"
    name = "fake-job"
    label = "training job fake-job"

    def __init__(self, *, ends: bool = False, status: str | None = None) -> None:
        self.ends = ends
        self.known_status = status
        self.current_status = status
        self.polls = 0
        self.failing: Exception | None = None
        self._queue: list[LogEvent] = []
        self._lock = threading.Lock()

    def push(self, events: list[LogEvent]) -> None:
        with self._lock:
            self._queue.extend(events)

    def open(self) -> FakeSource:
        return self

    def status(self) -> str | None:
        return self.current_status

    def poll(self) -> list[LogEvent]:
        with self._lock:
            self.polls += 1
            if self.failing is not None:
                raise self.failing
            out, self._queue = self._queue, []
            return out


class LogApp(App[None]):
    """A bare app showing one log screen (the real stylesheets)."""

    CSS_PATH = list(STYLESHEETS)

    def __init__(self, source: FakeSource, *, max_lines: int = 1000) -> None:
        super().__init__()
        self.source = source
        self.max_lines = max_lines

    def on_mount(self) -> None:
        self.push_screen(LogScreen(self.source, max_lines=self.max_lines, timing=FAST))


def panel_of(app: App[Any]) -> LogPanel:
    return app.screen.query_one(LogPanel)


def view_of(app: App[Any]) -> LogView:
    return app.screen.query_one(LogView)


def texts(view: LogView) -> list[str]:
    return [view.buffer.line(i).text for i in range(len(view.buffer))]


def screen_rows(view: LogView) -> list[str]:
    return [view.row_text(y) for y in range(view.scrollable_content_region.height)]


def segment_styles(view: LogView, y: int, text: str) -> list[Any]:
    return [segment.style for segment in view.render_line(y) if segment.text == text]


# --- end to end on moto, through the Jobs tab ---------------------------------------------------
def put_events(logs: Any, stream: str, events: list[tuple[int, str]]) -> None:
    logs.put_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs",
        logStreamName=stream,
        logEvents=[{"timestamp": ms, "message": message} for ms, message in events],
    )


async def test_l_on_a_job_shows_every_host_merged_in_time_and_follows(sm: Any, aws: Any) -> None:
    create_training_job(sm, "merge-job")
    set_training_state("merge-job", "InProgress")
    logs = aws.client("logs")
    logs.create_log_group(logGroupName="/aws/sagemaker/TrainingJobs")
    one, two = "merge-job/algo-1-1700000000", "merge-job/algo-2-1700000000"
    for stream in (one, two):
        logs.create_log_stream(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=stream)
    t0 = int(datetime.now(UTC).timestamp() * 1000) - 60_000
    put_events(logs, one, [(t0, "a1 boot"), (t0 + 2000, "a1 step 1"), (t0 + 4000, "a1 step 2")])
    put_events(logs, two, [(t0 + 1000, "a2 boot"), (t0 + 3000, "a2 step 1")])

    app = make_app(poll={"logs": 0.1})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="log screen")
        view = view_of(app)
        await wait_until(pilot, lambda: len(view.buffer) == 5, what="five lines")
        assert texts(view) == ["a1 boot", "a2 boot", "a1 step 1", "a2 step 1", "a1 step 2"]
        assert [view.buffer.line(i).host for i in range(5)] == ["algo-1", "algo-2"] * 2 + ["algo-1"]
        rows = screen_rows(view)
        assert "algo-2 │ a2 boot" in rows[1]
        assert view.hosts == ["algo-1", "algo-2"]
        # The jobs poller rests while the log screen covers the main screen.
        assert not app.main_screen.query_one("#jobs-poller").shown  # type: ignore[attr-defined]

        put_events(logs, two, [(t0 + 5000, "a2 step 2 (late)")])
        await wait_until(pilot, lambda: len(view.buffer) == 6, what="the appended line")
        await pilot.pause(0.3)
        assert view.follow
        assert any("a2 step 2 (late)" in row for row in screen_rows(view))
        status = panel_of(app).status_text()
        assert "following" in status and "6 lines" in status and "InProgress" in status

        panel = panel_of(app)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back")
        await wait_until(pilot, panel.feed_finished.is_set, what="the feed thread to end")


async def test_a_job_that_ends_is_read_out_then_no_longer_followed(sm: Any, aws: Any) -> None:
    create_training_job(sm, "ending-job")
    set_training_state("ending-job", "InProgress")
    logs = aws.client("logs")
    logs.create_log_group(logGroupName="/aws/sagemaker/TrainingJobs")
    stream = "ending-job/algo-1-1700000000"
    logs.create_log_stream(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=stream)
    t0 = int(datetime.now(UTC).timestamp() * 1000) - 60_000
    put_events(logs, stream, [(t0, "epoch 1")])

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        source = CloudWatchLogs(app.context, "training", "ending-job", status_hint="InProgress")
        await app.push_screen(LogScreen(source, timing=FAST))
        panel = panel_of(app)
        await wait_until(pilot, lambda: len(panel.view.buffer) == 1, what="first line")
        put_events(logs, stream, [(t0 + 1000, "saving model"), (t0 + 2000, "done")])
        set_training_state("ending-job", "Completed")
        await wait_until(pilot, lambda: panel.ended, what="the follow to end")
        await wait_until(pilot, lambda: len(panel.view.buffer) == 4, what="the last lines")
        assert texts(panel.view)[:3] == ["epoch 1", "saving model", "done"]
        assert "is Completed: every line read" in texts(panel.view)[3]
        assert "Completed: all read" in panel.status_text()
        await wait_until(pilot, panel.feed_finished.is_set, what="the feed thread to end")


async def test_l_on_a_tuning_job_explains_there_is_no_log(sm: Any) -> None:
    create_tuning_job(sm, "sweep")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        assert jobs_table(app).cursor_job() is not None
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("has no logs of its own" in n for n in notifications(app))


# --- the UI on a fake source --------------------------------------------------------------------
async def test_search_highlights_and_n_N_jump_between_matches() -> None:
    source = FakeSource()
    source.push(
        [
            event(i, f"step {i} ERROR disk full" if i in (20, 120, 180) else f"step {i}")
            for i in range(200)
        ]
    )
    app = LogApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        await wait_until(pilot, lambda: len(view.buffer) == 200, what="200 lines")
        await pilot.press("slash", *"error")
        assert view.search is not None and view.matches.seqs == [20, 120, 180]
        await pilot.press("enter")
        # At the live end, enter finds the latest occurrence first.
        assert view.current_match == 180 and not view.follow
        assert "/error 3/3" in panel_of(app).status_text()
        y = next(y for y, row in enumerate(screen_rows(view)) if "step 180 " in row)
        assert segment_styles(view, y, "ERROR") == [view._style("log-view--match-current")]

        await pilot.press("n")
        assert view.current_match == 20
        assert any("search wrapped to the top" in n for n in notifications(app))
        rows = screen_rows(view)
        assert any("step 20 ERROR" in row for row in rows)
        await pilot.press("n")
        assert view.current_match == 120
        await pilot.press("N")
        assert view.current_match == 20
        assert "/error 1/3" in panel_of(app).status_text()

        # Smart case: a capital makes it case-sensitive; a bad regex is refused.
        await pilot.press("slash")
        bar = app.screen.query_one("#log-search")
        bar.value = "Error"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert view.matches.seqs == []
        await pilot.press("slash")
        bar.value = "re:("  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert any("bad regex" in n for n in notifications(app))
        await pilot.press("slash")
        bar.value = "re:disk f[u]ll"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert view.matches.seqs == [20, 120, 180]


async def test_wrap_and_timestamps_change_the_rendering() -> None:
    source = FakeSource()
    long = "long " + "x" * 150 + " END"
    source.push([event(0, "short"), event(1, long, host="algo-2"), event(2, "last")])
    app = LogApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        await wait_until(pilot, lambda: len(view.buffer) == 3, what="3 lines")
        await pilot.pause(0.3)
        rows = screen_rows(view)
        when = BASE.astimezone().strftime("%H:%M:%S")
        assert rows[0].startswith(f"{when} algo-1 │ short")
        assert view.buffer.rows == 3 and view.virtual_size.width > view.content_width
        assert "END" not in rows[1]  # cut at the edge, reachable by scrolling right

        # A match off to the right scrolls the message sideways; time and host stay put.
        await pilot.press("slash", *"END", "enter")
        rows = screen_rows(view)
        assert view.scroll_x > 0 and view.current_match == 1
        later = (BASE + timedelta(seconds=1)).astimezone().strftime("%H:%M:%S")
        assert rows[1].startswith(f"{later} algo-2 │ ") and "END" in rows[1]
        assert rows[0].startswith(f"{when} algo-1 │ ") and "short" not in rows[0]
        await pilot.press("slash", "ctrl+u", "enter")
        assert view.search is None

        await pilot.press("w")
        rows = screen_rows(view)
        assert view.buffer.rows > 3
        assert rows[1].rstrip().endswith("x") and rows[2].startswith(" " * 16 + "│ x")
        assert any(row.rstrip().endswith("END") for row in rows)
        assert "wrap" in panel_of(app).status_text()

        await pilot.press("T")
        rows = screen_rows(view)
        assert rows[0].startswith("algo-1 │ short")
        assert "no times" in panel_of(app).status_text()
        await pilot.press("w", "T")
        assert screen_rows(view)[0].startswith(f"{when} algo-1 │ short")
        assert view.buffer.rows == 3


async def test_escape_sequences_are_shown_inert(tmp_path: Path) -> None:
    source = FakeSource()
    hostile = "\x1b]0;pwned\x07\x1b[31mred\x1b[0m alert\x07 \x1b]52;c;ZXZpbA==\x07done\r\n"
    source.push([event(0, hostile), event(1, "tab\there\nsecond line")])
    app = LogApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        await wait_until(pilot, lambda: len(view.buffer) == 3, what="3 lines")
        # Escape sequences are shown (␛ … ␇), never run; colour (SGR) is dropped.
        assert texts(view) == [
            "␛]0;pwned␇red alert␇ ␛]52;c;ZXZpbA==␇done",
            "tab here",
            "second line",
        ]
        for y in range(3):
            for segment in view.render_line(y):
                assert not any(ch in segment.text for ch in "\x1b\x07\r\t\n")


async def test_the_buffer_is_bounded() -> None:
    source = FakeSource()
    app = LogApp(source, max_lines=100)
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        for start, end in ((0, 400), (400, 700), (700, 1000)):
            source.push([event(i, f"line {i}") for i in range(start, end)])
            await wait_until(pilot, lambda end=end: view.buffer.total >= end, what="a batch")
        assert len(view.buffer) == 100
        assert view.buffer.dropped == 900
        assert texts(view)[0] == "line 900" and texts(view)[-1] == "line 999"
        assert len(view.buffer._items) <= view.buffer.capacity
        assert "100 lines (oldest 900 dropped, max 100)" in panel_of(app).status_text()
        await pilot.pause(0.3)
        assert "line 999" in screen_rows(view)[-1] or any(
            "line 999" in row for row in screen_rows(view)
        )


async def test_throttling_shows_reconnecting_then_resumes_and_marks_the_gap() -> None:
    source = FakeSource()
    source.push([event(0, "before")])
    app = LogApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = panel_of(app)
        view = panel.view
        await wait_until(pilot, lambda: len(view.buffer) == 1, what="first line")
        source.failing = ThrottledError("rate exceeded (ThrottlingException)")
        await wait_until(
            pilot,
            lambda: panel.problem is not None and "reconnecting" in panel.problem,
            what="the banner",
        )
        assert "rate exceeded" in (panel.problem or "")
        assert app.screen.query_one("#log-banner").has_class("-shown")
        source.push([event(1, "after")])
        source.failing = None
        await wait_until(pilot, lambda: len(view.buffer) == 3, what="resumed")
        assert panel.problem is None
        assert not app.screen.query_one("#log-banner").has_class("-shown")
        lines = [view.buffer.line(i) for i in range(3)]
        assert lines[0].text == "before"
        assert lines[1].marker and "interrupted" in lines[1].text
        assert lines[2].text == "after"
        assert panel.gaps == 1


async def test_closing_the_view_cancels_the_feed() -> None:
    source = FakeSource()
    app = LogApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = panel_of(app)
        await wait_until(pilot, lambda: source.polls >= 2, what="polling")
        assert "no lines yet: waiting for the log streams" in panel.status_text()
        worker = panel.worker
        assert worker is not None
        await pilot.press("q")
        await wait_until(pilot, panel.feed_finished.is_set, what="the feed thread to end")
        assert worker.is_cancelled
        polls = source.polls
        await pilot.pause(0.2)
        assert source.polls == polls


async def test_save_writes_a_private_file_and_says_where() -> None:
    source = FakeSource()
    source.push([event(0, "\x1b[1mfirst\x1b[0m"), event(1, "second", host="algo-2")])
    app = LogApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        await wait_until(pilot, lambda: len(view.buffer) == 2, what="2 lines")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: any("saved to" in n for n in notifications(app)), what="saved"
        )
        note = next(n for n in notifications(app) if "saved to" in n)
        path = Path(note.split("saved to ", 1)[1])
        assert "smconsole" in str(path) and path.name.startswith("training-fake-job-")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        content = path.read_text().splitlines()
        assert content[0].startswith("# training job fake-job")
        assert content[1] == "2026-11-02T12:00:00.000+00:00 algo-1 | first"
        assert content[2].endswith("algo-2 | second")


# --- the feed loop and the store, without a UI -------------------------------------------------
def collect(source: FakeSource, timing: FeedTiming = FAST) -> tuple[list[Message], Any]:
    messages: list[Message] = []
    state = run_feed(source, messages.append, threading.Event(), timing)
    return messages, state


def test_feed_of_a_finished_job_reads_out_and_ends() -> None:
    source = FakeSource(ends=True, status="Failed")
    source.push([event(0, "Traceback"), event(1, "CUDA out of memory")])
    messages, state = collect(source)
    kinds = [type(m) for m in messages]
    assert kinds == [LogSourceStatus, LogLinesArrived, LogFollowEnded]
    assert state.polls == 1


def test_feed_stops_on_a_validation_error() -> None:
    class Bad(FakeSource):
        def open(self) -> FakeSource:
            raise ValidationError("bad name")

    messages, _ = collect(Bad())
    assert [type(m) for m in messages] == [LogFeedFailed]


def test_feed_backs_off_and_reports_each_failure() -> None:
    source = FakeSource(ends=True, status="InProgress")
    source.failing = ThrottledError("rate exceeded")
    cancelled = threading.Event()
    messages: list[Message] = []

    def post(message: Message) -> None:
        messages.append(message)
        broke = [m for m in messages if isinstance(m, LogStreamBroke)]
        if len(broke) == 3:
            source.failing = None
            source.current_status = "Completed"

    run_feed(
        source, post, cancelled, FeedTiming(interval=0.01, max_backoff=0.03, status_every=0.01)
    )
    broke = [m for m in messages if isinstance(m, LogStreamBroke)]
    assert [m.retry_in for m in broke] == [0.01, 0.02, 0.03]
    assert any(isinstance(m, LogStreamResumed) and m.failures == 3 for m in messages)
    assert isinstance(messages[-1], LogFollowEnded)


def test_feed_waits_while_the_ui_has_not_taken_its_batches() -> None:
    events = [event(i, f"line {i}") for i in range(CHUNK_LINES * 3)]
    untaken: list[Message] = []
    cancelled = threading.Event()
    timer = threading.Timer(0.2, cancelled.set)
    timer.start()
    # Nobody takes the first batch: the feed holds the rest until it is cancelled.
    assert post_lines(untaken.append, events, Backlog(limit=1), cancelled) == CHUNK_LINES
    assert len(untaken) == 1
    timer.join()

    taken: list[LogLinesArrived] = []

    def take(message: Message) -> None:
        assert isinstance(message, LogLinesArrived) and message.backlog is not None
        message.backlog.taken()
        taken.append(message)

    assert post_lines(take, events, Backlog(limit=1), threading.Event()) == len(events)
    assert [m.rows[0][2] for m in taken] == ["line 0", "line 5000", "line 10000"]
    assert taken[0].hosts == {"algo-1"} and taken[0].widest == len("line 4999")


def test_line_buffer_wraps_locates_and_compacts() -> None:
    buffer = LineBuffer(max_lines=2000)
    lines = convert_events(event(i, "x" * (i % 25)) for i in range(5000)).rows
    for start in range(0, 5000, 700):
        buffer.extend(lines[start : start + 700])
    assert len(buffer) == 2000 and buffer.first_seq == 3000
    assert len(buffer._items) <= buffer.capacity
    buffer.set_wrap(10)
    expected = sum(max(1, -(-len(buffer.line(i).text) // 10)) for i in range(2000))
    assert buffer.rows == expected
    for row in (0, 1, 17, expected // 2, expected - 1):
        index, sub = buffer.locate(row)
        assert buffer.row_of(index) + sub == row
        assert sub < len(wrap_ranges(buffer.line(index), 10))
    buffer.extend(lines[:1500])  # the wrap layout follows appends and compaction
    expected = sum(max(1, -(-len(buffer.line(i).text) // 10)) for i in range(2000))
    assert buffer.rows == expected
    assert buffer.locate(expected - 1)[0] == 1999


def test_held_lines_are_not_walked_by_the_cyclic_gc() -> None:
    """Held lines are plain tuples the GC untracks: 50,000 tracked objects made each full
    collection (about one a second while a log streams) a 25-90 ms pause on keys."""
    buffer = LineBuffer(max_lines=1000)
    buffer.extend(convert_events(event(i, f"line {i}") for i in range(1000)).rows)
    buffer.extend([marker_line("a gap").row])
    gc.collect()
    assert not any(gc.is_tracked(row) for row in buffer._items)
    assert buffer.line(999).marker and buffer.line(998).text == "line 999"


def test_wide_characters_wrap_by_cells() -> None:
    (line,) = lines_from_events([event(0, "漢字漢字漢字abc")])
    assert line.cells == 15
    ranges = wrap_ranges(line, 4)
    assert "".join(line.text[a:b] for a, b in ranges) == line.text
    assert len(ranges) == 4


@pytest.mark.parametrize(
    ("query", "text", "hit"),
    [
        ("error", "An ERROR here", True),
        ("Error", "An ERROR here", False),
        ("re:loss=[0-9.]+", "step 3 loss=0.25", True),
        ("a.b", "axb", False),  # plain text is literal
    ],
)
def test_search_queries(query: str, text: str, hit: bool) -> None:
    assert LogSearch(query).matches(text) is hit
