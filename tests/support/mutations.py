"""Find every mutation action the core can perform, by reading its source.

A call ``*.mutate("action", …)``, ``*.mutate_checked("action", …)``,
``*._mutate("action", …)`` or ``*.gate.run("action", …)`` names an action with a string
literal. Calls whose action is computed are reported with the enclosing function, so the
enumerating test must account for them explicitly.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALL_NAMES = {"mutate", "mutate_checked", "_mutate", "run"}


def gated_actions() -> tuple[set[str], set[str]]:
    """(literal action names, "module:function" of calls with computed actions)."""
    literal: set[str] = set()
    dynamic: set[str] = set()
    for path in sorted((ROOT / "console").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in CALL_NAMES
                    and node.args
                ):
                    continue
                if node.func.attr == "run" and not _is_gate(node.func.value):
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    literal.add(first.value)
                else:
                    dynamic.add(f"{module}:{func.name}")
    return literal, dynamic


def _is_gate(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "gate") or (
        isinstance(node, ast.Name) and node.id == "gate"
    )
