"""How the log view names its streams (hosts) in the narrow column left of each line.

Endpoint streams are long (``v2-candidate/i-0abc123def4567890``) and differ at their end;
cut to a fixed 16 cells they all read ``v2-candidate/i-0`` (issue 15). The column grows
with the screen (the whole name at 200 columns); when it cannot hold the names, the part
every stream shares is dropped first, then the middle of what is left, never the end.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, set_cell_size

from screens.kit.formatting import ELLIPSIS, common_prefix

MIN_HOST_WIDTH = 16  # the column's width at most, whatever the screen, at 64 columns or less
HOST_SHARE = 4  # the column takes at most a quarter of the view (50 cells at 200 columns)


def host_column_limit(view_width: int) -> int:
    """The widest the host column may be in a view ``view_width`` cells wide."""
    return max(MIN_HOST_WIDTH, view_width // HOST_SHARE)


def host_labels(hosts: Iterable[str], limit: int) -> dict[str, str]:
    """A label per host in at most ``limit`` cells, keeping what tells the hosts apart:
    whole names when they fit; else without the prefix all share; else cut in the middle."""
    names = sorted({host for host in hosts if host})
    if not names:
        return {}
    if max(cell_len(name) for name in names) <= limit:
        return {name: name for name in names}
    shared = common_prefix(names)
    labels: dict[str, str] = {}
    for name in names:
        rest = name[len(shared) :] if shared else name
        labels[name] = rest if cell_len(rest) <= limit else middle_cut(rest, limit)
    return labels


def middle_cut(name: str, limit: int) -> str:
    """``name`` in ``limit`` cells with ``…`` in its middle; the end weighs more (instance
    ids, ranks and dates differ there). Never read as a number, unlike a table cell."""
    if limit <= 1:
        return ELLIPSIS[:limit]
    room = limit - 1
    head = set_cell_size(name, room // 3)
    tail_cells, start = room - cell_len(head), len(name)
    while start > 0 and cell_len(name[start - 1 :]) <= tail_cells:
        start -= 1
    return head + ELLIPSIS + name[start:]
