"""The lifecycle dialogs: what each says and asks, no dialog for a busy node, hostile
text from Slurm shown inert."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from textual.app import App
from textual.widgets import Static

from console.audit import AuditLog
from console.aws.session import AwsContext
from console.gate import MutationGate
from console.services.hyperpod_lifecycle import NodeSlurmState, ScalePlan
from screens.hyperpod.lifecycle import (
    delete_node_dialog,
    delete_refusal,
    scale_dialog,
    update_software_dialog,
)
from screens.kit.confirm import ConfirmDialog
from tests.support.hostile import HOSTILE_SHORT, assert_inert_output


class DialogApp(App[None]):
    """A host with a real gate and audit log (a declined change is audited)."""

    def __init__(self, dialog: ConfirmDialog, audit: AuditLog) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[bool | None] = []
        self.context = SimpleNamespace(gate=MutationGate(audit, AwsContext("p", "r")))
        self.generation = 0
        self.jobs_snapshot = None

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def node(slurm_state: str, *, known: bool = True, name: str = "ip-10-1-2-3") -> NodeSlurmState:
    return NodeSlurmState("i-0abc", "workers", "Running", name, slurm_state, known)


def test_dialogs_name_their_change_and_ask_for_names_when_destructive() -> None:
    grow = scale_dialog(ScalePlan("hp-1", "workers", 2, 2, 4))
    assert grow.change == ("hyperpod-scale", "hp-1") and grow.typed_name is None
    shrink = scale_dialog(ScalePlan("hp-1", "workers", 4, 4, 1))
    assert shrink.typed_name == "workers" and "jobs on them are killed" in shrink.message
    software = update_software_dialog("hp-2")
    assert software.change == ("hyperpod-update-software", "hp-2")
    assert software.typed_name == "hp-2"
    idle = delete_node_dialog("hp-1", node("IDLE"))
    assert idle is not None and idle.typed_name == "i-0abc"
    assert idle.change == ("hyperpod-delete-nodes", "hp-1")
    assert "Slurm: ip-10-1-2-3 IDLE" in idle.message


def test_no_dialog_for_a_node_running_jobs_or_an_unseen_one() -> None:
    for busy in ("ALLOCATED", "MIXED+DRAIN"):
        assert delete_node_dialog("hp-1", node(busy)) is None
        assert "runs Slurm jobs" in (delete_refusal(node(busy)) or "")
    unseen = node("", known=False)
    assert delete_node_dialog("hp-1", unseen) is None
    assert "cannot be seen" in (delete_refusal(unseen) or "")
    assert delete_refusal(node("")) is None  # an instance Slurm does not know


async def test_hostile_slurm_text_is_inert_in_the_dialog(tmp_path: Path) -> None:
    dialog = delete_node_dialog("hp-1", node("IDLE", name="n" + HOSTILE_SHORT))
    assert dialog is not None
    audit = AuditLog(tmp_path / "audit.jsonl")
    app = DialogApp(dialog, audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "Delete HyperPod node?" in shown
        assert_inert_output(shown)
        await pilot.press("escape")  # typed-name mode: "n" would be typed
        await pilot.pause()
    assert app.results == [False]
    assert [(r.action, r.outcome) for r in audit.records()] == [
        ("hyperpod-delete-nodes", "refused")
    ]
