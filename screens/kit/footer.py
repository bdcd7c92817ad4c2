"""The footer every screen shows: the keys that matter first, and "? more" when some
do not fit.

Textual's footer lays every shown binding out in order and cuts what passes the right
edge: at 80 columns the Endpoints tab lost ``r`` and ``?``, modal forms their ``ctrl+s``.
This one ranks the bindings (finishing and leaving a screen, then the shared vocabulary of
:mod:`screens.kit.vocabulary`, then the rest, each in declaration order), keeps what fits
the width, shows them in their usual order, and ends with ``? more`` (in place of ``? Help``)
when it left any out: help lists them all.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from screens.kit.vocabulary import SHARED_KEYS

# Actions that finish or leave what is on screen, and the everyday filter and refresh:
# shown first when bound.
ESSENTIAL_ACTIONS = frozenset(
    {
        "help",
        "back_or_quit",
        "quit",
        "close",
        "cancel",
        "create",
        "submit",
        "apply",
        "save",
        "filter",
        "refresh",
    }
)
MORE = ("?", "more")
# A key's cells: " key " and "desc " (Textual's non-compact footer key).
PADDING = 3


def width_of(key_display: str, description: str) -> int:
    return len(key_display) + len(description) + PADDING


def rank(binding: Binding) -> int:
    """0: finishes or leaves the screen, filter, refresh; 1: a shared key; 2: the rest."""
    action = binding.action.split("(")[0].rpartition(".")[2]
    if action in ESSENTIAL_ACTIONS or "ctrl+s" in binding.key:
        return 0
    keys = {key.strip() for key in binding.key.split(",")}
    return 1 if keys & SHARED_KEYS.keys() else 2


def fit(items: list[tuple[int, int]], width: int) -> set[int]:
    """Indices of the items kept: ``items`` are ``(rank, width)``; the best ranks first,
    then declaration order, while they fit in ``width`` (room for "? more" kept when not
    all fit)."""
    total = sum(cells for _rank, cells in items)
    if total <= width:
        return set(range(len(items)))
    room = width - width_of(*MORE)
    kept: set[int] = set()
    for index in sorted(range(len(items)), key=lambda i: (items[i][0], i)):
        cells = items[index][1]
        if cells <= room:
            kept.add(index)
            room -= cells
    return kept


class ConsoleFooter(Footer):
    """The footer of every screen (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        first: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in first:
                first[binding.action] = (binding, enabled, tooltip)
        shown = list(first.values())
        displays = [self.app.get_key_display(binding) for binding, _e, _t in shown]
        items = [
            (rank(binding), width_of(display, binding.description))
            for (binding, _e, _t), display in zip(shown, displays, strict=True)
        ]
        width = self.size.width or self.app.size.width
        kept = fit(items, width)
        more = len(kept) < len(shown)
        if more:
            # "? more" is the help key: it stands in for "? Help", whose room goes to others.
            helps = {i for i, (b, _e, _t) in enumerate(shown) if b.action.endswith("help")}
            rest = [(9, width + 1) if i in helps else item for i, item in enumerate(items)]
            kept = fit(rest, width)
        self.styles.grid_size_columns = len(kept) + (1 if more else 0)
        for index, ((binding, enabled, tooltip), display) in enumerate(
            zip(shown, displays, strict=True)
        ):
            if index not in kept:
                continue
            yield FooterKey(
                binding.key,
                display,
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if more:
            yield FooterKey(
                "question_mark", MORE[0], MORE[1], "app.help", classes="-more"
            ).data_bind(compact=Footer.compact)

    def on_resize(self) -> None:
        # What fits depends on the width: lay the keys out again.
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)
