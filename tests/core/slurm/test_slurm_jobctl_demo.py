"""Job detail, efficiency, job control and cluster views against the demo's simulated
Slurm (the client and its parsers unchanged), plus the parsers on captured output."""

from __future__ import annotations

import pytest

from console.demo.slurm import DemoNode, DemoSlurmTransport, SimCluster, fallback_nodes
from console.errors import ValidationError
from console.slurm import detail
from console.slurm.client import SlurmClient, check_signal, check_time_limit
from console.slurm.cluster import parse_node_detail
from console.slurm.parse import SlurmOutputError
from tests.core.demo.test_demo_slurm import Clock
from tests.support.helpers import context

T0 = 1_800_000_000.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slurm(clock: Clock) -> SlurmClient:
    nodes = [*fallback_nodes(3), DemoNode("ip-127-31-1-13", "127.31.1.13", False, "Xid 79")]
    transport = DemoSlurmTransport(SimCluster.seeded(nodes, clock), sleep=lambda _: None)
    return SlurmClient(transport, context().gate, hyperpod=True)


def test_detail_efficiency_and_views_on_the_simulated_cluster(slurm: SlurmClient) -> None:
    running = next(j for j in slurm.queue(all_users=True) if j.state == "RUNNING")
    found = slurm.job_detail(running.job_id, script=True)
    assert (found.job_id, found.source, found.state) == (running.job_id, "squeue", "RUNNING")
    assert found.node_gpus and all(h.gpus for h in found.node_gpus)
    assert found.script is not None and found.script.startswith("#!")
    eff = slurm.efficiency(running.job_id)
    assert eff.running and eff.cpu_percent is not None and eff.gpus > 0
    summary = {p.name: p for p in slurm.partition_summary()}
    assert summary["gpu"].nodes_total == 4 and summary["gpu"].drain == 1
    assert summary["gpu"].running_jobs >= 1
    node = slurm.node_detail("ip-127-31-1-13")
    assert "DRAIN" in node.flags and node.gpus_total == 8


def test_hold_release_time_limit_drain_resume(slurm: SlurmClient, clock: Clock) -> None:
    job = slurm.submit("#!/bin/bash\n#SBATCH --time=5\ntrue\n", name="held")
    assert slurm.hold(job.job_id).state == "PENDING"
    clock.advance(30)
    assert slurm.job(job.job_id).reason == "JobHeldUser"
    slurm.release(job.job_id)
    slurm.set_time_limit(job.job_id, "3")
    assert slurm.job(job.job_id).time_limit_minutes == 3
    clock.advance(30)
    assert slurm.job(job.job_id).state == "RUNNING"
    slurm.signal(job.job_id, "usr1")
    node = slurm.drain("ip-127-31-1-10", "bad GPU 3")
    assert "DRAIN" in node.flags and node.reason == "bad GPU 3" and node.reason_by == "demo"
    assert "DRAIN" not in slurm.resume("ip-127-31-1-10").flags


def test_validators_refuse_what_slurm_would_misread() -> None:
    assert check_time_limit("1-12:00:00") == "1-12:00:00"
    assert check_time_limit("unlimited") == "UNLIMITED"
    assert check_signal("SIGusr2") == "USR2"
    for bad in ("", "1h", "5; scancel -u x", "--x"):
        with pytest.raises(ValidationError):
            check_time_limit(bad)
    for bad in ("SEGV", "9", "USR1 TERM", ""):
        with pytest.raises(ValidationError):
            check_signal(bad)


# --- parsers on captured Slurm 22.05 output -------------------------------------------------

TOKEN = "smcdeadbeefdeadbeefdeadbeef"
STEPS = (
    # captured from `sacct -P -n --delimiter=T -j 321 -o <STEP_FIELDS>` on the test cluster
    # (the test cluster gathers no usage: TRESUsageInTot/Max added in the shape
    # jobacct_gather/linux gives them, without GPU accounting)
    "321{t}COMPLETED{t}0:0{t}00:10:00{t}00:02:30{t}2{t}{t}4G{t}billing=2,cpu=2,gres/gpu=1,"
    "node=1{t}billing=2,cpu=2,mem=4G,node=1{t}00:30:00{t}localhost{t}2026-12-05T22:05:35{t}"
    "2026-12-05T22:15:35{t}2026-12-05T22:05:30{t}debug{t}normal{t}{t}None{t}smtest{t}"
    "/home/smtest{t}{t}{t}a name\nwith a newline {t} and the token's look\n"
    "321.batch{t}COMPLETED{t}0:0{t}00:10:00{t}00:02:30{t}2{t}204800K{t}{t}cpu=2,mem=0,node=1"
    "{t}{t}{t}localhost{t}2026-12-05T22:05:35{t}2026-12-05T22:15:35{t}2026-12-05T22:05:35{t}"
    "{t}{t}{t}{t}{t}{t}cpu=00:02:30,energy=0,fs/disk=2048,mem=200M,pages=0,vmem=8M"
    "{t}cpu=00:02:30,energy=0,fs/disk=2048,mem=200M,pages=0,vmem=8M{t}batch\n"
)


def test_steps_and_efficiency_from_captured_sacct() -> None:
    output = STEPS.replace("{t} and the token's look", " and the token's look").format(t=TOKEN)
    steps = detail.parse_steps(output, TOKEN)
    assert [s.step for s in steps] == ["", "batch"]
    assert steps[0].name.startswith("a name") and "\n" not in steps[0].name  # inert text
    assert steps[0].req_mem_mb == 4096 and steps[1].max_rss_mb == 200
    eff = detail.efficiency(steps)
    assert eff.cpu_percent == 12.5  # 150 s of CPU over 600 s x 2 CPUs
    assert eff.memory_percent == pytest.approx(4.9, abs=0.05)
    assert eff.wasteful and len(eff.reasons) == 2
    assert eff.gpus == 1 and eff.gpu_hours == pytest.approx(0.167, abs=0.001)
    assert eff.wall_percent == pytest.approx(33.3, abs=0.1)


def test_a_cluster_that_gathers_no_usage_is_not_called_wasteful() -> None:
    """Found in the #19 walkthrough: on the test cluster (jobacct_gather/none) a job that
    kept its CPU busy showed "CPU efficiency 0.0%", and any such job over a minute was
    flagged WASTEFUL. Steps with no CPU time and no memory recorded mean no usage
    gathered: the CPU figure is unknown, and a note says why."""
    output = STEPS.replace("{t} and the token's look", " and the token's look").format(t=TOKEN)
    gathered_none = (
        output.replace("00:02:30", "00:00:00")
        .replace("204800K", "")
        .replace("cpu=00:00:00,energy=0,fs/disk=2048,mem=200M,pages=0,vmem=8M", "")
    )
    eff = detail.efficiency(detail.parse_steps(gathered_none, TOKEN))
    assert (eff.cpu_percent, eff.total_cpu_seconds, eff.max_rss_mb) == (None, None, None)
    assert not eff.wasteful and eff.reasons == ()
    assert "no CPU use recorded (job accounting gathers none here?)" in eff.notes
    # A job that did record memory but no CPU time really idled: 0% stands, and is judged.
    idle = output.replace("00:02:30", "00:00:00")
    eff = detail.efficiency(detail.parse_steps(idle, TOKEN))
    assert eff.cpu_percent == 0.0 and eff.wasteful


def test_gpus_the_controller_knows_stand_in_for_unaccounted_ones() -> None:
    output = STEPS.replace("{t} and the token's look", " and the token's look").format(t=TOKEN)
    assert detail.efficiency(detail.parse_steps(output, TOKEN), held_gpus=8).gpus == 1  # TRES
    unaccounted = detail.parse_steps(output.replace("gres/gpu=1,", ""), TOKEN)
    assert detail.efficiency(unaccounted).gpus == 0
    eff = detail.efficiency(unaccounted, held_gpus=2)
    assert eff.gpus == 2 and eff.gpu_hours == pytest.approx(0.333, abs=0.001)
    assert "GPUs from the controller: accounting records no gres/gpu here" in eff.notes


def test_a_hostile_step_row_is_refused_not_misread() -> None:
    with pytest.raises(SlurmOutputError):
        detail.parse_steps(f"321{TOKEN}x\n", TOKEN)
    with pytest.raises(SlurmOutputError):
        detail.parse_steps(STEPS.format(t="|").replace("321", "$(id)", 1), "|")


NODE = """NodeName=localhost Arch=x86_64 CoresPerSocket=2
   CPUAlloc=1 CPUEfctv=2 CPUTot=2 CPULoad=6.14
   AvailableFeatures=a100,ib
   ActiveFeatures=a100
   Gres=gpu:4
   NodeAddr=127.0.0.1 NodeHostName=localhost Version=22.05.8
   RealMemory=23593 AllocMem=1024 FreeMem=17134 Sockets=1 Boards=1
   State=MIXED+DRAIN ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A
   Partitions=debug,gpu
   CfgTRES=cpu=2,mem=23593M,billing=2
   AllocTRES=cpu=1,gres/gpu=2
   Reason=bad GPU State=IDLE [root@2026-12-05T22:00:00]
"""


def test_node_detail_from_captured_scontrol() -> None:
    node = parse_node_detail(NODE.replace(" State=IDLE", ""))
    assert (node.state, node.flags, node.reason, node.reason_by) == (
        "MIXED",
        ("DRAIN",),
        "bad GPU",
        "root",
    )
    assert node.features == ("a100", "ib") and node.gpus_used == 2 and node.cpu_load == 6.14
    # a reason imitating another key makes that key untrusted, never a spoofed value
    spoofed = parse_node_detail(NODE)
    assert spoofed.state == "UNKNOWN"  # never the IDLE the reason claims


def test_detail_fields_keep_extra_columns_apart() -> None:
    from console.slurm import parse

    values = {name: "N/A" for name in parse.JOB_FIELDS}
    values.update(
        JobArrayID="7",
        JobID="7",
        State="PENDING",
        Name="x QOS=evil",
        NumCPUs="1",
        TimeLimit="5:00",
        SubmitTime="2026-12-05T22:00:00",
    )
    extra = {
        "Account": "(null)",
        "QOS": "normal",
        "Dependency": "afterok:6(unfulfilled)",
        "Requeue": "1",
        "MinMemory": "4G",
        "Feature": "(null)",
        "Reservation": "(null)",
    }
    row = TOKEN.join([*(values[n] for n in parse.JOB_FIELDS), *extra.values()]) + TOKEN + "\n"
    ((job, got),) = detail.parse_detail_fields(row, TOKEN)
    assert job.name == "x QOS=evil" and got["QOS"] == "normal" and got["Account"] == ""
    assert got["Dependency"] == "afterok:6(unfulfilled)"


def test_sstat_from_captured_output() -> None:
    # 22.05 with jobacct_gather/none (the test cluster): the steps, no usage
    assert detail.parse_sstat("356.batch||\n356.0||\n", "|") == {
        "total_cpu_seconds": None,
        "max_rss_mb": None,
    }
    live = detail.parse_sstat(
        "9.batch|cpu=00:01:30,energy=0,mem=2048K,pages=0|2048K\n9.0|cpu=01:00:00,mem=4G|4G\n",
        "|",
    )
    assert live == {"total_cpu_seconds": 3690, "max_rss_mb": 4096}
    with pytest.raises(SlurmOutputError):
        detail.parse_sstat("junk\n", "|")


def test_a_running_job_without_live_usage_is_not_called_wasteful() -> None:
    running = STEPS.replace("COMPLETED", "RUNNING").replace("{t} and the token's look", "")
    steps = detail.parse_steps(running.format(t=TOKEN), TOKEN)
    eff = detail.efficiency(steps)
    assert eff.running and eff.cpu_percent is None
    assert "sstat" in " ".join(eff.notes)
    live = detail.efficiency(steps, live={"total_cpu_seconds": 1080, "max_rss_mb": None})
    # the steps' 150 s so far plus 1080 s live, over 600 s x 2 CPUs
    assert live.cpu_percent == 102.5


def test_a_failed_instances_message_is_the_nodes_whole_reason() -> None:
    """Issue 15 walkthrough: the node's Reason read "… reported Xid 79 (GPU ha" (cut at
    60 characters, with nothing saying so)."""
    from types import SimpleNamespace

    from console.demo.slurm import demo_nodes

    message = "Node failed deep health check: GPU 5 reported Xid 79 (GPU has fallen off the bus)"
    instance = SimpleNamespace(
        hostname="ip-10-1-1-15", status="Failure", message=message, private_ip="10.1.1.15"
    )
    [node] = demo_nodes([instance])
    assert node.reason == message and not node.healthy
