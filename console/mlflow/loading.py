"""mlflow imported under one process-wide lock.

mlflow's package has circular imports. Two threads importing it at once (the Experiments
poller and the Registry's evidence worker, or the demo's MLflow thread) make importlib
break the would-be deadlock by handing one of them a partially initialised module:
"partially initialized module 'mlflow' has no attribute 'version'" - and that module
stayed broken for the life of the process (seen on the demo with tab keys typed right
after start). Every lazy import of mlflow, and the first ``MlflowClient`` (which loads
the store plugins by entry point), happens inside :func:`mlflow_imports`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from console.telemetry import telemetry_off

_IMPORT_LOCK = threading.RLock()


@contextmanager
def mlflow_imports() -> Iterator[None]:
    """Hold the process-wide mlflow import lock (re-entrant)."""
    telemetry_off()  # again: a test or a caller may have cleared the environment
    with _IMPORT_LOCK:
        yield
