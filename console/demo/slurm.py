"""A simulated Slurm cluster behind the Transport interface, for the demo.

The demo has a moto HyperPod cluster but no machines, so the HyperPod tab would be dead
without this: :class:`DemoSlurmTransport` answers the commands :class:`SlurmClient`
runs (squeue/sinfo/sacct/scontrol/sbatch via the submit wrapper/scancel/tail/nvidia-smi
through srun) with output in the formats the real parsers read, generated from a small
model of a cluster whose jobs progress with the clock: pending jobs start, running jobs
write log lines and finish, GPUs are busy while a job runs. Its Slurm nodes are the
cluster's compute instances, named by their private DNS host names, so the nodes table
joins them with the AWS view as on a real HyperPod cluster.

Everything says it is simulated: ``sinfo --version`` and the destination carry the word,
and nothing here opens a socket or starts a process. The clock is injectable so tests
can move time forward instead of sleeping.

One demo stack, one simulated cluster: ``smconsole demo`` names a directory of its own
(:data:`STATE_ENV`, in the environment it hands to other shells), and the cluster's
state lives in a JSON file there, read and written under a file lock around every
command. So ``slurm-submit`` in one shell and ``slurm-queue`` in the next see the same
job, the console in the demo's own process sees it too, and a new demo starts afresh
(the directory goes when the demo stops). Without that variable (tests that build a
cluster in-process) the state stays in memory.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from console.remote.base import DEFAULT_TIMEOUT, Process, Result, Transport, command_line
from console.slurm.client import SUBMIT_SCRIPT
from console.slurm.gpu import PROBE_SCRIPT
from console.slurm.hostlist import compress, expand
from console.slurm.lint import read_directives
from console.slurm.tail import TAIL_SCRIPT

if TYPE_CHECKING:
    from console.services.hyperpod import ClusterNode, HyperPodService

DEMO_LABEL = "simulated cluster (demo)"
USER = "demo"
HOME = "/home/demo"
VERSION = "slurm 23.11.10 (smconsole demo: simulated cluster, no real nodes)"
GPUS_PER_NODE = 8
CPUS_PER_NODE = 192
MEMORY_MB = 2_000_000
PARTITION = "gpu"
LINE_SECONDS = 2.0  # a running job writes a log line this often
PENDING_SECONDS = 4.0  # a new submission waits this long before it starts
# Set by the demo stack: the directory where its simulated clusters keep their state.
STATE_ENV = "SMCONSOLE_DEMO_SLURM_DIR"
# Mean GPU utilisation (percent) Slurm's GPU accounting records for a finished job (91
# for any other): the failed DPO run sat waiting on NCCL, its GPUs idle.
GPU_UTIL_OF = {"mistral-7b-dpo": 4}


@dataclass(frozen=True)
class DemoNode:
    """A compute instance as the simulated Slurm sees it."""

    name: str  # short host name: ip-127-31-1-12
    address: str
    healthy: bool = True
    reason: str = ""
    drained: bool = False  # slurm-drain: runs what it has, takes nothing new


@dataclass
class SimJob:
    job_id: int
    name: str
    user: str
    nodes: list[str]
    gpus_per_node: int
    cpus: int
    submitted: float
    start: float
    duration: float
    outcome: str = "COMPLETED"  # what it becomes when it ends: COMPLETED | FAILED
    time_limit: int = 720  # minutes
    workdir: str = HOME
    comment: str = ""
    stdout: str = ""
    straggler: tuple[str, int] | None = None  # (node, gpu) that lags behind
    cancelled_at: float | None = None
    steps: int = 5000
    held: bool = False  # scontrol hold: pending until released
    restarts: int = 0  # scontrol requeue
    # An array: its job id, and this record's task ("1") or pending tasks ("2-3%1": the
    # record Slurm keeps, under the array's own id, for tasks not started yet).
    array_job: int = 0
    array_tasks: str = ""
    pending_reason: str = ""  # why it waits, when not for resources (JobArrayTaskLimit)

    @property
    def printed_id(self) -> str:
        """The id as squeue and sacct print it: ``4112``, ``4111_1``, ``4111_[2-3%1]``."""
        if not self.array_job:
            return str(self.job_id)
        if self.array_tasks.isdigit():
            return f"{self.array_job}_{self.array_tasks}"
        return f"{self.array_job}_[{self.array_tasks}]"

    def has_task(self, task: str) -> bool:
        """Whether this record is (or holds, while pending) task ``task`` of its array."""
        if self.array_tasks.isdigit() or not task.isdigit():
            return task == self.array_tasks
        tasks = self.array_tasks.split("%", 1)[0]
        return bool(tasks) and f"t{task}" in expand(f"t[{tasks}]")

    def state(self, now: float) -> tuple[str, str]:
        if self.cancelled_at is not None and self.cancelled_at <= now:
            return "CANCELLED", ""
        if self.held:
            return "PENDING", "JobHeldUser"
        if now < self.start:
            if self.pending_reason:
                return "PENDING", self.pending_reason
            return "PENDING", "Resources" if self.nodes else "Priority"
        if now < self.start + self.duration:
            return "RUNNING", ""
        return self.outcome, "NonZeroExitCode" if self.outcome == "FAILED" else ""

    def ended_at(self, now: float) -> float | None:
        state, _ = self.state(now)
        if state == "CANCELLED":
            return self.cancelled_at
        if state in {"COMPLETED", "FAILED"}:
            return self.start + self.duration
        return None

    def log_lines(self, now: float) -> list[str]:
        """Every line the job has written by ``now`` (a training run's log)."""
        if now < self.start:
            return []
        end = self.ended_at(now) or now
        count = int((min(end, self.start + self.duration) - self.start) / LINE_SECONDS)
        rng = random.Random(self.job_id)
        stamp = datetime.fromtimestamp(self.start, UTC).strftime("%Y-%m-%d %H:%M:%S")
        ranks = len(self.nodes) * max(self.gpus_per_node, 1)
        lines = [
            f"[{stamp}] job {self.job_id} ({self.name}) on {','.join(self.nodes)}",
            f"torchrun --nnodes={len(self.nodes)} --nproc-per-node={self.gpus_per_node or 1}",
            f"world size {ranks}; NCCL version 2.21.5+cuda12.4",
        ]
        loss = 2.9
        for i in range(1, count + 1):
            loss = max(0.6, loss * (0.995 + rng.random() * 0.004))
            step = i * 10
            lines.append(
                f"step {step:>5}/{self.steps} loss {loss:.4f} lr 3.0e-04 "
                f"tokens/s {int(ranks * 3100 * (0.9 + rng.random() * 0.2))}"
            )
            if i % 25 == 0:
                lines.append(f"saving checkpoint to /fsx/checkpoints/{self.name}/step_{step}")
        state, _ = self.state(now)
        if state == "COMPLETED":
            lines.append("training finished")
        elif state == "FAILED":
            lines.append("RuntimeError: CUDA error: an illegal memory access was encountered")
        elif state == "CANCELLED":
            when = datetime.fromtimestamp(end, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            lines.append(
                f"slurmstepd: error: *** JOB {self.job_id} ON {self.nodes[0]} "
                f"CANCELLED AT {when} ***"
            )
        return lines


@dataclass
class SimCluster:
    """The model: nodes, jobs and uploaded files, advanced by the clock."""

    nodes: list[DemoNode]
    clock: Callable[[], float] = time.time
    jobs: dict[int, SimJob] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    next_id: int = 4101
    lock: threading.RLock = field(default_factory=threading.RLock)
    login: str = "login-node"
    store: Path | None = None  # the shared state file (None: in memory only)
    _seen: tuple[int, int] | None = None  # (mtime_ns, size) of the file last read

    # --- shared state (one cluster per demo stack, whichever process asks) ------------

    def to_json(self) -> str:
        return json.dumps(
            {
                "login": self.login,
                "next_id": self.next_id,
                "nodes": [asdict(n) for n in self.nodes],
                "jobs": [
                    {**asdict(j), "straggler": list(j.straggler) if j.straggler else None}
                    for j in self.jobs.values()
                ],
                "files": {k: base64.b64encode(v).decode() for k, v in self.files.items()},
            }
        )

    def load_json(self, text: str) -> None:
        """Take the state written by :meth:`to_json` (in place: transports keep this object)."""
        data = json.loads(text)
        jobs = {}
        for item in data["jobs"]:
            straggler = item.pop("straggler", None)
            job = SimJob(**item, straggler=tuple(straggler) if straggler else None)
            jobs[job.job_id] = job
        self.login = str(data.get("login") or self.login)
        self.next_id = int(data["next_id"])
        self.nodes = [DemoNode(**n) for n in data["nodes"]]
        self.jobs = jobs
        self.files = {k: base64.b64decode(v) for k, v in data["files"].items()}

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the cluster (threads here and other processes) with its latest state;
        whatever the block changes is written back for the next command."""
        with self.lock:
            if self.store is None:
                yield
                return
            with _file_lock(self.store):
                if self.store.exists():
                    stat = self.store.stat()
                    if (stat.st_mtime_ns, stat.st_size) != self._seen:
                        self.load_json(self.store.read_text(encoding="utf-8"))
                        self._seen = (stat.st_mtime_ns, stat.st_size)
                before = self.to_json()
                try:
                    yield
                finally:
                    after = self.to_json()
                    if after != before or not self.store.exists():
                        self._save(after)

    def _save(self, text: str) -> None:
        assert self.store is not None
        temp = self.store.with_name(f".{self.store.name}.{os.getpid()}.tmp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, self.store)  # readers never see half a file
        stat = self.store.stat()
        self._seen = (stat.st_mtime_ns, stat.st_size)

    @classmethod
    def seeded(
        cls, nodes: Sequence[DemoNode], clock: Callable[[], float] = time.time
    ) -> SimCluster:
        """A cluster with a history and some work under way."""
        cluster = cls(list(nodes), clock)
        now = clock()
        up = [n.name for n in nodes if n.healthy]
        first, second, third = (up + up + up)[:3] if up else ("", "", "")
        minute = 60.0

        def add(**kw: object) -> None:
            job = SimJob(job_id=cluster.next_id, **kw)  # type: ignore[arg-type]
            job.stdout = job.stdout or f"{job.workdir}/slurm-{job.job_id}.out"
            cluster.jobs[job.job_id] = job
            cluster.next_id += 1

        # history (finished)
        for i, (name, user, outcome, ago, hours) in enumerate(
            [
                ("llama3-8b-sft", USER, "COMPLETED", 20, 3.0),
                ("tokenize-c4", "sam", "COMPLETED", 16, 1.0),
                ("mistral-7b-dpo", "priya", "FAILED", 12, 0.4),
                ("llama3-8b-sft-v2", USER, "COMPLETED", 9, 4.0),
                ("eval-humaneval", USER, "FAILED", 3, 0.1),
            ]
        ):
            start = now - ago * 3600
            add(
                name=name,
                user=user,
                nodes=[(first, second, third)[i % 3]],
                gpus_per_node=8,
                cpus=96,
                submitted=start - 120,
                start=start,
                duration=hours * 3600,
                outcome=outcome,
            )
        # under way: a two-node run with a straggling GPU, an eval that ends soon, a queue
        add(
            name="llama3-70b-pretrain",
            user=USER,
            nodes=[first, second],
            gpus_per_node=8,
            cpus=384,
            submitted=now - 40 * minute,
            start=now - 35 * minute,
            duration=6 * 3600,
            straggler=(second, 5),
            steps=60000,
        )
        add(
            name="eval-mmlu",
            user=USER,
            nodes=[third],
            gpus_per_node=4,
            cpus=48,
            submitted=now - 6 * minute,
            start=now - 5 * minute,
            duration=5 * minute + 90,
        )
        add(
            name="mistral-7b-dpo",
            user="priya",
            nodes=[third],
            gpus_per_node=8,
            cpus=96,
            submitted=now - 3 * minute,
            start=now + 95,  # once eval-mmlu has freed the node
            duration=45 * minute,
        )
        add(
            name="tokenize-pile",
            user="sam",
            nodes=[third],
            gpus_per_node=0,
            cpus=16,
            submitted=now - 10 * minute,
            start=now - 9 * minute,
            duration=2 * 3600,
        )
        # a 3-task array, one task at a time (%1): 4111_1 runs, 4111_[2-3%1] waits
        array = cluster.next_id
        for tasks, start, reason in (
            ("2-3%1", now + 3 * 3600, "JobArrayTaskLimit"),
            ("1", now - 3 * minute, ""),
        ):
            add(
                name="sweep-lr",
                user=USER,
                nodes=[third],
                gpus_per_node=0,
                cpus=8,
                submitted=now - 4 * minute,
                start=start,
                duration=3 * 3600,
                array_job=array,
                array_tasks=tasks,
                pending_reason=reason,
                stdout=f"{HOME}/slurm-{array}_{tasks if tasks.isdigit() else '%a'}.out",
            )
        return cluster

    # --- model queries -----------------------------------------------------------------

    def find(self, wanted: str) -> SimJob | None:
        """The job ``wanted`` names: ``4112``, an array task ``4111_1`` (or one still
        pending in ``4111_[2-3]``), a pending range as printed; None if none."""
        if wanted.isdigit():
            return self.jobs.get(int(wanted))
        array, _, task = wanted.partition("_")
        if not array.isdigit():
            return None
        tasks = [j for j in self.jobs.values() if j.array_job == int(array)]
        return next(
            (j for j in tasks if j.printed_id == wanted or j.has_task(task)),
            None,
        )

    def array_members(self, wanted: str) -> list[SimJob]:
        """Every record of array ``wanted`` (scancel ARRAY_ID ends them all), else the job."""
        if wanted.isdigit():
            members = [j for j in self.jobs.values() if j.array_job == int(wanted)]
            if members:
                return members
        job = self.find(wanted)
        return [job] if job is not None else []

    def gpus_in_use(self, node: str, now: float) -> int:
        return sum(
            j.gpus_per_node
            for j in self.jobs.values()
            if node in j.nodes and j.state(now)[0] == "RUNNING"
        )

    def cpus_in_use(self, node: str, now: float) -> int:
        return sum(
            j.cpus // max(len(j.nodes), 1)
            for j in self.jobs.values()
            if node in j.nodes and j.state(now)[0] == "RUNNING"
        )

    def submit(self, script: str, options: dict[str, str]) -> SimJob:
        now = self.clock()
        directives = read_directives(script).options
        merged = {**directives, **options}
        count = _int(merged.get("nodes") or merged.get("N"), 1)
        gpus = _gpus(merged)
        up = [n.name for n in self.nodes if n.healthy and not n.drained]
        free = sorted(up, key=lambda n: self.gpus_in_use(n, now))
        with self.lock:
            job = SimJob(
                job_id=self.next_id,
                name=merged.get("job-name") or merged.get("J") or "sbatch",
                user=USER,
                nodes=free[: max(count, 1)],
                gpus_per_node=gpus,
                cpus=_int(merged.get("cpus-per-task") or merged.get("c"), 1) * max(count, 1),
                submitted=now,
                start=now + PENDING_SECONDS,
                # a few minutes at most, whatever the time limit: it is a demo
                duration=min(_int(merged.get("time"), 2), 5) * 60.0,
                workdir=options.get("chdir", HOME),
                comment=options.get("comment", ""),
                steps=200,
            )
            output = merged.get("output") or merged.get("o") or "slurm-%j.out"
            output = output.replace("%j", str(job.job_id)).replace("%x", job.name)
            job.stdout = output if output.startswith("/") else f"{job.workdir}/{output}"
            self.jobs[job.job_id] = job
            self.next_id += 1
        return job


def _limit_minutes(limit: str, default: int) -> int:
    from console.slurm.parse import minutes

    found = minutes(limit)
    return default if found is None else found


def _int(value: str | None, default: int) -> int:
    match = re.match(r"\s*(\d+)", value or "")
    return int(match.group(1)) if match else default


def _gpus(options: dict[str, str]) -> int:
    for key in ("gres", "gpus-per-node", "gpus"):
        value = options.get(key, "")
        if value:
            match = re.search(r"(\d+)\s*$", value)
            return min(int(match.group(1)) if match else 1, GPUS_PER_NODE)
    return 0


# --- output in Slurm's formats ----------------------------------------------------------------


def _number(value: int | None) -> dict[str, object]:
    return {"set": value is not None, "infinite": False, "number": value or 0}


def _array_fields(job: SimJob) -> dict[str, object]:
    """squeue --json's array members (v0.0.40): a task's id, or the pending tasks."""
    if not job.array_job:
        return {"array_job_id": _number(0), "array_task_id": _number(None)}
    task = int(job.array_tasks) if job.array_tasks.isdigit() else None
    return {
        "array_job_id": _number(job.array_job),
        "array_task_id": _number(task),
        "array_task_string": "" if task is not None else job.array_tasks,
    }


def _meta() -> dict[str, object]:
    return {
        "plugin": {"type": "openapi/v0.0.40", "name": "Slurm OpenAPI v0.0.40"},
        "slurm": {"version": {"major": 23, "micro": 10, "minor": 11}, "release": "23.11.10"},
    }


def _stamp(value: float | None) -> str:
    if value is None:
        return "Unknown"
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _elapsed(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


@contextmanager
def _file_lock(store: Path) -> Iterator[None]:
    """An exclusive lock beside ``store`` for as long as the block runs (POSIX; elsewhere
    the in-process lock alone, which is all a single console needs)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(store.with_name(f"{store.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class DemoSlurm:
    """Turns argv into output, from a :class:`SimCluster`."""

    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster

    def squeue_json(self) -> str:
        now = self.cluster.clock()
        jobs = []
        for job in self.cluster.jobs.values():
            state, reason = job.state(now)
            ended = job.ended_at(now)
            if ended is not None and now - ended > 300:  # MinJobAge
                continue
            running = state != "PENDING"
            jobs.append(
                {
                    "job_id": job.job_id,
                    **_array_fields(job),
                    "name": job.name,
                    "user_name": job.user,
                    "job_state": [state],
                    "state_reason": reason or "None",
                    "partition": PARTITION,
                    "nodes": compress(job.nodes) if running else "",
                    "node_count": _number(len(job.nodes)),
                    "cpus": _number(job.cpus),
                    "tres_per_node": f"gres/gpu:{job.gpus_per_node}" if job.gpus_per_node else "",
                    "time_limit": _number(job.time_limit),
                    "submit_time": _number(int(job.submitted)),
                    "start_time": _number(int(job.start)),
                    "end_time": _number(int(ended or job.start + job.duration)),
                    "exit_code": {
                        "status": ["FAILED" if state == "FAILED" else "SUCCESS"],
                        "return_code": _number(1 if state == "FAILED" else 0),
                    },
                    "comment": job.comment,
                    "current_working_directory": job.workdir,
                    "standard_output": job.stdout,
                    "standard_error": job.stdout,
                }
            )
        return json.dumps({"meta": _meta(), "errors": [], "warnings": [], "jobs": jobs})

    def sinfo_json(self) -> str:
        now = self.cluster.clock()
        entries = []
        for node in self.cluster.nodes:
            used = self.cluster.gpus_in_use(node.name, now) if node.healthy else 0
            cpus = self.cluster.cpus_in_use(node.name, now) if node.healthy else 0
            if not node.healthy:
                state = ["DOWN", "DRAIN"]
            elif used >= GPUS_PER_NODE:
                state = ["ALLOCATED"]
            elif used or cpus:
                state = ["MIXED"]
            else:
                state = ["IDLE"]
            if node.drained and node.healthy:
                state.append("DRAIN")
            entries.append(
                {
                    "nodes": {
                        "nodes": [node.name],
                        "hostnames": [node.name],
                        "addresses": [node.address],
                    },
                    "node": {"state": state},
                    "reason": {"description": node.reason},
                    "cpus": {"allocated": cpus, "maximum": CPUS_PER_NODE, "total": CPUS_PER_NODE},
                    "gres": {
                        "total": f"gpu:h100:{GPUS_PER_NODE}(S:0-1)",
                        "used": f"gpu:h100:{used}(IDX:0-{used - 1})" if used else "gpu:h100:0",
                    },
                    "memory": {"maximum": MEMORY_MB, "free": {"minimum": {"number": 1_500_000}}},
                    "partition": {"name": PARTITION},
                }
            )
            entries.append({**entries[-1], "partition": {"name": "dev"}})
        return json.dumps({"meta": _meta(), "errors": [], "warnings": [], "sinfo": entries})

    def scontrol_job(self, job_id: str) -> Result:
        job = self.cluster.find(job_id)
        if job is None:
            return Result(1, "", "slurm_load_jobs error: Invalid job id specified\n")
        now = self.cluster.clock()
        state, reason = job.state(now)
        ended = job.ended_at(now)
        started = job.start if state != "PENDING" else None
        run = (ended or now) - job.start if started is not None else 0
        exit_code = "1:0" if state == "FAILED" else "0:15" if state == "CANCELLED" else "0:0"
        fields = [
            f"JobId={job.job_id}",
            *(
                [f"ArrayJobId={job.array_job}", f"ArrayTaskId={job.array_tasks}"]
                if job.array_job
                else []
            ),
            f"JobName={job.name}",
            f"UserId={job.user}(1001)",
            f"JobState={state}",
            f"Reason={reason or 'None'}",
            f"ExitCode={exit_code}",
            f"RunTime={_elapsed(run)}",
            f"TimeLimit={_elapsed(job.time_limit * 60)}",
            f"SubmitTime={_stamp(job.submitted)}",
            f"StartTime={_stamp(job.start)}",
            f"EndTime={_stamp(ended or job.start + job.duration)}",
            f"Partition={PARTITION}",
            f"NodeList={compress(job.nodes) if started is not None else '(null)'}",
            f"NumNodes={len(job.nodes)}",
            f"NumCPUs={job.cpus}",
            f"Restarts={job.restarts}",
            f"TRES=cpu={job.cpus},node={len(job.nodes)}",
            f"Command={job.workdir}/{job.name}.sbatch",
            f"WorkDir={job.workdir}",
            f"Comment={job.comment}",
            f"StdErr={job.stdout}",
            "StdIn=/dev/null",
            f"StdOut={job.stdout}",
        ]
        if job.gpus_per_node:
            fields.append(f"TresPerNode=gres:gpu:{job.gpus_per_node}")
        detail = ""  # `scontrol show job -d`: the GPUs the job holds on each node
        for node in job.nodes if state == "RUNNING" else []:
            held = [i for i, owner in self._busy_gpus(node, now).items() if owner is job]
            if held:
                gres = f"gpu:h100:{len(held)}(IDX:{','.join(str(i) for i in held)})"
                detail += f"     Nodes={node} CPU_IDs=0-{job.cpus - 1} Mem=0 GRES={gres}\n"
        return Result(0, " ".join(fields) + "\n" + detail, "")

    def squeue_fields(self, args: list[str]) -> Result:
        """``squeue -h -t all [-j ID | -u USER] -O Field:0TOKEN,...`` (see
        console/slurm/parse.py: each value followed by the caller's token)."""
        spec = args[args.index("-O") + 1]
        fields = [item.split(":", 1) for item in spec.split(",")]
        wanted = args[args.index("-j") + 1] if "-j" in args else ""
        members = self.cluster.array_members(wanted) if wanted else []  # -j ARRAY: every task
        if wanted and not members:
            return Result(1, "", "slurm_load_jobs error: Invalid job id specified\n")
        now = self.cluster.clock()
        out = []
        for item in members or list(self.cluster.jobs.values()):
            if item is None or ("-u" in args and item.user != args[args.index("-u") + 1]):
                continue
            values = self._job_values(item, now)
            row = ""
            for name, rest in fields:
                token = rest[1:]  # after the width 0
                row += values.get(name, "N/A") + token
            out.append(row)
        return Result(0, "".join(f"{row}\n" for row in out), "")

    def _job_values(self, job: SimJob, now: float) -> dict[str, str]:
        state, reason = job.state(now)
        ended = job.ended_at(now)
        started = job.start if state != "PENDING" else None
        run = (ended or now) - job.start if started is not None else 0
        raw_exit = 256 if state == "FAILED" else 15 if state == "CANCELLED" else 0
        nodes = compress(job.nodes) if started is not None else ""
        return {
            "JobArrayID": job.printed_id,
            "JobID": str(job.job_id),
            "ArrayJobID": str(job.array_job or job.job_id),
            "ArrayTaskID": (job.array_tasks or "N/A") if job.array_job else "N/A",
            "State": state,
            "Reason": reason or "None",
            "UserName": job.user,
            "Partition": PARTITION,
            "NodeList": nodes,
            "BatchHost": job.nodes[0] if nodes else "N/A",
            "NumNodes": str(len(job.nodes)),
            "NumCPUs": str(job.cpus),
            "tres-alloc": f"cpu={job.cpus},node={len(job.nodes)}" if nodes else "N/A",
            "tres-per-job": "N/A",
            "tres-per-node": f"gres:gpu:{job.gpus_per_node}" if job.gpus_per_node else "N/A",
            "TimeLimit": _elapsed(job.time_limit * 60),
            "TimeUsed": _elapsed(run),
            "SubmitTime": _stamp(job.submitted),
            "StartTime": _stamp(job.start),
            "EndTime": _stamp(ended or job.start + job.duration),
            "exit_code": str(raw_exit),
            "WorkDir": job.workdir,
            "STDOUT": job.stdout,
            "STDERR": job.stdout,
            "Comment": job.comment or "(null)",
            "Command": f"{job.workdir}/{job.name}.sbatch",
            "Name": job.name,
            "Account": "ml-team",
            "QOS": "normal",
            "Requeue": "1",
            "MinMemory": "64G",
        }

    def partitions(self) -> str:
        names = ",".join(n.name for n in self.cluster.nodes)
        count = len(self.cluster.nodes)
        return (
            f"PartitionName={PARTITION} AllowGroups=ALL Default=YES MaxTime=UNLIMITED "
            f"Nodes={names} State=UP TotalCPUs={count * CPUS_PER_NODE} TotalNodes={count}\n"
            f"PartitionName=dev AllowGroups=ALL Default=NO MaxTime=02:00:00 "
            f"Nodes={names} State=UP TotalCPUs={count * CPUS_PER_NODE} TotalNodes={count}\n"
        )

    def sacct(self, all_users: bool, delimiter: str = "|") -> str:
        now = self.cluster.clock()
        lines = []
        for job in self.cluster.jobs.values():
            if not all_users and job.user != USER:
                continue
            state, reason = job.state(now)
            ended = job.ended_at(now)
            started = job.start if state != "PENDING" else None
            run = (ended or now) - job.start if started is not None else 0
            exit_code = "1:0" if state == "FAILED" else "0:0"
            tres = f"cpu={job.cpus},gres/gpu={job.gpus_per_node * len(job.nodes)}"
            lines.append(
                delimiter.join(
                    [
                        job.printed_id,
                        job.user,
                        state,
                        exit_code,
                        _elapsed(run),
                        PARTITION,
                        compress(job.nodes) if started is not None else "None assigned",
                        tres,
                        _stamp(job.submitted),
                        _stamp(started),
                        _stamp(ended),
                        reason or "None",
                        job.name,
                    ]
                )
            )
        return "\n".join(lines) + ("\n" if lines else "")

    def _step_values(self, job: SimJob, now: float, step: str) -> dict[str, str]:
        state, reason = job.state(now)
        ended = job.ended_at(now)
        started = job.start if state != "PENDING" else None
        run = (ended or now) - job.start if started is not None else 0
        cpu = run * job.cpus * (0.92 if job.gpus_per_node else 0.15)
        gpus = job.gpus_per_node * len(job.nodes)
        tres = f"billing={job.cpus},cpu={job.cpus},gres/gpu={gpus},mem=64G,node={len(job.nodes)}"
        values = {
            "JobID": f"{job.printed_id}.{step}" if step else job.printed_id,
            "State": state,
            "ExitCode": "1:0" if state == "FAILED" else "0:0",
            "Elapsed": _elapsed(run),
            "TotalCPU": "00:00:00" if state == "RUNNING" else _elapsed(cpu),
            "AllocCPUS": str(job.cpus),
            "MaxRSS": f"{int(run * 40_000) % 50_000_000 + 2_000_000}K" if step else "",
            "ReqMem": "64G" if not step else "",
            "AllocTRES": tres,
            "ReqTRES": tres if not step else "",
            "Timelimit": _elapsed(job.time_limit * 60) if not step else "",
            "NodeList": compress(job.nodes) if started is not None else "None assigned",
            "Start": _stamp(started),
            "End": _stamp(ended),
            "Submit": _stamp(job.submitted),
            "Partition": PARTITION if not step else "",
            "QOS": "normal" if not step else "",
            "Account": "ml-team" if not step else "",
            "Reason": reason or "None",
            "User": job.user if not step else "",
            "WorkDir": job.workdir if not step else "",
            "JobName": step or job.name,
        }
        if step and gpus and ended is not None:  # GPU accounting, of a finished step
            per_gpu = GPU_UTIL_OF.get(job.name, 91)
            values["TRESUsageInTot"] = f"cpu={_elapsed(cpu)},gres/gpuutil={per_gpu * gpus}"
            values["TRESUsageInMax"] = f"gres/gpumem={71000 if per_gpu > 20 else 2100}M"
        return values

    def sacct_steps(self, args: list[str]) -> Result:
        """``sacct -P -n --delimiter=T -j ID[,ID] -o FIELDS``: each job and its batch step."""
        delimiter = next((a.split("=", 1)[1] for a in args if a.startswith("--delimiter=")), "|")
        fields = args[args.index("-o") + 1].split(",")
        now = self.cluster.clock()
        lines = []
        for wanted in args[args.index("-j") + 1].split(","):
            job = self.cluster.find(wanted)
            if job is None:
                continue
            steps = [""] + (["batch"] if job.state(now)[0] != "PENDING" else [])
            for step in steps:
                values = self._step_values(job, now, step)
                lines.append(delimiter.join(values.get(f, "") for f in fields))
        return Result(0, "".join(f"{line}\n" for line in lines), "")

    def sstat(self, args: list[str]) -> Result:
        delimiter = next((a.split("=", 1)[1] for a in args if a.startswith("--delimiter=")), "|")
        wanted = args[args.index("-j") + 1]
        job = self.cluster.find(wanted)
        now = self.cluster.clock()
        if job is None or job.state(now)[0] != "RUNNING":
            return Result(1, "", "sstat: error: no steps running for job\n")
        values = self._step_values(job, now, "batch")
        cpu = (now - job.start) * job.cpus * (0.92 if job.gpus_per_node else 0.15)
        tres = f"cpu={_elapsed(cpu)},mem={values['MaxRSS']}"
        row = delimiter.join([values["JobID"], tres, values["MaxRSS"]])
        return Result(0, row + "\n", "")

    def control(self, program: str, args: list[str]) -> Result:
        """Job control, node views and node drain/resume on the simulated cluster."""
        now = self.cluster.clock()
        if args[:2] == ["show", "node"]:
            node = next((n for n in self.cluster.nodes if n.name == args[2]), None)
            if node is None:
                return Result(1, "", f"Node {args[2]} not found\n")
            return Result(0, self._node_text(node, now), "")
        if args[:1] == ["update"] and args[1].startswith("NodeName="):
            name = args[1].split("=", 1)[1]
            settings = dict(a.split("=", 1) for a in args[2:] if "=" in a)
            for index, node in enumerate(self.cluster.nodes):
                if node.name == name:
                    drain = settings.get("State") == "DRAIN"
                    reason = f"{settings.get('Reason', '')} [{USER}@{_stamp(now)}]" if drain else ""
                    if not drain and not node.healthy:
                        reason = node.reason  # resume cannot mend a failed instance
                    self.cluster.nodes[index] = DemoNode(
                        node.name, node.address, node.healthy, reason, drain
                    )
            return Result(0, "", "")
        if args[:1] == ["update"]:
            wanted = args[1].split("=", 1)[1]
        else:
            wanted = args[2] if args[:1] == ["write"] else args[-1]
        job = self.cluster.find(wanted)
        if job is None:
            return Result(1, "", "slurm_load_jobs error: Invalid job id specified\n")
        state = job.state(now)[0]
        if args[:1] == ["write"]:
            script = f"#!/bin/bash\n#SBATCH --job-name={job.name}\nsrun python train.py\n"
            return Result(0, script, "")
        if args[:1] == ["hold"]:
            if state != "PENDING":
                return Result(1, "", f"Job is no longer pending execution for job {wanted}\n")
            job.held = True
        elif args[:1] == ["release"]:
            if job.held:
                job.held = False
                job.start = max(job.start, now + PENDING_SECONDS)
        elif args[:1] == ["requeue"]:
            job.restarts += 1
            job.start = now + PENDING_SECONDS
            job.cancelled_at = None
        elif args[:1] == ["update"]:
            for item in args[2:]:
                if item.startswith("TimeLimit="):
                    limit = item.split("=", 1)[1]
                    job.time_limit = _limit_minutes(limit, job.time_limit)
        return Result(0, "", "")

    def _node_text(self, node: DemoNode, now: float) -> str:
        used = self.cluster.gpus_in_use(node.name, now) if node.healthy else 0
        cpus = self.cluster.cpus_in_use(node.name, now) if node.healthy else 0
        state = "DOWN+DRAIN" if not node.healthy else "MIXED" if used or cpus else "IDLE"
        if node.drained and node.healthy:
            state += "+DRAIN"
        return (
            f"NodeName={node.name} Arch=x86_64 CoresPerSocket=48\n"
            f"   CPUAlloc={cpus} CPUEfctv={CPUS_PER_NODE} CPUTot={CPUS_PER_NODE} CPULoad=3.20\n"
            "   AvailableFeatures=h100,efa\n   ActiveFeatures=h100,efa\n"
            f"   Gres=gpu:h100:{GPUS_PER_NODE}(S:0-1)\n"
            f"   NodeAddr={node.address} NodeHostName={node.name} Version=23.11.10\n"
            f"   RealMemory={MEMORY_MB} AllocMem=0 FreeMem=1500000 Sockets=2 Boards=1\n"
            f"   State={state} ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A\n"
            f"   Partitions={PARTITION},dev\n"
            f"   CfgTRES=cpu={CPUS_PER_NODE},gres/gpu={GPUS_PER_NODE}\n"
            f"   AllocTRES=cpu={cpus},gres/gpu={used}\n"
            + (f"   Reason={node.reason}\n" if node.reason else "")
        )

    def gpu_probe(self, job_id: str | None, node: str | None) -> str:
        """What the GPU probe prints, labelled per task as ``srun --label`` does."""
        now = self.cluster.clock()
        job = self.cluster.find(job_id) if job_id else None
        names = expand(node) if node else (job.nodes if job else [])
        if job is not None and node is None:
            names = list(job.nodes)
        out = []
        for task, name in enumerate(names):
            healthy = next((n.healthy for n in self.cluster.nodes if n.name == name), True)
            prefix = f"{task}: " if job is not None else ""
            out.append(f"{prefix}@@host {name}")
            rng = random.Random(f"{name}-{int(now // 5)}")
            busy = self._busy_gpus(name, now)
            for gpu in range(GPUS_PER_NODE):
                owner = busy.get(gpu)
                if owner is not None:
                    util = 88 + rng.randint(0, 11)
                    if owner.straggler == (name, gpu):
                        util = 31 + rng.randint(0, 8)
                    memory = 71000 + rng.randint(0, 900)
                    temp, power = 62 + rng.randint(0, 8), 560 + rng.randint(0, 90)
                else:
                    util, memory, temp, power = 0, 4, 31 + rng.randint(0, 3), 70 + rng.randint(0, 5)
                out.append(
                    f"{prefix}{gpu}, GPU-{zlib.crc32(f'{name}/{gpu}'.encode()):08x}-demo, "
                    f"NVIDIA H100 80GB HBM3, {util}, {memory}, 81559, {temp}, {power}.00"
                )
            out.append(f"{prefix}@@rc 0")
            out.append(f"{prefix}@@xid-visible")
            if not healthy:
                out.append(
                    f"{prefix}@@xid [1389921.101] NVRM: Xid (PCI:0000:9b:00): 79, pid=0, "
                    "GPU has fallen off the bus."
                )
        return "\n".join(out) + "\n"

    def _busy_gpus(self, node: str, now: float) -> dict[int, SimJob]:
        busy: dict[int, SimJob] = {}
        slot = 0
        for job in self.cluster.jobs.values():
            if node in job.nodes and job.state(now)[0] == "RUNNING":
                for _ in range(job.gpus_per_node):
                    if slot < GPUS_PER_NODE:
                        busy[slot] = job
                        slot += 1
        return busy


class DemoProcess(Process):
    """The follower's ``tail -c +N -F`` script on a simulated job's log: it prints the
    start offset (that of the last ``lines`` lines, or ``resume``), then the bytes from
    there as the clock moves (see console/slurm/tail.py)."""

    def __init__(
        self, transport: DemoSlurmTransport, job: SimJob | None, lines: int, resume: str = ""
    ) -> None:
        super().__init__()
        self.transport = transport
        self.job = job
        now = transport.cluster.clock()
        written = self._bytes(job.log_lines(now)) if job else b""
        if resume.isdigit():
            start = int(resume)
        else:
            kept = job.log_lines(now)[-lines:] if job and lines else []
            start = len(written) - len(self._bytes(kept))
        self._position = start
        self._pending = f"{start}\n".encode()
        self._closed = False

    @staticmethod
    def _bytes(lines: list[str]) -> bytes:
        return "".join(f"{line}\n" for line in lines).encode()

    def read(self, timeout: float) -> bytes | None:
        if self._closed:
            return b""
        if self.job is not None:
            cluster = self.transport.cluster
            with cluster.shared():  # cancelled meanwhile, perhaps by another process
                self.job = cluster.jobs.get(self.job.job_id, self.job)
                data = self._bytes(self.job.log_lines(cluster.clock()))
            self._pending += data[self._position :]
            self._position = max(self._position, len(data))
        if self._pending:
            chunk, self._pending = self._pending, b""
            return chunk
        self.transport.sleep(min(max(timeout, 0), 0.2))
        return None

    @property
    def exit_status(self) -> int | None:
        return 0 if self._closed else None

    def close(self) -> None:
        self._closed = True


class DemoSlurmTransport(Transport):
    """The simulated cluster's login node. Clearly not a real one: see :data:`DEMO_LABEL`."""

    kind = "demo"

    def __init__(
        self,
        cluster: SimCluster,
        *,
        login_host: str = "login-node",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cluster = cluster
        self.slurm = DemoSlurm(cluster)
        self.login_host = login_host
        self.sleep = sleep
        self.commands: list[list[str]] = []  # what was asked, for tests and curiosity

    @property
    def destination(self) -> str:
        return f"{USER}@{self.login_host} ({DEMO_LABEL})"

    def describe(self) -> str:
        return f"(no connection: {DEMO_LABEL})"

    def home(self) -> str:
        return HOME

    def put_file(self, path: str, data: bytes, *, mode: int = 0o600) -> str:
        path = self.expand_path(path)
        with self.cluster.shared():
            self.cluster.files[path] = data
        return path

    def spawn(self, argv: Sequence[str], *, merge_stderr: bool = True) -> Process:
        command_line(argv)
        self.commands.append(list(argv))
        if argv[:3] == ["sh", "-c", TAIL_SCRIPT] and len(argv) == 7:
            path, lines, resume = argv[4], _int(argv[5], 10), argv[6]
            with self.cluster.shared():
                job = next((j for j in self.cluster.jobs.values() if j.stdout == path), None)
                return DemoProcess(self, job, lines, resume)
        return DemoProcess(self, None, 0)

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Result:
        command_line(argv)
        self.commands.append(list(argv))
        with self.cluster.shared():
            return self._answer(list(argv))

    def _answer(self, argv: list[str]) -> Result:
        program, args = argv[0], argv[1:]
        slurm = self.slurm
        if program == "id":
            return Result(0, f"{USER}\n", "")
        if program == "hostname":
            return Result(0, f"{self.login_host}\n", "")
        if program == "sinfo":
            if "--version" in args:
                return Result(0, VERSION + "\n", "")
            return Result(0, slurm.sinfo_json(), "")
        if program == "squeue":
            if "--json" in args:
                return Result(0, slurm.squeue_json(), "")
            if "-O" in args:
                return slurm.squeue_fields(args)
            return self._squeue_comments(args)
        if program == "sacct" and "-j" in args:
            return slurm.sacct_steps(args)
        if program == "sstat":
            return slurm.sstat(args)
        if program in {"scontrol", "scancel"} and (
            args[:1] in (["hold"], ["release"], ["requeue"], ["update"], ["write"])
            or (args[:2] == ["show", "node"])
            or any(a.startswith("--signal=") for a in args)
        ):
            return slurm.control(program, args)
        if program == "head":
            data = self.cluster.files.get(args[-1])
            if data is None:
                return Result(1, "", f"head: cannot open '{args[-1]}': No such file\n")
            return Result(0, data.decode("utf-8", "replace"), "")
        if program == "sacct":
            delimiter = next(
                (a.split("=", 1)[1] for a in args if a.startswith("--delimiter=")), "|"
            )
            return Result(0, slurm.sacct("-a" in args, delimiter), "")
        if program == "scontrol" and args[:2] == ["show", "job"]:
            return slurm.scontrol_job(args[-1])
        if program == "scontrol" and args[:2] == ["show", "partition"]:
            return Result(0, slurm.partitions(), "")
        if program == "scontrol" and args[:2] == ["show", "hostnames"]:
            return Result(0, "".join(f"{n}\n" for n in expand(args[2])), "")
        if program == "scancel":
            for job_id in args:
                for job in self.cluster.array_members(job_id):
                    if job.ended_at(self.cluster.clock()) is None:
                        job.cancelled_at = self.cluster.clock()
            return Result(0, "", "")
        if program in {"mkdir", "rm"}:
            return Result(0, "", "")
        if program == "tail":
            return self._tail(args)
        if program == "sh" and len(args) > 2 and args[1] == SUBMIT_SCRIPT:
            return self._submit(args[3], args[5:])
        if program == "ssh" and args:  # the GPU probe's hop to a compute node
            node = args[args.index("--") + 1] if "--" in args else args[-2]
            return Result(0, slurm.gpu_probe(None, node), "")
        if program == "sh" and len(args) > 2 and args[1] == PROBE_SCRIPT:
            return Result(0, slurm.gpu_probe(None, self.login_host), "")
        if program == "srun" and PROBE_SCRIPT in args:
            job_id = next((a.split("=", 1)[1] for a in args if a.startswith("--jobid=")), "")
            nodelist = next((a.split("=", 1)[1] for a in args if a.startswith("--nodelist=")), "")
            probed = self.cluster.find(job_id)
            whole = probed is None or set(expand(nodelist)) == set(probed.nodes)
            return Result(0, slurm.gpu_probe(job_id, None if whole else nodelist), "")
        return Result(127, "", f"sh: 1: {program}: not found (simulated cluster)\n")

    def _squeue_comments(self, args: list[str]) -> Result:
        now = self.cluster.clock()
        if "%T %P" in args:  # every job's state and partition (the partition summary)
            lines = [f"{j.state(now)[0]} {PARTITION}" for j in self.cluster.jobs.values()]
            return Result(0, "\n".join(lines) + ("\n" if lines else ""), "")
        if "-w" in args:  # running jobs of mine on a node: `-o %i`
            node = args[args.index("-w") + 1]
            ids = [
                str(j.job_id)
                for j in self.cluster.jobs.values()
                if node in j.nodes and j.user == USER and j.state(now)[0] == "RUNNING"
            ]
            return Result(0, "\n".join(ids) + "\n", "")
        lines = [f"{j.job_id}|{j.comment}" for j in self.cluster.jobs.values() if j.user == USER]
        return Result(0, "\n".join(lines) + "\n", "")

    def _tail(self, args: list[str]) -> Result:
        path = args[-1]
        lines = _int(args[args.index("-n") + 1] if "-n" in args else "10", 10)
        job = next((j for j in self.cluster.jobs.values() if j.stdout == path), None)
        if job is None or job.state(self.cluster.clock())[0] == "PENDING":
            return Result(1, "", f"tail: cannot open '{path}' for reading: No such file\n")
        written = job.log_lines(self.cluster.clock())
        return Result(0, "".join(f"{line}\n" for line in written[-lines:]), "")

    def _submit(self, token: str, sbatch: list[str]) -> Result:
        options: dict[str, str] = {}
        for word in sbatch[1:-1]:
            key, _, value = word.removeprefix("--").partition("=")
            options[key] = value
        script = self.cluster.files.get(sbatch[-1], b"").decode("utf-8", "replace")
        partition = read_directives(script).options.get("partition") or options.get("partition")
        if partition and partition not in {PARTITION, "dev"}:
            err = "sbatch: error: Batch job submission failed: Invalid partition name specified"
            return Result(0, f"1\n{token}\n{token}\n{err}\n", "")
        job = self.cluster.submit(script, options)
        return Result(0, f"0\n{token}\n{job.job_id}\n{token}\n", "")


def demo_nodes(instances: Sequence[object]) -> list[DemoNode]:
    """Slurm nodes for the compute instances of a HyperPod cluster (its ClusterNodes)."""
    nodes = []
    for item in instances:
        hostname = str(getattr(item, "hostname", "") or "")
        if not hostname:
            continue
        status = str(getattr(item, "status", ""))
        message = str(getattr(item, "message", ""))
        healthy = status not in {"Failure", "NotFound", "ShuttingDown"}
        nodes.append(
            DemoNode(
                name=hostname.split(".", 1)[0],
                address=str(getattr(item, "private_ip", "") or ""),
                healthy=healthy,
                # Whole: the console fits it where it is shown; cut here, it read as whole
                # ("… reported Xid 79 (GPU ha").
                reason="" if healthy else (message or "node failure"),
            )
        )
    return nodes


def fallback_nodes(count: int = 4) -> list[DemoNode]:
    """Nodes for a demo with no HyperPod cluster to copy (e.g. the API is unreachable)."""
    return [DemoNode(f"ip-127-31-1-{10 + i}", f"127.31.1.{10 + i}") for i in range(count)]


_CLUSTERS: dict[str, SimCluster] = {}
_CLUSTERS_LOCK = threading.Lock()


def forget_clusters() -> None:
    """Drop this process's simulated clusters (the demo stack stops: the next is fresh)."""
    with _CLUSTERS_LOCK:
        _CLUSTERS.clear()


def state_file(cluster_name: str) -> Path | None:
    """Where the running demo keeps ``cluster_name``'s simulated state (None: no demo
    directory in the environment, so in memory only)."""
    directory = os.environ.get(STATE_ENV, "")
    if not directory:
        return None
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", cluster_name or "default")[:100]
    return Path(directory) / f"slurm-{safe}.json"


def open_demo_transport(hyperpod: HyperPodService | None, cluster_name: str) -> DemoSlurmTransport:
    """The simulated login node of ``cluster_name``: one simulated cluster per name and
    demo stack, so every view of the console and every CLI command sees the same jobs."""
    store = state_file(cluster_name)
    with _CLUSTERS_LOCK:
        cluster = _CLUSTERS.get(cluster_name)
    if cluster is not None and cluster.store == store:
        return DemoSlurmTransport(cluster, login_host=cluster.login)
    if store is not None and store.exists():  # another command of this demo made it
        cluster = SimCluster([], store=store)
    else:
        cluster = _new_cluster(hyperpod, cluster_name)
        cluster.store = store
    with _CLUSTERS_LOCK:
        cluster = _CLUSTERS.setdefault(cluster_name, cluster)
    with cluster.shared():  # loads the file, or writes the new cluster's first state
        pass
    return DemoSlurmTransport(cluster, login_host=cluster.login)


def _new_cluster(hyperpod: HyperPodService | None, cluster_name: str) -> SimCluster:
    """A seeded cluster whose Slurm nodes are the HyperPod cluster's compute instances."""
    from console.errors import SmError

    compute: list[ClusterNode] = []
    login = "login-node"
    if hyperpod is not None and cluster_name:
        try:
            described = hyperpod.describe_cluster(cluster_name)
            instances = list(hyperpod.list_nodes(cluster_name, addresses=True))
        except SmError:  # the demo API is unreachable: a cluster of our own still works
            described, instances = None, []
        kinds = {g.name: g.slurm_node_type for g in described.instance_groups} if described else {}
        compute = [i for i in instances if kinds.get(i.group) == "Compute"]
        logins = [i.hostname for i in instances if kinds.get(i.group) == "Login" and i.hostname]
        if logins:
            login = logins[0].split(".", 1)[0]
    cluster = SimCluster.seeded(demo_nodes(compute) or fallback_nodes())
    cluster.login = login
    return cluster
