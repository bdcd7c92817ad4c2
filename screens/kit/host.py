"""What widgets may ask of the app: the current AWS context and its generation.

Widgets reach the console's services only through this protocol (never by importing the
app module), so views can be mounted in small test apps and the import graph stays a
tree. ``generation`` increases on every profile/region switch: a worker records it when it
starts and its result is dropped if it no longer matches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from console.context import ConsoleContext
    from console.services.jobs_feed import JobsSnapshot


@runtime_checkable
class ConsoleHost(Protocol):
    """Implemented by :class:`screens.app.SmConsoleApp` (and by test apps)."""

    @property
    def context(self) -> ConsoleContext: ...

    @property
    def generation(self) -> int: ...

    # The Jobs poller's latest result, shared with the Status tab (None before the first).
    jobs_snapshot: JobsSnapshot | None


def console_host(node: DOMNode) -> ConsoleHost:
    """The app hosting ``node``, typed as a :class:`ConsoleHost`."""
    return cast(ConsoleHost, node.app)
