"""The HyperPod tab's tables: clusters, nodes (AWS joined with Slurm), queue, history, GPUs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from screens.hyperpod.marks import Marks
from screens.kit.formatting import MISSING, format_time
from screens.kit.keyed_table import KeyedTable, TableColumn, epoch

if TYPE_CHECKING:
    from console.services.hyperpod import Cluster
    from console.slurm.cluster import PartitionSummary
    from console.slurm.detail import Efficiency
    from console.slurm.gpu import GpuSample
    from console.slurm.join import JoinedNode
    from console.slurm.records import AccountingJob, SlurmJob


MARK = "● "


def duration(seconds: int | None) -> str:
    if seconds is None:
        return MISSING
    days, rest = divmod(max(seconds, 0), 86400)
    text = f"{rest // 3600}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


def groups_text(cluster: Cluster) -> str:
    return " · ".join(
        f"{g.name} {g.current_count}/{g.target_count}" for g in cluster.instance_groups
    )


class ClustersTable(KeyedTable["Cluster"]):
    """HyperPod clusters with their instance groups in one cell."""

    COLUMNS = (
        TableColumn("name", "Cluster", flex=True),
        TableColumn("status", "Status", compact_width=10),
        TableColumn("orchestrator", "Orchestrator", compact_width=6, hide_when_compact=True),
        TableColumn("groups", "Instance groups (current/target)", compact_width=24),
        TableColumn("created", "Created", compact_width=11, descending_first=True),
    )
    DEFAULT_SORT = "created"

    def key_of(self, item: Cluster) -> str:
        return item.name

    def cell_values(self, item: Cluster, now: datetime) -> Mapping[str, str]:
        return {
            "name": item.name,
            "status": item.status,
            "orchestrator": item.orchestrator or MISSING,
            "groups": groups_text(item) or MISSING,
            "created": format_time(item.created, compact=self.compact),
        }

    def filter_fields(self, item: Cluster) -> Mapping[str, str]:
        return {"name": item.name, "status": item.status, "groups": groups_text(item)}

    def sort_value(self, item: Cluster, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "created":
            return (item.created or epoch(), item.name)
        if column == "status":
            return (item.status, item.name)
        return (item.name.lower(),)


def _gres(row: JoinedNode) -> str:
    node = row.slurm
    if node is None or not node.gpus_total:
        return MISSING
    return f"{node.gpus_used}/{node.gpus_total}"


def _cpus(row: JoinedNode) -> str:
    node = row.slurm
    if node is None:
        return MISSING
    return f"{node.cpus_allocated or 0}/{node.cpus_total or '?'}"


# Said in the Reason column (12 cells at 80 columns), not the 10-cell Slurm state column
# where it read "not in Sl…".
NOT_IN_SLURM = "not in Slurm"


def nodes_cell(table: KeyedTable[Any], expression: str, column: str) -> str:
    """A job's node list as a hostlist; on a narrow screen fitted to its column (the
    numbers that tell nodes apart kept whole, else the count)."""
    from console.slurm.hostlist import compress, expand, fit_hostlist

    if not expression:
        return ""
    width = table.column_widths.get(column) if table.compact else None
    if width:
        return fit_hostlist(expression, width)
    try:  # wide: every node (normalised the way Slurm writes them)
        return compress(expand(expression)) or expression
    except ValueError:
        return expression


class NodesTable(KeyedTable["JoinedNode"]):
    """One row per machine: Slurm state/reason/CPUs/GPUs beside the instance's AWS status."""

    COLUMNS = (
        TableColumn("name", "Node", flex=True),
        TableColumn("slurm", "Slurm", compact_width=10),
        # Reason stays at 80 columns (why a node is down/drained); the group goes instead
        TableColumn("reason", "Reason", compact_width=12),
        TableColumn("cpus", "CPUs", compact_width=7),
        TableColumn("gpus", "GPUs", compact_width=5),
        TableColumn("instance", "Instance", compact_width=12, hide_when_compact=True),
        TableColumn("group", "Group", compact_width=10, hide_when_compact=True),
        TableColumn("status", "AWS status", compact_width=10),
    )
    DEFAULT_SORT = "name"
    COMPACT_WIDTH = 120

    def key_of(self, item: JoinedNode) -> str:
        return item.name

    def cell_values(self, item: JoinedNode, now: datetime) -> Mapping[str, str]:
        slurm, instance = item.slurm, item.instance
        reason = (slurm.reason if slurm else "") or (instance.message if instance else "")
        if slurm is None:  # a controller/login node, or one slurmd has not registered
            reason = reason or NOT_IN_SLURM
        return {
            "name": item.name,
            "slurm": slurm.display_state if slurm else MISSING,
            "reason": reason or MISSING,
            "cpus": _cpus(item),
            "gpus": _gres(item),
            "instance": instance.instance_id if instance else MISSING,
            "group": instance.group if instance else MISSING,
            "status": instance.status if instance else "no instance",
        }

    def filter_fields(self, item: JoinedNode) -> Mapping[str, str]:
        return {key: value for key, value in self.cell_values(item, epoch()).items()}

    def sort_value(self, item: JoinedNode, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "name":
            return (item.name,)
        return (self.cell_values(item, now)[column], item.name)


def exit_text(code: int | None, signal: int | None) -> str:
    """``3``, ``sig 9``, or the missing mark (unknown, or the job has not ended)."""
    if signal:
        return f"sig {signal}"
    return MISSING if code is None else str(code)


def job_sort_id(job_id: str) -> tuple[int, str]:
    head = job_id.split("_", 1)[0]
    return (int(head) if head.isdigit() else 0, job_id)


class QueueTable(KeyedTable["SlurmJob"]):
    """squeue: jobs with state, where (or why not yet) and for how long."""

    COLUMNS = (
        TableColumn("id", "JobID", compact_width=8, descending_first=True),
        TableColumn("name", "Name", flex=True),
        TableColumn("user", "User", compact_width=8),
        TableColumn("status", "State", compact_width=10),
        TableColumn("where", "Nodes", compact_width=12),
        TableColumn("reason", "Reason", compact_width=14, hide_when_compact=True),
        TableColumn("exit", "Exit", compact_width=5, hide_when_compact=True),
        TableColumn("time", "Time", compact_width=9),
        TableColumn("gpus", "GPUs", compact_width=4),
    )
    DEFAULT_SORT = "id"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.marks = Marks()  # ``space``: the jobs the next action applies to

    def key_of(self, item: SlurmJob) -> str:
        return item.job_id

    def toggle_mark(self, key: str) -> bool:
        """Mark/unmark one job; only its row is redrawn."""
        marked = self.marks.toggle(key, self.items)
        self.redraw_rows([key])
        return marked

    def keep_marks(self) -> None:
        """After a poll: marks on jobs that left the queue go with them."""
        if gone := self.marks.keep(self.items):
            self.redraw_rows(gone)

    def clear_marks(self) -> None:
        self.redraw_rows(self.marks.clear())

    def id_cell(self, item: SlurmJob) -> str:
        """The job id, marked; a pending array range too long for a narrow column keeps
        the array's id whole (``4110_[…]``: what ``K`` acts on), not a cut middle."""
        mark = MARK if item.job_id in self.marks else ""
        width = self.column_widths.get("id") if self.compact else None
        if not width or not item.is_task_range or len(mark + item.job_id) <= width:
            return mark + item.job_id
        shorter = (f"{mark}{item.array_job_id}_[…]", f"{mark}{item.array_job_id}_…")
        return next((text for text in shorter if len(text) <= width), shorter[-1])

    def cell_values(self, item: SlurmJob, now: datetime) -> Mapping[str, str]:
        return {
            "id": self.id_cell(item),
            "name": item.name,
            "user": item.user,
            "status": item.display_state,
            # compact (no Reason column): why it waits or failed, in its place
            "where": (
                f"({item.reason})"
                if self.compact and item.reason
                else nodes_cell(self, item.nodes, "where")
            )
            or MISSING,
            "reason": item.reason or MISSING,
            "exit": exit_text(item.exit_code, item.signal),
            "time": duration(item.elapsed_seconds),
            "gpus": str(item.gpus) if item.gpus else MISSING,
        }

    def filter_fields(self, item: SlurmJob) -> Mapping[str, str]:
        return {
            "id": item.job_id,
            "name": item.name,
            "user": item.user,
            "status": item.display_state,
            "where": item.nodes,
            "reason": item.reason,
        }

    def sort_value(self, item: SlurmJob, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "id":
            return job_sort_id(item.job_id)
        if column == "time":
            return (item.elapsed_seconds or 0, job_sort_id(item.job_id))
        return (self.cell_values(item, now)[column], job_sort_id(item.job_id))


class HistoryTable(KeyedTable["AccountingJob"]):
    """sacct: finished (and running) jobs with exit codes."""

    COLUMNS = (
        TableColumn("id", "JobID", compact_width=8, descending_first=True),
        TableColumn("name", "Name", flex=True),
        TableColumn("user", "User", compact_width=8),
        TableColumn("status", "State", compact_width=10),
        TableColumn("exit", "Exit", compact_width=5),
        TableColumn("reason", "Reason", compact_width=14, hide_when_compact=True),
        TableColumn("elapsed", "Elapsed", compact_width=9),
        TableColumn("nodes", "Nodes", compact_width=14, hide_when_compact=True),
        TableColumn("submitted", "Submitted", compact_width=11, descending_first=True),
        TableColumn("waste", "Waste", compact_width=5),
    )
    DEFAULT_SORT = "id"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.efficiency: Mapping[str, Efficiency] = {}  # by job id, from the same poll

    def key_of(self, item: AccountingJob) -> str:
        return item.job_id

    def set_efficiency(self, efficiency: Mapping[str, Efficiency]) -> None:
        """The poll's efficiencies; rows whose flag changed are drawn again."""
        before = {k for k, e in self.efficiency.items() if e.wasteful}
        after = {k for k, e in efficiency.items() if e.wasteful}
        self.efficiency = efficiency
        if changed := before ^ after:
            self.redraw_rows(changed)

    def waste(self, item: AccountingJob) -> str:
        found = self.efficiency.get(item.job_id)
        if found is None:
            return MISSING
        return "WASTE" if found.wasteful else "ok"

    def cell_values(self, item: AccountingJob, now: datetime) -> Mapping[str, str]:
        return {
            "id": item.job_id,
            "name": item.name,
            "user": item.user,
            "status": item.state,
            "exit": exit_text(item.exit_code, item.signal),
            "reason": item.reason or MISSING,
            "elapsed": duration(item.elapsed_seconds),
            "nodes": nodes_cell(self, item.nodes, "nodes") or MISSING,
            "submitted": format_time(item.submitted, compact=self.compact),
            "waste": self.waste(item),
        }

    def filter_fields(self, item: AccountingJob) -> Mapping[str, str]:
        return {
            "id": item.job_id,
            "name": item.name,
            "user": item.user,
            "status": item.state,
            "waste": self.waste(item),
        }

    def sort_value(self, item: AccountingJob, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "id":
            return job_sort_id(item.job_id)
        if column == "submitted":
            return (item.submitted or epoch(), job_sort_id(item.job_id))
        return (self.cell_values(item, now)[column], job_sort_id(item.job_id))


def _num(value: float | None, unit: str = "") -> str:
    return MISSING if value is None else f"{value:.0f}{unit}"


class GpuTable(KeyedTable["GpuSample"]):
    """One row per GPU of a job's nodes; idle GPUs and stragglers flagged."""

    COLUMNS = (
        TableColumn("gpu", "Node/GPU", flex=True),
        TableColumn("util", "Util", compact_width=5),
        TableColumn("memory", "Memory MiB", compact_width=13),
        TableColumn("temp", "Temp", compact_width=5),
        TableColumn("power", "Power", compact_width=6),
        TableColumn("status", "Flags", compact_width=10),
    )
    DEFAULT_SORT = "gpu"

    def key_of(self, item: GpuSample) -> str:
        return f"{item.node}/{item.index if item.index is not None else item.uuid}"

    def cell_values(self, item: GpuSample, now: datetime) -> Mapping[str, str]:
        used, total = item.memory_used_mb, item.memory_total_mb
        memory = MISSING if used is None and total is None else f"{_num(used)}/{_num(total)}"
        flags = ",".join(item.flags) or ("MIG" if item.mig else "ok")
        return {
            "gpu": self.key_of(item),
            "util": _num(item.utilization, "%"),
            "memory": memory,
            "temp": _num(item.temperature_c, "C"),
            "power": _num(item.power_w, "W"),
            "status": flags,
        }

    def filter_fields(self, item: GpuSample) -> Mapping[str, str]:
        return {"gpu": self.key_of(item), "status": ",".join(item.flags)}

    def sort_value(self, item: GpuSample, column: str, now: datetime) -> tuple[Any, ...]:
        if column == "util":
            return (item.utilization if item.utilization is not None else -1.0, item.node)
        return (item.node, item.index if item.index is not None else -1)


class PartitionsTable(KeyedTable["PartitionSummary"]):
    """One row per Slurm partition: nodes by state, GPUs free, jobs pending/running."""

    COLUMNS = (
        TableColumn("name", "Partition", flex=True),
        TableColumn("state", "State", compact_width=6, hide_when_compact=True),
        TableColumn("nodes", "Nodes", compact_width=5),
        TableColumn("idle", "Idle", compact_width=4),
        TableColumn("alloc", "Alloc", compact_width=5),
        TableColumn("mixed", "Mix", compact_width=4),
        TableColumn("down", "Down", compact_width=4),
        TableColumn("drain", "Drain", compact_width=5),
        TableColumn("gpus", "GPU free", compact_width=8),
        TableColumn("pending", "Pend", compact_width=4),
        TableColumn("running", "Run", compact_width=4, hide_when_compact=True),
        TableColumn("limit", "Max time", compact_width=9, hide_when_compact=True),
    )
    DEFAULT_SORT = "name"

    def key_of(self, item: PartitionSummary) -> str:
        return item.name

    def cell_values(self, item: PartitionSummary, now: datetime) -> Mapping[str, str]:
        minutes = item.max_time_minutes
        limit = "unlimited" if minutes is None else duration(minutes * 60)
        return {
            "name": item.name + ("*" if item.default else ""),
            "state": item.state,
            "nodes": str(item.nodes_total),
            "idle": str(item.idle),
            "alloc": str(item.allocated),
            "mixed": str(item.mixed),
            "down": str(item.down),
            "drain": str(item.drain),
            "gpus": f"{item.gpus_free}/{item.gpus_total}" if item.gpus_total else MISSING,
            "pending": str(item.pending_jobs),
            "running": str(item.running_jobs),
            "limit": limit,
        }

    def filter_fields(self, item: PartitionSummary) -> Mapping[str, str]:
        return {"name": item.name, "state": item.state}

    def sort_value(self, item: PartitionSummary, column: str, now: datetime) -> tuple[Any, ...]:
        if column in {"name", "state", "limit", "gpus"}:
            return (self.cell_values(item, now)[column], item.name)
        return (int(self.cell_values(item, now)[column]), item.name)
