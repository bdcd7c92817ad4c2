"""Third-party telemetry off for the console's own process.

MLflow (3.x) phones home and writes ``~/.config/mlflow/telemetry.json`` the first time a
client is used. An operations console has no business reporting on the operator: the
switch is set in the environment when ``console`` is imported, before mlflow can be.
An operator who set the variable themselves keeps their choice (``setdefault``).
"""

from __future__ import annotations

import os

# Read by mlflow at the moment it would record something, so setting it any time before
# the first client call is enough; we set it before mlflow is even imported.
SWITCHES = {"MLFLOW_DISABLE_TELEMETRY": "true"}


def telemetry_off() -> None:
    """Turn MLflow's telemetry off unless the operator chose otherwise."""
    for name, value in SWITCHES.items():
        os.environ.setdefault(name, value)
