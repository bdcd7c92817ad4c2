"""Who approved or rejected which version of a group, when, and why.

Two sources, because neither is complete alone: the registry keeps only each package's
*latest* decision (``ApprovalDescription``, ``LastModifiedBy``/``Time``) and its creation
(``CreatedBy``), whatever tool made them; our audit log keeps *every* decision made
through smconsole (also refused and failed attempts), but nothing made elsewhere.

They are merged: a registry decision and an audit record of the same package, status and
time (within :data:`SAME_EVENT_SECONDS`) are one event, shown once with both sources.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from console.audit import AuditRecord
from console.records import Record, as_datetime
from console.services.registry import ModelPackage

APPROVAL_ACTIONS = {
    "model-package-approve": "Approved",
    "model-package-reject": "Rejected",
    "model-package-update": "PendingManualApproval",
}
REGISTERED = "Registered"
# An audit record and a package's LastModifiedTime this close describe one change.
SAME_EVENT_SECONDS = 300.0


@dataclass(frozen=True)
class HistoryEntry(Record):
    """One event in a group's approval history."""

    time: datetime | None
    package_arn: str
    version: int | None
    action: str  # Approved | Rejected | PendingManualApproval | Registered
    by: str
    comment: str
    source: str  # audit | registry | audit+registry
    outcome: str = "ok"  # ok | refused | error (only audit records fail)
    previous: str = ""
    detail: str = ""


def split_package_arn(arn: str) -> tuple[str, int | None]:
    """``(group, version)`` of ``arn:…:model-package/GROUP/VERSION`` (``("", None)`` if not)."""
    _, marker, rest = arn.partition(":model-package/")
    if not marker:
        return "", None
    group, _, version = rest.partition("/")
    return group, int(version) if version.isdigit() else None


def registry_entries(packages: Iterable[ModelPackage]) -> list[HistoryEntry]:
    """What the packages themselves say: their creation and their latest decision."""
    entries: list[HistoryEntry] = []
    for package in packages:
        entries.append(
            HistoryEntry(
                time=package.created,
                package_arn=package.arn,
                version=package.version,
                action=REGISTERED,
                by=package.created_by,
                comment="",
                source="registry",
                detail=package.description,
            )
        )
        decided = package.approval_status != "PendingManualApproval"
        if decided or package.approval_description:
            entries.append(
                HistoryEntry(
                    time=package.modified or package.created,
                    package_arn=package.arn,
                    version=package.version,
                    action=package.approval_status,
                    by=package.modified_by,
                    comment=package.approval_description,
                    source="registry",
                )
            )
    return entries


def audit_entries(records: Iterable[AuditRecord], group: str) -> list[HistoryEntry]:
    """The audit log's approval records for packages of ``group``."""
    entries: list[HistoryEntry] = []
    for record in records:
        action = APPROVAL_ACTIONS.get(record.action)
        if action is None:
            continue
        record_group, version = split_package_arn(record.target)
        if record_group != group:
            continue
        params = record.params or {}
        entries.append(
            HistoryEntry(
                time=as_datetime(record.time),
                package_arn=record.target,
                version=version,
                action=str(params.get("ModelApprovalStatus") or action),
                by=record.caller,
                comment=str(params.get("ApprovalDescription") or ""),
                source="audit",
                outcome=record.outcome,
                previous=str(params.get("PreviousStatus") or ""),
                detail=record.detail or f"via {record.source}",
            )
        )
    return entries


def _seconds_apart(a: datetime | None, b: datetime | None) -> float:
    if a is None or b is None:
        return math.inf
    return abs((a - b).total_seconds())


def merge(audit: list[HistoryEntry], registry: list[HistoryEntry]) -> list[HistoryEntry]:
    """One list, newest first; each registry decision absorbs its matching audit record."""
    merged = list(audit)
    for entry in registry:
        match = None
        if entry.action != REGISTERED:
            candidates = [
                (index, a)
                for index, a in enumerate(merged)
                if a.source == "audit"
                and a.outcome == "ok"
                and a.package_arn == entry.package_arn
                and a.action == entry.action
                and _seconds_apart(a.time, entry.time) <= SAME_EVENT_SECONDS
            ]
            if candidates:
                match = min(candidates, key=lambda pair: _seconds_apart(pair[1].time, entry.time))
        if match is None:
            merged.append(entry)
            continue
        index, audited = match
        merged[index] = replace(
            audited,
            source="audit+registry",
            by=audited.by or entry.by,
            comment=audited.comment or entry.comment,
        )
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(merged, key=lambda e: (e.time or oldest, e.version or 0), reverse=True)


def approval_history(
    packages: Iterable[ModelPackage], records: Iterable[AuditRecord], group: str
) -> list[HistoryEntry]:
    """The group's history, newest first (pure: the caller read packages and audit log)."""
    packages = list(packages)
    return merge(audit_entries(records, group), registry_entries(packages))
