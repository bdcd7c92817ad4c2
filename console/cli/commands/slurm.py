"""slurm-*: the cluster's Slurm, over SSH, SSH over SSM, or on this machine.

Every command takes the same connection options: ``--ssh HOST`` (an alias from
``~/.ssh/config`` works, with its HostName/User/Port/IdentityFile/ProxyJump), ``--jump``,
``--ssm CLUSTER`` (a HyperPod cluster: SSH over SSM to its login node) or ``--local``.
Without one, the config's ``[ssh]`` section decides. Host keys are checked against
known_hosts; ``--accept-new-host-key`` records an unknown one (a changed key is always
refused).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from console.cli.output import emit, field_col
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    wants_json,
    yes_option,
)
from console.errors import SmError, UnreachableError, ValidationError
from console.sanitize import clean, inert, strip_escapes

SECTION = "HyperPod"
SCRIPT_MAX_BYTES = 1024 * 1024
JOB_CHECK_SECONDS = 2.0
DRAIN_QUIET_SECONDS = 1.0  # after the job ended: stop once no line came for this long
DRAIN_MAX_SECONDS = 15.0

_CONNECTION_OPTIONS = (
    click.option(
        "--ssh",
        "ssh_host",
        metavar="HOST",
        help="SSH to HOST: an alias from ~/.ssh/config or [user@]host[:port].",
    ),
    click.option("--jump", metavar="HOST[,HOST]", help="Jump host(s) on the way, like ssh -J."),
    click.option(
        "--ssm",
        "ssm_cluster",
        metavar="CLUSTER",
        help="HyperPod cluster: SSH over SSM to its login (or controller) node.",
    ),
    click.option("--local", is_flag=True, help="Run Slurm's commands on this machine."),
    click.option("--user", "-l", "ssh_user", metavar="USER", help="Remote user."),
    click.option("--port", "-p", type=click.IntRange(1, 65535), help="SSH port."),
    click.option("--identity", "-i", metavar="KEY", help="Private key file."),
    click.option("--known-hosts", metavar="FILE", help="known_hosts file to check keys against."),
    click.option(
        "--accept-new-host-key",
        is_flag=True,
        default=None,
        help="Record an unknown host key (a changed one is always refused).",
    ),
    click.option("--ssm-group", metavar="GROUP", help="Instance group to land on (--ssm)."),
    click.option("--ssm-node", metavar="INSTANCE", help="Instance to land on (--ssm)."),
)
_CONNECTION_KEYS = (
    "ssh_host",
    "jump",
    "ssm_cluster",
    "local",
    "ssh_user",
    "port",
    "identity",
    "known_hosts",
    "accept_new_host_key",
    "ssm_group",
    "ssm_node",
)


def connection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add the connection options; the command receives them as ``connection``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        connection = {key: kwargs.pop(key, None) for key in _CONNECTION_KEYS}
        return fn(*args, connection=connection, **kwargs)

    decorated: Callable[..., Any] = wrapper
    for option in reversed(_CONNECTION_OPTIONS):
        decorated = option(decorated)
    return decorated


def open_client(inv: Invocation, connection: dict[str, Any], *, hyperpod: bool = False) -> Any:
    """A :class:`SlurmClient` on the transport the options (or the config) describe."""
    from console.remote.connect import ConnectionSpec, open_transport
    from console.slurm.client import SlurmClient

    config = inv.config
    spec = ConnectionSpec.from_settings(
        config.ssh, region=config.region, profile=config.profile
    ).with_options(
        ssh=connection.get("ssh_host"),
        ssm=connection.get("ssm_cluster"),
        local=bool(connection.get("local")),
        user=connection.get("ssh_user"),
        port=connection.get("port"),
        jump=connection.get("jump"),
        identity_file=connection.get("identity"),
        known_hosts=connection.get("known_hosts"),
        accept_new_host_keys=connection.get("accept_new_host_key"),
        ssm_group=connection.get("ssm_group"),
        ssm_node=connection.get("ssm_node"),
    )
    transport = open_transport(spec, hyperpod=lambda: inv.console.hyperpod)
    return SlurmClient(
        transport,
        inv.console.gate,
        remote_dir=config.ssh.remote_dir,
        hyperpod=hyperpod or spec.kind == "ssm",
    )


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:d}:{minutes:02d}:{secs:02d}"
    return f"{days}-{text}" if days else text


def _limit(minutes: int | None) -> str:
    return "unlimited" if minutes is None else _duration(minutes * 60)


def _exit_text(job: Any) -> str:
    """``3``, ``signal 9`` or "" (unknown, or the job has not ended)."""
    if job.signal:
        return f"signal {job.signal}"
    return "" if job.exit_code is None else str(job.exit_code)


JOB_COLUMNS = [
    field_col("JobID", "job_id"),
    field_col("Name", "name"),
    field_col("User", "user"),
    ("Status", lambda j: j.display_state),
    field_col("Partition", "partition"),
    field_col("Nodes", "nodes"),
    field_col("Reason", "reason"),
    ("Exit", _exit_text),
    ("Time", lambda j: _duration(j.elapsed_seconds)),
    ("Limit", lambda j: _limit(j.time_limit_minutes)),
    ("GPUs", lambda j: j.gpus or ""),
]
NODE_COLUMNS = [
    field_col("Node", "name"),
    ("Status", lambda n: n.display_state),
    ("CPUs", lambda n: f"{n.cpus_allocated or 0}/{n.cpus_total or '?'}"),
    ("GPUs", lambda n: f"{n.gpus_used}/{n.gpus_total}" if n.gpus_total else ""),
    ("Memory MB", lambda n: n.memory_mb),
    ("Partitions", lambda n: n.partitions),
    field_col("Reason", "reason"),
]


def _joined_reason(row: Any) -> str:
    slurm = row.slurm.reason if row.slurm else ""
    return slurm or (row.instance.message if row.instance else "")


JOINED_COLUMNS = [
    field_col("Node", "name"),
    ("Status", lambda r: r.slurm.display_state if r.slurm else "not in Slurm"),
    ("GPUs", lambda r: f"{r.slurm.gpus_used}/{r.slurm.gpus_total}" if r.slurm else ""),
    ("Instance", lambda r: r.instance.instance_id if r.instance else ""),
    ("Group", lambda r: r.instance.group if r.instance else ""),
    ("AWS status", lambda r: r.instance.status if r.instance else "no instance"),
    ("Reason", _joined_reason),
]


HISTORY_COLUMNS = [
    field_col("JobID", "job_id"),
    field_col("Name", "name"),
    field_col("User", "user"),
    field_col("Status", "state"),
    ("Exit", _exit_text),
    field_col("Reason", "reason"),
    ("Elapsed", lambda j: _duration(j.elapsed_seconds)),
    field_col("Partition", "partition"),
    field_col("Nodes", "nodes"),
    field_col("Submitted", "submitted"),
]


@command("slurm-connect", SECTION, short_help="Check the connection to the cluster's Slurm.")
@json_option
@connection_options
@pass_invocation
def slurm_connect(inv: Invocation, json_output: bool, connection: dict[str, Any]) -> None:
    """Connect, ask Slurm its version, and show the equivalent ssh command."""
    client = open_client(inv, connection)
    try:
        info = client.connection_info()
    finally:
        client.transport.close()
    if wants_json(inv, json_output):
        emit(True, info)
        return
    click.echo(f"connected to {info.destination} as {info.user}: {info.slurm_version}")
    click.echo(f"equivalent: {info.equivalent_command}")


@command("slurm-queue", SECTION, short_help="List Slurm jobs in the queue (yours, or --all).")
@click.option("--all", "all_users", is_flag=True, help="Every user's jobs, not only yours.")
@click.option("--finished", is_flag=True, help="Include jobs that ended in the last minutes.")
@json_option
@connection_options
@pass_invocation
def slurm_queue(
    inv: Invocation,
    all_users: bool,
    finished: bool,
    json_output: bool,
    connection: dict[str, Any],
) -> None:
    """Jobs in the queue (squeue): yours, or everyone's with --all. An array shows as its
    tasks (14_1) and its pending range (14_[2-5]); Reason says why a job waits or failed,
    Exit its exit code or the signal that ended it. --finished adds jobs that ended in
    the last few minutes (Slurm forgets them after MinJobAge; see slurm-history)."""
    client = open_client(inv, connection)
    try:
        jobs = client.queue(all_users=all_users, include_finished=finished)
    finally:
        client.transport.close()
    emit(wants_json(inv, json_output), jobs, columns=JOB_COLUMNS, empty="no jobs in the queue")


@command("slurm-nodes", SECTION, short_help="List Slurm nodes (joined with HyperPod with --ssm).")
@json_option
@connection_options
@pass_invocation
def slurm_nodes(inv: Invocation, json_output: bool, connection: dict[str, Any]) -> None:
    """Nodes with state, CPUs and GPUs. With --ssm CLUSTER each row also shows the
    HyperPod instance the node runs on, matched by host name."""
    client = open_client(inv, connection)
    try:
        nodes = client.nodes()
    finally:
        client.transport.close()
    cluster = connection.get("ssm_cluster")
    if not cluster and client.transport.kind in {"ssm", "demo"}:
        cluster = inv.config.ssh.cluster  # the configured HyperPod cluster
    if not cluster:
        emit(wants_json(inv, json_output), nodes, columns=NODE_COLUMNS, empty="no nodes")
        return
    from console.slurm.join import join_nodes

    instances = list(inv.console.hyperpod.list_nodes(cluster, addresses=True))
    rows = join_nodes(nodes, instances)
    emit(wants_json(inv, json_output), rows, columns=JOINED_COLUMNS, empty="no nodes")


@command("slurm-history", SECTION, short_help="Jobs from Slurm accounting (sacct).")
@click.option("--all", "all_users", is_flag=True, help="Every user's jobs, not only yours.")
@click.option(
    "--since", default="now-1days", show_default=True, help="Slurm time: now-2hours, 2024-05-01."
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@click.option(
    "--efficiency",
    "--eff",
    "with_efficiency",
    is_flag=True,
    help="Add CPU/memory efficiency and flag wasteful jobs (one more sacct call).",
)
@json_option
@connection_options
@pass_invocation
def slurm_history(
    inv: Invocation,
    all_users: bool,
    since: str,
    limit: int | None,
    with_efficiency: bool,
    json_output: bool,
    connection: dict[str, Any],
) -> None:
    """Jobs from Slurm accounting (sacct), newest first: finished ones with their exit code
    (or the signal that ended them) and, where it explains something, the reason. Needs
    accounting (slurmdbd) on the cluster; --since takes any Slurm time. --efficiency adds
    CPU and memory efficiency and WASTE for jobs slurm-eff would call wasteful."""
    client = open_client(inv, connection)
    try:
        jobs = client.history(all_users=all_users, since=since, limit=limit)
        effs = client.efficiencies(jobs) if with_efficiency else {}
    finally:
        client.transport.close()
    as_json = wants_json(inv, json_output)
    if not with_efficiency:
        emit(as_json, jobs, columns=HISTORY_COLUMNS, empty="no jobs")
        return
    if as_json:
        rows = [
            {**j.to_dict(), "efficiency": effs[j.job_id].to_dict() if j.job_id in effs else None}
            for j in jobs
        ]
        emit(True, rows)
        return
    columns = [*HISTORY_COLUMNS, *_efficiency_columns(effs)]
    emit(False, jobs, columns=columns, empty="no jobs")


def _efficiency_columns(effs: dict[str, Any]) -> list[Any]:
    def pct(job: Any, key: str) -> str:
        value = getattr(effs.get(job.job_id), key, None)
        return "-" if value is None else f"{value:.0f}%"

    def flag(job: Any) -> str:
        eff = effs.get(job.job_id)
        return "WASTE" if eff is not None and eff.wasteful else ""

    return [
        ("CPU eff", lambda j: pct(j, "cpu_percent")),
        ("Mem eff", lambda j: pct(j, "memory_percent")),
        ("Waste", flag),
    ]


def _read_script(path: str) -> str:
    from console.cli.files import read_text_file

    return read_text_file(Path(path).expanduser(), SCRIPT_MAX_BYTES, "sbatch script")


@command("slurm-submit", SECTION, short_help="Lint and submit an sbatch script.")
@click.argument("script", metavar="SCRIPT")
@click.option("--name", metavar="NAME", help="Name for the uploaded copy (default: file name).")
@click.option("--job-name", metavar="NAME", help="Set the job's name (sbatch --job-name).")
@click.option("--chdir", metavar="DIR", help="The job's working directory (sbatch --chdir).")
@click.option("--hyperpod", is_flag=True, help="Lint for HyperPod (implied by --ssm).")
@click.option("--no-lint", is_flag=True, help="Skip the linter (errors included).")
@json_option
@connection_options
@pass_invocation
def slurm_submit(
    inv: Invocation,
    script: str,
    name: str | None,
    job_name: str | None,
    chdir: str | None,
    hyperpod: bool,
    no_lint: bool,
    json_output: bool,
    connection: dict[str, Any],
) -> None:
    """Upload SCRIPT to the cluster (SFTP, atomically) and sbatch it, at most once.

    The linter runs first against the cluster's partitions: errors refuse the
    submission, warnings are shown.
    """
    label = name or Path(script).name
    inv.console.gate.precheck("slurm-submit", label)  # read-only: refuse before connecting
    text = _read_script(script)
    as_json = wants_json(inv, json_output)
    client = open_client(inv, connection, hyperpod=hyperpod)
    issues: list[Any] = []
    try:
        issues = [] if no_lint else client.lint(text)
        for issue in issues:
            where = f"line {issue.line}: " if issue.line else ""
            click.echo(f"lint {issue.severity}: {where}{issue.message} [{issue.code}]", err=True)
        errors = [i for i in issues if i.severity == "error"]
        if errors:
            raise ValidationError(
                f"{script}: {len(errors)} lint error(s); nothing was submitted",
                "fix them (or pass --no-lint to submit anyway)",
            )
        result = client.submit(text, name=label, workdir=chdir or "", job_name=job_name or "")
    except SmError as error:
        if as_json:  # the findings and the error as data, then the usual error lines
            emit(True, _json_error(error, issues))
        raise
    finally:
        client.transport.close()
    if as_json:
        emit(True, {**result.to_dict(), "warnings": [i.to_dict() for i in issues]})
        return
    note = " (found again after a dropped connection)" if result.recovered else ""
    click.echo(f"submitted batch job {result.job_id}{note}")
    click.echo(f"script: {clean(result.script_path)}")


def _json_error(error: SmError, issues: list[Any]) -> dict[str, Any]:
    """What ``slurm-submit --json`` prints when the submission failed: the error (its
    message says whether Slurm recorded a job anyway) and every lint finding."""
    return {
        "error": {"kind": error.kind, "message": error.message, "hint": error.hint},
        "lint": [i.to_dict() for i in issues],
    }


@command("slurm-cancel", SECTION, short_help="Cancel a Slurm job (asks first).")
@click.argument("job_id", metavar="JOBID")
@yes_option
@connection_options
@pass_invocation
def slurm_cancel(inv: Invocation, job_id: str, yes: bool, connection: dict[str, Any]) -> None:
    """Cancel JOBID: a job, one array task (14_2), or an array's own id (14), which
    cancels every task of the array. Asks first (or --yes); refused in read-only mode."""
    from console.slurm.client import check_job_id

    job_id = check_job_id(job_id)
    what = f"Slurm job {job_id}" + ("" if "_" in job_id else " (every task, if it is an array)")
    confirm(inv, "slurm-cancel", job_id, yes=yes, prompt=f"Cancel {what}?")
    client = open_client(inv, connection)
    try:
        job = client.cancel(job_id)
    finally:
        client.transport.close()
    if job.array_job_id == job_id:  # its tasks were in several states: none is "the" state
        click.echo(f"cancelled job {job_id} (the whole array) ({inert(job.name, 80)})")
        return
    click.echo(f"cancelled job {job_id} ({inert(job.name, 80)}, was {job.display_state})")


@command("slurm-tail", SECTION, short_help="Print a job's output; --follow to stream it.")
@click.argument("job_id", metavar="JOBID")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until the job ends.")
@click.option("--lines", "-n", type=click.IntRange(min=0), default=100, show_default=True)
@click.option("--stderr", "use_stderr", is_flag=True, help="The job's stderr file instead.")
@json_option
@connection_options
@pass_invocation
def slurm_tail(
    inv: Invocation,
    job_id: str,
    follow: bool,
    lines: int,
    use_stderr: bool,
    json_output: bool,
    connection: dict[str, Any],
) -> None:
    from console.slurm.client import check_job_id

    job_id = check_job_id(job_id)
    if follow and wants_json(inv, json_output):
        raise ValidationError("--json cannot be combined with --follow")
    stream = "stderr" if use_stderr else "stdout"
    client = open_client(inv, connection)
    try:
        if not follow:
            path = client.output_path(job_id, stream=stream)
            output = client.tail(job_id, lines=lines, stream=stream)
            if wants_json(inv, json_output):
                emit(True, {"job_id": job_id, "path": path, "lines": output})
            else:
                for line in output:
                    click.echo(strip_escapes(line))
            return
        from console.slurm.client import job_status_text

        job = client.job(job_id)
        if job.state == "PENDING":
            click.echo(f"-- job {job.job_id}: {job_status_text(job)}; waiting for it --", err=True)
        _follow(client, job.job_id, lines=lines, stream=stream)
        ended = client.job(job.job_id)
        if not ended.active and ended.state != "COMPLETED":
            click.echo(f"-- job {ended.job_id}: {job_status_text(ended)} --", err=True)
    finally:
        client.transport.close()


def _follow(client: Any, job_id: str, *, lines: int, stream: str) -> None:
    """Stream until the job ends and its last lines are out (or Ctrl-C)."""
    from console.slurm.tail import Gap, Reconnecting

    with client.follow(job_id, lines=lines, stream=stream) as follower:
        next_check = time.monotonic() + JOB_CHECK_SECONDS
        ended_at: float | None = None
        quiet_since = time.monotonic()
        while True:
            items = follower.poll(0.5)
            now = time.monotonic()
            if items:
                quiet_since = now
            for item in items:
                if isinstance(item, Gap | Reconnecting):
                    # the real state, on stderr: "reconnecting (attempt N, next in Xs)"
                    click.echo(f"-- {item.message} --", err=True)
                else:
                    click.echo(strip_escapes(item))
            if follower.closed:  # only a host-key or login refusal stops it
                raise SmError(f"stopped following job {job_id}: the login was refused")
            if ended_at is not None and (
                now - quiet_since > DRAIN_QUIET_SECONDS or now - ended_at > DRAIN_MAX_SECONDS
            ):
                return  # the job has ended and its output has gone quiet
            if follower.state.kind == "reconnecting":
                quiet_since = now  # an outage is not the job's output going quiet
                continue
            if ended_at is None and now >= next_check:
                next_check = now + JOB_CHECK_SECONDS
                try:
                    ended = not client.job(job_id).active
                except UnreachableError:
                    continue  # cannot tell now (the link): ask again later
                except SmError:
                    ended = True  # forgotten by Slurm: it ended long ago
                if ended:
                    ended_at = quiet_since = now


def _num(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.0f}{unit}"


def _memory(gpu: Any) -> str:
    if gpu.memory_used_mb is None and gpu.memory_total_mb is None:
        return "-"
    return f"{_num(gpu.memory_used_mb)}/{_num(gpu.memory_total_mb)} MiB"


GPU_COLUMNS = [
    field_col("Node", "node"),
    ("GPU", lambda g: "-" if g.index is None else g.index),
    ("Name", lambda g: f"{g.name} (MIG)" if g.mig and "MIG" not in g.name else g.name),
    ("Util", lambda g: _num(g.utilization, "%")),
    ("Memory", _memory),
    ("Temp", lambda g: _num(g.temperature_c, "C")),
    ("Power", lambda g: _num(g.power_w, "W")),
    ("Flags", lambda g: ",".join(g.flags)),
]


@command("slurm-gpus", SECTION, short_help="GPUs of a running job's nodes (or of one node).")
@click.argument("target", metavar="JOBID|NODE")
@click.option(
    "--nvidia-smi",
    "nvidia_smi",
    default=None,
    metavar="PROGRAM",
    help="The nvidia-smi program on the nodes, a path if not on PATH (default: the "
    "config's ssh.nvidia_smi, else nvidia-smi).",
)
@json_option
@connection_options
@pass_invocation
def slurm_gpus(
    inv: Invocation,
    target: str,
    nvidia_smi: str | None,
    json_output: bool,
    connection: dict[str, Any],
) -> None:
    """Per-GPU utilization, memory, temperature and power from nvidia-smi, with idle GPUs
    and stragglers of a job flagged and XID errors from the kernel log where users may
    read it (dmesg). A job's nodes are read with ``srun --overlap --jobid``; a node name
    is read on the login node itself, inside a running job of yours there, or over ssh."""
    client = open_client(inv, connection)
    try:
        report = client.gpus(target, nvidia_smi=nvidia_smi or inv.config.ssh.nvidia_smi)
    finally:
        client.transport.close()
    if wants_json(inv, json_output):
        emit(True, report)
        return
    gpus = report.gpus
    if gpus:
        emit(False, gpus, columns=GPU_COLUMNS)
    for node in report.nodes:
        if node.status != "ok" or not node.gpus:
            click.echo(f"{node.node}: {node.message}", err=node.status == "error")
        for xid in node.xids:
            click.echo(f"{node.node}: XID {xid.code} on {xid.pci}: {xid.text}")
    visible = [n for n in report.nodes if n.status == "ok"]
    if visible and not any(n.xid_visible for n in visible):
        click.echo("XID errors: not visible (the kernel log is closed to this user)")
    flagged = [g for g in gpus if g.flags]
    if flagged:
        click.echo(
            f"{len(flagged)} GPU(s) flagged: "
            + ", ".join(f"{g.node}/{g.index} {'+'.join(g.flags)}" for g in flagged)
        )
