"""Slurm host lists (``ip-10-1-1-[12,31-33]``): expanded, compressed, and fitted to a cell.

Slurm writes a job's nodes as one hostlist expression; a comma-joined list of HyperPod
host names (``ip-10-1-1-12,ip-10-1-1-31``) cut to a table cell reads ``…12,…31-1-13``.
Compressed the way Slurm does it, the shared part is written once and the numbers that
tell nodes apart stay together; when even that does not fit, :func:`fit_hostlist` keeps
the bracketed numbers whole, else says how many nodes there are.

Expanding here is for display only: what acts on nodes asks Slurm
(``scontrol show hostnames``, :meth:`SlurmClient.hostnames`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

ELLIPSIS = "…"
MAX_EXPANDED = 100_000  # a hostlist that stands for more is not expanded (shown as is)
_NUMBERED = re.compile(r"^(.*?)(\d+)$")
_SEPARATORS = "-._"


def _split_top(expression: str) -> Iterator[str]:
    """The comma-separated parts of ``expression``, commas inside brackets kept."""
    depth, start = 0, 0
    for index, char in enumerate(expression):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            yield expression[start:index]
            start = index + 1
    yield expression[start:]


def _ranges(body: str) -> list[str]:
    """``1-3,07`` -> ``1 2 3 07`` (zero padding of a range's start kept)."""
    out: list[str] = []
    for item in body.split(","):
        low, _, high = item.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(f"not a hostlist range: {item!r}")
        if not high:
            out.append(low)
            continue
        width = len(low) if low.startswith("0") else 0
        first, last = int(low), int(high)
        if last < first or len(out) + last - first >= MAX_EXPANDED:
            raise ValueError(f"range too large or reversed: {item!r}")
        out += [str(n).zfill(width) for n in range(first, last + 1)]
    return out


def _expand_part(part: str) -> list[str]:
    opened = part.find("[")
    if opened < 0:
        return [part] if part else []
    closed = part.find("]", opened)
    if closed < 0:
        raise ValueError(f"unclosed bracket in {part!r}")
    head, body, rest = part[:opened], part[opened + 1 : closed], part[closed + 1 :]
    tails = _expand_part(rest) if rest else [""]
    return [f"{head}{n}{tail}" for n in _ranges(body) for tail in tails]


def expand(expression: str) -> list[str]:
    """Every host name of a hostlist expression, in order; [] for an empty one.

    Raises ValueError on what is not a hostlist (unbalanced brackets, letters in a range).
    """
    names: list[str] = []
    for part in _split_top(expression.strip()):
        names += _expand_part(part.strip())
        if len(names) > MAX_EXPANDED:
            raise ValueError("hostlist too large")
    return names


def _runs(numbers: list[tuple[int, str]]) -> list[str]:
    """Sorted numbers as ``12-14,31`` runs (each number as written: padding kept)."""
    runs: list[str] = []
    start = prev = numbers[0]
    for current in numbers[1:]:
        if current[0] == prev[0] + 1:
            prev = current
            continue
        runs.append(start[1] if start == prev else f"{start[1]}-{prev[1]}")
        start = prev = current
    runs.append(start[1] if start == prev else f"{start[1]}-{prev[1]}")
    return runs


def compress(names: Iterable[str]) -> str:
    """Host names as one hostlist expression, the way Slurm writes them
    (``ip-10-1-1-[12-13,31]``); names without a trailing number are kept as they are.
    Groups appear in the order of their first name; numbers within a group sorted."""
    # A group: one prefix and one zero-padded width (0: not padded), so that every number
    # in it is written one way and ``n09``/``n9`` never merge.
    unique = list(dict.fromkeys(names))
    matches = [_NUMBERED.match(name) for name in unique]
    padded = {  # (prefix, width) of every zero-padded number: node09 -> (node, 2)
        (m.group(1), len(m.group(2)))
        for m in matches
        if m is not None and m.group(2)[0] == "0" and len(m.group(2)) > 1
    }
    groups: dict[tuple[str, int], dict[int, str]] = {}
    order: list[tuple[str, int]] = []
    for name, match in zip(unique, matches, strict=True):
        if match is None:
            key = (name, -1)
        else:
            prefix, digits = match.group(1), match.group(2)
            key = (prefix, len(digits)) if (prefix, len(digits)) in padded else (prefix, 0)
        if key not in groups:
            groups[key] = {}
            order.append(key)
        if match is not None:
            groups[key][int(match.group(2))] = match.group(2)
    parts = []
    for key in order:
        prefix, width = key
        numbers = sorted(groups[key].items())
        if width < 0:
            parts.append(prefix)
        elif len(numbers) == 1:
            parts.append(f"{prefix}{numbers[0][1]}")
        else:
            parts.append(f"{prefix}[{','.join(_runs(numbers))}]")
    return ",".join(parts)


def _tail(text: str, width: int) -> str:
    """The end of ``text`` in ``width`` cells after an ellipsis, starting at a whole
    piece (after a ``-``/``.``) so no cut number is mistaken for a whole one."""
    if width <= 1:
        return ELLIPSIS[:width]
    tail = text[-(width - 1) :]
    cut = len(text) - len(tail)
    if cut and text[cut - 1] not in _SEPARATORS:
        stops = [i for i, c in enumerate(tail) if c in _SEPARATORS or c == "["]
        if stops:
            first = stops[0]
            tail = tail[first + 1 :] if tail[first] != "[" else tail[first:]
    return ELLIPSIS + tail


def fit_hostlist(expression: str, width: int) -> str:
    """A node list in at most ``width`` cells: the compressed hostlist, else its end with
    the bracketed numbers whole (``…1-[12-13]``), else the count (``16 nodes``)."""
    if width <= 0:
        return ""
    try:
        names = expand(expression)
    except ValueError:
        names = []
    if not names:
        return expression if len(expression) <= width else _tail(expression, width)
    full = compress(names)
    if len(full) <= width:
        return full
    if len(names) == 1:
        return _tail(full, width) if width > 1 else ELLIPSIS
    if "," not in full and "[" in full and width > 1:  # one group: keep its numbers whole
        tail = _tail(full, width)
        if "[" in tail:
            return tail
    for count in (f"{len(names)} nodes", f"{len(names)}n", str(len(names))):
        if len(count) <= width:
            return count
    return ELLIPSIS
