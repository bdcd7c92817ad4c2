"""The invoke panel: a JSON payload editor, a target variant, and the answer with timing.

The payload is checked with :func:`console.validate.json_payload` while typing and again
before sending: a bad payload is explained (line and column) and nothing is sent. The
request runs in a thread worker through the service (gated and audited: the audit keeps
the payload's size, never its content). Payloads sent are remembered in memory only, per
endpoint (``ctrl+r`` steps back through them); they may hold customer data, so they never
touch the disk.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Label, Select, Static, TextArea

from console import validate
from console.errors import SmError, ValidationError
from console.sanitize import clean_block
from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import TextEditor, focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.services.endpoints import Endpoint, InvocationResult

CONTENT_TYPE = "application/json"
DEFAULT_PAYLOAD = '{\n  "inputs": ""\n}'
HISTORY_LIMIT = 10
# Live checking re-parses on every keystroke: skip it for very large payloads.
LIVE_CHECK_LIMIT = 256 * 1024
# The most of a response body shown on screen.
SHOWN_BODY_LIMIT = 64 * 1024
ANY_VARIANT = ""


class PayloadHistory:
    """Payloads sent per endpoint, newest first, at most :data:`HISTORY_LIMIT` each."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self._by_endpoint: dict[str, list[str]] = {}

    def remember(self, endpoint: str, payload: str) -> None:
        payloads = [p for p in self._by_endpoint.get(endpoint, []) if p != payload]
        self._by_endpoint[endpoint] = [payload, *payloads][: self.limit]

    def recent(self, endpoint: str) -> Sequence[str]:
        return tuple(self._by_endpoint.get(endpoint, ()))


def describe_answer(result: InvocationResult) -> str:
    """The headline of an answer: variant, latency, type, size."""
    parts = [
        f"variant {result.invoked_variant or '?'}",
        f"{result.latency_ms:.1f} ms",
        result.content_type or "no content type",
        f"{len(result.body)} bytes",
    ]
    if result.custom_attributes:
        parts.append(f"attributes {result.custom_attributes}")
    return " · ".join(parts)


def answer_body(result: InvocationResult) -> str:
    """The body as the operator wants to read it: JSON indented, text as is, else a note."""
    text = result.text
    if text is None:
        return f"({len(result.body)} bytes of binary data, not shown)"
    with contextlib.suppress(ValueError):
        # Re-made inert: JSON's \u escapes decode to controls (U+202E, ESC) again.
        text = clean_block(json.dumps(json.loads(text), indent=2, ensure_ascii=False))
    if len(text) > SHOWN_BODY_LIMIT:
        return text[:SHOWN_BODY_LIMIT] + f"\n… ({len(text) - SHOWN_BODY_LIMIT} more characters)"
    return text


class InvokeScreen(Screen[None]):
    """Send test requests to one endpoint."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="invoke.send"),
        Binding("ctrl+r", "previous", "Previous payload", id="invoke.previous"),
        Binding("ctrl+f", "format", "Format JSON", id="invoke.format"),
        Binding("ctrl+g,escape", "close", "Back", id="invoke.close"),
    ]

    def __init__(self, endpoint: Endpoint, history: PayloadHistory) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.history = history
        self.sending = False
        self.result: InvocationResult | None = None
        self.error: SmError | None = None
        self._history_index = 0

    def compose(self) -> ComposeResult:
        name = self.endpoint.name
        yield Static(
            Content(f"Invoke {name} · {CONTENT_TYPE} · audited (size only)"), id="invoke-title"
        )
        with Horizontal(id="invoke-target"):
            yield Label("Target variant ")
            options = [(Content("any (by weight)"), ANY_VARIANT)] + [
                (Content(v.name), v.name) for v in self.endpoint.variants
            ]
            yield Select(
                options, value=ANY_VARIANT, allow_blank=False, compact=True, id="invoke-variant"
            )
        recent = self.history.recent(name)
        yield TextEditor(recent[0] if recent else DEFAULT_PAYLOAD, id="invoke-payload")
        yield Static(Content(""), id="invoke-check")
        yield Static(Content("Response"), classes="section-title", id="invoke-response-title")
        with VerticalScroll(id="invoke-response"):
            yield Static(
                Content("nothing sent yet: ctrl+s sends the payload"), id="invoke-response-body"
            )
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.payload)
        self._check(live=True)

    @property
    def payload(self) -> TextArea:
        return self.query_one("#invoke-payload", TextArea)

    @property
    def target_variant(self) -> str | None:
        value = self.query_one("#invoke-variant", Select).value
        return value if isinstance(value, str) and value else None

    # --- checking -------------------------------------------------------------------------
    def _check(self, *, live: bool = False) -> object:
        """Parse the payload; show the outcome under the editor. Raises ValidationError."""
        text = self.payload.text
        line = self.query_one("#invoke-check", Static)
        if live and len(text) > LIVE_CHECK_LIMIT:
            line.update(Content(f"{len(text.encode())} bytes (checked when sent)"))
            line.set_class(False, "-invalid")
            return None
        try:
            value = validate.json_payload(text)
        except ValidationError as exc:
            line.update(Content(exc.one_line()))
            line.set_class(True, "-invalid")
            raise
        line.update(Content(f"valid JSON · {len(text.encode())} bytes"))
        line.set_class(False, "-invalid")
        return value

    @on(TextArea.Changed, "#invoke-payload")
    def _edited(self) -> None:
        with contextlib.suppress(ValidationError):
            self._check(live=True)

    # --- actions ----------------------------------------------------------------------------
    def action_send(self) -> None:
        try:
            self._check()
        except ValidationError as exc:
            notify(self, exc.one_line(), severity="error", title="not sent")
            return
        if self.sending:
            notify(self, "still waiting for the last answer", severity="warning", timeout=3)
            return
        name, text, target = self.endpoint.name, self.payload.text, self.target_variant
        self.history.remember(name, text)
        self._history_index = 0
        self.sending = True
        self._show_response(Content(f"sending to {target or 'any variant'}…"))
        run_for_context(
            self,
            lambda context: context.endpoints.invoke(
                name, text, content_type=CONTENT_TYPE, target_variant=target
            ),
            done=self._answered,
            failed=lambda error: self._failed(name, error),
            name=f"invoke {name}",
            group="invoke",
            exclusive=False,
        )

    def _failed(self, endpoint: str, error: SmError) -> None:
        self.sending = False
        self.error, self.result = error, None
        self.query_one("#invoke-response-title", Static).update(Content("Response: failed"))
        self._show_response(Content(error.one_line()), failed=True)
        notify(self, error.one_line(), severity="error", title=f"invoke {endpoint}")

    def _answered(self, result: InvocationResult) -> None:
        self.sending = False
        self.error, self.result = None, result
        title = self.query_one("#invoke-response-title", Static)
        title.update(Content(f"Response: {describe_answer(result)}"))
        self._show_response(Content(answer_body(result)))

    def _show_response(self, content: Content, *, failed: bool = False) -> None:
        body = self.query_one("#invoke-response-body", Static)
        body.update(content)
        body.set_class(failed, "failure")

    def action_previous(self) -> None:
        recent = self.history.recent(self.endpoint.name)
        if not recent:
            notify(self, "no payload sent to this endpoint yet", timeout=3)
            return
        # The editor shows recent[0] after a send: step to the one before it, wrapping.
        self._history_index = (self._history_index + 1) % len(recent)
        if recent[self._history_index] == self.payload.text and len(recent) > 1:
            self._history_index = (self._history_index + 1) % len(recent)
        self.payload.load_text(recent[self._history_index])
        notify(self, f"payload {self._history_index + 1}/{len(recent)} sent earlier", timeout=2)

    def action_format(self) -> None:
        try:
            value = self._check()
        except ValidationError as exc:
            notify(self, exc.one_line(), severity="error", title="cannot format")
            return
        self.payload.load_text(json.dumps(value, indent=2, ensure_ascii=False))

    def action_close(self) -> None:
        self.dismiss(None)
