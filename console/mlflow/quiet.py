"""Keep everything mlflow prints off the operator's terminal.

mlflow writes to ``sys.stdout`` directly (``set_terminated`` over HTTP prints "View run
… at: …"), logs INFO lines on a new sqlite store, and the sagemaker-mlflow plugin warns
on every request to a non-ARN URI through ``mlflow.tracking.request_header.registry``
(facts.md). Behind the TUI any of that would scribble over the screen, and in the CLI it
would corrupt ``--json`` output.

:func:`quiet` swaps ``sys.stdout``/``sys.stderr`` for a sink while mlflow runs. The swap
is reference-counted under a lock: calls from several worker threads overlap, and naive
nested ``redirect_stdout`` from threads would restore each other's sinks in the wrong
order and leave the process writing into a ``StringIO`` for good.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

QUIET_LOGGERS = (
    "mlflow",
    "mlflow.tracking.request_header.registry",
    "alembic",
    "sqlalchemy",
    "sagemaker_mlflow",
    "urllib3.connectionpool",
)

# mlflow retries an HTTP failure 7 times with a backoff factor of 2 by default: a
# tracking server that is down takes minutes to say so. Our defaults answer in seconds;
# an operator's own MLFLOW_HTTP_* settings win.
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}


class _State:
    """The process-wide swap: how many callers are inside, and what to put back."""

    lock = threading.Lock()
    depth = 0
    saved: tuple[Any, Any] | None = None
    configured = False


class _Sink(io.TextIOBase):
    """Swallows writes; looks enough like a terminal stream for libraries that probe it."""

    def write(self, text: str) -> int:
        return len(text)

    def isatty(self) -> bool:
        return False


def silence_loggers() -> None:
    """Turn mlflow's (and its helpers') loggers and warnings off, once per process.

    Called again after ``import mlflow``: importing it configures its own logger.
    """
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
    if not _State.configured:
        warnings.filterwarnings("ignore", module=r"mlflow(\..*)?$")
        warnings.filterwarnings("ignore", module=r"sagemaker_mlflow(\..*)?$")
        warnings.filterwarnings("ignore", module=r"alembic(\..*)?$")
        for name, value in HTTP_DEFAULTS.items():
            os.environ.setdefault(name, value)
        _State.configured = True


@contextmanager
def quiet() -> Iterator[None]:
    """Run the body with stdout/stderr swallowed and mlflow's loggers silenced."""
    silence_loggers()
    with _State.lock:
        if _State.depth == 0:
            _State.saved = (sys.stdout, sys.stderr)
            sys.stdout = sys.stderr = _Sink()
        _State.depth += 1
    try:
        yield
    finally:
        with _State.lock:
            _State.depth -= 1
            if _State.depth == 0 and _State.saved is not None:
                sys.stdout, sys.stderr = _State.saved
                _State.saved = None
