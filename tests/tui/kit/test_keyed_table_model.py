"""KeyedTable against a plain-list model: any mix of refreshes, sorts, filters and moves.

The table keeps per-key caches (sort values, filter text, rendered lines) and diffs each
snapshot by key; the model recomputes everything from scratch on every step. A cache that
outlives its row, a sort that misses a newcomer or a cursor that jumps to another row
shows up as a difference. The table's data model works unmounted (``sync`` and the
cursor need no screen), so the machine drives it directly; the examples at the bottom
also run it mounted in a small app, as the views do.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from textual.app import App, ComposeResult

from screens.kit.keyed_table import SortOrder
from screens.kit.row_filter import RowFilter
from tests.support.keyed_rows import STATES, Row, RowsTable
from tests.support.stateful import STATEFUL


def model_sort_key(row: Row, column: str) -> tuple[Any, ...]:
    """The order a reader expects, written out apart from the table's caches."""
    return {"name": (row.name,), "size": (row.size, row.name), "status": (row.status, row.name)}[
        column
    ]


# Few names so rows leave and come back; "ab"/"abc" so a typed-on filter narrows.
NAMES = ("a", "ab", "abc", "b", "bc", "c", "ca", "d")
SNAPSHOTS = st.dictionaries(
    st.sampled_from(NAMES),
    st.tuples(st.sampled_from(STATES), st.integers(0, 4)),
    max_size=len(NAMES),
)
FILTERS = st.sampled_from(
    ("", "a", "ab", "abc", "b", "c", "!a", "!ab", "status:fail", "status:failed", "state:in",
     "name:a", "name:ab", "re:^a", "^(b|c)", "!re:ed$", "re:[", "stop", "x")
)  # fmt: skip


class KeyedTableMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.table = RowsTable()
        self.items: dict[str, Row] = {}
        self.column = "name"
        self.reverse = False
        self.filter = RowFilter()
        self.shown: list[str] = []
        self.cursor_key: str | None = None
        self.cursor_index = 0

    # --- the model -----------------------------------------------------------------
    def _expected_rows(self) -> list[str]:
        ordered = sorted(
            self.items.values(),
            key=lambda r: model_sort_key(r, self.column),
            reverse=self.reverse,
        )
        fields = self.table.filter_fields
        return [r.name for r in ordered if self.filter.matches(fields(r))]

    def _refresh_model(self) -> None:
        """The cursor keeps its row if still shown, else its index (clamped)."""
        before, keep = self.shown, self.cursor_key
        self.shown = self._expected_rows()
        if not self.shown:
            self.cursor_key, self.cursor_index = None, 0
        elif keep in self.shown:
            self.cursor_key, self.cursor_index = keep, self.shown.index(keep)
        else:
            index = min(max(self.cursor_index, 0), len(self.shown) - 1) if before else 0
            self.cursor_key, self.cursor_index = self.shown[index], index

    def _move(self, row: int) -> None:
        if self.shown:
            self.cursor_index = min(max(row, 0), len(self.shown) - 1)
            self.cursor_key = self.shown[self.cursor_index]

    # --- rules ------------------------------------------------------------------------
    @rule(snapshot=SNAPSHOTS)
    def refresh(self, snapshot: dict[str, tuple[str, int]]) -> None:
        rows = [Row(name, status, size) for name, (status, size) in snapshot.items()]
        self.items = {r.name: r for r in rows}
        self.table.sync(rows)
        self._refresh_model()

    @rule(pushed=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(STATES),
                                   st.integers(0, 4)), max_size=5))  # fmt: skip
    def upsert_batch(self, pushed: list[tuple[str, str, int]]) -> None:
        """A pushed batch (issue 18): rows replaced or added in place, the rest kept; a
        name twice in one batch ends as its last item."""
        rows = [Row(name, status, size) for name, status, size in pushed]
        for row in rows:
            self.items[row.name] = row
        self.table.upsert_many(rows)
        self._refresh_model()

    @rule()
    def refresh_same(self) -> None:
        """A poll that brought equal items (new objects): nothing moves."""
        rows = [Row(r.name, r.status, r.size) for r in self.items.values()]
        self.table.sync(rows)
        self._refresh_model()

    @rule()
    def redraw(self) -> None:
        self.table.sync()
        self._refresh_model()

    @rule(column=st.sampled_from(("name", "status", "size")), reverse=st.booleans())
    def sort(self, column: str, reverse: bool) -> None:
        self.column, self.reverse = column, reverse
        self.table.set_sort(SortOrder(column, reverse, RowsTable.COLUMNS))
        self._refresh_model()

    @rule()
    def cycle_sort(self) -> None:
        order = self.table.ordering.cycled()
        self.column, self.reverse = order.column, order.reverse
        self.table.set_sort(order)
        self._refresh_model()

    @rule(text=FILTERS)
    def filter_rows(self, text: str) -> None:
        self.filter = RowFilter.parse(text, RowsTable.column_keys())
        self.table.set_filter(self.filter)
        self._refresh_model()

    @rule(row=st.integers(-3, 12))
    def move(self, row: int) -> None:
        self.table.move_cursor(row=row)
        self._move(row)

    @rule(action=st.sampled_from(("up", "down", "first", "last", "page_up", "page_down")))
    def key(self, action: str) -> None:
        page = self.table.page_rows
        target = {
            "up": self.cursor_index - 1,
            "down": self.cursor_index + 1,
            "first": 0,
            "last": len(self.shown) - 1,
            "page_up": self.cursor_index - page,
            "page_down": self.cursor_index + page,
        }[action]
        getattr(self.table, f"action_{_action_name(action)}")()
        self._move(target)

    @precondition(lambda self: bool(self.shown))
    @rule()
    def select(self) -> None:
        assert self.table.cursor_item() == self.items[self.shown[self.cursor_index]]

    # --- what must always hold ------------------------------------------------------
    @invariant()
    def rows_match(self) -> None:
        assert self.table.shown_keys() == self.shown
        assert self.table.total_count == len(self.items)
        assert self.table.shown_count == len(self.shown)
        assert self.table.items == self.items

    @invariant()
    def cursor_matches(self) -> None:
        assert self.table.cursor_key == self.cursor_key
        assert self.table.cursor_row == (self.cursor_index if self.shown else -1)
        if self.cursor_key is not None:
            assert self.table.get_row_index(self.cursor_key) == self.cursor_index


def _action_name(action: str) -> str:
    return {
        "up": "cursor_up",
        "down": "cursor_down",
        "first": "first",
        "last": "last",
        "page_up": "page_up",
        "page_down": "page_down",
    }[action]


TestKeyedTableModel = KeyedTableMachine.TestCase
TestKeyedTableModel.settings = STATEFUL


# --- plain regression examples (each failed before its fix) ------------------------------
def rowset(*names: str, status: str = "Completed") -> list[Row]:
    """Rows whose values depend only on their name: a row that stays is unchanged."""
    return [Row(name, status, int(name)) for name in names]


def test_one_row_leaves_and_another_arrives_in_the_same_refresh() -> None:
    """Issue 14: ``sync([1,2,3])`` then ``sync([1,2,4])`` raised ``KeyError: '4'``: the
    row that left kept its sort value, and the sort compared only counts."""
    table = RowsTable()
    table.sync(rowset("1", "2", "3"))
    table.move_cursor(row=1)
    table.sync(rowset("1", "2", "4"))
    assert table.shown_keys() == ["1", "2", "4"]
    assert table.cursor_key == "2"


def test_a_row_that_left_and_came_back_is_filtered_by_its_new_text() -> None:
    """A key's cached filter text must not outlive the row: "a" left while Failed and came
    back Completed, and the old text still matched ``fail``."""
    table = RowsTable()
    table.set_filter(RowFilter.parse("fail", RowsTable.column_keys()))
    table.sync([Row("a", "Failed", 0), Row("b", "Failed", 1)])
    table.sync([Row("b", "Failed", 1)])
    table.sync([Row("a", "Completed", 0), Row("b", "Failed", 1)])
    assert table.shown_keys() == ["b"]


def test_a_swap_under_a_column_filter_keeps_the_rows_that_pass() -> None:
    table = RowsTable()
    table.set_filter(RowFilter.parse("status:failed", RowsTable.column_keys()))
    table.sync([Row("a", "Failed", 0), Row("b", "Failed", 1)])
    table.sync([Row("b", "Failed", 1), Row("c", "Failed", 2)])
    assert table.shown_keys() == ["b", "c"]


class TableApp(App[None]):
    def __init__(self, table: RowsTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


async def test_mounted_table_survives_a_swap_and_keeps_the_cursor_row() -> None:
    """The same swap in a mounted table (drawing, the idle filter warm-up) as on a Slurm
    queue where one job ends while another is submitted."""
    table = RowsTable()
    app = TableApp(table)
    async with app.run_test(size=(80, 12)) as pilot:
        table.sync(rowset("1", "2", "3", status="Running"))
        table.set_filter(RowFilter.parse("run", RowsTable.column_keys()))
        table.move_cursor(row=2)
        await pilot.pause()
        table.sync(rowset("1", "3", "4", status="Running"))
        await pilot.pause(0.05)
        assert table.shown_keys() == ["1", "3", "4"]
        assert table.cursor_key == "3"
        assert table.row_filter.needle == "run"
