"""One key, one meaning (issue 15): no tab binds a shared key to something else.

Walks every binding owner of every tab (the registry walk of
:mod:`screens.binding_owners`) against :mod:`screens.kit.vocabulary`.
"""

from __future__ import annotations

from textual.binding import Binding

from screens.binding_owners import BINDING_OWNERS, _normal_keys
from screens.kit.vocabulary import SHARED_KEYS, VOCABULARY


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
