"""The screens tree keeps its shape: one package per tab, shared pieces in ``kit``.

Read from the source (every import, also those inside functions and under
``TYPE_CHECKING``), so a new import that breaks a rule fails here before it works:
- a tab (or a place a tab goes to) imports only itself, ``screens.kit`` and
  ``screens.logs``: tabs reach each other by ``GoTo`` (``screens/kit/navigation.py``);
- ``kit`` imports no tab, ``logs`` only ``kit``;
- no import cycle between any two modules of ``screens/``;
- every package under ``screens/`` is a registered tab, a place, or shared;
- each registry entry names a view, stylesheets and a poll setting that exist.
"""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

from console.config import PollIntervals
from screens import tabs
from tests.support.import_graph import cycles

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "screens"
SHARED = {"kit", "logs"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every ``screens.*`` module ``path`` imports, anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # ``from screens import tabs``: a module, not a name
            found |= {f"{base}.{alias.name}" for alias in node.names}
    modules = {module_name(p) for p in SCREENS.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in sorted(SCREENS.rglob("*.py"))}


def package_of(module: str) -> str | None:
    """``screens.jobs.view`` -> ``jobs``; the shell's modules (``screens.app``) -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (SCREENS / parts[-1]).is_dir() else None


def destinations() -> set[str]:
    """The packages of the registered tabs and places (not the shared ones)."""
    packages = {spec.package for spec in tabs.TABS} | {p.package for p in tabs.PLACES}
    return {package.split(".")[1] for package in packages}


def test_a_tab_imports_only_itself_and_the_shared_packages() -> None:
    wrong = [
        f"{module} imports {imported}"
        for module, imported_modules in graph().items()
        if (own := package_of(module)) in destinations()
        for imported in sorted(imported_modules)
        if ((other := package_of(imported)) not in {own, *SHARED} and other is not None)
        or imported in {"screens.app", "screens.main", "screens.tabs", "screens.binding_owners"}
    ]
    assert wrong == [], "tabs reach each other by GoTo (screens/kit/navigation.py)"


def test_the_shared_packages_import_no_tab() -> None:
    allowed = {"kit": {"kit"}, "logs": {"kit", "logs"}}
    wrong = [
        f"{module} imports {imported}"
        for module, imported_modules in graph().items()
        if (own := package_of(module)) in allowed
        for imported in sorted(imported_modules)
        if package_of(imported) not in allowed[own]
    ]
    assert wrong == []


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_the_screens() -> None:
    assert cycles(graph()) == []


def test_every_package_is_a_tab_a_place_or_shared() -> None:
    packages = {path.parent.name for path in SCREENS.glob("*/__init__.py")}
    assert packages == destinations() | SHARED
    for spec in tabs.TABS:
        assert (SCREENS / spec.package.split(".")[1] / "view.py").is_file(), spec.id


def test_the_registry_names_what_exists() -> None:
    polls = {field.name for field in dataclasses.fields(PollIntervals)}
    themes = ROOT / "themes"
    assert len({spec.id for spec in tabs.TABS}) == len(tabs.TABS)
    assert len({spec.key for spec in tabs.TABS}) == len(tabs.TABS)
    for spec in tabs.TABS:
        assert spec.view_class().__name__ == spec.view.split(":")[1]
        assert spec.poll is None or spec.poll in polls, spec.id
        assert spec.styles and all((themes / name).is_file() for name in spec.styles), spec.id
    for place in tabs.PLACES:
        assert place.screen_class().__name__ == place.screen.split(":")[1]


def test_start_up_imports_only_the_eager_tabs() -> None:
    """The registry names views as strings: importing the app (and its main screen)
    imports no tab that is not composed at start."""
    lazy = [spec.package for spec in tabs.TABS if not spec.eager]
    code = (
        "import sys, screens.app, screens.main, themes\n"
        f"print(sorted(m for m in sys.modules if m.startswith(tuple({lazy!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_help_walk_parses_each_module_once() -> None:
    """Found in the #19 walkthrough: the first ``?`` took 8 s on a loaded machine because
    ordering the binding owners re-parsed a module's whole source for each of its classes
    (``inspect.getsourcelines``) and walked every class twice. Now one parse per module
    walked (plus the few builder methods read for where a widget lives)."""
    code = (
        "import ast, inspect, sys, screens.app\n"
        "calls = {'parse': 0, 'classes': 0}\n"
        "parse, lines = ast.parse, inspect.getsourcelines\n"
        "def counted(*a, **k):\n"
        "    calls['parse'] += 1\n"
        "    return parse(*a, **k)\n"
        "def class_lines(o):\n"
        "    calls['classes'] += inspect.isclass(o)\n"
        "    return lines(o)\n"
        "ast.parse, inspect.getsourcelines = counted, class_lines\n"
        "before = set(sys.modules)\n"
        "import screens.binding_owners as b\n"
        "parses = calls['parse']\n"
        "modules = sum(1 for p in b._packages() for _ in b._modules(p))\n"
        "builders = sum(m in c.__dict__ for c in b._CLASSES for m in b._BUILDERS)\n"
        "print(parses, calls['classes'], modules + builders, len(b.BINDING_OWNERS))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    parses, class_lookups, sources, owners = map(int, out.stdout.split())
    assert owners > 50 and class_lookups == 0
    assert parses <= sources, (parses, sources)  # each module once, each builder once
