"""slurm-job, slurm-eff, job control (hold/release/requeue/time limit/signal) and cluster
views (partitions, one node, drain/resume): the Slurm commands beyond queue and submit.

Connection options and the client come from :mod:`console.cli.commands.slurm`. Every
change goes through the client's gate (read-only refused, audited); here the CLI asks
once for all the jobs named, then acts on each and reports each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from console.cli.commands.slurm import (
    SECTION,
    _duration,
    _exit_text,
    _limit,
    connection_options,
    open_client,
)
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
from console.errors import SmError
from console.sanitize import inert, strip_escapes


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _mb(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1024:.2f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def _detail_fields(d: Any) -> list[tuple[str, Any]]:
    gpus = "; ".join(f"{h.node}: {','.join(str(g) for g in h.gpus) or 'none'}" for h in d.node_gpus)
    exit_text = _exit_text(d) if d.exit_code is not None or d.signal else ""
    requeue = {True: "yes", False: "no", None: "-"}[d.requeue]
    restarts = "" if d.restarts is None else f" (requeued {d.restarts} time(s))"
    return [
        ("Job", d.job_id),
        ("Name", d.name),
        ("User", d.user),
        ("Status", d.state),
        ("Reason", d.reason or "-"),
        ("Exit", exit_text or "-"),
        ("Submitted", d.submitted or "-"),
        ("Started", d.started or "-"),
        ("Ended", d.ended or "-"),
        ("Elapsed", _duration(d.elapsed_seconds)),
        ("Time limit", _limit(d.time_limit_minutes)),
        ("Partition", d.partition),
        ("QoS", d.qos or "-"),
        ("Account", d.account or "-"),
        ("Nodes", d.nodes or "-"),
        ("GPUs per node", gpus or "-"),
        ("TRES requested", d.tres_requested or "-"),
        ("TRES allocated", d.tres_allocated or "-"),
        ("Work dir", d.workdir or "-"),
        ("Stdout", d.stdout or "-"),
        ("Stderr", d.stderr or "-"),
        ("Command", d.command or "-"),
        ("Dependency", d.dependency or "-"),
        ("Requeue", requeue + restarts),
        ("From", d.source),
    ]


STEP_COLUMNS = [
    ("Step", lambda s: f"{s.job_id}.{s.step}"),
    field_col("Name", "name"),
    field_col("Status", "state"),
    ("Exit", _exit_text),
    ("Elapsed", lambda s: _duration(s.elapsed_seconds)),
    ("CPU time", lambda s: _duration(s.total_cpu_seconds)),
    ("MaxRSS", lambda s: _mb(s.max_rss_mb)),
    field_col("Nodes", "nodes"),
]


@command("slurm-job", SECTION, short_help="Everything about one Slurm job.")
@click.argument("job_id", metavar="JOBID")
@click.option("--script", "show_script", is_flag=True, help="Also print the job's script.")
@json_option
@connection_options
@pass_invocation
def slurm_job(
    inv: Invocation,
    job_id: str,
    show_script: bool,
    json_output: bool,
    connection: dict[str, Any],
) -> None:
    """State, reason, exit code, times, limits, partition/QoS/account, nodes with the GPUs
    the job holds on each, TRES, paths, command, dependencies and requeues of JOBID; for a
    finished job sacct's steps. --script adds the batch script (Slurm's copy, else the
    copy the console uploaded)."""
    from console.slurm.client import check_job_id

    job_id = check_job_id(job_id)
    client = open_client(inv, connection)
    try:
        found = client.job_detail(job_id, script=show_script)
    finally:
        client.transport.close()
    if wants_json(inv, json_output):
        emit(True, found)
        return
    emit(False, found, fields=_detail_fields)
    if found.steps:
        click.echo("")
        emit(False, found.steps, columns=STEP_COLUMNS)
    for note in found.notes:
        click.echo(f"note: {inert(note, 300)}", err=True)
    if show_script and found.script is not None:
        where = f" ({inert(found.script_path, 200)})" if found.script_path else ""
        click.echo(f"\n--- script: {found.script_source}{where} ---")
        for line in found.script.splitlines():
            click.echo(strip_escapes(line))


def _eff_fields(e: Any) -> list[tuple[str, Any]]:
    from console.slurm.gpu_usage import utilisation_text

    verdict = "WASTEFUL: " + "; ".join(e.reasons) if e.wasteful else "ok"
    cpu = _pct(e.cpu_percent)
    if e.total_cpu_seconds is not None and e.alloc_cpus:
        cpu += f" ({_duration(e.total_cpu_seconds)} of {e.alloc_cpus} CPU(s) x wall)"
    memory = f"{_mb(e.max_rss_mb)} of {_mb(e.req_mem_mb)} ({_pct(e.memory_percent)})"
    wall = f"{_duration(e.elapsed_seconds)} of {_limit(e.time_limit_minutes)}"
    return [
        ("Job", e.job_id),
        ("Status", e.state + (" (live, from sstat)" if e.running else "")),
        ("CPU efficiency", cpu),
        ("Memory peak", memory),
        ("Wall time", f"{wall} ({_pct(e.wall_percent)})"),
        ("GPUs", f"{e.gpus} ({e.gpu_hours:.2f} GPU-hours allocated)"),
        ("GPU utilisation", utilisation_text(e.gpu_util_percent, e.gpu_util_source)),
        ("Verdict", verdict),
    ]


@command("slurm-eff", SECTION, short_help="CPU, memory, GPU-hours and wall-time use of a job.")
@click.argument("job_id", metavar="JOBID")
@click.option(
    "--nvidia-smi",
    "nvidia_smi",
    default=None,
    metavar="PATH",
    help="The nvidia-smi program on the nodes, for a running job's GPU utilisation "
    "(default: the config's ssh.nvidia_smi, else nvidia-smi).",
)
@json_option
@connection_options
@pass_invocation
def slurm_eff(
    inv: Invocation,
    job_id: str,
    nvidia_smi: str | None,
    json_output: bool,
    connection: dict[str, Any],
) -> None:
    """Like seff: CPU efficiency (TotalCPU / (Elapsed x AllocCPUS)), peak memory (MaxRSS
    over the steps) against the request, GPU-hours allocated and wall time against the
    limit, GPU utilisation (Slurm's GPU accounting where the cluster records it, else a
    running job's own GPUs sampled with nvidia-smi), with a verdict: wasteful when CPU
    efficiency is under 25%, under 10% of the requested memory was used or the GPUs were
    under 10% busy. A running job's usage is read live (sstat)."""
    from console.slurm.client import check_job_id

    job_id = check_job_id(job_id)
    client = open_client(inv, connection)
    try:
        found = client.efficiency(job_id, nvidia_smi=nvidia_smi or inv.config.ssh.nvidia_smi)
    finally:
        client.transport.close()
    if wants_json(inv, json_output):
        emit(True, found)
        return
    emit(False, found, fields=_eff_fields)
    for note in found.notes:
        click.echo(f"note: {note}", err=True)


# --- job control ------------------------------------------------------------------------


def _control(
    inv: Invocation,
    action: str,
    job_ids: Sequence[str],
    yes: bool,
    connection: dict[str, Any],
    question: str,
    act: Callable[[Any, str], Any],
    done: str,
) -> None:
    """Validate every id, ask once for all, then act on each: one line per job, and an
    error (exit status) when any failed."""
    from console.slurm.client import check_job_id

    ids = list(dict.fromkeys(check_job_id(j) for j in job_ids))
    target = ",".join(ids)
    noun = f"job {ids[0]}" if len(ids) == 1 else f"{len(ids)} jobs ({', '.join(ids)})"
    confirm(inv, action, target, yes=yes, prompt=f"{question} {noun}?")
    client = open_client(inv, connection)
    failed: list[tuple[str, SmError]] = []
    try:
        for job_id in ids:
            try:
                act(client, job_id)
            except SmError as error:
                failed.append((job_id, error))
                if len(ids) > 1:  # one job: its error is the command's error, said once
                    click.echo(f"job {job_id}: {error.message}", err=True)
                continue
            click.echo(f"{done} job {job_id}")
    finally:
        client.transport.close()
    if failed:
        first = failed[0][1]
        if len(ids) == 1:
            raise first
        raise SmError(
            f"{action}: {len(failed)} of {len(ids)} job(s) failed "
            f"({', '.join(j for j, _ in failed)})",
            first.hint,
        )


_JOB_IDS = click.argument("job_ids", metavar="JOBID...", nargs=-1, required=True)


@command("slurm-hold", SECTION, short_help="Hold pending Slurm jobs (asks first).")
@_JOB_IDS
@yes_option
@connection_options
@pass_invocation
def slurm_hold(
    inv: Invocation, job_ids: tuple[str, ...], yes: bool, connection: dict[str, Any]
) -> None:
    """Hold each pending JOBID: it stays queued and will not start until released."""
    _control(inv, "slurm-hold", job_ids, yes, connection, "Hold", lambda c, j: c.hold(j), "held")


@command("slurm-release", SECTION, short_help="Release held Slurm jobs (asks first).")
@_JOB_IDS
@yes_option
@connection_options
@pass_invocation
def slurm_release(
    inv: Invocation, job_ids: tuple[str, ...], yes: bool, connection: dict[str, Any]
) -> None:
    """Release each held JOBID so it may start."""
    _control(
        inv,
        "slurm-release",
        job_ids,
        yes,
        connection,
        "Release",
        lambda c, j: c.release(j),
        "released",
    )


@command("slurm-requeue", SECTION, short_help="Requeue Slurm jobs (asks first).")
@_JOB_IDS
@yes_option
@connection_options
@pass_invocation
def slurm_requeue(
    inv: Invocation, job_ids: tuple[str, ...], yes: bool, connection: dict[str, Any]
) -> None:
    """Requeue each JOBID: a running job is stopped and queued again from the start."""
    _control(
        inv,
        "slurm-requeue",
        job_ids,
        yes,
        connection,
        "Requeue",
        lambda c, j: c.requeue(j),
        "requeued",
    )


@command("slurm-suspend", SECTION, short_help="Suspend running Slurm jobs (asks first).")
@_JOB_IDS
@yes_option
@connection_options
@pass_invocation
def slurm_suspend(
    inv: Invocation, job_ids: tuple[str, ...], yes: bool, connection: dict[str, Any]
) -> None:
    """Suspend each running JOBID (its processes stop where they are; Slurm allows it to
    operators and admins). slurm-unsuspend lets it go on."""
    _control(
        inv,
        "slurm-suspend",
        job_ids,
        yes,
        connection,
        "Suspend",
        lambda c, j: c.suspend(j),
        "suspended",
    )


@command("slurm-unsuspend", SECTION, short_help="Resume suspended Slurm jobs (asks first).")
@_JOB_IDS
@yes_option
@connection_options
@pass_invocation
def slurm_unsuspend(
    inv: Invocation, job_ids: tuple[str, ...], yes: bool, connection: dict[str, Any]
) -> None:
    """Let each suspended JOBID go on (scontrol resume; slurm-resume is for nodes)."""
    _control(
        inv,
        "slurm-unsuspend",
        job_ids,
        yes,
        connection,
        "Resume",
        lambda c, j: c.unsuspend(j),
        "resumed",
    )


@command("slurm-time-limit", SECTION, short_help="Change Slurm jobs' time limit (asks first).")
@_JOB_IDS
@click.argument("limit", metavar="TIME")
@yes_option
@connection_options
@pass_invocation
def slurm_time_limit(
    inv: Invocation,
    job_ids: tuple[str, ...],
    limit: str,
    yes: bool,
    connection: dict[str, Any],
) -> None:
    """Set the time limit of each JOBID to TIME (90 minutes, 2:00:00, 1-12:00:00 or
    UNLIMITED). A user may lower it; raising it needs a Slurm operator."""
    from console.slurm.client import check_time_limit

    limit = check_time_limit(limit)
    _control(
        inv,
        "slurm-time-limit",
        job_ids,
        yes,
        connection,
        f"Set time limit {limit} on",
        lambda c, j: c.set_time_limit(j, limit),
        f"time limit {limit} set on",
    )


@command("slurm-signal", SECTION, short_help="Send a signal to Slurm jobs (asks first).")
@_JOB_IDS
@click.argument("signal_name", metavar="SIGNAL")
@yes_option
@connection_options
@pass_invocation
def slurm_signal(
    inv: Invocation,
    job_ids: tuple[str, ...],
    signal_name: str,
    yes: bool,
    connection: dict[str, Any],
) -> None:
    """Send SIGNAL (a name: HUP, INT, USR1, USR2, TERM, …) to each JOBID's batch shell and
    every step."""
    from console.slurm.client import check_signal

    name = check_signal(signal_name)
    _control(
        inv,
        "slurm-signal",
        job_ids,
        yes,
        connection,
        f"Send SIG{name} to",
        lambda c, j: c.signal(j, name),
        f"SIG{name} sent to",
    )


# --- cluster views ------------------------------------------------------------------------

PARTITION_COLUMNS = [
    ("Partition", lambda p: p.name + ("*" if p.default else "")),
    field_col("State", "state"),
    ("Nodes", lambda p: p.nodes_total),
    ("Idle", lambda p: p.idle),
    ("Alloc", lambda p: p.allocated),
    ("Mixed", lambda p: p.mixed),
    ("Down", lambda p: p.down),
    ("Drain", lambda p: p.drain),
    ("GPUs free", lambda p: f"{p.gpus_free}/{p.gpus_total}" if p.gpus_total else ""),
    ("Pending", lambda p: p.pending_jobs),
    ("Running", lambda p: p.running_jobs),
    ("Max time", lambda p: _limit(p.max_time_minutes)),
]


@command("slurm-partitions", SECTION, short_help="Partitions: node states, free GPUs, jobs.")
@json_option
@connection_options
@pass_invocation
def slurm_partitions(inv: Invocation, json_output: bool, connection: dict[str, Any]) -> None:
    """Per partition (* the default): nodes idle/allocated/mixed/down/drained, GPUs free
    on nodes that can take jobs, and pending/running jobs."""
    client = open_client(inv, connection)
    try:
        rows = client.partition_summary()
    finally:
        client.transport.close()
    emit(wants_json(inv, json_output), rows, columns=PARTITION_COLUMNS, empty="no partitions")


def _node_fields(n: Any) -> list[tuple[str, Any]]:
    by = f" (by {n.reason_by} at {n.reason_at})" if n.reason_by else ""
    load = "-" if n.cpu_load is None else f"{n.cpu_load:.2f}"
    memory = f"{n.memory_mb or '?'} MB, {n.memory_allocated_mb or 0} allocated"
    if n.memory_free_mb is not None:
        memory += f", {n.memory_free_mb} free"
    return [
        ("Node", n.name),
        ("Status", n.display_state),
        ("Reason", (n.reason + by) if n.reason else "-"),
        ("CPUs", f"{n.cpus_allocated or 0}/{n.cpus_total or '?'} allocated, load {load}"),
        ("Memory", memory),
        ("GRES", n.gres or "-"),
        ("GRES used", n.gres_used or "-"),
        ("GPUs", f"{n.gpus_used}/{n.gpus_total}" if n.gpus_total else "-"),
        ("Features", ",".join(n.features) or "-"),
        ("Active features", ",".join(n.active_features) or "-"),
        ("Partitions", ",".join(n.partitions) or "-"),
        ("Address", f"{n.address} ({n.hostname})"),
        ("Allocated TRES", n.alloc_tres or "-"),
        ("Booted", n.boot_time or "-"),
        ("slurmd", n.slurmd_version or "-"),
    ]


@command("slurm-node", SECTION, short_help="One Slurm node in depth (scontrol show node).")
@click.argument("node", metavar="NODE")
@json_option
@connection_options
@pass_invocation
def slurm_node(inv: Invocation, node: str, json_output: bool, connection: dict[str, Any]) -> None:
    """State, the reason with who set it and when, features, GRES and what is allocated,
    CPU load and memory of NODE."""
    client = open_client(inv, connection)
    try:
        found = client.node_detail(node)
    finally:
        client.transport.close()
    if wants_json(inv, json_output):
        emit(True, found)
        return
    emit(False, found, fields=_node_fields)


@command("slurm-drain", SECTION, short_help="Drain a Slurm node with a reason (asks first).")
@click.argument("node", metavar="NODE")
@click.option("--reason", required=True, metavar="TEXT", help="Why (shown to everyone).")
@yes_option
@connection_options
@pass_invocation
def slurm_drain(
    inv: Invocation, node: str, reason: str, yes: bool, connection: dict[str, Any]
) -> None:
    """Drain NODE: its running jobs finish, no new job starts on it. Needs Slurm admin
    rights (SlurmUser, root or an AdminLevel in sacctmgr)."""
    from console.slurm.client import check_node_name, check_reason

    node, reason = check_node_name(node), check_reason(reason)
    confirm(inv, "slurm-drain", node, yes=yes, prompt=f"Drain node {node} ({reason})?")
    client = open_client(inv, connection)
    try:
        found = client.drain(node, reason)
    finally:
        client.transport.close()
    click.echo(f"node {found.name} is {found.display_state}: {inert(found.reason, 200)}")


@command("slurm-resume", SECTION, short_help="Return a drained Slurm node to service (asks).")
@click.argument("node", metavar="NODE")
@yes_option
@connection_options
@pass_invocation
def slurm_resume(inv: Invocation, node: str, yes: bool, connection: dict[str, Any]) -> None:
    """Resume NODE (undrain it). Needs Slurm admin rights."""
    from console.slurm.client import check_node_name

    node = check_node_name(node)
    confirm(inv, "slurm-resume", node, yes=yes, prompt=f"Resume node {node}?")
    client = open_client(inv, connection)
    try:
        found = client.resume(node)
    finally:
        client.transport.close()
    click.echo(f"node {found.name} is {found.display_state}")
