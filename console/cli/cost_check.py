"""The projected cost shown before a create (``--dry-run``) and the config's caps.

Prices come from :class:`console.services.pricing.PricingService`; a price that cannot be
read warns and goes on (like an unknown quota), it never blocks a create.
"""

from __future__ import annotations

from typing import Any

import click

from console.errors import NotSupportedError, SmError, UnreachableError, ValidationError
from console.services.pricing import projected_cost


class CostCapError(ValidationError):
    """Above ``max_job_cost`` / ``max_hourly_cost``: nothing was sent (exit 2)."""


def _cap(inv: Any, key: str) -> float:
    """A cost cap from the config: 0 when unset; a bad value is a config error."""
    import math

    from console.errors import ConfigError

    text = str(getattr(inv.config, key) or "").strip()
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(
            f"{key}: expected a positive amount in USD, got {text[:20]!r}",
            f'e.g. {key} = "500" (or leave it out for no limit)',
        )
    return value


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _hourly(inv: Any, kind: str, instance_type: str) -> float | None:
    try:
        price = inv.console.pricing.hourly(kind, instance_type)
    except SmError as exc:
        # A local stack has no Price List API: nothing to project, nothing to say.
        local = inv.config.is_local_endpoint
        if not (local and isinstance(exc, NotSupportedError | UnreachableError)):
            _warn(f"cost not projected: prices unavailable: {exc.message}")
        return None
    if price is None:
        _warn(f"cost not projected: no {kind} price for {instance_type}")
    return price  # type: ignore[no-any-return]


def job_projection(
    inv: Any, action: str, target: str, kind: str, instance_type: str, count: int, max_s: int
) -> float | None:
    """The most the job can cost; refuses above ``max_job_cost`` (audited)."""
    price = _hourly(inv, kind, instance_type)
    if price is None:
        return None
    usd = projected_cost(price, count, max_s)
    cap = _cap(inv, "max_job_cost")
    if cap and usd > cap:
        error = CostCapError(
            f"{target}: projected cost ${usd:,.2f} ({count} x {instance_type} at "
            f"${price:.4g}/h for up to {max_s / 3600:.4g} h) is above max_job_cost ${cap:,.2f}; "
            "nothing was sent",
            "lower the instance count or max runtime, or raise max_job_cost in the config",
        )
        inv.console.gate.refused(action, target, error)
        raise error
    return usd


def hourly_projection(
    inv: Any, action: str, target: str, needs: list[tuple[str, str, int]]
) -> float | None:
    """Per hour of ``needs`` (kind, type, count); refuses above ``max_hourly_cost``."""
    total = 0.0
    for kind, instance_type, count in needs:
        price = _hourly(inv, kind, instance_type)
        if price is None:
            return None
        total += price * max(1, count)
    cap = _cap(inv, "max_hourly_cost")
    if cap and total > cap:
        error = CostCapError(
            f"{target}: ${total:,.3f}/h is above max_hourly_cost ${cap:,.2f}; nothing was sent",
            "use fewer or smaller instances, or raise max_hourly_cost in the config",
        )
        inv.console.gate.refused(action, target, error)
        raise error
    return total
