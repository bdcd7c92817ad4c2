"""Open a notebook: get its URL, show it, and copy it to the clipboard (OSC 52).

Operators often sit on a bastion with no browser, so "open" means: a presigned Jupyter
URL (CreatePresignedNotebookInstanceUrl; it logs in by itself and expires in minutes)
where the API gives one, else the AWS console page of the instance. The URL is shown
and copied with OSC 52, which reaches the operator's own clipboard through SSH (in tmux
it needs ``set -g set-clipboard on``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.errors import SmError
from screens.kit.formatting import CLIPBOARD_HINT
from screens.kit.key_order import focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.notebooks import NotebookSummary


@dataclass(frozen=True)
class NotebookLink:
    """Where to open a notebook, and whether that URL logs in by itself."""

    url: str
    presigned: bool
    note: str = ""


def resolve_link(context: ConsoleContext, name: str) -> NotebookLink:
    """The presigned URL, or the console URL with the reason (runs in a worker thread)."""
    notebooks = context.notebooks
    try:
        url = notebooks.presigned_url(name)
    except SmError as exc:
        return NotebookLink(
            notebooks.console_url(name),
            presigned=False,
            note=f"no presigned URL ({exc.message}): this is the AWS console page",
        )
    return NotebookLink(url, presigned=True, note="presigned: opens Jupyter, expires in minutes")


class NotebookUrlScreen(ModalScreen[None]):
    """Shows (and copies) the URL of one notebook instance."""

    BINDINGS = [
        Binding("c", "copy", "Copy again", id="notebook_url.copy"),
        Binding("q", "close", "Close", id="notebook_url.close"),
        Binding("escape,enter,ctrl+c", "close", "Close", show=False, id="notebook_url.close_alt"),
    ]

    def __init__(self, notebook: NotebookSummary) -> None:
        super().__init__()
        self.notebook = notebook
        self.link: NotebookLink | None = None

    def compose(self) -> ComposeResult:
        notebook = self.notebook
        with Vertical(id="notebook-url-box"):
            yield Label(Content(f"Open {notebook.name}"), id="notebook-url-title")
            yield Static(
                Content(f"{notebook.status} · {notebook.instance_type}"), id="notebook-url-state"
            )
            yield Static(Content("getting a presigned URL…"), id="notebook-url")
            yield Static(Content(""), id="notebook-url-note")
            yield Static(Content("c copy again · q close"), id="notebook-url-keys")

    def on_mount(self) -> None:
        focus_now(self.query_one("#notebook-url-box"))
        name = self.notebook.name
        run_for_context(
            self,
            lambda context: resolve_link(context, name),
            done=self._resolved,
            failed=lambda error: self._unresolved(error.one_line()),
            name="notebook url",
            exclusive=False,
        )

    def _unresolved(self, text: str) -> None:
        self.query_one("#notebook-url", Static).update(Content(text))
        notify(self, text, severity="error", title=f"open {self.notebook.name}")

    def _resolved(self, link: NotebookLink) -> None:
        self.link = link
        self.query_one("#notebook-url", Static).update(Content(link.url))
        notes = [link.note]
        if self.notebook.status != "InService":
            notes.append(f"the instance is {self.notebook.status}: start it (t) to use Jupyter")
        self.query_one("#notebook-url-note", Static).update(Content("\n".join(notes)))
        self.action_copy()

    def action_copy(self) -> None:
        if self.link is None:
            notify(self, "no URL yet", severity="warning", timeout=2)
            return
        self.app.copy_to_clipboard(self.link.url)
        notify(self, CLIPBOARD_HINT, title=self.notebook.name, timeout=4)

    def action_close(self) -> None:
        self.dismiss(None)
