"""How an endpoint's traffic looks: split summaries for the table, variant tables and bars.

Pure functions from :class:`~console.services.endpoints.Endpoint` records to text or Rich
tables, shared by the table, the wide preview, the describe screen and the weights
dialog, so a split reads the same everywhere. Values are plain ``Text`` (variant names
are user data: never markup).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from screens.kit.formatting import MISSING, StatusPalette

if TYPE_CHECKING:
    from console.services.endpoints import Endpoint, EndpointVariant

BAR_WIDTH = 20
ARROW = "→"
BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int = 20) -> str:
    """The last ``width`` values as block characters (empty: a dash)."""
    tail = list(values)[-width:]
    if not tail:
        return "-"
    return "".join(bar_char(v, min(tail), max(tail)) for v in tail)


def bar_char(value: float, low: float, top: float) -> str:
    """One block for ``value`` between 0 (or ``low`` if below 0: a noisy gauge) and
    ``top``; the lowest block when there is no spread."""
    floor = min(0.0, low)
    if top <= floor:
        return BARS[0]
    level = int((value - floor) / (top - floor) * (len(BARS) - 1))
    return BARS[max(0, min(len(BARS) - 1, level))]


def merged(values: Sequence[float], factor: int) -> list[float]:
    """Sums of ``factor`` neighbours (12 five-minute buckets -> 6 ten-minute ones), so a
    narrow cell still covers the whole window."""
    if factor <= 1:
        return list(values)
    return [sum(values[i : i + factor]) for i in range(0, len(values), factor)]


def rate_text(rate: float, calls: float) -> str:
    """A 5xx rate for a narrow cell: ``-`` without traffic, ``0%``, ``0.4%``, ``12%``."""
    if not calls:
        return MISSING
    percent_ = rate * 100
    if percent_ == 0 or percent_ >= 10:
        return f"{percent_:.0f}%"
    return f"{percent_:.1f}%"


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def weight_text(value: float | None) -> str:
    return MISSING if value is None else f"{value:g}"


def count_text(value: int | None) -> str:
    return MISSING if value is None else str(value)


def split_changing(endpoint: Endpoint) -> bool:
    """Whether the endpoint is moving to another split (desired != current)."""
    return endpoint.traffic_split() != endpoint.traffic_split(desired=True)


def split_summary(endpoint: Endpoint, *, compact: bool = False) -> str:
    """``v1 50% · v2 50%`` (``50/50`` when compact); ``→`` shows a split in progress."""
    if not endpoint.variants:
        return MISSING
    now = endpoint.traffic_split()
    after = endpoint.traffic_split(desired=True)
    changing = now != after
    if compact:
        if len(endpoint.variants) == 1:
            return "100%"
        text = "/".join(f"{share * 100:.0f}" for share in now.values())
        if changing:
            text += ARROW + "/".join(f"{share * 100:.0f}" for share in after.values())
        return text
    parts = []
    for name, share in now.items():
        part = f"{name} {percent(share)}"
        if changing:
            part += f"{ARROW}{percent(after.get(name, 0.0))}"
        parts.append(part)
    return " · ".join(parts)


def instances_summary(endpoint: Endpoint) -> str:
    """Instances per variant, ``1+1`` (``1+1→2+1`` while scaling); ``-`` when serverless."""
    if not endpoint.variants:
        return MISSING
    now = [v.current_instance_count for v in endpoint.variants]
    after = [v.desired_instance_count for v in endpoint.variants]
    if all(count is None for count in now + after):
        return MISSING
    text = "+".join(count_text(count) for count in now)
    if after != now and any(count is not None for count in after):
        text += ARROW + "+".join(count_text(count) for count in after)
    return text


def total_instances(endpoint: Endpoint) -> int:
    return sum(v.current_instance_count or 0 for v in endpoint.variants)


def bar(share: float, width: int = BAR_WIDTH) -> Text:
    """A horizontal bar of ``share`` (0-1) of ``width`` cells."""
    filled = round(max(0.0, min(1.0, share)) * width)
    return Text("█" * filled + "·" * (width - filled), no_wrap=True)


def _change(now: str, after: str) -> str:
    return now if now == after else f"{now} {ARROW} {after}"


def variants_table(endpoint: Endpoint, palette: StatusPalette, *, bars: bool = True) -> Table:
    """One row per variant: share, weight and instances now (→ desired), status."""
    now = endpoint.traffic_split()
    after = endpoint.traffic_split(desired=True)
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column("Variant", no_wrap=True)
    table.add_column("Share", no_wrap=True)
    if bars:
        table.add_column("", no_wrap=True)
    table.add_column("Weight", no_wrap=True)
    table.add_column("Instances", no_wrap=True)
    table.add_column("Status", overflow="fold")
    for variant in endpoint.variants:
        cells: list[Text] = [
            Text(variant.name),
            Text(
                _change(percent(now.get(variant.name, 0.0)), percent(after.get(variant.name, 0.0)))
            ),
        ]
        if bars:
            cells.append(bar(now.get(variant.name, 0.0), BAR_WIDTH // 2))
        cells += [
            Text(_weight_change(variant)),
            Text(_count_change(variant)),
            palette.text(variant.status) if variant.status else Text(MISSING),
        ]
        table.add_row(*cells)
    if not endpoint.variants:
        table.add_row(Text("(no variants)"), *([Text("")] * (len(table.columns) - 1)))
    return table


def _weight_change(variant: EndpointVariant) -> str:
    return _change(weight_text(variant.current_weight), weight_text(variant.desired_weight))


def _count_change(variant: EndpointVariant) -> str:
    return _change(
        count_text(variant.current_instance_count), count_text(variant.desired_instance_count)
    )


def planned_split(
    endpoint: Endpoint, weights: Mapping[str, float], counts: Mapping[str, int]
) -> tuple[dict[str, float], dict[str, int | None]]:
    """The shares and instance counts a weights change would lead to."""
    new_weights = {
        v.name: float(weights.get(v.name, v.desired_weight or 0.0)) for v in endpoint.variants
    }
    total = sum(new_weights.values())
    shares = {name: (w / total if total else 0.0) for name, w in new_weights.items()}
    new_counts = {v.name: counts.get(v.name, v.desired_instance_count) for v in endpoint.variants}
    return shares, new_counts


def plan_table(
    endpoint: Endpoint, weights: Mapping[str, float], counts: Mapping[str, int]
) -> Table:
    """The preview of a weights change: each variant's share now and after, with bars."""
    now = endpoint.traffic_split()
    shares, new_counts = planned_split(endpoint, weights, counts)
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for header in ("Variant", "Now", "After", ""):
        table.add_column(header, no_wrap=True)
    for variant in endpoint.variants:
        share = shares.get(variant.name, 0.0)
        instances = count_text(new_counts.get(variant.name))
        table.add_row(
            Text(variant.name),
            Text(percent(now.get(variant.name, 0.0))),
            Text(f"{percent(share):>4} ×{instances}"),
            bar(share, BAR_WIDTH // 2),
        )
    return table


def plan_summary(
    endpoint: Endpoint, weights: Mapping[str, float], counts: Mapping[str, int]
) -> str:
    """One line per variant, ``v1-baseline  50% → 90%`` (for the confirm dialog)."""
    now = endpoint.traffic_split()
    shares, new_counts = planned_split(endpoint, weights, counts)
    width = max((len(v.name) for v in endpoint.variants), default=0)
    lines: list[str] = []
    for variant in endpoint.variants:
        line = (
            f"{variant.name:<{width}}  {percent(now.get(variant.name, 0.0)):>4} {ARROW} "
            f"{percent(shares.get(variant.name, 0.0)):>4}"
        )
        if new_counts.get(variant.name) != variant.desired_instance_count:
            line += (
                f", instances {count_text(variant.desired_instance_count)} {ARROW} "
                f"{count_text(new_counts.get(variant.name))}"
            )
        lines.append(line)
    return "\n".join(lines)


def variant_names(endpoint: Endpoint) -> Sequence[str]:
    return [v.name for v in endpoint.variants]
