"""Start, stop and retry a pipeline execution: one path for every Pipelines screen.

Each is refused up front in read-only mode (:meth:`TableView.gate_allows`), checked
against the state shown (a finished execution is not stopped; only a failed one is
retried), confirmed in the one confirm dialog and run in a worker through the gated
service, which reads the state again before sending. Start first reads the pipeline's
declared parameters (a worker) and shows the form with their defaults.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.services.pipelines import RETRYABLE, STOPPABLE
from screens.kit.confirm import ConfirmDialog
from screens.kit.host import console_host
from screens.kit.plain import notify
from screens.kit.table_view import TableView
from screens.kit.work import run_for_context
from screens.pipelines.start_form import StartExecutionForm

if TYPE_CHECKING:
    from console.errors import SmError
    from console.services.pipelines import PipelineParameter


def execution_label(arn: str) -> str:
    """``PIPELINE/ID``: an execution ARN short enough for a dialog line."""
    parts = arn.split(":", 5)[-1].split("/")
    return f"{parts[1]}/{parts[-1]}" if len(parts) == 4 else arn


class PipelineActions(TableView):
    """The actions of the Pipelines screens (the subclass says what is selected)."""

    def start_pipeline(self, pipeline: str) -> None:
        if not self.gate_allows("pipeline-execution-start", pipeline):
            return

        def read(declared: tuple[PipelineParameter, ...]) -> None:
            # Asked the gate above (read-only never reaches the form), then the form.
            form = StartExecutionForm(pipeline, declared)
            self.app.push_screen(form, lambda values: self._filled(pipeline, declared, values))

        def failed(error: SmError) -> None:
            notify(self, error.one_line(), severity="error", title="parameters not read")

        run_for_context(
            self,
            lambda context: context.pipelines.parameters(pipeline),
            done=read,
            failed=failed,
            name="pipeline-parameters",
        )

    def _filled(
        self,
        pipeline: str,
        declared: tuple[PipelineParameter, ...],
        values: dict[str, str] | None,
    ) -> None:
        """The form closed: confirm what it would send (the changed values), then send."""
        if values is None:
            notify(self, f"start {pipeline}: cancelled", timeout=3)
            return
        given = ", ".join(f"{k}={v}" for k, v in values.items())
        rest = " and the defaults for the rest" if given and len(values) < len(declared) else ""
        dialog = ConfirmDialog(
            "Start pipeline execution?",
            f"{pipeline} runs its steps (and the jobs they create, billed while they run) "
            f"with {given or 'the declared defaults'}{rest}.",
            change=("pipeline-execution-start", pipeline),
            confirm_label="Start",
        )
        self.ask(dialog, lambda: self._start(pipeline, values), what=f"start {pipeline}")

    def _start(self, pipeline: str, values: dict[str, str]) -> None:
        service = console_host(self).context.pipelines

        def done(arn: Any) -> None:
            notify(self, f"started {execution_label(str(arn))}", title="execution started")

        self.run_change(
            f"start {pipeline}", lambda: service.start_execution(pipeline, values), done
        )

    def stop_execution(self, arn: str, status: str) -> None:
        self._execution_change(
            "stop",
            arn,
            status,
            STOPPABLE,
            "{label} stops: its running step's job is stopped, the steps after it never "
            "run. Retry (R) starts it again from the failed or stopped step.",
        )

    def retry_execution(self, arn: str, status: str) -> None:
        self._execution_change(
            "retry",
            arn,
            status,
            RETRYABLE,
            "{label} runs again from its failed step, with the same parameters; the steps "
            "that succeeded are not run again.",
        )

    def _execution_change(
        self, verb: str, arn: str, status: str, allowed: frozenset[str], text: str
    ) -> None:
        """Refused in read-only mode, then checked against the state shown, then asked."""
        action = f"pipeline-execution-{verb}"
        if not self.gate_allows(action, arn):
            return
        label = execution_label(arn)
        if status not in allowed:
            states = "/".join(sorted(allowed))
            notify(
                self,
                f"execution {label} is {status}: only {states} executions can be "
                f"{'stopped' if verb == 'stop' else 'retried'}",
                severity="warning",
            )
            return
        dialog = ConfirmDialog(
            f"{verb.capitalize()} pipeline execution?",
            text.format(label=label),
            change=(action, arn),
            confirm_label=verb.capitalize(),
        )
        self.ask(dialog, lambda: self._run(verb, arn), what=f"{verb} {label}")

    def _run(self, verb: str, arn: str) -> None:
        service = console_host(self).context.pipelines
        work = service.stop_execution if verb == "stop" else service.retry_execution
        label = execution_label(arn)
        done_text = "stopping" if verb == "stop" else "running again"

        def done(_none: Any) -> None:
            notify(self, f"execution {label} is {done_text}", title=f"{verb} requested")

        self.run_change(f"{verb} {label}", lambda: work(arn), done)
