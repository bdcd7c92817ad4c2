"""The sbatch editor: a template, the linter's findings, then a confirmed submission.

``f2`` template, ``f3`` file name, ``f4`` back to the script (the editor keeps ``tab``
for indenting). ``ctrl+l`` lints against the cluster's partitions; ``ctrl+s`` lints
again and submits only when there are no errors (warnings are shown first and need a
second ``ctrl+s``), after the one confirm dialog, through the core's at-most-once submit.
A refused submission shows Slurm's own error here and the script stays as typed; leaving
the editor (``escape``) keeps the draft for next time. The script is only ever uploaded
as a file: nothing typed here reaches a shell.

Templates name the cluster's default partition, read from Slurm in a worker when the
editor opens; an untouched template is filled in once it is known, typed text never is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Select, Static, TextArea

from console.errors import SmError, translate
from console.slurm.lint import read_directives
from console.slurm.templates import TEMPLATES, render
from screens.kit.confirm import ConfirmDialog, refused_read_only
from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import TextEditor, TextInput, focus_now
from screens.kit.plain import notify

if TYPE_CHECKING:
    from console.slurm.client import SubmitResult
    from console.slurm.lint import LintIssue
    from console.slurm.session import SlurmSession


@dataclass(frozen=True)
class SbatchOutcome:
    """What the editor hands back: the text as it was (always) and the job, if submitted."""

    text: str
    name: str
    submitted: SubmitResult | None = None


@dataclass
class LintFinished(Message):
    text: str
    issues: list[LintIssue] | None
    error: SmError | None
    then_submit: bool


@dataclass
class DefaultPartition(Message):
    name: str


@dataclass
class SubmitFinished(Message):
    result: SubmitResult | None
    error: SmError | None


def editor_language() -> str | None:
    """bash highlighting when this Textual has the tree-sitter grammar, else plain text."""
    try:
        return "bash" if "bash" in TextEditor().available_languages else None
    except Exception:  # pragma: no cover - an older/odd Textual: plain text still works
        return None


class SbatchScreen(Screen[SbatchOutcome]):
    """Write, lint and submit one sbatch script."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", priority=True, id="sbatch.submit"),
        Binding("ctrl+l", "lint", "Lint", priority=True, id="sbatch.lint"),
        Binding("escape", "close", "Back (keeps the draft)", priority=True, id="sbatch.close"),
        # The editor takes tab (it indents): these reach the other fields by keyboard.
        Binding("f2", "focus_field('sbatch-template')", "Template", id="sbatch.template"),
        Binding("f3", "focus_field('sbatch-name')", "File name", id="sbatch.name"),
        Binding("f4", "focus_field('sbatch-editor')", "Editor", id="sbatch.editor"),
    ]

    def __init__(
        self,
        session: SlurmSession,
        *,
        draft: str | None = None,
        name: str = "",
        partition: str = "",
    ) -> None:
        super().__init__()
        self.session = session
        self.partition = partition
        self._template_key = "single"
        self._template_text = render("single", partition=partition)
        self.initial = draft if draft is not None else self._template_text
        self.initial_name = name
        self.issues: list[LintIssue] | None = None
        self._acknowledged: str | None = None  # text whose warnings were shown
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static(
            Content(f"New Slurm job · {self.session.label} · ctrl+s submit · ctrl+l lint"),
            id="sbatch-title",
        )
        with Horizontal(id="sbatch-bar"):
            yield Select(
                [(t.title, t.key) for t in TEMPLATES],
                prompt="Template",
                allow_blank=True,
                id="sbatch-template",
            )
            yield TextInput(
                value=self.initial_name or self._default_name(self.initial),
                placeholder="job file name",
                id="sbatch-name",
            )
        yield TextEditor.code_editor(
            self.initial, language=editor_language(), id="sbatch-editor", soft_wrap=False
        )
        yield Static("", id="sbatch-lint")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.editor)
        if not self.partition:
            session = self.session

            def work() -> None:
                try:
                    name = session.client().default_partition()
                except Exception:  # the lint and the submit say what is wrong, in context
                    return
                if name:
                    self.post_message(DefaultPartition(name))

            self.run_worker(
                work,
                name="sbatch-partition",
                group="sbatch-partition",
                thread=True,
                exit_on_error=False,
            )

    @on(DefaultPartition)
    def _default_partition(self, message: DefaultPartition) -> None:
        self.partition = message.name
        text = render(self._template_key, partition=message.name)
        if self.editor.text == self._template_text:  # untouched: fill the partition in
            self.editor.load_text(text)
        self._template_text = text

    def action_focus_field(self, widget_id: str) -> None:
        focus_now(self.query_one(f"#{widget_id}"))

    @property
    def editor(self) -> TextArea:
        return self.query_one("#sbatch-editor", TextArea)

    @property
    def job_file_name(self) -> str:
        return self.query_one("#sbatch-name", Input).value.strip() or "job.sbatch"

    @staticmethod
    def _default_name(text: str) -> str:
        name = read_directives(text).options.get("job-name", "")
        return f"{name or 'job'}.sbatch"

    # --- templates ----------------------------------------------------------------------------
    @on(Select.Changed, "#sbatch-template")
    def _template_chosen(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        key = event.value
        text = render(key, partition=self.partition)

        def apply() -> None:
            self._template_key = key
            self._template_text = text
            self.editor.load_text(text)
            self.query_one("#sbatch-name", Input).value = self._default_name(text)
            self._show([], "")

        if self.editor.text in (self._template_text, ""):
            apply()
        else:
            dialog = ConfirmDialog(
                "Replace the script?",
                "The template replaces what you typed in the editor.",
                change=None,  # the local draft only
                confirm_label="Replace",
            )
            self.app.push_screen(dialog, lambda yes: apply() if yes else None)

    # --- lint ---------------------------------------------------------------------------------
    def action_lint(self) -> None:
        self._lint(then_submit=False)

    def _lint(self, *, then_submit: bool) -> None:
        if self.busy:
            return
        self.busy = True
        text, session = self.editor.text, self.session
        self._show(None, "linting…")

        def work() -> None:
            try:
                issues = session.client().lint(text)
            except Exception as exc:
                self.post_message(LintFinished(text, None, translate(exc), then_submit))
            else:
                self.post_message(LintFinished(text, issues, None, then_submit))

        self.run_worker(work, name="sbatch-lint", group="sbatch", thread=True, exit_on_error=False)

    @on(LintFinished)
    def _linted(self, message: LintFinished) -> None:
        self.busy = False
        if message.error is not None:
            self._show(None, f"lint failed: {message.error.one_line()}", error=True)
            return
        issues = message.issues or []
        self.issues = issues
        if message.text != self.editor.text:
            self._show(issues, "the script changed while linting: lint again (ctrl+l)")
            return
        errors = [i for i in issues if i.severity == "error"]
        if not message.then_submit:
            self._show(issues, "" if issues else "no findings")
            return
        if errors:
            self._show(issues, f"{len(errors)} error(s): fix them before submitting", error=True)
            return
        if issues and self._acknowledged != message.text:
            self._acknowledged = message.text
            self._show(issues, "warnings: ctrl+s again submits anyway")
            return
        self._confirm_submit(message.text)

    def _show(self, issues: list[LintIssue] | None, note: str, *, error: bool = False) -> None:
        # The verdict first: at 80x24 the findings of a bad script overflow the box, and
        # "4 error(s): fix them" under them was cut off (the #19 walkthrough).
        lines = [note] if note else []
        for issue in issues or []:
            where = f"line {issue.line}: " if issue.line else ""
            lines.append(f"{issue.severity}: {where}{issue.message} [{issue.code}]")
        box = self.query_one("#sbatch-lint", Static)
        box.set_class(error, "-error")
        box.update(Content("\n".join(lines)))

    @property
    def lint_text(self) -> str:
        return str(self.query_one("#sbatch-lint", Static).content)

    # --- submit -------------------------------------------------------------------------------
    def action_submit(self) -> None:
        name = self.job_file_name
        if refused_read_only(self, "slurm-submit", name):
            return
        self._lint(then_submit=True)

    def _confirm_submit(self, text: str) -> None:
        name = self.job_file_name
        dialog = ConfirmDialog(
            "Submit this job?",
            f"{name} is uploaded to {self.session.remote_dir} on {self.session.label} "
            "and submitted with sbatch.",
            change=("slurm-submit", name),
            confirm_label="Submit",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._submit(text, name)
            else:
                notify(self, "submit: cancelled", timeout=3)

        self.app.push_screen(dialog, answered)

    def _submit(self, text: str, name: str) -> None:
        self.busy = True
        session = self.session
        self._show(self.issues, "submitting…")

        def work() -> None:
            try:
                result = session.client().submit(text, name=name)
            except Exception as exc:
                self.post_message(SubmitFinished(None, translate(exc)))
            else:
                self.post_message(SubmitFinished(result, None))

        self.run_worker(
            work, name="sbatch-submit", group="sbatch", thread=True, exit_on_error=False
        )

    @on(SubmitFinished)
    def _submitted(self, message: SubmitFinished) -> None:
        self.busy = False
        if message.error is not None or message.result is None:
            error = message.error or SmError("the submission failed")
            self._show(self.issues, f"submit failed: {error.one_line()}", error=True)
            notify(self, error.one_line(), severity="error", title="sbatch")
            return
        notify(self, f"submitted batch job {message.result.job_id}", title="sbatch")
        self.dismiss(SbatchOutcome(self.editor.text, self.job_file_name, message.result))

    def action_close(self) -> None:
        self.dismiss(SbatchOutcome(self.editor.text, self.job_file_name))
