"""The HyperPod tab's sbatch editor when the SSH link stalls mid-submit (real sshd and
Slurm from tests/system/setup.py, our throttling relay in between): one clear line, the
editor keeps everything typed and stays usable, and the retry makes exactly one job."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from console.remote.base import Result
from console.remote.ssh import SshTransport
from screens.hyperpod.jobs import SlurmLogScreen
from screens.hyperpod.panes import NodesPane
from screens.hyperpod.sbatch import SbatchScreen
from screens.hyperpod.tables import NodesTable
from screens.kit.confirm import ConfirmDialog
from tests.support.slow_link import SlowLink, slow_link
from tests.system.support import System
from tests.tui.conftest import make_app, notifications
from tests.tui.conftest import wait_until as _wait_until

WAIT = 60.0
# The bastion's ConnectTimeout here, and what a loaded machine may add to one connect
# attempt (thread and socket scheduling; measured under 6 CPU burners, load 9-13: 1.06-1.24 s
# for a silent bastion, at most 0.11 s for a refusing one). Their sum stays under the wait
# it rules out: paramiko's 15 s banner wait.
CONNECT_TIMEOUT = 1.0
SLACK = 10.0
PARAMIKO_BANNER_WAIT = 15.0


async def wait_until(pilot: Any, predicate: Any, *, what: str) -> None:
    await _wait_until(pilot, predicate, timeout=WAIT, what=what)


@pytest.fixture
def remote_dir(system: System) -> Iterator[str]:
    with system.scratch_dir("tui-stall") as directory:
        yield directory


def jobs_named(system: System, name: str) -> list[str]:
    """Job ids with this name (finished ones too), read as root beside the cluster."""
    done = subprocess.run(
        ["squeue", "-h", "-t", "all", "-n", name, "-o", "%i"],
        env={**os.environ, "SLURM_CONF": system.slurm_conf},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.split()


class StallAtTheWrapper:
    """Stalls ``link`` right after the channel for the submit wrapper opens, so its exec
    request gets no answer (the moment a frozen bastion hurts most). A trigger around our
    transport's own methods; everything else runs for real."""

    def __init__(self, link: SlowLink, monkeypatch: pytest.MonkeyPatch) -> None:
        self.link = link
        self.armed = True
        self.stalls = 0
        self._next_channel = False
        run, open_channel = SshTransport.run, SshTransport._open_channel
        trigger = self

        def patched_run(self: SshTransport, argv: Sequence[str], **kwargs: Any) -> Result:
            if trigger.armed and list(argv[:2]) == ["sh", "-c"] and "sbatch" in argv:
                trigger.armed = False
                trigger._next_channel = True
            return run(self, argv, **kwargs)

        def patched_open(self: SshTransport) -> Any:
            channel = open_channel(self)
            if trigger._next_channel:
                trigger._next_channel = False
                trigger.stalls += 1
                trigger.link.stall()
            return channel

        monkeypatch.setattr(SshTransport, "run", patched_run)
        monkeypatch.setattr(SshTransport, "_open_channel", patched_open)


async def test_a_stall_mid_submit_keeps_the_editor_and_makes_one_job(
    system: System, tmp_path: Path, remote_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_name = f"stall-{uuid.uuid4().hex[:8]}"
    ssh_config = Path(os.environ["HOME"]) / ".ssh" / "config"
    ssh_config.parent.mkdir(mode=0o700, exist_ok=True)
    ssh_config.write_text("Host 127.0.0.1\n  ConnectTimeout 1\n")  # bounds every dead wait
    with slow_link(system.head.port, latency=0.02) as link:
        known_hosts = tmp_path / "known_hosts"
        known_hosts.write_text(system.head.known_hosts_line(f"[127.0.0.1]:{link.port}"))
        app = make_app(
            ssh={
                "transport": "ssh",
                "host": "127.0.0.1",
                "port": link.port,
                "user": system.user,
                "identity_file": system.key,
                "known_hosts": str(known_hosts),
                "remote_dir": remote_dir,
            },
            poll={"slurm": 30},
        )
        trigger = StallAtTheWrapper(link, monkeypatch)
        script = (
            f"#!/bin/bash\n#SBATCH --job-name={job_name}\n#SBATCH --cpus-per-task=1\n"
            "#SBATCH --time=5\ntrue\n"
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("5", "I")
            nodes = app.main_screen.query_one("#hp-nodes-table", NodesTable)
            await wait_until(pilot, lambda: "localhost" in nodes.items, what="sinfo")
            await pilot.press("b")
            editor = app.screen
            assert isinstance(editor, SbatchScreen)
            area = editor.query_one(TextArea)
            area.load_text(script)
            area.move_cursor(area.document.end)
            await pilot.press(*"echo typed")  # typed by hand, must survive
            typed = script + "echo typed"
            assert area.text == typed

            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: "no-checkpoint" in editor.lint_text, what="lint")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
            await pilot.press("y")
            await wait_until(
                pilot, lambda: "outcome is unknown" in editor.lint_text, what="the one line"
            )
            assert trigger.stalls == 1 and app.screen is editor
            assert area.text == typed  # nothing lost
            await wait_until(  # the notification may land a frame after the status line
                pilot,
                lambda: any("outcome is unknown" in n for n in notifications(app)),
                what="the notification",
            )
            errors = [n for n in notifications(app) if "outcome is unknown" in n]
            assert len(errors) == 1 and "\n" not in errors[0]
            await pilot.press(*" more")  # the editor still takes keys
            assert area.text == typed + " more"
            assert jobs_named(system, job_name) == []  # the stalled request never arrived

            # The link comes back (as a new connection: the stalled one is gone for good).
            link.cut()
            link.resume()
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: "no-checkpoint" in editor.lint_text, what="relint")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
            await pilot.press("y")
            await wait_until(
                pilot, lambda: isinstance(app.screen, SlurmLogScreen), what="submitted"
            )
            log_screen = app.screen
            assert isinstance(log_screen, SlurmLogScreen)
            assert jobs_named(system, job_name) == [log_screen.source.name]  # exactly one


class ConnectAttempts:
    """How long each connect of the SSH transport took (timed around our own method):
    the bound is on the connect, not on mounting the tab and its first poll."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.took: list[float] = []
        connect_chain = SshTransport._connect_chain
        attempts = self

        def timed(self: SshTransport) -> None:
            started = time.monotonic()
            try:
                connect_chain(self)
            finally:
                attempts.took.append(time.monotonic() - started)

        monkeypatch.setattr(SshTransport, "_connect_chain", timed)


@pytest.mark.parametrize("bastion", ["refusing", "hung"])
async def test_the_bastion_down_is_one_line_and_the_tab_keeps_working(
    system: System, tmp_path: Path, bastion: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ProxyJump to a bastion that refuses, or accepts and says nothing: the nodes pane
    says why in one line, each connect ending within the connect timeout (not paramiko's
    15 s banner wait), keys keep working, and it recovers nothing it should not (no
    dialog, no host key written)."""
    assert CONNECT_TIMEOUT + SLACK < PARAMIKO_BANNER_WAIT
    attempts = ConnectAttempts(monkeypatch)
    ssh_config = Path(os.environ["HOME"]) / ".ssh" / "config"
    ssh_config.parent.mkdir(mode=0o700, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if bastion == "hung":
            listener = stack.enter_context(socket.socket())
            listener.bind(("127.0.0.1", 0))
            listener.listen(8)
            port = int(listener.getsockname()[1])
            expected = f"did not answer as an SSH server within {CONNECT_TIMEOUT:g} s"
        else:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = int(probe.getsockname()[1])
            expected = "connection refused"
        ssh_config.write_text(
            f"Host bastion\n  HostName 127.0.0.1\n  Port {port}\n  User {system.user}\n"
            f"  ConnectTimeout {CONNECT_TIMEOUT:g}\n"
        )
        known_hosts = tmp_path / "known_hosts"
        known_hosts.write_text(system.head.known_hosts_line())
        app = make_app(
            ssh={
                "transport": "ssh",
                "host": "127.0.0.1",
                "port": system.head.port,
                "user": system.user,
                "identity_file": system.key,
                "known_hosts": str(known_hosts),
                "jump": "bastion",
            },
            poll={"slurm": 0.5},
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("5", "I")
            pane = app.main_screen.query_one(NodesPane)
            await wait_until(
                pilot,
                lambda: pane.snapshot is not None and pane.snapshot.slurm_error is not None,
                what="the Slurm error",
            )
            assert attempts.took and max(attempts.took) < CONNECT_TIMEOUT + SLACK, attempts.took
            assert pane.snapshot is not None and pane.snapshot.slurm_error is not None
            message = pane.snapshot.slurm_error.message
            assert f"127.0.0.1:{port}" in message and expected in message
            assert "\n" not in pane.snapshot.slurm_error.one_line()
            await pilot.press("1")  # keys still work while Slurm is down
            assert app.main_screen.query_one("#jobs-table").display
            assert not isinstance(app.screen, ConfirmDialog)
            assert not [n for n in notifications(app) if "Traceback" in n]
        assert known_hosts.read_text() == system.head.known_hosts_line()
