"""What one Registry poll fetches, and what it avoids fetching again.

Every poll lists the groups and, per group, its pending versions (the tab title counts
them: pending approvals are the work waiting for an operator). For the group on screen it
lists every version and describes only versions it has not seen or whose approval status
changed (a package's model data and metric report never change), and asks the evidence
service what endpoints serve (endpoints are described again only when they changed). So a
quiet registry costs a handful of list calls per poll, not one describe per version.

Runs in the poller's worker thread; holds no widget.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from console.errors import translate
from console.services.evidence import (
    Evidence,
    ServingVersion,
    build_evidence,
    current_approved,
    serving_versions,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from console.context import ConsoleContext
    from console.services.registry import ModelPackage
    from console.services.run_evidence import RunMetrics

GROUP_LIMIT = 100
PACKAGE_LIMIT = 200
PENDING = "PendingManualApproval"
# Versions whose MLflow runs are looked up per poll (pending first; then the approved and
# serving ones they are compared with). Found runs that ended are cached.
RUN_LOOKUP_LIMIT = 30


@dataclass(frozen=True)
class GroupRow:
    """A model package group and how many of its versions wait for a decision."""

    name: str
    description: str
    created: datetime | None
    pending: int


@dataclass(frozen=True)
class RegistrySnapshot:
    groups: tuple[GroupRow, ...]
    group: str | None  # the group whose versions are in ``packages``
    packages: tuple[ModelPackage, ...]
    serving: tuple[ServingVersion, ...]
    fetched_at: datetime
    serving_error: str = ""

    @property
    def pending_total(self) -> int:
        return sum(g.pending for g in self.groups)

    @property
    def transitional(self) -> bool:
        return False  # approvals are decisions, not states that move by themselves

    def package(self, arn: str) -> ModelPackage | None:
        return next((p for p in self.packages if p.arn == arn), None)

    def evidence(
        self, arn: str, runs: Mapping[str, RunMetrics] | None = None, run_note: str = ""
    ) -> Evidence | None:
        """The evidence for one version; ``runs``/``run_note`` as read by the view's
        MLflow lookup (:meth:`run_candidates`), which runs apart from the poll."""
        candidate = self.package(arn)
        if candidate is None:
            return None
        return build_evidence(candidate, self.packages, self.serving, runs, run_note)

    def run_candidates(self, first: str | None = None) -> list[ModelPackage]:
        """The versions whose MLflow runs the evidence may show: ``first`` (the row under
        the cursor), the pending ones, the approved one and the serving ones."""
        serving = {s.package_arn for s in self.serving}
        # The newest approved one, and the one before it (what an approved row compares to).
        newest = current_approved(self.packages)
        older = current_approved(self.packages, exclude=newest.arn) if newest else None
        approved = {p.arn for p in (newest, older) if p is not None}
        wanted = [p for p in self.packages if p.arn == first]
        wanted += [p for p in self.packages if p.approval_status == PENDING]
        wanted += [p for p in self.packages if p.arn in approved or p.arn in serving]
        unique = {p.arn: p for p in wanted}
        return list(unique.values())[:RUN_LOOKUP_LIMIT]


class RegistryFeed:
    """Fetches :class:`RegistrySnapshot`\\ s for one context; ``group`` is set by the view."""

    def __init__(self, context: ConsoleContext) -> None:
        self.context = context
        self.group: str | None = None
        self._described: dict[str, ModelPackage] = {}
        self._lock = threading.Lock()

    def fetch(self) -> RegistrySnapshot:
        registry = self.context.registry
        groups = registry.list_groups(limit=GROUP_LIMIT)
        rows = tuple(
            GroupRow(
                name=group.name,
                description=group.description,
                created=group.created,
                pending=registry.count_packages(group.name, status=PENDING, limit=PACKAGE_LIMIT),
            )
            for group in groups
        )
        group = self.group
        if group is None or all(g.name != group for g in rows):
            # First look (or the group went away): the first group with work waiting.
            group = next((g.name for g in rows if g.pending), rows[0].name if rows else None)
            self.group = group
        packages: tuple[ModelPackage, ...] = ()
        serving: tuple[ServingVersion, ...] = ()
        serving_error = ""
        if group is not None:
            packages = self._packages(group)
            try:
                serving = serving_versions(packages, self.context.evidence.serving_models())
            except Exception as exc:  # evidence is a help, not a reason to hide the table
                serving_error = translate(exc).one_line()
        return RegistrySnapshot(rows, group, packages, serving, datetime.now(UTC), serving_error)

    def _packages(self, group: str) -> tuple[ModelPackage, ...]:
        registry = self.context.registry
        summaries = registry.list_packages(group, details=False, limit=PACKAGE_LIMIT)
        result: list[ModelPackage] = []
        for summary in summaries:
            with self._lock:
                known = self._described.get(summary.arn)
            if known is None or known.approval_status != summary.approval_status:
                known = registry.describe_package(summary.arn)
                with self._lock:
                    self._described[summary.arn] = known
            result.append(known)
        return tuple(result)

    def remember(self, package: ModelPackage) -> None:
        """A description that arrived another way (a pushed change described it): the next
        poll need not describe that version again."""
        with self._lock:
            self._described[package.arn] = package

    def invalidate(self, arn: str) -> None:
        """Describe ``arn`` again on the next poll (after an approval changed it)."""
        with self._lock:
            self._described.pop(arn, None)
