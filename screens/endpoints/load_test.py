"""The invoke load test of the endpoint detail (issue 16; k9s "benchmarks"): a small form,
one confirm, a run with live progress, then p50/p95/p99 and errors per variant.

Opened with ``B`` on the endpoint detail, only after the gate said yes (read-only refuses
before the form opens). The form asks for the number of requests, the rate, the target
(the whole endpoint, split by its weights, or one variant), the payload (text, or
``@path`` to read a file) and its content type; every field is checked as typed with the
service's own check (:func:`console.services.bench.bench_request`: no AWS call).

``ctrl+s`` asks through the one confirm dialog (``change=("endpoint-bench", name)``,
which says that invocations can cost money), then the CLI's core
(:func:`console.services.bench.run_bench`: one gated ``endpoint-bench`` change, audited
with the counts, never the payload) runs in a thread worker. The worker only stores its
progress; a timer on the UI thread shows it (a run at 1,000 requests/s must not post a
thousand messages a second). ``esc`` while it runs stops it: no further request is sent,
and the result covers the requests sent. ``esc`` again goes back. Closing the screen stops
a run too.
"""

from __future__ import annotations

import textwrap
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static

from console.errors import SmError, ValidationError
from console.sanitize import clean
from screens.kit.confirm import ConfirmDialog
from screens.kit.footer import ConsoleFooter
from screens.kit.key_order import TextInput, focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from textual.timer import Timer

    from console.services.bench import BenchProgress, BenchResult
    from console.services.endpoints import Endpoint

WHOLE_ENDPOINT = ""
DEFAULT_PAYLOAD = '{"instances": [[1.0, 2.0]]}'
DEFAULT_TYPE = "application/json"
# Seconds between two redraws of the progress line while a run goes.
PROGRESS_SECONDS = 0.25
# Width of the variant column in the result (longer names are cut with an ellipsis).
VARIANT_WIDTH = 22
# Lines of each variant's first error shown in the result.
ERROR_LINES = 3


@dataclass(frozen=True)
class LoadTestPlan:
    """A checked load test: what the confirm dialog names and the worker sends."""

    endpoint: str
    requests: int
    rate: float
    variant: str | None
    content_type: str
    body: str
    from_file: str  # the path read ("" when typed)

    @property
    def target(self) -> str:
        return f"variant {self.variant}" if self.variant else "the whole endpoint (by weight)"

    @property
    def seconds(self) -> float:
        return self.requests / self.rate

    def summary(self) -> str:
        where = f"from {self.from_file}" if self.from_file else "typed"
        size = len(self.body.encode("utf-8"))
        return (
            f"Send {self.requests} requests to {self.target} at {self.rate:g}/s "
            f"(about {_duration(self.seconds)}); payload {size} bytes {where}, "
            f"{self.content_type}."
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"
    return f"{seconds / 60:.0f} min"


def plan_load_test(
    endpoint: str,
    requests: str,
    rate: str,
    variant: str | None,
    content_type: str,
    payload: str,
) -> LoadTestPlan:
    """The form's fields as a plan, checked as the service checks them (raises
    :class:`ValidationError`). ``@path`` reads the payload from a file."""
    from console.services.bench import bench_request, read_payload_file

    try:
        count = int(requests.strip())
    except ValueError:
        raise ValidationError(
            f"requests must be a whole number, got {requests!r}", "e.g. 100"
        ) from None
    try:
        per_second = float(rate.strip())
    except ValueError:
        raise ValidationError(f"rate must be a number, got {rate!r}", "e.g. 10") from None
    text, from_file = payload, ""
    if payload.startswith("@"):
        from_file = payload[1:].strip()
        text = read_payload_file(from_file)
    ctype = content_type.strip() or DEFAULT_TYPE
    request = bench_request(
        endpoint, text, requests=count, rate=per_second, variant=variant, content_type=ctype
    )
    return LoadTestPlan(
        endpoint, count, per_second, variant, request["ContentType"], text, from_file
    )


def progress_line(progress: BenchProgress, *, running: bool) -> str:
    """``sent 45/100 · ok 43 · errors 2`` and what ``esc`` does now."""
    line = f"sent {progress.sent}/{progress.total} · ok {progress.ok} · errors {progress.errors}"
    return f"{line} · esc stops" if running else line


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def result_text(result: BenchResult, *, width: int = 78) -> str:
    """The result panel: a headline, one row per variant, each variant's first error.

    Plain text (no markup, no colour needed): the variant names and error messages are
    remote text, already inert (console/sanitize.py) when the service built the result.
    """
    state = (
        f"stopped after {result.sent} of {result.requests}"
        if result.stopped
        else f"{result.sent} requests"
    )
    errors = sum(v.errors for v in result.variants)
    lines = [
        f"{clean(result.endpoint)}: {state} in {result.seconds:.1f} s "
        f"at {result.rate:g}/s · {errors} error{'' if errors == 1 else 's'}",
        "",
        f"{'Variant':<{VARIANT_WIDTH}} {'Sent':>6} {'Errors':>6} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
    ]
    for v in result.variants:
        name = "? (no variant named)" if v.variant == "?" else v.variant
        lines.append(
            f"{_cut(name, VARIANT_WIDTH):<{VARIANT_WIDTH}} {v.requests:>6} {v.errors:>6} "
            f"{_ms(v.p50_ms):>8} {_ms(v.p95_ms):>8} {_ms(v.p99_ms):>8}"
        )
    if not result.variants:
        lines.append("no request was sent")
    failed = [v for v in result.variants if v.first_error]
    if failed:
        lines.append("")
    for v in failed:
        # The first error says why (a model's message can be long): wrapped, at most
        # ERROR_LINES lines.
        wrapped = textwrap.wrap(
            f"{v.variant}: {clean(v.first_error)}", max(20, width), subsequent_indent="  "
        )
        if len(wrapped) > ERROR_LINES:
            wrapped = [*wrapped[: ERROR_LINES - 1], _cut(wrapped[ERROR_LINES - 1], width - 1) + "…"]
        lines += wrapped
    return "\n".join(lines)


class LoadTestScreen(Screen[None]):
    """Load-test one endpoint: the form, then the run and its result under it."""

    DEFAULT_CSS = """
    #lt-title {
        dock: top; height: 1; padding: 0 1; background: $panel; color: $primary;
        text-style: bold;
    }
    #lt-form {
        grid-size: 2; grid-columns: 14 1fr; grid-gutter: 0 1; grid-rows: 1;
        height: auto; margin: 1 1 0 1;
    }
    #lt-form Label { color: $text-muted; }
    #lt-check { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    #lt-check.-invalid { color: $text-error; text-style: bold; }
    #lt-progress { height: 1; padding: 0 1; color: $text-warning; }
    #lt-run { height: 1fr; margin: 0 1; border-left: vkey $primary 50%; padding: 0 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "send", "Start", id="load_test.send"),
        Binding("escape,ctrl+g", "cancel", "Stop / back", id="load_test.cancel"),
    ]

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.plan: LoadTestPlan | None = None
        self.error = ""  # why the fields do not make a load test ("" when they do)
        self.running = False
        self.progress: BenchProgress | None = None  # written by the worker thread
        self.result: BenchResult | None = None
        self.failure: SmError | None = None
        self._stop: threading.Event | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        name = self.endpoint.name
        yield Static(
            Content(f"Load test {name} · invocations can cost money · audited (counts only)"),
            id="lt-title",
        )
        with Grid(id="lt-form"):
            yield Label("Requests")
            yield TextInput("100", compact=True, id="lt-requests")
            yield Label("Rate (req/s)")
            yield TextInput("10", compact=True, id="lt-rate")
            yield Label("Target")
            options = [(Content("whole endpoint (by weight)"), WHOLE_ENDPOINT)] + [
                (Content(f"variant {v.name}"), v.name) for v in self.endpoint.variants
            ]
            yield Select(
                options, value=WHOLE_ENDPOINT, allow_blank=False, compact=True, id="lt-variant"
            )
            yield Label("Content type")
            yield TextInput(DEFAULT_TYPE, compact=True, id="lt-type")
            yield Label("Payload")
            yield TextInput(
                DEFAULT_PAYLOAD,
                placeholder="JSON text, or @path/to/file",
                compact=True,
                id="lt-payload",
            )
        yield Static(Content(""), id="lt-check")
        yield Static(Content("not started: ctrl+s reviews, then asks"), id="lt-progress")
        with VerticalScroll(id="lt-run"):
            yield Static(Content(""), id="lt-result")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#lt-requests", Input))
        self._check()

    def on_unmount(self) -> None:
        if self._stop is not None:
            self._stop.set()  # the screen went away: its run sends nothing more

    # --- checking -----------------------------------------------------------------------
    def _fields(self) -> tuple[str, str, str | None, str, str]:
        variant = self.query_one("#lt-variant", Select).value
        return (
            self.query_one("#lt-requests", Input).value,
            self.query_one("#lt-rate", Input).value,
            variant if isinstance(variant, str) and variant else None,
            self.query_one("#lt-type", Input).value,
            self.query_one("#lt-payload", Input).value,
        )

    def _check(self) -> LoadTestPlan | None:
        """Plan from the fields; the line under the form says the plan or what is wrong."""
        line = self.query_one("#lt-check", Static)
        payload = self._fields()[4]
        try:
            if payload.startswith("@"):  # a file is read when the run is reviewed
                self.plan, self.error = None, ""
                line.update(Content(f"payload read from {payload[1:]} at ctrl+s"))
                line.set_class(False, "-invalid")
                return None
            plan = plan_load_test(self.endpoint.name, *self._fields())
        except ValidationError as exc:
            self.plan, self.error = None, exc.one_line()
            line.update(Content(self.error))
            line.set_class(True, "-invalid")
            return None
        self.plan, self.error = plan, ""
        line.update(Content(plan.summary()))
        line.set_class(False, "-invalid")
        return plan

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self) -> None:
        self._check()

    # --- actions ------------------------------------------------------------------------
    def action_send(self) -> None:
        """Review the plan (a file payload is read now), then ask through the confirm."""
        if self.running:
            notify(self, "a load test is running: esc stops it", severity="warning", timeout=3)
            return
        try:
            plan = plan_load_test(self.endpoint.name, *self._fields())
        except ValidationError as exc:
            self._check()
            notify(self, exc.one_line(), severity="error", title="not sent")
            return
        name = plan.endpoint
        dialog = ConfirmDialog(
            f"Load-test {name}?",
            f"{plan.summary()}\n\nInvocations can cost money: serverless endpoints bill "
            "each request and its compute time; instance endpoints take the load on "
            "instances already billed (and may scale out). Live callers share the endpoint "
            "meanwhile. A failed request is counted, never resent; esc stops the run.",
            change=("endpoint-bench", name),
            confirm_label="Send requests",
        )

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._start(plan)
            else:
                notify(self, f"load test of {name}: cancelled", timeout=3)

        self.app.push_screen(dialog, answered)

    def _start(self, plan: LoadTestPlan) -> None:
        from console.services.bench import BenchProgress, run_bench

        stop = self._stop = threading.Event()
        self.running, self.result, self.failure = True, None, None
        self.progress = BenchProgress(total=plan.requests)
        self.query_one("#lt-result", Static).update(Content(""))
        self.query_one("#lt-form").disabled = True
        self._show_progress()
        self._timer = self.set_interval(PROGRESS_SECONDS, self._show_progress)

        def store(progress: BenchProgress) -> None:
            self.progress = progress  # one reference swap: read by the UI thread's timer

        run_for_context(
            self,
            lambda context: run_bench(
                context.endpoints,
                plan.endpoint,
                plan.body,
                requests=plan.requests,
                rate=plan.rate,
                variant=plan.variant,
                content_type=plan.content_type,
                progress=store,
                stop=stop,
            ),
            done=self._finished,
            failed=self._failed,
            name=f"load-test {plan.endpoint}",
            group="load-test",
        )

    def _show_progress(self) -> None:
        if self.progress is not None:
            text = progress_line(self.progress, running=self.running)
            if self._stop is not None and self._stop.is_set() and self.running:
                text = text.replace("esc stops", "stopping…")
            self.query_one("#lt-progress", Static).update(Content(text))

    def _ended(self) -> None:
        self.running = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.query_one("#lt-form").disabled = False

    def _finished(self, result: BenchResult) -> None:
        from console.services.bench import BenchProgress

        self._ended()
        self.result = result
        errors = sum(v.errors for v in result.variants)
        self.progress = BenchProgress(result.requests, result.sent, result.sent - errors, errors)
        self._show_progress()
        width = max(40, self.query_one("#lt-run").content_size.width)
        self.query_one("#lt-result", Static).update(Content(result_text(result, width=width)))
        notify(
            self,
            f"{result.sent} sent, {errors} error{'' if errors == 1 else 's'}"
            + (" (stopped)" if result.stopped else ""),
            severity="warning" if errors else "information",
            title=f"load test of {result.endpoint}",
        )

    def _failed(self, error: SmError) -> None:
        """Nothing was sent (read-only, the audit log, a check): one line, as everywhere."""
        self._ended()
        self.failure = error
        self.query_one("#lt-progress", Static).update(Content(f"not run: {error.one_line()}"))
        notify(self, error.one_line(), severity="error", title=f"load test of {self.endpoint.name}")

    def action_cancel(self) -> None:
        """``esc``: stop a running test (no more requests), else go back."""
        if self.running and self._stop is not None:
            if not self._stop.is_set():
                self._stop.set()
                notify(self, "stopping: no further request is sent", timeout=3)
            self._show_progress()
            return
        self.dismiss(None)
