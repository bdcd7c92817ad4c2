"""The log view's streams (issue 15): labels keep the part that tells streams apart (not
cut to 16 cells: ``v2-candidate/i-0`` for every instance), whole at 200 columns; ``H``
picks one host's lines or every host's, and nothing is lost either way."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from screens.logs.hosts import host_column_limit, host_labels, middle_cut
from screens.logs.lines import HostLines, Row
from screens.logs.picker import HostPicker
from screens.logs.view import LogScreen
from tests.support.hostile import CORPUS
from tests.support.stateful import STATEFUL
from tests.tui.conftest import notifications, wait_until

from .test_log_view import FakeSource, LogApp, event, panel_of, screen_rows, texts, view_of

ONE = "v2-candidate/i-0abc123def4567890"
TWO = "v2-candidate/i-0ffff23def4567891"
PROD = "v1-prod/i-0123456789abcdef0"


def test_labels_whole_when_they_fit_else_distinct_with_their_end() -> None:
    assert host_labels(["algo-1", "algo-2"], 16) == {"algo-1": "algo-1", "algo-2": "algo-2"}
    assert host_labels([ONE, TWO, PROD], 50) == {ONE: ONE, TWO: TWO, PROD: PROD}
    # The shared prefix goes first.
    shared = host_labels([ONE, TWO], 20)
    assert shared == {ONE: "0abc123def4567890", TWO: "0ffff23def4567891"}
    # Then the middle: the end (the instance id's) stays.
    narrow = host_labels([ONE, TWO, PROD], 16)
    assert len(set(narrow.values())) == 3
    assert all(len(label) <= 16 and label.endswith(host[-8:]) for host, label in narrow.items())
    assert host_labels([""], 16) == {}


def test_the_column_grows_with_the_view() -> None:
    assert host_column_limit(80) == 20
    assert host_column_limit(40) == 16
    assert host_column_limit(200) >= len(ONE)


@given(st.lists(st.sampled_from(CORPUS) | st.text(min_size=1), min_size=1, max_size=6))
@settings(max_examples=150, deadline=None)
def test_labels_of_any_names_fit_their_column(hosts: list[str]) -> None:
    from rich.cells import cell_len

    for limit in (1, 8, 16, 40):
        labels = host_labels(hosts, limit)
        assert set(labels) == {host for host in hosts if host}
        assert all(cell_len(label) <= limit for label in labels.values())
        assert all(cell_len(middle_cut(host, limit)) <= limit for host in labels)


def endpoint_lines(source: FakeSource) -> None:
    source.push(
        [event(i, f"{host[-3:]} line {i}", host=host) for i, host in enumerate([ONE, TWO] * 3)]
    )


async def test_long_stream_names_read_whole_at_200_columns_and_apart_at_80() -> None:
    for size, shown in (((200, 30), (ONE, TWO)), ((80, 24), ("0abc123", "0ffff23"))):
        source = FakeSource()
        endpoint_lines(source)
        app = LogApp(source)
        async with app.run_test(size=size) as pilot:
            view = view_of(app)
            await wait_until(pilot, lambda: len(view.buffer) == 6, what="6 lines")
            await pilot.pause(0.1)
            rows = screen_rows(view)
            assert shown[0] in rows[0] and shown[1] in rows[1], (size, rows[:2])
            assert "v2-candidate/i-0 " not in rows[0]


async def test_h_shows_one_host_then_every_host_again() -> None:
    source = FakeSource()
    endpoint_lines(source)
    app = LogApp(source)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        view = view_of(app)
        await wait_until(pilot, lambda: len(view.buffer) == 6, what="6 lines")
        await pilot.press("slash", *"line", "enter")
        assert len(view.matches.seqs) == 6

        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, HostPicker), what="picker")
        await pilot.press("down", "down", "enter")  # every host, ONE, TWO
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="picked")
        assert view.host_filter == TWO
        assert texts(view) == ["891 line 1", "891 line 3", "891 line 5"]
        assert len(view.matches.seqs) == 3  # the search follows what is shown
        assert f"only {TWO}" in panel_of(app).status_text()

        # New lines: the other host's are kept, not shown.
        source.push([event(10, "890 late", host=ONE), event(11, "891 late", host=TWO)])
        await wait_until(pilot, lambda: len(view.all_lines) == 8, what="8 lines held")
        await pilot.pause(0.3)
        assert texts(view)[-1] == "891 late" and "890 late" not in texts(view)

        # Escape leaves the choice as it was.
        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, HostPicker), what="picker")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="cancelled")
        assert view.host_filter == TWO

        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, HostPicker), what="picker")
        await pilot.press("home", "enter")
        await wait_until(pilot, lambda: view.host_filter is None, what="every host")
        assert len(view.buffer) == 8 and "890 late" in texts(view)
        assert len(view.matches.seqs) == 6


async def test_h_before_any_line_says_so() -> None:
    app = LogApp(FakeSource())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause(0.2)
        await pilot.press("H")
        await wait_until(
            pilot, lambda: any("no host" in n for n in notifications(app)), what="the note"
        )
        assert isinstance(app.screen, LogScreen)


# --- the host choice against a model ---------------------------------------------------------
class HostLinesMachine(RuleBasedStateMachine):
    """:class:`HostLines` beside plain lists: every line of the last ``MAX`` kept, and the
    shown ones the chosen host's (and notes) as chosen, then as they came."""

    MAX = 7

    def __init__(self) -> None:
        super().__init__()
        self.lines = HostLines(self.MAX)
        self.model_all: list[Row] = []
        self.model_shown: list[Row] | None = None  # None: every host shown
        self.host: str | None = None
        self.count = 0

    @rule(hosts=st.lists(st.sampled_from(["a", "b", "c", ""]), min_size=1, max_size=10))
    def add(self, hosts: list[str]) -> None:
        rows: list[Row] = []
        for host in hosts:
            self.count += 1
            text = f"{host or 'note'} {self.count}"
            rows.append((None, host, text, len(text), host == ""))
        shown, _dropped = self.lines.extend(rows)
        self.model_all = (self.model_all + rows)[-self.MAX :]
        if self.model_shown is not None:
            wanted = [r for r in rows if r[1] == self.host or r[4]]
            assert list(shown) == wanted
            self.model_shown = (self.model_shown + wanted)[-self.MAX :]

    @rule(host=st.sampled_from(["a", "b", "z", None]))
    def choose(self, host: str | None) -> None:
        self.lines.set_host(host)
        self.host = host
        if host is None:
            self.model_shown = None
        else:
            self.model_shown = [r for r in self.model_all if r[1] == host or r[4]]

    @invariant()
    def agrees(self) -> None:
        assert [line.row for line in self.lines.all.lines()] == self.model_all
        shown = self.model_all if self.model_shown is None else self.model_shown
        assert [line.row for line in self.lines.shown.lines()] == shown
        counts = self.lines.all.host_counts()
        assert sum(counts.values()) == sum(1 for r in self.model_all if not r[4])


TestHostLines = HostLinesMachine.TestCase
TestHostLines.settings = STATEFUL


def test_endpoint_streams_snapshot(snap_compare: Any) -> None:
    """80x24, times hidden (they are local wall-clock times): the labels tell the two
    instances apart, the status line names them."""
    source = FakeSource()
    endpoint_lines(source)
    app = LogApp(source)

    async def ready(pilot: Any) -> None:
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="log screen")
        view = view_of(app)
        await wait_until(pilot, lambda: len(view.buffer) == 6, what="6 lines")
        await pilot.press("T")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
