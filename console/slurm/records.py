"""Typed records for what Slurm reports: jobs in the queue, nodes, accounting, partitions.

Frozen dataclasses like the AWS side's records, so the CLI's ``--json`` and the TUI's
tables get one shape whatever the Slurm version or output format they were parsed from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from console.records import Record

# Job states from squeue/sacct (the base state; flags such as REQUEUED ride along).
ACTIVE_JOB_STATES = frozenset(
    {
        "PENDING",
        "RUNNING",
        "SUSPENDED",
        "COMPLETING",
        "CONFIGURING",
        "RESIZING",
        "REQUEUED",
        "REQUEUE_FED",
        "REQUEUE_HOLD",
        "SIGNALING",
        "STAGE_OUT",
        "STOPPED",
        "RESV_DEL_HOLD",
        "SPECIAL_EXIT",
    }
)
FINISHED_JOB_STATES = frozenset(
    {
        "COMPLETED",
        "CANCELLED",
        "FAILED",
        "TIMEOUT",
        "NODE_FAIL",
        "PREEMPTED",
        "BOOT_FAIL",
        "DEADLINE",
        "OUT_OF_MEMORY",
        "REVOKED",
    }
)


@dataclass(frozen=True)
class SlurmJob(Record):
    """A job as the controller knows it (squeue / scontrol)."""

    # The output paths are operands (the files tailed), kept byte-exact: shown only
    # through console.sanitize (see Record).
    VERBATIM_FIELDS: ClassVar[frozenset[str]] = frozenset({"stdout", "stderr"})

    job_id: str
    name: str
    user: str
    state: str  # the base state, upper case: RUNNING, PENDING, COMPLETED, …
    flags: tuple[str, ...]  # further states reported alongside (COMPLETING, REQUEUED, …)
    reason: str  # why pending/failed ("" for None)
    partition: str
    nodes: str  # Slurm's node list expression ("" while pending)
    node_count: int | None
    cpus: int | None
    gpus: int  # GPUs requested/allocated over all nodes (0 when none)
    time_limit_minutes: int | None  # None: unlimited or unknown
    elapsed_seconds: int | None
    submitted: datetime | None
    started: datetime | None
    ended: datetime | None
    exit_code: int | None
    signal: int | None
    comment: str = ""
    workdir: str = ""
    # squeue --json gives the pattern (slurm-%j.out); SlurmClient.job() the expanded path
    stdout: str = ""
    stderr: str = ""
    command: str = ""
    # An array task: its array's job id and the task id ("3"); a pending range of tasks:
    # the range as Slurm prints it ("2-5%1"). Both "" outside arrays.
    array_job_id: str = ""
    array_task: str = ""
    # Slurm's own number for the job or array task (task 14_1 may be 15): what
    # ``srun --jobid`` takes, as it refuses 14_1. "" when the source did not say.
    number: str = ""
    # The TRES Slurm allocated (cpu=2,mem=4G,node=1,gres/gpu=2); "" when the source did not say.
    tres_alloc: str = ""

    @property
    def active(self) -> bool:
        return self.state not in FINISHED_JOB_STATES

    @property
    def display_state(self) -> str:
        return "+".join((self.state, *self.flags)) if self.flags else self.state

    @property
    def is_task_range(self) -> bool:
        """A row standing for several pending array tasks (``14_[2-3]``): no one task."""
        return bool(self.array_task) and not self.array_task.isdigit()

    @property
    def first_task_id(self) -> str:
        """The first task a pending range row stands for (``14_[2-5%1]`` -> ``14_2``): one
        job Slurm answers for (its log, its detail); the job's own id for any other row."""
        first = re.match(r"\d+", self.array_task) if self.is_task_range else None
        return f"{self.array_job_id}_{first.group(0)}" if first else self.job_id

    @property
    def whole_array_id(self) -> str:
        """The id that names every task of this job's array (the job's own id otherwise)."""
        return self.array_job_id or self.job_id


@dataclass(frozen=True)
class SlurmNode(Record):
    """A node as sinfo reports it, partitions merged."""

    name: str
    hostname: str
    address: str
    state: str  # base state, upper case: IDLE, MIXED, ALLOCATED, DOWN, …
    flags: tuple[str, ...]  # DRAIN, NOT_RESPONDING, …
    reason: str
    cpus_total: int | None
    cpus_allocated: int | None
    gres: str  # configured GRES, e.g. gpu:a100:8(S:0-1)
    gres_used: str
    gpus_total: int
    gpus_used: int
    memory_mb: int | None
    free_memory_mb: int | None
    partitions: tuple[str, ...]

    @property
    def display_state(self) -> str:
        return "+".join((self.state, *self.flags)) if self.flags else self.state


@dataclass(frozen=True)
class AccountingJob(Record):
    """A job from accounting (sacct): finished jobs too."""

    job_id: str
    name: str
    user: str
    state: str
    exit_code: int | None
    signal: int | None
    elapsed_seconds: int | None
    partition: str
    nodes: str
    alloc_tres: str
    submitted: datetime | None
    started: datetime | None
    ended: datetime | None
    # Why it waited or did not run (sacct's Reason): kept only for states where it says
    # something about this job (not for COMPLETED/RUNNING, where it is a stale pending one).
    reason: str = ""


@dataclass(frozen=True)
class Partition(Record):
    name: str
    default: bool
    state: str
    nodes: str
    max_time_minutes: int | None  # None: unlimited
    total_nodes: int | None
    total_cpus: int | None
    gpus_per_node: int = 0  # the most any of its nodes has (filled in from sinfo)
    cpus_per_node: int = 0  # likewise (0: unknown)
    memory_per_node_mb: int = 0  # likewise (0: unknown)
    max_nodes: int | None = None  # the partition's own limits (None: unlimited)
    max_cpus_per_node: int | None = None
    max_mem_per_node_mb: int | None = None
    max_mem_per_cpu_mb: int | None = None
