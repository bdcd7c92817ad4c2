"""A fault-injecting HTTP proxy on loopback, in front of the moto server.

The console talks to it as its AWS endpoint (``endpoint_url``). Every request is
forwarded to moto unless a :class:`Fault` matches it (by AWS service and API action);
then the proxy misbehaves the way real networks and real AWS do: it drops the
connection, hangs, answers slowly, answers 500/503, throttles, cuts the body short,
or says the credentials expired / access is denied. Used by the hardening tests and by
``bench/faults.py``.

The service comes from the SigV4 credential scope (``…/us-east-1/sagemaker/aws4_request``),
the action from ``X-Amz-Target`` (JSON services), the ``Action=`` form field (query
services such as STS) or the path (``/endpoints/NAME/invocations`` is InvokeEndpoint).
In front of an MLflow tracking server the service is ``mlflow`` and the action is the
HTTP method and path of the REST call (``POST /api/2.0/mlflow/runs/search``).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KINDS = (
    "refuse",  # accept, then close without answering (connection reset / closed)
    "hang",  # hold the request for ``delay`` seconds, then close (client read timeout)
    "slow",  # answer correctly after ``delay`` seconds
    "500",  # InternalFailure
    "503",  # ServiceUnavailable
    "throttle",  # ThrottlingException (HTTP 400)
    "truncate",  # the real answer, cut in half (Content-Length says more)
    "expired",  # ExpiredTokenException (HTTP 400)
    "denied",  # AccessDeniedException (HTTP 400)
    "lose_response",  # forward (the change happens), then drop the answer
    "500_after",  # forward (the change happens), then answer 500 InternalFailure
    "503_after",  # forward (the change happens), then answer 503 ServiceUnavailable
    "empty",  # 200 with an empty body (not forwarded: the server never hears of it)
    "html",  # 200 with a proxy's HTML login page (not forwarded)
    "garbage",  # 200 with bytes that are neither JSON nor XML (not forwarded)
    "short",  # forward, then the real answer cut in half under a matching Content-Length
)
# A 200 that is not an answer, by kind: (Content-Type, body).
_NOT_ANSWERS = {
    "empty": ("application/x-amz-json-1.1", b""),
    "html": (
        "text/html; charset=utf-8",
        b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
        b"<body><form action='/login'>Corporate proxy: please sign in</form></body></html>",
    ),
    "garbage": ("application/x-amz-json-1.1", b"\x8b\x00\xffnot json {{{"),
}
# Fault kinds whose request still reaches the server (the change may happen).
_FORWARDED = frozenset({"slow", "truncate", "lose_response", "500_after", "503_after", "short"})
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_INVOKE = re.compile(r"^/endpoints/[^/]+/invocations")
_RPC_V2 = re.compile(r"^/service/[^/]+/operation/([A-Za-z]+)$")

_JSON_ERRORS = {
    "500": (500, "InternalFailure", "injected internal failure"),
    "503": (503, "ServiceUnavailable", "injected service unavailable"),
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "expired": (
        400,
        "ExpiredTokenException",
        "The security token included in the request is expired",
    ),
    "denied": (400, "AccessDeniedException", "User is not authorized to perform this action"),
}
_QUERY_CODES = {
    "throttle": "Throttling",
    "expired": "ExpiredToken",
    "denied": "AccessDenied",
    "500": "InternalFailure",
    "503": "ServiceUnavailable",
}


@dataclass
class Fault:
    """What to do to matching requests. ``times``: how many (None: until cleared).

    ``after``: let the first ``after`` matching calls through untouched, then misbehave
    (``Fault("500_after", "sagemaker", after=1)``: the call before the change is answered,
    the change is applied and answered 500, and so is every read after it). A call is
    counted once however many attempts botocore makes of it: a retry (a slow answer that
    outlasted the client's read timeout) carries the first attempt's
    ``amz-sdk-invocation-id`` and goes through like it, so the fault meets the call it was
    meant for. Requests without that header (MLflow's) count one each.

    ``until``: with ``slow``, hold each answer until the test sets this event (``delay``
    then only caps the wait): the test decides when the answer comes, not the clock, so
    "before the answer" holds on a loaded machine too.
    """

    kind: str
    service: str | None = None
    action: str | None = None
    times: int | None = None
    delay: float = 0.0
    after: int = 0
    until: threading.Event | None = field(default=None, compare=False)
    # The invocation ids of the calls ``after`` let through (their retries go through too).
    passed: set[str] = field(default_factory=set, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")

    def matches(self, service: str, action: str) -> bool:
        return (self.service in (None, service)) and (self.action in (None, action))


@dataclass(frozen=True)
class Seen:
    service: str
    action: str
    fault: str  # "" when forwarded untouched
    body: bytes = b""  # the request as sent (to count a change delivered twice)
    forwarded: bool = True  # whether it reached the server behind the proxy
    invocation: str = ""  # botocore's amz-sdk-invocation-id: the same on every attempt


class FaultProxy:
    """Start with :meth:`start`; ``url`` is the endpoint the console should use."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.seen: list[Seen] = []
        self._server: ThreadingHTTPServer | None = None

    # --- control ------------------------------------------------------------------------
    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._faults)

    @property
    def total_injected(self) -> int:
        with self._lock:
            return sum(self.injected.values())

    def calls(self, action: str, *, faulted: bool | None = None) -> int:
        with self._lock:
            return sum(
                1
                for seen in self.seen
                if seen.action == action and (faulted is None or bool(seen.fault) == faulted)
            )

    def delivered(self, action: str) -> int:
        """How many ``action`` requests reached the server (faulted or not)."""
        with self._lock:
            return sum(1 for seen in self.seen if seen.action == action and seen.forwarded)

    def delivered_twice(self) -> int:
        """Identical mutating requests the server received more than once (a resend)."""
        from console.aws.session import is_mutating

        with self._lock:
            sent = Counter(
                (seen.action, seen.body)
                for seen in self.seen
                if seen.forwarded and seen.action and is_mutating(seen.action)
            )
        return sum(count - 1 for count in sent.values() if count > 1)

    def attempts(self, action: str) -> dict[str, int]:
        """Requests per call of ``action`` (by invocation id): more than 1 is a retry."""
        with self._lock:
            return dict(Counter(s.invocation for s in self.seen if s.action == action))

    def _take(
        self, service: str, action: str, body: bytes = b"", invocation: str = ""
    ) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(service, action):
                    if invocation and invocation in fault.passed:
                        break  # another attempt of a call let through: the same call
                    if fault.after > 0:  # not yet: this one goes through untouched
                        fault.after -= 1
                        if invocation:
                            fault.passed.add(invocation)
                        break
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    self.injected[fault.kind] += 1
                    forwarded = fault.kind in _FORWARDED
                    self.seen.append(Seen(service, action, fault.kind, body, forwarded, invocation))
                    return fault
            self.seen.append(Seen(service, action, "", body, invocation=invocation))
            return None

    # --- server -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, port: int = 0) -> FaultProxy:
        """Listen on 127.0.0.1 (``port`` 0: any free port; a fixed one for snapshots)."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def setup(self) -> None:
                super().setup()
                # No Nagle delay: a small answer (or a cut one) leaves at once, so faults
                # are timed by the fault, not by the kernel's 40 ms delayed-ACK dance.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                service, action = identify(self.path, dict(self.headers), body, self.command)
                invocation = self.headers.get("amz-sdk-invocation-id") or ""
                fault = proxy._take(service, action, body, invocation)
                if fault is None:
                    self._forward(body)
                    return
                proxy._misbehave(self, fault, service, body)

            def _forward(
                self, body: bytes, *, cut: bool = False, drop: bool = False, short: bool = False
            ) -> None:
                status, headers, payload = proxy._upstream(
                    self.command, self.path, self.headers, body
                )
                if drop:  # the change happened upstream; the client never hears of it
                    self.close_connection = True
                    return
                if short:  # cut, and the length header agrees: only parsing can tell
                    payload = payload[: len(payload) // 2]
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if cut:
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # broken pipes are the point here, not news

        self._server = Server(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        # stop() waits for the serve loop to look up: at the default 0.5 s that was half a
        # second of every test's teardown.
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _upstream(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            connection.connect()
            assert connection.sock is not None
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            forwarded = {k: v for k, v in headers.items() if k.lower() != "connection"}
            connection.request(method, path, body=body, headers=forwarded)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _misbehave(self, handler: Any, fault: Fault, service: str, body: bytes) -> None:
        kind = fault.kind
        if kind == "refuse":
            handler.close_connection = True
            return
        if kind == "hang":
            time.sleep(fault.delay or 5.0)
            handler.close_connection = True
            return
        if kind == "slow":
            if fault.until is not None:
                fault.until.wait(fault.delay or 60.0)
            else:
                time.sleep(fault.delay or 1.0)
            handler._forward(body)
            return
        if kind == "truncate":
            handler._forward(body, cut=True)
            return
        if kind == "lose_response":
            handler._forward(body, drop=True)
            return
        if kind == "short":
            handler._forward(body, short=True)
            return
        if kind in _NOT_ANSWERS:
            content_type, payload = _NOT_ANSWERS[kind]
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        if kind in ("500_after", "503_after"):
            # Applied upstream; the client hears an error instead of the real answer.
            self._upstream(handler.command, handler.path, handler.headers, body)
            kind = kind.removesuffix("_after")
        if service == "mlflow":
            _mlflow_error(handler, kind)
            return
        status, code, message = _JSON_ERRORS[kind]
        if service in ("sts", "iam"):  # query protocol: XML errors
            payload = (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{_QUERY_CODES[kind]}</Code><Message>{message}</Message>"
                "</Error><RequestId>fault</RequestId></ErrorResponse>"
            ).encode()
            content_type = "text/xml"
        else:
            payload = json.dumps({"__type": code, "message": message}).encode()
            content_type = "application/x-amz-json-1.1"
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("x-amzn-ErrorType", code)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


# How a SageMaker managed tracking server (or the gateway before it) answers, by kind.
_MLFLOW_ERRORS = {
    "500": (500, {"error_code": "INTERNAL_ERROR", "message": "injected internal failure"}),
    "503": (503, {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "injected: unavailable"}),
    "throttle": (429, {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Rate exceeded"}),
    "expired": (403, {"message": "The security token included in the request is expired"}),
}


def _mlflow_error(handler: Any, kind: str) -> None:
    """An MLflow REST error; ``denied`` is IAM's sentence naming the sagemaker-mlflow action."""
    if kind == "denied":
        from tests.support.mlflow_routes import rpc_name

        action = f"sagemaker-mlflow:{rpc_name(handler.command, handler.path)}"
        server = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/demo-mlflow"
        status, answer = (
            403,
            {
                "message": (
                    "User: arn:aws:sts::123456789012:assumed-role/viewer/me is not authorized to "
                    f"perform: {action} on resource: {server} because no identity-based policy "
                    f"allows the {action} action"
                )
            },
        )
    else:
        status, answer = _MLFLOW_ERRORS[kind]
    payload = json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def identify(
    path: str, headers: dict[str, str], body: bytes, method: str = "POST"
) -> tuple[str, str]:
    """(AWS service, API action) of a request, as far as the wire tells."""
    route = urlsplit(path).path
    if route.startswith(("/api/2.0/mlflow", "/api/3.0/mlflow", "/ajax-api/")):
        return "mlflow", f"{method} {route}"
    lowered = {k.lower(): v for k, v in headers.items()}
    scope = _SCOPE.search(lowered.get("authorization", ""))
    service = scope.group(1) if scope else ""
    target = lowered.get("x-amz-target", "")
    if target:
        return service, target.rsplit(".", 1)[-1]
    if _INVOKE.match(path):
        return "sagemaker-runtime", "InvokeEndpoint"
    rpc = _RPC_V2.match(route)  # smithy-rpc-v2-cbor (CloudWatch): the action is in the path
    if rpc:
        return service, rpc.group(1)
    if body:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        if action:
            return service, action
    return service, ""
