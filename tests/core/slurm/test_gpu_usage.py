"""GPU utilisation in a job's efficiency (issue 19): from Slurm's GPU accounting
(``gres/gpuutil`` of TRESUsageInTot: every GPU's percent added up, per step), else a
running job's own GPUs sampled with nvidia-smi, else a note saying why there is none;
a job whose GPUs idled is flagged wasteful. Hostile or absurd TRES values never count."""

from __future__ import annotations

import secrets
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from console.slurm import detail
from console.slurm.gpu_usage import ACCOUNTING, SAMPLED, Sampled, tres_number, utilisation_text

HOUR = "01:00:00"


def steps(*, util: str = "", gpus: int = 8, elapsed: str = HOUR, mem: str = "") -> list[Any]:
    tok = f"smc{secrets.token_hex(6)}"
    base = dict.fromkeys(detail.STEP_FIELDS, "")
    tres = f"cpu=8,gres/gpu={gpus},mem=64G,node=1"
    common = {"State": "COMPLETED", "Elapsed": elapsed, "AllocTRES": tres, "AllocCPUS": "8"}
    job = {**base, **common, "JobID": "9", "JobName": "train", "TotalCPU": "07:30:00"}
    batch = {**base, **common, "JobID": "9.batch", "JobName": "batch", "MaxRSS": "40G"}
    batch["TRESUsageInTot"] = f"cpu=07:30:00,gres/gpuutil={util}" if util else "cpu=07:30:00"
    batch["TRESUsageInMax"] = f"gres/gpumem={mem}" if mem else ""
    job["ReqMem"] = "64G"
    output = "".join(tok.join(r[f] for f in detail.STEP_FIELDS) + "\n" for r in (job, batch))
    return detail.parse_steps(output, tok)


def test_accounting_gives_the_mean_per_gpu_and_the_peak_memory() -> None:
    found = detail.efficiency(steps(util="720", mem="71000M"))
    assert (found.gpu_util_percent, found.gpu_util_source) == (90.0, ACCOUNTING)
    assert found.gpu_memory_mb == 71000.0 and not found.wasteful
    assert utilisation_text(found.gpu_util_percent, found.gpu_util_source) == (
        "90% (Slurm GPU accounting)"
    )


def test_idle_gpus_make_a_job_wasteful_once_it_ran_long_enough() -> None:
    idle = detail.efficiency(steps(util="24"))  # 3% a GPU over an hour
    assert idle.wasteful and idle.reasons == ("GPU utilisation 3% < 10%",)
    short = detail.efficiency(steps(util="0", elapsed="00:00:30"))
    assert short.gpu_util_percent == 0.0 and not short.wasteful


def test_a_sample_is_used_only_where_accounting_has_none() -> None:
    sample = Sampled((90.0, 10.0), 2)
    accounted = detail.efficiency(steps(util="400"), sampled=sample)
    assert (accounted.gpu_util_percent, accounted.gpu_util_source) == (50.0, ACCOUNTING)
    sampled = detail.efficiency(steps(), sampled=sample)
    assert (sampled.gpu_util_percent, sampled.gpu_util_source) == (50.0, SAMPLED)


def test_without_either_the_note_says_why() -> None:
    none = detail.efficiency(steps())
    assert none.gpu_util_percent is None
    assert any("Slurm records none here" in n for n in none.notes)
    failed = detail.efficiency(steps(), sampled=Sampled((), 0, "n1: no nvidia-smi on this node"))
    assert any("could not be sampled: n1: no nvidia-smi" in n for n in failed.notes)
    cpu_only = detail.efficiency(steps(gpus=0))
    assert cpu_only.gpu_util_percent is None and not any("GPU" in n for n in cpu_only.notes)
    assert utilisation_text(None, "") == "-"


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=30))
def test_hostile_tres_values_never_count(value: str) -> None:
    number = tres_number(f"cpu=1,gres/gpuutil={value},mem=1", "gres/gpuutil")
    assert number is None or number >= 0
    for absurd in ("nan", "inf", "-5", "1e999", "12;rm"):
        assert tres_number(f"gres/gpuutil={absurd}", "gres/gpuutil") is None
    found = detail.efficiency(steps(util="99999"))  # more than every GPU at 100%
    assert found.gpu_util_percent == 100.0
