"""The projected cost shown before a create (``--dry-run``) and the config's caps.

The projection and the caps are :mod:`console.services.projection` (shared with the
TUI's confirm dialog); here they are printed and a refusal is audited. A price that
cannot be read warns and goes on (like an unknown quota), it never blocks a create.
"""

from __future__ import annotations

from typing import Any

import click

from console.services.projection import CostCapError, CostProjection, project_hourly, project_job

__all__ = ["CostCapError", "hourly_projection", "job_projection"]


def _settle(inv: Any, action: str, target: str, projection: CostProjection) -> float | None:
    if projection.warning:
        click.echo(f"warning: {projection.warning}", err=True)
    if projection.refusal is not None:
        inv.console.gate.refused(action, target, projection.refusal)
        raise projection.refusal
    return projection.usd


def job_projection(
    inv: Any, action: str, target: str, kind: str, instance_type: str, count: int, max_s: int
) -> float | None:
    """The most the job can cost; refuses above ``max_job_cost`` (audited)."""
    projection = project_job(
        inv.console.pricing, inv.config, target, kind, instance_type, count, max_s
    )
    return _settle(inv, action, target, projection)


def hourly_projection(
    inv: Any, action: str, target: str, needs: list[tuple[str, str, int]]
) -> float | None:
    """Per hour of ``needs`` (kind, type, count); refuses above ``max_hourly_cost``."""
    projection = project_hourly(inv.console.pricing, inv.config, target, needs)
    return _settle(inv, action, target, projection)
