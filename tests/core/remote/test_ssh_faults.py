"""SSH faults against the real test sshd and Slurm (tests/system/setup.py): the bastion
down (refusing, or silent), a slow link and a stalled one (our throttling relay,
tests/support/slow_link.py, between the console and sshd).

What must hold: one clear line, never a wait beyond the connect timeout for a dead hop
or a stalled link; tail and submit still work over a slow link; a link that stalls in
the middle of a submit never makes a second job.

The bounds on time here say which wait a call ended on (the connect timeout, not the
command's own timeout or paramiko's 15 s defaults), with room for a loaded two-core
machine; how fast recovery is belongs to bench/ssh_faults.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from console.errors import SmError, UnreachableError
from console.remote.base import Result
from console.remote.errors import ConnectionLostError
from console.remote.ssh import SshTarget, SshTransport, load_ssh_config, resolve_target
from console.slurm.client import SlurmClient
from console.slurm.tail import Gap, LogFollower
from tests.support.helpers import assert_one_error
from tests.support.slow_link import SlowLink, slow_link
from tests.system.support import System

JOB_WAIT = 90.0  # other workers' jobs may hold the cluster's two CPUs for a while
# ConnectTimeout for these tests: every dead-link wait is bounded by it. A handshake or a
# keepalive answer must fit in it, also while other tests load both cores.
CONNECT_TIMEOUT = 2.5
# What a loaded machine may add to a bounded wait (scheduling, handshakes, process start);
# every bound with it stays under the longer wait it rules out.
SLACK = 10.0


@pytest.fixture
def remote_dir(system: System) -> Iterator[str]:
    with system.scratch_dir("faults") as directory:
        yield directory


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A port that completes the TCP handshake and then never says a word (a hung bastion:
    the kernel accepts into the backlog, nobody reads)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def target_via(system: System, port: int, known_hosts: Path, **kwargs: Any) -> SshTarget:
    """The head node's key under 127.0.0.1:``port`` (a relay in front of it)."""
    known_hosts.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{port}"))
    target = resolve_target(
        f"127.0.0.1:{port}",
        user=system.user,
        identity_file=system.key,
        known_hosts=str(known_hosts),
        **kwargs,
    )
    return dataclasses.replace(target, connect_timeout=CONNECT_TIMEOUT)


def jobs_with_comment(system: System, token: str) -> list[str]:
    """Job ids carrying ``token`` as their comment (``squeue -t all`` lists finished jobs
    for MinJobAge), read as root on the cluster itself, not through the link under test."""
    env = {**os.environ, "SLURM_CONF": system.slurm_conf}
    ids: set[str] = set()
    queue = subprocess.run(
        ["squeue", "-h", "-t", "all", "-o", "%i|%k"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in queue.stdout.splitlines():
        job_id, _, comment = line.partition("|")
        if comment.strip() == token:
            ids.add(job_id.strip())
    return sorted(ids)


def elapsed(fn: Any) -> tuple[Any, float]:
    start = time.monotonic()
    try:
        value: Any = fn()
    except SmError as exc:
        value = exc
    return value, time.monotonic() - start


def when_running(marker: str, then: Callable[[], None], wait: float = 60.0) -> None:
    """Call ``then`` (in a thread) once a process whose command line holds ``marker`` runs
    here: the test cluster's sshd is on this machine, so its commands show in pgrep."""

    def watch() -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            found = subprocess.run(["pgrep", "-f", marker], capture_output=True, check=False)
            if found.returncode == 0:
                then()
                return
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()


ONE_CPU = "#!/bin/bash\n#SBATCH --cpus-per-task=1\n#SBATCH --time=5\n"


# --- the bastion down ----------------------------------------------------------------------


def test_a_refusing_bastion_is_one_line_at_once(system: System, tmp_path: Path) -> None:
    port = free_port()
    transport = SshTransport(
        target_via(
            system, system.head.port, tmp_path / "kh", jump=f"{system.user}@127.0.0.1:{port}"
        )
    )
    error, took = elapsed(lambda: transport.run(["true"]))
    assert isinstance(error, UnreachableError)
    assert f"127.0.0.1:{port}" in error.message and "connection refused" in error.message
    assert "\n" not in error.one_line()
    # refused is immediate: no wait for the jump host's connect timeout (10 s)
    assert took < transport.target.jumps[0].connect_timeout / 2


def test_a_silent_bastion_times_out_within_the_connect_timeout(
    system: System, tmp_path: Path
) -> None:
    config = tmp_path / "ssh_config"
    with silent_port() as port:
        config.write_text(
            f"Host dead-bastion\n  HostName 127.0.0.1\n  Port {port}\n  ConnectTimeout 1\n"
        )
        target = resolve_target(
            f"127.0.0.1:{system.head.port}",
            user=system.user,
            identity_file=system.key,
            known_hosts=system.known_hosts,
            jump="dead-bastion",
            ssh_config=load_ssh_config(str(config)),
        )
        assert target.jumps[0].connect_timeout == 1.0
        error, took = elapsed(lambda: SshTransport(target).run(["true"]))
    assert isinstance(error, UnreachableError), error
    assert error.message.endswith(
        f"@127.0.0.1:{port} accepted the connection but did not answer as an SSH server within 1 s"
    )
    assert "\n" not in error.one_line()
    assert took < 1.0 + SLACK  # the bastion's ConnectTimeout, not paramiko's 15 s banner wait


def test_the_bastion_cannot_reach_the_head_node(system: System, tmp_path: Path) -> None:
    transport = SshTransport(
        resolve_target(
            f"127.0.0.1:{free_port()}",  # nothing listens there, as seen from the bastion
            user=system.user,
            identity_file=system.key,
            known_hosts=system.known_hosts,
            jump=f"{system.user}@127.0.0.1:{system.bastion.port}",
        )
    )
    error, took = elapsed(lambda: transport.run(["true"]))
    assert isinstance(error, UnreachableError), error
    assert error.message.startswith("the jump host could not open a connection to")
    assert took < 2 * SLACK  # an answer from the jump host, not a hang


def test_cli_with_the_bastion_down_prints_one_line(
    system: System, run_cli: Any, tmp_path: Path
) -> None:
    port = free_port()
    result = run_cli(
        "slurm-queue",
        "--ssh", f"{system.user}@127.0.0.1:{system.head.port}",
        "--jump", f"{system.user}@127.0.0.1:{port}",
        "-i", system.key,
        "--known-hosts", system.known_hosts,
    )  # fmt: skip
    assert_one_error(result, UnreachableError.exit_code, f"127.0.0.1:{port}: connection refused")


def test_cli_with_a_hung_bastion_from_ssh_config_prints_one_line(
    system: System, run_cli: Any
) -> None:
    """ProxyJump to a bastion that accepts TCP and says nothing: one line after its
    ConnectTimeout, and none of paramiko's own tracebacks on stderr."""
    config = Path(os.environ["HOME"]) / ".ssh" / "config"
    config.parent.mkdir(mode=0o700, exist_ok=True)
    with silent_port() as port:
        config.write_text(
            f"Host hung-bastion\n  HostName 127.0.0.1\n  Port {port}\n  User {system.user}\n"
            f"  ConnectTimeout 1\n"
            f"Host hp-login\n  HostName 127.0.0.1\n  Port {system.head.port}\n"
            f"  User {system.user}\n  IdentityFile {system.key}\n"
            f"  UserKnownHostsFile {system.known_hosts}\n  ProxyJump hung-bastion\n"
        )
        started = time.monotonic()
        result = run_cli("slurm-nodes", "--ssh", "hp-login")
        took = time.monotonic() - started
    assert_one_error(
        result, UnreachableError.exit_code, "did not answer as an SSH server within 1 s"
    )
    assert took < 1.0 + SLACK  # its ConnectTimeout, not paramiko's 15 s banner wait


# --- a slow link ---------------------------------------------------------------------------


def test_submit_and_tail_work_over_a_slow_laggy_link(
    system: System, tmp_path: Path, remote_dir: str, cleanup: list[str]
) -> None:
    # 16 KiB/s each way and 60 ms added each way: a poor VPN through a bastion.
    with slow_link(system.head.port, rate=16_384, latency=0.06) as link:
        slurm = SlurmClient(
            SshTransport(target_via(system, link.port, tmp_path / "kh")), remote_dir=remote_dir
        )
        try:
            output = f"{system.home}/{remote_dir[2:]}/%j.out"
            script = ONE_CPU + f"#SBATCH --output={output}\n" + "seq 1 400\n"
            started = time.monotonic()
            result = slurm.submit(script, name="slow-link")
            cleanup.append(result.job_id)
            assert not result.recovered
            lines: list[str] = []
            with slurm.follow(result.job_id, lines=1000) as follower:
                while "400" not in lines and time.monotonic() - started < JOB_WAIT:
                    lines += [e for e in follower.poll(0.5) if isinstance(e, str)]
            # tail -F also says when the file did not exist yet (a pending job's output)
            assert [line for line in lines if line.isdigit()] == [str(i) for i in range(1, 401)]
            assert link.delivered > 0
        finally:
            slurm.transport.close()


# --- a stalled link ------------------------------------------------------------------------


def test_every_remote_call_on_a_stalled_link_is_bounded(system: System, tmp_path: Path) -> None:
    """The TCP connection stays open and nothing flows: each call gives up (one line)
    within about the connect timeout instead of hanging, and works again once the link
    does."""
    with slow_link(system.head.port) as link:
        transport = StallingTransport(target_via(system, link.port, tmp_path / "kh"), link)
        try:
            assert transport.run(["echo", "up"]).stdout == "up\n"
            transport.home()
            calls = {
                "run": lambda: transport.run(["echo", "x"], timeout=30),
                "spawn": lambda: transport.spawn(["tail", "-F", "/dev/null"]),
                "put_file": lambda: transport.put_file("~/stalled.txt", b"x"),
            }
            for name, call in calls.items():
                transport.stall_on_next_channel = True
                error, took = elapsed(call)
                assert isinstance(error, UnreachableError), (name, error)
                assert "\n" not in error.one_line()
                # the watchdog, then (reconnects through a stalled link fail too) at most
                # one banner timeout: never the command's own 30 s timeout, never forever
                assert took < 2 * CONNECT_TIMEOUT + SLACK, (name, took)
                link.resume()
                assert transport.run(["echo", "again"]).stdout == "again\n", name
        finally:
            transport.close()


def test_a_link_that_stalls_between_calls_is_named_and_dropped(
    system: System, tmp_path: Path
) -> None:
    """Stalled before the call: the channel (or SFTP session) cannot open in time. The
    error says the link stalled; the connection is dropped, so once the link answers
    again the next call reconnects instead of waiting on the dead one."""
    with slow_link(system.head.port) as link:
        transport = SshTransport(target_via(system, link.port, tmp_path / "kh"))
        try:
            calls = {
                "run": lambda: transport.run(["echo", "x"], timeout=30),
                "spawn": lambda: transport.spawn(["tail", "-F", "/dev/null"]),
                "home (sftp)": transport.home,
            }
            for name, call in calls.items():
                assert transport.run(["echo", "up"]).stdout == "up\n"
                connections = link.connections
                link.stall()
                error, took = elapsed(call)
                link.resume()
                assert isinstance(error, ConnectionLostError), (name, error)
                stalled = f"stalled: no answer in {CONNECT_TIMEOUT:g} s"
                assert stalled in error.message, (name, error.message)
                assert took < CONNECT_TIMEOUT + SLACK, (name, took)  # not the 30 s timeout
                assert transport.run(["echo", "again"]).stdout == "again\n", name
                assert link.connections == connections + 1, name  # a fresh connection
        finally:
            transport.close()


def test_a_quiet_command_on_a_live_link_is_left_alone(system: System, tmp_path: Path) -> None:
    """Silence is not a stall: a command that prints nothing for a few connect timeouts
    finishes normally (the keepalive questions are answered) on the same connection."""
    quiet = 3 * CONNECT_TIMEOUT
    with slow_link(system.head.port, latency=0.05) as link:
        transport = SshTransport(target_via(system, link.port, tmp_path / "kh"))
        try:
            result = transport.run(["sh", "-c", f"sleep {quiet:g}; echo done"], timeout=30)
            assert result.stdout == "done\n" and link.connections == 1
        finally:
            transport.close()


def test_a_link_that_stalls_while_a_command_runs_is_given_up(
    system: System, tmp_path: Path
) -> None:
    """Stalled mid-command: after a quiet spell the server is asked whether it is there;
    no answer within the connect timeout and the link is dropped, long before the
    command's own timeout. The caller hears it may have run (``sent``)."""
    marker = f"stall-{uuid.uuid4().hex[:12]}"
    with slow_link(system.head.port) as link:
        transport = SshTransport(target_via(system, link.port, tmp_path / "kh"))
        try:
            transport.run(["true"])
            stalled_at: list[float] = []

            def stall() -> None:
                link.stall()
                stalled_at.append(time.monotonic())

            when_running(marker, stall)
            command = ["sh", "-c", "sleep 30; true", marker]
            error, _ = elapsed(lambda: transport.run(command, timeout=60))
            given_up = time.monotonic()
            assert isinstance(error, ConnectionLostError) and error.sent, error
            # a quiet spell and an unanswered keepalive: never the command's 60 s timeout
            assert given_up - stalled_at[0] < 2 * CONNECT_TIMEOUT + SLACK
        finally:
            link.resume()
            transport.close()


def test_a_tail_on_a_stalled_link_shows_the_gap_and_resumes(
    system: System, tmp_path: Path, remote_dir: str
) -> None:
    """A quiet log and a stalled link look alike: the follower asks after a quiet spell,
    says the connection was lost (a Gap), and follows again once the link answers."""
    log = Path(system.home, remote_dir[2:], "stall.log")
    log.parent.mkdir(parents=True)
    log.write_text("first\n")
    with slow_link(system.head.port) as link:
        transport = SshTransport(target_via(system, link.port, tmp_path / "kh"))
        follower = LogFollower(transport, str(log), lines=10)
        try:
            events: list[Any] = []
            deadline = time.monotonic() + 60
            while "first" not in events and time.monotonic() < deadline:
                events += follower.poll(0.3)
            assert "first" in events
            link.stall()
            threading.Timer(CONNECT_TIMEOUT * 2 + 1.0, link.resume).start()
            deadline = time.monotonic() + 60  # a tail that never noticed would wait forever
            while not any(isinstance(e, Gap) for e in events) and time.monotonic() < deadline:
                events += follower.poll(0.3)
            (gap,) = [e for e in events if isinstance(e, Gap)]
            assert gap.resumed is not None
            deadline = time.monotonic() + 60
            while "after" not in events and time.monotonic() < deadline:
                with log.open("a") as handle:  # until the new tail has opened the file
                    handle.write("after\n")
                events += follower.poll(0.3)
            assert "after" in events
        finally:
            link.resume()
            follower.close()
            transport.close()


class StallingTransport(SshTransport):
    """Stalls the link right after a channel opens (the next request gets no answer),
    when asked, or right before the submit wrapper is sent. With ``resume_after``, the
    link flows again that long after the stall (timed from the stall, not from the start
    of the test: on a loaded machine the calls before it may take longer than that)."""

    def __init__(
        self,
        target: SshTarget,
        link: SlowLink,
        *,
        before_wrapper: bool = False,
        resume_after: float | None = None,
    ) -> None:
        super().__init__(target)
        self.link = link
        self.stall_on_next_channel = False
        self.before_wrapper = before_wrapper
        self.resume_after = resume_after
        self.direction = "both"
        self.stalls = 0
        self._resumes: list[threading.Timer] = []

    def stall(self, direction: str = "both") -> None:
        self.link.stall(direction)
        if self.resume_after is not None:
            resume = threading.Timer(self.resume_after, self.link.resume)
            resume.start()
            self._resumes.append(resume)

    def close(self) -> None:
        for resume in self._resumes:
            resume.cancel()
        super().close()

    def _open_channel(self) -> Any:
        channel = super()._open_channel()
        if self.stall_on_next_channel:
            self.stall_on_next_channel = False
            self.stall(self.direction)
        return channel

    def _sftp(self) -> Any:
        session = super()._sftp()
        if self.stall_on_next_channel:
            outer = self

            class Stalling(type(session)):  # type: ignore[misc]
                def __enter__(self) -> Any:
                    client = super().__enter__()
                    outer.stall_on_next_channel = False
                    outer.stall()
                    return client

            return Stalling(self)
        return session

    def run(self, argv: Sequence[str], **kwargs: Any) -> Result:
        if self.before_wrapper and argv[:2] == ["sh", "-c"] and "sbatch" in argv:
            self.before_wrapper = False
            self.stall_on_next_channel = True
            self.stalls += 1
        return super().run(argv, **kwargs)


def test_a_stall_while_the_submit_is_sent_makes_exactly_one_job(
    system: System, tmp_path: Path, remote_dir: str, cleanup: list[str]
) -> None:
    """The exec request of the submit wrapper gets no answer: the watchdog drops the
    link, the client reconnects (failing while the link is still stalled), looks for the
    job by its token, and only then runs the wrapper again, whose lock makes any run
    after the first report the first one's outcome."""
    with slow_link(system.head.port) as link:
        transport = StallingTransport(
            target_via(system, link.port, tmp_path / "kh"),
            link,
            before_wrapper=True,
            resume_after=CONNECT_TIMEOUT + 1.0,  # after the watchdog gave the link up
        )
        slurm = SlurmClient(transport, remote_dir=remote_dir)
        try:
            result = slurm.submit(ONE_CPU + "true\n", name="stalled")
            cleanup.append(result.job_id)
            assert transport.stalls == 1 and result.recovered
            assert link.connections >= 2  # the stalled connection was given up
            assert jobs_with_comment(system, result.token) == [result.job_id]
        finally:
            transport.close()


def test_answers_lost_after_sbatch_ran_make_exactly_one_job(
    system: System, tmp_path: Path, remote_dir: str, cleanup: list[str]
) -> None:
    """The link stalls one way as the wrapper is sent: the request reaches sshd and sbatch
    runs, but no answer comes back. The client gives the link up, reconnects once the
    link is back, finds the job by its token, and does not run sbatch again."""
    with slow_link(system.head.port) as link:
        transport = StallingTransport(
            target_via(system, link.port, tmp_path / "kh"),
            link,
            before_wrapper=True,
            resume_after=CONNECT_TIMEOUT + 1.0,  # after the watchdog gave the link up
        )
        transport.direction = "down"
        slurm = SlurmClient(transport, remote_dir=remote_dir)
        try:
            result = slurm.submit(ONE_CPU + "true\n", name="stalled-late")
            cleanup.append(result.job_id)
            assert transport.stalls == 1 and result.recovered
            assert jobs_with_comment(system, result.token) == [result.job_id]
        finally:
            transport.close()


def test_a_permanent_stall_mid_submit_says_the_outcome_is_unknown(
    system: System, tmp_path: Path, remote_dir: str
) -> None:
    with slow_link(system.head.port) as link:
        transport = StallingTransport(
            target_via(system, link.port, tmp_path / "kh"), link, before_wrapper=True
        )
        slurm = SlurmClient(transport, remote_dir=remote_dir)
        try:
            error, took = elapsed(lambda: slurm.submit(ONE_CPU + "true\n", name="lost"))
            assert isinstance(error, SmError) and transport.stalls == 1
            assert "outcome is unknown" in error.message and "not repeated" in error.message
            assert "squeue" in (error.hint or "")
            # watchdog + reconnect attempts (each a banner timeout) + their backoff (3.8 s),
            # never the submit's own 120 s timeout
            assert took < 6 * CONNECT_TIMEOUT + SLACK
        finally:
            transport.close()
