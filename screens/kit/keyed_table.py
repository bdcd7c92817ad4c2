"""Keyed tables: rows updated in place by key, rendered only where they are visible.

Textual's ``DataTable`` builds every row up front (3.5 s for 10,000 rows here); an
account's job history can hold 100,000. :class:`KeyedTable` keeps the rows as data: a
dict of items by key, the keys in sort order, and the keys that pass the ``/`` filter.
Only the lines on screen are turned into text (``render_line`` of Textual's Line API),
and each rendered line is cached by row key, item, layout and style, so moving the
cursor redraws two lines and a poll that changed nothing redraws a screenful.

A refresh never clears the table: each snapshot is diffed by key; sorting happens again
only when something changed, filtering only when the filter or the items did. The cursor
follows its row by key, not by index, so a new item arriving above it does not move the
selection, and it survives sort and filter changes.

A view's table subclasses :class:`KeyedTable`, declares its :class:`TableColumn`\\ s and
says how one item looks (:meth:`cell_values`), filters (:meth:`filter_fields`) and sorts
(:meth:`sort_value`). Columns always fit the width: fixed columns keep their content's
width and the ``flex`` column (the name) takes what is left. A cell too narrow for its
value keeps numbers whole and names' distinguishing part (:func:`fit_cell`: the prefix
the rows share and then the middle give way first).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from screens.kit.formatting import StatusPalette, common_prefix, fit_cell, status_role
from screens.kit.row_filter import FieldRow, RowFilter, field_row, lowered, row_value

T = TypeVar("T")

STATUS_COLUMN = "status"
# Cells of padding per column (one each side).
CELL_PADDING = 2
# Rows measured to size the fixed columns (the first ones shown, and those on screen):
# measuring all 100,000 would cost a second.
MEASURE_ROWS = 200
# Filter fields are prepared this many items at a time while the UI is idle.
WARM_CHUNK = 10_000
# Rendered lines kept; a screenful of each row kind is a few dozen.
STRIP_CACHE_LIMIT = 2000
# From this many items, a sync pauses the cyclic GC; once this many new items have come
# in large syncs, the heap is frozen (see _bulk).
BULK_ITEMS = 10_000


@dataclass(frozen=True)
class TableColumn:
    """One column: its key (also the ``/`` filter's ``key:`` prefix) and how it behaves."""

    key: str
    label: str
    # Width on narrow screens; the ``flex`` column (the name) takes what is left.
    compact_width: int | None = None
    flex: bool = False
    hide_when_compact: bool = False
    # Natural order newest/longest/biggest first (``s`` picks this direction first).
    descending_first: bool = False
    # The label may be cut (with …) to give the flex column room: picked columns with
    # long names ("m:validation:logloss") over short values.
    shrink_label: bool = False
    # Shown only when the table is at least this wide (a column that matters less than
    # the names, e.g. the Jobs table's Cost beside the wide-screen preview).
    min_width: int = 0
    # Takes only the width the other columns leave at their content's width (the names
    # whole), up to its own content; shown only when at least this many cells are left
    # (the Jobs table's Reason: a cut first line beside whole names, else the line under
    # the table; or its content, if narrower). 0: an ordinary column.
    min_leftover: int = 0


@dataclass(frozen=True)
class SortOrder:
    """The sort column and direction; ``columns`` is the table's column list."""

    column: str
    reverse: bool
    columns: tuple[TableColumn, ...] = field(default=(), compare=False, repr=False)

    def cycled(self) -> SortOrder:
        """The next column, in its natural direction (`s`)."""
        keys = [c.key for c in self.columns]
        column = self.columns[(keys.index(self.column) + 1) % len(keys)]
        return SortOrder(column.key, column.descending_first, self.columns)

    def flipped(self) -> SortOrder:
        return SortOrder(self.column, not self.reverse, self.columns)

    def describe(self) -> str:
        labels = {c.key: c.label for c in self.columns}
        return f"{labels.get(self.column, self.column)} {'↓' if self.reverse else '↑'}"


@dataclass(frozen=True)
class Layout:
    """The shown columns and their widths (without padding) for one table width."""

    compact: bool
    columns: tuple[TableColumn, ...]
    widths: tuple[int, ...]


class KeyedTable(ScrollView, Generic[T], can_focus=True):
    """Rows of ``T`` keyed by :meth:`key_of`; subclasses describe columns and cells."""

    COLUMNS: ClassVar[tuple[TableColumn, ...]] = ()
    DEFAULT_SORT: ClassVar[str] = "name"
    # Below this width the table uses compact cells and hides some columns.
    COMPACT_WIDTH: ClassVar[int] = 90
    MIN_FLEX_WIDTH: ClassVar[int] = 16

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keyed-table--header",
        "keyed-table--even-row",
        "keyed-table--odd-row",
        "keyed-table--cursor",
    }
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "first", "First row", show=False, id="table.first"),
        Binding("end", "last", "Last row", show=False, id="table.last"),
        # Views bind enter themselves, with their own id and label ("Describe").
        Binding("enter", "select_cursor", "Open", show=False, id="table.open"),
    ]

    class RowHighlighted(Message):
        """The cursor moved to another row (``key`` None: the table is empty)."""

        def __init__(self, table: KeyedTable[Any], key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> KeyedTable[Any]:
            return self.table

    class RowSelected(Message):
        """``enter`` (or a click on the highlighted row) on the row ``key``."""

        def __init__(self, table: KeyedTable[Any], key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> KeyedTable[Any]:
            return self.table

    def __init__(
        self,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._now = now
        self._items: dict[str, T] = {}
        # Every key in sort order, and those of them that pass the filter (on screen).
        self._order: list[str] = []
        self._rows: list[str] = []
        self._cursor_key: str | None = None
        self._cursor_index = 0
        self._announced: str | None = None
        self._layout: Layout | None = None
        self._measured: dict[str, int] = {}
        self._prefixes: dict[str, str] = {}
        # Per-key caches (dropped for a key when its item changes, see _take): sort
        # values, filter fields (compact rows: 100,000 dicts were 26 MB), lower-cased
        # filter text.
        self._sortval: dict[str, Any] = {}
        self._sort_column = ""
        self._fieldmap: dict[str, FieldRow] = {}
        self._field_names: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._hay: dict[str, str] = {}
        # Filter text in sort order, per column ("" for all), and the shown rows'
        # positions in the sort order (to narrow a filter as it is typed).
        self._aligned: dict[str, list[str]] = {}
        self._positions: list[int] | None = None
        self._warming = False
        self._warm_keys: Iterator[str] = iter(())
        self._applied_filter = RowFilter()
        self._strips: dict[tuple[Any, ...], tuple[T, Strip]] = {}
        # Bumped when every line must be drawn again (layout, palette, a poll's clock).
        self._generation = 0
        self._row_styles: dict[str, Style] = {}
        self._style_key: tuple[Any, ...] = ()
        self._base_style = Style()
        self.rows_rendered = 0
        self.rendered_keys: set[str] = set()
        # When an upsert (a pushed change, a row added by hand) last changed a row: a
        # view's "updated" line reads it after an event (upserts that change nothing
        # leave it).
        self.pushed_at: datetime | None = None
        self.row_filter = RowFilter()
        default = self.column(self.DEFAULT_SORT)
        self.ordering = SortOrder(default.key, default.descending_first, self.COLUMNS)
        self.palette = StatusPalette()

    # --- what subclasses say about one item ------------------------------------------------
    def key_of(self, item: T) -> str:
        raise NotImplementedError

    def cell_values(self, item: T, now: datetime) -> Mapping[str, str]:
        """The text of every column (``self.compact`` tells which form to use)."""
        raise NotImplementedError

    def filter_fields(self, item: T) -> Mapping[str, str]:
        """What the `/` filter looks at, per column key."""
        raise NotImplementedError

    def sort_value(self, item: T, column: str, now: datetime) -> tuple[Any, ...]:
        raise NotImplementedError

    # --- what is shown -------------------------------------------------------------------
    @classmethod
    def column(cls, key: str) -> TableColumn:
        return next(c for c in cls.COLUMNS if c.key == key)

    @classmethod
    def column_keys(cls) -> tuple[str, ...]:
        return tuple(c.key for c in cls.COLUMNS)

    @property
    def items(self) -> dict[str, T]:
        return self._items

    @property
    def total_count(self) -> int:
        return len(self._items)

    @property
    def shown_count(self) -> int:
        return len(self._rows)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def shown_keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._rows)

    @property
    def columns(self) -> dict[str, TableColumn]:
        """The columns shown at the current width, by key."""
        layout = self._layout
        return {c.key: c for c in layout.columns} if layout else {}

    @property
    def column_widths(self) -> dict[str, int]:
        """Shown columns' widths in cells (padding excluded)."""
        layout = self._layout
        if layout is None:
            return {}
        return dict(zip((c.key for c in layout.columns), layout.widths, strict=True))

    @property
    def cursor_row(self) -> int:
        """Index of the highlighted row in display order (-1: no rows)."""
        return self._cursor_index if self._rows else -1

    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key if self._rows else None

    def cursor_item(self) -> T | None:
        key = self.cursor_key
        return self._items.get(key) if key is not None else None

    def get_row_index(self, key: str) -> int:
        """Display index of the row ``key`` (KeyError if it is not shown)."""
        index = self._find(key)
        if index is None:
            raise KeyError(key)
        return index

    def get_row(self, key: str) -> list[Text]:
        """The shown cells of row ``key``, as styled text (status coloured by the theme)."""
        item = self._items[key]
        values = self.cell_values(item, self._now())
        columns = self._layout.columns if self._layout else self.COLUMNS
        return [self._cell_text(item, c.key, values[c.key]) for c in columns]

    def cell_role(self, item: T, column: str, value: str) -> str | None:
        """The palette role (``success``, ``warning``, ``error``, ``muted``) a cell is drawn
        in, None: plain. The status column by its value; a table adds its own (a high
        error rate) by overriding this. Colours come from the theme's variables."""
        return status_role(value) if column == STATUS_COLUMN else None

    def _cell_text(self, item: T, column: str, value: str) -> Text:
        if column == STATUS_COLUMN:
            return self.palette.text(value)
        role = self.cell_role(item, column, value)
        style = self.palette.styles.get(role) if role else None
        return Text(value, style=style or "", no_wrap=True, end="")

    # --- layout ----------------------------------------------------------------------------
    @property
    def compact(self) -> bool:
        return bool(self._layout and self._layout.compact)

    def on_mount(self) -> None:
        self._relayout()

    def on_resize(self) -> None:
        self._relayout()
        if self._scroll_to_cursor():
            self.refresh()

    def _content_width(self) -> int:
        return self.scrollable_content_region.width or self.size.width

    def _relayout(self) -> None:
        """Fit the columns to the width; redraw everything if they changed."""
        width = self._content_width()
        if width <= 0:
            return
        was_compact = self.compact
        layout = self._fit(width)
        if layout == self._layout:
            return
        self._layout = layout
        if layout.compact != was_compact:
            # Cells read differently when compact: measure again.
            self._measured.clear()
            self._measure()
            layout = self._layout = self._fit(width)
        self._redraw_all()

    def _fit(self, width: int) -> Layout:
        """Widths that fit ``width``: the flex column shrinks first, then the widest."""
        # Compact by the widget's width (as before), fitted to the width inside the gutter.
        compact = self.size.width < self.COMPACT_WIDTH
        columns = tuple(
            c
            for c in self.COLUMNS
            if not (compact and c.hide_when_compact) and self.size.width >= c.min_width
        )
        # The flex column (names) keeps enough to be told apart; others shrink to labels.
        floors = [
            max(len(c.label), self.MIN_FLEX_WIDTH) if c.flex else _compact_width(c) for c in columns
        ]
        # Wide: every column starts at its content's width, the names too, so that when
        # they do not all fit the widest gives way first (a long failure reason before
        # the names). Compact: the names take what the fixed columns leave.
        widths = [
            (self.MIN_FLEX_WIDTH if compact else max(floor, self._measured.get(c.key, 0)))
            if c.flex
            else (floor if compact else max(len(c.label), self._measured.get(c.key, 0)))
            for c, floor in zip(columns, floors, strict=True)
        ]
        available = width - CELL_PADDING * len(columns)
        flex = [i for i, c in enumerate(columns) if c.flex]
        if flex and not compact:
            self._cut_labels_for_names(columns, widths, available, flex[0])
        columns, widths, floors, available = _fit_leftover(columns, widths, floors, available)
        flex = [i for i, c in enumerate(columns) if c.flex]
        spare = available - sum(widths)
        if spare >= 0:
            if flex:
                widths[flex[0]] += spare
            return Layout(compact, columns, tuple(widths))
        # Too narrow: a cell at a time from the widest column (the names included, so
        # neither a long reason nor a long name takes the width of the others), each down
        # to its label (the names to the width that tells them apart).
        deficit = -spare
        while deficit > 0:
            room = [(widths[i], i) for i in range(len(columns)) if widths[i] > floors[i]]
            if not room:
                break
            _, widest = max(room)
            widths[widest] -= 1
            deficit -= 1
        for i in flex:
            take = min(deficit, widths[i] - floors[i])
            widths[i] -= max(0, take)
            deficit -= max(0, take)
        # Still too wide (many picked columns on a small screen): leave out whole columns
        # from the right rather than cut one in the middle; the flex column stays.
        kept = list(range(len(columns)))
        while deficit > 0 and len(kept) > 2:
            last = next((i for i in reversed(kept) if not columns[i].flex), None)
            if last is None:
                break
            kept.remove(last)
            deficit -= widths[last] + CELL_PADDING
        # Still too wide (a narrow pane: the Registry's groups at 80 columns): the names
        # go below their floor rather than run past the pane's edge, where the end that
        # tells them apart would be clipped (``resn…50-defe``).
        if deficit > 0 and flex and flex[0] in kept:
            take = min(deficit, widths[flex[0]] - 1)
            widths[flex[0]] -= take
            deficit -= take
        if len(kept) < len(columns):
            spare_now = -deficit
            widths_kept = [widths[i] for i in kept]
            if spare_now > 0 and flex and flex[0] in kept:
                widths_kept[kept.index(flex[0])] += spare_now
            return Layout(compact, tuple(columns[i] for i in kept), tuple(widths_kept))
        return Layout(compact, columns, tuple(widths))

    def _cut_labels_for_names(
        self, columns: tuple[TableColumn, ...], widths: list[int], available: int, name: int
    ) -> None:
        """Narrow ``shrink_label`` columns toward their widest value (cutting only their
        labels) while the names would otherwise be cut: a run's name matters more than
        the whole of "m:validation:logloss" over a column of 0.2734."""
        want = max(self._measured.get(columns[name].key, 0), widths[name])
        need = want - widths[name] - (available - sum(widths))
        cuttable = [i for i, c in enumerate(columns) if c.shrink_label]
        while need > 0:  # a cell at a time from the label that overhangs its values most
            room = [(widths[i] - self._value_width(columns[i]), i) for i in cuttable]
            excess, widest = max(room, default=(0, -1))
            if excess <= 0:
                return
            widths[widest] -= 1
            need -= 1

    def _value_width(self, column: TableColumn) -> int:
        return max(self._measured.get(column.key, 0), column.compact_width or 0, 1)

    def _measure(self) -> None:
        """Note the widest value of each column among the first rows and those shown, and
        the prefix they share (dropped first when a cell is too narrow)."""
        if not self._rows:
            return
        now = self._now()
        top = self._rows[:MEASURE_ROWS]
        start = int(self.scroll_y)
        window = self._rows[start : start + max(self.size.height, 1)]
        measured = self._measured
        seen: dict[str, list[str]] = {}
        for key in (*top, *window):
            for column, value in self.cell_values(self._items[key], now).items():
                seen.setdefault(column, []).append(value)
                length = cell_len(value)
                if not self.compact and length > measured.get(column, 0):
                    measured[column] = length
        prefixes = {column: common_prefix(values) for column, values in seen.items()}
        if prefixes != self._prefixes:
            self._prefixes = prefixes
            self._strips.clear()

    # --- rows --------------------------------------------------------------------------------
    def sync(self, items: Iterable[T] | None = None, *, keep: str | None = None) -> None:
        """Make the rows match ``items`` (or the items already known) under filter and sort."""
        keep = keep or self.cursor_key
        changed = True
        if items is not None and not isinstance(items, Sized):
            items = tuple(items)
        with _bulk(max(len(self._items), len(items) if items is not None else 0)) as bulk:
            if items is not None:
                changed, bulk.adopted = self._take(items)
            if changed:
                self._resort()
        self._generation += 1  # the clock moved: durations of running rows change
        self._update_view(keep)

    def upsert(self, item: T) -> None:
        """Replace (or add) one item's row in place: a pushed change, described once."""
        self.upsert_many((item,))

    def upsert_many(self, items: Iterable[T]) -> None:
        """Replace (or add) several items' rows in place: a pushed batch, one table update.

        Only the given keys are touched (no pass over a snapshot of every row): an item
        equal to the one held changes nothing, and a batch that changed nothing neither
        sorts nor redraws. The rest is one sort and one view update for the whole batch.
        """
        held: dict[str, T] | None = None
        key_of = self.key_of
        for item in items:
            key = key_of(item)
            previous = self._items.get(key) if held is None else held.get(key)
            if previous is not None and (previous is item or previous == item):
                continue
            if held is None:
                held = dict(self._items)  # never mutated in place: callers may hold it
            held[key] = item
            if previous is not None:
                self._forget(key)
        if held is None:
            return
        self.pushed_at = self._now()
        keep = self.cursor_key
        self._items = held
        self._resort()
        self._generation += 1
        self._update_view(keep)

    def _take(self, items: Iterable[T]) -> tuple[bool, int]:
        """Adopt a snapshot: whether it changed anything, and how many of its items the
        table did not hold before (new objects it keeps from now on).

        An item equal to the one already held keeps the old object, so the per-key
        caches (sort value, filter text, rendered line) stay valid for it.
        """
        key_of = self.key_of
        old = self._items
        fresh: dict[str, T] = {}
        stale: list[str] = []
        # A snapshot mostly repeats the last one, in the same order: an item found at
        # the same place keeps its key object. No new key string per row per sync, and
        # the per-key caches hold the same one (issue 21: a second copy of 100,000 keys).
        before = iter(old.items())
        adopted = 0
        for given in items:
            held = next(before, None)
            if held is not None and held[1] is given:
                fresh[held[0]] = given
                continue
            key = key_of(given)
            previous = old.get(key)
            item = given
            if previous is not None and previous is not given:
                if previous == given:
                    item = previous
                else:
                    stale.append(key)
                    adopted += 1
            elif previous is None:
                adopted += 1
            fresh[key] = item
        self._items = fresh
        # Changed items and items that left lose their cached sort value and filter
        # text: a key that left and comes back later must not find its old values.
        gone = [key for key in old if key not in fresh]
        for key in (*stale, *gone):
            self._forget(key)
        return bool(stale) or bool(gone) or len(fresh) != len(old), adopted

    def _forget(self, key: str) -> None:
        self._sortval.pop(key, None)
        self._fieldmap.pop(key, None)
        self._hay.pop(key, None)

    def set_filter(self, row_filter: RowFilter) -> None:
        self.row_filter = row_filter
        self._update_view(self.cursor_key, refilter_only=True)

    def set_sort(self, order: SortOrder) -> None:
        keep = self.cursor_key
        self.ordering = order
        self._resort()
        self._update_view(keep)

    def set_palette(self, palette: StatusPalette) -> None:
        """Re-colour the status cells after a theme change."""
        self.palette = palette
        self._redraw_all()

    def _resort(self) -> None:
        column, reverse = self.ordering.column, self.ordering.reverse
        if column != self._sort_column:
            self._sortval = {}
            self._sort_column = column
        values, items, sort_value, now = self._sortval, self._items, self.sort_value, self._now()
        # Compare the key sets, not their sizes: one row leaving while another arrives
        # keeps the count and would leave the newcomer without a sort value.
        if values.keys() != items.keys():
            if not values.keys() <= items.keys():
                self._sortval = values = {k: v for k, v in values.items() if k in items}
            values.update(
                {k: sort_value(item, column, now) for k, item in items.items() if k not in values}
            )
        self._order = sorted(items, key=values.__getitem__, reverse=reverse)
        self._aligned.clear()
        self._positions = None

    def _update_view(self, keep: str | None, *, refilter_only: bool = False) -> None:
        before = self._rows
        self._rows, self._positions = self._filtered(narrow=refilter_only)
        self._applied_filter = self.row_filter
        if not self._measured or not refilter_only:
            grown = dict(self._measured)
            self._measure()
            if grown != self._measured:
                self._relayout()
        self.virtual_size = Size(self._content_width(), len(self._rows) + 1)
        self._place_cursor(keep, before)
        self.refresh()
        self._schedule_warm()

    def _place_cursor(self, keep: str | None, before: list[str]) -> None:
        """Keep the cursor on ``keep``; if it left, stay at the same index."""
        rows = self._rows
        found = self._find(keep) if keep is not None else None
        old_index = self._cursor_index
        if not rows:
            self._cursor_key, self._cursor_index = None, 0
        elif found is not None:
            self._cursor_key, self._cursor_index = keep, found
        else:
            index = min(max(self._cursor_index, 0), len(rows) - 1) if before else 0
            self._cursor_key, self._cursor_index = rows[index], index
        # Follow the cursor when its row moved; a view scrolled away by the mouse wheel
        # stays where it is on a poll that moved nothing.
        if self._cursor_index != old_index or int(self.scroll_y) > self.max_scroll_y:
            self._scroll_to_cursor()
        self._announce()

    def _find(self, key: str) -> int | None:
        """Display index of ``key`` (the cursor's old index first: usually right)."""
        rows, index = self._rows, self._cursor_index
        if 0 <= index < len(rows) and rows[index] == key:
            return index
        try:
            return rows.index(key)
        except ValueError:
            return None

    def _announce(self) -> None:
        key = self.cursor_key
        if key != self._announced:
            self._announced = key
            self.post_message(self.RowHighlighted(self, key))

    # --- filtering ---------------------------------------------------------------------------
    def _fields_of(self, key: str) -> FieldRow:
        fields = self._fieldmap.get(key)
        if fields is None:
            fields = self._fieldmap[key] = self._field_row(self._items[key])
        return fields

    def _field_row(self, item: T) -> FieldRow:
        return field_row(self.filter_fields(item), self._field_names)

    def _prepare(self, key: str) -> None:
        """Lower-cased filter text of one item (all its fields joined)."""
        self._hay[key] = "\x1f".join(self._fields_of(key)[1:]).lower()

    def _aligned_values(self, column: str | None) -> list[str]:
        """Lower-cased filter text of every key, in sort order (built once per sort)."""
        name = column or ""
        aligned = self._aligned.get(name)
        if aligned is None:
            order, hay = self._order, self._hay
            for key in [k for k in order if k not in hay]:
                self._prepare(key)
            if column is None:
                aligned = [hay[k] for k in order]
            else:
                fields = self._fieldmap
                aligned = lowered(row_value(fields[k], column) for k in order)
            self._aligned[name] = aligned
        return aligned

    def _filtered(self, *, narrow: bool) -> tuple[list[str], list[int] | None]:
        """The sorted keys that pass the filter, and their positions in the sort order.

        While typing on (``fail`` -> ``faile``) only the rows already shown are searched.
        """
        row_filter = self.row_filter
        order = self._order
        if not row_filter.active:
            return order, None
        previous = self._positions
        if not (narrow and previous is not None and _narrows(self._applied_filter, row_filter)):
            previous = None
        if row_filter.pattern is not None:
            matches, fields_of = row_filter.matches_row, self._fields_of
            candidates = range(len(order)) if previous is None else previous
            positions = [i for i in candidates if matches(fields_of(order[i]))]
        else:
            needle, inverted = row_filter.needle, row_filter.inverted
            texts = self._aligned_values(row_filter.column)
            if previous is not None:
                positions = [i for i in previous if needle in texts[i]]
            elif inverted:
                positions = [i for i, text in enumerate(texts) if needle not in text]
            else:
                positions = [i for i, text in enumerate(texts) if needle in text]
        if len(positions) == len(order):
            return order, positions
        return [order[i] for i in positions], positions

    def _schedule_warm(self) -> None:
        """Prepare the filter text of new items a chunk at a time while idle.

        The first keystroke of a filter would otherwise pay for every item at once
        (~0.2 s for 100,000 jobs): first each item's text, then the lists in sort order
        (all fields, and one per filter column), one list per step.
        """
        if self._warming or not self.is_attached or not self._items:
            return
        if len(self._hay) < len(self._items) or self._unaligned():
            self._warming = True
            self._warm_keys = iter(list(self._items))
            self.set_timer(0.005, self._warm_step)

    def _unaligned(self) -> list[str | None]:
        """Filter columns (None: all of them) whose sorted list is not built yet."""
        some = next(iter(self._fieldmap.values()), None)
        columns: list[str | None] = [None, *(some[0] if some else ())]
        return [c for c in columns if (c or "") not in self._aligned]

    def _warm_step(self) -> None:
        hay, items, fieldmap = self._hay, self._items, self._fieldmap
        make_row = self._field_row
        done = 0
        for key in self._warm_keys:
            if key not in hay and key in items:
                fields = fieldmap.get(key)
                if fields is None:
                    fields = fieldmap[key] = make_row(items[key])
                hay[key] = "\x1f".join(fields[1:]).lower()
                done += 1
                if done >= WARM_CHUNK:
                    self.set_timer(0.005, self._warm_step)
                    return
        if len(hay) < len(items):
            self._warm_keys = iter(list(items))  # items arrived meanwhile
            self.set_timer(0.005, self._warm_step)
            return
        if len(hay) > len(items):
            for gone in [k for k in hay if k not in items]:
                self._forget(gone)
        missing = self._unaligned()
        if missing:
            self._aligned_values(missing[0])
            self.set_timer(0.005, self._warm_step)
            return
        self._warming = False

    # --- cursor and keys ------------------------------------------------------------------
    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Highlight the row at display index ``row`` (clamped), scrolling it into view."""
        if not self._rows:
            return
        index = min(max(row, 0), len(self._rows) - 1)
        old = self._cursor_index
        self._cursor_key, self._cursor_index = self._rows[index], index
        if self._scroll_to_cursor():
            self.refresh()
        else:
            self.refresh_lines(old + 1)
            self.refresh_lines(index + 1)
        self._announce()

    @property
    def page_rows(self) -> int:
        """Rows on one screen (the header excluded)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> bool:
        """Scroll the least that shows the cursor's row; True if it scrolled."""
        if not self._rows:
            return False
        top = int(self.scroll_y)
        page = self.page_rows
        index = self._cursor_index
        target = top
        if index < top:
            target = index
        elif index >= top + page:
            target = index - page + 1
        target = max(0, min(target, len(self._rows) + 1 - (page + 1)))
        if target != top:
            self.set_scroll(None, target)
            return True
        return False

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor_index - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor_index + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor_index - self.page_rows)

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor_index + self.page_rows)

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        """A click highlights a row; a click on the highlighted row opens it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = int(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self._rows):
            if index == self._cursor_index:
                self.action_select_cursor()
            else:
                self.move_cursor(row=index)

    # --- for subclasses whose rows or columns change outside sync ---------------------------
    def redraw_rows(self, keys: Iterable[str]) -> None:
        """Draw these rows again (their look changed, e.g. a mark, but not their item)."""
        wanted = set(keys)
        self._strips = {k: v for k, v in self._strips.items() if k[0] not in wanted}
        self.refresh()

    def columns_changed(self) -> None:
        """``COLUMNS`` was replaced (a table whose columns the operator picks): measure,
        fit and sort afresh, and redraw."""
        self._measured.clear()
        self._sortval.clear()
        self._fieldmap.clear()
        self._field_names.clear()
        self._hay.clear()
        self._aligned.clear()
        self._sort_column = ""
        self._layout = None
        if self.is_mounted:
            self._measure()
            self._relayout()
        self.sync()

    # --- rendering ---------------------------------------------------------------------
    def _redraw_all(self) -> None:
        self._generation += 1
        self._strips.clear()
        self.refresh()

    def render_lines(self, crop: Any) -> list[Strip]:
        # Row styles follow focus and theme: read them once per frame (``rich_style``
        # walks the DOM: ~0.5 ms a call, too slow to ask per line).
        get = self.get_component_styles
        base = self._base_style = self.rich_style
        self._row_styles = {
            kind: base + get(f"keyed-table--{kind}").rich_style
            for kind in ("header", "even-row", "odd-row", "cursor")
        }
        self._style_key = (self.has_focus, self.app.theme, tuple(self._row_styles.values()))
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._content_width()
        layout = self._layout
        if layout is None:
            return Strip.blank(width, self._base_style)
        if y == 0:
            return self._header_strip(layout, width)
        index = int(self.scroll_y) + y - 1
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, self._base_style)
        key = self._rows[index]
        item = self._items[key]
        kind = "cursor" if index == self._cursor_index else ("odd-row" if index % 2 else "even-row")
        cache_key = (key, kind, width, self._generation, self._style_key)
        hit = self._strips.get(cache_key)
        if hit is not None and hit[0] is item:
            return hit[1]
        strip = self._row_strip(key, item, kind, layout, width)
        if len(self._strips) >= STRIP_CACHE_LIMIT:
            self._strips.clear()
        self._strips[cache_key] = (item, strip)
        return strip

    def _header_strip(self, layout: Layout, width: int) -> Strip:
        style = self._row_styles["header"]
        # Picked columns share a prefix ("m:validation:"): it goes first when labels are cut.
        shared = common_prefix(c.label for c in layout.columns if c.shrink_label)
        text = "".join(
            f" {fit_cell(c.label, w, shared if c.shrink_label else '')} "
            for c, w in zip(layout.columns, layout.widths, strict=True)
        )
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _row_strip(self, key: str, item: T, kind: str, layout: Layout, width: int) -> Strip:
        self.rows_rendered += 1
        self.rendered_keys.add(key)
        values = self.cell_values(item, self._now())
        base = self._row_styles[kind]
        cursor = kind == "cursor"
        segments: list[Segment] = []
        plain: list[str] = []
        for column, cell_width in zip(layout.columns, layout.widths, strict=True):
            prefix = self._prefixes.get(column.key, "")
            text = f" {fit_cell(values[column.key], cell_width, prefix)} "
            role = self.cell_role(item, column.key, values[column.key])
            role_style = self.palette.styles.get(role) if role else None
            if role_style is None or cursor:
                plain.append(text)
                continue
            if plain:
                segments.append(Segment("".join(plain), base))
                plain = []
            segments.append(Segment(text, base + role_style))
        if plain:
            segments.append(Segment("".join(plain), base))
        return Strip(segments).adjust_cell_length(width, base)


def _fit_leftover(
    columns: tuple[TableColumn, ...], widths: list[int], floors: list[int], available: int
) -> tuple[tuple[TableColumn, ...], list[int], list[int], int]:
    """Give each ``min_leftover`` column what the others leave at their widths (never
    more than its own), or leave it out (its padding back to the others) when that is
    less than its minimum (or its content, if shorter): such a column never takes a cell
    from the names."""
    kept = list(range(len(columns)))
    for i in reversed(range(len(columns))):
        column = columns[i]
        if not column.min_leftover:
            continue
        others = sum(widths[j] for j in kept if j != i)
        left = available - others
        if left >= min(column.min_leftover, widths[i]):
            widths[i] = min(widths[i], left)
        else:
            kept.remove(i)
            available += CELL_PADDING
    if len(kept) == len(columns):
        return columns, widths, floors, available
    return (
        tuple(columns[i] for i in kept),
        [widths[i] for i in kept],
        [floors[i] for i in kept],
        available,
    )


@dataclass
class _Bulk:
    """What one large sync adopted (see :func:`_bulk`)."""

    adopted: int = 0


# New items adopted by large syncs since the heap was last frozen (see _bulk).
_unfrozen = _Bulk()


@contextmanager
def _bulk(count: int) -> Iterator[_Bulk]:
    """Pause the cyclic GC while a large snapshot is adopted; freeze the heap once
    large syncs have brought many new objects.

    A snapshot of 100,000 jobs is a few hundred thousand long-lived objects; each full
    collection walks all of them (30-130 ms here), which lands on keystrokes. Records
    hold no reference cycles, so refcounting frees them when they go; frozen objects are
    simply left out of later collections.

    The heap is frozen only once :data:`BULK_ITEMS` new items have come (a first
    listing, a burst of changes): a poll that repeats the last snapshot keeps the
    objects already held, and brings nothing worth keeping out of the walks. Frozen, a
    dead reference cycle is never freed, and some of what is alive at a freeze is dead
    a moment later (the poll's finished worker, which its thread keeps until it runs
    another; lines Textual drew). With a freeze at every poll of 100,000 jobs the
    console grew ~2 MB per poll, a collection before each freeze notwithstanding
    (``bench/memory.py --polls``); the collection itself cost the walk of every object
    not frozen yet, the new snapshot's included: ~60 ms more CPU to open a table of
    100,000 rows (bench/table_scale.py, issue 21). A worker keeps nothing big once it
    has run either: ``screens.kit.work`` lets go of its call, ``screens.kit.poller.Answer``
    of a poll's value.
    """
    bulk = _Bulk()
    if count < BULK_ITEMS:
        yield bulk
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield bulk
    finally:
        if enabled:
            gc.enable()
        _unfrozen.adopted += bulk.adopted
        if _unfrozen.adopted >= BULK_ITEMS:
            _unfrozen.adopted = 0
            gc.freeze()


def _narrows(previous: RowFilter, current: RowFilter) -> bool:
    """True if every row passing ``current`` passes ``previous`` (typing on)."""
    return (
        previous.active
        and previous.pattern is None
        and current.pattern is None
        and not previous.inverted
        and not current.inverted
        and previous.column == current.column
        and previous.needle in current.needle
    )


def _compact_width(column: TableColumn) -> int:
    """A column's width on narrow screens: never narrower than its label (unless the
    label may be cut)."""
    if column.shrink_label:
        return column.compact_width or len(column.label)
    return max(column.compact_width or 0, len(column.label))


def epoch() -> datetime:
    """Sorts before any real time (for items without one)."""
    return datetime.min.replace(tzinfo=UTC)
