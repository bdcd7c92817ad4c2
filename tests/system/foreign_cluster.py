#!/usr/bin/env python3
"""Bring up a Slurm the way a cluster's login node has one, to prove setup.py leaves it be.

``tests/system/setup.py`` must never disturb a Slurm, munge or MariaDB it did not start.
This script plays the machine's own: munged on /run/munge with /etc/munge/munge.key,
MariaDB with the distribution's defaults (/var/lib/mysql, /run/mysqld, 127.0.0.1:3306),
and a cluster ``foreign`` in /etc/slurm on Slurm's default ports 6817-6819 with accounting.
Run it (root, Debian) before setup.py, then ``check`` afterwards: the foreign cluster
still answers, its accounting database knows only itself, and its database password
still works.

    python3 tests/system/foreign_cluster.py up
    python3 tests/system/setup.py && python3 .ci/dev.py test
    python3 tests/system/foreign_cluster.py check

Stdlib only. Not used by the suite: it changes machine-wide paths (/etc/slurm, /run/munge,
/var/lib/mysql), which only a throw-away machine should let it do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

CLUSTER = "foreign"
PASSWORD = "foreign-db-password"  # what the foreign slurmdbd uses; must still work after
ETC = Path("/etc/slurm")
STATE = Path("/var/spool/slurm-foreign")


def run(*argv: str, check: bool = True, input: str | None = None) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, input=input, check=False)
    if check and done.returncode:
        sys.exit(f"{' '.join(argv)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def wait(what: str, probe: list[str], needle: str = "") -> None:
    for _ in range(300):
        done = subprocess.run(probe, capture_output=True, text=True, check=False)
        if done.returncode == 0 and needle in done.stdout:
            return
        time.sleep(0.1)
    sys.exit(f"{what} did not come up")


def up() -> None:
    for path, owner in ((Path("/run/munge"), "munge"), (Path("/run/mysqld"), "mysql")):
        path.mkdir(parents=True, exist_ok=True)
        shutil.chown(path, owner, owner)
    if not Path("/etc/munge/munge.key").exists():
        run("mungekey", "-c")
        shutil.chown("/etc/munge/munge.key", "munge", "munge")
    if run("munge", "-n", check=False) == "":
        run("runuser", "-u", "munge", "--", "/usr/sbin/munged", "--force")
    wait("munge", ["munge", "-n"])
    if not Path("/var/lib/mysql/mysql").exists():
        run("mariadb-install-db", "--user=mysql", "--datadir=/var/lib/mysql")
    if subprocess.run(["mariadb-admin", "ping"], capture_output=True, check=False).returncode:
        log = open("/var/log/foreign-mariadb.log", "ab")  # noqa: SIM115 - the daemon keeps it
        subprocess.Popen(
            ["/usr/sbin/mariadbd", "--user=mysql"], stdout=log, stderr=log, start_new_session=True
        )
    wait("mariadb", ["mariadb-admin", "ping"])
    run(
        "mariadb",
        "-u",
        "root",
        input=(
            f"CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '{PASSWORD}';"
            "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
            "CREATE DATABASE IF NOT EXISTS slurm_acct_db;"
        ),
    )
    for sub in ("state", "spool", "log"):
        (STATE / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(STATE / sub, "slurm", "slurm")
    ETC.mkdir(exist_ok=True)
    (ETC / "slurmdbd.conf").write_text(
        f"AuthType=auth/munge\nDbdHost=localhost\nSlurmUser=slurm\n"
        f"LogFile={STATE}/log/slurmdbd.log\nPidFile=/run/slurmdbd.pid\n"
        "StorageType=accounting_storage/mysql\nStorageHost=localhost\nStorageUser=slurm\n"
        f"StoragePass={PASSWORD}\nStorageLoc=slurm_acct_db\n"
    )
    os.chmod(ETC / "slurmdbd.conf", 0o600)
    shutil.chown(ETC / "slurmdbd.conf", "slurm", "slurm")
    node = run("slurmd", "-C").splitlines()[0].split()
    fields = [f for f in node if not f.startswith(("NodeName=", "UpTime=", "RealMemory="))]
    (ETC / "slurm.conf").write_text(
        f"ClusterName={CLUSTER}\nSlurmctldHost=localhost\nSlurmUser=slurm\n"
        "AuthType=auth/munge\nCommunicationParameters=NoInAddrAny\n"
        f"StateSaveLocation={STATE}/state\nSlurmdSpoolDir={STATE}/spool\n"
        f"SlurmctldLogFile={STATE}/log/slurmctld.log\nSlurmdLogFile={STATE}/log/slurmd.log\n"
        "SlurmctldPidFile=/run/slurmctld.pid\nSlurmdPidFile=/run/slurmd.pid\n"
        "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
        "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nReturnToService=2\n"
        "MailProg=/bin/true\nAccountingStorageType=accounting_storage/slurmdbd\n"
        f"NodeName=localhost NodeAddr=127.0.0.1 RealMemory=1024 {' '.join(fields)}\n"
        "PartitionName=main Nodes=localhost Default=YES State=UP\n"
    )
    run("slurmdbd")
    wait("slurmdbd", ["sacctmgr", "-n", "show", "cluster"])
    if CLUSTER not in run("sacctmgr", "-n", "-P", "show", "cluster", "format=cluster"):
        run("sacctmgr", "-i", "add", "cluster", CLUSTER)
    run("slurmctld")
    wait("slurmctld", ["scontrol", "ping"], "is UP")
    run("slurmd")
    print("foreign cluster up on 6817-6819, munge /run/munge, MariaDB /var/lib/mysql")


def check() -> int:
    problems = []
    if "is UP" not in run("scontrol", "ping", check=False):
        problems.append("the foreign slurmctld does not answer")
    clusters = run("sacctmgr", "-n", "-P", "show", "cluster", "format=cluster", check=False)
    if clusters.split() != [CLUSTER]:
        problems.append(f"the foreign accounting database lists clusters {clusters.split()}")
    login = subprocess.run(
        ["mariadb", "-u", "slurm", f"-p{PASSWORD}", "-e", "SELECT 1"],
        capture_output=True,
        check=False,
    )
    if login.returncode:
        problems.append("the foreign database's slurm password no longer works")
    if run("munge", "-n", check=False) == "":
        problems.append("the machine's munged (/run/munge) does not answer")
    for problem in problems:
        print(f"FOREIGN CLUSTER DISTURBED: {problem}")
    if not problems:
        print("foreign cluster untouched: slurmctld up, accounting and munge as they were")
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "up":
        up()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
