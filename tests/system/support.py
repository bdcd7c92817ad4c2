"""What the Slurm/SSH system tests share: the set-up's description, a TCP relay that can
drop connections on cue, a fake ``aws`` for the SSM path, and strings that try to inject.

``tests/system/setup.py`` brings the real parts up (as root) and writes ``system.json``.
:func:`require_system` hands its description to a test, or skips the test with the
reason when the set-up never ran here; under CI (``CI`` set) a missing set-up fails.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCRATCH = Path(os.environ.get("SMCONSOLE_SYSTEM_DIR", "/tmp/smconsole-system"))
INFO_FILE = SCRATCH / "system.json"

# Words that would do something if a shell ever interpreted them.
NASTY = (
    "semi; touch PWNED",
    "$(touch PWNED)",
    "`touch PWNED`",
    "quote ' single",
    'quote " double',
    "new\nline",
    "  spaces  around  ",
    "back\\slash",
    "glob * ? [a]",
    "dollar $HOME ${HOME}",
    "pipe | and & amp",
    "-dash-first",
    "tab\there",
    "ünïcödé ✓",
)


@dataclass(frozen=True)
class Sshd:
    host: str
    port: int
    host_key: str  # base64 of the ed25519 public key

    def known_hosts_line(self, name: str | None = None) -> str:
        return f"{name or f'[{self.host}]:{self.port}'} ssh-ed25519 {self.host_key}\n"


@dataclass(frozen=True)
class System:
    user: str
    home: str
    key: str
    known_hosts: str
    head: Sshd
    bastion: Sshd
    slurm_conf: str
    partitions: tuple[str, ...]
    default_partition: str
    gpus_per_node: int
    accounting: bool
    # A Slurm admin (AdminLevel=Admin) logging in with the same key, and a node alone in
    # its own partition that only drain/resume tests touch (setup.py, version 3).
    admin_user: str = ""
    admin_home: str = ""
    spare_node: str = ""

    def scancel(self, ids: list[str]) -> None:
        """Cancel jobs as root beside the cluster (test clean-up: whatever happened)."""
        if ids:
            subprocess.run(
                ["scancel", *ids],
                env={**os.environ, "SLURM_CONF": self.slurm_conf},
                check=False,
                capture_output=True,
            )

    @contextlib.contextmanager
    def spare(self) -> Iterator[str]:
        """The spare node, held by one test at a time (an flock beside system.json, so
        parallel workers take turns) and back in service afterwards, whatever happened."""
        if not (self.spare_node and self.admin_user):
            pytest.skip("system.json predates the spare node: rerun tests/system/setup.py")
        env = {**os.environ, "SLURM_CONF": self.slurm_conf}
        with (SCRATCH / "spare.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield self.spare_node
            finally:
                subprocess.run(
                    ["scontrol", "update", f"NodeName={self.spare_node}", "State=RESUME"],
                    env=env,
                    check=False,
                    capture_output=True,
                )
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def scratch_dir(self, prefix: str) -> Iterator[str]:
        """``~/e2e/<prefix>-<random>`` for the test user (as the console names it),
        removed afterwards."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        try:
            yield f"~/e2e/{name}"
        finally:
            shutil.rmtree(Path(self.home, "e2e", name), ignore_errors=True)

    @classmethod
    def load(cls, path: Path = INFO_FILE) -> System:
        data: dict[str, Any] = json.loads(path.read_text())
        return cls(
            user=data["user"],
            home=data["home"],
            key=data["key"],
            known_hosts=data["known_hosts"],
            head=Sshd(**data["head"]),
            bastion=Sshd(**data["bastion"]),
            slurm_conf=data["slurm_conf"],
            partitions=tuple(data["partitions"]),
            default_partition=data["default_partition"],
            gpus_per_node=int(data["gpus_per_node"]),
            accounting=bool(data["accounting"]),
            admin_user=str(data.get("admin_user", "")),
            admin_home=str(data.get("admin_home", "")),
            spare_node=str(data.get("spare_node", "")),
        )


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def require_system() -> System:
    """The running test cluster, or a skip (a failure under CI) saying how to get one."""
    in_ci = bool(os.environ.get("CI"))
    problem = ""
    if not INFO_FILE.exists():
        problem = f"no {INFO_FILE}: the Slurm/SSH test set-up has not run here"
    else:
        try:
            system = System.load()
        except (ValueError, KeyError, TypeError, OSError) as exc:
            problem = f"{INFO_FILE} is unreadable ({exc})"
        else:
            if _port_open(system.head.port) and _port_open(system.bastion.port):
                return system
            problem = "the test sshd/Slurm described in system.json are not running"
    hint = "run `sudo .venv/bin/python tests/system/setup.py` (root, Debian) or `.ci/dev.py test`"
    if in_ci:
        pytest.fail(f"{problem}; CI requires it: {hint}")
    pytest.skip(f"{problem}; {hint}")


# --- a TCP relay that can drop every connection on cue ------------------------------------


class Relay:
    """Forwards 127.0.0.1:<port> to a target; :meth:`cut` drops every live connection
    (both directions) the way a network failure would, and new ones keep working."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = int(self.listener.getsockname()[1])
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.connections = 0
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
                self.connections += 1
            self._forward(client, upstream)

    def _forward(self, client: socket.socket, upstream: socket.socket) -> None:
        """Start moving bytes both ways (a subclass may slow them down)."""
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self._stopped = True
        self.cut()
        with contextlib.suppress(OSError):
            self.listener.close()


@contextlib.contextmanager
def relay_to(port: int) -> Iterator[Relay]:
    relay = Relay(port)
    try:
        yield relay
    finally:
        relay.close()


# --- a fake `aws` for the SSM path ----------------------------------------------------------

FAKE_AWS = """#!{python}
# Test double of `aws ssm start-session`: checks the arguments, logs them, then relays
# stdin/stdout to the test sshd (what the Session Manager plugin does for real).
import json, os, socket, sys, threading
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(json.dumps(args) + "\\n")
mode = open({mode!r}).read().strip() if os.path.exists({mode!r}) else "relay"
if mode == "not-connected":
    sys.stderr.write("\\nAn error occurred (TargetNotConnected) when calling the StartSession "
                     "operation: " + args[args.index("--target") + 1] + " is not connected.\\n")
    sys.exit(254)
if mode == "no-document":
    sys.stderr.write("\\nAn error occurred (InvalidDocument) when calling the StartSession "
                     "operation: Document AWS-StartSSHSession does not exist.\\n")
    sys.exit(254)
assert args[:3] == ["ssm", "start-session", "--target"], args
expected = ["--document-name", "AWS-StartSSHSession", "--parameters", "portNumber=22"]
assert args[4:8] == expected, args
sock = socket.create_connection(("127.0.0.1", {port}))
def up():
    while True:
        data = os.read(0, 65536)
        if not data:
            sock.shutdown(socket.SHUT_WR)
            return
        sock.sendall(data)
threading.Thread(target=up, daemon=True).start()
while True:
    data = sock.recv(65536)
    if not data:
        break
    os.write(1, data)
"""


@dataclass(frozen=True)
class FakeAws:
    bin_dir: Path
    log: Path
    mode_file: Path

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def set_mode(self, mode: str) -> None:
        self.mode_file.write_text(mode)


def install_fake_aws(directory: Path, sshd_port: int, *, plugin: bool = True) -> FakeAws:
    """``aws`` (and ``session-manager-plugin``) in ``directory``, to put first on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    log, mode = directory / "aws-calls.jsonl", directory / "aws-mode"
    aws = directory / "aws"
    aws.write_text(
        FAKE_AWS.format(python=sys.executable, log=str(log), mode=str(mode), port=sshd_port)
    )
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)
    if plugin:
        fake_plugin = directory / "session-manager-plugin"
        fake_plugin.write_text("#!/bin/sh\nexit 0\n")
        fake_plugin.chmod(0o755)
    return FakeAws(directory, log, mode)
