"""The shared key vocabulary: the keys that mean one thing on every tab and screen.

An operator learns these once; a tab may leave a shared key unbound, but never binds it to
something else (``tests/tui/test_vocabulary.py`` walks every binding of every tab, through
:mod:`screens.binding_owners`, against this table). The README lists it from here.
Actions are named without their namespace (``app.quit`` -> ``quit``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SharedKey:
    """One shared key: how it is written, what it means, the actions that mean that."""

    key: str  # Textual's key name
    shown: str  # as the README and help write it
    meaning: str
    actions: frozenset[str]


def _key(key: str, shown: str, meaning: str, *actions: str) -> SharedKey:
    return SharedKey(key, shown, meaning, frozenset(actions))


VOCABULARY: tuple[SharedKey, ...] = (
    _key(
        "enter",
        "enter",
        "open the highlighted item (in a viewer: close it)",
        "select_cursor",
        "close",
    ),
    _key("slash", "/", "filter the rows (in a log: search)", "filter", "search"),
    _key(
        "escape",
        "esc",
        "back / cancel; on a filtered table, clear the filter",
        "back",
        "cancel",
        "close",
        "clear_filter",
    ),
    _key("space", "space", "mark the highlighted row", "mark", "toggle_mark"),
    _key("l", "l", "logs of the highlighted item", "logs"),
    _key("d", "d", "describe the highlighted item", "describe"),
    _key("r", "r", "refresh now", "refresh", "reload"),
    _key("s", "s", "next sort column (S reverses)", "sort"),
    _key(
        "ctrl+k", "ctrl+k", "stop / cancel the highlighted item (asks first)", "stop", "cancel_job"
    ),
    _key("ctrl+d", "ctrl+d", "delete the highlighted item (asks first)", "delete"),
    _key("y", "y", "yes, in a confirm dialog", "confirm"),
    _key("question_mark", "?", "help: the keys of where you are", "help", "close"),
    _key(
        "exclamation_mark", "!", "the alerts fired so far (newest first)", "notifications", "close"
    ),
)

SHARED_KEYS: dict[str, SharedKey] = {shared.key: shared for shared in VOCABULARY}

# Tab keys: not every tab has them, but where one is bound it means this (issue 15:
# `a` was approve / set alias / apply columns, `x` reject / export, `f` follow / MLflow
# filter, `t` start / timestamps). Export is `ctrl+s` (save, as in the log view), the
# MLflow filter `F`, log timestamps `T`, and a picker applies with `ctrl+s`. `c` was also
# columns / clusters and `n` new / nodes / none: MLflow columns are `|`, a new training
# job `ctrl+n`, HyperPod's panes `L` clusters and `I` nodes, the column picker clears
# with `-`.
TAB_VOCABULARY: tuple[SharedKey, ...] = (
    _key("a", "a", "approve / promote the highlighted version (asks first)", "approve", "alias"),
    _key("x", "x", "reject the highlighted version (asks first)", "reject"),
    _key("f", "f", "follow a log (new lines as they come)", "toggle_follow"),
    _key("t", "t", "start the highlighted item (asks first)", "start"),
    _key("c", "c", "copy (a URL, a message) to the clipboard", "copy"),
    _key(
        "n", "n", "next search match (N: previous); no, in a confirm dialog", "next_match", "cancel"
    ),
    # The last two keys with two meanings (issue 15): `L` was the MLflow chart's log scale
    # and HyperPod's clusters pane, `N` HyperPod's nodes pane and a log's previous match.
    # As in less and vim, `N` pairs with `n`; HyperPod keeps `L` for its clusters and takes
    # `I` (instances) for its nodes; the chart's log scale is `Y` (its y axis). An action
    # with arguments is matched whole (``pane('clusters')``), so another pane on `L` fails.
    _key("N", "N", "previous search match", "previous_match"),
    _key("L", "L", "HyperPod: the clusters pane", "pane('clusters')"),
    _key("I", "I", "HyperPod: the nodes (instances) pane", "pane('nodes')"),
    _key("Y", "Y", "a chart's y axis: linear / log scale", "log_scale"),
    # HyperPod's "all" (everyone's jobs, every node's events) was `a` and `x`, approve and
    # reject elsewhere (issue 15 walkthrough): `A`, All.
    _key(
        "A",
        "A",
        "HyperPod: all (every user's jobs, every node's events)",
        "toggle_all",
        "all_nodes",
    ),
)

TAB_KEYS: dict[str, SharedKey] = {key.key: key for key in TAB_VOCABULARY}

# Bindings not yet following the tab keys, by binding id. Empty since HyperPod's
# mine/all and every-node keys moved from `a`/`x` to `A`; stays empty.
TAB_KEY_EXCEPTIONS: frozenset[str] = frozenset()
