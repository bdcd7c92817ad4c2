"""Shell safety: every remote command path, every user-controlled field, hostile words.

The paths are discovered, not listed by hand only: every public method of
:class:`SlurmClient` (what the CLI and the TUI call) must appear in ``PATHS`` (or in
``NO_USER_INPUT`` with the reason), and every place in ``console/`` that hands a
command to a transport (``.run(`` / ``.spawn(``) or builds a shell line must be a known
call site. A new path fails here until it is added to the sweep.

Each path runs against the real sshd and Slurm (tests/system/setup.py) with words that
would create a canary file if any shell ever interpreted them (``;``, ``$()``,
backticks, quotes, newlines, spaces): the canary must never appear. Where the field is
validated first, the answer must be a one-line refusal.
"""

from __future__ import annotations

import ast
import inspect
import os
import shlex
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from console.errors import SmError, ValidationError
from console.remote.ssh import SshTransport, resolve_target
from console.remote.ssm import SsmNode, SsmTransport, ssm_ssh_target
from console.slurm import gpu as gpu_probe
from console.slurm.client import SlurmClient
from console.slurm.records import AccountingJob
from console.slurm.tail import LogFollower
from tests.system.support import install_fake_aws, require_system

ROOT = Path(__file__).resolve().parents[3]
CANARY_DIR = Path("/tmp")  # the test user can write here: a shell could create it


def payloads(canary: str) -> list[str]:
    """Words that each create ``canary`` if a shell interprets them anywhere."""
    return [
        f"a; touch {canary}",
        f"$(touch {canary})",
        f"`touch {canary}`",
        f"q'; touch {canary}; echo '",
        f'q"; touch {canary}; echo "',
        f"x\ntouch {canary}",
        f"a && touch {canary} || touch {canary}",
        f"sp ace | touch {canary}",
    ]


def follow_path(client: SlurmClient, word: str) -> list[Any]:
    with LogFollower(client.transport, f"/tmp/{word}", lines=1) as follower:
        return follower.poll(0.5)


def accounting_job(job_id: str) -> AccountingJob:
    """A history row whose id is ``job_id`` (efficiencies() sends the ids it is given)."""
    return AccountingJob(job_id, "n", "u", "COMPLETED", 0, None, 1, "p", "", "", None, None, None)


# Job ids this sweep submitted: cancelled at the end, and only they (other workers' tests
# hold jobs of their own on the same cluster).
SUBMITTED: list[str] = []


def submit(client: SlurmClient, script: str, **options: Any) -> Any:
    result = client.submit(script, **options)
    SUBMITTED.append(result.job_id)
    return result


HELD = "#!/bin/bash\n#SBATCH --hold\n#SBATCH --cpus-per-task=1\n#SBATCH --time=1\ntrue\n"

# path name -> how to drive it with a hostile word (a held job never runs: no CPU used)
PATHS: dict[str, Callable[[SlurmClient, str], Any]] = {
    "submit.name": lambda c, w: submit(c, HELD, name=w),
    "submit.job_name": lambda c, w: submit(c, HELD, name="ok", job_name=w),
    "submit.workdir": lambda c, w: submit(c, HELD, name="ok", workdir=f"/tmp/{w}"),
    "submit.remote_dir": lambda c, w: submit(
        SlurmClient(c.transport, remote_dir=f"{c.remote_dir}/{w}"), HELD, name="ok"
    ),
    "submit.output_dir": lambda c, w: submit(
        c,
        HELD.replace("#SBATCH --hold\n", f"#SBATCH --hold\n#SBATCH --output=/tmp/smc-{w}/%j\n"),
        name="ok",
    ),
    "cancel.job_id": lambda c, w: c.cancel(w),
    "job.job_id": lambda c, w: c.job(w),
    "job_rows.job_id": lambda c, w: c.job_rows(w),
    "job_gpu_indexes.job_id": lambda c, w: c.job_gpu_indexes(w),
    "output_path.job_id": lambda c, w: c.output_path(w),
    "tail.job_id": lambda c, w: c.tail(w),
    "follow.job_id": lambda c, w: c.follow(w),
    "follow.path": follow_path,
    "history.since": lambda c, w: c.history(since=w),
    "gpus.target": lambda c, w: c.gpus(w),
    "job_gpus.job_id": lambda c, w: c.job_gpus(w),
    "node_gpus.node": lambda c, w: c.node_gpus(w),
    "node_gpus.nvidia_smi": lambda c, w: c.node_gpus("localhost", nvidia_smi=w),
    "hostnames.nodelist": lambda c, w: c.hostnames(w),
    "wait_until.job_id": lambda c, w: c.wait_until(w, lambda j: True, timeout=1),
    "lint.script": lambda c, w: c.lint(f"#!/bin/bash\n#SBATCH --partition={w}\n{w}\n"),
    "job_detail.job_id": lambda c, w: c.job_detail(w, script=True),
    "job_steps.job_id": lambda c, w: c.job_steps(w),
    "job_script.job_id": lambda c, w: c.job_script(w),
    "efficiency.job_id": lambda c, w: c.efficiency(w),
    "efficiencies.job_id": lambda c, w: c.efficiencies([accounting_job(w)]),
    "hold.job_id": lambda c, w: c.hold(w),
    "release.job_id": lambda c, w: c.release(w),
    "requeue.job_id": lambda c, w: c.requeue(w),
    "suspend.job_id": lambda c, w: c.suspend(w),
    "unsuspend.job_id": lambda c, w: c.unsuspend(w),
    "set_time_limit.job_id": lambda c, w: c.set_time_limit(w, "10"),
    "set_time_limit.limit": lambda c, w: c.set_time_limit("999999", w),
    "signal.job_id": lambda c, w: c.signal(w, "USR1"),
    "signal.signal": lambda c, w: c.signal("999999", w),
    "node_detail.node": lambda c, w: c.node_detail(w),
    # The test user is no Slurm admin: a drain that got past our checks is refused by
    # Slurm, so the node is never drained; the reason still crosses the wire.
    "drain.node": lambda c, w: c.drain(w, "maintenance"),
    "drain.reason": lambda c, w: c.drain("localhost", w),
    "resume.node": lambda c, w: c.resume(w),
}
NO_USER_INPUT = {
    "connection_info": "no arguments",
    "login_host": "no arguments",
    "nodes": "no arguments",
    "user": "no arguments",
    "partitions": "only Slurm's own node records",
    "default_partition": "no arguments",
    "queue": "booleans only",
    "find_by_token": "the token is ours (random hex) and only compared, never sent",
    "partition_summary": "no arguments",
}

# Every place that hands a command to a transport or builds a shell line, and why it is
# safe. (function, what) pairs, found by scanning console/ below.
KNOWN_CALL_SITES = {
    ("SlurmClient._read", "run"): "argv list, quoted by command_line",
    ("SlurmClient._submit_once", "run"): "argv list; wrapper gets values as $1 $2 $@",
    ("SlurmClient._submit_once", "sh -c"): "SUBMIT_SCRIPT is constant; values positional",
    ("SlurmClient._cleanup", "run"): "argv list (rm -rf -- paths)",
    ("SlurmClient._make_output_directories", "run"): "argv list (mkdir -p -- directories)",
    ("cancel.run", "run"): "argv list (scancel ID); the job id validated first",
    ("_control.run", "run"): "argv list (scontrol hold/release/requeue/update, scancel "
    "--signal); the job id, time limit and signal validated first",
    ("_node_update.run", "run"): "argv list (scontrol update NodeName=N State=… Reason=…); "
    "the node name validated, the reason one argv word",
    ("spawn_argv", "sh -c"): "constant SPAWN_SCRIPT; the program's argv positional",
    ("SlurmClient.node_gpus", "shlex.join"): "the ssh hop's remote line, every word quoted",
    ("LogFollower._start", "spawn"): "argv list: sh -c TAIL_SCRIPT with the path positional",
    ("LogFollower._start", "sh -c"): "constant TAIL_SCRIPT; path, line count and byte "
    "offset positional (the two numbers are ints we format), tail -- path",
    ("SshProcess.close", "run"): "constant KILL_SCRIPT, the pid positional",
    ("SshProcess.close", "sh -c"): "constant KILL_SCRIPT, the pid positional",
    ("probe_argv", "sh -c"): "constant PROBE_SCRIPT; program and args positional",
    ("SshTransport._proxy", "ProcessSocket.shell"): "the operator's own ProxyCommand from "
    "~/.ssh/config, run by a shell as OpenSSH does; it never holds a value of ours",
    ("ProcessSocket.__init__", "Popen"): "an argv list, no shell (the SSM ProxyCommand)",
    ("LocalTransport.spawn", "Popen"): "an argv list, no shell (--local)",
    ("LocalTransport.run", "subprocess.run"): "an argv list, no shell (--local)",
}


def call_sites() -> set[tuple[str, str]]:
    """(enclosing function, kind) for each transport call or shell line in console/."""
    found: set[tuple[str, str]] = set()
    for path in sorted((ROOT / "console").rglob("*.py")):
        if "demo" in path.parts:  # the demo's simulated cluster runs nothing
            continue
        tree = ast.parse(path.read_text())
        _visit(tree, [], found, path)
    return found


def _visit(node: ast.AST, scope: list[str], found: set[tuple[str, str]], path: Path = ROOT) -> None:
    for child in ast.iter_child_nodes(node):
        inner = scope
        if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            inner = [*scope, child.name]
        where = ".".join(s for s in inner[-2:])
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
            target = ast.unparse(child.func.value)
            if child.func.attr in {"run", "spawn"} and "transport" in target:
                found.add((where, child.func.attr))
            if child.func.attr == "join" and target == "shlex" and _in_remote_code(inner):
                found.add((where, "shlex.join"))
            if child.func.attr == "shell" and target == "ProcessSocket":
                found.add((where, "ProcessSocket.shell"))
            remote = path.parts[-2] == "remote"
            if remote and target == "subprocess" and child.func.attr in {"Popen", "run"}:
                found.add((where, f"subprocess.{child.func.attr}".replace("subprocess.P", "P")))
            if any(k.arg == "shell" for k in child.keywords):
                found.add((where, "shell="))
        if (
            isinstance(child, ast.List)
            and len(child.elts) >= 2
            and all(isinstance(e, ast.Constant) for e in child.elts[:2])
            and [e.value for e in child.elts[:2]] == ["sh", "-c"]  # type: ignore[attr-defined]
        ):
            found.add((where, "sh -c"))
        _visit(child, inner, found, path)


def _in_remote_code(scope: list[str]) -> bool:
    return bool(scope) and scope[0] in {"SlurmClient", "LogFollower"}


def test_every_remote_path_is_in_the_sweep() -> None:
    public = {
        name
        for name, _ in inspect.getmembers(SlurmClient, inspect.isfunction)
        if not name.startswith("_")
    }
    covered = {key.split(".")[0] for key in PATHS} | set(NO_USER_INPUT)
    assert public - covered == set(), "new SlurmClient methods: add them to PATHS"
    assert covered - public == set(), "PATHS names methods that no longer exist"
    sites = call_sites()
    assert sites - set(KNOWN_CALL_SITES) == set(), "new remote call sites: add them here"
    assert set(KNOWN_CALL_SITES) - sites == set(), "stale KNOWN_CALL_SITES entries"


def test_the_ssh_hop_line_round_trips() -> None:
    """The one line built for a second shell (``ssh node LINE`` from the login node)
    splits back into exactly the words meant, whatever the program name holds."""
    for word in payloads("/tmp/x"):
        argv = gpu_probe.probe_argv(word)
        assert shlex.split(shlex.join(argv)) == argv


# --- against the real sshd ------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[SlurmClient]:
    system = require_system()
    transport = SshTransport(
        resolve_target(
            f"127.0.0.1:{system.head.port}",
            user=system.user,
            identity_file=system.key,
            known_hosts=system.known_hosts,
        )
    )
    slurm = SlurmClient(transport, remote_dir=f"~/e2e/shell-{uuid.uuid4().hex[:8]}")
    yield slurm
    transport.close()
    system.scancel(SUBMITTED)
    shutil.rmtree(Path(system.home, slurm.remote_dir[2:]), ignore_errors=True)


@pytest.mark.parametrize("path", sorted(PATHS))
def test_hostile_words_inject_nothing(client: SlurmClient, path: str) -> None:
    canary = CANARY_DIR / f"smconsole-canary-{uuid.uuid4().hex}"
    try:
        for word in payloads(str(canary)):
            try:
                PATHS[path](client, word)
            except ValidationError as refused:
                line = refused.one_line()
                assert "\n" not in line and "Traceback" not in line, (path, word)
            except SmError as failed:  # Slurm's own refusal, "not found"…: one line too
                assert "\n" not in failed.one_line(), (path, word)
            assert not canary.exists(), f"{path} ran {word!r} through a shell"
    finally:
        canary.unlink(missing_ok=True)


def test_the_ssm_proxy_command_takes_hostile_values_as_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Region and profile reach ``aws ssm start-session`` as single arguments (an argv,
    no shell), through a fake ``aws`` that relays to the real sshd."""
    system = require_system()
    fake = install_fake_aws(tmp_path / "bin", system.head.port)
    monkeypatch.setenv("PATH", f"{fake.bin_dir}{os.pathsep}{os.environ['PATH']}")
    node = SsmNode("hp", "abcdef123456", "login", "Login", "i-0123456789abcdef0")
    known = tmp_path / "known_hosts"
    known.write_text(system.head.known_hosts_line(node.target))
    base = resolve_target(
        node.target, user=system.user, identity_file=system.key, known_hosts=str(known)
    )
    canary = CANARY_DIR / f"smconsole-canary-{uuid.uuid4().hex}"
    try:
        for word in payloads(str(canary)):
            transport = SsmTransport(ssm_ssh_target(node, base), node, region=word, profile=word)
            try:
                assert transport.run(["echo", "ok"]).stdout == "ok\n"
            finally:
                transport.close()
            assert fake.calls()[-1][-4:] == ["--region", word, "--profile", word]
            assert shlex.split(transport.describe())[-1] == f"{system.user}@{node.target}"
            assert not canary.exists(), f"the SSM proxy ran {word!r} through a shell"
    finally:
        canary.unlink(missing_ok=True)
