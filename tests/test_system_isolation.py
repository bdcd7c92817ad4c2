"""The test cluster is its own: it never uses or changes a Slurm, munge or MariaDB that
``tests/system/setup.py`` did not start (a developer may run the suite on a cluster's
login node). Checked on the running set-up: the ports, sockets, data directory and
database its daemons really use, read from their configs and command lines."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.system import setup as system_setup
from tests.system.support import INFO_FILE, SCRATCH, System

SLURM_DEFAULTS = {6817, 6818, 6819}


def _conf(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


def _cmdline(pid_file: Path) -> list[str]:
    pid = int(pid_file.read_text().split()[0])
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def test_slurm_listens_on_its_own_ports_and_authenticates_with_its_own_munge(
    system: System,
) -> None:
    info = json.loads(INFO_FILE.read_text())
    ports = info["ports"]
    assert not SLURM_DEFAULTS & set(ports.values()), ports
    assert len(set(ports.values())) == len(ports), ports
    slurm = _conf(Path(system.slurm_conf))
    dbd = _conf(Path(system.slurm_conf).with_name("slurmdbd.conf"))
    munge = info["munge_socket"]
    assert munge.startswith(str(SCRATCH))
    assert int(slurm["SlurmctldPort"]) == ports["slurmctld"]
    assert int(slurm["SlurmdPort"]) == ports["slurmd"]
    assert int(slurm["AccountingStoragePort"]) == ports["slurmdbd"] == int(dbd["DbdPort"])
    # Both ends of every Slurm connection use our munged, never /run/munge's.
    assert slurm["AuthInfo"] == dbd["AuthInfo"] == f"socket={munge}"
    assert slurm["AccountingStoragePass"] == munge
    assert f"--socket={munge}" in _cmdline(SCRATCH / "munge" / "munged.pid")
    for key in ("StateSaveLocation", "SlurmdSpoolDir", "SlurmctldPidFile", "SlurmdPidFile"):
        assert slurm[key].startswith(str(SCRATCH)), key


def test_accounting_lives_in_a_database_server_of_its_own(system: System) -> None:
    info = json.loads(INFO_FILE.read_text())
    dbd = _conf(Path(system.slurm_conf).with_name("slurmdbd.conf"))
    assert dbd["StorageHost"] == "127.0.0.1"
    assert int(dbd["StoragePort"]) == info["ports"]["mariadb"]
    argv = _cmdline(system_setup.DB_PID)
    assert argv[1] == "--no-defaults"  # the machine's my.cnf plays no part
    assert f"--datadir={SCRATCH / 'mysql' / 'data'}" in argv
    assert f"--port={info['ports']['mariadb']}" in argv
    assert "--bind-address=127.0.0.1" in argv
    # Every statement setup.py sends goes to our socket, never the machine's default one.
    client = system_setup.db_client("mariadb")
    assert client[1] == "--no-defaults" and f"--socket={system_setup.DB_SOCKET}" in client


def test_a_port_is_never_slurms_default_nor_one_taken_by_another_program() -> None:
    for default in SLURM_DEFAULTS:
        assert system_setup.our_port(default, ours_running=True) not in SLURM_DEFAULTS
    taken = system_setup.free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", taken))
        other.listen()
        assert system_setup.our_port(taken, ours_running=False) != taken
        assert system_setup.our_port(taken, ours_running=True) == taken
