"""The one mutation gate: read-only mode, audit and error translation in one place.

Every service method that changes something calls :meth:`MutationGate.run`. The session
factory refuses mutating AWS calls made outside it (``UngatedMutationError``), so a new
service cannot forget the gate without its tests failing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from console.audit import AuditLog, AuditRecord, now_iso, redact
from console.aws.session import AwsContext, gate_scope
from console.errors import ConflictError, ReadOnlyError, ResponseLostError, SmError, translate

T = TypeVar("T")


class MutationGate:
    def __init__(
        self,
        audit: AuditLog,
        context: AwsContext,
        *,
        read_only: bool = False,
        caller: Callable[[], str] | None = None,
        source: str = "cli",
    ) -> None:
        self.audit = audit
        self.context = context
        self.read_only = read_only
        self.source = source
        self._caller_fn = caller
        self._caller: str | None = None
        self._lock = threading.Lock()

    def caller(self) -> str:
        """The caller ARN, looked up once (an STS call) and cached; never raises."""
        with self._lock:
            if self._caller is None:
                try:
                    self._caller = self._caller_fn() if self._caller_fn else "unknown"
                except Exception:
                    return "unknown"
            return self._caller

    def check(self, action: str, target: str) -> None:
        """Refuse early in read-only mode (before asking for confirmation)."""
        if self.read_only:
            raise ReadOnlyError(
                f"read-only mode: {action} {target} refused",
                "start without --read-only (or set read_only = false) to make changes",
            )

    def run(
        self,
        action: str,
        target: str,
        params: Mapping[str, Any] | None,
        fn: Callable[[], T],
        *,
        reconcile: Callable[[], bool | None] | None = None,
    ) -> T:
        """Run ``fn`` as the mutation ``action`` on ``target``; audit the outcome.

        Errors are translated to :class:`SmError` (one line for the operator) after the
        failure is recorded, so the audit log holds the real outcome.

        If the answer is lost on the way back (:class:`ResponseLostError`: the change may
        have happened), ``reconcile`` reads the state back — True: it took effect, False:
        it did not, None: cannot tell — and that is what is returned and audited. The
        change is never sent a second time behind the operator's back.
        """
        params = dict(params or {})
        try:
            self.check(action, target)
        except ReadOnlyError as exc:
            self._write(action, target, params, "refused", exc.message)
            raise
        try:
            with gate_scope():
                result = fn()
        except ResponseLostError as lost:
            # Confirmed applied: the call's own result is gone; callers get None.
            return cast(T, self._reconciled(action, target, params, lost, reconcile))
        except Exception as exc:
            error: SmError = translate(
                exc, profile=self.context.profile, local_endpoint=bool(self.context.endpoint_url)
            )
            self._write(action, target, params, "error", error.message)
            if error is exc:
                raise
            raise error from exc
        self._write(action, target, params, "ok", "")
        return result

    def _reconciled(
        self,
        action: str,
        target: str,
        params: dict[str, Any],
        lost: ResponseLostError,
        reconcile: Callable[[], bool | None] | None,
    ) -> Any:
        """Settle a mutation whose answer was lost by reading the state back."""
        verdict: bool | None = None
        if reconcile is not None:
            try:
                verdict = reconcile()
            except Exception:
                verdict = None  # the read failed too: say we cannot tell
        if verdict is True:
            self._write(action, target, params, "ok", "answer lost; confirmed by reading back")
            return None
        if verdict is False:
            detail = "answer lost; reading back shows it did not take effect"
            self._write(action, target, params, "error", detail)
            raise ConflictError(
                f"{action} {target}: the connection dropped and the change did not take "
                "effect (nothing was sent again)",
                "check the network, then try again",
            ) from lost
        self._write(action, target, params, "unknown", "answer lost; state could not be read")
        raise lost

    def _write(
        self, action: str, target: str, params: dict[str, Any], outcome: str, detail: str
    ) -> None:
        self.audit.write(
            AuditRecord(
                time=now_iso(),
                caller=self.caller() if outcome != "refused" else "",
                profile=self.context.profile,
                region=self.context.region,
                action=action,
                target=target,
                params=redact(params),
                outcome=outcome,
                detail=str(redact(detail)),
                source=self.source,
            )
        )
