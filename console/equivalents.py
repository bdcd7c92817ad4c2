"""The CLI command that does what a TUI form would do ("copy as CLI command").

Operators script what they did once by hand; the TUI shows the exact ``smconsole``
command line for a form, every value shell-quoted, so pasting it is safe whatever the
operator typed. Defaults are left out to keep the line short; ``training-create`` parses
the result back into the same :class:`~console.services.jobs.TrainingSpec` (tested).
"""

from __future__ import annotations

import shlex
from dataclasses import fields

from console.services.jobs import TrainingSpec

_DEFAULTS = {f.name: f.default for f in fields(TrainingSpec)}


def training_create_argv(spec: TrainingSpec, *, default_role: str = "") -> list[str]:
    """``smconsole training-create …`` as an argv list (no shell involved)."""
    argv = ["smconsole", "training-create", spec.name, spec.image, spec.s3_input, spec.s3_output]
    if spec.role_arn and spec.role_arn != default_role:
        argv += ["--role", spec.role_arn]
    numbers = (
        ("instance_type", "--instance-type"),
        ("instance_count", "--instance-count"),
        ("volume_gb", "--volume-gb"),
        ("max_runtime_seconds", "--max-runtime"),
    )
    for attribute, option in numbers:
        value = getattr(spec, attribute)
        if value != _DEFAULTS[attribute]:
            argv += [option, str(value)]
    if spec.spot:
        argv.append("--spot")
    if spec.max_wait_seconds is not None:
        argv += ["--max-wait", str(spec.max_wait_seconds)]
    if spec.checkpoint_uri:
        argv += ["--checkpoint-s3", spec.checkpoint_uri]
    for key, value in spec.hyperparameters.items():
        argv += ["--hp", f"{key}={value}"]
    for key, value in spec.environment.items():
        argv += ["--env", f"{key}={value}"]
    return argv


def training_create_command(spec: TrainingSpec, *, default_role: str = "") -> str:
    """The same, as one line to paste into a shell (every value quoted)."""
    return shlex.join(training_create_argv(spec, default_role=default_role))
