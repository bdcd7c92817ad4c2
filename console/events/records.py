"""What one SageMaker event means to the console: "this resource changed"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.records import Record

# The kinds the console shows, and the names ``smconsole watch --kind`` accepts.
KINDS = (
    "training",
    "processing",
    "transform",
    "tuning",
    "endpoint",
    "model-package",
    "pipeline",
    "pipeline-step",
    "cluster",
    "cluster-node",
)
# ``--kind`` groups: "jobs" is what the Jobs tab shows.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "jobs": ("training", "processing", "transform", "tuning"),
    "endpoints": ("endpoint",),
    "registry": ("model-package",),
    "models": ("model-package",),
    "pipelines": ("pipeline", "pipeline-step"),
    "hyperpod": ("cluster", "cluster-node"),
    "clusters": ("cluster", "cluster-node"),
    "nodes": ("cluster-node",),
}


@dataclass(frozen=True)
class ResourceKey:
    """One resource the console can refresh on its own (kind + name)."""

    kind: str
    name: str


@dataclass(frozen=True)
class ResourceChanged(Record):
    """One state change: which resource, its new status, and when.

    ``event_time`` is EventBridge's ``time`` (second precision); ``modified`` is the
    resource's own last-modified time from the detail when the event carries one
    (millisecond precision): the ledger orders changes by ``modified`` first, so two
    events in the same second still apply in the right order. Built through
    :class:`console.records.Record`, every text field is already sanitised.
    """

    kind: str
    name: str
    arn: str
    status: str
    event_time: datetime | None
    modified: datetime | None = None
    event_id: str = ""
    detail_type: str = ""
    # A second line of context: a failure reason, a node's health reason, a step's
    # pipeline. Remote text (sanitised like the rest).
    reason: str = ""
    # For a cluster node: the cluster it belongs to (refresh that cluster's node list).
    parent: str = ""

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.kind, self.name)

    @property
    def version(self) -> datetime | None:
        """The time that orders this change against others for the same resource."""
        return self.modified or self.event_time


def expand_kinds(spec: str) -> frozenset[str]:
    """``"jobs,endpoint"`` -> the set of kinds; unknown names raise ``ValueError``."""
    wanted: set[str] = set()
    for raw in spec.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        if name in KIND_GROUPS:
            wanted.update(KIND_GROUPS[name])
        elif name in KINDS:
            wanted.add(name)
        elif name.endswith("s") and name[:-1] in KINDS:
            wanted.add(name[:-1])
        else:
            raise ValueError(name)
    return frozenset(wanted)
