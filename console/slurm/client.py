"""Slurm through a transport: queue, nodes, partitions, history, submit, cancel, logs.

Reads try the JSON output first and fall back to text when this Slurm has no JSON
(older releases, or built without the openapi plugins); the choice is remembered per
client. Reads are idempotent, so a dropped connection is re-established and the read
repeated once. Changes (submit, cancel) go through the mutation gate: refused in
read-only mode, audited either way.

Submission is at most once. The script is uploaded by SFTP (temp name, then rename), then
``sbatch`` runs inside a tiny remote wrapper keyed by a random token: the wrapper takes a
``mkdir`` lock named after the token, so running it again (after a dropped connection)
never submits twice; it reports the first run's outcome instead. Before re-running it,
the client also looks for a job carrying the token as its comment (``squeue``), which
finds the job even if the wrapper's files were lost.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import ClassVar, TypeVar

from console.errors import (
    ConflictError,
    NotFoundError,
    ResponseLostError,
    SmError,
    ValidationError,
)
from console.gate import MutationGate
from console.records import Record
from console.remote.base import Result, Transport
from console.remote.errors import ConnectionLostError, RemoteCommandError, RemoteTimeoutError
from console.sanitize import inert
from console.slurm import detail, gpu_usage, parse
from console.slurm import gpu as gpu_probe
from console.slurm.cluster import NodeDetail, PartitionSummary, parse_node_detail, summarise
from console.slurm.lint import Directives, LintIssue, lint, output_directories, read_directives
from console.slurm.records import AccountingJob, Partition, SlurmJob, SlurmNode
from console.slurm.tail import LogFollower

T = TypeVar("T")
NODE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
GPU_TIMEOUT = 45.0
# A job id an operator may name (a job or one array task); what Slurm prints is wider
# (parse.PRINTED_JOB_ID).
JOB_ID = re.compile(r"^\d{1,12}(?:_\d{1,9})?$")
# A row standing for pending array tasks as squeue prints it (14_[2-5%1]): the queue shows
# such rows, so reading one (detail, log, status) must work; Slurm takes no such id, so
# the array's own id is asked for and the row picked from its answer. Never for changes.
TASK_RANGE = re.compile(r"^(\d{1,12})_\[[0-9,:%-]{1,200}\]$")
SUBMIT_TIMEOUT = 120.0
RESUME_PING_WAIT = 5.0  # seconds a resumed node may take to answer slurmctld's ping
TOKEN_PREFIX = "smconsole-"
SCRIPT_MAX = 1024 * 1024
# Signals an operator may send by name (scancel --signal takes these).
SIGNALS = frozenset(
    {"HUP", "INT", "QUIT", "ABRT", "KILL", "USR1", "USR2", "TERM", "ALRM", "CONT", "STOP", "TSTP"}
)
TIME_LIMIT = re.compile(
    r"^(?:\d{1,6}(?::\d{1,2}){0,2}|\d{1,4}-\d{1,2}(?::\d{1,2}){0,2}|UNLIMITED|INFINITE)$", re.I
)

# The at-most-once wrapper. $1 token (also a separator no output can contain), $2 marker
# path prefix, then sbatch's argv. All values arrive as positional parameters: nothing is
# pasted into this text. HUP/PIPE are ignored so a dropped connection cannot stop it
# between submitting and recording the outcome.
SUBMIT_SCRIPT = r"""
tok=$1; m=$2; shift 2
trap '' HUP PIPE
if mkdir -- "$m.lock" 2>/dev/null; then
  "$@" >"$m.out" 2>"$m.err"
  echo "$?" >"$m.rc.tmp" && mv -f -- "$m.rc.tmp" "$m.rc"
fi
i=0
while [ ! -f "$m.rc" ] && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i+1)); done
if [ -f "$m.rc" ]; then
  cat -- "$m.rc"; echo "$tok"; cat -- "$m.out"; echo "$tok"; cat -- "$m.err"
else
  echo pending
fi
"""


class AccountingDisabledError(SmError):
    """This cluster keeps no job accounting: sacct has nothing to show."""

    kind = "accounting-off"


@dataclass(frozen=True)
class SubmitResult(Record):
    # The uploaded script's path is an operand (cleaned up, shown by `slurm-job`), kept
    # byte-exact: shown only through console.sanitize (see Record).
    VERBATIM_FIELDS: ClassVar[frozenset[str]] = frozenset({"script_path"})

    job_id: str
    script_path: str
    token: str  # also the job's --comment: how a lost submission is found again
    recovered: bool  # True when the job was found again after a dropped connection


@dataclass(frozen=True)
class ConnectionInfo(Record):
    destination: str
    user: str
    slurm_version: str
    equivalent_command: str


def check_job_id(value: str) -> str:
    if not isinstance(value, str) or not JOB_ID.match(value.strip()):
        if isinstance(value, str) and TASK_RANGE.match(value.strip()):
            raise ValidationError(
                f"{value.strip()!r} stands for pending array tasks, not one job",
                f"name one task ({value.strip().split('_')[0]}_<task>) or the whole array "
                f"({value.strip().split('_')[0]})",
            )
        raise ValidationError(
            f"{value!r} is not a Slurm job id", "a number such as 1234 (or 1234_5 for arrays)"
        )
    return value.strip()


def query_job_id(value: str) -> str:
    """The id to ask Slurm for when reading ``value``: a job id as it is, the array's id
    for a pending task range row (``14_[2-3]`` -> ``14``). Raises ValidationError else."""
    text = value.strip() if isinstance(value, str) else ""
    found = TASK_RANGE.match(text)
    return found.group(1) if found else check_job_id(value)


def check_job_name(value: str) -> str:
    """Slurm takes nearly anything as a name; we refuse only what breaks its output."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("the job name is empty")
    if len(value) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError(
            f"job name {inert(value, 60)!r} is too long or holds control characters",
            "use at most 200 printable characters",
        )
    return value


def check_time_limit(value: str) -> str:
    """A Slurm time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED."""
    text = value.strip() if isinstance(value, str) else ""
    if not TIME_LIMIT.match(text):
        raise ValidationError(
            f"{inert(str(value), 40)!r} is not a Slurm time limit",
            "e.g. 90 (minutes), 2:00:00, 1-12:00:00 or UNLIMITED",
        )
    return text.upper() if text.isalpha() else text


def check_signal(value: str) -> str:
    """A signal by name (``USR1`` or ``SIGUSR1``), upper case without SIG."""
    name = value.strip().upper().removeprefix("SIG") if isinstance(value, str) else ""
    if name not in SIGNALS:
        raise ValidationError(
            f"{inert(str(value), 20)!r} is not a signal the console sends",
            "one of " + ", ".join(sorted(SIGNALS)),
        )
    return name


def check_node_name(value: str) -> str:
    if not isinstance(value, str) or not NODE_NAME.match(value.strip()):
        raise ValidationError(f"{inert(str(value), 60)!r} is not a node name", "e.g. ip-10-1-2-3")
    return value.strip()


def check_reason(value: str) -> str:
    """A drain reason: printable text, at most 200 characters."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValidationError(
            "the reason must be 1-200 printable characters", 'e.g. --reason "bad GPU 3"'
        )
    return text


class SlurmClient:
    """Slurm commands on the machine ``transport`` reaches."""

    def __init__(
        self,
        transport: Transport,
        gate: MutationGate | None = None,
        *,
        remote_dir: str = "~/.smconsole/jobs",
        hyperpod: bool = False,
    ) -> None:
        self.transport = transport
        self.gate = gate
        self.remote_dir = remote_dir
        self.hyperpod = hyperpod
        self._json: bool | None = None  # None: not tried yet
        self._user: str | None = None
        self._login_host: str | None = None
        self._default_partition: str | None = None

    # --- plumbing ----------------------------------------------------------------------

    def _read(self, argv: Sequence[str], *, timeout: float = 60.0) -> Result:
        """Run a read-only command; after a dropped connection, reconnect and run it again."""
        try:
            return self.transport.run(argv, timeout=timeout)
        except ConnectionLostError:
            self.transport.reconnect()
            return self.transport.run(argv, timeout=timeout)

    def _json_or_text(
        self,
        json_argv: Sequence[str],
        text_argv: Sequence[str],
        parse_json: Callable[[str], T],
        parse_text: Callable[[str], T],
        what: str,
    ) -> T:
        if self._json is not False:
            result = self._read(json_argv)
            if result.ok:
                try:
                    value = parse_json(result.stdout)
                    self._json = True
                    return value
                except parse.SlurmOutputError:
                    if self._json:
                        raise
            elif not _no_json_support(result):
                _checked(result, what)  # raises: Slurm's own error, or "not installed"
            self._json = False
        return parse_text(_checked(self._read(text_argv), what).stdout)

    def user(self) -> str:
        """The login user on the cluster (``id -un``), asked once."""
        if self._user is None:
            result = _checked(self._read(["id", "-un"]), "id -un")
            self._user = result.stdout.strip()
        return self._user

    def connection_info(self) -> ConnectionInfo:
        version = _checked(self._read(["sinfo", "--version"]), "sinfo --version").stdout
        return ConnectionInfo(
            destination=self.transport.destination,
            user=self.user(),
            slurm_version=inert(version.strip(), 80),
            equivalent_command=self.transport.describe(),
        )

    # --- reads -------------------------------------------------------------------------

    def queue(self, *, all_users: bool = False, include_finished: bool = False) -> list[SlurmJob]:
        """Jobs in the queue, mine unless ``all_users`` (finished ones only if asked:
        ``squeue --json`` lists them for a few minutes after they end)."""
        user_args = [] if all_users else ["-u", self.user()]
        state_args = ["-t", "all"] if include_finished else []
        jobs: list[SlurmJob] | None = None
        if self._json is not False:
            result = self._read(["squeue", "--json", *user_args, *state_args])
            if result.ok:
                try:
                    jobs = parse.parse_squeue_json(result.stdout)
                    self._json = True
                except parse.SlurmOutputError:
                    if self._json:
                        raise
            elif not _no_json_support(result):
                _checked(result, "squeue")
            if jobs is None:
                self._json = False
        if jobs is None:  # no JSON here: the field-by-field read (arrays, reasons, codes)
            jobs = self._job_rows(user_args, "squeue")  # every state; filtered below
        if not all_users:  # Slurm 22.05 ignores filters with --json
            jobs = [j for j in jobs if j.user == self.user()]
        if not include_finished:
            jobs = [j for j in jobs if j.active]
        return jobs

    def nodes(self) -> list[SlurmNode]:
        return self._json_or_text(
            ["sinfo", "-N", "--json"],
            ["sinfo", "-h", "-N", "-o", parse.SINFO_FORMAT],
            parse.parse_sinfo_json,
            parse.parse_sinfo_text,
            "sinfo",
        )

    def default_partition(self) -> str:
        """The partition Slurm uses when a job names none (``Default=YES``), or "".

        Read once per client: the sbatch templates name it, so a new job goes where the
        cluster's admin meant jobs to go, not to a guessed ``gpu``.
        """
        if self._default_partition is None:
            self._default_partition = next(
                (p.name for p in self._partition_list() if p.default), ""
            )
        return self._default_partition

    def _partition_list(self) -> list[Partition]:
        result = _checked(
            self._read(["scontrol", "show", "partition", "-o"]), "scontrol show partition"
        )
        partitions = parse.parse_partitions(result.stdout)
        self._default_partition = next((p.name for p in partitions if p.default), "")
        return partitions

    def partitions(self, nodes: Sequence[SlurmNode] | None = None) -> list[Partition]:
        """Partitions with the most GPUs, CPUs and memory any of their nodes has (for the
        linter's fit checks)."""
        partitions = self._partition_list()
        nodes = self.nodes() if nodes is None else nodes

        def most(p: Partition, value: Callable[[SlurmNode], int | None]) -> int:
            return max((value(n) or 0 for n in nodes if p.name in n.partitions), default=0)

        return [
            replace(
                p,
                gpus_per_node=most(p, lambda n: n.gpus_total),
                cpus_per_node=most(p, lambda n: n.cpus_total),
                memory_per_node_mb=most(p, lambda n: n.memory_mb),
            )
            for p in partitions
        ]

    def history(
        self, *, all_users: bool = False, since: str = "now-1days", limit: int | None = None
    ) -> list[AccountingJob]:
        """Finished and running jobs from accounting (text: Slurm 22.05's JSON has wrong
        exit codes). Raises :class:`AccountingDisabledError` when accounting is off."""
        if not re.fullmatch(r"[\w:+\-]{1,40}", since):
            raise ValidationError(f"{since!r} is not a Slurm time (e.g. now-1days, 2024-05-01)")
        token = f"smc{secrets.token_hex(12)}"  # a delimiter no job name can hold
        argv = ["sacct", "-P", f"--delimiter={token}", "-X", "-n", "-S", since]
        argv += ["-o", ",".join(parse.SACCT_FIELDS)]
        argv += ["-a"] if all_users else ["-u", self.user()]
        result = self._read(argv)
        if not result.ok and "accounting storage is disabled" in result.stderr.lower():
            raise AccountingDisabledError(
                "Slurm accounting is off on this cluster: there is no job history",
                "the queue and nodes still work; history needs slurmdbd",
            )
        jobs = parse.parse_sacct_text(
            _checked(result, "sacct").stdout, parse.SACCT_FIELDS, delimiter=token
        )
        jobs.sort(key=lambda j: j.submitted or datetime.min.replace(tzinfo=UTC), reverse=True)
        return jobs[:limit] if limit else jobs

    def _job_rows(self, selector: Sequence[str], what: str) -> list[SlurmJob]:
        """Jobs read field by field (``squeue -O`` with a fresh random separator: see
        :func:`parse.parse_job_fields`), so no value a user sets can pose as another field.
        Output paths come back expanded."""
        token = f"smc{secrets.token_hex(12)}"
        argv = ["squeue", "-h", "-t", "all", *selector, "-O", parse.job_fields_format(token)]
        result = self._read(argv)
        if not result.ok and "invalid job id" in (result.stderr + result.stdout).lower():
            return []
        return parse.parse_job_fields(_checked(result, what).stdout, token)

    def job_rows(self, job_id: str) -> list[SlurmJob]:
        """Every row Slurm has for ``job_id``: one job, one array task, or for an array's
        id each of its tasks (running ones one by one, pending ones as one range row).
        A range row's id (``14_[2-3]``) reads its array's rows."""
        query = query_job_id(job_id)
        job_id = job_id.strip()
        rows = self._job_rows(["-j", query], "squeue")
        if not rows:
            raise NotFoundError(
                f"job {job_id} is not known to Slurm",
                "finished jobs are forgotten after a few minutes; see slurm-history",
            )
        return rows

    def job(self, job_id: str) -> SlurmJob:
        """One job (or array task) with its expanded output paths. For an array's id, the
        row printed with exactly that id, else its first running task, else its first row."""
        rows = self.job_rows(job_id)
        job_id = job_id.strip()
        exact = [j for j in rows if j.job_id == job_id]
        running = [j for j in rows if j.state == "RUNNING"]
        return (exact or running or rows)[0]

    def find_by_token(self, token: str) -> SlurmJob | None:
        """The job whose comment is ``token`` (a submission of ours), if Slurm has it."""
        for job in self._job_rows(["-u", self.user()], "squeue"):
            if job.comment == token:
                return job
        return None

    # --- lint and submit ---------------------------------------------------------------

    def lint(self, script: str) -> list[LintIssue]:
        """The linter with this cluster's partitions (and HyperPod checks when on one)."""
        return lint(script, partitions=self.partitions(), hyperpod=self.hyperpod)

    def submit(
        self, script: str, *, name: str, workdir: str = "", job_name: str = ""
    ) -> SubmitResult:
        """Upload ``script`` and submit it, at most once (see the module docstring).

        ``name`` names the uploaded file (and the audit record); ``job_name`` sets
        ``--job-name`` when given. Slurm's own message is the error on a refusal.
        """
        if not script.startswith("#!"):
            raise ValidationError(
                "the script must start with #! and an interpreter", "e.g. #!/bin/bash"
            )
        check_job_name(name)
        if job_name:
            check_job_name(job_name)
        if not job_name and not {"job-name", "J"} & set(read_directives(script).options):
            job_name = name  # not the uploaded file's generated name
        token = f"{TOKEN_PREFIX}{secrets.token_hex(8)}"
        stem = re.sub(r"\.(sbatch|slurm|sh|bash)$", "", name)
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:60] or "job"
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        directory = self.remote_dir.rstrip("/")
        # The token is the job's comment (not a secret; "token" keys are redacted in audit).
        params = {"name": name, "host": self.transport.destination, "comment": token}

        directives = read_directives(script)

        def run() -> SubmitResult:
            base = self.transport.expand_path(directory)
            path = f"{base}/{stamp}-{token[-8:]}-{safe}.sbatch"
            self._idempotent(lambda: self.transport.put_file(path, script.encode("utf-8")))
            self._make_output_directories(directives, workdir, job_name)
            argv = ["sbatch", "--parsable", f"--comment={token}"]
            if job_name:
                argv.append(f"--job-name={job_name}")
            if workdir:
                argv.append(f"--chdir={self.transport.expand_path(workdir)}")
            argv.append(path)
            return self._submit_once(token, f"{base}/.submit/{token}", argv, path)

        target = f"{self.transport.destination}:{name}"
        if self.gate is None:
            return run()
        return self.gate.run("slurm-submit", target, params, run)

    def _make_output_directories(self, directives: Directives, workdir: str, job_name: str) -> None:
        """``mkdir -p`` the directories the job's --output/--error go in: Slurm does not
        create them, and a job whose log directory is missing fails at launch
        (JobLaunchFailure) without a line of output."""
        chdir = workdir or directives.options.get("chdir", "")
        base = self.transport.expand_path(chdir) if chdir else self.transport.home()
        name = job_name or directives.options.get("job-name", "")
        paths = directives.options.get("output", "") + directives.options.get("error", "")
        user = self.user() if "%u" in paths else ""
        wanted = output_directories(directives, base=base, user=user, job_name=name)
        if not wanted:
            return
        result = self._idempotent(lambda: self.transport.run(["mkdir", "-p", "--", *wanted]))
        if not result.ok:
            raise RemoteCommandError(
                f"could not create the job's output directory: {result.first_error()}",
                "nothing was submitted; fix --output/--error or the directory's permissions",
                rc=result.rc,
                stderr=result.stderr,
            )

    def _idempotent(self, fn: Callable[[], T]) -> T:
        """Run a step that is safe to repeat, once more after a dropped connection."""
        try:
            return fn()
        except ConnectionLostError:
            self.transport.reconnect()
            return fn()

    def _submit_once(self, token: str, marker: str, argv: list[str], path: str) -> SubmitResult:
        self._idempotent(
            lambda: _checked(
                self.transport.run(["mkdir", "-p", "--", marker.rsplit("/", 1)[0]]), "mkdir"
            )
        )
        wrapper = ["sh", "-c", SUBMIT_SCRIPT, "sh", token, marker, *argv]
        recovered = False
        for attempt in range(3):
            try:
                result = self.transport.run(wrapper, timeout=SUBMIT_TIMEOUT)
                break
            except (ConnectionLostError, RemoteTimeoutError) as exc:
                if attempt == 2:
                    raise self._unknown_outcome(token, exc) from None
                recovered = True
                try:
                    if isinstance(exc, ConnectionLostError):
                        self.transport.reconnect()
                    # Before running the wrapper again: is the job already there?
                    existing = self.find_by_token(token)
                except SmError as later:  # still unreachable: the wrapper may have run
                    raise self._unknown_outcome(token, later) from None
                if existing is not None:
                    self._cleanup(marker)
                    return SubmitResult(existing.job_id, path, token, recovered=True)
        else:  # pragma: no cover - the loop either breaks or raises
            raise self._unknown_outcome(token, None)
        job_id = self._parse_submission(result, token)
        self._cleanup(marker)
        return SubmitResult(job_id, path, token, recovered)

    def _parse_submission(self, result: Result, token: str) -> str:
        if not result.ok:
            raise _command_error(result, "the submit wrapper")
        if result.stdout.strip() == "pending":
            existing = self.find_by_token(token)
            if existing is not None:
                return existing.job_id
            raise self._unknown_outcome(token, None)
        parts = result.stdout.split(token, 2)  # rc, sbatch's stdout, its stderr
        if len(parts) != 3:
            raise RemoteCommandError(
                f"the submit wrapper printed something unexpected: {inert(result.stdout, 120)}"
            )
        rc_text, out, err = parts
        if not rc_text.strip().isdigit():
            raise RemoteCommandError(
                f"the submit wrapper printed something unexpected: {inert(result.stdout, 120)}"
            )
        if int(rc_text.strip()) != 0:
            lines = [line.strip() for line in err.splitlines() if line.strip()]
            failed = [line for line in lines if "error" in line.lower()]
            message = (failed or lines or [f"sbatch exit status {rc_text.strip()}"])[-1]
            # sbatch can fail after Slurm recorded the job: never say "nothing was
            # submitted" without asking Slurm (our token is the job's comment).
            try:
                recorded = self.find_by_token(token)
            except SmError:
                recorded = None
                hint = (
                    "Slurm could not be asked whether it recorded the job: look for comment "
                    f"{token} (squeue --me -o '%i %k') before submitting again"
                )
            else:
                hint = "nothing was submitted; fix the script or options and submit again"
            if recorded is not None:
                raise RemoteCommandError(
                    f"sbatch reported an error ({inert(message, 200)}), but Slurm recorded "
                    f"job {recorded.job_id}: {job_status_text(recorded)}",
                    f"see slurm-queue / slurm-tail {recorded.job_id}; do not submit it again "
                    "blindly",
                    rc=int(rc_text.strip()),
                    stderr=err,
                )
            raise RemoteCommandError(
                f"sbatch refused the job: {inert(message, 300)}",
                hint,
                rc=int(rc_text.strip()),
                stderr=err,
            )
        match = re.search(r"^(\d+)(?:;\S*)?\s*$", out.strip(), re.M)
        if not match:
            raise RemoteCommandError(
                f"sbatch printed no job id: {inert(out.strip(), 120) or '(nothing)'}"
            )
        return match.group(1)

    def _cleanup(self, marker: str) -> None:
        suffixes = (".lock", ".rc", ".out", ".err", ".rc.tmp")
        with contextlib.suppress(SmError):  # leftover marker files are harmless (tiny)
            self.transport.run(["rm", "-rf", "--", *(marker + s for s in suffixes)], timeout=15)

    def _unknown_outcome(self, token: str, exc: SmError | None) -> SmError:
        why = f" ({exc.message})" if exc is not None else ""
        return SmError(
            f"the submission's outcome is unknown{why}; it was not repeated",
            f"look for it with `squeue --me -o '%i %k'` (comment {token}) before submitting again",
        )

    # --- cancel ------------------------------------------------------------------------

    def cancel(self, job_id: str) -> SlurmJob:
        """Cancel an active job, one array task (``14_2``) or a whole array (its id
        ``14``: every task). Read-only aware, audited. Returns the job as it was."""
        job_id = check_job_id(job_id)
        target = f"{self.transport.destination}:{job_id}"

        def run() -> SlurmJob:
            rows = self.job_rows(job_id)
            active = [j for j in rows if j.active]
            if not active:
                raise ConflictError(f"job {job_id} has already ended ({rows[0].state})")
            _checked(self.transport.run(["scancel", job_id]), "scancel")
            exact = [j for j in active if j.job_id == job_id]
            return (exact or active)[0]

        if self.gate is None:
            return run()
        params = {"job_id": job_id, "host": self.transport.destination}
        if "_" not in job_id:
            params["scope"] = "job or whole array"
        return self.gate.run("slurm-cancel", target, params, run)

    # --- one job in depth ----------------------------------------------------------------

    def job_detail(self, job_id: str, *, script: bool = False) -> detail.JobDetail:
        """Everything about one job: from the controller while it knows the job (squeue
        with a random separator), else from accounting; sacct's steps for a finished job;
        the job's GPUs per node while it runs; its script when ``script``. A pending task
        range row (``14_[2-3]``) is read from its array's answer."""
        query = query_job_id(job_id)
        job_id = job_id.strip()
        token = f"smc{secrets.token_hex(12)}"
        argv = ["squeue", "-h", "-t", "all", "-j", query, "-O", detail.detail_fields_format(token)]
        result = self._read(argv)
        rows: list[tuple[SlurmJob, dict[str, str]]] = []
        if result.ok or "invalid job id" not in (result.stderr + result.stdout).lower():
            rows = detail.parse_detail_fields(_checked(result, "squeue").stdout, token)
        notes: list[str] = []
        steps: list[detail.JobStep] = []
        exact = [r for r in rows if r[0].job_id == job_id]
        if rows and (exact or query == job_id):
            job, extra = (exact or rows)[0]
            if not job.active and not job.is_task_range:  # a range's tasks never ran
                steps = self._steps_or_note(job.number or job.job_id, notes)
            found = self._from_squeue(job, extra, notes)
        elif query != job_id:  # the range row is gone: its tasks ran or were forgotten
            raise NotFoundError(
                f"job {job_id} is no longer listed: its tasks have started or ended",
                f"each task is listed on its own ({query}_<task>); slurm-history lists ended ones",
            )
        else:
            steps = self._steps_or_note(job_id, notes)
            if not steps:
                raise NotFoundError(
                    f"job {job_id} is not known to Slurm or its accounting",
                    "check the id (slurm-history lists finished jobs)",
                )
            found = _from_steps(job_id, steps)
            # Ended as it started, no reason kept: it failed at launch.
            unexplained = found.state.startswith("FAILED") and found.reason in ("", "None")
            if unexplained and not found.elapsed_seconds:
                notes.append(
                    "it failed at launch and accounting keeps no reason (Slurm forgets it a "
                    "few minutes after the end): a missing --output/--error directory is the "
                    "usual cause (JobLaunchFailure)"
                )
        found = replace(found, steps=tuple(s for s in steps if s.step), notes=tuple(notes))
        if script:
            found = self._with_script(found)
        return found

    def _from_squeue(
        self, job: SlurmJob, extra: dict[str, str], notes: list[str]
    ) -> detail.JobDetail:
        number = job.number or job.job_id
        restarts: int | None = None
        requested = ""
        shown = self._read(["scontrol", "show", "job", "-d", number])
        if shown.ok:
            unique = detail.scontrol_unique(shown.stdout, ("Restarts", "ReqTRES"))
            restarts = parse.number(unique["Restarts"])
            requested = unique["ReqTRES"] if re.fullmatch(r"[\w/:=,.]*", unique["ReqTRES"]) else ""
        holds: tuple[detail.NodeGpuHold, ...] = ()
        if job.state == "RUNNING" and job.nodes:
            try:
                held = self.job_gpu_indexes(number, self.hostnames(job.nodes))
                holds = tuple(detail.NodeGpuHold(n, g) for n, g in held.items())
            except SmError as exc:
                notes.append(f"GPUs per node: {exc.message}")
        memory = extra.get("MinMemory", "")
        if not requested:
            requested = ",".join(
                part
                for part in (
                    f"cpu={job.cpus}" if job.cpus else "",
                    f"mem={memory}" if memory and memory != "0" else "",
                    f"node={job.node_count}" if job.node_count else "",
                    f"gres/gpu={job.gpus}" if job.gpus else "",
                )
                if part
            )
        requeue = {"1": True, "0": False}.get(extra.get("Requeue", "").strip())
        return detail.JobDetail(
            job_id=job.job_id,
            name=job.name,
            user=job.user,
            state=job.display_state,
            reason=job.reason,
            exit_code=job.exit_code,
            signal=job.signal,
            submitted=job.submitted,
            started=job.started,
            ended=job.ended,
            elapsed_seconds=job.elapsed_seconds,
            time_limit_minutes=job.time_limit_minutes,
            partition=job.partition,
            qos=extra.get("QOS", ""),
            account=extra.get("Account", ""),
            nodes=job.nodes,
            node_gpus=holds,
            tres_requested=requested,
            tres_allocated=job.tres_alloc,
            workdir=job.workdir,
            stdout=job.stdout,
            stderr=job.stderr,
            command=job.command,
            dependency=extra.get("Dependency", ""),
            requeue=requeue,
            restarts=restarts,
            source="squeue",
        )

    def job_steps(self, job_id: str) -> list[detail.JobStep]:
        """sacct's rows for a job: the job itself (step "") then its steps. Raises
        :class:`AccountingDisabledError` when accounting is off."""
        job_id = check_job_id(job_id)
        token = f"smc{secrets.token_hex(12)}"
        argv = ["sacct", "-P", "-n", f"--delimiter={token}", "-j", job_id]
        argv += ["-o", ",".join(detail.STEP_FIELDS)]
        result = self._read(argv)
        if not result.ok and "accounting storage is disabled" in result.stderr.lower():
            raise AccountingDisabledError(
                "Slurm accounting is off on this cluster: no steps or usage to show",
                "the queue and nodes still work; accounting needs slurmdbd",
            )
        return detail.parse_steps(_checked(result, "sacct").stdout, token)

    def _steps_or_note(self, job_id: str, notes: list[str]) -> list[detail.JobStep]:
        try:
            return self.job_steps(job_id)
        except AccountingDisabledError as exc:
            notes.append(exc.message)
            return []

    def job_script(self, job_id: str) -> tuple[str, str, str]:
        """(script, source, path): Slurm's copy (``scontrol write batch_script ID -``),
        else the file the job was submitted from (our uploaded copy) while it exists."""
        return self._script_of(self.job_detail(job_id))

    def _with_script(self, found: detail.JobDetail) -> detail.JobDetail:
        try:
            text, source, path = self._script_of(found)
        except SmError as exc:
            return replace(found, notes=(*found.notes, f"script: {exc.message}"))
        return replace(found, script=text, script_source=source, script_path=path)

    def _script_of(self, found: detail.JobDetail) -> tuple[str, str, str]:
        result = self._read(["scontrol", "write", "batch_script", found.job_id, "-"])
        if result.ok and result.stdout.startswith("#!"):
            return result.stdout[:SCRIPT_MAX], "slurm", ""
        path = found.command
        if path.startswith("/") and "\n" not in path:
            copy = self._read(["head", "-c", str(SCRIPT_MAX), "--", path])
            if copy.ok and copy.stdout.startswith("#!"):
                return copy.stdout, "uploaded copy", path
        raise NotFoundError(
            f"no script for job {found.job_id}: {result.first_error() or 'Slurm has none'}",
            "Slurm keeps a batch script only while it knows the job",
        )

    # --- efficiency --------------------------------------------------------------------

    def efficiency(self, job_id: str, *, nvidia_smi: str = "nvidia-smi") -> detail.Efficiency:
        """seff-like efficiency from sacct (and sstat for a running job's live usage; for a
        running job with GPUs and no GPU accounting, its GPUs sampled with nvidia-smi)."""
        steps = self.job_steps(job_id)
        if not steps:
            raise NotFoundError(
                f"accounting has no job {job_id}", "it may not have started yet, or is too old"
            )
        live: dict[str, float | None] = {}
        job = next((s for s in steps if not s.step), steps[0])
        sampled = None
        if job.state == "RUNNING":
            # sstat (22.05) has no --delimiter; these fields hold no user text: "|" is safe
            argv = ["sstat", "-n", "-P", "-a", "-j", job.job_id]
            result = self._read([*argv, "-o", ",".join(detail.SSTAT_FIELDS)])
            if result.ok:
                live = detail.parse_sstat(result.stdout, "|")
            if all(s.gpu_util_sum is None for s in steps):  # no GPU accounting
                sampled = self._sample_gpus(job_id, job, nvidia_smi)
        held = None
        if not (gpu_usage.tres_gpus(job.alloc_tres) or gpu_usage.tres_gpus(job.req_tres)):
            with contextlib.suppress(SmError):  # forgotten by the controller: unknown
                held = self.job(job_id).gpus  # (squeue keeps ended jobs a few minutes)
        return detail.efficiency(steps, live=live, sampled=sampled, held_gpus=held)

    def _sample_gpus(
        self, job_id: str, job: detail.JobStep, nvidia_smi: str
    ) -> gpu_usage.Sampled | None:
        """nvidia-smi on a running job's own GPUs; None when it holds none. Its GPUs come
        from sacct's TRES, else squeue's (a cluster may account no gres/gpu TRES)."""
        held = gpu_usage.tres_gpus(job.alloc_tres) or gpu_usage.tres_gpus(job.req_tres)
        try:
            held = held or self.job(job_id).gpus
            if not held:
                return None
            report = self.job_gpus(job_id, nvidia_smi=nvidia_smi)
        except SmError as exc:  # the efficiency still shows; the note says why
            return gpu_usage.Sampled((), held, exc.message) if held else None
        return gpu_usage.sampled_from(report, held)

    def efficiencies(self, jobs: Sequence[AccountingJob]) -> dict[str, detail.Efficiency]:
        """Efficiency of several accounting jobs with one sacct call (for the history)."""
        ids = [j.job_id for j in jobs if JOB_ID.match(j.job_id)]
        steps: list[detail.JobStep] = []
        for start in range(0, len(ids), 200):  # a bounded command line per call
            token = f"smc{secrets.token_hex(12)}"
            chunk = ",".join(ids[start : start + 200])
            argv = ["sacct", "-P", "-n", f"--delimiter={token}", "-j", chunk]
            result = self._read([*argv, "-o", ",".join(detail.STEP_FIELDS)])
            steps += detail.parse_steps(_checked(result, "sacct").stdout, token)
        by_job: dict[str, list[detail.JobStep]] = {}
        for step in steps:
            by_job.setdefault(step.job_id, []).append(step)
        found = {}
        for key, rows in by_job.items():
            with contextlib.suppress(SmError):
                found[key] = detail.efficiency(rows)
        return found

    # --- job control -------------------------------------------------------------------

    def hold(self, job_id: str) -> SlurmJob:
        """Hold a pending job (it will not start until released)."""
        return self._control(
            "slurm-hold",
            job_id,
            ["scontrol", "hold"],
            {},
            lambda j: j.reason.startswith("JobHeld"),
            pending_only=True,
        )

    def release(self, job_id: str) -> SlurmJob:
        """Release a held job."""
        return self._control(
            "slurm-release",
            job_id,
            ["scontrol", "release"],
            {},
            lambda j: not j.reason.startswith("JobHeld"),
        )

    def requeue(self, job_id: str) -> SlurmJob:
        """Requeue a running (or finished, if Slurm allows) batch job."""
        return self._control(
            "slurm-requeue", job_id, ["scontrol", "requeue"], {}, None, active_only=False
        )

    def set_time_limit(self, job_id: str, limit: str) -> SlurmJob:
        """Change a job's time limit (a user may only lower it; raising needs an operator)."""
        limit = check_time_limit(limit)
        wanted = parse.minutes(limit)
        return self._control(
            "slurm-time-limit",
            job_id,
            ["scontrol", "update"],
            {"time_limit": limit},
            lambda j: wanted is not None and j.time_limit_minutes == wanted,
            argv_for=lambda jid: ["scontrol", "update", f"JobId={jid}", f"TimeLimit={limit}"],
        )

    def suspend(self, job_id: str) -> SlurmJob:
        """Suspend a running job (its processes stop; Slurm allows this to operators and
        admins only, so a user is told so by the refusal's hint)."""
        return self._control(
            "slurm-suspend",
            job_id,
            ["scontrol", "suspend"],
            {},
            lambda j: j.state == "SUSPENDED",
        )

    def unsuspend(self, job_id: str) -> SlurmJob:
        """Resume a suspended job (``scontrol resume``; not ``slurm-resume``, which is a node)."""
        return self._control(
            "slurm-unsuspend",
            job_id,
            ["scontrol", "resume"],
            {},
            lambda j: j.state != "SUSPENDED",
        )

    def signal(self, job_id: str, signal: str) -> SlurmJob:
        """Send ``signal`` (a validated name) to the job's batch shell and every step."""
        name = check_signal(signal)
        return self._control(
            "slurm-signal",
            job_id,
            ["scancel", f"--signal={name}", "--full"],
            {"signal": name},
            None,
        )

    def _control(
        self,
        action: str,
        job_id: str,
        argv: list[str],
        params: dict[str, str],
        took_effect: Callable[[SlurmJob], bool] | None,
        *,
        active_only: bool = True,
        pending_only: bool = False,
        argv_for: Callable[[str], list[str]] | None = None,
    ) -> SlurmJob:
        """One job-control command through the gate: read-only refused, audited; when
        the answer is lost the job is read back (never sent twice)."""
        job_id = check_job_id(job_id)
        target = f"{self.transport.destination}:{job_id}"
        before: list[SlurmJob] = []

        def run() -> SlurmJob:
            rows = self.job_rows(job_id)
            exact = [j for j in rows if j.job_id == job_id]
            job = (exact or rows)[0]
            if active_only and not any(j.active for j in rows):
                raise ConflictError(f"job {job_id} has already ended ({job.display_state})")
            if pending_only and not any(j.state == "PENDING" for j in rows):
                raise ConflictError(
                    f"job {job_id} is {job.display_state}: only a pending job can be held",
                    "a running job keeps running when held; requeue or cancel it instead",
                )
            before.append(job)
            command = argv_for(job_id) if argv_for else [*argv, job_id]
            try:
                result = self.transport.run(command)
            except ConnectionLostError as exc:
                if not exc.sent:
                    raise
                raise ResponseLostError(
                    f"{action} {job_id}: the connection dropped after the command was sent",
                    "the console reads the job back instead of sending it again",
                ) from exc
            if not result.ok:
                raise RemoteCommandError(
                    f"{command[0]} refused {action.removeprefix('slurm-')} of job {job_id}: "
                    f"{result.first_error()}",
                    _permission_hint(result),
                    rc=result.rc,
                    stderr=result.stderr,
                )
            return job

        def reconcile() -> bool | None:
            if took_effect is None:
                return None
            return took_effect(self.job(job_id))

        if self.gate is None:
            return run()
        job = self.gate.run(action, target, {"job_id": job_id, **params}, run, reconcile=reconcile)
        return job if job is not None else before[-1]

    # --- cluster views -----------------------------------------------------------------

    def partition_summary(self) -> list[PartitionSummary]:
        """Per partition: nodes by state, free GPUs, pending and running jobs."""
        nodes = self.nodes()
        partitions = self._partition_list()
        result = _checked(self._read(["squeue", "-h", "-a", "-o", "%T %P"]), "squeue")
        jobs = []
        for line in result.stdout.splitlines():
            state, _, names = line.strip().partition(" ")
            if state and names:
                jobs.append((state, names.strip()))
        return summarise(partitions, nodes, jobs)

    def node_detail(self, node: str) -> NodeDetail:
        """``scontrol show node NODE`` as a record."""
        node = check_node_name(node)
        result = self._read(["scontrol", "show", "node", node])
        if not result.ok and "invalid node name" in (result.stderr + result.stdout).lower():
            raise NotFoundError(f"node {node} is not known to Slurm", "see slurm-nodes")
        return parse_node_detail(_checked(result, "scontrol show node").stdout)

    def drain(self, node: str, reason: str) -> NodeDetail:
        """Drain ``node`` (running jobs finish, no new ones start) with ``reason``."""
        reason = check_reason(reason)
        return self._node_update(
            "slurm-drain",
            node,
            ["State=DRAIN", f"Reason={reason}"],
            {"reason": reason},
            lambda n: "DRAIN" in n.flags or n.state in {"DRAINED", "DRAINING"},
        )

    def resume(self, node: str) -> NodeDetail:
        """Return a drained (or down) node to service. Slurm marks a resumed node
        NOT_RESPONDING until it answers the ping sent at once; that is waited out (a few
        seconds at most) rather than shown as if the node were broken."""
        found = self._node_update(
            "slurm-resume",
            node,
            ["State=RESUME"],
            {},
            lambda n: "DRAIN" not in n.flags and n.state not in {"DRAINED", "DRAINING", "DOWN"},
        )
        deadline = time.monotonic() + RESUME_PING_WAIT
        while "NOT_RESPONDING" in found.flags and time.monotonic() < deadline:
            time.sleep(0.5)
            found = self.node_detail(found.name)
        return found

    def _node_update(
        self,
        action: str,
        node: str,
        settings: list[str],
        params: dict[str, str],
        took_effect: Callable[[NodeDetail], bool],
    ) -> NodeDetail:
        node = check_node_name(node)
        target = f"{self.transport.destination}:{node}"

        def run() -> NodeDetail:
            self.node_detail(node)  # unknown node: a clear error before anything is sent
            command = ["scontrol", "update", f"NodeName={node}", *settings]
            try:
                result = self.transport.run(command)
            except ConnectionLostError as exc:
                if not exc.sent:
                    raise
                raise ResponseLostError(
                    f"{action} {node}: the connection dropped after the command was sent",
                    "the console reads the node back instead of sending it again",
                ) from exc
            if not result.ok:
                raise RemoteCommandError(
                    f"scontrol refused {action.removeprefix('slurm-')} of node {node}: "
                    f"{result.first_error()}",
                    _permission_hint(result, admin=True),
                    rc=result.rc,
                    stderr=result.stderr,
                )
            return self.node_detail(node)

        def reconcile() -> bool | None:
            return took_effect(self.node_detail(node))

        if self.gate is None:
            return run()
        found = self.gate.run(action, target, {"node": node, **params}, run, reconcile=reconcile)
        return found if found is not None else self.node_detail(node)

    def wait_until(
        self,
        job_id: str,
        done: Callable[[SlurmJob], bool],
        *,
        timeout: float,
        interval: float = 0.3,
    ) -> SlurmJob:
        """Poll ``scontrol show job`` until ``done(job)`` (or raise after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if done(job):
                return job
            if time.monotonic() > deadline:
                raise RemoteTimeoutError(
                    f"job {job_id} is still {job.display_state} after {timeout:.0f} s"
                )
            time.sleep(interval)

    # --- output ------------------------------------------------------------------------

    def output_path(self, job_id: str, *, stream: str = "stdout") -> str:
        return self._output_path(self.job(job_id), stream)

    @staticmethod
    def _output_path(job: SlurmJob, stream: str) -> str:
        path = job.stdout if stream == "stdout" else job.stderr
        if not path:
            if job.is_task_range:
                raise NotFoundError(
                    f"job {job.job_id} stands for pending array tasks ({job.array_task}), "
                    "not one: each task writes its own file",
                    f"name one task, e.g. {job.array_job_id}_<task>",
                )
            raise NotFoundError(f"Slurm reports no {stream} path for job {job.job_id}")
        return path

    def tail(self, job_id: str, *, lines: int = 100, stream: str = "stdout") -> list[str]:
        """The last ``lines`` lines of the job's output file. A job with no file says why
        (pending and its reason, or failed before it wrote one and why)."""
        job = self.job(job_id)
        path = self._output_path(job, stream)
        result = self._read(["tail", "-n", str(max(lines, 1)), "--", path])
        if not result.ok:
            if "no such file" in result.stderr.lower():
                raise NotFoundError(
                    f"job {job.job_id} has written no {stream} ({inert(path, 200)}): "
                    f"{job_status_text(job)}",
                    _no_output_hint(job),
                )
            raise _command_error(result, "tail")
        return result.stdout.splitlines()

    # --- GPUs --------------------------------------------------------------------------

    def gpus(self, target: str, *, nvidia_smi: str = "nvidia-smi") -> gpu_probe.GpuReport:
        """GPUs of a running job (``target`` a job id) or of one node (a node name)."""
        if JOB_ID.match(target.strip()):
            return self.job_gpus(target.strip(), nvidia_smi=nvidia_smi)
        return self.node_gpus(target.strip(), nvidia_smi=nvidia_smi)

    def job_gpus(self, job_id: str, *, nvidia_smi: str = "nvidia-smi") -> gpu_probe.GpuReport:
        """nvidia-smi on every node of a running job, as a step inside it (``srun
        --overlap``: it shares the job's resources and needs no free ones), asked for the
        job's own GPUs only (``-i``, per node, from ``scontrol show job -d``)."""
        job = self.job(job_id)
        if job.state != "RUNNING" or not job.nodes:
            raise ConflictError(
                f"job {job.job_id} is {job.display_state}: GPUs are shown for running jobs",
                "wait until it runs (slurm-queue shows its state)",
            )
        names = self.hostnames(job.nodes)
        held = self.job_gpu_indexes(job.job_id, names)
        step_in = job.number or job.job_id  # srun --jobid takes Slurm's number, not 14_1
        answers: list[gpu_probe.NodeGpus] = []
        groups: dict[tuple[int, ...], list[str]] = {}
        for name in names:
            groups.setdefault(held.get(name, ()), []).append(name)
        for indexes, group in groups.items():
            if not indexes:
                answers += [
                    gpu_probe.NodeGpus(n, "ok", "the job holds no GPUs here", (), (), False)
                    for n in group
                ]
                continue
            nodelist = ",".join(group)
            probed = self._probe_job(step_in, nodelist, len(group), nvidia_smi, indexes)
            answers += [gpu_probe.only_gpus(a, indexes) for a in probed]
        nodes = _complete(answers, names)
        return gpu_probe.GpuReport(
            f"job {job.job_id}", job.job_id, tuple(gpu_probe.flag(nodes, in_job=True))
        )

    def job_gpu_indexes(
        self, job_id: str, names: Sequence[str] | None = None
    ) -> dict[str, tuple[int, ...]]:
        """The GPU indexes the job holds on each of its nodes (``scontrol show job -d``).

        That output is text in which a job name or comment could hold a line that looks
        like a node's GRES detail; such a line always comes beside the real one, so a node
        named twice (or one that is not the job's) means the answer cannot be trusted."""
        job_id = check_job_id(job_id)
        result = self._read(["scontrol", "show", "job", "-d", job_id])
        groups = parse.parse_job_gres(_checked(result, "scontrol show job -d").stdout)
        held: dict[str, tuple[int, ...]] = {}
        for expression, indexes in groups:
            for name in self.hostnames(expression) if expression else []:
                if name in held or (names is not None and name not in names):
                    raise parse.SlurmOutputError(
                        f"cannot tell which GPUs job {job_id} holds on {name}: "
                        "scontrol names that node twice (a job field imitates its output?)",
                        "see `scontrol show job -d` on the cluster",
                    )
                held[name] = indexes
        return held

    def node_gpus(self, node: str, *, nvidia_smi: str = "nvidia-smi") -> gpu_probe.GpuReport:
        """nvidia-smi on one node: here when it is the login node itself, else inside a
        running job of ours on it, else over an ``ssh`` hop from the login node."""
        if not NODE_NAME.match(node):
            raise ValidationError(f"{inert(node, 60)!r} is not a node name or a job id")
        if node.split(".", 1)[0].lower() in {"localhost", self.login_host()}:
            result = self._read(gpu_probe.probe_argv(nvidia_smi), timeout=GPU_TIMEOUT)
            answers = gpu_probe.parse_probe(result.stdout, default_node=node)
        else:
            mine = self._read(
                ["squeue", "-h", "-t", "R", "-u", self.user(), "-w", node, "-o", "%A"]
            )
            job_ids = [j for j in mine.stdout.split() if JOB_ID.match(j)] if mine.ok else []
            if job_ids:
                answers = self._probe_job(job_ids[0], node, 1, nvidia_smi)
            else:
                remote = shlex.join(gpu_probe.probe_argv(nvidia_smi))
                argv = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "--", node]
                result = self._read([*argv, remote], timeout=GPU_TIMEOUT)
                answers = gpu_probe.parse_probe(result.stdout, default_node=node)
                if not answers or (answers[0].status == "error" and result.rc == 255):
                    raise RemoteCommandError(
                        f"cannot reach node {node} from the login node: {result.first_error()}",
                        "GPUs of a running job are read with srun instead: pass its job id",
                    )
        nodes = _complete(answers, [node])
        return gpu_probe.GpuReport(f"node {node}", "", tuple(gpu_probe.flag(nodes, in_job=False)))

    def _probe_job(
        self,
        job_id: str,
        nodelist: str,
        count: int,
        nvidia_smi: str,
        indexes: Sequence[int] = (),
    ) -> list[gpu_probe.NodeGpus]:
        argv = [
            "srun",
            "--overlap",
            f"--jobid={job_id}",
            f"--nodelist={nodelist}",
            f"--nodes={count}",
            f"--ntasks={count}",
            "--ntasks-per-node=1",
            "--label",
            "--quiet",
            *gpu_probe.probe_argv(nvidia_smi, indexes),
        ]
        result = self._read(argv, timeout=GPU_TIMEOUT)
        answers = gpu_probe.parse_probe(result.stdout)
        if not answers:
            raise RemoteCommandError(
                f"srun into job {job_id} failed: {result.first_error()}",
                "only the job's owner (or root) can run a step in it",
                rc=result.rc,
            )
        return answers

    def login_host(self) -> str:
        """The short host name of the machine commands run on (asked once)."""
        if self._login_host is None:
            result = self._read(["hostname", "-s"])
            self._login_host = result.stdout.strip().lower() if result.ok else ""
        return self._login_host

    def hostnames(self, nodelist: str) -> list[str]:
        """``ip-10-0-[1-3]`` expanded by Slurm (``scontrol show hostnames``)."""
        result = self._read(["scontrol", "show", "hostnames", nodelist])
        if not result.ok:
            return [nodelist]
        return [inert(n, 200) for n in result.stdout.split() if NODE_NAME.match(n)]

    def follow(self, job_id: str, *, lines: int = 100, stream: str = "stdout") -> LogFollower:
        """A live ``tail -F`` of the job's output (close it to stop the remote tail)."""
        return LogFollower(self.transport, self.output_path(job_id, stream=stream), lines=lines)


def _complete(
    answers: Sequence[gpu_probe.NodeGpus], names: Sequence[str]
) -> list[gpu_probe.NodeGpus]:
    """Answers plus an "error" entry for every expected node that did not answer."""
    answered = {a.node.split(".", 1)[0].lower() for a in answers}
    silent = [
        gpu_probe.NodeGpus(n, "error", "the node did not answer", (), (), False)
        for n in names
        if n.split(".", 1)[0].lower() not in answered and len(answers) < len(names)
    ]
    return [*answers, *silent]


def _no_json_support(result: Result) -> bool:
    text = (result.stderr + result.stdout).lower()
    return any(
        marker in text
        for marker in ("unrecognized option", "invalid option", "unknown option", "plugin")
    )


def _command_error(result: Result, what: str) -> RemoteCommandError:
    return RemoteCommandError(f"{what} failed: {result.first_error()}", rc=result.rc)


def _checked(result: Result, what: str) -> Result:
    if not result.ok:
        if result.rc == 127:
            raise RemoteCommandError(
                f"`{what.split(maxsplit=1)[0]}` was not found on the cluster side: "
                f"{result.first_error()}",
                "is this a Slurm login node? Check the host, or PATH in your shell profile",
                rc=127,
            )
        raise _command_error(result, what)
    return result


def job_status_text(job: SlurmJob) -> str:
    """One line for what became of a job: its state, the reason, the exit code/signal."""
    text = f"it is {job.display_state}"
    if job.reason:
        text += f" ({job.reason})"
    if job.signal:
        text += f", signal {job.signal}"
    elif job.exit_code not in (None, 0):
        text += f", exit code {job.exit_code}"
    return text


def _permission_hint(result: Result, *, admin: bool = False) -> str:
    text = (result.stderr + result.stdout).lower()
    if any(m in text for m in ("access/permission denied", "invalid user id", "not authorized")):
        if admin:
            return (
                "changing a node needs Slurm admin rights: run as SlurmUser/root, or ask "
                "for `sacctmgr modify user NAME set adminlevel=Admin`"
            )
        return "only the job's owner, a Slurm operator or root may change it"
    return "Slurm's own message is above; nothing was retried"


def _from_steps(job_id: str, steps: Sequence[detail.JobStep]) -> detail.JobDetail:
    """A finished job the controller has forgotten, from its accounting rows."""
    job = next((s for s in steps if not s.step), steps[0])
    return detail.JobDetail(
        job_id=job.job_id,
        name=job.name,
        user=job.user,
        state=job.state,
        reason=job.reason,
        exit_code=job.exit_code,
        signal=job.signal,
        submitted=job.submitted,
        started=job.started,
        ended=job.ended,
        elapsed_seconds=job.elapsed_seconds,
        time_limit_minutes=job.time_limit_minutes,
        partition=job.partition,
        qos=job.qos,
        account=job.account,
        nodes=job.nodes,
        node_gpus=(),
        tres_requested=job.req_tres,
        tres_allocated=job.alloc_tres,
        workdir=job.workdir,
        stdout="",
        stderr="",
        command="",
        dependency="",
        requeue=None,
        restarts=None,
        source="sacct",
    )


def _no_output_hint(job: SlurmJob) -> str:
    if job.state == "PENDING":
        return "a pending job writes nothing until it starts; --follow waits for it"
    if not job.active:
        return "it ended before writing its output file (does the file's directory exist?)"
    return "it may not have written anything yet; --follow waits for it"
