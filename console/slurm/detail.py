"""One job in depth, its efficiency, nodes in depth and partitions summed up: records and
the parsers that read them from Slurm's output.

Every field is read so that no value a user sets can pose as another: ``squeue -O`` and
``sacct -P`` with a random separator per call (see :mod:`console.slurm.parse`), and the
few facts only ``scontrol show`` prints (a requeue count, the requested TRES, a node's
reason's author) are refused when their key appears twice in one record (a free-text
value imitating it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from console.records import Record
from console.slurm import gpu_usage, parse
from console.slurm.gpu_usage import tres_gpus
from console.slurm.gpu_usage import tres_items as _tres
from console.slurm.records import SlurmJob

# Columns squeue -O adds, for the detail, to parse.JOB_FIELDS (same separator rules).
DETAIL_FIELDS = ("Account", "QOS", "Dependency", "Requeue", "MinMemory", "Feature", "Reservation")

# sacct -P --delimiter=TOKEN: the job and its steps; JobName last (it may hold newlines).
STEP_FIELDS = (
    "JobID",
    "State",
    "ExitCode",
    "Elapsed",
    "TotalCPU",
    "AllocCPUS",
    "MaxRSS",
    "ReqMem",
    "AllocTRES",
    "ReqTRES",
    "Timelimit",
    "NodeList",
    "Start",
    "End",
    "Submit",
    "Partition",
    "QOS",
    "Account",
    "Reason",
    "User",
    "WorkDir",
    # GPU accounting (AccountingStorageTRES with gres/gpuutil, gres/gpumem; gpu/nvml):
    # Tot sums the steps' tasks (every GPU's utilisation added up), Max the largest task.
    "TRESUsageInTot",
    "TRESUsageInMax",
    "JobName",
)


@dataclass(frozen=True)
class JobStep(Record):
    """One row of sacct for a job: the job itself (``step`` "") or a step (batch, 0, …)."""

    job_id: str
    step: str
    name: str
    state: str
    exit_code: int | None
    signal: int | None
    elapsed_seconds: int | None
    total_cpu_seconds: int | None
    alloc_cpus: int | None
    max_rss_mb: float | None
    req_mem_mb: float | None  # per job (a per-CPU/per-node request multiplied out)
    alloc_tres: str
    req_tres: str
    time_limit_minutes: int | None
    nodes: str
    started: datetime | None
    ended: datetime | None
    submitted: datetime | None
    partition: str = ""
    qos: str = ""
    account: str = ""
    reason: str = ""
    user: str = ""
    workdir: str = ""
    gpu_util_sum: float | None = None  # gres/gpuutil of TRESUsageInTot: % over all GPUs
    gpu_mem_max_mb: float | None = None  # gres/gpumem of TRESUsageInMax


@dataclass(frozen=True)
class NodeGpuHold(Record):
    node: str
    gpus: tuple[int, ...]


@dataclass(frozen=True)
class JobDetail(Record):
    """Everything about one job an operator asks for before acting on it."""

    # The script keeps its lines (made inert line by line); paths are shown, not acted on.
    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"script"})

    job_id: str
    name: str
    user: str
    state: str
    reason: str
    exit_code: int | None
    signal: int | None
    submitted: datetime | None
    started: datetime | None
    ended: datetime | None
    elapsed_seconds: int | None
    time_limit_minutes: int | None
    partition: str
    qos: str
    account: str
    nodes: str
    node_gpus: tuple[NodeGpuHold, ...]
    tres_requested: str
    tres_allocated: str
    workdir: str
    stdout: str
    stderr: str
    command: str
    dependency: str
    requeue: bool | None
    restarts: int | None
    source: str  # "squeue" (the controller still has it) or "sacct" (accounting only)
    steps: tuple[JobStep, ...] = ()
    script: str | None = None  # None: not asked for, or not to be had
    script_source: str = ""  # "slurm" (scontrol write batch_script) | "uploaded copy"
    script_path: str = ""
    notes: tuple[str, ...] = field(default=())  # what could not be read, one line each


# --- field rows with a random separator -----------------------------------------------------


def detail_fields_format(token: str) -> str:
    """``squeue -O`` for :data:`parse.JOB_FIELDS` then :data:`DETAIL_FIELDS`."""
    base = parse.job_fields_format(token)
    return base + "," + ",".join(f"{name}:0{token}" for name in DETAIL_FIELDS)


def parse_detail_fields(output: str, token: str) -> list[tuple[SlurmJob, dict[str, str]]]:
    """``squeue -h -O <detail_fields_format(token)>``: each row's job and its extra
    columns (``(null)``/``N/A`` read as "")."""
    count = len(parse.JOB_FIELDS) + len(DETAIL_FIELDS)

    def run() -> list[tuple[SlurmJob, dict[str, str]]]:
        rows = _token_rows(output, token, count)
        found = []
        for row in rows:
            head = token.join(row[: len(parse.JOB_FIELDS)]) + token + "\n"
            (job,) = parse.parse_job_fields(head, token)
            extras = {
                name: parse._unset(value.strip())
                for name, value in zip(DETAIL_FIELDS, row[len(parse.JOB_FIELDS) :], strict=True)
            }
            found.append((job, extras))
        return found

    return parse._guard("squeue -O", run)


def _token_rows(output: str, token: str, count: int) -> list[list[str]]:
    if not output.strip():
        return []
    parts = output.split(token)
    tail = parts.pop()
    if tail.strip() or len(parts) % count:
        raise ValueError(f"{len(parts)} fields do not make rows of {count}: {output[:80]!r}")
    rows = []
    for start in range(0, len(parts), count):
        row = parts[start : start + count]
        if start:
            if not row[0].startswith("\n"):
                raise ValueError(f"a row does not start on a new line: {row[0][:40]!r}")
            row[0] = row[0][1:]
        rows.append(row)
    return rows


_MEM = re.compile(r"^(\d+(?:\.\d+)?)([KMGTP]?)([nc]?)$")
_SCALE = {"": 1 / (1024 * 1024), "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2, "P": 1024**3}


def memory_mb(value: str) -> float | None:
    """``123456K``, ``4G``, ``23593M``, ``2Gc`` (per CPU) → MiB; None for "" or junk."""
    match = _MEM.match(value.strip())
    if not match:
        return None
    return float(match.group(1)) * _SCALE[match.group(2)]


def cpu_seconds(value: str) -> int | None:
    """sacct's TotalCPU (``1-02:03:04``, ``02:03.123``, ``03:04``) in whole seconds."""
    text = value.strip()
    match = re.fullmatch(r"(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)(?:\.(\d+))?", text)
    if not match:
        return None
    days, hours, mins, secs, _ = match.groups()
    return int(days or 0) * 86400 + int(hours or 0) * 3600 + int(mins) * 60 + int(secs)


def parse_steps(output: str, delimiter: str) -> list[JobStep]:
    """``sacct -P -n --delimiter=TOKEN -o <STEP_FIELDS>`` for one job: the job and its
    steps. A per-CPU (``c``) or per-node (``n``) ReqMem is multiplied out."""

    def run() -> list[JobStep]:
        steps = []
        for values in parse._delimited_rows(output, delimiter, len(STEP_FIELDS)):
            row = dict(zip(STEP_FIELDS, values, strict=True))
            raw_id = row["JobID"].strip()
            if not parse.is_job_id(raw_id):
                raise ValueError(f"not a job id: {raw_id[:40]!r}")
            job_id, _, step = raw_id.partition(".")
            state, _ = parse.states(row["State"])
            exit_code, signal = parse._exit(row["ExitCode"])
            cpus = parse.number(row["AllocCPUS"])
            req = row["ReqMem"].strip()
            req_mb = memory_mb(req)
            if req_mb is not None and req.endswith("c"):
                req_mb *= cpus or 1
            elif req_mb is not None and req.endswith("n"):
                nodes = parse.number(_tres(row["AllocTRES"]).get("node", "")) or 1
                req_mb *= nodes
            steps.append(
                JobStep(
                    job_id=job_id,
                    step=step,
                    name=row["JobName"],
                    state=state,
                    exit_code=exit_code,
                    signal=signal,
                    elapsed_seconds=parse.duration(row["Elapsed"]),
                    total_cpu_seconds=cpu_seconds(row["TotalCPU"]),
                    alloc_cpus=cpus,
                    max_rss_mb=memory_mb(row["MaxRSS"]),
                    req_mem_mb=req_mb,
                    alloc_tres=row["AllocTRES"].strip(),
                    req_tres=row["ReqTRES"].strip(),
                    time_limit_minutes=parse.minutes(row["Timelimit"]),
                    nodes=parse._na(row["NodeList"].strip()).replace("None assigned", ""),
                    started=parse.timestamp(row["Start"]),
                    ended=parse.timestamp(row["End"]),
                    submitted=parse.timestamp(row["Submit"]),
                    partition=row["Partition"].strip(),
                    qos=row["QOS"].strip(),
                    account=row["Account"].strip(),
                    reason=parse._accounting_reason(state, row["Reason"]),
                    user=row["User"].strip(),
                    workdir=row["WorkDir"],
                    gpu_util_sum=gpu_usage.tres_number(row["TRESUsageInTot"], "gres/gpuutil"),
                    gpu_mem_max_mb=memory_mb(_tres(row["TRESUsageInMax"]).get("gres/gpumem", "")),
                )
            )
        return steps

    return parse._guard("sacct", run)


def scontrol_unique(output: str, keys: Sequence[str]) -> dict[str, str]:
    """The values of ``keys`` in ``scontrol show … `` text, "" for a key absent or seen
    more than once (a free-text value imitating it: neither copy is trusted)."""
    text = " ".join(output.split("\n"))
    seen = [m.group(1) for m in parse._KEY.finditer(text)]
    values = parse.parse_key_values(text)
    return {k: values.get(k, "") if seen.count(k) == 1 else "" for k in keys}


# --- efficiency -------------------------------------------------------------------------------

CPU_WASTE = 25.0  # percent: below this the CPUs mostly idled
MEMORY_WASTE = 10.0  # percent of requested memory used


@dataclass(frozen=True)
class Efficiency(Record):
    """seff's numbers for one job, plus a verdict an operator can act on."""

    job_id: str
    state: str
    running: bool
    elapsed_seconds: int | None
    time_limit_minutes: int | None
    wall_percent: float | None  # elapsed / time limit
    alloc_cpus: int | None
    total_cpu_seconds: int | None
    cpu_percent: float | None  # TotalCPU / (Elapsed x AllocCPUS)
    max_rss_mb: float | None  # the most any step used
    req_mem_mb: float | None
    memory_percent: float | None
    gpus: int
    gpu_hours: float
    wasteful: bool
    reasons: tuple[str, ...]  # why wasteful (empty otherwise)
    notes: tuple[str, ...]  # what could not be measured and why
    gpu_util_percent: float | None = None  # mean over the job's GPUs
    gpu_util_source: str = ""  # "Slurm GPU accounting" | "sampled now (nvidia-smi)"
    gpu_memory_mb: float | None = None  # the most one task used (accounting)


def efficiency(
    steps: Sequence[JobStep],
    *,
    live: Mapping[str, float | None] | None = None,
    sampled: gpu_usage.Sampled | None = None,
    held_gpus: int | None = None,
) -> Efficiency:
    """The efficiency of the job whose sacct rows are ``steps`` (the job row first).

    ``live`` (from sstat, for a running job) may give ``total_cpu_seconds`` and
    ``max_rss_mb`` where accounting has none yet; ``sampled`` (nvidia-smi on a running
    job's GPUs) the GPU utilisation where Slurm's GPU accounting has none. Measures a
    job too short to judge (under a minute) but never calls it wasteful.
    ``held_gpus`` (the controller's count) stands in when accounting records no GPU TRES.
    """
    job = next((s for s in steps if not s.step), None)
    if job is None:
        raise parse.SlurmOutputError("sacct has no row for the job itself")
    subs = [s for s in steps if s.step]
    running = job.state in {"RUNNING", "PENDING", "SUSPENDED", "COMPLETING"}
    notes: list[str] = []
    cpu_total = job.total_cpu_seconds
    if not cpu_total and subs:
        cpu_total = sum(s.total_cpu_seconds or 0 for s in subs)
    rss = [s.max_rss_mb for s in subs if s.max_rss_mb is not None]
    max_rss = max(rss) if rss else None
    live = live or {}
    if running:  # accounting has CPU time only for finished steps: sstat or nothing
        live_cpu = live.get("total_cpu_seconds")
        cpu_total = None if live_cpu is None else int(live_cpu) + (cpu_total or 0)
        if live_cpu is None:
            notes.append("live CPU use is not available (sstat reports none here)")
    if live.get("max_rss_mb") is not None:
        max_rss = max(max_rss or 0.0, float(live["max_rss_mb"] or 0.0))
    elapsed = job.elapsed_seconds
    if not running and not cpu_total and max_rss is None and subs and elapsed:
        # Steps that ran yet recorded neither CPU time nor memory: the cluster gathers no
        # usage (JobAcctGatherType=jobacct_gather/none), not a job that idled. "0%" here
        # would call every job over a minute wasteful.
        cpu_total = None
        notes.append("no CPU use recorded (job accounting gathers none here?)")
    cpus = job.alloc_cpus
    cpu_percent = None
    if elapsed and cpus and cpu_total is not None:
        cpu_percent = round(100.0 * cpu_total / (elapsed * cpus), 1)
    elif not elapsed:
        notes.append("it has not run (no elapsed time)")
    if max_rss is None:
        notes.append("no memory use recorded (job accounting gathers none here?)")
    mem_percent = None
    if max_rss is not None and job.req_mem_mb:
        mem_percent = round(100.0 * max_rss / job.req_mem_mb, 1)
    gpus = tres_gpus(job.alloc_tres) or tres_gpus(job.req_tres) or (sampled.gpus if sampled else 0)
    if not gpus and held_gpus:
        # A cluster whose AccountingStorageTRES lacks gres/gpu: "0 GPU-hours" for a job
        # that held GPUs would be wrong; the controller still knows the count.
        gpus = held_gpus
        notes.append("GPUs from the controller: accounting records no gres/gpu here")
    gpu_hours = round(gpus * (elapsed or 0) / 3600.0, 3)
    wall = None
    if elapsed is not None and job.time_limit_minutes:
        wall = round(100.0 * elapsed / (job.time_limit_minutes * 60), 1)
    reasons: list[str] = []
    judged = (elapsed or 0) >= 60
    if not judged and elapsed:
        notes.append("ran under a minute: too short to call wasteful")
    if judged and cpu_percent is not None and cpu_percent < CPU_WASTE:
        reasons.append(f"CPU efficiency {cpu_percent:.0f}% < {CPU_WASTE:.0f}%")
    if judged and mem_percent is not None and mem_percent < MEMORY_WASTE:
        reasons.append(f"memory used {mem_percent:.1f}% of requested < {MEMORY_WASTE:.0f}%")
    gpu = gpu_usage.utilisation(steps, gpus, sampled)
    if gpu.note:
        notes.append(gpu.note)
    if judged and gpu.percent is not None and gpu.percent < gpu_usage.GPU_WASTE:
        reasons.append(f"GPU utilisation {gpu.percent:.0f}% < {gpu_usage.GPU_WASTE:.0f}%")
    return Efficiency(
        job_id=job.job_id,
        state=job.state,
        running=running,
        elapsed_seconds=elapsed,
        time_limit_minutes=job.time_limit_minutes,
        wall_percent=wall,
        alloc_cpus=cpus,
        total_cpu_seconds=cpu_total,
        cpu_percent=cpu_percent,
        max_rss_mb=max_rss,
        req_mem_mb=job.req_mem_mb,
        memory_percent=mem_percent,
        gpus=gpus,
        gpu_hours=gpu_hours,
        wasteful=bool(reasons),
        reasons=tuple(reasons),
        notes=tuple(notes),
        gpu_util_percent=gpu.percent,
        gpu_util_source=gpu.source,
        gpu_memory_mb=gpu.memory_mb,
    )


SSTAT_FIELDS = ("JobID", "TRESUsageInTot", "MaxRSS")  # sstat has no TotalCPU (22.05)


def parse_sstat(output: str, delimiter: str) -> dict[str, float | None]:
    """``sstat -n -P -a -j ID -o JobID,TRESUsageInTot,MaxRSS``: CPU
    seconds (the ``cpu=`` of TRESUsageInTot) summed and the largest MaxRSS over the
    running steps."""

    def run() -> dict[str, float | None]:
        cpu: float | None = None
        rss: float | None = None
        for line in output.splitlines():
            if not line.strip():
                continue
            parts = line.split(delimiter)
            if parts and parts[-1] == "" and len(parts) == len(SSTAT_FIELDS) + 1:
                parts.pop()  # some releases end each line with the delimiter too
            if len(parts) != len(SSTAT_FIELDS) or not parse.is_job_id(parts[0].strip()):
                raise ValueError(f"not sstat output: {line[:60]!r}")
            seconds = cpu_seconds(_tres(parts[1]).get("cpu", ""))
            if seconds is not None:
                cpu = (cpu or 0) + seconds
            mb = memory_mb(parts[2])
            if mb is not None:
                rss = max(rss or 0.0, mb)
        return {"total_cpu_seconds": cpu, "max_rss_mb": rss}

    return parse._guard("sstat", run)
