"""Cluster views: partitions summed up (node states, free GPUs, pending jobs) and one node
in depth (``scontrol show node``), as records a CLI table and a TUI pane share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from console.records import Record
from console.slurm import parse
from console.slurm.detail import scontrol_unique
from console.slurm.records import Partition, SlurmNode

NODE_KEYS = (
    "NodeName",
    "State",
    "Reason",
    "AvailableFeatures",
    "ActiveFeatures",
    "Gres",
    "GresUsed",
    "CPUTot",
    "CPUAlloc",
    "CPULoad",
    "RealMemory",
    "AllocMem",
    "FreeMem",
    "Partitions",
    "NodeAddr",
    "NodeHostName",
    "CfgTRES",
    "AllocTRES",
    "BootTime",
    "SlurmdStartTime",
    "Version",
)
_REASON_TAIL = re.compile(r"^(.*?)\s*\[([^\]@\s]+)@([0-9T:\-]+)\]\s*$", re.S)


@dataclass(frozen=True)
class NodeDetail(Record):
    name: str
    state: str
    flags: tuple[str, ...]
    reason: str
    reason_by: str  # who set the reason ("" when none)
    reason_at: datetime | None
    features: tuple[str, ...]
    active_features: tuple[str, ...]
    gres: str
    gres_used: str
    gpus_total: int
    gpus_used: int
    cpus_total: int | None
    cpus_allocated: int | None
    cpu_load: float | None
    memory_mb: int | None
    memory_allocated_mb: int | None
    memory_free_mb: int | None
    partitions: tuple[str, ...]
    address: str
    hostname: str
    alloc_tres: str
    boot_time: datetime | None
    slurmd_version: str

    @property
    def display_state(self) -> str:
        return "+".join((self.state, *self.flags)) if self.flags else self.state


def _features(value: str) -> tuple[str, ...]:
    value = parse._na(value.replace("(null)", ""))
    return tuple(f for f in value.split(",") if f)


def parse_node_detail(output: str) -> NodeDetail:
    """``scontrol show node NAME`` (multi-line or ``-o``). The reason's author and time
    come from its trailing ``[user@time]``."""

    def run() -> NodeDetail:
        if not output.lstrip().startswith("NodeName="):
            raise ValueError(f"not scontrol node output: {output[:60]!r}")
        values = scontrol_unique(output, NODE_KEYS)
        if not values["NodeName"]:
            raise ValueError("no single NodeName in scontrol's output")
        state, flags = parse.states(values["State"])
        reason, by, at = parse._none_reason(values["Reason"].strip()), "", None
        match = _REASON_TAIL.match(reason)
        if match:
            reason, by, at = match.group(1), match.group(2), parse.timestamp(match.group(3))
        load = values["CPULoad"].strip()
        gres = parse._na(values["Gres"].replace("(null)", ""))
        used = parse._na(values["GresUsed"].replace("(null)", ""))
        gpus_used = parse.gpu_count(used)
        if not used:
            gpus_used = parse.number(_tres_value(values["AllocTRES"], "gres/gpu")) or 0
        return NodeDetail(
            name=values["NodeName"].strip(),
            state=state,
            flags=flags,
            reason=reason,
            reason_by=by,
            reason_at=at,
            features=_features(values["AvailableFeatures"]),
            active_features=_features(values["ActiveFeatures"]),
            gres=gres,
            gres_used=used,
            gpus_total=parse.gpu_count(gres),
            gpus_used=gpus_used,
            cpus_total=parse.number(values["CPUTot"]),
            cpus_allocated=parse.number(values["CPUAlloc"]),
            cpu_load=float(load) if re.fullmatch(r"\d+(?:\.\d+)?", load) else None,
            memory_mb=parse.number(values["RealMemory"]),
            memory_allocated_mb=parse.number(values["AllocMem"]),
            memory_free_mb=parse.number(values["FreeMem"]),
            partitions=_features(values["Partitions"]),
            address=values["NodeAddr"].strip(),
            hostname=values["NodeHostName"].strip(),
            alloc_tres=values["AllocTRES"].strip(),
            boot_time=parse.timestamp(values["BootTime"]),
            slurmd_version=values["Version"].strip(),
        )

    return parse._guard("scontrol show node", run)


def _tres_value(tres: str, key: str) -> str:
    for item in tres.split(","):
        name, _, value = item.partition("=")
        if name.strip() == key:
            return value
    return ""


@dataclass(frozen=True)
class PartitionSummary(Record):
    name: str
    default: bool
    state: str
    max_time_minutes: int | None
    nodes_total: int
    idle: int
    allocated: int
    mixed: int
    down: int
    drain: int  # drained or draining (whatever the base state)
    other: int
    gpus_total: int
    gpus_free: int  # on nodes that can take jobs (not down/drained)
    pending_jobs: int
    running_jobs: int


_DOWN = frozenset({"DOWN", "FAIL", "FAILING", "NOT_RESPONDING", "POWERED_DOWN", "POWER_DOWN"})
_UNUSABLE_FLAGS = frozenset({"DRAIN", "DRAINED", "DRAINING", "NOT_RESPONDING", "FAIL"})


def summarise(
    partitions: Sequence[Partition],
    nodes: Sequence[SlurmNode],
    job_partitions: Sequence[tuple[str, str]],
) -> list[PartitionSummary]:
    """Per partition: its nodes by state, GPUs free where jobs can run, and the jobs
    (``job_partitions``: (state, "p1,p2")) pending or running there. A node counts once
    per partition it is in; a drained node counts as drain, not as its base state."""
    summaries = []
    for p in partitions:
        members = [n for n in nodes if p.name in n.partitions]
        counts = {"IDLE": 0, "ALLOCATED": 0, "MIXED": 0, "DOWN": 0, "DRAIN": 0, "OTHER": 0}
        free = 0
        for n in members:
            flags = set(n.flags)
            if flags & {"DRAIN", "DRAINED", "DRAINING"} or n.state in {"DRAINED", "DRAINING"}:
                counts["DRAIN"] += 1
            elif n.state in _DOWN or "NOT_RESPONDING" in flags:
                counts["DOWN"] += 1
            elif n.state in counts:
                counts[n.state] += 1
            else:
                counts["OTHER"] += 1
            if n.state not in _DOWN and not flags & _UNUSABLE_FLAGS:
                free += max(n.gpus_total - n.gpus_used, 0)
        pending = sum(1 for s, ps in job_partitions if s == "PENDING" and p.name in ps.split(","))
        running = sum(1 for s, ps in job_partitions if s == "RUNNING" and p.name in ps.split(","))
        summaries.append(
            PartitionSummary(
                name=p.name,
                default=p.default,
                state=p.state,
                max_time_minutes=p.max_time_minutes,
                nodes_total=len(members),
                idle=counts["IDLE"],
                allocated=counts["ALLOCATED"],
                mixed=counts["MIXED"],
                down=counts["DOWN"],
                drain=counts["DRAIN"],
                other=counts["OTHER"],
                gpus_total=sum(n.gpus_total for n in members),
                gpus_free=free,
                pending_jobs=pending,
                running_jobs=running,
            )
        )
    return summaries
