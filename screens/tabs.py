"""The tab registry: every tab of the main screen, registered once, in the order of its key.

The main screen (panes, lazy views, counts), the app's number keys and palette, the help
screen and the keymap check (:mod:`screens.binding_owners`) and the stylesheet list
(:mod:`themes`) all read :data:`TABS`. A new tab is a package ``screens/<tab>/`` and one
:class:`TabSpec` line here; nothing else names it.

This module imports no tab: a view is named as ``"module:Class"`` and imported when its
tab is first mounted, so start-up pays only for the tabs it draws.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

# What a view's constructor takes besides ``id=``: the poll intervals, the whole config,
# or nothing.
ViewArgs = Literal["poll", "config", "none"]


@dataclass(frozen=True)
class TabSpec:
    """One tab: its pane id (the view's id is ``<id>-view``), title, number key and view."""

    id: str
    title: str
    key: str
    view: str  # "package.module:Class", imported on demand (see :meth:`view_class`)
    args: ViewArgs = "poll"
    # The ``[poll]`` setting (a ``PollIntervals`` field) the tab's poller runs at, if any.
    poll: str | None = None
    # The tab title's count from its listing's snapshot ("Jobs 42"); None: no count.
    count: Callable[[Any], int] | None = None
    # Its listing's counts shown on the Status tab (``snapshot.counts()``).
    status_counts: bool = False
    # Composed with the main screen, not after the first data (see screens/main.py).
    eager: bool = False
    # Its stylesheets, in themes/ (loaded after the shared ones, in tab order).
    styles: tuple[str, ...] = ()
    # The title when the full ones do not fit the bar (80 columns); "" means the title.
    short: str = ""

    @property
    def view_id(self) -> str:
        return f"{self.id}-view"

    @property
    def package(self) -> str:
        """``screens.<package>``: the package its view (and everything of the tab) lives in."""
        return self.view.split(":")[0].rsplit(".", 1)[0]

    def view_class(self) -> type[Any]:
        """The view's class (its module imported now, if it was not yet)."""
        module, _, name = self.view.partition(":")
        cls: type[Any] = getattr(importlib.import_module(module), name)
        return cls


def count_items(snapshot: Any) -> int:
    return len(snapshot.items)


def count_pending(snapshot: Any) -> int:
    # The Registry title counts the work waiting: versions pending approval, all groups.
    return int(snapshot.pending_total)


TABS: tuple[TabSpec, ...] = (
    TabSpec(
        "jobs",
        "Jobs",
        "1",
        "screens.jobs.view:JobsView",
        poll="jobs",
        count=count_items,
        eager=True,
        styles=("jobs.tcss",),
    ),
    TabSpec(
        "endpoints",
        "Endpoints",
        "2",
        "screens.endpoints.view:EndpointsView",
        status_counts=True,
        poll="endpoints",
        count=count_items,
        styles=("endpoints.tcss",),
        short="Endpts",
    ),
    TabSpec(
        "experiments",
        "Experiments",
        "3",
        "screens.mlflow.view:ExperimentsView",
        args="config",
        poll="experiments",
        count=count_items,
        styles=("experiments.tcss", "sm_experiments.tcss"),
        short="Exps",
    ),
    TabSpec(
        "registry",
        "Registry",
        "4",
        "screens.registry.view:RegistryView",
        poll="registry",
        count=count_pending,
        styles=("model_registry.tcss",),
        short="Reg",
    ),
    TabSpec(
        "hyperpod",
        "HyperPod",
        "5",
        "screens.hyperpod.view:HyperPodView",
        args="config",
        poll="hyperpod",
        styles=("hyperpod.tcss",),
        short="HPod",
    ),
    TabSpec(
        "notebooks",
        "Notebooks",
        "6",
        "screens.notebooks.view:NotebooksView",
        status_counts=True,
        poll="notebooks",
        count=count_items,
        styles=("notebooks.tcss",),
        short="NBs",
    ),
    TabSpec(
        "status",
        "Status",
        "7",
        "screens.status.view:StatusView",
        args="none",
        eager=True,
        styles=("status.tcss",),
    ),
    TabSpec(
        "pipelines",
        "Pipelines",
        "8",
        "screens.pipelines.view:PipelinesView",
        args="config",
        poll="jobs",
        count=count_items,
        styles=("pipelines.tcss",),
        short="Pipes",
    ),
)
# Packages of screens every tab may open (besides screens.kit): not tabs of their own.
SHARED_PACKAGES = ("screens.kit", "screens.logs")


@dataclass(frozen=True)
class PlaceSpec:
    """A place a tab may go to that is not on the tab bar: a screen pushed over the tabs,
    built as ``Class(config)`` (see :mod:`screens.kit.navigation`)."""

    id: str
    screen: str  # "package.module:Class", imported when first gone to

    @property
    def package(self) -> str:
        return self.screen.split(":")[0].rsplit(".", 1)[0]

    def screen_class(self) -> type[Any]:
        module, _, name = self.screen.partition(":")
        cls: type[Any] = getattr(importlib.import_module(module), name)
        return cls


PLACES: tuple[PlaceSpec, ...] = (
    # The Experiments tab's other source (`e`): SageMaker Experiments -> trials -> components.
    PlaceSpec("sm_experiments", "screens.sm_experiments.view:SmExperimentsScreen"),
)


def tab(tab_id: str) -> TabSpec:
    """The spec of ``tab_id`` (a ``KeyError`` names an unknown tab). Readers look
    :data:`TABS` up when they run, so a test may add a tab with ``monkeypatch``."""
    for spec in TABS:
        if spec.id == tab_id:
            return spec
    raise KeyError(tab_id)


def build_view(spec: TabSpec, config: Any) -> Any:
    """A new view of ``spec``'s tab for ``config`` (a :class:`console.config.Config`)."""
    cls = spec.view_class()
    if spec.args == "poll":
        return cls(config.poll, id=spec.view_id)
    if spec.args == "config":
        return cls(config, id=spec.view_id)
    return cls(id=spec.view_id)
