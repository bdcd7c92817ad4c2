"""A throttling TCP relay on loopback: a slow, laggy, stalling link between the console
and the test sshd (what a flaky bastion or VPN does to an SSH session).

Each direction of each connection has a reader thread (socket -> queue, stamped with the
arrival time) and a writer thread (queue -> socket). The writer holds every chunk until
``latency`` seconds after it arrived, then sends it in slices no faster than
``rate`` bytes per second. :meth:`SlowLink.stall` stops delivery in both directions
(the bytes wait in the queues: nothing is lost, like a frozen NAT or a link in
re-convergence) until :meth:`SlowLink.resume`; ``stall("down")`` holds only what the
server sends (requests still arrive, answers are lost on the way back);
:meth:`SlowLink.cut` drops every live connection. Used by tests/core/remote/test_ssh_faults.py.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from collections.abc import Iterator

from tests.system.support import Relay

SLICE = 1024  # bytes sent at a time, so the rate is smooth at low rates


class SlowLink(Relay):
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<target_port>, slowly (the accepting,
    :meth:`cut` and :meth:`close` are the plain :class:`Relay`'s)."""

    def __init__(self, target_port: int, *, rate: float = 0.0, latency: float = 0.0) -> None:
        self.rate = rate  # bytes/s per direction; 0 = unlimited
        self.latency = latency  # seconds added to every chunk, each way
        self.delivered = 0  # bytes written out, both directions
        self._flowing = {"up": threading.Event(), "down": threading.Event()}
        for event in self._flowing.values():
            event.set()
        super().__init__(target_port)

    # --- control ------------------------------------------------------------------------

    def stall(self, direction: str = "both") -> None:
        """Deliver nothing more until :meth:`resume`: both ways, or only ``"up"`` (to the
        server) or ``"down"`` (from it)."""
        for name, event in self._flowing.items():
            if direction in ("both", name):
                event.clear()

    def resume(self) -> None:
        for event in self._flowing.values():
            event.set()

    @property
    def stalled(self) -> bool:
        return not all(event.is_set() for event in self._flowing.values())

    def close(self) -> None:
        self._stopped = True
        self.resume()  # writers waiting on a stall wake up, see the stop and end
        super().close()

    # --- plumbing -----------------------------------------------------------------------

    def _forward(self, client: socket.socket, upstream: socket.socket) -> None:
        for source, sink, direction in ((client, upstream, "up"), (upstream, client, "down")):
            chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()
            flowing = self._flowing[direction]
            threading.Thread(target=self._read, args=(source, chunks), daemon=True).start()
            threading.Thread(target=self._write, args=(sink, chunks, flowing), daemon=True).start()

    @staticmethod
    def _read(source: socket.socket, chunks: queue.Queue[tuple[float, bytes]]) -> None:
        try:
            while chunk := source.recv(65536):
                chunks.put((time.monotonic(), chunk))
        except OSError:
            pass
        chunks.put((time.monotonic(), b""))  # end of stream, delivered in order

    def _write(
        self,
        sink: socket.socket,
        chunks: queue.Queue[tuple[float, bytes]],
        flowing: threading.Event,
    ) -> None:
        try:
            while True:
                arrived, chunk = chunks.get()
                wait = arrived + self.latency - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if not chunk:
                    sink.shutdown(socket.SHUT_WR)
                    return
                for start in range(0, len(chunk), SLICE):
                    flowing.wait()
                    if self._stopped:
                        return
                    piece = chunk[start : start + SLICE]
                    sink.sendall(piece)
                    self.delivered += len(piece)
                    if self.rate:
                        time.sleep(len(piece) / self.rate)
        except OSError:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def slow_link(target_port: int, *, rate: float = 0.0, latency: float = 0.0) -> Iterator[SlowLink]:
    link = SlowLink(target_port, rate=rate, latency=latency)
    try:
        yield link
    finally:
        link.close()
