"""The SSH transport (paramiko): keys and agent, ~/.ssh/config, jump hosts, host keys.

What it promises an operator:

* ``~/.ssh/config`` is honoured for the host and every jump host (HostName, User, Port,
  IdentityFile, ProxyJump, ProxyCommand, UserKnownHostsFile, StrictHostKeyChecking
  ``accept-new``, ServerAliveInterval, ConnectTimeout), so ``--ssh login`` means what
  ``ssh login`` means.
* Jump chains go through ``direct-tcpip`` channels of the previous hop (like
  ``ssh -J``); nothing listens on a local port.
* Host keys are checked against known_hosts for every hop. An unknown host is refused
  unless accept-new is on (then its key is appended to known_hosts, like OpenSSH's
  ``StrictHostKeyChecking accept-new``). A changed key is ALWAYS refused, with a warning
  and the command that removes the old key if the change is expected.
* Keys only: identity files, the agent and the default key files. Never a password.

Commands are sent as :func:`~console.remote.base.command_line` strings (every word
quoted). A dropped connection is re-established (with backoff) before a new command
is sent; a command that was in flight is never re-sent here: the caller gets
:class:`ConnectionLostError` with ``sent=True`` and decides (see the Slurm submit).
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import hashlib
import logging
import os
import posixpath
import random
import secrets
import select
import shlex
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from console.errors import ConfigError, SmError, UnreachableError, ValidationError
from console.remote.base import (
    DEFAULT_TIMEOUT,
    MAX_OUTPUT_BYTES,
    Process,
    Result,
    Transport,
    command_line,
    spawn_argv,
)
from console.remote.errors import (
    AuthenticationError,
    ConnectionLostError,
    HostKeyError,
    RemoteTimeoutError,
    UnknownHostKey,
)
from console.remote.known_hosts import KnownHosts, Verdict, lookup_name, preferred_algorithms
from console.remote.known_hosts import load as load_known_hosts

log = logging.getLogger(__name__)
# Warnings (a skipped known_hosts line) are records for whoever configures logging; never
# logging's last-resort output on stderr, which would draw over the TUI.
log.addHandler(logging.NullHandler())

DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
GLOBAL_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts"
MAX_JUMPS = 8
# Ends a spawned program: its process group when it leads one (sshd starts each session
# in a new session, so a program exec'd by the login shell does), else the pid alone.
KILL_SCRIPT = 'kill -s TERM -- "-$1" 2>/dev/null || kill -s TERM "$1" 2>/dev/null; true'


@dataclass(frozen=True)
class SshTarget:
    """One SSH hop, fully resolved (config file applied)."""

    host: str  # the name or address connected to (HostName)
    port: int = 22
    user: str = ""
    identity_files: tuple[str, ...] = ()
    known_hosts: tuple[str, ...] = ()  # first one is where accepted keys are written
    accept_new: bool = False
    keepalive: int = 30
    connect_timeout: float = 10.0
    proxy_command: str = ""  # a command line (tokens already expanded); "" for none
    jumps: tuple[SshTarget, ...] = ()  # hops before this one, first hop first
    alias: str = ""  # what the operator typed, for messages
    allow_agent: bool = True
    look_for_keys: bool = True

    @property
    def key_name(self) -> str:
        """The name this host's key has in known_hosts (``[host]:port`` off port 22)."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    @property
    def label(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port != 22 else ""
        return f"{user}{self.host}{port}"


def _split_user_host_port(spec: str) -> tuple[str, str, int | None]:
    """``[user@]host[:port]`` (as in ProxyJump and ``ssh://``) into its parts."""
    spec = spec.removeprefix("ssh://")
    user, _, rest = spec.rpartition("@")
    host, port = rest, None
    if rest.startswith("["):  # [v6addr]:port
        end = rest.find("]")
        host = rest[1:end]
        tail = rest[end + 1 :]
        if tail.startswith(":") and tail[1:].isdigit():
            port = int(tail[1:])
    elif rest.count(":") == 1:
        name, _, maybe = rest.partition(":")
        if maybe.isdigit():
            host, port = name, int(maybe)
    if not host:
        raise ValidationError(f"{spec!r} is not a host (expected [user@]host[:port])")
    return user, host, port


def _check_host(host: str) -> str:
    if not host or host.startswith("-") or any(c.isspace() or c in "\x00'\"`$;|&<>" for c in host):
        raise ValidationError(f"{host!r} is not a valid host name or address")
    return host


def load_ssh_config(path: str | None = None) -> Any:
    """The operator's ``~/.ssh/config`` (or ``path``) parsed; an empty config if absent."""
    import paramiko

    file = Path(path or "~/.ssh/config").expanduser()
    config = paramiko.SSHConfig()
    if file.exists():
        try:
            config = paramiko.SSHConfig.from_path(str(file))
        except Exception as exc:
            raise ConfigError(f"{file}: cannot read the SSH config: {exc}") from None
    return config


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in {"yes", "true", "on"}


def resolve_target(
    spec: str,
    *,
    user: str | None = None,
    port: int | None = None,
    identity_file: str | None = None,
    jump: str | None = None,
    known_hosts: str | None = None,
    accept_new: bool | None = None,
    keepalive: int | None = None,
    ssh_config: Any = None,
    _depth: int = 0,
) -> SshTarget:
    """Resolve what the operator typed (an alias or ``[user@]host[:port]``) like ``ssh``.

    Explicit arguments win over the config file, which wins over defaults, as in
    OpenSSH. ``jump`` (comma-separated, like ``-J``) replaces the config's ProxyJump.
    """
    if _depth > MAX_JUMPS:
        raise ConfigError(f"ProxyJump chain for {spec!r} is longer than {MAX_JUMPS} hops")
    config = ssh_config if ssh_config is not None else load_ssh_config()
    spec_user, alias, spec_port = _split_user_host_port(spec)
    _check_host(alias)
    try:
        entry: dict[str, Any] = dict(config.lookup(alias))
    except Exception as exc:  # e.g. `Match exec` without the optional `invoke` package
        raise ConfigError(f"~/.ssh/config: cannot evaluate the entry for {alias}: {exc}") from None
    host = _check_host(str(entry.get("hostname") or alias))
    final_port = port or spec_port or int(entry.get("port") or 22)
    if not 0 < final_port < 65536:
        raise ValidationError(f"port {final_port} is out of range")
    final_user = user or spec_user or str(entry.get("user") or "") or getpass.getuser()
    identities = tuple(
        os.path.expanduser(p) for p in ([identity_file] if identity_file else [])
    ) + tuple(os.path.expanduser(p) for p in entry.get("identityfile") or [])
    files = (
        [known_hosts]
        if known_hosts
        else str(entry.get("userknownhostsfile") or DEFAULT_KNOWN_HOSTS).split()
    )
    strict = str(entry.get("stricthostkeychecking") or "").lower()
    accept = accept_new if accept_new is not None else strict in {"accept-new", "no", "off"}
    alive = keepalive if keepalive is not None else int(entry.get("serveraliveinterval") or 30)
    timeout = float(entry.get("connecttimeout") or 10)
    proxy = str(entry.get("proxycommand") or "")
    if proxy.lower() == "none":
        proxy = ""
    jump_spec = jump if jump is not None else str(entry.get("proxyjump") or "")
    if jump_spec.lower() == "none":
        jump_spec = ""
    hops: list[SshTarget] = []
    for hop in [h.strip() for h in jump_spec.split(",") if h.strip()]:
        resolved = resolve_target(
            hop,
            identity_file=identity_file,  # -i is offered to the jump hosts too
            known_hosts=known_hosts,
            accept_new=accept_new,
            keepalive=keepalive,
            ssh_config=config,
            _depth=_depth + 1,
        )
        hops.extend([*resolved.jumps, replace(resolved, jumps=())])
    if len(hops) > MAX_JUMPS:
        raise ConfigError(f"more than {MAX_JUMPS} jump hosts for {spec!r}")
    return SshTarget(
        host=host,
        port=final_port,
        user=final_user,
        identity_files=identities,
        known_hosts=tuple(os.path.expanduser(f) for f in files),
        accept_new=accept,
        keepalive=alive,
        connect_timeout=timeout,
        proxy_command="" if hops else proxy,
        jumps=tuple(hops),
        alias=alias,
        allow_agent=not _yes(str(entry.get("identitiesonly") or "")) or not identities,
        look_for_keys=not identities,
    )


def fingerprint(key: Any) -> str:
    """OpenSSH's ``SHA256:…`` fingerprint of a paramiko key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class HostKeyPolicy:
    """paramiko's missing-host-key hook, where every host key is judged.

    paramiko is given no known keys at all (its loader cannot read marker lines and only
    matches literal names), so it calls :meth:`missing_host_key` for every server key;
    the verdict is OpenSSH's (see :mod:`console.remote.known_hosts`): known -> connect;
    revoked or changed -> ALWAYS refused; unknown -> refused, or recorded when accept-new
    is on and no other key is known for the host (a host known under another key type is
    never "new": that is refused as changed).
    """

    def __init__(self, target: SshTarget, known: KnownHosts | None = None) -> None:
        self.target = target
        self.known = known if known is not None else KnownHosts((), ())
        self.known_hosts_file = target.known_hosts[0] if target.known_hosts else DEFAULT_KNOWN_HOSTS

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        name = lookup_name(self.target.host, self.target.port)
        verdict = self.known.verdict(name, key.asbytes())
        if verdict is Verdict.KNOWN:
            return
        if verdict is Verdict.REVOKED:
            raise HostKeyError(
                f"WARNING: the host key of {hostname} ({key.get_name()} {fingerprint(key)}) "
                "is REVOKED in known_hosts: it was refused",
                "ask the cluster's admin which key the host should have now",
                changed=True,
            )
        if verdict is Verdict.CHANGED:
            known = [entry.key_type for entry in self.known.keys_for(name)]
            raise changed_key_error(hostname, key, self.target, known)
        unknown = UnknownHostKey(
            hostname, key.get_name(), key.get_base64(), fingerprint(key), self.known_hosts_file
        )
        if not self.target.accept_new:
            raise HostKeyError(
                f"the host key of {hostname} is not known ({key.get_name()} {fingerprint(key)})",
                "check this fingerprint with the cluster's admin, then connect once with "
                f"--accept-new-host-key (or add the key to {self.known_hosts_file})",
                unknown=unknown,
            )
        trust_host_key(unknown)


def trust_host_key(unknown: UnknownHostKey) -> None:
    """Append exactly this key to its known_hosts file (the operator checked it)."""
    path = Path(unknown.known_hosts_file).expanduser()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(f"{unknown.hostname} {unknown.key_type} {unknown.key_base64}\n")
    except OSError as exc:
        raise HostKeyError(
            f"cannot record the new host key of {unknown.hostname} in {path}: {exc.strerror or exc}"
        ) from None


def changed_key_error(
    hostname: str, key: Any, target: SshTarget, known: Sequence[str]
) -> HostKeyError:
    files = target.known_hosts[0] if target.known_hosts else DEFAULT_KNOWN_HOSTS
    return HostKeyError(
        f"WARNING: the host key of {hostname} has CHANGED (now {key.get_name()} "
        f"{fingerprint(key)}; known_hosts has {', '.join(known)}): someone may be "
        "intercepting the connection, so it was refused",
        f"if the change is expected, remove the old key: "
        f"ssh-keygen -R {shlex.quote(hostname)} -f {shlex.quote(files)}",
        changed=True,
    )


def _translate(exc: BaseException, target: SshTarget) -> SmError:
    """paramiko/socket failures while connecting -> one-line errors with a hint."""
    import paramiko

    where = target.label
    if isinstance(exc, SmError):
        return exc
    if isinstance(exc, paramiko.BadHostKeyException):
        return changed_key_error(target.key_name, exc.key, target, [exc.expected_key.get_name()])
    if isinstance(exc, paramiko.PasswordRequiredException):
        return AuthenticationError(
            f"the SSH key for {where} is encrypted",
            "load it into ssh-agent (`ssh-add KEY`); smconsole never asks for passphrases",
        )
    if isinstance(exc, paramiko.AuthenticationException):
        return AuthenticationError(
            f"{where} refused our SSH keys",
            "check the user (--user / User in ~/.ssh/config) and the key (-i / IdentityFile, "
            "or ssh-agent)",
        )
    if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError | ConnectionRefusedError):
        return UnreachableError(
            f"could not connect to {where}: connection refused",
            "is sshd running there, and the port right?",
        )
    if isinstance(exc, socket.gaierror):
        return UnreachableError(
            f"could not resolve {target.host}", "check the host name or ~/.ssh/config"
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return UnreachableError(
            f"timed out connecting to {where}", "check the network, VPN or jump host"
        )
    if isinstance(exc, paramiko.ChannelException):
        return UnreachableError(
            f"the jump host could not open a connection to {where}: {exc.text or exc}",
            "check the host and port as seen from the jump host",
        )
    if isinstance(exc, paramiko.ProxyCommandFailure):
        return UnreachableError(f"the ProxyCommand for {where} failed: {exc.error}")
    if isinstance(exc, paramiko.SSHException) and any(
        text in str(exc) for text in ("protocol banner", "No existing session")
    ):
        # TCP connected but no SSH handshake within ConnectTimeout: a hung host or a port
        # that is not sshd (paramiko says "No existing session" when its handshake wait
        # ends first, "Error reading SSH protocol banner" when the banner wait does).
        return UnreachableError(
            f"{where} accepted the connection but did not answer as an SSH server "
            f"within {target.connect_timeout:g} s",
            "is the host (or jump host) overloaded or hung, and is the port sshd's?",
        )
    if isinstance(exc, paramiko.SSHException | EOFError | OSError):
        text = str(exc) or type(exc).__name__
        return UnreachableError(f"SSH to {where} failed: {text}")
    return SmError(f"SSH to {where} failed: {type(exc).__name__}: {exc}")


def _cut_during_auth(exc: BaseException, client: Any) -> bool:
    """True when authentication "failed" because the connection was gone: paramiko says
    "Authentication failed." both for a refused key and for a link that died mid-auth;
    only the transport's state tells them apart."""
    import paramiko

    if not isinstance(exc, paramiko.AuthenticationException) or isinstance(
        exc, paramiko.BadAuthenticationType | paramiko.PasswordRequiredException
    ):
        return False
    transport = client.get_transport()
    return transport is not None and not transport.is_active()


ProxyFactory = Callable[[SshTarget], Any]


def close_client(client: Any) -> None:
    """Close a paramiko client and wait for its transport thread to end.

    paramiko closes the socket without waiting for its reader thread; a thread still
    inside a send() can then write into the next socket that reuses the file descriptor
    (seen as garbage before a new connection's banner). Joining it closes that window.
    """
    transport = client.get_transport()
    with contextlib.suppress(Exception):  # closing a dead connection may fail; fine
        client.close()
    if transport is not None and transport is not threading.current_thread():
        transport.join(timeout=5)


def _channel_timed_out(exc: BaseException) -> bool:
    """paramiko gave up opening a channel (``channel_timeout``): the link stalled."""
    return "Timeout opening channel" in str(exc)


def quiet_paramiko() -> None:
    """Keep paramiko's own log (a traceback for every failed handshake, from its
    transport thread) off the operator's terminal: the failure reaches the caller as one
    translated line. A NullHandler stops logging's last-resort stderr output; records
    still propagate to any handler the operator configures (e.g. a debug log)."""
    logger = logging.getLogger("paramiko")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


class SshTransport(Transport):
    """Commands over one SSH connection (plus one per jump host), re-opened when dropped.

    ``proxy_factory`` makes the socket-like object for the first hop (a paramiko
    ``ProxyCommand``); the SSM transport passes one. Thread-safe: paramiko channels are
    independent, and (re)connecting is serialised by a lock.
    """

    kind = "ssh"
    RECONNECT_DELAYS = (0.3, 1.0, 2.5)

    def __init__(self, target: SshTarget, *, proxy_factory: ProxyFactory | None = None) -> None:
        self.target = target
        self.proxy_factory = proxy_factory
        self._clients: list[Any] = []  # jump clients first, the target's last
        self._lock = threading.RLock()
        self._home: str | None = None
        self.warnings: list[str] = []  # e.g. known_hosts lines skipped (shown once)
        quiet_paramiko()

    # --- connection ---------------------------------------------------------------------

    @property
    def destination(self) -> str:
        return self.target.label

    def describe(self) -> str:
        argv = ["ssh"]
        if self.target.port != 22:
            argv += ["-p", str(self.target.port)]
        for identity in self.target.identity_files[:1]:
            argv += ["-i", identity]
        if self.target.jumps:
            argv += ["-J", ",".join(hop.label for hop in self.target.jumps)]
        elif self.target.proxy_command:
            argv += ["-o", f"ProxyCommand={self.target.proxy_command}"]
        if self.target.known_hosts and self.target.known_hosts[0] != os.path.expanduser(
            DEFAULT_KNOWN_HOSTS
        ):
            argv += ["-o", f"UserKnownHostsFile={self.target.known_hosts[0]}"]
        user = f"{self.target.user}@" if self.target.user else ""
        return shlex.join([*argv, f"{user}{self.target.host}"])

    def connect(self) -> None:
        """Connect every hop in turn (a no-op while connected)."""
        with self._lock:
            if self._active():
                return
            self._close_clients()
            try:
                self._connect_chain()
            except BaseException:
                self._close_clients()
                raise

    def _connect_chain(self) -> None:
        sock: Any = None
        chain = [*self.target.jumps, self.target]
        for index, hop in enumerate(chain):
            if index == 0 and (hop.proxy_command or self.proxy_factory is not None):
                sock = self._proxy(hop)
            client = self._connect_one(hop, sock)
            self._clients.append(client)
            if index + 1 < len(chain):
                following = chain[index + 1]
                try:
                    sock = client.get_transport().open_channel(
                        "direct-tcpip",
                        (following.host, following.port),
                        ("127.0.0.1", 0),
                        timeout=following.connect_timeout,
                    )
                except Exception as exc:
                    raise _translate(exc, following) from None

    def _proxy(self, hop: SshTarget) -> Any:
        if self.proxy_factory is not None:
            return self.proxy_factory(hop)
        from console.remote.proxy import ProcessSocket

        return ProcessSocket.shell(hop.proxy_command)

    def _connect_one(self, hop: SshTarget, sock: Any) -> Any:
        import paramiko

        client = paramiko.SSHClient()
        try:
            known = load_known_hosts([*hop.known_hosts, GLOBAL_KNOWN_HOSTS])
        except OSError as exc:
            raise HostKeyError(
                f"cannot read known_hosts: {exc.strerror or exc}: {exc.filename}"
            ) from None
        for skipped in known.skipped:
            warning = f"known_hosts {skipped.source} skipped: {skipped.reason}"
            log.warning("%s", warning)
            if warning not in self.warnings:
                self.warnings.append(warning)
        client.set_missing_host_key_policy(HostKeyPolicy(hop, known))
        known_types = known.known_types(lookup_name(hop.host, hop.port))

        def transport_factory(sock: Any, **kwargs: Any) -> Any:
            # Negotiate a key type known for this host first, as OpenSSH does: a host
            # known by its RSA key is then not met with its (unknown) Ed25519 key.
            transport = paramiko.Transport(sock, **kwargs)
            options = transport.get_security_options()
            options.key_types = preferred_algorithms(known_types, options.key_types)
            return transport

        try:
            client.connect(
                hop.host,
                port=hop.port,
                username=hop.user or None,
                key_filename=[f for f in hop.identity_files if Path(f).exists()] or None,
                allow_agent=hop.allow_agent,
                look_for_keys=hop.look_for_keys,
                timeout=hop.connect_timeout,
                banner_timeout=hop.connect_timeout,
                auth_timeout=hop.connect_timeout,
                channel_timeout=hop.connect_timeout,
                sock=sock,
                transport_factory=transport_factory,
            )
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                client.close()
                raise
            error = self._explain(exc, hop, sock)  # before closing: SSM reads its stderr
            if _cut_during_auth(exc, client):
                error = UnreachableError(
                    f"the connection to {hop.label} was closed during authentication",
                    "the link (network, VPN or jump host) dropped it, or sshd ended it "
                    "(too many keys tried: MaxAuthTries); retry, and if it persists check "
                    "the link and sshd's log",
                )
            close_client(client)
            if sock is not None and hasattr(sock, "close"):
                sock.close()
            raise error from None
        transport = client.get_transport()
        if transport is not None and hop.keepalive > 0:
            transport.set_keepalive(hop.keepalive)
        return client

    def _explain(self, exc: BaseException, hop: SshTarget, sock: Any) -> SmError:
        """Hook for subclasses (SSM reads its proxy's stderr); the generic translation."""
        return _translate(exc, hop)

    def _active(self) -> bool:
        if not self._clients:
            return False
        transport = self._clients[-1].get_transport()
        return bool(transport is not None and transport.is_active())

    def _close_clients(self) -> None:
        for client in reversed(self._clients):
            close_client(client)
        self._clients = []

    def close(self) -> None:
        with self._lock:
            self._close_clients()

    def reconnect(self) -> None:
        """Connect again (with backoff) after the connection died; a no-op while it is
        alive (another thread may have reconnected already)."""
        with self._lock:
            if self._active():
                return
            self._close_clients()
            last: SmError | None = None
            for delay in (0.0, *self.RECONNECT_DELAYS):
                if delay:
                    time.sleep(delay * (0.8 + 0.4 * random.random()))
                try:
                    self.connect()
                    return
                except (HostKeyError, AuthenticationError):
                    raise  # not a network problem: retrying cannot help
                except UnreachableError as exc:
                    last = exc
            assert last is not None
            raise last

    def _transport(self) -> Any:
        with self._lock:
            if not self._active():
                if self._clients:
                    self.reconnect()  # it dropped while idle: nothing was in flight
                else:
                    self.connect()
            return self._clients[-1].get_transport()

    def _open_channel(self) -> Any:
        try:
            return self._transport().open_session(timeout=self.target.connect_timeout)
        except SmError:
            raise
        except Exception as exc:
            if _channel_timed_out(exc):  # a stalled link, not a refusal
                self._drop(self._clients[-1].get_transport() if self._clients else None)
                raise self._stalled() from None
            if self._active():  # refused by the server (MaxSessions…): not a dead link
                raise _translate(exc, self.target) from None
            # The connection died between the check and the open: one more try.
            self.reconnect()
            try:
                return self._transport().open_session(timeout=self.target.connect_timeout)
            except Exception as exc:
                raise _translate(exc, self.target) from None

    # --- commands -----------------------------------------------------------------------

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Result:
        line = command_line(argv)
        channel = self._open_channel()
        try:
            try:
                self._exec(channel, line)
                if input is not None:
                    channel.sendall(input)
                channel.shutdown_write()
            except Exception as exc:
                raise ConnectionLostError(
                    f"the connection to {self.destination} dropped while sending `{argv[0]}`",
                    "it may or may not have run",
                    sent=True,
                ) from exc
            stdout, stderr = self._collect(channel, timeout, argv[0])
            status = channel.exit_status if channel.exit_status_ready() else -1
        finally:
            channel.close()
        return Result(status, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))

    def _exec(self, channel: Any, line: str) -> None:
        """``exec_command`` bounded by the connect timeout.

        paramiko waits for the server's answer to the exec request with no time limit, so
        a stalled link (a frozen NAT or bastion: the TCP connection stays open, nothing
        flows) would hang the caller forever. No answer within ConnectTimeout means the
        link is dead, as for opening a channel: the connection is dropped (the next
        command reconnects) and paramiko's wait ends with an error, which the callers
        report as "dropped while sending" (it may or may not have run).
        """
        with self._watchdog(channel.get_transport()):
            channel.exec_command(line)

    @contextlib.contextmanager
    def _watchdog(self, transport: Any) -> Iterator[None]:
        """Drop ``transport`` if the block has not finished within the connect timeout
        (for paramiko waits that have no time limit of their own)."""
        timer = threading.Timer(self.target.connect_timeout, self._drop, args=(transport,))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def answering(self, transport: Any) -> bool:
        """Does the server still answer on ``transport``? OpenSSH's ServerAlive check: a
        ``keepalive@openssh.com`` request it must reply to (a "failure" reply is fine).
        Asked only after a quiet spell; no reply within the connect timeout drops the
        link (a stalled bastion or NAT keeps the TCP connection open for hours), and
        every reader waiting on it wakes up to a lost connection."""
        if transport is None or not transport.is_active():
            return False
        with self._watchdog(transport), contextlib.suppress(Exception):
            transport.global_request("keepalive@openssh.com", wait=True)
        return bool(transport.is_active())

    def _stalled(self) -> ConnectionLostError:
        """The error for a link that stopped answering (it was dropped; nothing was sent,
        so a read may simply be repeated after a reconnect)."""
        return ConnectionLostError(
            f"the connection to {self.destination} stalled: no answer in "
            f"{self.target.connect_timeout:g} s",
            "check the network, VPN or jump host; the next command reconnects",
        )

    def _drop(self, transport: Any) -> None:
        """Declare ``transport`` dead (a stalled link): close it, waking every waiter, and
        wait for its thread (see :func:`close_client`: a thread still sending could write
        into the next socket given the same file descriptor)."""
        with contextlib.suppress(Exception):
            transport.close()
        if transport is not None and transport is not threading.current_thread():
            transport.join(timeout=5)

    def _collect(self, channel: Any, timeout: float, program: str) -> tuple[bytes, bytes]:
        """Read stdout and stderr together (neither can fill the window and stall)."""
        out, err = bytearray(), bytearray()
        deadline = time.monotonic() + timeout
        quiet = Quiet(self.target.connect_timeout)
        while True:
            drained = False
            while channel.recv_ready():
                out += channel.recv(65536)
                drained = True
            while channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
                drained = True
            if drained:
                quiet.heard()
            elif quiet.due():  # silent a while: is the link still there? (drops it if not)
                self.answering(channel.get_transport())
            if len(out) + len(err) > MAX_OUTPUT_BYTES:
                raise SmError(f"`{program}` printed more than {MAX_OUTPUT_BYTES >> 20} MiB")
            pending = channel.recv_ready() or channel.recv_stderr_ready()
            alive = _alive(channel)
            if not pending and (channel.eof_received or channel.closed or not alive):
                # paramiko reports status -1 both for "killed by a signal" (the server
                # sent exit-signal) and for "the connection died": tell them apart.
                if channel.exit_status_ready() and (channel.exit_status != -1 or alive):
                    return bytes(out), bytes(err)
                if not alive:
                    raise ConnectionLostError(
                        f"the connection to {self.destination} dropped while `{program}` ran",
                        "it may or may not have finished",
                        sent=True,
                    )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RemoteTimeoutError(
                    f"`{program}` on {self.destination} did not finish in {timeout:.0f} s"
                )
            if not drained:
                select.select([channel], [], [], min(remaining, 0.2))

    def spawn(self, argv: Sequence[str], *, merge_stderr: bool = True) -> Process:
        channel = self._open_channel()
        try:
            self._exec(channel, command_line(spawn_argv(argv, merge_stderr=merge_stderr)))
            channel.shutdown_write()
        except Exception as exc:
            channel.close()
            if not self._active():
                raise ConnectionLostError(
                    f"the connection to {self.destination} dropped while starting `{argv[0]}`"
                ) from None
            raise _translate(exc, self.target) from None
        return SshProcess(self, channel)

    # --- files --------------------------------------------------------------------------

    def home(self) -> str:
        if self._home is None:
            with self._sftp() as sftp:
                try:
                    self._home = str(sftp.normalize("."))
                except TimeoutError:  # a stalled link: drop it (the next use reconnects)
                    self._drop(sftp.get_channel().get_transport())
                    raise ConnectionLostError(
                        f"the connection to {self.destination} stalled", "try again"
                    ) from None
        return self._home

    def _sftp(self) -> _SftpSession:
        return _SftpSession(self)

    def put_file(self, path: str, data: bytes, *, mode: int = 0o600) -> str:
        target = self.expand_path(path)
        directory, name = posixpath.split(target)
        tmp = posixpath.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        with self._sftp() as sftp:
            try:
                _makedirs(sftp, directory)
                with sftp.open(tmp, "wb") as handle:
                    handle.set_pipelined(True)
                    handle.write(data)
                sftp.chmod(tmp, mode)
                try:
                    sftp.posix_rename(tmp, target)
                except OSError:
                    sftp.rename(tmp, target)  # servers without the posix-rename extension
            except Exception as exc:
                if isinstance(exc, TimeoutError):  # a stalled link: treat it as dropped
                    self._drop(sftp.get_channel().get_transport())
                if not self._active():  # the link died: repeating the upload is safe
                    raise ConnectionLostError(
                        f"the connection to {self.destination} dropped while uploading {name}"
                    ) from None
                with contextlib.suppress(Exception):
                    sftp.remove(tmp)
                detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                raise SmError(f"cannot write {target} on {self.destination}: {detail}") from None
        return target


class _SftpSession:
    """An SFTP client for one operation (``with``), on the shared connection."""

    def __init__(self, transport: SshTransport) -> None:
        self.transport = transport
        self.client: Any = None

    def __enter__(self) -> Any:
        import paramiko

        owner = self.transport
        transport: Any = None
        try:
            transport = owner._transport()
            # Opening the channel is bounded (channel_timeout), the subsystem request and
            # the version exchange are not: the watchdog bounds them on a stalled link.
            with owner._watchdog(transport):
                self.client = paramiko.SFTPClient.from_transport(transport)
        except SmError:
            raise
        except Exception as exc:
            if _channel_timed_out(exc) or not owner._active():
                owner._drop(transport)
                raise owner._stalled() from None
            raise UnreachableError(
                f"cannot open SFTP on {self.transport.destination}: {exc}",
                "the server must allow the sftp subsystem",
            ) from None
        if self.client is None:
            raise UnreachableError(f"cannot open SFTP on {self.transport.destination}")
        # paramiko waits for SFTP answers with no time limit: on a stalled link every
        # read would hang forever. Each answer must come within the connect timeout.
        self.client.get_channel().settimeout(self.transport.target.connect_timeout)
        return self.client

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # closing over a dead link may fail
                self.client.close()


def _makedirs(sftp: Any, directory: str) -> None:
    """``mkdir -p`` over SFTP (new directories 0700: job scripts are private)."""
    parts = [p for p in directory.split("/") if p]
    path = "/" if directory.startswith("/") else ""
    for part in parts:
        path = posixpath.join(path, part) if path else part
        try:
            sftp.stat(path)
        except FileNotFoundError:
            sftp.mkdir(path, 0o700)
        except OSError:
            sftp.mkdir(path, 0o700)


class Quiet:
    """When to ask whether a silent link is still there: after ``seconds`` without a
    byte, then at most once per ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._since = time.monotonic()

    def heard(self) -> None:
        self._since = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._since < self.seconds:
            return False
        self._since = now  # the next question only after another quiet spell
        return True


def _alive(channel: Any) -> bool:
    transport = channel.get_transport()
    return bool(transport is not None and transport.is_active())


class SshProcess(Process):
    """A spawned remote program. The first output line is its pid (SPAWN_SCRIPT), kept
    so :meth:`close` can kill it: closing a channel without a PTY would otherwise leave
    e.g. ``tail -F`` running until its next write."""

    def __init__(self, transport: SshTransport, channel: Any) -> None:
        super().__init__()
        self.transport = transport
        self.channel = channel
        self.pid: int | None = None
        self._pending = deque[bytes]()
        self._head = b""
        self._closed = False
        # A quiet log and a stalled link look the same: after a quiet spell, ask.
        self._quiet = Quiet(transport.target.connect_timeout)

    def _read_raw(self, timeout: float) -> bytes | None:
        channel = self.channel
        for attempt in range(2):
            if channel.recv_ready():
                self._quiet.heard()
                return bytes(channel.recv(65536))
            if not _alive(channel):
                raise ConnectionLostError(f"the connection to {self.transport.destination} dropped")
            if channel.eof_received or channel.closed:
                return b""
            if attempt == 0:
                ready, _, _ = select.select([channel], [], [], max(timeout, 0))
                if not ready:
                    if self._quiet.due() and not self.transport.answering(channel.get_transport()):
                        raise ConnectionLostError(
                            f"the connection to {self.transport.destination} stalled"
                        )
                    return None
        return None

    def read(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while self.pid is None:
            chunk = self._read_raw(max(deadline - time.monotonic(), 0))
            if chunk is None:
                return None
            if chunk == b"":
                return b""
            self._head += chunk
            if b"\n" in self._head:
                first, _, rest = self._head.partition(b"\n")
                try:
                    self.pid = int(first.strip())
                except ValueError:
                    self.pid = -1  # not our wrapper's output; nothing to kill by pid
                    rest = self._head
                self._head = b""
                if rest:
                    return rest
            elif len(self._head) > 64:
                self.pid = -1
                rest, self._head = self._head, b""
                return rest
        return self._read_raw(max(deadline - time.monotonic(), 0))

    @property
    def exit_status(self) -> int | None:
        if self.channel.exit_status_ready():
            return int(self.channel.recv_exit_status())
        return None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.pid is None:
                # The pid line may not have been read yet: give it a moment.
                deadline = time.monotonic() + 2
                while self.pid is None and time.monotonic() < deadline:
                    if self.read(deadline - time.monotonic()) in (None, b""):
                        break
            if self.pid and self.pid > 0 and not self.channel.exit_status_ready():
                # If the connection is gone, the program dies at its next write (SIGPIPE).
                with contextlib.suppress(SmError):
                    self.transport.run(["sh", "-c", KILL_SCRIPT, "sh", str(self.pid)], timeout=10)
        finally:
            self.channel.close()
