"""The projected cost of a create/start/scale, and the config's caps: one place for the
CLI's confirmation (and ``--dry-run``) and the TUI's confirm dialog (its ``cost`` line).

A job can cost at most price x instances x its max runtime; an endpoint, a notebook or a
cluster group costs per hour. A scale (a HyperPod group's count, an autoscaling max) is
priced as the change per hour with the resource's hourly cost before and after. Above
``max_job_cost`` / ``max_hourly_cost`` the change is refused before sending
(:class:`CostCapError`). A price that cannot be read never blocks:
the projection says ``?`` and why (quiet for a local stack, which has no Price List API).

Reading a price may call the Price List API once a day (then the disk cache): call
:func:`project_job` / :func:`project_hourly` / :func:`project_scale` from a worker
thread in the TUI.
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
    # A scale's hourly cost of the resource before and after (None: not a scale, or a
    # price unknown): for ``--json`` and tests; ``usd`` is then the change per hour.
    before: float | None = None
    after: float | None = None
    # An unknown price on a local stack (no Price List API there): nothing worth printing
    # when no question is asked (``--yes``); the dialog still says ``?``.
    quiet: bool = False

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


def _unknown_reason(warning: str) -> str:
    """The reason an unknown price shows in brackets (``no price`` on a quiet local stack)."""
    return warning.removeprefix("cost not projected: ") or "no price"


def project_scale(
    pricing: PricingService,
    config: Any,
    target: str,
    kind: str,
    instance_type: str,
    before: int,
    after: int,
    *,
    label: str,
    rest: Sequence[tuple[str, str, int]] = (),
    worst_case: bool = False,
    basis: str = "now",
) -> CostProjection:
    """What ``before`` -> ``after`` instances of ``instance_type`` change per hour.

    ``rest`` is the rest of the resource (a cluster's other groups: kind, type, count):
    when all of it is priced, "now" and "after" are the whole ``target``'s hourly cost,
    else only ``label``'s (the group). ``worst_case``: ``after`` is a maximum the
    autoscaler may reach, not a count that will run (an autoscaling max). ``basis``
    names what ``before`` is ("now"; "at target" while a group is still scaling).

    Growing above ``max_hourly_cost`` (the resource's hourly cost after the change, as a
    create compares its whole hourly cost) is refused; shrinking never is. An unknown
    price never blocks: the line says ``? (why)``.
    """
    local = bool(config.endpoint_url)
    price, warning = _price(pricing, kind, instance_type, local=local)
    if price is None:
        line = f"projected cost: ? ({_unknown_reason(warning)})"
        return CostProjection(None, True, line, "", None, quiet=not warning)
    delta = (after - before) * price
    whole = 0.0  # the rest of the resource per hour (0: no rest, or not all priced)
    label_now = target if rest else label
    for rest_kind, rest_type, count in rest:
        rest_price, _ = _price(pricing, rest_kind, rest_type, local=local)
        if rest_price is None:
            whole, label_now = 0.0, label
            break
        whole += rest_price * max(0, count)
    now, then = whole + before * price, whole + after * price
    change = after - before
    sign = "+" if change >= 0 else "-"
    head = "projected cost" if change >= 0 else "projected saving"
    most = "at most " if worst_case and change > 0 else ""
    state = "at max" if worst_case else basis
    line = (
        f"{head}: {most}{sign}{abs(change)} x {instance_type} at ${price:,.3f}/h = "
        f"{sign}${abs(delta):,.3f}/h ({label_now} {state} ${now:,.3f}/h -> ${then:,.3f}/h)"
    )
    refusal = None
    cap = cost_cap(config, "max_hourly_cost")
    if cap and change > 0 and then > cap:
        who = target if label_now == target else f"{target}: {label_now}"
        refusal = CostCapError(
            f"{who} would cost {'up to ' if worst_case else ''}"
            f"${then:,.3f}/h ({sign}${abs(delta):,.3f}/h), above max_hourly_cost "
            f"${cap:,.2f}; nothing was sent",
            "add fewer instances, or raise max_hourly_cost in the config",
        )
    return CostProjection(delta, True, line, "", refusal, before=now, after=then)


def combined(projections: Sequence[CostProjection]) -> CostProjection | None:
    """Several scales in one confirmation (an endpoint's variants): their lines, the
    summed change (unknown if any is), the first refusal. None when there are none."""
    if not projections:
        return None
    if len(projections) == 1:
        return projections[0]
    known = [p.usd for p in projections if p.usd is not None]
    usd = sum(known) if len(known) == len(projections) else None
    refusal = next((p.refusal for p in projections if p.refusal is not None), None)
    warning = " · ".join(p.warning for p in projections if p.warning)
    line = "\n".join(p.line for p in projections)
    return CostProjection(usd, True, line, warning, refusal)
