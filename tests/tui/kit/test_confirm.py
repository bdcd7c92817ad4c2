"""The one confirm dialog: Cancel by default, explicit keys, typed-name mode, and a
declined change audited once through the gate."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.app import App
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from console.audit import AuditLog
from console.aws.session import AwsContext
from console.gate import MutationGate
from screens.kit.confirm import ConfirmDialog
from screens.kit.footer import ConsoleFooter


class DialogApp(App[None]):
    def __init__(self, dialog: ConfirmDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[bool | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def plain() -> ConfirmDialog:
    return ConfirmDialog(
        "Stop training job?", "stop llama-ft?", change=None, confirm_label="Stop job"
    )


async def test_cancel_is_focused_so_enter_cancels() -> None:
    app = DialogApp(plain())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [False]


async def test_y_confirms() -> None:
    app = DialogApp(plain())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.results == [True]


@pytest.mark.parametrize("key", ["n", "q", "escape", "ctrl+c"])
async def test_cancel_keys(key: str) -> None:
    app = DialogApp(plain())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
    assert app.results == [False]


async def test_tab_to_confirm_then_enter() -> None:
    app = DialogApp(plain())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("right")
        assert app.focused is not None and app.focused.id == "confirm"
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [True]


async def test_typed_name_mode_needs_the_exact_name() -> None:
    dialog = ConfirmDialog(
        "Delete endpoint?",
        "delete prod-ep",
        change=None,
        confirm_label="Delete",
        typed_name="prod-ep",
    )
    app = DialogApp(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        confirm = dialog.query_one("#confirm", Button)
        assert confirm.disabled
        await pilot.press("y")  # just a letter in the name input here
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []  # wrong name: still open
        await pilot.press("backspace")
        await pilot.press(*"prod-ep")
        assert not confirm.disabled
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [True]


async def test_typed_name_mode_ctrl_c_cancels() -> None:
    dialog = ConfirmDialog("Delete?", "delete x", change=None, typed_name="x")
    app = DialogApp(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.results == [False]


async def test_fits_at_80x24() -> None:
    app = DialogApp(plain())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        box = app.screen.query_one("#confirm-box")
        assert box.region.width <= 80 and box.region.height <= 24
        assert app.screen.query_one("#confirm", Button).region.width > 0


def with_comment() -> ConfirmDialog:
    return ConfirmDialog(
        "Approve churn/3?",
        "churn/3: Pending → Approved",
        change=None,
        confirm_label="Approve",
        comment="Why:",
    )


async def test_comment_mode_letters_type_and_enter_only_reaches_the_button() -> None:
    dialog = with_comment()
    app = DialogApp(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "confirm-comment"
        await pilot.press("y", "e", "s", "n", "q")  # letters, not shortcuts
        assert app.results == []
        await pilot.press("enter")
        assert app.results == [] and app.focused is not None and app.focused.id == "confirm"
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [True]
    assert dialog.comment == "yesnq"


async def test_comment_mode_cancel_forgets_the_comment() -> None:
    dialog = with_comment()
    app = DialogApp(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("o", "k", "ctrl+c")
        await pilot.pause()
    assert app.results == [False]
    assert dialog.comment == ""


def footer_keys(app: App[None]) -> list[tuple[str, str]]:
    """The (key, description) pairs of the footer on the dialog, in order."""
    return [(key.key_display, key.description) for key in app.screen.query(FooterKey)]


async def test_the_footer_shows_the_dialogs_own_keys() -> None:
    """Under a dialog the footer said the keys of the screen below it (``l Logs``...)."""
    app = DialogApp(plain())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = footer_keys(app)
        assert keys[:2] == [("y", "Confirm"), ("n/esc", "Cancel")]
        footer = app.screen.query_one(ConsoleFooter)
        assert footer.region.y == 23 and footer.screen is app.screen  # the dialog's own


async def test_while_typing_the_footer_says_esc() -> None:
    """In a field ``y`` and ``n`` are letters: the footer shows ``esc`` for cancel."""
    app = DialogApp(ConfirmDialog("Delete?", "delete x", change=None, typed_name="x"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = footer_keys(app)
        assert ("esc", "Cancel") in keys and ("y", "Confirm") not in keys
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [False]
    app = DialogApp(with_comment())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = footer_keys(app)
        assert ("esc", "Cancel") in keys and ("n/esc", "Cancel") not in keys
        await pilot.press("n", "enter")  # a letter, then to the confirm button
        await pilot.pause()
        assert footer_keys(app)[:2] == [("y", "Confirm"), ("n/esc", "Cancel")]
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [False]


class GatedApp(DialogApp):
    """A host app with a real gate writing a real audit log (what the console has)."""

    def __init__(self, dialog: ConfirmDialog, audit: AuditLog) -> None:
        super().__init__(dialog)
        gate = MutationGate(audit, AwsContext("p", "r"), source="tui")
        self.context = SimpleNamespace(gate=gate)
        self.generation = 0
        self.jobs_snapshot = None


def guarded() -> ConfirmDialog:
    return ConfirmDialog(
        "Stop?", "stop llama-ft?", change=("training-stop", "llama-ft"), confirm_label="Stop"
    )


@pytest.mark.parametrize("keys", [("n",), ("escape",), ("ctrl+c",), ("enter",), ("n", "q")])
async def test_declining_a_change_audits_one_refusal(tmp_path: Path, keys: tuple[str]) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    app = GatedApp(guarded(), audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
    assert app.results == [False]
    records = list(audit.records(intents=True))
    assert [(r.action, r.target, r.outcome, r.source) for r in records] == [
        ("training-stop", "llama-ft", "refused", "tui")
    ]
    assert "not confirmed" in records[0].detail


async def test_confirming_a_change_audits_nothing_itself(tmp_path: Path) -> None:
    """The dialog only audits a decline; a confirmed change is audited by the gate's run."""
    audit = AuditLog(tmp_path / "audit.jsonl")
    app = GatedApp(guarded(), audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.results == [True]
    assert list(audit.records(intents=True)) == []


async def test_a_decline_with_an_unwritable_audit_log_says_so(tmp_path: Path) -> None:
    (tmp_path / "audit.jsonl").mkdir()  # a directory where the log should be
    app = GatedApp(guarded(), AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
    assert app.results == [False]
    assert any("cannot write the audit log" in m for m in messages), messages
