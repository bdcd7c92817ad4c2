"""Keyed tables: rows updated in place by key, so cursor, sort and filter survive polls.

A refresh never clears the table. Each row is keyed by its resource (``kind:name`` for
jobs, the name for endpoints and notebooks); on each snapshot only the rows that
appeared, disappeared or whose shown text changed are touched (``add_row``,
``remove_row``, ``update_cell``), inside one ``batch_update``. The cursor follows its row
by key, not by index, so a new item arriving above it does not move the selection.

:class:`KeyedTable` holds that machinery once; a view's table subclasses it, declares its
:class:`TableColumn`\\ s and says how one item looks, filters and sorts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from screens.formatting import StatusPalette
from screens.row_filter import RowFilter

T = TypeVar("T")

STATUS_COLUMN = "status"
# Cells of padding DataTable adds per column, and the vertical scrollbar's width.
CELL_PADDING = 2
SCROLLBAR_WIDTH = 2


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


class RowText(Text):
    """A cell that knows its row's key.

    DataTable's ``sort(key=...)`` only hands the key function the cells, never the row
    key; carrying the key in the first cell lets the sort look the item up by key.
    """

    __slots__ = ("row_key",)

    def __init__(self, text: Text, row_key: str) -> None:
        super().__init__(text.plain, style=text.style, no_wrap=True, overflow="ellipsis", end="")
        self.row_key = row_key


class KeyedTable(DataTable[Any], Generic[T]):
    """Rows of ``T`` keyed by :meth:`key_of`; subclasses describe columns and cells."""

    COLUMNS: ClassVar[tuple[TableColumn, ...]] = ()
    DEFAULT_SORT: ClassVar[str] = "name"
    # Below this width the table uses compact cells and hides some columns.
    COMPACT_WIDTH: ClassVar[int] = 90
    MIN_FLEX_WIDTH: ClassVar[int] = 16

    def __init__(
        self,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._now = now
        self._items: dict[str, T] = {}
        self._shown: dict[str, tuple[str, ...]] = {}
        self._columns: tuple[str, ...] = ()
        self._layout: tuple[bool, int | None] | None = None
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
        return len(self._shown)

    def shown_keys(self) -> list[str]:
        """Row keys in display order."""
        return [str(row.key.value) for row in self.ordered_rows]

    def cursor_item(self) -> T | None:
        if not self._shown or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key
        except Exception:
            return None
        return self._items.get(str(key.value))

    # --- layout ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._apply_layout(self._layout_for(self.size.width or 80))

    def on_resize(self) -> None:
        layout = self._layout_for(self.size.width)
        if layout != self._layout:
            self._apply_layout(layout)

    def _layout_for(self, width: int) -> tuple[bool, int | None]:
        if width >= self.COMPACT_WIDTH:
            return (False, None)
        shown = [c for c in self.COLUMNS if not c.hide_when_compact]
        fixed = sum(_compact_width(c) for c in shown if not c.flex)
        fixed += CELL_PADDING * len(shown) + SCROLLBAR_WIDTH
        return (True, max(self.MIN_FLEX_WIDTH, width - fixed))

    @property
    def compact(self) -> bool:
        return bool(self._layout and self._layout[0])

    def _apply_layout(self, layout: tuple[bool, int | None]) -> None:
        cursor = self.cursor_item()
        self._layout = layout
        compact, flex_width = layout
        self.clear(columns=True)
        self._shown.clear()
        columns = [c for c in self.COLUMNS if not (compact and c.hide_when_compact)]
        self._columns = tuple(c.key for c in columns)
        for column in columns:
            # Narrow: every column has a fixed width (long values end in "…"), so the
            # row always fits; wide: columns size to their content.
            width = flex_width if column.flex else (_compact_width(column) if compact else None)
            self.add_column(column.label, key=column.key, width=width or None)
        self.sync(keep=self.key_of(cursor) if cursor is not None else None)

    # --- rows --------------------------------------------------------------------------------
    def _cells(self, key: str, item: T, now: datetime) -> tuple[tuple[str, ...], list[Text]]:
        values = self.cell_values(item, now)
        plain = tuple(values[column] for column in self._columns)
        cells: list[Text] = [
            RowText(
                self.palette.text(values[column])
                if column == STATUS_COLUMN
                else Text(values[column]),
                key,
            )
            for column in self._columns
        ]
        return plain, cells

    def sync(self, items: Iterable[T] | None = None, *, keep: str | None = None) -> None:
        """Make the rows match ``items`` (or the items already known) under filter and sort."""
        if items is not None:
            self._items = {self.key_of(item): item for item in items}
        if not self._columns:
            return
        keep = keep or self._cursor_key()
        now = self._now()
        row_filter = self.row_filter
        wanted = [
            k for k, item in self._items.items() if row_filter.matches(self.filter_fields(item))
        ]
        wanted_set = set(wanted)
        resort = False
        with self.app.batch_update():
            for key in [k for k in self._shown if k not in wanted_set]:
                self.remove_row(key)
                del self._shown[key]
            for key in wanted:
                plain, cells = self._cells(key, self._items[key], now)
                old = self._shown.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                    resort = True
                elif old != plain:
                    for index, column in enumerate(self._columns):
                        if old[index] != plain[index]:
                            self.update_cell(key, column, cells[index], update_width=True)
                            resort = resort or column == self.ordering.column
                self._shown[key] = plain
            if resort:
                self._sort()
            self._restore_cursor(keep)

    def set_filter(self, row_filter: RowFilter) -> None:
        self.row_filter = row_filter
        self.sync()

    def set_sort(self, order: SortOrder) -> None:
        self.ordering = order
        keep = self._cursor_key()
        self._sort()
        self._restore_cursor(keep)

    def set_palette(self, palette: StatusPalette) -> None:
        """Re-colour the status cells after a theme change."""
        self.palette = palette
        if STATUS_COLUMN not in self._columns:
            return
        now = self._now()
        with self.app.batch_update():
            for key in self._shown:
                status = self.cell_values(self._items[key], now)[STATUS_COLUMN]
                self.update_cell(key, STATUS_COLUMN, RowText(palette.text(status), key))

    # --- sorting and cursor ---------------------------------------------------------------
    def _sort(self) -> None:
        if not self._shown:
            return
        column = self.ordering.column
        items = self._items
        now = self._now()

        def sort_key(cell: RowText) -> tuple[Any, ...]:
            return self.sort_value(items[cell.row_key], column, now)

        self.sort(self._columns[0], key=sort_key, reverse=self.ordering.reverse)

    def _cursor_key(self) -> str | None:
        item = self.cursor_item()
        return self.key_of(item) if item is not None else None

    def _restore_cursor(self, key: str | None) -> None:
        if key is None or key not in self._shown:
            return
        index = self.get_row_index(key)
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)


def _compact_width(column: TableColumn) -> int:
    """A column's width on narrow screens: never narrower than its label."""
    return max(column.compact_width or 0, len(column.label))


def epoch() -> datetime:
    """Sorts before any real time (for items without one)."""
    return datetime.min.replace(tzinfo=UTC)
