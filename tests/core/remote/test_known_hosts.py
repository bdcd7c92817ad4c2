"""known_hosts parity with OpenSSH: our verdict equals what ``ssh`` and ``ssh-keygen -F``
say, for a corpus of known_hosts files (patterns, negation, hashed names, markers,
malformed lines), against a throwaway sshd on a free loopback port.

The sshd here is our own (own config, own host key, started with ``-D`` and ended by its
pid): it needs no test system. Nobody can log in to it; a connection that gets as far as
"Permission denied" passed the host-key check, which is all that is compared.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.errors import SmError
from console.remote.errors import AuthenticationError, HostKeyError
from console.remote.known_hosts import (
    Verdict,
    lookup_name,
    parse,
    pattern_list_matches,
    preferred_algorithms,
    wildcard_match,
)
from console.remote.ssh import SshTarget, SshTransport

pytestmark = pytest.mark.skipif(
    not (shutil.which("ssh") and shutil.which("ssh-keygen") and Path("/usr/sbin/sshd").exists()),
    reason="needs OpenSSH (ssh, ssh-keygen, sshd)",
)


def _keygen(path: Path, kind: str = "ed25519") -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)], check=True, timeout=60
    )
    return path.with_suffix(".pub").read_text().split()[0:2][1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Sshd:
    port: int
    key: str  # "ssh-ed25519 AAAA…" (the server's)
    other: str  # another ed25519 key (an impostor's or the old one)
    ecdsa: str  # a key of another type
    directory: Path


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    directory = tmp_path_factory.mktemp("khsshd")
    host = directory / "host_ed25519"
    server = "ssh-ed25519 " + _keygen(host)
    other = "ssh-ed25519 " + _keygen(directory / "other_ed25519")
    ecdsa = "ecdsa-sha2-nistp256 " + _keygen(directory / "other_ecdsa", "ecdsa")
    _keygen(directory / "client_ed25519")  # a key to offer (refused: nobody logs in)
    port = _free_port()
    conf = directory / "sshd_config"
    conf.write_text(
        f"ListenAddress 127.0.0.1:{port}\nHostKey {host}\nPidFile {directory}/sshd.pid\n"
        "AuthenticationMethods publickey\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nAllowUsers nobody-here\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    process = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-f", str(conf), "-E", str(directory / "sshd.log")]
    )
    try:
        for _ in range(200):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield Sshd(port, server, other, ecdsa, directory)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _hashed(name: str, salt: bytes = b"s" * 20) -> str:
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


# (case id, known_hosts lines with {name} {key} {other} {ecdsa} {port} placeholders)
CORPUS: list[tuple[str, list[str]]] = [
    ("exact", ["{name} {key}"]),
    ("empty", []),
    ("changed", ["{name} {other}"]),
    ("other-type-only", ["{name} {ecdsa}"]),
    ("wildcard-port", ["[127.0.0.*]:{port} {key}"]),
    ("wildcard-changed", ["[127.0.0.*]:{port} {other}"]),
    ("question-mark", ["[127.0.0.?]:{port} {other}"]),
    ("comma-list", ["example.org,[127.0.0.1]:{port} {key}"]),
    ("negated", ["[127.0.0.*]:{port},![127.0.0.1]:{port} {other}"]),
    ("negation-first", ["![127.0.0.1]:{port},[127.0.0.*]:{port} {other}"]),
    ("port-22-name-does-not-apply", ["127.0.0.1 {other}"]),
    ("star", ["* {other}"]),
    ("hashed-known", ["{hashed} {key}"]),
    ("hashed-changed", ["{hashed} {other}"]),
    ("revoked", ["{name} {key}", "@revoked * {key}"]),
    ("revoked-elsewhere", ["{name} {key}", "@revoked example.org {key}"]),
    ("revoked-other-key", ["{name} {key}", "@revoked * {other}"]),
    ("cert-authority-line", ["@cert-authority * {other}", "{name} {key}"]),
    ("cert-authority-only", ["@cert-authority * {key}"]),
    (
        "malformed-lines",
        [
            "garbage",
            "{name} ssh-ed25519 !!!notbase64",
            "@bogus * {key}",
            "|1|bad|hash {key}",
            "{name} ssh-rsa {keydata}",
            "{name} {key}",
        ],
    ),
    ("malformed-then-changed", ["@revoked", "x y", "{name} {other}"]),
    ("two-keys-one-right", ["{name} {other}", "{name} {key}"]),
    ("case-insensitive", ["[127.0.0.1]:{port} {key}"]),
]


def _render(lines: list[str], sshd: Sshd) -> str:
    name = f"[127.0.0.1]:{sshd.port}"
    values = {
        "name": name,
        "key": sshd.key,
        "keydata": sshd.key.split()[1],
        "other": sshd.other,
        "ecdsa": sshd.ecdsa,
        "port": str(sshd.port),
        "hashed": _hashed(name),
    }
    return "".join(line.format(**values) + "\n" for line in lines)


def _openssh_verdict(known_hosts: Path, sshd: Sshd) -> Verdict:
    """What ``ssh -o StrictHostKeyChecking=yes -o BatchMode=yes`` does with this file."""
    done = subprocess.run(
        ["ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
         "-o", f"UserKnownHostsFile={known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null",
         "-o", "CheckHostIP=no", "-o", "IdentitiesOnly=yes", "-o", "IdentityFile=/dev/null",
         "-p", str(sshd.port), "nobody-here@127.0.0.1", "true"],
        check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    err = done.stderr
    if "REVOKED HOST KEY" in err:
        return Verdict.REVOKED
    if "HOST IDENTIFICATION HAS CHANGED" in err:
        return Verdict.CHANGED
    if "Host key verification failed" in err:
        return Verdict.UNKNOWN
    assert "Permission denied" in err, err
    return Verdict.KNOWN


def _our_verdict(known_hosts: Path, sshd: Sshd) -> Verdict:
    target = SshTarget(
        host="127.0.0.1", port=sshd.port, user="nobody-here", known_hosts=(str(known_hosts),),
        identity_files=(str(sshd.directory / "client_ed25519"),),
        allow_agent=False, look_for_keys=False, connect_timeout=10.0,
    )  # fmt: skip
    transport = SshTransport(target)
    try:
        transport.connect()
    except HostKeyError as exc:
        if "REVOKED" in exc.message:
            return Verdict.REVOKED
        return Verdict.CHANGED if exc.changed else Verdict.UNKNOWN
    except AuthenticationError:
        return Verdict.KNOWN  # past the host-key check
    except SmError as exc:  # pragma: no cover - shows what went wrong
        raise AssertionError(f"unexpected error: {exc.message}") from None
    finally:
        transport.close()
    raise AssertionError("nobody may log in to this sshd")


@pytest.mark.parametrize(("case", "lines"), CORPUS, ids=[case for case, _ in CORPUS])
def test_our_verdict_is_openssh_s(case: str, lines: list[str], sshd: Sshd, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(_render(lines, sshd))
    expected = _openssh_verdict(known_hosts, sshd)
    assert _our_verdict(known_hosts, sshd) == expected
    # The pure matcher says the same (what the TUI shows before connecting).
    parsed = parse(known_hosts.read_text().splitlines(), "kh")
    blob = base64.b64decode(sshd.key.split()[1])
    assert parsed.verdict(lookup_name("127.0.0.1", sshd.port), blob) == expected


@pytest.mark.parametrize("lines", [lines for _, lines in CORPUS], ids=[case for case, _ in CORPUS])
def test_which_lines_apply_is_ssh_keygen_s(lines: list[str], sshd: Sshd, tmp_path: Path) -> None:
    """``ssh-keygen -F`` lists the plain and hashed lines that apply to a name."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(_render(lines, sshd))
    name = f"[127.0.0.1]:{sshd.port}"
    done = subprocess.run(
        ["ssh-keygen", "-F", name, "-f", str(known_hosts)],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    found = {
        line.split()[-1]
        for line in done.stdout.splitlines()
        if line and not line.startswith("#") and not line.startswith("@")
    }
    parsed = parse(known_hosts.read_text().splitlines(), "kh")
    ours = {base64.b64encode(entry.blob).decode() for entry in parsed.keys_for(name)}
    # ssh-keygen -F also lists lines whose key it cannot use; ssh (and we) skip those.
    usable = {base64.b64encode(entry.blob).decode() for entry in parsed.entries}
    assert ours == found & usable


def test_a_hashed_line_from_ssh_keygen_H_matches(sshd: Sshd, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{sshd.port} {sshd.key}\n")
    subprocess.run(["ssh-keygen", "-H", "-f", str(known_hosts)], check=True, capture_output=True)
    assert known_hosts.read_text().startswith("|1|")
    assert _our_verdict(known_hosts, sshd) is Verdict.KNOWN
    os.remove(str(known_hosts) + ".old")


def test_accept_new_records_nothing_for_a_pattern_known_host(sshd: Sshd, tmp_path: Path) -> None:
    """The attack of the issue: a pattern entry knows the host, the key changed; accept-new
    must refuse it as changed, never record the attacker's key."""
    known_hosts = tmp_path / "known_hosts"
    text = f"[127.0.0.*]:{sshd.port} {sshd.other}\n"
    known_hosts.write_text(text)
    target = SshTarget(
        host="127.0.0.1", port=sshd.port, user="nobody-here", known_hosts=(str(known_hosts),),
        accept_new=True, allow_agent=False, look_for_keys=False,
        identity_files=(str(sshd.directory / "client_ed25519"),),
    )  # fmt: skip
    transport = SshTransport(target)
    with pytest.raises(HostKeyError) as caught:
        transport.connect()
    transport.close()
    assert caught.value.changed
    assert known_hosts.read_text() == text


def test_a_cert_authority_line_is_a_warning_not_a_crash(sshd: Sshd, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"@cert-authority * {sshd.other}\n[127.0.0.1]:{sshd.port} {sshd.key}\n")
    transport = SshTransport(
        SshTarget(host="127.0.0.1", port=sshd.port, user="nobody-here",
                  known_hosts=(str(known_hosts),), allow_agent=False, look_for_keys=False,
                  identity_files=(str(sshd.directory / "client_ed25519"),))
    )  # fmt: skip
    with pytest.raises(AuthenticationError):
        transport.connect()
    transport.close()
    assert any("@cert-authority" in warning for warning in transport.warnings)


def test_pattern_matching_rules() -> None:
    assert wildcard_match("[127.0.0.1]:2222", "[127.0.0.*]:2222")
    assert wildcard_match("abc", "a?c") and not wildcard_match("abbc", "a?c")
    assert wildcard_match("", "*") and not wildcard_match("a", "")
    assert wildcard_match("a" * 50, "*a*a*a*a*a*a*a*a*b") is False  # no blow-up
    assert pattern_list_matches("Host.EXAMPLE.org", "*.example.org")
    assert not pattern_list_matches("a.example.org", "*.example.org,!a.example.org")
    assert not pattern_list_matches("b.example.org", "!a.example.org")  # negation alone


def test_known_types_are_negotiated_first() -> None:
    offered = ["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
    assert preferred_algorithms(["ssh-rsa"], offered)[:3] == [
        "rsa-sha2-512",
        "rsa-sha2-256",
        "ssh-rsa",
    ]
    assert preferred_algorithms([], offered) == offered
