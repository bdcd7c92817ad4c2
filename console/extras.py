"""Optional extras: which packages each one brings, and the one-line error when absent.

``pip install smconsole`` gives the console and the CLI (what an operator needs on a
bastion). The rest is in named extras (pyproject ``[project.optional-dependencies]``);
code that needs one calls :func:`require` before importing it, so a missing package is
``error: ... needs the 'demo' extra`` + ``hint: pip install 'smconsole[demo]'`` (exit 11,
like a missing tool), never an ImportError traceback.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from console.errors import ToolMissingError


@dataclass(frozen=True)
class Extra:
    """One optional extra: its name, what it is for, and modules that prove it is there."""

    name: str
    purpose: str
    modules: tuple[str, ...]


DEMO = Extra("demo", "the demo (a local moto server and MLflow store)", ("moto", "mlflow"))
MLFLOW_LOCAL = Extra(
    "mlflow-local", "a local MLflow store (sqlite:/// or another SQL database)", ("mlflow",)
)
SDK = Extra("sdk", "the SageMaker SDK's image catalog", ("sagemaker.core",))
EXTRAS = (DEMO, MLFLOW_LOCAL, SDK)


class ExtraMissingError(ToolMissingError):
    """An optional extra's packages are not installed."""

    kind = "extra-missing"


def installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (cheap, no side effects)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing or half-installed
        return False


def missing(extra: Extra) -> list[str]:
    return [module for module in extra.modules if not installed(module)]


def require(extra: Extra) -> None:
    """Raise the one-line error when ``extra`` is not installed."""
    absent = missing(extra)
    if absent:
        raise ExtraMissingError(
            f"{extra.purpose} needs the '{extra.name}' extra (missing: {', '.join(absent)})",
            f"pip install 'smconsole[{extra.name}]'",
        )
