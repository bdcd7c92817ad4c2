"""The projected cost shown before a create (``--dry-run``) and the config's caps.

The projection and the caps are :mod:`console.services.projection` (shared with the
TUI's confirm dialog); here they are printed and a refusal is audited. A scale (HyperPod
group, autoscaling max) shows its line above the question, so it is read before the
answer, or on stderr when ``--yes`` skips the question. A price that cannot be read
warns and goes on (like an unknown quota), it never blocks a create.
"""

from __future__ import annotations

from typing import Any

import click

from console.services.projection import CostCapError, CostProjection, project_hourly, project_job

__all__ = [
    "CostCapError",
    "ask_with_cost",
    "cost_json",
    "hourly_projection",
    "job_projection",
    "scale_projection",
]


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


def scale_projection(inv: Any, action: str, target: str, projection: CostProjection) -> str:
    """Above ``max_hourly_cost``: audited, refused. Else the line to show: put in the
    question (read before the answer), or printed on stderr when ``--yes`` skips the
    question (kept in a log); "" for a local stack's unknown price with nothing to say."""
    _settle(inv, action, target, projection)
    return "" if projection.quiet else projection.line


def ask_with_cost(
    inv: Any, action: str, target: str, *, yes: bool, prompt: str, cost_line: str
) -> None:
    """:func:`console.cli.root.confirm` with a scale's cost line above the question."""
    from console.cli.root import confirm

    if yes and cost_line:
        click.echo(cost_line, err=True)
    question = f"{cost_line}\n{prompt}" if cost_line else prompt
    confirm(inv, action, target, yes=yes, prompt=question)


def cost_json(projection: CostProjection) -> dict[str, Any]:
    """A scale's projection for ``--json`` (USD per hour; None where a price is unknown)."""
    return {
        "usd_per_hour_change": projection.usd,
        "usd_per_hour_before": projection.before,
        "usd_per_hour_after": projection.after,
        "line": projection.line,
    }
