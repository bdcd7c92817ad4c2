"""The transports against a real OpenSSH sshd (head node) and a bastion on 127.0.0.1.

Quoting (nothing a person types reaches a shell unquoted), host keys (unknown refused,
accept-new recorded, changed always refused, for the bastion too), jump hosts,
~/.ssh/config aliases, ProxyCommand, SSM through a fake `aws` on PATH, reconnects after a
dropped connection, streaming with nothing left running, atomic uploads, local runs.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Any

import paramiko
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.errors import (
    AccessDeniedError,
    NotFoundError,
    ToolMissingError,
    UnreachableError,
    ValidationError,
)
from console.remote.base import command_line
from console.remote.connect import ConnectionSpec, open_transport
from console.remote.errors import (
    AuthenticationError,
    ConnectionLostError,
    HostKeyError,
    RemoteTimeoutError,
)
from console.remote.local import LocalTransport
from console.remote.ssh import SshTransport, resolve_target
from console.remote.ssm import SsmNode, SsmTransport, choose_login_node, ssm_target
from tests.system.support import NASTY, System, install_fake_aws, relay_to


def head(system: System, **kwargs: Any) -> SshTransport:
    options: dict[str, Any] = {
        "user": system.user,
        "identity_file": system.key,
        "known_hosts": system.known_hosts,
    }
    options.update(kwargs)
    return SshTransport(resolve_target(f"127.0.0.1:{system.head.port}", **options))


@pytest.fixture
def ssh(system: System) -> Any:
    transport = head(system)
    yield transport
    transport.close()


def remote_processes(transport: Any, pattern: str) -> list[str]:
    """Command lines of the test user's processes containing ``pattern``."""
    result = transport.run(["ps", "-u", "smtest", "-o", "args="])
    return [line for line in result.stdout.splitlines() if pattern in line and "ps -u" not in line]


def wait_for(condition: Any, timeout: float = 10.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout} s")
        time.sleep(interval)


# --- quoting (no SSH needed) ---------------------------------------------------------------


def test_command_line_quotes_every_word() -> None:
    argv = ["printf", "%s", *NASTY]
    assert shlex.split(command_line(argv)) == argv


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=30), min_size=1)
)
def test_command_line_round_trips_any_words(argv: list[str]) -> None:
    assert shlex.split(command_line(argv)) == argv


def test_command_line_refuses_a_string_or_nul() -> None:
    with pytest.raises(ValidationError):
        command_line("rm -rf /")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        command_line(["echo", "a\x00b"])
    with pytest.raises(ValidationError):
        command_line([])


# --- SSH: commands -------------------------------------------------------------------------


def test_arguments_arrive_verbatim_and_inject_nothing(ssh: SshTransport, system: System) -> None:
    workdir = f"{system.home}/inject-{os.getpid()}-{time.monotonic_ns()}"
    ssh.run(["mkdir", "-p", workdir]).check("mkdir")
    try:
        result = ssh.run(
            ["sh", "-c", 'cd "$1" && shift && printf "%s\\0" "$@"', "sh", workdir, *NASTY]
        )
        assert result.ok, result.stderr
        assert result.stdout.split("\0")[:-1] == list(NASTY)
        listing = ssh.run(["ls", "-A", workdir]).stdout
        assert "PWNED" not in listing  # no `;`, $(), or backticks ran
        assert not Path(system.home, "PWNED").exists()
    finally:
        ssh.run(["rm", "-rf", "--", workdir])


def test_exit_code_stderr_and_stdin(ssh: SshTransport) -> None:
    result = ssh.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (result.rc, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert ssh.run(["cat"], input=b"from stdin\n").stdout == "from stdin\n"
    assert not ssh.run(["false"]).ok


def test_large_output_on_both_streams_does_not_stall(ssh: SshTransport) -> None:
    script = "head -c 3000000 /dev/zero | tr '\\0' a; head -c 3000000 /dev/zero | tr '\\0' b >&2"
    result = ssh.run(["sh", "-c", script], timeout=30)
    assert (len(result.stdout), len(result.stderr)) == (3_000_000, 3_000_000)


def test_a_slow_command_times_out(ssh: SshTransport) -> None:
    with pytest.raises(RemoteTimeoutError, match="did not finish"):
        ssh.run(["sleep", "5"], timeout=0.5)
    assert ssh.run(["true"]).ok  # the connection is still usable


def test_describe_gives_the_equivalent_ssh_command(ssh: SshTransport, system: System) -> None:
    assert ssh.describe().startswith(f"ssh -p {system.head.port} -i {system.key}")
    assert ssh.describe().endswith("smtest@127.0.0.1")
    assert ssh.destination == f"smtest@127.0.0.1:{system.head.port}"


# --- SSH: host keys --------------------------------------------------------------------------


def test_an_unknown_host_is_refused(system: System, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    transport = head(system, known_hosts=str(empty))
    with pytest.raises(HostKeyError) as caught:
        transport.run(["true"])
    error = caught.value
    assert not error.changed and "is not known" in error.message
    assert "SHA256:" in error.message and "--accept-new-host-key" in (error.hint or "")
    assert empty.read_text() == ""  # nothing was recorded


def test_accept_new_records_the_key_then_checks_it(system: System, tmp_path: Path) -> None:
    known = tmp_path / "sub" / "known_hosts"  # the directory does not exist yet
    transport = head(system, known_hosts=str(known), accept_new=True)
    assert transport.run(["true"]).ok
    transport.close()
    assert known.read_text() == system.head.known_hosts_line()
    again = head(system, known_hosts=str(known))  # accept-new off: the key is known now
    assert again.run(["true"]).ok
    again.close()


def other_key_line(name: str) -> str:
    key = paramiko.Ed25519Key.from_private_key_file(_throwaway_key())
    return f"{name} ssh-ed25519 {key.get_base64()}\n"


def _throwaway_key() -> str:
    path = Path(os.environ["HOME"]) / "throwaway_ed25519"
    if not path.exists():
        import subprocess

        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return str(path)


def test_a_changed_key_is_always_refused(system: System, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(other_key_line(f"[127.0.0.1]:{system.head.port}"))
    for accept_new in (False, True):  # accept-new never covers a changed key
        transport = head(system, known_hosts=str(known), accept_new=accept_new)
        with pytest.raises(HostKeyError) as caught:
            transport.run(["true"])
        assert caught.value.changed
        assert "CHANGED" in caught.value.message and "intercepting" in caught.value.message
        assert f"ssh-keygen -R '[127.0.0.1]:{system.head.port}'" in (caught.value.hint or "")
        assert caught.value.exit_code == 12
    assert known.read_text().count("\n") == 1  # nothing added


def test_a_host_known_only_by_another_key_type_counts_as_changed(
    system: System, tmp_path: Path
) -> None:
    rsa = paramiko.RSAKey.generate(1024)
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{system.head.port} ssh-rsa {rsa.get_base64()}\n")
    with pytest.raises(HostKeyError) as caught:
        head(system, known_hosts=str(known), accept_new=True).run(["true"])
    assert caught.value.changed


def test_the_bastions_changed_key_is_refused_too(system: System, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(
        system.head.known_hosts_line() + other_key_line(f"[127.0.0.1]:{system.bastion.port}")
    )
    transport = head(system, known_hosts=str(known), jump=f"smtest@127.0.0.1:{system.bastion.port}")
    with pytest.raises(HostKeyError) as caught:
        transport.run(["true"])
    assert caught.value.changed and str(system.bastion.port) in caught.value.message


# --- SSH: jump hosts, config, proxy ----------------------------------------------------------


def test_through_the_bastion(system: System) -> None:
    transport = head(system, jump=f"{system.user}@127.0.0.1:{system.bastion.port}")
    try:
        assert transport.run(["sh", "-c", "echo $SLURM_CONF"]).stdout.strip() == (system.slurm_conf)
        assert f"-J smtest@127.0.0.1:{system.bastion.port}" in transport.describe()
    finally:
        transport.close()


def write_ssh_config(system: System, extra: str = "") -> Path:
    config = Path(os.environ["HOME"]) / ".ssh" / "config"
    config.parent.mkdir(mode=0o700, exist_ok=True)
    config.write_text(
        f"""
Host bastion
    HostName 127.0.0.1
    Port {system.bastion.port}
    User {system.user}
    IdentityFile {system.key}
    UserKnownHostsFile {system.known_hosts}

Host cluster
    HostName 127.0.0.1
    Port {system.head.port}
    User {system.user}
    IdentityFile {system.key}
    UserKnownHostsFile {system.known_hosts}
    ProxyJump bastion
    ServerAliveInterval 15
{extra}"""
    )
    return config


def test_an_alias_from_ssh_config_with_proxyjump(system: System) -> None:
    write_ssh_config(system)
    target = resolve_target("cluster")
    assert (target.host, target.port, target.user, target.keepalive) == (
        "127.0.0.1",
        system.head.port,
        system.user,
        15,
    )
    assert [hop.port for hop in target.jumps] == [system.bastion.port]
    transport = SshTransport(target)
    try:
        assert transport.run(["whoami"]).stdout.strip() == system.user
    finally:
        transport.close()
    # Options on the command line win over the file, as with ssh.
    assert resolve_target("cluster", user="other", jump="").jumps == ()
    assert resolve_target("cluster", user="other").user == "other"


def test_proxycommand_from_ssh_config(system: System, tmp_path: Path) -> None:
    """The ProxyCommand seam: our own relay program stands in for `nc`/`aws ssm`."""
    relay = tmp_path / "relay.py"
    relay.write_text(
        "import os, socket, sys, threading\n"
        "s = socket.create_connection((sys.argv[1], int(sys.argv[2])))\n"
        "def up():\n"
        "    while (d := os.read(0, 65536)):\n"
        "        s.sendall(d)\n"
        "threading.Thread(target=up, daemon=True).start()\n"
        "while (d := s.recv(65536)):\n"
        "    os.write(1, d)\n"
    )
    import sys

    write_ssh_config(
        system,
        f"""
Host viaproxy
    HostName 127.0.0.1
    Port {system.head.port}
    User {system.user}
    IdentityFile {system.key}
    UserKnownHostsFile {system.known_hosts}
    ProxyCommand {sys.executable} {relay} %h %p
""",
    )
    target = resolve_target("viaproxy")
    assert target.proxy_command.endswith(f"127.0.0.1 {system.head.port}")
    transport = SshTransport(target)
    try:
        assert transport.run(["echo", "proxied"]).stdout == "proxied\n"
    finally:
        transport.close()


def test_refused_and_unresolvable_hosts(system: System, tmp_path: Path) -> None:
    with pytest.raises(UnreachableError, match="connection refused"):
        head(system, port=9).run(["true"])
    with pytest.raises(UnreachableError, match="could not resolve"):
        SshTransport(resolve_target("no-such-host.invalid", user="x")).run(["true"])
    with pytest.raises(ValidationError):
        resolve_target("host;rm -rf /")


def test_a_wrong_key_is_an_authentication_error(system: System, tmp_path: Path) -> None:
    transport = head(system, identity_file=_throwaway_key())
    with pytest.raises(AuthenticationError) as caught:
        transport.run(["true"])
    assert isinstance(caught.value, AccessDeniedError) and "refused our SSH keys" in str(
        caught.value
    )


# --- SSH: drops, streaming, files ------------------------------------------------------------


def relayed(system: System, port: int, tmp_path: Path) -> SshTransport:
    known = tmp_path / "relay_known_hosts"
    known.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{port}"))
    return SshTransport(
        resolve_target(
            f"127.0.0.1:{port}", user=system.user, identity_file=system.key, known_hosts=str(known)
        )
    )


def test_reconnects_after_a_drop_while_idle(system: System, tmp_path: Path) -> None:
    with relay_to(system.head.port) as relay:
        transport = relayed(system, relay.port, tmp_path)
        assert transport.run(["echo", "one"]).stdout == "one\n"
        relay.cut()
        wait_for(lambda: not transport._active(), timeout=5)
        assert transport.run(["echo", "two"]).stdout == "two\n"  # reconnected by itself
        assert relay.connections == 2
        transport.close()


def test_a_drop_during_a_command_says_it_may_have_run(system: System, tmp_path: Path) -> None:
    import threading

    with relay_to(system.head.port) as relay:
        transport = relayed(system, relay.port, tmp_path)
        transport.run(["true"])
        threading.Timer(0.5, relay.cut).start()
        with pytest.raises(ConnectionLostError) as caught:
            transport.run(["sleep", "3"], timeout=10)
        assert caught.value.sent
        transport.close()


def test_spawn_streams_and_close_leaves_nothing_running(ssh: SshTransport) -> None:
    marker = f"stream-{time.monotonic_ns()}"
    process = ssh.spawn(
        ["sh", "-c", f"for i in 1 2 3; do echo {marker} $i; sleep 0.1; done; sleep 60"]
    )
    lines: list[str] = []
    while len(lines) < 3:
        batch = process.lines(5)
        assert batch is not None
        lines += batch
    assert lines == [f"{marker} 1", f"{marker} 2", f"{marker} 3"]
    assert process.pid and remote_processes(ssh, marker)
    process.close()
    wait_for(lambda: not remote_processes(ssh, marker), timeout=5)


def test_spawn_reports_end_of_output(ssh: SshTransport) -> None:
    process = ssh.spawn(["sh", "-c", "echo a; echo b >&2; printf tail"])
    seen: list[str] = []
    while not process.eof:
        seen += process.lines(5) or []
    assert seen == ["a", "b", "tail"]  # stderr merged, a last unterminated line kept
    process.close()


def test_put_file_is_atomic_and_private(ssh: SshTransport, system: System) -> None:
    directory = f'~/uploads-{time.monotonic_ns()}/with space/it\'s "q"'
    path = ssh.put_file(f"{directory}/run $(x).sbatch", b"#!/bin/bash\necho hi\n")
    try:
        assert path.startswith(system.home + "/")
        assert ssh.run(["cat", path]).stdout == "#!/bin/bash\necho hi\n"
        listing = ssh.run(["ls", "-A", path.rsplit("/", 1)[0]]).stdout.splitlines()
        assert listing == ["run $(x).sbatch"]  # no temporary file left
        mode = ssh.run(["stat", "-c", "%a", path]).stdout.strip()
        assert mode == "600"
        ssh.put_file(path, b"new\n")  # replacing works too
        assert ssh.run(["cat", path]).stdout == "new\n"
    finally:
        ssh.run(["rm", "-rf", "--", path.split("/with space")[0]])


# --- SSM ------------------------------------------------------------------------------------


def hyperpod_cluster(aws: Any, name: str, groups: dict[str, str]) -> None:
    aws.client("sagemaker").create_cluster(
        ClusterName=name,
        InstanceGroups=[
            {
                "InstanceGroupName": group,
                "InstanceType": "ml.c5.xlarge",
                "InstanceCount": 1,
                "ExecutionRole": "arn:aws:iam::123456789012:role/hp",
                "ThreadsPerCore": 1,
                "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/x", "OnCreate": "on.sh"},
                **({"SlurmConfig": {"NodeType": node_type}} if node_type else {}),
            }
            for group, node_type in groups.items()
        ],
    )


def test_the_login_node_comes_from_the_slurm_node_type(aws: Any) -> None:
    from tests.support.helpers import context

    hyperpod = context().hyperpod
    hyperpod_cluster(aws, "hp-login", {"workers": "Compute", "ctl": "Controller", "login": "Login"})
    node = choose_login_node(hyperpod, "hp-login")
    assert (node.group, node.node_type) == ("login", "Login")
    cluster_id = hyperpod.describe_cluster("hp-login").cluster_id
    assert node.target == f"sagemaker-cluster:{cluster_id}_login-{node.instance_id}"
    hyperpod_cluster(aws, "hp-ctl", {"workers": "Compute", "ctl": "Controller"})
    assert choose_login_node(hyperpod, "hp-ctl").group == "ctl"
    assert choose_login_node(hyperpod, "hp-ctl", group="workers").group == "workers"
    hyperpod_cluster(aws, "hp-none", {"workers": ""})
    with pytest.raises(ValidationError, match="no instance group with Slurm NodeType"):
        choose_login_node(hyperpod, "hp-none")
    with pytest.raises(NotFoundError):
        choose_login_node(hyperpod, "hp-ctl", group="nope")
    with pytest.raises(ValidationError):
        ssm_target("abc", "grp; rm", "i-1")


def ssm_node() -> SsmNode:
    return SsmNode("hp", "abcdef123456", "login", "Login", "i-0123456789abcdef0")


def ssm_transport(system: System, tmp_path: Path, node: SsmNode) -> SsmTransport:
    known = tmp_path / "ssm_known_hosts"
    known.write_text(system.head.known_hosts_line(node.target))
    base = resolve_target(
        node.target, user=system.user, identity_file=system.key, known_hosts=str(known)
    )
    from console.remote.ssm import ssm_ssh_target

    return SsmTransport(ssm_ssh_target(node, base), node, region="us-east-1")


def test_ssh_over_ssm_through_the_proxycommand(
    system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = install_fake_aws(tmp_path / "bin", system.head.port)
    monkeypatch.setenv("PATH", f"{fake.bin_dir}{os.pathsep}{os.environ['PATH']}")
    node = ssm_node()
    transport = ssm_transport(system, tmp_path, node)
    try:
        assert transport.run(["whoami"]).stdout.strip() == system.user
    finally:
        transport.close()
    assert fake.calls() == [
        [
            "ssm",
            "start-session",
            "--target",
            node.target,
            "--document-name",
            "AWS-StartSSHSession",
            "--parameters",
            "portNumber=22",
            "--region",
            "us-east-1",
        ]
    ]
    shown = transport.describe()
    assert "aws ssm start-session --target %h --document-name AWS-StartSSHSession" in shown
    assert "portNumber=%p" in shown and shown.endswith(f"smtest@{node.target}")


def test_ssm_errors_are_clear(
    system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = install_fake_aws(tmp_path / "bin", system.head.port)
    monkeypatch.setenv("PATH", f"{fake.bin_dir}{os.pathsep}{os.environ['PATH']}")
    fake.set_mode("not-connected")
    with pytest.raises(UnreachableError, match="is not connected") as caught:
        ssm_transport(system, tmp_path, ssm_node()).run(["true"])
    assert "cluster-nodes" in (caught.value.hint or "")
    fake.set_mode("no-document")
    with pytest.raises(NotFoundError, match="AWS-StartSSHSession is missing"):
        ssm_transport(system, tmp_path, ssm_node()).run(["true"])


def test_ssm_needs_aws_and_the_plugin(
    system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ToolMissingError, match=r"AWS CLI \(`aws`\) is not installed") as caught:
        ssm_transport(system, tmp_path, ssm_node()).run(["true"])
    assert "install" in (caught.value.hint or "")
    fake = install_fake_aws(tmp_path / "bin", system.head.port, plugin=False)
    monkeypatch.setenv("PATH", str(fake.bin_dir))
    with pytest.raises(ToolMissingError, match="session-manager-plugin"):
        ssm_transport(system, tmp_path, ssm_node()).run(["true"])


# --- local ---------------------------------------------------------------------------------


def test_local_transport(tmp_path: Path) -> None:
    local = LocalTransport()
    result = local.run(["printf", "%s\\0", *NASTY])
    assert result.stdout.split("\0")[:-1] == list(NASTY)
    assert local.run(["sh", "-c", "exit 4"]).rc == 4
    with pytest.raises(ToolMissingError):
        local.run(["no-such-program-here"])
    path = local.put_file(str(tmp_path / "a dir" / "f $(x)"), b"data")
    assert Path(path).read_bytes() == b"data" and os.listdir(tmp_path / "a dir") == ["f $(x)"]
    process = local.spawn(["sh", "-c", "echo ready; sleep 60"])
    assert process.lines(5) == ["ready"]
    process.close()
    assert process.exit_status is not None  # ended, not left running
    assert open_transport(ConnectionSpec(kind="local")).destination == "local"


def test_connection_spec_refuses_two_kinds() -> None:
    with pytest.raises(ValidationError, match="choose one of --ssh, --local"):
        ConnectionSpec().with_options(ssh="h", local=True)
    with pytest.raises(ValidationError, match="no host"):
        open_transport(ConnectionSpec(kind="ssh"))
