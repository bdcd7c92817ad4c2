"""A real moto server over HTTP on 127.0.0.1 for tests and benchmarks.

``start_moto_server()`` runs it in this process. moto keeps its backends in module-level
state, so every server of one process shows the same resources: a test that needs a moto
of its own next to others (applies running at once, each counting what it made) takes
``start_moto_process()``, a server in a child process with state of its own.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class MotoServer:
    host: str
    port: int
    _server: Any
    _clients: dict[str, Any] = field(default_factory=dict)
    _session: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def client(self, service: str) -> Any:
        """A plain boto3 client on this server (for cross-checking our services), cached.

        Each server makes its clients from a session of its own, under a lock: boto3's
        default session is not safe to make clients from in several threads at once."""
        with self._lock:
            if service not in self._clients:
                import boto3

                if self._session is None:
                    self._session = boto3.session.Session()
                self._clients[service] = self._session.client(
                    service,
                    endpoint_url=self.url,
                    region_name="us-east-1",
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )
            return self._clients[service]

    def stop(self) -> None:
        self._server.stop()


def start_moto_server() -> MotoServer:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").disabled = True
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return MotoServer(host, port, server)


@dataclass
class _ChildProcess:
    """The child serving moto; it stops when its stdin closes (so also when we die)."""

    process: subprocess.Popen[str]

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_moto_process(*patches: str) -> MotoServer:
    """A moto server in a child process, with state no other server shares.

    ``patches``: ``"module:function"`` names, each called in the child with a
    ``pytest.MonkeyPatch`` before it serves (e.g. ``patch_moto_for_terraform``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.moto_server", *patches],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    address = process.stdout.readline().split()  # "host port", once it serves
    if len(address) != 2:
        _ChildProcess(process).stop()
        raise RuntimeError(f"the moto child process did not start (exit {process.returncode})")
    return MotoServer(address[0], int(address[1]), _ChildProcess(process))


def _serve_until_stdin_closes(patches: list[str]) -> None:
    import pytest

    monkeypatch = pytest.MonkeyPatch()
    for name in patches:
        module, _, function = name.partition(":")
        getattr(importlib.import_module(module), function)(monkeypatch)
    server = start_moto_server()
    print(server.host, server.port, flush=True)
    os.dup2(2, 1)  # nobody reads the pipe after this line: a full one would block moto
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    _serve_until_stdin_closes(sys.argv[1:])
