"""The one boto3 session factory.

Every AWS client in the console comes from :class:`SessionFactory`: it fixes retries
(adaptive), timeouts, the endpoint URL for local stacks, caches clients per service (boto3
clients are thread-safe; sessions are not, so creation is locked), counts calls for the
API budget and refuses any mutating call made outside the mutation gate.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any

from console.aws.metrics import ApiMetrics
from console.errors import UngatedMutationError, translate

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
    }
)


def is_mutating(operation_name: str) -> bool:
    return operation_name.startswith(MUTATING_PREFIXES) and (
        operation_name not in READ_ONLY_EXCEPTIONS
    )


_gate_state = threading.local()


def in_gate() -> bool:
    return getattr(_gate_state, "depth", 0) > 0


class gate_scope:
    """Marks the current thread as inside the mutation gate."""

    def __enter__(self) -> None:
        _gate_state.depth = getattr(_gate_state, "depth", 0) + 1

    def __exit__(self, *exc: object) -> None:
        _gate_state.depth -= 1


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


class SessionFactory:
    """Builds and caches boto3 clients for one :class:`AwsContext`."""

    CONNECT_TIMEOUT = 5
    READ_TIMEOUT = 30
    MAX_ATTEMPTS = 4
    # Local stacks (moto, LocalStack) neither throttle nor fail transiently; their 500s
    # mean "not implemented", so retrying only delays the one-line error.
    MAX_ATTEMPTS_LOCAL = 2

    def __init__(self, context: AwsContext, metrics: ApiMetrics | None = None) -> None:
        self.context = context
        self.metrics = metrics or ApiMetrics()
        self._lock = threading.Lock()
        self._session: Any = None
        self._clients: dict[str, Any] = {}

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
                    "max_attempts": (
                        self.MAX_ATTEMPTS_LOCAL if self.context.endpoint_url else self.MAX_ATTEMPTS
                    ),
                },
                connect_timeout=self.CONNECT_TIMEOUT,
                read_timeout=self.READ_TIMEOUT,
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

        events.register("before-call.*.*", before_call)
        events.register("after-call.*.*", after_call)

    def translate(self, exc: BaseException) -> Any:
        """Translate with this context's profile and local-endpoint knowledge."""
        return translate(
            exc, profile=self.context.profile, local_endpoint=bool(self.context.endpoint_url)
        )
