"""The core stays headless and light: no Textual, MLflow or SageMaker SDK at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support.import_graph import cycles

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("textual", "mlflow", "sagemaker", "screens", "themes", "pandas", "moto")


def loaded_after(code: str) -> set[str]:
    probe = (
        f"{code}\nimport sys\nprint('\\n'.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(out.stdout.split())


def test_core_and_cli_import_without_heavy_modules() -> None:
    modules = loaded_after(
        "import console, console.config, console.context, console.gate, console.errors\n"
        "import console.services.jobs\n"
        "from console.cli.main import load_commands; load_commands()"
    )
    assert not modules & set(FORBIDDEN), modules & set(FORBIDDEN)


def test_mlflow_core_imports_without_mlflow() -> None:
    """Building the MLflow service (and its records, columns, errors) imports no mlflow:
    only its methods do, in a worker thread."""
    modules = loaded_after(
        "import console.mlflow.service, console.services.mlflow_servers, console.mlflow.columns\n"
        "import console.mlflow.records, console.mlflow.errors, console.mlflow.quiet\n"
        "from console.config import Config\n"
        "from console.context import ConsoleContext\n"
        "c = ConsoleContext(Config(mlflow_tracking_uri='http://127.0.0.1:9'))\n"
        "c.mlflow.describe_target(); c.mlflow_servers\n"
        "from console.errors import translate; translate(ValueError('x'))"
    )
    assert not modules & set(FORBIDDEN), modules & set(FORBIDDEN)


def test_help_runs_without_heavy_modules() -> None:
    modules = loaded_after(
        "from console.cli.main import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])"
    )
    assert not modules & set(FORBIDDEN)
    assert "boto3" not in modules  # --help must not pay for boto3 either


def test_no_module_level_ui_imports_in_core() -> None:
    offenders = []
    for path in (ROOT / "console").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only; lazy imports inside functions are fine
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in {"textual", "screens", "themes", "mlflow", "sagemaker"}:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_tui_start_up_imports_neither_mlflow_nor_charts() -> None:
    """The Experiments tab is part of the app: mlflow comes with its first poll (a worker)
    and textual-plotext with the first chart, not with start-up."""
    modules = loaded_after("import screens.app")
    assert not modules & {"mlflow", "textual_plotext", "plotext", "pandas", "sagemaker"}


def imported_modules(path: Path) -> list[str]:
    """Every module ``path`` imports, anywhere in the file (functions included): a lazy
    import is still a dependency, it only moves the cost."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from console import demo` imports console.demo too
            names.extend([node.module, *(f"{node.module}.{a.name}" for a in node.names)])
    return names


def offenders(paths: list[Path], forbidden: str, root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        for name in imported_modules(path):
            if name == forbidden or name.startswith(forbidden + "."):
                found.append(f"{path.relative_to(root)}: {name}")
    return sorted(set(found))


# The demo command is the demo's entry point; everything else reaches the demo through
# the `smconsole.transports` entry point (console/remote/connect.py) or not at all.
DEMO_ENTRY = ROOT / "console" / "cli" / "commands" / "console_cmds.py"


def test_core_never_imports_the_demo() -> None:
    """The demo is an optional extra: the core works without its packages installed."""
    core = [
        path
        for path in (ROOT / "console").rglob("*.py")
        if ROOT / "console" / "demo" not in path.parents and path != DEMO_ENTRY
    ]
    assert core, "no core modules found"
    assert offenders(core, "console.demo") == []


def test_screens_import_neither_the_cli_nor_the_demo() -> None:
    """The TUI is opened by the CLI, never the other way round; the demo hands the app its
    stack as an object."""
    screens = sorted((ROOT / "screens").rglob("*.py"))
    assert screens, "no screens modules found"
    assert offenders(screens, "console.cli") == []
    assert offenders(screens, "console.demo") == []


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The checks above would pass vacuously if the scan missed lazy imports."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from console import demo\n    import console.cli.main\n")
    assert offenders([probe], "console.demo", tmp_path) == ["probe.py: console.demo"]
    assert offenders([probe], "console.cli", tmp_path) == ["probe.py: console.cli.main"]


PACKAGES = ("console", "screens", "themes")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The project modules ``path`` imports when it runs: at module level or inside
    functions (a lazy import still closes a cycle, it only hides it until that call),
    but not under ``if TYPE_CHECKING:`` (never executed)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):
            return
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from a import b`: the module a.b if there is one, else a's attribute
                targets.append(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        found.update(t for t in targets if t in known and t != name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    paths = [p for package in packages for p in sorted((root / package).rglob("*.py"))]
    known = {module_name(p, root) for p in paths}
    return {module_name(p, root): runtime_imports(p, known, root) for p in paths}


def test_no_import_cycle_between_modules() -> None:
    """A cycle (even through an import inside a function) means two modules that cannot
    be understood, tested or moved apart: one of them owns something the other needs."""
    graph = import_graph()
    assert len(graph) > 100, "the scan found too few modules"
    assert cycles(graph) == []


def test_the_cycle_scan_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    """The cycle check would pass vacuously if the scan missed lazy or relative imports."""
    package = tmp_path / "console"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from console import b\n")
    (package / "b.py").write_text("def f():\n    from . import c\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from console import b\n"
        "def g():\n    import console.a\n"
    )
    graph = import_graph(tmp_path, ("console",))
    assert graph["console.c"] == {"console.a"}  # the TYPE_CHECKING import is not counted
    assert cycles(graph) == [["console.a", "console.b", "console.c"]]
