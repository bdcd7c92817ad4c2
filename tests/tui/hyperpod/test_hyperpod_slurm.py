"""The HyperPod tab against the real test Slurm over SSH (tests/system/setup.py): the
unknown host key dialog, then submit from the editor, the log, the queue, scancel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from screens.hyperpod.jobs import SlurmLogScreen
from screens.hyperpod.panes import NodesPane
from screens.hyperpod.sbatch import SbatchScreen
from screens.hyperpod.tables import NodesTable, QueueTable
from screens.kit.confirm import ConfirmDialog
from tests.system.support import System
from tests.tui.conftest import make_app, notifications
from tests.tui.conftest import wait_until as _wait_until

WAIT = 60.0  # other workers' jobs may hold the test cluster's two CPUs for a while


async def wait_until(pilot: Any, predicate: Any, *, what: str) -> None:
    await _wait_until(pilot, predicate, timeout=WAIT, what=what)


@pytest.fixture
def remote_dir(system: System) -> Iterator[str]:
    """Where the editor uploads scripts (in the test user's home), removed afterwards."""
    with system.scratch_dir("tui") as directory:
        yield directory


def via_bastion(system: System) -> str:
    """The ``jump`` setting through the test bastion, as an operator's would be."""
    return f"{system.user}@127.0.0.1:{system.bastion.port}"


def app_for(
    system: System,
    known_hosts: Path,
    remote_dir: str = "~/e2e/tui",
    user: str = "",
    **ssh: str,
) -> Any:
    """The app on the real test Slurm; ``ssh`` adds [ssh] settings (jump, nvidia_smi…)."""
    return make_app(
        ssh={
            "transport": "ssh",
            "host": "127.0.0.1",
            "port": system.head.port,
            "user": user or system.user,
            "identity_file": system.key,
            "known_hosts": str(known_hosts),
            "remote_dir": remote_dir,
            **ssh,
        },
        poll={"slurm": 0.5},
    )


async def test_unknown_key_submit_queue_log_cancel(
    system: System, tmp_path: Path, cleanup: list[str], remote_dir: str
) -> None:
    known_hosts = tmp_path / "known_hosts"  # empty: the head node's key is unknown
    app = app_for(system, known_hosts, remote_dir)
    output = f"{system.home}/{remote_dir[2:]}/%j.out"  # the upload directory exists by then
    script = (
        "#!/bin/bash\n#SBATCH --job-name=tui-e2e\n#SBATCH --cpus-per-task=1\n"
        f"#SBATCH --time=5\n#SBATCH --output={output}\n"
        "for i in $(seq 1 600); do echo tick $i; sleep 0.2; done\n"
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5", "I")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="key dialog")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "SHA256:" in dialog.message and "ssh-ed25519" in dialog.message
        await pilot.press("y")
        nodes = app.main_screen.query_one("#hp-nodes-table", NodesTable)
        await wait_until(pilot, lambda: "localhost" in nodes.items, what="sinfo over ssh")
        assert system.head.host_key in known_hosts.read_text()

        await pilot.press("b")
        editor = app.screen
        assert isinstance(editor, SbatchScreen)
        # the template names the cluster's default partition (debug here, not "gpu")
        area = editor.query_one(TextArea)
        partition = f"#SBATCH --partition={system.default_partition}\n"
        await wait_until(pilot, lambda: partition in area.text, what="the default partition")
        area.load_text(script)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "no-checkpoint" in editor.lint_text, what="a warning")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, SlurmLogScreen), what="the log")
        log_screen = app.screen
        assert isinstance(log_screen, SlurmLogScreen)
        job_id = log_screen.source.name
        cleanup.append(job_id)
        view = log_screen.panel.view
        await wait_until(
            pilot,
            lambda: any(view.buffer.line(i).text == "tick 3" for i in range(len(view.buffer))),
            what="live lines",
        )
        await pilot.press("q")

        await pilot.press("j")
        queue = app.main_screen.query_one("#hp-queue-table", QueueTable)
        await wait_until(pilot, lambda: job_id in queue.items, what="the job in the queue")
        assert queue.items[job_id].name == "tui-e2e"
        queue.move_cursor(row=queue.get_row_index(job_id))
        await pilot.press("ctrl+k")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await wait_until(
            pilot, lambda: queue.items[job_id].state == "CANCELLED", what="cancelled in squeue"
        )


async def test_a_changed_host_key_is_refused_without_a_dialog(
    system: System, tmp_path: Path
) -> None:
    known_hosts = tmp_path / "known_hosts"  # the bastion's key under the head's name
    known_hosts.write_text(system.bastion.known_hosts_line(f"[127.0.0.1]:{system.head.port}"))
    app = app_for(system, known_hosts)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5", "I")
        await wait_until(
            pilot,
            lambda: any("CHANGED" in n for n in notifications(app)),
            what="the changed-key warning",
        )
        pane = app.main_screen.query_one(NodesPane)
        seen = pane.snapshot
        # a later poll fails the same way: still one warning
        await wait_until(pilot, lambda: pane.snapshot is not seen, what="another poll")
        assert pane.snapshot is not None and pane.snapshot.slurm_error is not None
        assert sum("CHANGED" in n for n in notifications(app)) == 1
        assert not isinstance(app.screen, ConfirmDialog)
        assert known_hosts.read_text().count("\n") == 1  # nothing was written
