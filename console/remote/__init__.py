"""Reaching the cluster's login node: SSH (paramiko), SSH over SSM, or this machine.

Every transport runs argv lists (quoted with ``shlex`` when a shell is involved), returns
:class:`Result` (rc, stdout, stderr), streams long-running programs as :class:`Process`,
and writes files atomically. No Textual here; the TUI and CLI both use it.
"""

from __future__ import annotations

from console.remote.base import Process, Result, Transport, command_line
from console.remote.connect import ConnectionSpec, open_transport
from console.remote.errors import (
    AuthenticationError,
    ConnectionLostError,
    HostKeyError,
    RemoteCommandError,
    RemoteTimeoutError,
)

__all__ = [
    "AuthenticationError",
    "ConnectionLostError",
    "ConnectionSpec",
    "HostKeyError",
    "Process",
    "RemoteCommandError",
    "RemoteTimeoutError",
    "Result",
    "Transport",
    "command_line",
    "open_transport",
]
