"""Going from one tab to another: one message, routed by the main screen.

A tab never imports another tab. It posts :class:`GoTo` (through :func:`go_to`) naming
the tab (or another place of :mod:`screens.tabs`) and what to show there; the main
screen mounts that tab's view, shows the tab when asked, and hands the target to the
view's ``go_to``. The targets are plain data, defined here, so both sides share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from textual.message import Message
from textual.widget import Widget


@dataclass(frozen=True)
class JobTarget:
    """A SageMaker job: its row on the Jobs tab, and its detail over it."""

    kind: str
    name: str


@dataclass(frozen=True)
class JobRunTarget:
    """The MLflow run of a training job (its ``MlflowDetails`` run id, else by tag)."""

    job_name: str
    mlflow_run_id: str = ""


@dataclass(frozen=True)
class ModelPackageTarget:
    """A model package version, on the Registry tab."""

    arn: str


@dataclass(frozen=True)
class PipelineExecutionTarget:
    """A pipeline execution and its steps, on the Pipelines tab (from a job it made)."""

    arn: str


@dataclass
class GoTo(Message):
    """Show ``target`` on ``tab`` (a tab id or a place id of :mod:`screens.tabs`).

    ``show``: switch the tab bar to it (a jump from a screen over the tabs that stays up,
    like the MLflow run over a job's detail, leaves the tab bar where it is).
    """

    tab: str
    target: Any = None
    show: bool = True


class Destination(Protocol):
    """What a tab's view implements to be gone to."""

    def go_to(self, target: Any) -> None: ...


def go_to(node: Widget | Any, tab: str, target: Any = None, *, show: bool = True) -> None:
    """Ask the main screen (the bottom of the app's stack) to show ``target`` on ``tab``."""
    node.app.screen_stack[0].post_message(GoTo(tab, target, show))
