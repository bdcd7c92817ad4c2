"""A connection cut while SSH authenticates is said as what it is (the link dropped: exit 8),
never as "refused our SSH keys" (exit 6), which would send the operator after their keys.

The cut is made by a relay in front of the real test sshd that reads the unencrypted start
of the client's stream (banner, then binary packets), finds the client's NEWKEYS, and
drops both directions when the client sends its second encrypted packet: the first is
the ``ssh-userauth`` service request, the second a USERAUTH_REQUEST (the client waits for
the server's answer between them, so they never share a read).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.errors import UnreachableError
from console.remote.errors import AuthenticationError
from console.remote.ssh import SshTransport, resolve_target
from tests.support.helpers import assert_one_error
from tests.system.support import Relay, System

MSG_NEWKEYS = 21


class AuthCutRelay(Relay):
    """Forwards to sshd; drops the connection at the client's ``cut_at``-th encrypted
    packet (2: its first USERAUTH_REQUEST)."""

    def __init__(self, target_port: int, cut_at: int = 2) -> None:
        self.cut_at = cut_at
        self.cuts = 0
        super().__init__(target_port)

    def _forward(self, client: socket.socket, upstream: socket.socket) -> None:
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        threading.Thread(target=self._watch, args=(client, upstream), daemon=True).start()

    def _watch(self, source: socket.socket, sink: socket.socket) -> None:
        buffer = b""
        banner_done = False
        encrypted_reads = 0
        keyed = False
        try:
            while chunk := source.recv(65536):
                if keyed:
                    encrypted_reads += 1
                    if encrypted_reads >= self.cut_at:
                        self.cuts += 1
                        self.cut()
                        return
                    sink.sendall(chunk)
                    continue
                sink.sendall(chunk)
                buffer += chunk
                if not banner_done:
                    if b"\r\n" not in buffer:
                        continue
                    buffer = buffer.split(b"\r\n", 1)[1]
                    banner_done = True
                while len(buffer) >= 6:  # uint32 length, padding byte, message type
                    length = int.from_bytes(buffer[:4], "big")
                    if len(buffer) < 4 + length:
                        break
                    kind = buffer[5]
                    buffer = buffer[4 + length :]
                    if kind == MSG_NEWKEYS:
                        keyed = True
                        if buffer:  # already encrypted bytes in this read
                            encrypted_reads += 1
                        break
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def auth_cut_relay(port: int) -> Iterator[AuthCutRelay]:
    relay = AuthCutRelay(port)
    try:
        yield relay
    finally:
        relay.close()


def test_a_cut_during_authentication_is_not_a_refused_key(system: System, tmp_path: Path) -> None:
    with auth_cut_relay(system.head.port) as relay:
        known = tmp_path / "known_hosts"
        known.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{relay.port}"))
        target = resolve_target(
            f"127.0.0.1:{relay.port}",
            user=system.user,
            identity_file=system.key,
            known_hosts=str(known),
        )
        transport = SshTransport(target)
        try:
            with pytest.raises(UnreachableError) as caught:
                transport.run(["true"])
        finally:
            transport.close()
    assert relay.cuts >= 1  # the cut really came during authentication
    assert not isinstance(caught.value, AuthenticationError)
    assert "closed during authentication" in caught.value.message
    assert "refused" not in caught.value.message
    assert caught.value.exit_code == 8


def test_the_cli_says_so_with_exit_8(system: System, tmp_path: Path, run_cli: Any) -> None:
    with auth_cut_relay(system.head.port) as relay:
        known = tmp_path / "known_hosts"
        known.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{relay.port}"))
        result = run_cli(
            "slurm-nodes",
            "--ssh", f"{system.user}@127.0.0.1:{relay.port}",
            "-i", system.key,
            "--known-hosts", str(known),
        )  # fmt: skip
    assert_one_error(result, 8, "closed during authentication")
    assert "refused our SSH keys" not in result.stderr


def test_a_refused_key_is_still_a_refused_key(system: System, tmp_path: Path) -> None:
    """The other side of the line: the same relay letting everything through, and a key
    sshd does not accept, is exit 6 "refused our SSH keys"."""
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    with auth_cut_relay(system.head.port) as relay:
        relay.cut_at = 10_000  # never
        known = tmp_path / "known_hosts"
        known.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{relay.port}"))
        target = resolve_target(
            f"127.0.0.1:{relay.port}",
            user=system.user,
            identity_file=str(stranger),
            known_hosts=str(known),
        )
        transport = SshTransport(target)
        try:
            with pytest.raises(AuthenticationError, match="refused our SSH keys") as caught:
                transport.run(["true"])
        finally:
            transport.close()
    assert caught.value.exit_code == 6
