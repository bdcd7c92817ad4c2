"""The projected cost of a create/start/scale, and the config's caps: one place for the
CLI's confirmation (and ``--dry-run``) and the TUI's confirm dialog (its ``cost`` line).

A job can cost at most price x instances x its max runtime; an endpoint, a notebook or a
cluster group costs per hour. Above ``max_job_cost`` / ``max_hourly_cost`` the change is
refused before sending (:class:`CostCapError`). A price that cannot be read never blocks:
the projection says ``?`` and why (quiet for a local stack, which has no Price List API).

Reading a price may call the Price List API once a day (then the disk cache): call
:func:`project_job` / :func:`project_hourly` from a worker thread in the TUI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.errors import (
    ConfigError,
    NotSupportedError,
    SmError,
    UnreachableError,
    ValidationError,
)
from console.services.pricing import projected_cost

if TYPE_CHECKING:
    from console.services.pricing import PricingService


class CostCapError(ValidationError):
    """Above ``max_job_cost`` / ``max_hourly_cost``: nothing was sent (exit 2)."""


@dataclass(frozen=True)
class CostProjection:
    """What a change would cost, as one line for a confirmation."""

    usd: float | None  # the job's most, or per hour (``hourly``); None: unknown
    hourly: bool
    line: str  # "projected cost: at most $28.36 (2 x ml.g5.12xlarge …)" / "…: ?"
    warning: str  # why the price is unknown ("" when known, or quiet on a local stack)
    refusal: CostCapError | None  # above the config's cap: must not be sent

    @property
    def shown(self) -> str:
        """``$28.36`` / ``$0.230/h`` / ``?``."""
        if self.usd is None:
            return "?"
        return f"${self.usd:,.3f}/h" if self.hourly else f"${self.usd:,.2f}"


def cost_cap(config: Any, key: str) -> float:
    """A cost cap from the config: 0 when unset; a bad value is a config error."""
    text = str(getattr(config, key, "") or "").strip()
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


def _price(
    pricing: PricingService, kind: str, instance_type: str, *, local: bool
) -> tuple[float | None, str]:
    """(USD per hour, why unknown)."""
    try:
        price = pricing.hourly(kind, instance_type)
    except SmError as exc:
        quiet = local and isinstance(exc, NotSupportedError | UnreachableError)
        return None, "" if quiet else f"cost not projected: prices unavailable: {exc.message}"
    if price is None:
        return None, f"cost not projected: no {kind} price for {instance_type}"
    return price, ""


def project_job(
    pricing: PricingService,
    config: Any,
    target: str,
    kind: str,
    instance_type: str,
    count: int,
    max_runtime_s: float,
) -> CostProjection:
    """The most a job can cost; a refusal above ``max_job_cost``."""
    price, warning = _price(pricing, kind, instance_type, local=bool(config.endpoint_url))
    if price is None:
        return CostProjection(None, False, "projected cost: ? (no price)", warning, None)
    usd = projected_cost(price, count, max_runtime_s)
    hours = max_runtime_s / 3600
    detail = f"{max(1, count)} x {instance_type} at ${price:.4g}/h for up to {hours:.4g} h"
    refusal = None
    cap = cost_cap(config, "max_job_cost")
    if cap and usd > cap:
        refusal = CostCapError(
            f"{target}: projected cost ${usd:,.2f} ({detail}) is above max_job_cost "
            f"${cap:,.2f}; nothing was sent",
            "lower the instance count or max runtime, or raise max_job_cost in the config",
        )
    return CostProjection(
        usd, False, f"projected cost: at most ${usd:,.2f} ({detail})", "", refusal
    )


def project_hourly(
    pricing: PricingService, config: Any, target: str, needs: Sequence[tuple[str, str, int]]
) -> CostProjection:
    """Per hour of ``needs`` (kind, instance type, count); a refusal above
    ``max_hourly_cost``."""
    total = 0.0
    parts = []
    for kind, instance_type, count in needs:
        price, warning = _price(pricing, kind, instance_type, local=bool(config.endpoint_url))
        if price is None:
            return CostProjection(
                None, True, "projected cost: ? per hour (no price)", warning, None
            )
        total += price * max(1, count)
        parts.append(f"{max(1, count)} x {instance_type}")
    refusal = None
    cap = cost_cap(config, "max_hourly_cost")
    if cap and total > cap:
        refusal = CostCapError(
            f"{target}: ${total:,.3f}/h is above max_hourly_cost ${cap:,.2f}; nothing was sent",
            "use fewer or smaller instances, or raise max_hourly_cost in the config",
        )
    detail = f" ({', '.join(parts)})" if parts else ""
    line = f"projected cost: ${total:,.3f}/h{detail}, billed until stopped or deleted"
    return CostProjection(total, True, line, "", refusal)
