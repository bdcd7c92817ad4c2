"""One key, one meaning (issue 15): no tab binds a shared key to something else.

Walks every binding owner of every tab (the registry walk of
:mod:`screens.binding_owners`) against :mod:`screens.kit.vocabulary`.
"""

from __future__ import annotations

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


def tab_key_conflicts() -> list[str]:
    found = []
    for where, owner in BINDING_OWNERS:
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
            action = binding.action.split("(")[0].rpartition(".")[2]
            for key in _normal_keys(binding.key):
                meant = TAB_KEYS.get(key)
                if meant is None or action in meant.actions:
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


def test_readme_lists_the_tab_keys() -> None:
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text("utf-8")
    for key in TAB_VOCABULARY:
        assert f"| `{key.shown}` | {key.meaning} |" in readme
