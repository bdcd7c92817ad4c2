"""An sbatch linter: the mistakes that cost an operator a queue wait or a lost run.

It reads the script's ``#SBATCH`` directives (only those before the first command, as
sbatch does) and its commands, and reports:

* errors (the submission would fail, run somewhere else than meant, or pend forever):
  no ``#!`` line, an unknown partition, and a job that does not fit the partition: more
  nodes than it has (or allows), more CPUs per node (cpus-per-task times tasks per node),
  memory, or GPUs per node than its nodes have (or it allows), a time limit above its
  MaxTime; an ``--output``/``--error`` directory named after the job (``run-%j/out``:
  it cannot exist before the job, so the job fails at launch without a log). Every
  finding is reported; a job naming only unknown partitions is checked against all of
  them;
* warnings: no ``--output`` (the log lands as ``slurm-%j.out`` in whatever directory
  sbatch ran from), on HyperPod an ``srun`` without ``--auto-resume=1`` (a node failure
  then kills the job instead of resuming it), no checkpoint directory (a requeued or
  resumed job starts from scratch).

The partition facts come from the cluster (``scontrol show partition`` + ``sinfo``); with
none known, the partition checks are skipped rather than guessed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from console.records import Record
from console.slurm.parse import duration, gpu_count
from console.slurm.records import Partition

MAX_SCRIPT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LintIssue(Record):
    severity: str  # error | warning
    code: str  # stable id: no-shebang, unknown-partition, too-many-gpus, no-output, …
    line: int  # 1-based; 0 for the script as a whole
    message: str


@dataclass(frozen=True)
class Directives:
    """What the ``#SBATCH`` lines ask for (the options the linter cares about)."""

    options: dict[str, str]  # long option name -> value ("" for flags), last one wins
    lines: dict[str, int]  # long option name -> line number


# Short options sbatch accepts in #SBATCH lines, mapped to their long names.
_SHORT = {
    "o": "output",
    "e": "error",
    "p": "partition",
    "J": "job-name",
    "N": "nodes",
    "n": "ntasks",
    "G": "gpus",
    "t": "time",
    "c": "cpus-per-task",
    "D": "chdir",
    "A": "account",
}
_TAKES_VALUE = set(_SHORT)


def read_directives(script: str) -> Directives:
    """``#SBATCH`` options up to the first command line (sbatch ignores later ones)."""
    options: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(script.splitlines(), start=1):
        line = raw.strip()
        if number == 1 and line.startswith("#!"):
            continue
        if not line or (line.startswith("#") and not line.startswith("#SBATCH")):
            continue
        if not line.startswith("#SBATCH"):
            break  # the first command: no more directives
        body = line[len("#SBATCH") :]
        body = re.split(r"\s#", body, maxsplit=1)[0]  # a trailing comment
        try:
            words = shlex.split(body)
        except ValueError:
            words = body.split()
        index = 0
        while index < len(words):
            word = words[index]
            index += 1
            if word.startswith("--"):
                name, has_value, value = word[2:].partition("=")
                if not has_value and index < len(words) and not words[index].startswith("-"):
                    value = words[index]
                    index += 1
                options[name], lines[name] = value, number
            elif word.startswith("-") and len(word) >= 2:
                letter, value = word[1], word[2:]
                if letter in _TAKES_VALUE and not value and index < len(words):
                    value = words[index]
                    index += 1
                name = _SHORT.get(letter, letter)
                options[name], lines[name] = value.removeprefix("="), number
    return Directives(options, lines)


def _gpus_per_node(directives: Directives) -> tuple[int, int]:
    """(GPUs asked per node, line) from --gres, --gpus-per-node or --gpus / --nodes."""
    options, lines = directives.options, directives.lines
    if "gpus-per-node" in options:
        return gpu_count(f"gpu:{options['gpus-per-node']}"), lines["gpus-per-node"]
    if "gres" in options:
        return gpu_count(options["gres"]), lines["gres"]
    if "gpus" in options:
        total = gpu_count(f"gpu:{options['gpus']}")
        nodes_text = options.get("nodes", "1").split("-")[0]
        nodes = int(nodes_text) if nodes_text.isdigit() and int(nodes_text) > 0 else 1
        return -(-total // nodes), lines["gpus"]
    return 0, 0


_SRUN = re.compile(r"(?:^|[\s;&|(`$])srun(?=\s|$)")
_CHECKPOINT = re.compile(r"checkpoint|ckpt|save[_-]?dir|resume[_-]?from", re.I)


def lint(
    script: str,
    *,
    partitions: Sequence[Partition] = (),
    hyperpod: bool = False,
) -> list[LintIssue]:
    """Issues in ``script``, errors first, each with a line number and a fix-it message."""
    issues: list[LintIssue] = []
    if len(script.encode("utf-8", "replace")) > MAX_SCRIPT_BYTES:
        return [LintIssue("error", "too-large", 0, "the script is larger than 1 MiB")]
    if "\x00" in script:
        return [LintIssue("error", "binary", 0, "the script contains NUL bytes (binary file?)")]
    lines = script.splitlines()
    if not lines or not lines[0].startswith("#!"):
        issues.append(
            LintIssue(
                "error",
                "no-shebang",
                1,
                "the first line must be #! and an interpreter (e.g. #!/bin/bash): "
                "sbatch refuses the script otherwise",
            )
        )
    directives = read_directives(script)
    options = directives.options
    issues.extend(_partition_issues(directives, partitions))
    if "output" not in options:
        issues.append(
            LintIssue(
                "warning",
                "no-output",
                0,
                "no #SBATCH --output: the log goes to slurm-%j.out in the directory sbatch "
                "ran from; set e.g. --output=logs/%x-%j.out",
            )
        )
    issues.extend(_log_directory_issues(directives))
    body = [(n, line) for n, line in enumerate(lines, start=1) if not line.lstrip().startswith("#")]
    if hyperpod:
        sruns = [(n, line) for n, line in body if _SRUN.search(line)]
        if not sruns:
            issues.append(
                LintIssue(
                    "warning",
                    "no-auto-resume",
                    0,
                    "HyperPod resumes a job after a node failure only for steps started with "
                    "`srun --auto-resume=1`; this script has no srun",
                )
            )
        for number, line in sruns:
            if not re.search(r"--auto-resume(?:=|\s+)1\b", line):
                issues.append(
                    LintIssue(
                        "warning",
                        "no-auto-resume",
                        number,
                        "srun without --auto-resume=1: on HyperPod a node failure kills this "
                        "step instead of replacing the node and resuming",
                    )
                )
    if not any(_CHECKPOINT.search(line) for _, line in body):
        issues.append(
            LintIssue(
                "warning",
                "no-checkpoint",
                0,
                "no checkpoint directory in the script: a requeued or auto-resumed job starts "
                "from scratch; pass one to the training program (e.g. --checkpoint-dir)",
            )
        )
    return sorted(issues, key=lambda i: (i.severity != "error", i.line))


# Filename patterns whose value is known only once the job exists: a directory named with
# one cannot have been made beforehand (the console makes the others on submit).
_PER_JOB = {"j": "the job id", "J": "the job id", "A": "the array's id", "a": "the task id",
            "s": "the step", "t": "the task", "b": "the task id"}  # fmt: skip
_PER_NODE = {"N": "the node", "n": "the node"}


def _log_directory_issues(directives: Directives) -> list[LintIssue]:
    """A ``--output``/``--error`` directory named after the job (``logs/%j/out``) never
    exists: Slurm makes no directories, so the job fails at launch (JobLaunchFailure)
    without a line of log, and after a few minutes Slurm forgets why."""
    issues: list[LintIssue] = []
    for key in ("output", "error"):
        value = directives.options.get(key, "")
        directory = value.rsplit("/", 1)[0] if "/" in value else ""
        letters = [m.group(2) for m in re.finditer(r"%(\d*)([A-Za-z%])", directory)]
        per_job = [_PER_JOB[x] for x in letters if x in _PER_JOB]
        per_node = [_PER_NODE[x] for x in letters if x in _PER_NODE]
        if not per_job and not per_node:
            continue
        severity, what = ("error", per_job[0]) if per_job else ("warning", per_node[0])
        issues.append(
            LintIssue(
                severity,
                "log-dir-per-job" if per_job else "log-dir-per-node",
                directives.lines.get(key, 0),
                f"the directory of --{key} ({directory}) is named after {what}: Slurm creates "
                "no directories, so the job fails at launch (JobLaunchFailure) with no log"
                + ("" if per_job else " unless each node has it already")
                + "; put the pattern in the file name instead (e.g. logs/%x-%j.out)",
            )
        )
    return issues


def _partition_issues(directives: Directives, partitions: Sequence[Partition]) -> list[LintIssue]:
    """The partition exists, and the job fits it: every finding, not the first. A job
    naming only unknown partitions is checked against every partition (it fits none?)."""
    if not partitions:
        return []
    options, lines = directives.options, directives.lines
    known = {p.name: p for p in partitions}
    issues = []
    asked = [p.strip() for p in options.get("partition", "").split(",") if p.strip()]
    chosen: list[Partition] = []
    for name in asked:
        if name in known:
            chosen.append(known[name])
        else:
            issues.append(
                LintIssue(
                    "error",
                    "unknown-partition",
                    lines.get("partition", 0),
                    f"partition {name!r} does not exist here (known: {', '.join(sorted(known))})",
                )
            )
    if not asked:
        chosen = [p for p in partitions if p.default][:1]
    if asked and not chosen:
        chosen = list(partitions)
        where = "any partition here"
    else:
        where = " or ".join(f"partition {p.name!r}" for p in chosen)
    for fit in _fits(directives):
        limits = [fit.limit(p) for p in chosen]
        if all(limit is not None and fit.need > limit for limit in limits):
            most = max(limit for limit in limits if limit is not None)
            if fit.code == "too-many-gpus" and not most:
                have = f"{where} has no GPUs"
            elif fit.code == "too-many-nodes":
                have = f"{where} has {fit.describe(most)}"
            elif fit.code == "time-limit":
                have = f"the time limit of {where} is {fit.describe(most)}"
            else:
                have = f"the nodes of {where} have {fit.describe(most)}"
            issues.append(
                LintIssue(
                    "error",
                    fit.code,
                    fit.line,
                    f"asks for {fit.describe(fit.need)}, but {have}: {fit.consequence}",
                )
            )
    return issues


@dataclass(frozen=True)
class _Fit:
    """One dimension of "does the job fit the partition": what it asks, what each
    partition allows (None: no limit known), and how to say it."""

    code: str
    line: int
    need: int
    limit: Callable[[Partition], int | None]
    describe: Callable[[int], str]
    consequence: str


def _first_number(text: str) -> int | None:
    match = re.match(r"\s*(\d+)", text)
    return int(match.group(1)) if match else None


def _megabytes(text: str) -> int | None:
    """Slurm's memory sizes: 4096 (MB), 500M, 4G, 1T, 2048K; None when unreadable."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMGT]?)B?\s*", text, re.I)
    if not match:
        return None
    value, unit = int(match.group(1)), match.group(2).upper()
    return {"K": value // 1024, "": value, "M": value, "G": value * 1024, "T": value << 20}[unit]


def _limit_or_none(value: int | None) -> int | None:
    return value if value else None


def _fits(directives: Directives) -> list[_Fit]:
    options, lines = directives.options, directives.lines
    fits = []
    nodes = _first_number(options.get("nodes", "")) if "nodes" in options else None
    if nodes:
        fits.append(
            _Fit(
                "too-many-nodes",
                lines["nodes"],
                nodes,
                lambda p: min(
                    (v for v in (p.total_nodes, p.max_nodes) if v is not None), default=None
                ),
                lambda n: f"{n} node(s)",
                "it would pend forever (PartitionNodeLimit)",
            )
        )
    per_task = _first_number(options.get("cpus-per-task", "")) or 1
    tasks = _first_number(options.get("ntasks-per-node", ""))
    if tasks is None and nodes and "ntasks" in options:
        total = _first_number(options["ntasks"]) or 1
        tasks = -(-total // nodes)
    cpus = per_task * (tasks or 1)
    cpu_line = lines.get("cpus-per-task") or lines.get("ntasks-per-node") or lines.get("ntasks")
    if cpu_line:
        fits.append(
            _Fit(
                "too-many-cpus",
                cpu_line,
                cpus,
                lambda p: min(
                    (v for v in (_limit_or_none(p.cpus_per_node), p.max_cpus_per_node) if v),
                    default=None,
                ),
                lambda n: f"{n} CPU(s) per node",
                "it would pend forever (PartitionConfig)",
            )
        )
    memory = _megabytes(options["mem"]) if "mem" in options else None
    mem_line = lines.get("mem", 0)
    if memory is None and "mem-per-cpu" in options:
        per_cpu = _megabytes(options["mem-per-cpu"])
        memory = per_cpu * cpus if per_cpu is not None else None
        mem_line = lines["mem-per-cpu"]
    if memory:  # --mem=0 asks for all of a node's memory: it always fits
        fits.append(
            _Fit(
                "too-much-memory",
                mem_line,
                memory,
                lambda p: min(
                    (
                        v
                        for v in (
                            _limit_or_none(p.memory_per_node_mb),
                            p.max_mem_per_node_mb,
                            p.max_mem_per_cpu_mb * cpus if p.max_mem_per_cpu_mb else None,
                        )
                        if v
                    ),
                    default=None,
                ),
                lambda n: f"{n} MB of memory per node",
                "it would pend forever (or be refused)",
            )
        )
    gpus, gpu_line = _gpus_per_node(directives)
    if gpus:
        fits.append(
            _Fit(
                "too-many-gpus",
                gpu_line,
                gpus,
                lambda p: p.gpus_per_node,
                lambda n: f"{n} GPU(s) per node",
                "it would pend forever",
            )
        )
    limit = duration(options["time"]) if "time" in options else None
    if limit is not None:
        fits.append(
            _Fit(
                "time-limit",
                lines["time"],
                -(-limit // 60),
                lambda p: p.max_time_minutes,
                lambda n: f"{n} minute(s)",
                "it would pend forever (PartitionTimeLimit)",
            )
        )
    return fits


def output_directories(
    directives: Directives, *, base: str, user: str = "", job_name: str = ""
) -> list[str]:
    """The directories the job's ``--output``/``--error`` files go in, which Slurm does not
    create (a missing one fails the job at launch: JobLaunchFailure, no log at all).

    Relative paths are under ``base`` (the job's work dir). ``%u``, ``%x`` and ``%%`` in a
    directory are expanded; a directory naming the job id or a node (``%j``, ``%N`` …)
    is not known before submission and is left out."""
    found: list[str] = []
    known = {"%": "%", "u": user, "x": job_name}
    for key in ("output", "error"):
        value = directives.options.get(key, "")
        if "/" not in value or "\\" in value:
            continue
        unknown = False

        def one(match: re.Match[str]) -> str:
            nonlocal unknown
            letter = match.group(2)
            if letter in known and not (letter == "%" and match.group(1)):
                return known[letter]
            unknown = True
            return ""

        directory = re.sub(r"%(\d*)(.)", one, value.rsplit("/", 1)[0] or "/")
        if unknown or not directory.strip():
            continue
        if not directory.startswith("/"):
            directory = f"{base.rstrip('/')}/{directory}"
        if directory not in found:
            found.append(directory)
    return found
