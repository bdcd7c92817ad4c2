"""Typed messages that carry worker results back to the UI thread (named in past tense).

Each carries the context ``generation`` it was produced under, so a handler can drop a
result that belongs to a profile/region the operator has already switched away from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.message import Message

if TYPE_CHECKING:
    from console.errors import SmError

T = TypeVar("T")


@dataclass
class Listed(Message, Generic[T]):
    """A poller fetched a fresh snapshot of ``resource`` (its tab id for a tab's poller:
    the main screen counts it in the tab title). One class for every listing: a view
    handles the ``Listed`` of its own poller (``@on(Listed)``).

    ``complete`` is False for the partial snapshots of a long first listing streaming in
    (see :class:`screens.kit.work.PartialListing`): more rows are coming, keyed in place,
    and the tab title says so ("Jobs 1000+")."""

    resource: str
    generation: int
    snapshot: T
    complete: bool = True


@dataclass
class RowsPushed(Message):
    """Pushed changes (events) added or replaced rows between listings: the tab title's
    count follows the table (``count`` rows), as after a listing."""

    resource: str
    generation: int
    count: int


@dataclass
class PollFailed(Message):
    """A poll failed; the poller has already scheduled the retry."""

    resource: str
    generation: int
    error: SmError


@dataclass
class PollHealthChanged(Message):
    """A poller became degraded (``problem`` set) or recovered (``problem`` None)."""

    resource: str
    problem: str | None


@dataclass
class JobStopFinished(Message):
    """A stop request went through the gate (``error`` None) or was refused/failed."""

    kind: str
    name: str
    error: SmError | None = None


@dataclass
class ViewsMounted(Message):
    """Every tab's view is mounted (just after the first data, or when a tab was asked
    for first): what the session keeps for its life is built (the app freezes it)."""
