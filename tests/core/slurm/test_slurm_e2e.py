"""Slurm end to end on the real test cluster: submit, queue, tail, cancel, history.

Through SSH to the head node, through the bastion, over the fake SSM ProxyCommand, and
``--local`` against the same Slurm; via the client and via the CLI. Jobs ask for one CPU
and run a second or two; every wait polls with a timeout (the cluster has 2 CPUs and
other test workers share it, so a job may wait its turn). Names and paths carry `;`,
`$()`, backticks, quotes, newlines and spaces, and must inject nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.errors import ConflictError, NotFoundError, ReadOnlyError, ValidationError
from console.remote.errors import RemoteCommandError
from console.remote.local import LocalTransport
from console.remote.ssh import SshTransport, resolve_target
from console.sanitize import clean
from console.slurm.client import SlurmClient
from console.slurm.records import SlurmJob
from console.slurm.tail import Gap
from tests.support.helpers import assert_one_error, audit_records, context
from tests.system.support import System, install_fake_aws, relay_to

JOB_WAIT = 90.0  # generous: other workers' jobs may hold both CPUs for a while


NASTY_DIR = 'run {} it\'s "q" $(touch PWNED); `touch PWNED` & | *\nnext line'


@pytest.fixture
def workdir(system: System) -> Iterator[str]:
    """A fresh directory in the test user's home, with a name that tries to inject."""
    path = Path(system.home) / "e2e" / NASTY_DIR.format(uuid.uuid4().hex[:8])
    path.mkdir(parents=True)
    shutil.chown(path.parent, system.user, system.user)
    shutil.chown(path, system.user, system.user)
    yield str(path)
    shutil.rmtree(path, ignore_errors=True)


def ssh_transport(system: System, **kwargs: Any) -> SshTransport:
    options: dict[str, Any] = {
        "user": system.user,
        "identity_file": system.key,
        "known_hosts": system.known_hosts,
    }
    options.update(kwargs)
    return SshTransport(resolve_target(f"127.0.0.1:{system.head.port}", **options))


@pytest.fixture
def client(system: System) -> Iterator[SlurmClient]:
    slurm = SlurmClient(ssh_transport(system), context().gate)
    yield slurm
    slurm.transport.close()


def script(lines: list[str], *, output: str = "%j.log", extra: str = "") -> str:
    """A one-CPU job. ``output`` is relative to the job's --chdir (our quoted argv): an
    #SBATCH line could not hold the nasty directory names, sbatch splits it at spaces."""
    header = "#!/bin/bash\n#SBATCH --cpus-per-task=1\n#SBATCH --time=5\n"
    if output:
        header += f"#SBATCH --output={output}\n"
    return header + extra + "\n".join(lines) + "\n"


# Job bodies wait for a file the test creates, so a loaded machine cannot make a job end
# before the test has looked at it (capped at a minute, so nothing hangs).
WAIT_FOR_GO = "for _ in $(seq 600); do [ -e go ] && break; sleep 0.1; done"
TICK_UNTIL_STOP = (
    'i=0; while [ ! -e stop ] && [ "$i" -lt 240 ]; do i=$((i+1)); echo "tick $i"; sleep 0.25; done'
)


def finished(job: SlurmJob) -> bool:
    return not job.active


def wait_for(condition: Any, timeout: float = JOB_WAIT, interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout} s")
        time.sleep(interval)


def tails_of(transport: Any, job_id: str) -> list[str]:
    """Remote `tail` processes still following job ``job_id``'s log (named <id>.log)."""
    result = transport.run(["ps", "-u", "smtest", "-o", "args="])
    return [
        line
        for line in result.stdout.splitlines()
        if line.startswith("tail") and f"/{job_id}.log" in line
    ]


def collect(follower: Any, events: list[Any], predicate: Any, timeout: float = JOB_WAIT) -> Any:
    """Poll ``follower`` into ``events`` until ``predicate(events)`` is true."""

    def step() -> Any:
        events.extend(follower.poll(0.3))
        return predicate(events)

    return wait_for(step, timeout=timeout, interval=0)


# --- through SSH ----------------------------------------------------------------------------


def test_submit_queue_tail_history_over_ssh(
    client: SlurmClient, workdir: str, cleanup: list[str]
) -> None:
    name = 'e2e; $(touch PWNED) `touch PWNED` it\'s "quoted" | and & spaced *'
    body = [WAIT_FOR_GO, 'for i in 1 2 3 4; do echo "line $i"; sleep 0.2; done', "echo done"]
    jobs_dir = NASTY_DIR.format(f"jobs-{uuid.uuid4().hex[:8]}")
    client.remote_dir = f"~/e2e/{jobs_dir}/scripts"
    result = client.submit(script(body), name=name, workdir=workdir)
    cleanup.append(result.job_id)
    assert result.job_id.isdigit() and not result.recovered
    assert result.script_path.startswith(f"{client.transport.home()}/e2e/{jobs_dir}/scripts/")

    queued = {j.job_id: j for j in client.queue()}  # active: it waits for the go file
    assert queued[result.job_id].name == name  # the job name went through intact
    assert queued[result.job_id].comment == result.token
    job = client.job(result.job_id)
    # The work dir is shown (made inert); the output path is tailed (kept byte-exact).
    assert (job.workdir, job.stdout) == (clean(workdir), f"{workdir}/{result.job_id}.log")
    Path(workdir, "go").touch()

    seen: list[str] = []
    with client.follow(result.job_id) as follower:
        collect(follower, seen, lambda events: "done" in events)
    assert [line for line in seen if not line.startswith("tail:")] == [
        "line 1", "line 2", "line 3", "line 4", "done",
    ]  # fmt: skip
    wait_for(lambda: not tails_of(client.transport, result.job_id), timeout=10)

    done = client.wait_until(result.job_id, finished, timeout=JOB_WAIT)
    assert (done.state, done.exit_code) == ("COMPLETED", 0)
    assert client.tail(result.job_id, lines=2) == ["line 4", "done"]
    assert not any(Path(workdir).glob("*PWNED*")) and not Path(workdir, "PWNED").exists()
    assert not Path(client.transport.home(), "PWNED").exists()
    history = wait_for(
        lambda: [j for j in client.history() if j.job_id == result.job_id and j.state != "RUNNING"]
    )
    assert (history[0].state, history[0].exit_code) == ("COMPLETED", 0)
    records = [r for r in audit_records() if r["action"] == "slurm-submit"]
    assert records[-1]["outcome"] == "ok" and records[-1]["params"]["comment"] == result.token
    shutil.rmtree(Path(client.transport.home(), "e2e", jobs_dir))


def test_a_failing_job_and_its_exit_code(
    client: SlurmClient, workdir: str, cleanup: list[str]
) -> None:
    result = client.submit(script(["echo failing", "exit 3"]), name="fails", workdir=workdir)
    cleanup.append(result.job_id)
    job = client.wait_until(result.job_id, finished, timeout=JOB_WAIT)
    assert (job.state, job.exit_code) == ("FAILED", 3)
    row = wait_for(lambda: [j for j in client.history() if j.job_id == result.job_id])
    assert (row[0].state, row[0].exit_code) == ("FAILED", 3)  # text sacct: the real code


def test_slurms_own_error_is_shown_and_nothing_is_submitted(client: SlurmClient) -> None:
    # By name, not by counting the queue: other workers submit jobs meanwhile.
    job_name = f"bad-partition-{uuid.uuid4().hex[:8]}"
    extra = f"#SBATCH --partition=nope\n#SBATCH --job-name={job_name}\n"
    with pytest.raises(RemoteCommandError) as caught:
        client.submit(script(["true"], extra=extra), name="bad-partition")
    assert "Invalid partition name specified" in caught.value.message
    assert "nothing was submitted" in (caught.value.hint or "")
    assert job_name not in {j.name for j in client.queue(all_users=True, include_finished=True)}


def test_cancel_through_the_gate(client: SlurmClient, workdir: str, cleanup: list[str]) -> None:
    result = client.submit(script(["sleep 60"]), name="to cancel", workdir=workdir)
    cleanup.append(result.job_id)
    before = client.cancel(result.job_id)
    assert before.active
    job = client.wait_until(result.job_id, finished, timeout=30)
    assert job.state == "CANCELLED"
    with pytest.raises(ConflictError, match="already ended"):
        client.cancel(result.job_id)
    outcomes = [r["outcome"] for r in audit_records() if r["action"] == "slurm-cancel"]
    assert outcomes == ["ok", "error"]
    with pytest.raises(NotFoundError):
        client.job("99999999")
    with pytest.raises(ValidationError):
        client.cancel("1; scancel -u smtest")


def test_read_only_refuses_before_anything_runs(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMCONSOLE_READ_ONLY", "true")
    transport = ssh_transport(system, port=9)  # unreachable: proves nothing was tried
    slurm = SlurmClient(transport, context().gate)
    with pytest.raises(ReadOnlyError):
        slurm.submit(script(["true"]), name="ro")
    with pytest.raises(ReadOnlyError):
        slurm.cancel("123")
    assert [r["outcome"] for r in audit_records()] == ["refused", "refused"]


def test_through_the_bastion(system: System, workdir: str, cleanup: list[str]) -> None:
    jump = f"{system.user}@127.0.0.1:{system.bastion.port}"
    slurm = SlurmClient(ssh_transport(system, jump=jump))
    try:
        result = slurm.submit(script(["echo via bastion"]), name="jump", workdir=workdir)
        cleanup.append(result.job_id)
        slurm.wait_until(result.job_id, finished, timeout=JOB_WAIT)
        assert slurm.tail(result.job_id) == ["via bastion"]
        assert "localhost" in [n.name for n in slurm.nodes()]
    finally:
        slurm.transport.close()


def test_partitions_and_lint_use_the_clusters_facts(client: SlurmClient, system: System) -> None:
    partitions = {p.name: p for p in client.partitions()}
    assert set(partitions) == set(system.partitions)
    assert partitions[system.default_partition].default
    assert client.default_partition() == system.default_partition  # what templates name
    assert partitions["gpu"].gpus_per_node == system.gpus_per_node
    issues = client.lint(script(["true"], extra="#SBATCH --gres=gpu:9\n#SBATCH -p gpux\n"))
    # Every finding: no partition gpux, and no partition here has nodes with 9 GPUs.
    assert {i.code for i in issues if i.severity == "error"} == {
        "unknown-partition",
        "too-many-gpus",
    }
    issues = client.lint(script(["true"], extra=f"#SBATCH --gres=gpu:{system.gpus_per_node + 1}\n"))
    assert [i.code for i in issues if i.severity == "error"] == ["too-many-gpus"]


# --- dropped connections ------------------------------------------------------------------


class CuttingTransport(SshTransport):
    """Drops the connection while the submit wrapper runs: at once (before sbatch ran),
    or once sbatch has run but before its answer reached us (the answer is held back
    15 seconds on the remote side, and the relay is cut as soon as the wrapper's result
    file appears)."""

    HOLD_ANSWER = 'out=$("$@"); rc=$?; sleep 15; printf "%s\\n" "$out"; exit "$rc"'

    def __init__(self, target: Any, relay: Any, *, after_submit: Path | None) -> None:
        super().__init__(target)
        self.relay = relay
        self.after_submit = after_submit  # the marker directory to watch, or None
        self.cuts = 0

    def run(self, argv: Any, **kwargs: Any) -> Any:
        if argv[0] == "sh" and self.cuts == 0 and self.after_submit is not None:
            argv = ["sh", "-c", self.HOLD_ANSWER, "sh", *argv]
        return super().run(argv, **kwargs)

    def _collect(self, channel: Any, timeout: float, program: str) -> tuple[bytes, bytes]:
        if program == "sh" and self.cuts == 0:
            self.cuts += 1
            if self.after_submit is not None:
                marker_dir = self.after_submit
                wait_for(lambda: any(marker_dir.glob("*.rc")), timeout=JOB_WAIT)
            self.relay.cut()
        return super()._collect(channel, timeout, program)


@pytest.mark.parametrize("after_submit", [False, True], ids=["before-sbatch", "after-sbatch"])
def test_a_drop_mid_submit_never_makes_a_duplicate(
    system: System, tmp_path: Path, workdir: str, cleanup: list[str], after_submit: bool
) -> None:
    remote_dir = f"~/e2e-submit-{uuid.uuid4().hex[:8]}"
    markers = Path(system.home) / remote_dir[2:] / ".submit"
    with relay_to(system.head.port) as relay:
        known = tmp_path / "known_hosts"
        known.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{relay.port}"))
        target = resolve_target(
            f"127.0.0.1:{relay.port}",
            user=system.user,
            identity_file=system.key,
            known_hosts=str(known),
        )
        transport = CuttingTransport(target, relay, after_submit=markers if after_submit else None)
        slurm = SlurmClient(transport, remote_dir=remote_dir)
        try:
            result = slurm.submit(script(["echo once"]), name="dropped", workdir=workdir)
            cleanup.append(result.job_id)
            assert transport.cuts == 1 and relay.connections >= 2
            assert result.recovered
            mine = [j for j in slurm.queue(include_finished=True) if j.comment == result.token]
            assert [j.job_id for j in mine] == [result.job_id]  # exactly one job
            assert list(markers.iterdir()) == []  # the wrapper's files are cleaned up
        finally:
            transport.close()
            shutil.rmtree(markers.parent, ignore_errors=True)


def test_a_drop_mid_tail_reconnects_and_marks_the_gap(
    system: System, tmp_path: Path, workdir: str, cleanup: list[str]
) -> None:
    body = [TICK_UNTIL_STOP]
    with relay_to(system.head.port) as relay:
        known = tmp_path / "known_hosts"
        known.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{relay.port}"))
        target = resolve_target(
            f"127.0.0.1:{relay.port}",
            user=system.user,
            identity_file=system.key,
            known_hosts=str(known),
        )
        slurm = SlurmClient(SshTransport(target))
        try:
            result = slurm.submit(script(body), name="ticks", workdir=workdir)
            cleanup.append(result.job_id)
            events: list[Any] = []

            def ticks_after(start: int) -> Any:
                return lambda seen: any(
                    isinstance(e, str) and e.startswith("tick") for e in seen[start:]
                )

            with slurm.follow(result.job_id) as follower:
                collect(follower, events, ticks_after(0))
                relay.cut()
                collect(follower, events, lambda seen: any(isinstance(e, Gap) for e in seen), 30)
                (gap,) = [e for e in events if isinstance(e, Gap)]
                assert gap.resumed is not None and "no line missed" in gap.message
                collect(follower, events, ticks_after(len(events)))
            Path(workdir, "stop").touch()
            wait_for(lambda: not tails_of(slurm.transport, result.job_id), timeout=15)
        finally:
            slurm.transport.close()


# --- local --------------------------------------------------------------------------------


def test_local_against_the_same_slurm(
    system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cleanup: list[str]
) -> None:
    monkeypatch.setenv("SLURM_CONF", system.slurm_conf)
    slurm = SlurmClient(LocalTransport(), remote_dir=str(tmp_path / "jobs"))
    assert "localhost" in [n.name for n in slurm.nodes()]
    out = tmp_path / "out dir $(x) `y` 'q'"
    out.mkdir()
    result = slurm.submit(script(["echo local run"]), name="local; `x`", workdir=str(out))
    cleanup.append(result.job_id)
    assert result.job_id in {j.job_id for j in slurm.queue(include_finished=True)}
    slurm.wait_until(result.job_id, finished, timeout=JOB_WAIT)
    assert slurm.tail(result.job_id) == ["local run"]
    assert (out / f"{result.job_id}.log").read_text() == "local run\n"


# --- the CLI ------------------------------------------------------------------------------


def ssh_args(system: System) -> list[str]:
    return [
        "--ssh", f"{system.user}@127.0.0.1:{system.head.port}",
        "-i", system.key,
        "--known-hosts", system.known_hosts,
    ]  # fmt: skip


def test_cli_submit_queue_tail_cancel(
    system: System, run_cli: Any, tmp_path: Path, workdir: str, cleanup: list[str]
) -> None:
    sbatch = tmp_path / "job.sbatch"
    sbatch.write_text(script(["echo cli one", "sleep 0.5", "echo cli two"]))
    submitted = run_cli(
        "slurm-submit", str(sbatch), "--chdir", workdir, *ssh_args(system), "--json"
    )
    assert submitted.exit_code == 0, submitted.stderr
    data = submitted.json()
    cleanup.append(data["job_id"])
    assert [w["code"] for w in data["warnings"]] == ["no-checkpoint"]
    assert "lint warning: no checkpoint directory" in submitted.stderr

    queue = run_cli("slurm-queue", *ssh_args(system), "--finished", "--json")
    assert queue.exit_code == 0, queue.stderr
    assert data["job_id"] in [j["job_id"] for j in queue.json()]

    followed = run_cli("slurm-tail", data["job_id"], "--follow", *ssh_args(system))
    assert followed.exit_code == 0, followed.stderr
    assert [x for x in followed.stdout.splitlines() if x.startswith("cli")] == [
        "cli one",
        "cli two",
    ]
    tail = run_cli("--json", "slurm-tail", data["job_id"], *ssh_args(system))
    assert tail.json()["lines"] == ["cli one", "cli two"]

    long_job = tmp_path / "long.sbatch"
    long_job.write_text(script(["sleep 60"]))
    other = run_cli(
        "slurm-submit", str(long_job), "--chdir", workdir, *ssh_args(system), "--json"
    ).json()
    cleanup.append(other["job_id"])
    refused = run_cli("slurm-cancel", other["job_id"], *ssh_args(system))
    assert_one_error(refused, 4, "needs confirmation")
    cancelled = run_cli("slurm-cancel", other["job_id"], "--yes", *ssh_args(system))
    assert cancelled.exit_code == 0, cancelled.stderr
    assert f"cancelled job {other['job_id']}" in cancelled.stdout
    assert [(r["action"], r["outcome"]) for r in audit_records()] == [
        ("slurm-submit", "ok"),
        ("slurm-submit", "ok"),
        ("slurm-cancel", "refused"),  # not confirmed: audited, nothing sent
        ("slurm-cancel", "ok"),
    ]


def test_cli_with_an_ssh_config_alias_and_the_nodes_table(system: System, run_cli: Any) -> None:
    config = Path(os.environ["HOME"]) / ".ssh" / "config"
    config.parent.mkdir(mode=0o700)
    common = (
        f"  HostName 127.0.0.1\n  User {system.user}\n  IdentityFile {system.key}\n"
        f"  UserKnownHostsFile {system.known_hosts}\n"
    )
    config.write_text(
        f"Host hp-bastion\n{common}  Port {system.bastion.port}\n"
        f"Host hp-login\n{common}  Port {system.head.port}\n  ProxyJump hp-bastion\n"
    )
    nodes = run_cli("slurm-nodes", "--ssh", "hp-login")
    assert nodes.exit_code == 0, nodes.stderr
    assert nodes.stdout.splitlines()[0].split()[:4] == ["Node", "Status", "CPUs", "GPUs"]
    assert nodes.stdout.splitlines()[1].startswith("localhost")
    connect = run_cli("slurm-connect", "--ssh", "hp-login", "--json")
    info = connect.json()
    assert info["user"] == system.user and "22.05" in info["slurm_version"]
    assert f"-J {system.user}@127.0.0.1:{system.bastion.port}" in info["equivalent_command"]


def test_cli_refuses_bad_input_and_unknown_hosts(
    system: System, run_cli: Any, tmp_path: Path
) -> None:
    assert_one_error(
        run_cli("slurm-cancel", "1;reboot", "--yes", "--local"), 2, "not a Slurm job id"
    )
    assert_one_error(run_cli("slurm-tail", "$(id)", "--local"), 2, "not a Slurm job id")
    assert_one_error(
        run_cli("slurm-submit", str(tmp_path / "missing.sh"), "--local"), 2, "does not exist"
    )
    assert_one_error(run_cli("slurm-queue", "--ssh", "h", "--local"), 2, "choose one of")
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    unknown = run_cli(
        "slurm-queue", "--ssh", f"{system.user}@127.0.0.1:{system.head.port}", "-i", system.key,
        "--known-hosts", str(empty),
    )  # fmt: skip
    assert_one_error(unknown, 12, "is not known")
    bad = tmp_path / "bad.sbatch"
    bad.write_text(script(["true"], extra="#SBATCH --partition=nope\n"))
    linted = run_cli("slurm-submit", str(bad), *ssh_args(system))
    assert linted.exit_code == 2
    assert "lint error: line 5: partition 'nope' does not exist" in linted.stderr
    assert linted.stderr.strip().splitlines()[-2].startswith("error: ")
    assert "Traceback" not in linted.stderr


def test_cli_local_and_ssm(
    system: System,
    run_cli: Any,
    aws: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLURM_CONF", system.slurm_conf)
    local = run_cli("slurm-nodes", "--local", "--json")
    assert local.exit_code == 0, local.stderr
    assert [n["name"] for n in local.json()] == ["localhost", system.spare_node]

    aws.client("sagemaker").create_cluster(
        ClusterName="hp-slurm",
        InstanceGroups=[
            {
                "InstanceGroupName": group,
                "InstanceType": "ml.c5.xlarge",
                "InstanceCount": 1,
                "ExecutionRole": "arn:aws:iam::123456789012:role/hp",
                "ThreadsPerCore": 1,
                "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/x", "OnCreate": "on.sh"},
                "SlurmConfig": {"NodeType": node_type},
            }
            for group, node_type in (("controller", "Controller"), ("workers", "Compute"))
        ],
    )
    fake = install_fake_aws(tmp_path / "bin", system.head.port)
    monkeypatch.setenv("PATH", f"{fake.bin_dir}{os.pathsep}{os.environ['PATH']}")
    cluster = context().hyperpod.describe_cluster("hp-slurm")
    node = next(n for n in context().hyperpod.list_nodes("hp-slurm") if n.group == "controller")
    target = f"sagemaker-cluster:{cluster.cluster_id}_controller-{node.instance_id}"
    known = tmp_path / "known_hosts"
    known.write_text(system.head.known_hosts_line(target))
    ssm = [
        "--ssm",
        "hp-slurm",
        "--user",
        system.user,
        "-i",
        system.key,
        "--known-hosts",
        str(known),
    ]
    queue = run_cli("slurm-queue", "--all", *ssm, "--json")
    assert queue.exit_code == 0, queue.stderr
    assert isinstance(queue.json(), list)
    assert fake.calls()[0][3] == target
    joined = run_cli("slurm-nodes", *ssm, "--json")
    assert joined.exit_code == 0, joined.stderr
    rows = joined.json()
    assert {r["name"] for r in rows if r["slurm"]} == {"localhost", system.spare_node}
    assert {r["instance"]["instance_id"] for r in rows if r["instance"]} == {
        n.instance_id for n in context().hyperpod.list_nodes("hp-slurm")
    }


def test_concurrent_reads_share_one_connection(client: SlurmClient) -> None:
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(3):
                assert client.nodes()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def test_json_output_of_records(client: SlurmClient) -> None:
    nodes = [n.to_dict() for n in client.nodes()]
    assert json.loads(json.dumps(nodes))[0]["name"] == "localhost"


def test_cli_connection_from_the_config_and_accept_new(
    system: System, run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --ssh: the [ssh] settings (here from SMCONSOLE_SSH_* variables) decide."""
    known = tmp_path / "known_hosts"
    for name, value in {
        "HOST": "127.0.0.1",
        "PORT": str(system.head.port),
        "USER": system.user,
        "IDENTITY_FILE": system.key,
        "KNOWN_HOSTS": str(known),
    }.items():
        monkeypatch.setenv(f"SMCONSOLE_SSH_{name}", value)
    assert_one_error(run_cli("slurm-nodes"), 12, "is not known")
    accepted = run_cli("slurm-nodes", "--accept-new-host-key", "--json")
    assert accepted.exit_code == 0, accepted.stderr
    assert known.read_text() == system.head.known_hosts_line()
    assert run_cli("slurm-connect").exit_code == 0  # known now, without the flag
