#!/usr/bin/env python3
"""Bring up, on 127.0.0.1, the real parts the HyperPod/Slurm tests talk to.

* a real Slurm (slurmctld + slurmd, one node ``localhost`` with 4 fake GPUs made of
  character devices, accounting through slurmdbd and MariaDB) and munge;
* a second node ``spare`` (its own slurmd on its own port, alone in partition ``spare``)
  that no job test uses, so drain and resume can run for real without stalling the rest;
* a real OpenSSH sshd as the cluster's head node and a second one as a bastion, with
  their own configs and host keys, and a test user that logs in with a key pair, plus a
  Slurm admin user (``AdminLevel=Admin`` in our own accounting DB) with the same key:
  the test user stays a plain user, so refusals are tested too.

Everything lives under one scratch directory (``/tmp/smconsole-system`` unless
``SMCONSOLE_SYSTEM_DIR`` says otherwise) and is described by ``system.json`` there, which
the tests read. Run it as often as you like: it installs packages only when missing,
writes files only when they change, starts only what is not running (restarting a daemon
whose config changed), and takes a second or two when everything is already up.

It never touches a Slurm, munge or MariaDB it did not start, so it can run on a machine
that has its own (a cluster's login node, say): its munged has its own key and socket,
its MariaDB its own data directory, socket and loopback port, and slurmctld, slurmd and
slurmdbd listen on ports of its own (never Slurm's defaults 6817-6819), chosen free once
and kept in ``system.json``. Only daemons whose pid file lies in the scratch directory are
ever stopped or restarted.

Needs root and apt (Debian/Ubuntu). Without them it says why and exits 0, so a developer
machine still runs the rest of the suite (the system tests then skip, unless CI is set).
Any failure: one clear message on stderr and a non-zero exit.

Stdlib only: `.ci/dev.py test` runs it with the project's Python before pytest.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

SCRATCH = Path(os.environ.get("SMCONSOLE_SYSTEM_DIR", "/tmp/smconsole-system"))
INFO_FILE = SCRATCH / "system.json"
PACKAGES = (
    "slurmctld",
    "slurmd",
    "slurm-client",
    "munge",
    "openssh-server",
    "slurmdbd",
    "mariadb-server",
)
CLUSTER = "smconsole"
USER = "smtest"
ADMIN_USER = "smadmin"  # AdminLevel=Admin: scontrol update node needs a super user
ACCOUNT = "smtest-acct"
GPUS = 4
PARTITIONS = ("debug", "gpu")  # both on the one node; debug is the default
SPARE = "spare"  # node and partition for drain/resume tests only
# Slurm's own defaults, which another cluster on this machine may be using: never ours.
SLURM_DEFAULT_PORTS = frozenset({6817, 6818, 6819})

SLURM = SCRATCH / "slurm"
SSH = SCRATCH / "ssh"
MUNGE = SCRATCH / "munge"
DB = SCRATCH / "mysql"
SLURM_CONF = SLURM / "slurm.conf"
MUNGE_SOCKET = MUNGE / "munge.socket"
DB_SOCKET = DB / "mysqld.sock"
DB_PID = DB / "mysqld.pid"
START = time.monotonic()


class SetupError(Exception):
    """A step failed; the message says which and why."""


def say(message: str) -> None:
    print(f"[system {time.monotonic() - START:5.1f}s] {message}", flush=True)


def run(
    argv: Sequence[str],
    *,
    check: bool = True,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            env=env,
            input=input,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise SetupError(f"{argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise SetupError(f"{' '.join(argv)} did not finish in {timeout:.0f} s") from None
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SetupError(f"{' '.join(argv)} failed (exit {done.returncode}): {' | '.join(detail)}")
    return done


def slurm_env() -> dict[str, str]:
    return dict(os.environ, SLURM_CONF=str(SLURM_CONF))


def wait_for(
    what: str, probe: Callable[[], bool], timeout: float = 30, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except (OSError, SetupError):
            pass
        time.sleep(0.1)
    tail = ""
    if log and log.exists():
        tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-5:])
    raise SetupError(f"{what} not ready after {timeout:.0f} s" + (f"; log: {tail}" if tail else ""))


# --- packages ---------------------------------------------------------------------------


def missing_packages() -> list[str]:
    missing = []
    for package in PACKAGES:
        done = run(["dpkg-query", "-W", "-f=${Status}", package], check=False)
        if "install ok installed" not in done.stdout:
            missing.append(package)
    return missing


def install_packages() -> None:
    missing = missing_packages()
    if not missing:
        say("packages: all present")
        return
    say(f"packages: installing {' '.join(missing)} (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], env=env, timeout=300)
    run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        env=env,
        timeout=600,
    )
    still = missing_packages()
    if still:
        raise SetupError(f"apt-get did not install {' '.join(still)}")


# --- small helpers ----------------------------------------------------------------------


def write_if_changed(path: Path, text: str, mode: int = 0o644, owner: str | None = None) -> bool:
    """Write ``text`` unless the file already holds it; True when it changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    changed = not path.exists() or path.read_text() != text
    if changed:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    os.chmod(path, mode)
    if owner:
        shutil.chown(path, owner, owner)
    return changed


def make_dir(path: Path, owner: str = "root", mode: int = 0o755) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    shutil.chown(path, owner, owner)
    os.chmod(path, mode)
    return path


def pid_alive(pid_file: Path, name: str) -> int | None:
    """The pid in ``pid_file`` if that process runs and its command name has ``name``."""
    try:
        pid = int(pid_file.read_text().split()[0])
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except (OSError, ValueError, IndexError):
        return None
    return pid if name[:15] in comm or comm in name else None


def stop(pid_file: Path, name: str) -> None:
    pid = pid_alive(pid_file, name)
    if pid is None:
        return
    say(f"{name}: stopping (config changed)")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.05)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in SLURM_DEFAULT_PORTS:
            return port


def our_port(previous: int | None, ours_running: bool) -> int:
    """The port one of our daemons listens on: the one it had (kept in system.json), unless
    something that is not ours took it meanwhile; else a free one."""
    if (
        previous
        and previous not in SLURM_DEFAULT_PORTS
        and (ours_running or not port_open(previous))
    ):
        return previous
    return free_port()


def spawn(argv: Sequence[str], log: Path, env: dict[str, str] | None = None) -> None:
    """Start a daemon that stays in the foreground, detached from us."""
    with log.open("ab") as out:
        subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )


# --- munge and MariaDB ------------------------------------------------------------------


def munge_env() -> list[str]:
    """Arguments that point munge's own clients at our munged, not the machine's."""
    return [f"--socket={MUNGE_SOCKET}"]


def start_munge() -> None:
    """Our own munged: its own key, socket, pid, seed and log under the scratch directory
    (a munged already serving /run/munge belongs to someone else and is left alone)."""
    make_dir(MUNGE, "munge", 0o755)
    key = MUNGE / "munge.key"
    if not key.exists():
        key.write_bytes(secrets.token_bytes(1024))
    shutil.chown(key, "munge", "munge")
    os.chmod(key, 0o400)
    pid_file = MUNGE / "munged.pid"
    if pid_alive(pid_file, "munged"):
        say("munge: running (own socket)")
        return
    say("munge: starting (own key and socket)")
    run(
        [
            "runuser",
            "-u",
            "munge",
            "--",
            "/usr/sbin/munged",
            "--force",
            f"--socket={MUNGE_SOCKET}",
            f"--key-file={key}",
            f"--pid-file={pid_file}",
            f"--seed-file={MUNGE / 'munged.seed'}",
            f"--log-file={MUNGE / 'munged.log'}",
        ]
    )
    wait_for(
        "munge",
        lambda: run(["munge", *munge_env(), "-n"], check=False).returncode == 0,
        15,
        MUNGE / "munged.log",
    )


def db_client(program: str) -> list[str]:
    return [program, "--no-defaults", f"--socket={DB_SOCKET}", "-u", "root"]


def start_mariadb(port: int) -> None:
    """Our own MariaDB: its own data directory, socket and loopback port, started with
    ``--no-defaults`` so the machine's my.cnf (and any database it points at) plays no part."""
    make_dir(DB, "mysql", 0o755)
    data = DB / "data"
    if not (data / "mysql").exists():
        say("mariadb: initialising our own data directory")
        run(
            [
                "mariadb-install-db",
                "--no-defaults",
                "--user=mysql",
                f"--datadir={data}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ],
            timeout=180,
        )
    log = DB / "mariadb.log"
    running = pid_alive(DB_PID, "mariadbd")
    if running and not port_open(port):
        stop(DB_PID, "mariadbd")
        running = None
    if running:
        say(f"mariadb: running (own data directory, 127.0.0.1:{port})")
    else:
        say(f"mariadb: starting (own data directory, 127.0.0.1:{port})")
        spawn(
            [
                "/usr/sbin/mariadbd",
                "--no-defaults",
                "--user=mysql",
                f"--datadir={data}",
                f"--socket={DB_SOCKET}",
                f"--pid-file={DB_PID}",
                "--bind-address=127.0.0.1",
                f"--port={port}",
                "--skip-name-resolve",
                f"--log-error={log}",
            ],
            DB / "stdout.log",
        )
        wait_for(
            "mariadb",
            lambda: run([*db_client("mariadb-admin"), "ping"], check=False).returncode == 0,
            60,
            log,
        )
    password_file = SLURM / "db-password"
    if not password_file.exists():
        write_if_changed(password_file, secrets.token_hex(16), 0o600)
    password = password_file.read_text().strip()
    # Our own database server, so setting the password of its slurm user changes nothing
    # anybody else uses.
    sql = (
        f"CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '{password}';"
        f"ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '{password}';"
        "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
        "CREATE DATABASE IF NOT EXISTS slurm_acct_db;"
    )
    run(db_client("mariadb"), input=sql)


# --- Slurm ------------------------------------------------------------------------------


def node_line() -> str:
    """`slurmd -C`'s description of this machine, under the name ``localhost``."""
    first = run(["slurmd", "-C"]).stdout.splitlines()[0]
    fields = [f for f in first.split() if not f.startswith(("NodeName=", "UpTime="))]
    memory = next((f for f in fields if f.startswith("RealMemory=")), None)
    if memory:  # leave head room: a node reporting less than configured goes INVAL
        fields[fields.index(memory)] = f"RealMemory={max(int(memory.split('=')[1]) - 512, 256)}"
    return f"NodeName=localhost NodeAddr=127.0.0.1 {' '.join(fields)} Gres=gpu:{GPUS} State=UNKNOWN"


def spare_node_line(port: int) -> str:
    """The spare node: same host, own slurmd port (a per-node ``Port=`` works without
    --enable-multiple-slurmd), one CPU, no GPUs.

    It must come before ``localhost`` in slurm.conf: while a node table holds just one
    node called ``localhost``, Slurm's name lookup answers every name with it, so a second
    node after it is refused as a duplicate."""
    return f"NodeName={SPARE} NodeAddr=127.0.0.1 Port={port} CPUs=1 RealMemory=256 State=UNKNOWN"


def slurm_files(ports: dict[str, int]) -> dict[str, bool]:
    """Write slurm.conf, gres.conf and slurmdbd.conf; say which daemons must restart."""
    for sub in ("state", "log", "run", "spool", f"spool-{SPARE}"):
        make_dir(SLURM / sub, "slurm" if not sub.startswith("spool") else "root")
    # One spool directory per slurmd (``%n``); localhost's keeps its old place so jobs
    # running across a restart are still found by their slurmd.
    link = SLURM / "spool-localhost"
    if not link.is_symlink():
        link.symlink_to("spool")
    os.chmod(SLURM / "log", 0o777)  # slurmctld (slurm) and slurmd (root) both log here
    os.chmod(SLURM / "run", 0o777)
    devices = make_dir(SLURM / "dev")
    for index in range(GPUS):
        device = devices / f"nvidia{index}"
        if not device.exists():
            os.mknod(device, 0o666 | 0o020000, os.makedev(1, 3))  # a char device, like /dev/null
    conf = f"""\
# Written by tests/system/setup.py: a one-node test cluster on 127.0.0.1.
ClusterName={CLUSTER}
SlurmctldHost=localhost
SlurmctldPort={ports["slurmctld"]}
SlurmdPort={ports["slurmd"]}
SlurmUser=slurm
AuthType=auth/munge
AuthInfo=socket={MUNGE_SOCKET}
CommunicationParameters=NoInAddrAny
StateSaveLocation={SLURM}/state
SlurmdSpoolDir={SLURM}/spool-%n
SlurmctldPidFile={SLURM}/run/slurmctld.pid
SlurmdPidFile={SLURM}/run/slurmd-%n.pid
SlurmctldLogFile={SLURM}/log/slurmctld.log
SlurmdLogFile={SLURM}/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort={ports["slurmdbd"]}
# The client side of slurmdbd connections takes its munge socket from here, not AuthInfo.
AccountingStoragePass={MUNGE_SOCKET}
AccountingStoreFlags=job_comment
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
KillWait=2
MinJobAge=300
GresTypes=gpu
{spare_node_line(ports["spare"])}
{node_line()}
PartitionName={PARTITIONS[0]} Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName={PARTITIONS[1]} Nodes=localhost MaxTime=60 State=UP
PartitionName={SPARE} Nodes={SPARE} MaxTime=10 State=UP
"""
    gres = f"NodeName=localhost Name=gpu File={devices}/nvidia[0-{GPUS - 1}]\n"
    password = (SLURM / "db-password").read_text().strip()
    dbd = f"""\
AuthType=auth/munge
AuthInfo=socket={MUNGE_SOCKET}
DbdHost=localhost
DbdPort={ports["slurmdbd"]}
SlurmUser=slurm
LogFile={SLURM}/log/slurmdbd.log
PidFile={SLURM}/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={ports["mariadb"]}
StorageUser=slurm
StoragePass={password}
StorageLoc=slurm_acct_db
"""
    conf_changed = write_if_changed(SLURM_CONF, conf)
    gres_changed = write_if_changed(SLURM / "gres.conf", gres)
    dbd_changed = write_if_changed(SLURM / "slurmdbd.conf", dbd, 0o600, owner="slurm")
    return {
        "slurmdbd": dbd_changed,
        "slurmctld": conf_changed or gres_changed,
        "slurmd": conf_changed or gres_changed,
    }


def start_slurmdbd(changed: bool, port: int) -> None:
    pid_file = SLURM / "run" / "slurmdbd.pid"
    if changed:
        stop(pid_file, "slurmdbd")
    if pid_alive(pid_file, "slurmdbd") and port_open(port):
        say("slurmdbd: running")
    else:
        say("slurmdbd: starting")
        run(["slurmdbd"], env=slurm_env())
        wait_for("slurmdbd", lambda: port_open(port), 30, SLURM / "log" / "slurmdbd.log")
    sacctmgr = ["sacctmgr", "-i", "-n", "-P"]
    env = slurm_env()
    clusters = run([*sacctmgr, "show", "cluster", "format=cluster"], env=env).stdout.split()
    if CLUSTER not in clusters:
        say(f"accounting: adding cluster {CLUSTER}, account {ACCOUNT}, user {USER}")
        run([*sacctmgr, "add", "cluster", CLUSTER], env=env)
    accounts = run([*sacctmgr, "show", "account", "format=account"], env=env).stdout.split()
    if ACCOUNT not in accounts:
        run([*sacctmgr, "add", "account", ACCOUNT, f"Cluster={CLUSTER}"], env=env)
    users = run([*sacctmgr, "show", "user", "format=user"], env=env).stdout.split()
    if USER not in users:
        run([*sacctmgr, "add", "user", USER, f"Account={ACCOUNT}"], env=env)
    if ADMIN_USER not in users:
        say(f"accounting: adding {ADMIN_USER} with AdminLevel=Admin")
        run([*sacctmgr, "add", "user", ADMIN_USER, f"Account={ACCOUNT}"], env=env)
    level = run([*sacctmgr, "show", "user", ADMIN_USER, "format=adminlevel"], env=env)
    if level.stdout.strip() != "Administrator":
        run([*sacctmgr, "modify", "user", ADMIN_USER, "set", "AdminLevel=Admin"], env=env)


def start_slurm(changed: dict[str, bool]) -> None:
    env = slurm_env()
    ctld_pid = SLURM / "run" / "slurmctld.pid"
    if changed["slurmctld"]:
        stop(ctld_pid, "slurmctld")
    if pid_alive(ctld_pid, "slurmctld"):
        say("slurmctld: running")
    else:
        say("slurmctld: starting")
        run(["slurmctld"], env=env)

    def ctld_up() -> bool:
        return "is UP" in run(["scontrol", "ping"], check=False, env=env).stdout

    wait_for("slurmctld", ctld_up, 30, SLURM / "log" / "slurmctld.log")
    for node in ("localhost", SPARE):
        start_slurmd(node, changed["slurmd"])
    for node in ("localhost", SPARE):
        wait_for(f"the Slurm node {node}", lambda n=node: node_ready(n), 30, slurmd_log(node))
        say(f"slurm: node {node} is {node_state(node)}")


def slurmd_pid(node: str) -> Path:
    return SLURM / "run" / f"slurmd-{node}.pid"


def slurmd_log(node: str) -> Path:
    return SLURM / "log" / f"slurmd-{node}.log"


def start_slurmd(node: str, changed: bool) -> None:
    """One slurmd per node name, each with its own pid file, spool and port."""
    if changed:
        stop(SLURM / "run" / "slurmd.pid", "slurmd")  # the one-node layout's pid file
        stop(slurmd_pid(node), "slurmd")
    if pid_alive(slurmd_pid(node), "slurmd"):
        say(f"slurmd ({node}): running")
    else:
        say(f"slurmd ({node}): starting")
        run(["slurmd", "-N", node], env=slurm_env())


def node_state(node: str) -> str:
    out = run(["sinfo", "-h", "-N", "-n", node, "-o", "%T"], env=slurm_env()).stdout
    return (out.splitlines() or [""])[0]


def node_ready(node: str) -> bool:
    """Up, or (the spare) drained by a test that stopped half-way: both fine to serve."""
    state = node_state(node)
    if any(bad in state for bad in ("down", "drain", "fail", "inval")):
        run(
            ["scontrol", "update", f"NodeName={node}", "State=RESUME"], check=False, env=slurm_env()
        )
        return False
    return state.rstrip("*") in {"idle", "mixed", "allocated", "completing"}


# --- sshd: head node and bastion --------------------------------------------------------


def ensure_user(user: str = USER) -> pwd.struct_passwd:
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        say(f"user: creating {user}")
        run(["useradd", "-m", "-s", "/bin/bash", user])
        account = pwd.getpwnam(user)
    # A new account is locked; sshd with UsePAM no refuses even key logins for it.
    shadow = run(["getent", "shadow", user]).stdout.split(":")
    if len(shadow) > 1 and shadow[1].startswith("!"):
        run(["usermod", "-p", "*", user])
    return account


def authorize(account: pwd.struct_passwd) -> None:
    """The test client key may log in as ``account``."""
    home = Path(account.pw_dir)
    dot_ssh = home / ".ssh"
    dot_ssh.mkdir(exist_ok=True)
    os.chown(dot_ssh, account.pw_uid, account.pw_gid)
    os.chmod(dot_ssh, 0o700)
    write_if_changed(
        dot_ssh / "authorized_keys",
        (SSH / "client_ed25519.pub").read_text(),
        0o600,
        account.pw_name,
    )
    os.chmod(home, 0o755)


def ensure_keys(account: pwd.struct_passwd) -> dict[str, str]:
    make_dir(SSH, "root", 0o755)
    keys = {}
    for name in ("head", "bastion"):
        key = SSH / f"{name}_host_ed25519"
        if not key.exists():
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key), "-C", name])
        keys[name] = (SSH / f"{name}_host_ed25519.pub").read_text().split()[1]
    client = SSH / "client_ed25519"
    if not client.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(client), "-C", USER])
    os.chmod(client, 0o600)
    authorize(account)
    return keys


def sshd_config(name: str, port: int) -> str:
    return f"""\
# Written by tests/system/setup.py: the {name} sshd for the smconsole tests.
ListenAddress 127.0.0.1:{port}
HostKey {SSH}/{name}_host_ed25519
PidFile {SSH}/{name}.pid
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers {USER} {ADMIN_USER}
AuthorizedKeysFile .ssh/authorized_keys
AllowTcpForwarding yes
PermitTTY yes
MaxStartups 200
MaxSessions 100
LogLevel VERBOSE
Subsystem sftp internal-sftp
SetEnv SLURM_CONF={SLURM_CONF}
"""


def start_sshd(name: str, port: int) -> int:
    pid_file = SSH / f"{name}.pid"
    conf = SSH / f"{name}_sshd_config"
    if pid_alive(pid_file, "sshd") and not port_open(port):
        stop(pid_file, "sshd")
    changed = write_if_changed(conf, sshd_config(name, port), 0o600)
    if changed:
        stop(pid_file, "sshd")
    if pid_alive(pid_file, "sshd"):
        say(f"sshd ({name}): running on 127.0.0.1:{port}")
        return port
    say(f"sshd ({name}): starting on 127.0.0.1:{port}")
    make_dir(Path("/run/sshd"), "root", 0o755)
    run(["/usr/sbin/sshd", "-t", "-f", str(conf)])
    run(["/usr/sbin/sshd", "-f", str(conf), "-E", str(SSH / f"{name}.log")])
    wait_for(f"sshd ({name})", lambda: port_open(port), 15, SSH / f"{name}.log")
    return port


def check_ssh_login(port: int, user: str = USER) -> None:
    """A real key login through the head sshd that runs Slurm's client: the whole chain."""
    done = run(
        [
            "ssh",
            "-F",
            "/dev/null",
            "-p",
            str(port),
            "-i",
            str(SSH / "client_ed25519"),
            "-o",
            f"UserKnownHostsFile={SSH / 'known_hosts'}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            f"{user}@127.0.0.1",
            "sinfo -h -o %P",
        ],
        check=False,
        timeout=30,
    )
    if done.returncode != 0:
        raise SetupError(f"ssh login as {user} failed: {done.stderr.strip()}")


# --- main -------------------------------------------------------------------------------


def skip(reason: str) -> int:
    print(f"[system] skipped: {reason}; the Slurm/SSH system tests will be skipped", flush=True)
    print("[system] (with CI=true they fail instead)", flush=True)
    return 0


# Each of our listening daemons and the pid file that proves a running one is ours.
DAEMONS = {
    "slurmctld": (SLURM / "run" / "slurmctld.pid", "slurmctld"),
    "slurmd": (SLURM / "run" / "slurmd-localhost.pid", "slurmd"),
    "spare": (SLURM / "run" / f"slurmd-{SPARE}.pid", "slurmd"),
    "slurmdbd": (SLURM / "run" / "slurmdbd.pid", "slurmdbd"),
    "mariadb": (DB_PID, "mariadbd"),
    "head": (SSH / "head.pid", "sshd"),
    "bastion": (SSH / "bastion.pid", "sshd"),
}


def choose_ports() -> dict[str, int]:
    """A loopback port for each of our daemons: the one it had before (system.json) while
    it is ours or free, else a fresh free one; never Slurm's defaults."""
    previous: dict[str, int] = {}
    try:
        old = json.loads(INFO_FILE.read_text())
        previous = {str(k): int(v) for k, v in old.get("ports", {}).items()}
        previous.setdefault("head", int(old["head"]["port"]))
        previous.setdefault("bastion", int(old["bastion"]["port"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    ports: dict[str, int] = {}
    for name, (pid_file, program) in DAEMONS.items():
        port = our_port(previous.get(name), pid_alive(pid_file, program) is not None)
        while port in ports.values():
            port = free_port()
        ports[name] = port
    return ports


def setup() -> dict[str, object]:
    install_packages()
    make_dir(SCRATCH, "root", 0o755)
    make_dir(SLURM, "root", 0o755)
    ports = choose_ports()
    start_munge()
    start_mariadb(ports["mariadb"])
    admin = ensure_user(ADMIN_USER)  # before accounting names it
    changed = slurm_files(ports)
    start_slurmdbd(changed["slurmdbd"], ports["slurmdbd"])
    start_slurm(changed)
    account = ensure_user()
    host_keys = ensure_keys(account)
    authorize(admin)
    for name in ("head", "bastion"):
        start_sshd(name, ports[name])
    known = "".join(
        f"[127.0.0.1]:{ports[name]} ssh-ed25519 {host_keys[name]}\n" for name in ("head", "bastion")
    )
    write_if_changed(SSH / "known_hosts", known, 0o644)
    check_ssh_login(ports["head"])
    check_ssh_login(ports["head"], ADMIN_USER)
    info: dict[str, object] = {
        "version": 3,
        "ports": ports,
        "munge_socket": str(MUNGE_SOCKET),
        "scratch": str(SCRATCH),
        "user": USER,
        "home": account.pw_dir,
        "key": str(SSH / "client_ed25519"),
        "known_hosts": str(SSH / "known_hosts"),
        "head": {"host": "127.0.0.1", "port": ports["head"], "host_key": host_keys["head"]},
        "bastion": {
            "host": "127.0.0.1",
            "port": ports["bastion"],
            "host_key": host_keys["bastion"],
        },
        "slurm_conf": str(SLURM_CONF),
        "cluster": CLUSTER,
        "partitions": [*PARTITIONS, SPARE],
        "admin_user": ADMIN_USER,
        "admin_home": admin.pw_dir,
        "spare_node": SPARE,
        "default_partition": PARTITIONS[0],
        "gpus_per_node": GPUS,
        "accounting": True,
    }
    write_if_changed(INFO_FILE, json.dumps(info, indent=2) + "\n", 0o644)
    return info


def main() -> int:
    if sys.platform != "linux":
        return skip("not Linux")
    if os.geteuid() != 0:
        return skip("not root (needs root to install and start sshd, munge and Slurm)")
    if not shutil.which("apt-get"):
        return skip("no apt-get (needs a Debian/Ubuntu machine)")
    try:
        info = setup()
    except SetupError as exc:
        print(f"[system] FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    except OSError as exc:
        print(f"[system] FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    say(
        f"ready: head sshd 127.0.0.1:{info['head']['port']}, "  # type: ignore[index]
        f"bastion 127.0.0.1:{info['bastion']['port']}, user {USER}; "  # type: ignore[index]
        f"described in {INFO_FILE}"
    )
    say(f"try: SLURM_CONF={SLURM_CONF} sinfo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
