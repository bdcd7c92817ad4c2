"""A pushed model package change as the Registry tab applies it (no widget here).

The tab lists the versions of one group (the open one) and, per group, how many wait for
a decision. A change to a version of the open group is described once (its row, the
evidence beside it); a change in another group only moves that group's pending count,
so it costs one list call (the count) and no describe. :func:`registry_with` folds
either into the snapshot the tab shows, the same way a poll would have shown it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from console.services.registry_feed import PACKAGE_LIMIT, PENDING, GroupRow

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.events.records import ResourceChanged
    from console.services.registry import ModelPackage
    from console.services.registry_feed import RegistrySnapshot


@dataclass(frozen=True)
class PackageChanged:
    """What one pushed change brought: the described version (open group), or the
    group's new pending count (another group)."""

    group: str
    package: ModelPackage | None = None
    pending: int | None = None


def group_of(change: ResourceChanged) -> str:
    """The group a model package change belongs to (its name is ``GROUP/VERSION``)."""
    group, _, _version = change.name.partition("/")
    return group


def package_change(
    context: ConsoleContext, change: ResourceChanged, open_group: str | None
) -> PackageChanged | None:
    """One read for one change: a describe in the open group, else a pending count."""
    if change.kind != "model-package":
        return None
    group = group_of(change)
    if not group:
        return None
    registry = context.registry
    if group == open_group and ":model-package/" in change.arn:
        return PackageChanged(group, package=registry.describe_package(change.arn))
    pending = registry.count_packages(group, status=PENDING, limit=PACKAGE_LIMIT)
    return PackageChanged(group, pending=pending)


def registry_with(snapshot: RegistrySnapshot, changed: PackageChanged) -> RegistrySnapshot:
    """``snapshot`` as it is after ``changed``: the version replaced (or added) in the
    open group's list, and the pending count of its group recounted."""
    packages = snapshot.packages
    pending = changed.pending
    package = changed.package
    if package is not None and changed.group == snapshot.group:
        if any(p.arn == package.arn for p in packages):
            packages = tuple(package if p.arn == package.arn else p for p in packages)
        else:  # a new version: the newest, first like the listing puts it
            packages = (package, *packages)
        pending = sum(1 for p in packages if p.approval_status == PENDING)
    groups = snapshot.groups
    if pending is not None:
        if any(g.name == changed.group for g in groups):
            groups = tuple(
                replace(g, pending=pending) if g.name == changed.group else g for g in groups
            )
        else:  # a group created since the last listing
            groups = (*groups, GroupRow(changed.group, "", None, pending))
    return replace(snapshot, groups=groups, packages=packages, fetched_at=datetime.now(UTC))
