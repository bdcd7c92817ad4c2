"""The one mutation gate: read-only mode, audit and error translation in one place.

Every service method that changes something calls :meth:`MutationGate.run`. The session
factory refuses mutating AWS calls made outside it (``UngatedMutationError``), so a new
service cannot forget the gate without its tests failing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar, cast

from console.audit import INTENT, AuditLog, AuditRecord, now_iso
from console.aws.readback import reader_for
from console.aws.session import AwsContext, gate_scope, last_sent
from console.errors import (
    ConflictError,
    NotSupportedError,
    ReadOnlyError,
    ResponseLostError,
    SmError,
    UnreadableAnswerError,
    translate,
)

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

    def precheck(self, action: str, target: str) -> None:
        """:meth:`check`, and a ``refused`` audit record when it refuses (the CLI's early
        refusal, before confirming: audited like a refusal inside :meth:`run`)."""
        try:
            self.check(action, target)
        except ReadOnlyError as exc:
            self.refused(action, target, exc)
            raise

    def refused(self, action: str, target: str, error: SmError) -> None:
        """Audit a mutation refused before anything was sent (read-only, not confirmed)."""
        self._write(action, target, {}, "refused", error.message)

    def run(
        self,
        action: str,
        target: str,
        params: Mapping[str, Any] | None,
        fn: Callable[[], T],
        *,
        reconcile: Callable[[], bool | None] | None = None,
    ) -> T:
        """Run ``fn`` as the mutation ``action`` on ``target``; audit intent and outcome.

        The order is fixed: read-only check, an ``intent`` record fsync'd (if it cannot be
        written, nothing is sent: :class:`AuditUnwritableError`), the call, the outcome
        record. Errors are translated to :class:`SmError` after the failure is recorded.

        When the answer is lost or cannot be trusted — the connection dropped
        (:class:`ResponseLostError`), the answer is unreadable (:class:`UnreadableAnswerError`)
        or AWS answered 5xx after receiving the call — the state is read back: with
        ``reconcile`` if given, else with the read-back for the AWS call that was sent
        (console/aws/readback.py). Nothing is ever sent a second time.
        """
        params = dict(params or {})
        try:
            self.check(action, target)
        except ReadOnlyError as exc:
            self._write(action, target, params, "refused", exc.message)
            raise
        self._write(action, target, params, INTENT, "")
        try:
            with gate_scope():
                result = fn()
        except UnreadableAnswerError as unreadable:
            self._unreadable(action, target, params, unreadable, reconcile)
        except ResponseLostError as lost:
            # Confirmed applied: the call's own result is gone; callers get None.
            return cast(T, self._reconciled(action, target, params, lost, reconcile))
        except Exception as exc:
            error: SmError = translate(
                exc, profile=self.context.profile, local_endpoint=bool(self.context.endpoint_url)
            )
            uncertain = _answered_5xx(exc, error)
            if uncertain is not None:
                answered = ResponseLostError(
                    f"{action} {target}: AWS answered {uncertain} after receiving the call; "
                    "it may or may not have taken effect",
                    "the console reads the state back instead of sending it again",
                )
                return cast(T, self._reconciled(action, target, params, answered, reconcile))
            self._write(action, target, params, "error", error.message)
            if error is exc:
                raise
            raise error from exc
        self._write(action, target, params, "ok", "")
        return result

    def _read_back(self, reconcile: Callable[[], bool | None] | None) -> bool | None:
        """Did the change take effect? True / False / None (cannot tell)."""
        if reconcile is None:
            sent = last_sent()
            if sent is None:
                return None  # not an AWS call we saw go out: cannot tell
            reconcile = reader_for(sent)
            if reconcile is None:
                return None
        try:
            return reconcile()
        except Exception:
            return None  # the read failed too: say we cannot tell

    def _unreadable(
        self,
        action: str,
        target: str,
        params: dict[str, Any],
        unreadable: UnreadableAnswerError,
        reconcile: Callable[[], bool | None] | None,
    ) -> NoReturn:
        """An unreadable answer: audited ``unknown`` (the answer said nothing), with what
        reading the state back found; always an error for the operator (exit 8)."""
        verdict = self._read_back(reconcile)
        found = _FOUND[verdict]
        self._write(action, target, params, "unknown", f"{unreadable.message}; read back: {found}")
        error = UnreadableAnswerError(unreadable.service, unreadable.host, unreadable.reason)
        error.hint = f"read back: {found}; nothing was sent again"
        raise error from unreadable

    def _reconciled(
        self,
        action: str,
        target: str,
        params: dict[str, Any],
        lost: ResponseLostError,
        reconcile: Callable[[], bool | None] | None,
    ) -> Any:
        """Settle a mutation whose answer was lost by reading the state back."""
        verdict = self._read_back(reconcile)
        if verdict is True:
            self._write(action, target, params, "ok", "answer lost; confirmed by reading back")
            return None
        if verdict is False:
            detail = "answer lost; reading back shows it did not take effect"
            self._write(action, target, params, "error", detail)
            raise ConflictError(
                f"{action} {target}: the answer was lost and the change did not take "
                "effect (nothing was sent again)",
                "check the network, then try again",
            ) from lost
        self._write(action, target, params, "unknown", "answer lost; state could not be read")
        raise lost

    def _write(
        self, action: str, target: str, params: dict[str, Any], outcome: str, detail: str
    ) -> None:
        """One audit record; the audit writer redacts (the one place)."""
        self.audit.write(
            AuditRecord(
                time=now_iso(),
                caller=self.caller() if outcome != "refused" else "",
                profile=self.context.profile,
                region=self.context.region,
                action=action,
                target=target,
                params=params,
                outcome=outcome,
                detail=detail,
                source=self.source,
            )
        )


_FOUND = {
    True: "it took effect",
    False: "it did not take effect",
    None: "the state could not be read",
}


def _answered_5xx(exc: BaseException, error: SmError) -> int | None:
    """The HTTP status when AWS answered a mutation with 5xx (it may have applied it).

    Not for a local stack's "not implemented" 500 (:class:`NotSupportedError`): that call
    was never applied.
    """
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError) or isinstance(error, NotSupportedError):
        return None
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) and status >= 500 else None
