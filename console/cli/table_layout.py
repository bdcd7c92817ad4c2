"""Column widths and cell wrapping for CLI tables: words are never cut.

rich's table folds a cell that is narrower than a word (``PendingManualAp``/``proval``)
and folds an ECR URI mid-string, which breaks copy-paste. Here a column is never
narrower than its longest word; cells wrap only at spaces. When even that does not fit
the terminal, the table is drawn wider and the terminal soft-wraps the line (copying
it still gives the whole value).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

GAP = 2  # spaces between columns


def longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def column_widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], available: int
) -> list[int]:
    """Each column's width: its widest cell when everything fits in ``available``;
    otherwise the widest columns give way first, never below their longest word."""
    columns = list(zip(headers, *rows, strict=False)) if rows else [(h,) for h in headers]
    natural = [max(len(cell) for cell in column) for column in columns]
    floor = [max(longest_word(cell) for cell in column) for column in columns]
    widths = list(natural)
    room = available - GAP * (len(widths) - 1)
    while sum(widths) > room:
        # Shrink the column with the most slack above its floor, one character at a time.
        slack = [w - f for w, f in zip(widths, floor, strict=True)]
        index = max(range(len(widths)), key=lambda i: (slack[i], widths[i]))
        if slack[index] <= 0:
            break  # every column is at its longest word: draw the table wider
        widths[index] -= 1
    return widths


def wrap_cell(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` (longer words stay whole on their line)."""
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [text]


def layout(
    headers: Sequence[str], rows: Sequence[Sequence[str]], available: int
) -> tuple[list[int], list[list[list[str]]]]:
    """Widths, and each row as a list of cells, each cell as its lines."""
    widths = column_widths(headers, rows, available)
    wrapped = [
        [wrap_cell(cell, width) for cell, width in zip(row, widths, strict=True)] for row in rows
    ]
    return widths, wrapped
