"""Slurm output parsers: real Slurm 22.05 captures, hand-written v0.0.40 samples, garbage.

The 22.05 files in tests/system/captures/ were captured from the test cluster
(tests/system/setup.py): jobs COMPLETED (a name with `;` and `$()`, an output path with
spaces), FAILED (exit 3), RUNNING on 2 GPUs, CANCELLED, PENDING (Resources) and FAILED at
submission (BadConstraints, 9 GPUs). The v0.0.40 files are written from Slurm 23.11's
documented shapes: states as lists, numbers as {set, infinite, number}, `sinfo` entries.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.errors import SmError
from console.sanitize import clean
from console.slurm import parse
from console.slurm.parse import SlurmOutputError

CAPTURES = Path(__file__).resolve().parents[2] / "system" / "captures"
NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)


def capture(name: str) -> str:
    return (CAPTURES / name).read_text()


# --- squeue ------------------------------------------------------------------------------


def test_squeue_22_05_json() -> None:
    jobs = {j.job_id: j for j in parse.parse_squeue_json(capture("squeue-22.05.json"), NOW)}
    assert set(jobs) == {"1", "2", "3", "4", "5", "6"}
    done, failed, running, cancelled, pending, rejected = (jobs[str(i)] for i in range(1, 7))
    assert (done.state, done.name, done.exit_code) == ("COMPLETED", "weird; $(x) name", 0)
    assert done.stdout == "/home/smtest/cap/out dir %j.log"  # squeue gives the raw pattern
    assert (failed.state, failed.exit_code, failed.reason) == ("FAILED", 3, "NonZeroExitCode")
    assert (running.state, running.gpus, running.partition) == ("RUNNING", 2, "gpu")
    assert running.comment == "my comment" and running.time_limit_minutes == 60
    assert running.ended is None and running.exit_code is None and running.elapsed_seconds
    assert (cancelled.state, cancelled.signal, cancelled.exit_code) == ("CANCELLED", 15, None)
    assert (pending.state, pending.reason, pending.started) == ("PENDING", "Resources", None)
    assert pending.nodes == "" and pending.cpus == 2 and pending.time_limit_minutes == 10
    assert (rejected.reason, rejected.gpus) == ("BadConstraints", 9)
    assert all(j.user == "smtest" and j.submitted is not None for j in jobs.values())
    assert running.active and pending.active and not done.active and not cancelled.active


def test_squeue_v0_0_40_json() -> None:
    jobs = {
        j.job_id: j for j in parse.parse_squeue_json(capture("squeue-v0.0.40-handwritten.json"))
    }
    running = jobs["4101"]
    assert (running.state, running.flags, running.node_count, running.cpus) == (
        "RUNNING",
        (),
        2,
        192,
    )
    assert running.gpus == 16  # gres/gpu=16 counted once, not with gres/gpu:a100=16
    assert running.time_limit_minutes == 1440
    assert running.started == datetime.fromtimestamp(1755290346, tz=UTC)
    assert running.ended is None and running.exit_code is None
    pending = jobs["4102"]
    assert (pending.state, pending.reason, pending.time_limit_minutes) == (
        "PENDING",
        "Resources",
        None,
    )
    assert pending.name == "eval sweep; $(rm -rf ~)" and pending.gpus == 4
    assert pending.started is None  # the expected start is not a start
    cancelled = jobs["4099"]
    assert (cancelled.state, cancelled.signal, cancelled.exit_code) == ("CANCELLED", 15, None)
    completing = jobs["4100"]
    assert (completing.state, completing.flags) == ("RUNNING", ("COMPLETING",))
    assert completing.display_state == "RUNNING+COMPLETING"
    assert parse.openapi_version(capture("squeue-v0.0.40-handwritten.json")) == "v0.0.40"
    assert parse.openapi_version(capture("squeue-22.05.json")) == "v0.0.38"


def test_squeue_text_in_the_notes_format_and_ours() -> None:
    notes_format = "%i|%j|%u|%T|%M|%l|%D|%R|%b"
    jobs = {j.job_id: j for j in parse.parse_squeue_text(capture("squeue-22.05.txt"), notes_format)}
    assert jobs["1"].name == "weird; $(x) name"
    assert (jobs["3"].state, jobs["3"].gpus, jobs["3"].nodes) == ("RUNNING", 2, "localhost")
    assert (jobs["3"].elapsed_seconds, jobs["3"].time_limit_minutes) == (8, 60)
    assert (jobs["5"].state, jobs["5"].reason, jobs["5"].nodes) == ("PENDING", "Resources", "")
    assert jobs["4"].time_limit_minutes is None  # UNLIMITED
    assert jobs["1"].time_limit_minutes == 365 * 24 * 60
    ours = "12|gpu*|ana|RUNNING|1-02:03:04|UNLIMITED|2|16|gres:gpu:8|ip-10-1-84-[1-2]|a|b|c\n"
    (job,) = parse.parse_squeue_text(ours)
    assert (job.name, job.partition, job.cpus, job.gpus) == ("a|b|c", "gpu", 16, 16)
    assert job.elapsed_seconds == 86400 + 2 * 3600 + 3 * 60 + 4


# --- sinfo -------------------------------------------------------------------------------


def test_sinfo_22_05_json_and_text_agree() -> None:
    (node,) = parse.parse_sinfo_json(capture("sinfo-22.05.json"))
    assert (node.name, node.address, node.state) == ("localhost", "127.0.0.1", "MIXED")
    assert (node.gpus_total, node.gpus_used, node.cpus_total, node.cpus_allocated) == (4, 2, 2, 1)
    assert node.partitions == ("debug", "gpu")
    (text_node,) = parse.parse_sinfo_text(capture("sinfo-22.05.txt"))
    assert (text_node.name, text_node.partitions, text_node.gpus_total) == (
        "localhost",
        ("debug", "gpu"),
        4,
    )
    assert (text_node.state, text_node.cpus_allocated, text_node.cpus_total) == ("MIXED", 1, 2)


def test_sinfo_v0_0_40_json() -> None:
    nodes = {n.name: n for n in parse.parse_sinfo_json(capture("sinfo-v0.0.40-handwritten.json"))}
    busy = nodes["ip-10-1-84-133"]
    assert busy.partitions == ("dev", "batch")  # two entries for one node merged
    assert (busy.state, busy.gpus_total, busy.gpus_used) == ("MIXED", 8, 8)
    assert (busy.cpus_total, busy.address, busy.free_memory_mb) == (192, "10.1.84.133", 1534954)
    drained = nodes["ip-10-1-84-135"]
    assert (drained.state, drained.flags) == ("IDLE", ("DRAIN",))
    assert drained.reason == "Xid 79: GPU has fallen off the bus"
    assert drained.free_memory_mb is None and drained.gpus_used == 0
    down = nodes["ip-10-1-84-136"]
    assert (down.display_state, down.reason, down.hostname) == (
        "DOWN+NOT_RESPONDING",
        "Not responding",
        "ip-10-1-84-136",
    )


def test_sinfo_text_state_suffixes() -> None:
    text = (
        "n1|down*|0/0/8/8|gpu:8|1000|900|p1*|Not responding\n"
        "n2|idle~|0/8/0/8|(null)|1000|1|p1|none\n"
    )
    n1, n2 = parse.parse_sinfo_text(text)
    assert (n1.state, n1.flags, n1.reason) == ("DOWN", ("NOT_RESPONDING",), "Not responding")
    assert (n2.state, n2.flags, n2.gres, n2.reason) == ("IDLE", ("POWERED_DOWN",), "", "")


# --- sacct -------------------------------------------------------------------------------


def test_sacct_22_05_text_has_the_real_exit_codes() -> None:
    fields = ("JobID", "JobName", "User", "State", "ExitCode", "Elapsed", "AllocTRES")
    jobs = {j.job_id: j for j in parse.parse_sacct_text(capture("sacct-22.05.txt"), fields)}
    assert (jobs["2"].state, jobs["2"].exit_code) == ("FAILED", 3)
    assert jobs["4"].state == "CANCELLED"  # "CANCELLED by 0"
    assert jobs["1"].name == "weird; $(x) name" and jobs["1"].user == "smtest"
    assert jobs["3"].elapsed_seconds == 8 and "cpu=1" in jobs["3"].alloc_tres


# Every form Slurm prints a job id in.  A pending array with a throttle (`494_[1-3%1]`)
# once made every history read fail: one such job on the cluster hid all the others.
SLURM_JOB_IDS = (
    "14",
    "14_2",
    "14_[2-5]",
    "494_[1-3%1]",
    "14_[1,3,5-9:2%4]",
    "14+1",
    "14.batch",
    "14.extern",
    "14_2.0",
    "14+0.interactive",
)


@pytest.mark.parametrize("job_id", SLURM_JOB_IDS)
def test_every_job_id_form_slurm_prints_is_read_by_sacct_and_squeue(job_id: str) -> None:
    fields = ("JobID", "State", "JobName")
    [job] = parse.parse_sacct_text(f"{job_id}|PENDING|train\n", fields)
    assert job.job_id == job_id
    if "." not in job_id:  # squeue lists jobs, never steps
        squeue = f"{job_id}|gpu|ana|PENDING|0:00|1:00:00|1|1|(null)|(Priority)|train\n"
        [queued] = parse.parse_squeue_text(squeue)
        assert queued.job_id == job_id


@pytest.mark.parametrize(
    "not_an_id", ["Last login: Tue", "14_[1-3", "14_]", "-14", "14;rm", "x14", "14_[1-3]x", ""]
)
def test_a_line_that_is_no_job_id_is_refused_not_guessed(not_an_id: str) -> None:
    with pytest.raises(SlurmOutputError, match="not a job id"):
        parse.parse_sacct_text(f"{not_an_id}|PENDING|train\n", ("JobID", "State", "JobName"))


@given(
    st.integers(1, 10**7),
    st.lists(st.tuples(st.integers(0, 999), st.integers(0, 999)), min_size=1, max_size=4),
    st.none() | st.integers(1, 64),
)
def test_any_array_spec_with_ranges_and_throttle_is_a_job_id(
    base: int, ranges: list[tuple[int, int]], throttle: int | None
) -> None:
    spec = ",".join(f"{a}-{max(a, b)}" if a != b else str(a) for a, b in ranges)
    job_id = f"{base}_[{spec}{f'%{throttle}' if throttle else ''}]"
    assert parse.is_job_id(job_id)


def test_sacct_22_05_json_and_its_known_exit_code_bug() -> None:
    jobs = {j.job_id: j for j in parse.parse_sacct_json(capture("sacct-22.05.json"))}
    assert set(jobs) == {"1", "2", "3", "4", "5", "6"}
    assert jobs["2"].state == "FAILED"
    assert jobs["2"].exit_code == 0  # 22.05's JSON says SUCCESS for `exit 3`: text is used
    assert jobs["5"].started is None and jobs["3"].ended is None
    assert jobs["1"].alloc_tres == "cpu=1,node=1,billing=1"


def test_sacct_v0_0_40_json() -> None:
    failed, killed = parse.parse_sacct_json(capture("sacct-v0.0.40-handwritten.json"))
    assert (failed.state, failed.exit_code, failed.signal, failed.user) == (
        "FAILED",
        3,
        None,
        "ana",
    )
    assert failed.elapsed_seconds == 3605 and "gres/gpu=16" in failed.alloc_tres
    assert (killed.state, killed.signal, killed.started, killed.nodes) == (
        "CANCELLED",
        9,
        None,
        "",
    )


# --- scontrol ----------------------------------------------------------------------------


def test_scontrol_job_gives_the_expanded_output_path() -> None:
    running = parse.job_from_scontrol(capture("scontrol-job-running-22.05.txt"))
    assert (running.job_id, running.state, running.gpus) == ("3", "RUNNING", 2)
    assert running.stdout == "/home/smtest/cap/slurm-3.out"
    assert running.comment == "my comment" and running.workdir == "/home/smtest/cap"
    done = parse.job_from_scontrol(capture("scontrol-job-completed-22.05.txt"))
    assert done.name == "weird; $(x) name"
    assert done.stdout == "/home/smtest/cap/out dir 1.log"  # spaces kept
    assert (done.exit_code, done.time_limit_minutes) == (0, 365 * 24 * 60)


def test_scontrol_a_job_name_cannot_spoof_the_output_path() -> None:
    line = capture("scontrol-job-completed-22.05.txt").replace(
        "JobName=weird; $(x) name", "JobName=x StdOut=/etc/shadow"
    )
    assert parse.job_from_scontrol(line).stdout == ""  # ambiguous: never /etc/shadow


def test_scontrol_partitions() -> None:
    debug, gpu = parse.parse_partitions(capture("scontrol-partitions-22.05.txt"))
    assert (debug.name, debug.default, debug.max_time_minutes) == ("debug", True, None)
    assert (gpu.name, gpu.default, gpu.max_time_minutes, gpu.total_cpus) == ("gpu", False, 60, 2)


# --- helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gres", "count"),
    [
        ("gpu:4", 4),
        ("gpu:a100:8(S:0-1)", 8),
        ("gres/gpu=2,gres/gpu:l40s=2", 2),
        ("gpu:a100:2,gpu:v100:1", 3),
        ("gres:gpu:2", 2),
        ("tmpsize:7T,gpu:l40s:4(S:0-1)", 4),
        ("gpu", 1),
        ("(null)", 0),
        ("mps:100", 0),
        ("gpu:a100:1(IDX:0),tmpsize:10737418240", 1),
    ],
)
def test_gpu_count(gres: str, count: int) -> None:
    assert parse.gpu_count(gres) == count


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("7", 7),
        ({"set": True, "infinite": False, "number": 60}, 60),
        ({"set": False, "infinite": False, "number": 0}, None),
        ({"set": True, "infinite": True, "number": 0}, None),
        (4294967294, None),
        (True, None),
        ("x", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_number_shapes(value: object, expected: int | None) -> None:
    assert parse.number(value) == expected


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0:05", 5), ("1:00:00", 3600), ("2-03:04:05", 183845), ("10", 600), ("UNLIMITED", None)],
)
def test_durations(text: str, seconds: int | None) -> None:
    assert parse.duration(text) == seconds


# --- garbage never crashes ---------------------------------------------------------------

GARBAGE = [
    "",
    "Welcome to the login node!\nPlease behave.\n",
    "<html><body>502 Bad Gateway</body></html>",
    '{"jobs": 5}',
    '{"jobs": [{"job_id": {"nested": [1, 2]}}',
    "[1, 2, 3]",
    '{"errors": [{"description": "Unable to contact slurm controller"}], "jobs": []}',
    "\x00\x01\x02binary",
    "[" * 100000 + "]" * 100000,
]


@pytest.mark.parametrize("document", GARBAGE)
def test_garbage_is_one_clear_error(document: str) -> None:
    for parser in (
        parse.parse_squeue_json,
        parse.parse_sinfo_json,
        parse.parse_sacct_json,
        parse.parse_squeue_text,
        parse.parse_sinfo_text,
        parse.parse_sacct_text,
        parse.job_from_scontrol,
        parse.parse_partitions,
    ):
        try:
            result = parser(document)
        except SlurmOutputError as exc:
            assert "\n" not in exc.message and len(exc.message) < 400
        else:
            assert isinstance(result, list)  # e.g. empty text: no jobs


def test_json_errors_field_is_reported() -> None:
    with pytest.raises(SlurmOutputError, match="Unable to contact slurm controller"):
        parse.parse_squeue_json(GARBAGE[6])


def test_a_banner_before_the_json_is_tolerated() -> None:
    document = "Last login: today\n" + capture("sinfo-22.05.json")
    assert [n.name for n in parse.parse_sinfo_json(document)] == ["localhost"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "jobs",
                    "nodes",
                    "sinfo",
                    "job_id",
                    "job_state",
                    "name",
                    "state",
                    "time",
                    "number",
                    "set",
                    "infinite",
                    "exit_code",
                    "cpus",
                    "gres",
                    "node",
                    "partition",
                    "time_limit",
                    "start_time",
                    "return_code",
                    "signal",
                    "tres",
                    "allocated",
                    "current",
                    "user",
                    "elapsed",
                    "errors",
                    "reason",
                    "count",
                    "id",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_json_parsers_never_raise_anything_but_our_error(value: object) -> None:
    document = json.dumps(value)
    for parser in (parse.parse_squeue_json, parse.parse_sinfo_json, parse.parse_sacct_json):
        with contextlib.suppress(SmError):
            parser(document)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_text_parsers_never_raise_anything_but_our_error(text: str) -> None:
    for parser in (
        parse.parse_squeue_text,
        parse.parse_sinfo_text,
        parse.parse_sacct_text,
        parse.job_from_scontrol,
        parse.parse_partitions,
    ):
        with contextlib.suppress(SmError):
            parser(text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="|"),
            min_size=1,
            max_size=20,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_a_pipe_in_a_job_name_never_shifts_columns(parts: list[str]) -> None:
    name = "|".join(parts)
    line = f"42|debug|ana|RUNNING|0:05|1:00:00|1|1|N/A|localhost|{name}\n"
    (job,) = parse.parse_squeue_text(line)
    # The record holds the name made inert (format characters shown as ⟨U+00AD⟩ …).
    expected = ("42", clean(name), "localhost", 5)
    assert (job.job_id, job.name, job.nodes, job.elapsed_seconds) == expected


def test_an_injected_stdout_in_mail_user_is_never_the_output_path() -> None:
    """``sbatch --mail-user "m StdOut=/home/u/.ssh/authorized_keys"``: the path is
    ambiguous, so none is used (slurm-tail then says Slurm reports no stdout path)."""
    from console.slurm.parse import job_from_scontrol

    line = (
        "JobId=7 JobName=x UserId=u(1000) JobState=RUNNING StdErr=/home/u/slurm-7.out "
        "StdIn=/dev/null StdOut=/home/u/slurm-7.out MailUser=m "
        "StdOut=/home/u/.ssh/authorized_keys MailType=NONE"
    )
    job = job_from_scontrol(line)
    assert job.stdout == ""
    assert job.stderr == "/home/u/slurm-7.out"
