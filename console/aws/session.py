"""The one boto3 session factory.

Every AWS client in the console comes from :class:`SessionFactory`: it fixes retries
(adaptive), timeouts, the endpoint URL for local stacks, caches clients per service (boto3
clients are thread-safe; sessions are not, so creation is locked), counts calls for the
API budget and refuses any mutating call made outside the mutation gate.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from console.aws.answers import check_answer, has_idempotency_token
from console.aws.call_watch import CallWatch
from console.aws.metrics import ApiMetrics
from console.errors import CredentialsError, ResponseLostError, UngatedMutationError, translate

# Operation-name prefixes that change something. Calls with these names must run inside
# ``MutationGate.run`` (read-only check + audit); the guard below enforces it.
MUTATING_PREFIXES = (
    "Create",
    "Delete",
    "Update",
    "Stop",
    "Start",
    "Put",
    "Batch",
    "Add",
    "Remove",
    "Attach",
    "Detach",
    "Associate",
    "Disassociate",
    "Tag",
    "Untag",
    "Register",
    "Deregister",
    "Invoke",
    "Send",
    "Reboot",
    "Enable",
    "Disable",
    "Retry",
)
# Calls with a mutating-looking name that change nothing an operator cares about.
READ_ONLY_EXCEPTIONS = frozenset(
    {
        "CreatePresignedNotebookInstanceUrl",
        "CreatePresignedMlflowTrackingServerUrl",
        "CreatePresignedDomainUrl",
        "StartQuery",
        "StopQuery",
        "StartLiveTail",
        # Acknowledging an event read from the console's own SQS queue (console/events):
        # it changes nothing in the account, and must not wait on a confirm dialog.
        "DeleteMessage",
        "DeleteMessageBatch",
    }
)


def is_mutating(operation_name: str) -> bool:
    return operation_name.startswith(MUTATING_PREFIXES) and (
        operation_name not in READ_ONLY_EXCEPTIONS
    )


_gate_state = threading.local()


def in_gate() -> bool:
    return getattr(_gate_state, "depth", 0) > 0


@dataclass(frozen=True)
class SentMutation:
    """The last mutating AWS call sent from inside the gate: what a read-back needs."""

    client: Any
    operation: str
    params: dict[str, Any]


class gate_scope:
    """Marks the current thread as inside the mutation gate."""

    def __enter__(self) -> None:
        _gate_state.depth = getattr(_gate_state, "depth", 0) + 1
        if _gate_state.depth == 1:
            _gate_state.sent = None

    def __exit__(self, *exc: object) -> None:
        _gate_state.depth -= 1


def last_sent() -> SentMutation | None:
    """The last mutating call made in this thread's gate scope (None: none yet)."""
    sent: SentMutation | None = getattr(_gate_state, "sent", None)
    return sent


_THROTTLE_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException", "SlowDown"}


_LOADER_LOCK = threading.Lock()


@functools.cache
def _shared_loader() -> Any:
    """One botocore data loader for every session: parsing the SageMaker service model
    (~1 MB of JSON) once per process instead of once per profile/region switch."""
    from botocore.loaders import create_loader

    return create_loader()


def new_boto3_session(**kwargs: Any) -> Any:
    """A boto3 session that shares the process-wide botocore data loader.

    Every boto3 session in the console (and the demo's seeding) is made here, so service
    models are parsed once per process. ``kwargs`` go to ``boto3.session.Session``.
    """
    import boto3
    import botocore.session

    with _LOADER_LOCK:
        loader = _shared_loader()
        core = botocore.session.get_session()
        core.register_component("data_loader", loader)
        session = boto3.session.Session(botocore_session=core, **kwargs)
        # boto3 appends its own data path on every session: keep one copy.
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return session


@dataclass(frozen=True)
class AwsContext:
    """Which account view the console is looking at. Changing it means new clients."""

    profile: str = ""
    region: str = ""
    endpoint_url: str = ""

    def label(self) -> str:
        return f"{self.profile or 'default'}@{self.region or '?'}"


def _check_complete(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """Refuse an answer cut short (fewer bytes than its Content-Length).

    botocore does not check the length of non-streaming bodies, and its JSON parser turns
    an unparseable body into an empty result: a listing cut short by a flaky link would
    read as "no jobs" and empty the table. Raised here, it becomes an "unreachable" error
    that the poller retries with backoff.
    """
    body = response_dict.get("body")
    expected = response_dict.get("headers", {}).get("content-length")
    if not isinstance(body, bytes | bytearray) or expected is None:
        return
    # A HEAD answer (and 204/304) has a Content-Length but, rightly, no body.
    method = str(getattr(operation_model, "http", {}).get("method", "")).upper()
    if method == "HEAD" or response_dict.get("status_code") in (204, 304):
        return
    try:
        wanted = int(expected)
    except ValueError:
        return
    if len(body) < wanted:
        from botocore.exceptions import IncompleteReadError

        raise IncompleteReadError(actual_bytes=len(body), expected_bytes=wanted)


def _no_blind_resend(
    caught_exception: BaseException | None = None,
    operation: Any = None,
    response: Any = None,
    **_: Any,
) -> bool | None:
    """Never let botocore send a mutating call a second time when the first may have landed.

    Runs before botocore's own retry handler; ``False`` stops the retry, ``None`` leaves
    the decision to botocore. A call that carries an idempotency token botocore fills
    (``idempotencyToken`` in the service model, e.g. ClientToken) is safe to resend: AWS
    applies it once. For the others:

    - a connect failure is retried (nothing was sent);
    - a read timeout or a connection dropped mid-answer raises :class:`ResponseLostError`
      so the gate reads the state back;
    - a 5xx answer is not retried (AWS may have applied the change before failing); the
      gate reads the state back;
    - throttling (4xx) is retried: a throttled request was not applied.
    """
    name = str(getattr(operation, "name", ""))
    if not name or not is_mutating(name) or has_idempotency_token(operation):
        return None
    if caught_exception is not None:
        from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

        if isinstance(caught_exception, ReadTimeoutError | ConnectionClosedError):
            raise ResponseLostError(
                f"{name}: the connection dropped before AWS answered; "
                "it may or may not have taken effect",
                "the console reads the state back instead of sending it again",
            ) from caught_exception
        return None
    if response is not None:
        status = getattr(response[0], "status_code", 0)
        if isinstance(status, int) and status >= 500:
            return False
    return None


class SessionFactory:
    """Builds and caches boto3 clients for one :class:`AwsContext`."""

    CONNECT_TIMEOUT = 5
    READ_TIMEOUT = 30
    MAX_ATTEMPTS = 4
    # Local stacks (moto, LocalStack) neither throttle nor fail transiently; their 500s
    # mean "not implemented", so retrying only delays the one-line error.
    MAX_ATTEMPTS_LOCAL = 2

    def __init__(
        self,
        context: AwsContext,
        metrics: ApiMetrics | None = None,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_attempts: int | None = None,
        watch: CallWatch | None = None,
    ) -> None:
        self.context = context
        # ``max_attempts``: set by the CLI's --timeout (a deadline allows no retries).
        self._max_attempts = max_attempts
        self.watch = watch
        self.metrics = metrics or ApiMetrics()
        self.connect_timeout = connect_timeout or self.CONNECT_TIMEOUT
        self.read_timeout = read_timeout or self.READ_TIMEOUT
        self._lock = threading.Lock()
        self._session: Any = None
        self._clients: dict[str, Any] = {}

    def max_attempts(self) -> int:
        """Attempts per call: ``AWS_MAX_ATTEMPTS`` when the operator set it (the throttling
        hint of the CLI says so), else ours (fewer on a local stack)."""
        default = self.MAX_ATTEMPTS_LOCAL if self.context.endpoint_url else self.MAX_ATTEMPTS
        if self._max_attempts is not None:
            return self._max_attempts
        try:
            wanted = int(os.environ.get("AWS_MAX_ATTEMPTS", ""))
        except ValueError:
            return default
        return wanted if wanted >= 1 else default

    @property
    def session(self) -> Any:
        """The underlying boto3 session (created lazily: boto3 costs ~0.25 s to import)."""
        with self._lock:
            return self._session_locked()

    def _session_locked(self) -> Any:
        if self._session is None:
            try:
                self._session = new_boto3_session(
                    profile_name=self.context.profile or None,
                    region_name=self.context.region or None,
                )
            except Exception as exc:
                raise translate(exc, profile=self.context.profile) from exc
        return self._session

    @property
    def region(self) -> str:
        return self.context.region or self.session.region_name or ""

    def client(self, service: str) -> Any:
        """A cached client for ``service`` with our retry/timeout policy and hooks."""
        with self._lock:
            cached = self._clients.get(service)
            if cached is not None:
                return cached
            from botocore.config import Config as BotoConfig

            session = self._session_locked()
            config = BotoConfig(
                retries={
                    "mode": "adaptive",
                    # Total attempts, the first included (as AWS_MAX_ATTEMPTS counts them):
                    # botocore's "max_attempts" key counts retries, one more attempt than
                    # meant (a --timeout of 5 s then gave up after 10).
                    "total_max_attempts": self.max_attempts(),
                },
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                user_agent_extra="smconsole",
                tcp_keepalive=True,
            )
            try:
                client = session.client(
                    service,
                    endpoint_url=self.context.endpoint_url or None,
                    region_name=self.context.region or None,
                    config=config,
                )
            except Exception as exc:
                raise translate(exc, profile=self.context.profile) from exc
            self._install_hooks(client, service)
            self._clients[service] = client
            return client

    def _install_hooks(self, client: Any, service: str) -> None:
        events = client.meta.events
        metrics = self.metrics

        host = urlsplit(str(client.meta.endpoint_url)).netloc or str(client.meta.endpoint_url)

        def remember_sent(params: Any, model: Any, **_: Any) -> None:
            # What a read-back needs if the answer is lost (see console/aws/readback.py).
            if in_gate() and is_mutating(model.name):
                _gate_state.sent = SentMutation(client, model.name, dict(params))

        def answer_is_readable(
            operation_model: Any, response_dict: dict[str, Any], **_: Any
        ) -> None:
            _check_complete(operation_model, response_dict)
            check_answer(service, host, operation_model, response_dict)

        def before_call(model: Any, **_: Any) -> None:
            if is_mutating(model.name) and not in_gate():
                raise UngatedMutationError(
                    f"{service}.{model.name} called outside MutationGate.run"
                )
            metrics.record_call(service)

        def after_call(http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
            status = getattr(http_response, "status_code", 200)
            if status >= 400:
                code = str(parsed.get("Error", {}).get("Code", status))
                metrics.record_error(service, model.name, code, code in _THROTTLE_CODES)

        def call_failed(exception: BaseException, event_name: str = "", **_: Any) -> None:
            # No answer at all (timed out, refused, unreachable): an error too; `status`
            # said "Errors 0" after every call had timed out.
            operation = event_name.rpartition(".")[2]
            metrics.record_error(service, operation, type(exception).__name__, False)

        events.register("before-call.*.*", before_call)
        events.register("after-call.*.*", after_call)
        events.register("after-call-error.*.*", call_failed)
        if self.watch is not None:  # after before_call: a refused call never started
            self.watch.install(events, service)
        events.register("before-parameter-build.*.*", remember_sent)
        # Every answer must parse and carry the members we read: see console/aws/answers.py.
        events.register("before-parse.*.*", answer_is_readable)
        # Before botocore's own retry handler: it must not resend a change whose answer
        # was lost (it may have been applied already).
        events.register_first("needs-retry.*.*", _no_blind_resend)

    def forget_credentials(self) -> None:
        """Drop the session and its clients: the next call resolves credentials afresh.

        After ``aws sso login`` (or new keys in the environment/files) a long-running
        console picks the new credentials up by itself, without a restart.
        """
        with self._lock:
            self._session = None
            self._clients.clear()

    def translate(self, exc: BaseException) -> Any:
        """Translate with this context's profile and local-endpoint knowledge.

        Expired or missing credentials also make the next call start a fresh session.
        """
        error = translate(
            exc, profile=self.context.profile, local_endpoint=bool(self.context.endpoint_url)
        )
        if isinstance(error, CredentialsError):
            self.forget_credentials()
        return error
