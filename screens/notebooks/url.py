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

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.errors import SmError, translate
from screens.kit.host import console_host
from screens.kit.key_order import focus_now
from screens.kit.plain import notify

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.notebooks import NotebookSummary

CLIPBOARD_HINT = "copied to your clipboard (OSC 52; in tmux: set -g set-clipboard on)"


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


@dataclass
class LinkResolved(Message):
    generation: int
    name: str
    link: NotebookLink | None = None
    error: SmError | None = None


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
        host = console_host(self)
        generation, context, name = host.generation, host.context, self.notebook.name

        def work() -> None:
            try:
                link = resolve_link(context, name)
            except Exception as exc:
                self.post_message(LinkResolved(generation, name, error=translate(exc)))
            else:
                self.post_message(LinkResolved(generation, name, link))

        self.run_worker(work, name="notebook url", thread=True, exit_on_error=False)

    @on(LinkResolved)
    def _resolved(self, message: LinkResolved) -> None:
        message.stop()
        if message.generation != console_host(self).generation:
            return
        if message.error is not None or message.link is None:
            text = message.error.one_line() if message.error else "no URL"
            self.query_one("#notebook-url", Static).update(Content(text))
            notify(self, text, severity="error", title=f"open {message.name}")
            return
        self.link = message.link
        self.query_one("#notebook-url", Static).update(Content(message.link.url))
        notes = [message.link.note]
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
