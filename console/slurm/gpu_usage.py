"""GPU utilisation for a job's efficiency: from Slurm's GPU accounting, else sampled.

Slurm records GPU use only where the cluster asks for it (``AccountingStorageTRES`` with
``gres/gpuutil`` and ``gres/gpumem``, gathered by the gpu/nvml plugin): sacct's
``TRESUsageInTot`` then holds ``gres/gpuutil``, every GPU's utilisation (percent) of the
step's tasks added up, so the step's mean per GPU is that sum over its GPUs. Where the
cluster records none (the common case, and the test cluster's), a running job is sampled
the way the GPU panel samples it: nvidia-smi on its nodes, for its own GPUs only
(console/slurm/gpu.py). A finished job without accounting has no utilisation to show,
and the efficiency says why instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.slurm import parse

if TYPE_CHECKING:
    from console.slurm.detail import JobStep
    from console.slurm.gpu import GpuReport

GPU_WASTE = 10.0  # percent: below this the job's GPUs mostly idled
ACCOUNTING = "Slurm GPU accounting"
SAMPLED = "sampled now (nvidia-smi)"


@dataclass(frozen=True)
class Sampled:
    """Utilisation of a running job's own GPUs, as nvidia-smi reported it just now."""

    percents: tuple[float, ...]  # one per GPU that reported a utilisation
    gpus: int  # GPUs the job holds (what squeue or sacct says)
    problem: str = ""  # why nothing was sampled (no nvidia-smi, a node unreachable)


@dataclass(frozen=True)
class GpuUtilisation:
    percent: float | None
    source: str
    memory_mb: float | None
    note: str


def tres_items(text: str) -> dict[str, str]:
    """``billing=1,cpu=2,gres/gpu=1,mem=4G,node=1`` → {"cpu": "2", "gres/gpu": "1", …}."""
    found: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            found[key] = value
    return found


def tres_gpus(text: str) -> int:
    """GPUs in a TRES string (``gres/gpu=2`` or typed ``gres/gpu:a100=2``, not both)."""
    tres = tres_items(text)
    if "gres/gpu" in tres:
        return parse.number(tres["gres/gpu"]) or 0
    return sum(parse.number(v) or 0 for k, v in tres.items() if k.startswith("gres/gpu:"))


def tres_number(tres: str, key: str) -> float | None:
    """The number of ``key`` in a TRES usage string (``cpu=00:01:02,gres/gpuutil=170``)."""
    for item in tres.split(","):
        name, sep, value = item.strip().partition("=")
        if sep and name == key:
            try:
                number = float(value)
            except ValueError:
                return None
            return number if math.isfinite(number) and number >= 0 else None
    return None


def sampled_from(report: GpuReport, held: int) -> Sampled:
    """A GPU report of a running job holding ``held`` GPUs, reduced to what the
    efficiency needs."""
    percents = tuple(g.utilization for g in report.gpus if g.utilization is not None)
    problems = [f"{n.node}: {n.message}" for n in report.nodes if n.status != "ok" and n.message]
    return Sampled(percents, held, "; ".join(problems)[:200])


def _step_gpus(step: JobStep) -> int:
    return tres_gpus(step.alloc_tres) or tres_gpus(step.req_tres)


def utilisation(
    steps: Sequence[JobStep], gpus: int, sampled: Sampled | None = None
) -> GpuUtilisation:
    """The job's mean GPU utilisation (per GPU), with where it came from, or a note
    saying why there is none. Accounting first (the whole run), then the sample."""
    if not gpus:
        return GpuUtilisation(None, "", None, "")
    weighted, weights = 0.0, 0.0
    memory: list[float] = []
    for step in steps:
        if not step.step:
            continue  # the job row repeats its steps' usage
        if step.gpu_mem_max_mb is not None:
            memory.append(step.gpu_mem_max_mb)
        step_gpus = _step_gpus(step) or gpus
        if step.gpu_util_sum is None or not step_gpus:
            continue
        weight = float(max(step.elapsed_seconds or 0, 1))
        weighted += weight * min(step.gpu_util_sum / step_gpus, 100.0)
        weights += weight
    peak = max(memory) if memory else None
    if weights:
        return GpuUtilisation(round(weighted / weights, 1), ACCOUNTING, peak, "")
    if sampled is not None and sampled.percents:
        mean = sum(sampled.percents) / len(sampled.percents)
        return GpuUtilisation(round(mean, 1), SAMPLED, peak, "")
    if sampled is not None:
        why = sampled.problem or "nvidia-smi reported no utilisation (MIG?)"
        return GpuUtilisation(None, "", peak, f"GPU utilisation could not be sampled: {why}")
    return GpuUtilisation(
        None,
        "",
        peak,
        "GPU utilisation: Slurm records none here (AccountingStorageTRES without "
        "gres/gpuutil) and only a running job can be sampled",
    )


def utilisation_text(percent: float | None, source: str) -> str:
    """``87% (Slurm GPU accounting)``, or the missing mark."""
    if percent is None:
        return "-"
    return f"{percent:.0f}% ({source})" if source else f"{percent:.0f}%"
