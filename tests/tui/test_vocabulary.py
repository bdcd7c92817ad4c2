"""One key, one meaning (issue 15): no tab binds a shared key to something else.

Walks every binding owner of every tab (the registry walk of
:mod:`screens.binding_owners`) against :mod:`screens.kit.vocabulary`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.binding import Binding

from screens.binding_owners import BINDING_OWNERS, _normal_keys
from screens.kit.vocabulary import (
    SHARED_KEYS,
    TAB_KEY_EXCEPTIONS,
    TAB_KEYS,
    TAB_VOCABULARY,
    VOCABULARY,
)


def conflicts() -> list[str]:
    found = []
    for where, owner in BINDING_OWNERS:
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
            action = binding.action.split("(")[0].rpartition(".")[2]
            for key in _normal_keys(binding.key):
                shared = SHARED_KEYS.get(key)
                if shared is not None and action not in shared.actions:
                    found.append(f"{where}: {shared.shown} -> {action} ({binding.id})")
    return found


def test_no_tab_binds_a_shared_key_to_something_else() -> None:
    assert conflicts() == []


def test_the_walk_sees_every_tab_and_the_shared_keys() -> None:
    wheres = {where for where, _owner in BINDING_OWNERS}
    assert {"Everywhere", "Jobs", "Endpoints", "Registry", "Notebooks"} <= wheres
    used = {
        key
        for _where, owner in BINDING_OWNERS
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", []))
        for key in _normal_keys(binding.key)
    }
    # Every shared key but d (no tab describes with d yet) is in use somewhere.
    assert {shared.key for shared in VOCABULARY} - used == {"d"}


def test_readme_lists_the_vocabulary() -> None:
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text("utf-8")
    for shared in VOCABULARY:
        assert f"| `{shared.shown}` | {shared.meaning} |" in readme


def _whole(action: str) -> str:
    """``app.pane('nodes')`` -> ``pane('nodes')``: the action without its namespace."""
    name, paren, args = action.partition("(")
    return f"{name.rpartition('.')[2]}{paren}{args}"


def _actions(action: str) -> set[str]:
    """``app.pane('nodes')`` -> ``{"pane", "pane('nodes')"}``: a listed key may name either."""
    whole = _whole(action)
    return {whole.partition("(")[0], whole}


def tab_key_conflicts(owners: Iterable[tuple[str, type[Any]]] = BINDING_OWNERS) -> list[str]:
    found = []
    for where, owner in owners:
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
            actions, action = _actions(binding.action), _whole(binding.action)
            for key in _normal_keys(binding.key):
                meant = TAB_KEYS.get(key)
                if meant is None or actions & meant.actions:
                    continue
                if binding.id not in TAB_KEY_EXCEPTIONS:
                    found.append(f"{where}: {meant.shown} -> {action} ({binding.id})")
    return found


def test_tab_keys_mean_one_thing_wherever_they_are_bound() -> None:
    """`a` approve/promote, `x` reject, `f` follow, `t` start (issue 15)."""
    assert tab_key_conflicts() == []


def test_the_tab_key_exceptions_are_still_needed() -> None:
    """An exception whose binding now follows the vocabulary (or is gone) is removed."""
    ids = {
        binding.id
        for _where, owner in BINDING_OWNERS
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", []))
        if any(key in TAB_KEYS for key in _normal_keys(binding.key))
    }
    assert ids >= TAB_KEY_EXCEPTIONS


def test_no_tab_key_has_a_second_meaning_left() -> None:
    """Issue 15 walkthrough: HyperPod's `a` mine/all and `x` every node were the last
    exceptions (approve and reject elsewhere); they are `A` now, and none is left."""
    assert not TAB_KEY_EXCEPTIONS
    bound = {
        _whole(binding.action)
        for _where, owner in BINDING_OWNERS
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", []))
        if "A" in _normal_keys(binding.key)
    }
    assert bound == {"toggle_all", "all_nodes"}


def test_readme_lists_the_tab_keys() -> None:
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text("utf-8")
    for key in TAB_VOCABULARY:
        assert f"| `{key.shown}` | {key.meaning} |" in readme


def test_the_last_two_doubled_keys_mean_one_thing() -> None:
    """`N` is a log's previous match (with `n`), `L` HyperPod's clusters, `I` its nodes,
    `Y` a chart's log scale: before, `L` and `N` each had two meanings (issue 15)."""
    meanings = {
        key: {
            action
            for _where, owner in BINDING_OWNERS
            for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", []))
            if key in _normal_keys(binding.key)
            for action in _actions(binding.action)
            if action in TAB_KEYS[key].actions
        }
        for key in ("N", "L", "I", "Y")
    }
    assert meanings == {
        "N": {"previous_match"},
        "L": {"pane('clusters')"},
        "I": {"pane('nodes')"},
        "Y": {"log_scale"},
    }


def test_a_second_meaning_for_a_listed_key_is_caught() -> None:
    """The walk fails when a tab binds a listed key again, to another action or pane."""

    class Doubled:
        BINDINGS = [
            Binding("N", "pane('nodes')", "Nodes", id="doubled.nodes"),
            Binding("L", "log_scale", "Log scale", id="doubled.log_scale"),
            Binding("I", "pane('queue')", "Queue", id="doubled.queue"),
            Binding("l", "logs", "Logs", id="doubled.logs"),
        ]

    assert tab_key_conflicts([("Doubled", Doubled)]) == [
        "Doubled: N -> pane('nodes') (doubled.nodes)",
        "Doubled: L -> log_scale (doubled.log_scale)",
        "Doubled: I -> pane('queue') (doubled.queue)",
    ]
