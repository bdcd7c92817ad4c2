"""One name, one thing: no two module-level classes in console/ and screens/ share a name.

Two ``JobsSnapshot`` classes (SageMaker jobs in the core, Slurm jobs in a HyperPod
pane) meant a reader, a grep and a type error message could all point at the wrong one.
Classes nested in a widget (``FilterBar.Closed``) are named by their owner and not
counted.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_level_classes(root: Path, packages: tuple[str, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    found[node.name].append(str(path.relative_to(root)))
    return found


def shared_names(
    root: Path = ROOT, packages: tuple[str, ...] = ("console", "screens")
) -> dict[str, list[str]]:
    return {
        name: paths
        for name, paths in module_level_classes(root, packages).items()
        if len(paths) > 1
    }


def test_no_two_classes_share_a_name() -> None:
    classes = module_level_classes(ROOT, ("console", "screens"))
    assert len(classes) > 100, "the scan found too few classes"
    assert shared_names() == {}


def test_the_scan_finds_a_shared_name(tmp_path: Path) -> None:
    for package in ("console", "screens"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "feed.py").write_text("class Snapshot:\n    class Inner: ...\n")
    (tmp_path / "screens" / "other.py").write_text("class Inner: ...\n")
    assert shared_names(tmp_path) == {"Snapshot": ["console/feed.py", "screens/feed.py"]}
