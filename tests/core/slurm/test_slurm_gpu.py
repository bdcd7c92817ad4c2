# ruff: noqa: F811 - the e2e fixtures are imported and then named as parameters
"""GPUs: the nvidia-smi CSV parser on captured samples and on garbage, the flags, and the
probe end to end through srun on the real test Slurm (no nvidia-smi there: the clean
message; then a fake nvidia-smi the test puts on the node, so srun's path is real)."""

from __future__ import annotations

import shutil
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.errors import ConflictError, SmError, ValidationError
from console.slurm.client import SlurmClient
from console.slurm.gpu import (
    GpuSample,
    NodeGpus,
    flag,
    parse_gpu_csv,
    parse_probe,
    parse_xid_line,
    probe_argv,
)
from console.slurm.gpu_usage import SAMPLED
from tests.core.slurm.test_slurm_e2e import (  # noqa: F401 - the e2e fixtures, shared
    JOB_WAIT,
    client,
    script,
    ssh_args,
    wait_for,
    workdir,
)
from tests.support.helpers import assert_one_error
from tests.system.support import System

CAPTURES = Path(__file__).resolve().parents[2] / "system" / "captures"


def capture(name: str) -> str:
    return (CAPTURES / name).read_text()


# --- the parser --------------------------------------------------------------------------


def test_eight_h100s_parse_with_every_field() -> None:
    gpus, skipped = parse_gpu_csv(capture("nvidia-smi-h100x8-handwritten.csv"), "n1")
    assert skipped == 0
    assert [g.index for g in gpus] == list(range(8))
    first = gpus[0]
    assert first.node == "n1" and first.name == "NVIDIA H100 80GB HBM3"
    assert first.uuid.startswith("GPU-3b1f")
    assert (first.utilization, first.memory_used_mb, first.memory_total_mb) == (97, 71234, 81559)
    assert (first.temperature_c, first.power_w) == (68, 612.45)
    assert first.memory_fraction == pytest.approx(71234 / 81559)
    assert not first.mig


def test_not_available_and_not_supported_become_unknown() -> None:
    gpus, skipped = parse_gpu_csv(capture("nvidia-smi-not-supported-handwritten.csv"))
    assert skipped == 0
    assert gpus[0].utilization == 0 and gpus[0].temperature_c is None and gpus[0].power_w is None
    second = gpus[1]
    assert second.index == 1
    assert (second.utilization, second.memory_used_mb, second.memory_total_mb) == (None,) * 3
    assert (second.temperature_c, second.power_w) == (None, None)


def test_mig_rows_and_blank_lines() -> None:
    gpus, skipped = parse_gpu_csv(capture("nvidia-smi-a100-mig-handwritten.csv"))
    assert skipped == 0
    assert [g.mig for g in gpus] == [False, False, True]
    assert gpus[0].utilization is None  # MIG mode on: the GPU reports no utilization
    assert gpus[2].uuid.startswith("MIG-") and gpus[2].memory_total_mb == 4864
    # a MIG GPU without utilization is never called idle or a straggler
    node = NodeGpus("n", "ok", "", tuple(gpus), (), True)
    assert [g.flags for g in flag([node], in_job=True)[0].gpus] == [(), (), ()]


def test_a_driver_error_is_skipped_not_parsed() -> None:
    gpus, skipped = parse_gpu_csv(capture("nvidia-smi-no-driver.txt"))
    assert gpus == [] and skipped == 1


def test_a_name_with_a_comma_and_units_left_in() -> None:
    gpus, _ = parse_gpu_csv("0, GPU-x, Odd, Name, 50 %, 10 MiB, 20 MiB, 40 C, 100.5 W")
    assert gpus[0].name == "Odd,Name"
    assert (gpus[0].utilization, gpus[0].memory_total_mb, gpus[0].power_w) == (50, 20, 100.5)


def test_a_header_line_is_not_a_gpu() -> None:
    header = "index, uuid, name, utilization.gpu, memory.used, memory.total, temp, power"
    assert parse_gpu_csv(header) == ([], 1)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_garbage_never_raises(output: str) -> None:
    gpus, skipped = parse_gpu_csv(output)
    assert all(isinstance(g, GpuSample) for g in gpus)
    assert skipped >= 0
    for node in parse_probe(output):
        assert node.status in {"ok", "missing", "error"}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 15),
            st.sampled_from(["87", "[N/A]", "N/A", "[Not Supported]", "", "-1", "nan", "1e400"]),
            st.sampled_from(["100", "[N/A]", "x", "12.5"]),
        ),
        max_size=8,
    )
)
def test_fuzzed_rows_keep_their_index_and_never_go_negative(rows: list[Any]) -> None:
    text = "\n".join(f"{i}, GPU-{i}, G, {u}, {m}, 100, 1, 1" for i, u, m in rows)
    gpus, skipped = parse_gpu_csv(text)
    assert skipped == 0 and [g.index for g in gpus] == [i for i, _, _ in rows]
    for g in gpus:
        assert g.utilization is None or g.utilization >= 0
        assert g.memory_used_mb is None or g.memory_used_mb >= 0


# --- probe output, XIDs, flags -------------------------------------------------------------

PROBE_TWO_NODES = """\
0: @@host ip-10-1-0-1
0: 0, GPU-a, NVIDIA H100 80GB HBM3, 95, 70000, 81559, 70, 650.1
0: 1, GPU-b, NVIDIA H100 80GB HBM3, 2, 1, 81559, 30, 70
0: @@rc 0
0: @@xid-visible
0: @@xid [ 1234.5] NVRM: Xid (PCI:0000:10:1c): 79, pid=123, GPU has fallen off the bus.
1: @@host ip-10-1-0-2
1: 0, GPU-c, NVIDIA H100 80GB HBM3, 30, 70000, 81559, 40, 300
1: 1, GPU-d, NVIDIA H100 80GB HBM3, 96, 70000, 81559, 65, 600
1: @@rc 0
1: @@xid-hidden
2: @@host ip-10-1-0-3
2: @@missing nvidia-smi
2: @@xid-hidden
3: @@host ip-10-1-0-4
3: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.
3: @@rc 9
3: @@xid-visible
"""


def test_probe_output_of_four_nodes() -> None:
    nodes = flag(parse_probe(PROBE_TWO_NODES), in_job=True)
    assert [(n.node, n.status) for n in nodes] == [
        ("ip-10-1-0-1", "ok"),
        ("ip-10-1-0-2", "ok"),
        ("ip-10-1-0-3", "missing"),
        ("ip-10-1-0-4", "error"),
    ]
    first, second, missing, broken = nodes
    assert [g.flags for g in first.gpus] == [(), ("idle",)]
    # median of 95, 2, 30, 96 is 62.5: 30 is under half of it
    assert [g.flags for g in second.gpus] == [("straggler",), ()]
    assert first.xid_visible and not second.xid_visible
    assert [(x.code, x.pci) for x in first.xids] == [(79, "PCI:0000:10:1c")]
    assert "fallen off the bus" in first.xids[0].text
    assert missing.message == "no nvidia-smi on this node (no NVIDIA driver here?)"
    assert "couldn't communicate with the NVIDIA driver" in broken.message


def test_a_free_node_has_no_idle_flags() -> None:
    nodes = flag(parse_probe(PROBE_TWO_NODES), in_job=False)
    assert all(not g.flags for n in nodes for g in n.gpus)


def test_xid_lines() -> None:
    event = parse_xid_line("[ 5.1] NVRM: Xid (PCI:0000:3b:00): 48, An uncorrectable ECC error")
    assert event is not None and event.code == 48 and event.pci == "PCI:0000:3b:00"
    assert parse_xid_line("NVRM: loading NVIDIA UNIX x86_64 Kernel Module") is None


def test_probe_takes_the_program_as_a_parameter() -> None:
    nasty = "/opt/x $(touch PWNED)/nvidia-smi"
    argv = probe_argv(nasty)
    assert argv[:2] == ["sh", "-c"] and argv[3:5] == ["sh", nasty]
    assert nasty not in argv[2]


# --- end to end on the real Slurm ----------------------------------------------------------

FAKE_NVIDIA_SMI = """#!/bin/sh
# A fake nvidia-smi for the tests: four GPUs, the third one idle, whatever -i asks for
# (more GPUs than a job holds: the console must show only the job's own). Its arguments
# are logged beside it.
printf '%s\n' "$*" >> "${0%/*}/calls"
case "$*" in *--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,*) ;;
  *) echo "unexpected arguments: $*" >&2; exit 2 ;; esac
echo "0, GPU-00000000-0000-0000-0000-000000000000, Fake GPU, 91, 30000, 40960, 61, 250.10"
echo "1, GPU-11111111-1111-1111-1111-111111111111, Fake GPU, 93, 30100, 40960, 62, 251.00"
echo "2, GPU-22222222-2222-2222-2222-222222222222, Fake GPU, 0, 3, 40960, 30, [N/A]"
echo "3, GPU-33333333-3333-3333-3333-333333333333, Fake GPU, 89, 29900, 40960, 60, [Not Supported]"
"""


@pytest.fixture
def fake_nvidia_smi(system: System) -> Iterator[str]:
    """A fake nvidia-smi in the test user's home, in a directory whose name tries to inject."""
    directory = Path(system.home) / "gpu-bin" / f"fake {uuid.uuid4().hex[:6]} $(touch PWNED)"
    directory.mkdir(parents=True)
    program = directory / "nvidia-smi"
    program.write_text(FAKE_NVIDIA_SMI)
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    for path in (directory.parent, directory, program):
        shutil.chown(path, system.user, system.user)
    yield str(program)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def running_job(client: SlurmClient, workdir: str, cleanup: list[str]) -> Iterator[str]:
    body = ["for _ in $(seq 600); do [ -e stop ] && break; sleep 0.2; done"]
    result = client.submit(
        script(body, extra="#SBATCH --gres=gpu:2\n"), name="gpus", workdir=workdir
    )
    cleanup.append(result.job_id)
    client.wait_until(result.job_id, lambda j: j.state == "RUNNING", timeout=JOB_WAIT)
    yield result.job_id
    Path(workdir, "stop").touch()


def test_job_gpus_without_nvidia_smi_is_a_clean_message(
    client: SlurmClient,
    running_job: str,
) -> None:
    report = client.gpus(running_job)
    assert report.target == f"job {running_job}" and report.gpus == []
    [node] = report.nodes
    assert (node.node, node.status) == ("localhost", "missing")
    assert node.message == "no nvidia-smi on this node (no NVIDIA driver here?)"


def test_job_gpus_through_srun_with_a_fake_nvidia_smi(
    client: SlurmClient,
    running_job: str,
    fake_nvidia_smi: str,
    system: System,
) -> None:
    held = client.job_gpu_indexes(running_job)
    assert list(held) == ["localhost"] and len(held["localhost"]) == 2  # --gres=gpu:2
    report = client.gpus(running_job, nvidia_smi=fake_nvidia_smi)
    [node] = report.nodes
    assert node.status == "ok" and node.node == "localhost"
    # Exactly the job's GPUs, though the fake printed all four of the node's.
    assert [g.index for g in node.gpus] == list(held["localhost"])
    assert [g.flags for g in node.gpus] == [("idle",) if g.index == 2 else () for g in node.gpus]
    calls = Path(fake_nvidia_smi).with_name("calls").read_text().splitlines()
    assert calls[-1].endswith(f"-i {','.join(map(str, held['localhost']))}")
    assert not Path(system.home, "PWNED").exists()
    assert not list(Path(system.home).rglob("PWNED"))


def test_node_gpus_on_the_login_node(
    client: SlurmClient,
    fake_nvidia_smi: str,
) -> None:
    report = client.gpus("localhost", nvidia_smi=fake_nvidia_smi)
    assert report.target == "node localhost" and len(report.gpus) == 4
    assert all(not g.flags for g in report.gpus)  # no job: idle is not a problem
    missing = client.gpus("localhost")
    assert [n.status for n in missing.nodes] == ["missing"]


def test_bad_targets_are_refused(client: SlurmClient) -> None:
    with pytest.raises(ValidationError, match="not a node name or a job id"):
        client.gpus("node; reboot")
    finished = client.submit(script(["true"]), name="quick")
    client.wait_until(finished.job_id, lambda j: not j.active, timeout=JOB_WAIT)
    with pytest.raises(ConflictError, match="GPUs are shown for running jobs"):
        client.gpus(finished.job_id)


def test_cli_slurm_gpus(
    client: SlurmClient,
    system: System,
    run_cli: Any,
    running_job: str,
    fake_nvidia_smi: str,
) -> None:
    table = run_cli("slurm-gpus", running_job, *ssh_args(system), "--nvidia-smi", fake_nvidia_smi)
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["Node", "GPU", "Name", "Util"]
    held = client.job_gpu_indexes(running_job)["localhost"]
    shown = [line.split()[1] for line in lines[1:] if line.startswith("localhost")]
    assert shown == [str(i) for i in held]  # the job's two GPUs, not the node's four
    assert ("1 GPU(s) flagged: localhost/2 idle" in table.stdout) == (2 in held)
    data = run_cli("slurm-gpus", running_job, *ssh_args(system), "--json").json()
    assert data["nodes"][0]["status"] == "missing" and data["job_id"] == running_job
    plain = run_cli("slurm-gpus", running_job, *ssh_args(system))
    assert plain.exit_code == 0
    assert "localhost: no nvidia-smi on this node" in plain.stdout
    assert_one_error(run_cli("slurm-gpus", "$(id)", "--local"), 2, "not a node name or a job id")


def test_gpus_of_one_array_task(
    client: SlurmClient, workdir: str, cleanup: list[str], fake_nvidia_smi: str
) -> None:
    """srun --jobid refuses 14_1: the step goes into the task's own number."""
    body = ["for _ in $(seq 600); do [ -e stop ] && break; sleep 0.2; done"]
    extra = "#SBATCH --gres=gpu:1\n#SBATCH --array=1\n"
    result = client.submit(script(body, extra=extra), name="gpu-array", workdir=workdir)
    cleanup.append(result.job_id)
    task = f"{result.job_id}_1"
    try:
        running = client.wait_until(task, lambda j: j.state == "RUNNING", timeout=JOB_WAIT)
        assert running.number and running.number != task
        held = client.job_gpu_indexes(task)["localhost"]
        report = client.gpus(task, nvidia_smi=fake_nvidia_smi)
        assert [g.index for g in report.gpus] == list(held) and len(held) == 1
    finally:
        Path(workdir, "stop").touch()


def test_a_running_jobs_efficiency_samples_its_own_gpus(
    client: SlurmClient,
    running_job: str,
    fake_nvidia_smi: str,
    system: System,
    run_cli: Any,
) -> None:
    """No GPU accounting on the test cluster: the efficiency samples the job's GPUs (only
    its two, though the fake prints four), and says so; without nvidia-smi it says why."""
    held = client.job_gpu_indexes(running_job)["localhost"]
    fake = {0: 91.0, 1: 93.0, 2: 0.0, 3: 89.0}  # what FAKE_NVIDIA_SMI prints
    expected = round(sum(fake[i] for i in held) / len(held), 1)
    found = wait_for(lambda: _running_efficiency(client, running_job, fake_nvidia_smi))
    assert found.running and found.gpus == 2
    assert (found.gpu_util_percent, found.gpu_util_source) == (expected, SAMPLED)
    missing = client.efficiency(running_job)  # no nvidia-smi on the node
    assert missing.gpu_util_percent is None
    assert any("could not be sampled" in n and "no nvidia-smi" in n for n in missing.notes)
    shown = run_cli("slurm-eff", running_job, "--nvidia-smi", fake_nvidia_smi, *ssh_args(system))
    assert shown.exit_code == 0, shown.stderr
    assert f"{expected:.0f}% (sampled now (nvidia-smi))" in shown.stdout


def _running_efficiency(client: SlurmClient, job_id: str, nvidia_smi: str) -> Any:
    """The efficiency once accounting has the job running with its GPUs (slurmdbd lags
    a second or so behind squeue)."""
    try:
        found = client.efficiency(job_id, nvidia_smi=nvidia_smi)
    except SmError:
        return None
    return found if found.state == "RUNNING" and found.gpus else None


def test_an_ended_jobs_efficiency_counts_the_gpus_it_held(
    client: SlurmClient, workdir: str, cleanup: list[str]
) -> None:
    """Found in the #19 walkthrough: the test cluster accounts no gres/gpu TRES, so a job
    that held two GPUs showed "GPUs 0 (0.00 GPU-hours allocated)". The controller still
    knows the count for a few minutes after the end (MinJobAge): it stands in, noted."""
    result = client.submit(
        script(["sleep 1"], extra="#SBATCH --gres=gpu:2\n"), name="gpu-ended", workdir=workdir
    )
    cleanup.append(result.job_id)
    client.wait_until(result.job_id, lambda j: not j.active, timeout=JOB_WAIT)

    def ended() -> Any:
        try:
            found = client.efficiency(result.job_id)
        except SmError:
            return None
        return found if found.state == "COMPLETED" else None

    found = wait_for(ended)
    assert found.gpus == 2
    assert "GPUs from the controller: accounting records no gres/gpu here" in found.notes
