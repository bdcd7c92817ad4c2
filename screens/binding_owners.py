"""Which class owns which key bindings, for the help screen and the keymap check.

Nothing here is listed by hand: the owners are found by walking the tabs of
:mod:`screens.tabs` (every module of each tab's package, and of the packages every tab
may open), and where a widget lives (what else is live while it has the focus) is read
from the ``compose``/``make_table`` methods of the classes that build it.

It imports every screen of the console, so it is imported on demand (help, a keymap in
the config), never on the start-up path: the TUI imports a tab's modules when the tab is
first mounted.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from textual.binding import Binding
from textual.keys import _character_to_key

from console.errors import ConfigError
from screens import tabs
from screens.app_keys import AppKeys
from screens.kit.filter_bar import FilterBar
from screens.logs.view import SearchBar
from screens.main import MainScreen

_TEXT_INPUTS = (FilterBar, SearchBar)
# Methods whose calls say what a class is built of (``yield Table(...)``, ``make_table``).
_BUILDERS = ("compose", "make_table")


def _modules(package: str) -> Iterator[ModuleType]:
    """``package`` and each module under it, imported (the package's ``__init__`` first)."""
    root = importlib.import_module(package)
    yield root
    for info in sorted(pkgutil.walk_packages(root.__path__, f"{package}."), key=lambda i: i.name):
        yield importlib.import_module(info.name)


def _packages() -> list[str]:
    """The packages walked, in help order: the tabs', then those every tab may open."""
    found: list[str] = []
    for package in (
        *(spec.package for spec in tabs.TABS),
        *(place.package for place in tabs.PLACES),
        *tabs.SHARED_PACKAGES,
    ):
        if package not in found:
            found.append(package)
    return found


def _owns_bindings(cls: type[Any]) -> bool:
    return bool(cls.__dict__.get("BINDINGS"))


def _class_lines(module: ModuleType) -> dict[str, int]:
    """The line of each class defined at the top of ``module``, from one parse of its
    source: ``inspect.getsourcelines`` parses the whole file again for every class, which
    made the first ``?`` take seconds (8 s on a loaded 2-core machine)."""
    path = getattr(module, "__file__", None)
    tree = ast.parse(Path(path).read_text(encoding="utf-8") if path else "")
    return {node.name: node.lineno for node in tree.body if isinstance(node, ast.ClassDef)}


def _classes() -> list[type[Any]]:
    """Every class defined in the walked packages, tab views first, then source order."""
    views = [spec.view_class() for spec in tabs.TABS]
    found: list[type[Any]] = [AppKeys, MainScreen]
    view_modules = {cls.__module__ for cls in views}
    for package in _packages():
        modules = sorted(_modules(package), key=lambda module: module.__name__ not in view_modules)
        for module in modules:
            members = [
                cls
                for _name, cls in inspect.getmembers(module, inspect.isclass)
                if cls.__module__ == module.__name__
            ]
            lines = _class_lines(module)
            members.sort(key=lambda cls: (cls not in views, lines.get(cls.__name__, 0)))
            found += [cls for cls in members if cls not in found]
    return found


# Names kept whole when a class name is split into words.
_WORDS = {"HyperPod": "HyperPod", "SmExperiments": "SageMaker experiments", "Gpu": "GPU"}


def where(cls: type[Any]) -> str:
    """A class's name as the help screen shows it: ``JobsTable`` -> "Jobs table"."""
    if cls is AppKeys:
        return "Everywhere"
    name = cls.__name__.removesuffix("View") or cls.__name__
    pattern = "|".join([*_WORDS, r"[A-Z]+(?![a-z])", r"[A-Z][a-z0-9]*", r"[a-z0-9]+"])
    words = [_WORDS.get(word, word) for word in re.findall(pattern, name)]
    rest = [
        word if word[:1].isupper() and word in _WORDS.values() else word.lower()
        for word in words[1:]
    ]
    return " ".join([words[0], *rest])


def _built_of(cls: type[Any], known: Mapping[str, type[Any]]) -> Iterator[type[Any]]:
    """The known classes ``cls``'s own builder methods construct."""
    for method in _BUILDERS:
        function = cls.__dict__.get(method)
        if function is None:
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                built = known.get(node.func.id)
                if built is not None:
                    yield built


def _inside(classes: Iterable[type[Any]]) -> dict[type[Any], type[Any]]:
    """widget class -> the class that builds it (a tab's view: the main screen)."""
    classes = list(classes)
    known = {cls.__name__: cls for cls in classes}
    inside: dict[type[Any], type[Any]] = {spec.view_class(): MainScreen for spec in tabs.TABS}
    for cls in classes:
        for built in _built_of(cls, known):
            if built not in inside and built is not cls and not issubclass(built, _TEXT_INPUTS):
                inside[built] = cls
    return inside


def walk_owners() -> tuple[tuple[str, type[Any]], ...]:
    """``(where, class)`` for every class with its own bindings, walked from the registry
    as it is now, in the order help shows them."""
    return tuple((where(cls), cls) for cls in _classes() if _owns_bindings(cls))


_CLASSES = _classes()
# Where each binding works, for the help screen (order = order shown): walked once.
BINDING_OWNERS: tuple[tuple[str, type[Any]], ...] = tuple(
    (where(cls), cls) for cls in _CLASSES if _owns_bindings(cls)
)


def known_binding_ids() -> set[str]:
    ids: set[str] = set()
    for _where, owner in BINDING_OWNERS:
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
            if binding.id:
                ids.add(binding.id)
    return ids


# Where a widget's bindings live together with others': a focused table also answers its
# tab's keys, a tab its screen's. Text inputs (FilterBar, SearchBar) are left out: a
# key typed there is text, not a binding. Classes built by none sit on the main screen
# (tabs) or are screens of their own; the app's bindings are visible always.
_INSIDE: dict[type[Any], type[Any]] = _inside(_CLASSES)


def _normal_keys(keys: str) -> frozenset[str]:
    """``"f, /"`` -> ``{"f", "slash"}``: the names Textual matches key events against."""
    out = set()
    for raw in keys.split(","):
        key = raw.strip()
        if key:
            out.add(_character_to_key(key) if len(key) == 1 else key)
    return frozenset(out)


def _scope(owner: type[Any]) -> list[type[Any]]:
    """The owners whose bindings are live together while ``owner`` has the focus."""
    owners = {cls for _where, cls in BINDING_OWNERS}
    chain: list[type[Any]] = []
    current: type[Any] | None = owner
    while current is not None:
        chain.extend(cls for cls in current.__mro__ if cls in owners and cls not in chain)
        current = _INSIDE.get(current)
    if AppKeys not in chain:
        chain.append(AppKeys)
    return chain


def _bindings(owner: type[Any], keymap: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    """``(binding id, key)`` for each key of each binding with an id, after ``keymap``."""
    for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
        if not binding.id:
            continue
        keys = keymap.get(binding.id, binding.key)
        for key in _normal_keys(keys):
            yield binding.id, key


def _collisions(keymap: Mapping[str, str]) -> set[tuple[str, str, str, str]]:
    """``(where, key, id, id)`` for each key two different binding ids share in a scope."""
    found: set[tuple[str, str, str, str]] = set()
    for where, owner in BINDING_OWNERS:
        if owner is AppKeys or issubclass(owner, _TEXT_INPUTS):
            continue
        by_key: dict[str, set[str]] = {}
        for member in _scope(owner):
            for binding_id, key in _bindings(member, keymap):
                by_key.setdefault(key, set()).add(binding_id)
        for key, ids in by_key.items():
            ordered = sorted(ids)
            for i, first in enumerate(ordered):
                for second in ordered[i + 1 :]:
                    found.add((where, key, first, second))
    return found


def keymap_conflicts(keymap: Mapping[str, str]) -> list[str]:
    """One line per key the ``[keymap]`` binds twice where both would be live.

    Only collisions the keymap makes count: the built-in bindings shadow some on purpose
    (``q`` closes a detail screen instead of quitting), and restating a default key must
    never be refused.
    """
    if not keymap:
        return []
    made = _collisions(keymap) - _collisions({})
    lines: dict[tuple[str, str, str], list[str]] = {}
    for where, key, first, second in sorted(made):
        lines.setdefault((key, first, second), []).append(where)
    return [
        f"{key!r} is bound to both {first} and {second} ({', '.join(wheres)})"
        for (key, first, second), wheres in lines.items()
    ]


def check_keymap(keymap: Mapping[str, str]) -> None:
    """Refuse a ``[keymap]`` that would silently shadow a binding (a :class:`ConfigError`)."""
    conflicts = keymap_conflicts(keymap)
    if conflicts:
        more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        raise ConfigError(
            f"[keymap]: {conflicts[0]}{more}",
            "give each binding its own key there; `?` in the console lists every binding id",
        )
