"""Many events for one resource -> one refresh.

A burst (a tuning job starting 500 training jobs, a cluster replacing nodes) may put
thousands of events in the queue; the console wants one describe per resource, with its
newest state, not one per event.
"""

from __future__ import annotations

from collections.abc import Iterable

from console.events.records import ResourceChanged, ResourceKey


def newer(a: ResourceChanged, b: ResourceChanged) -> ResourceChanged:
    """The later of two changes to the same resource (``b`` wins a tie: it came later)."""
    if a.version is not None and b.version is not None and b.version < a.version:
        return a
    return b


def coalesce(changes: Iterable[ResourceChanged]) -> list[ResourceChanged]:
    """One change per resource (its newest), in the order resources first appeared."""
    latest: dict[ResourceKey, ResourceChanged] = {}
    for change in changes:
        held = latest.get(change.key)
        latest[change.key] = change if held is None else newer(held, change)
    return list(latest.values())
