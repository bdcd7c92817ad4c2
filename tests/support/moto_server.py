"""A real moto server over HTTP on 127.0.0.1 for tests and benchmarks."""

from __future__ import annotations

import logging
import urllib.request
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MotoServer:
    host: str
    port: int
    _server: Any
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def client(self, service: str) -> Any:
        """A plain boto3 client on this server (for cross-checking our services), cached."""
        if service in self._clients:
            return self._clients[service]
        import boto3

        self._clients[service] = boto3.client(
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
