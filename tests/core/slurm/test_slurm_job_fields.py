"""One job read field by field (``squeue -O`` with a per-call random separator) and its
output-path patterns expanded as Slurm does: no value a user sets (a job name, a comment,
``--mail-user``) can pose as another field, whatever it holds.

The expansion table is what slurmstepd of the test cluster's Slurm 22.05 really wrote
(the file names were listed after running the jobs); test_slurm_e2e.py checks the same
against the running cluster.
"""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.slurm import parse
from console.slurm.parse import SlurmOutputError, expand_output_path, parse_job_fields
from console.slurm.records import SlurmJob
from tests.support import slurm_fields
from tests.support.hostile import CORPUS, assert_inert_value


def token() -> str:
    return f"smc{secrets.token_hex(12)}"


def read(rows: list[dict[str, str]]) -> list[SlurmJob]:
    tok = token()
    return parse_job_fields(slurm_fields.render(parse.job_fields_format(tok), rows), tok)


@pytest.mark.parametrize(
    "spoof",
    [
        "m StdOut=/home/u/.ssh/authorized_keys",
        "x StdErr=/etc/shadow StdOut=/etc/passwd",
        "line\n StdOut=/etc/passwd\nJobId=1 StdOut=/etc/passwd",
    ],
)
def test_no_field_value_can_set_the_output_path(spoof: str) -> None:
    [job] = read(
        [
            {
                "Name": spoof,
                "Comment": spoof,
                "Command": spoof,
                "STDOUT": "/home/u/run/out-%j.log",
                "STDERR": "/home/u/run/err-%j.log",
            }
        ]
    )
    assert (job.stdout, job.stderr) == ("/home/u/run/out-7.log", "/home/u/run/err-7.log")
    assert job.job_id == "7" and "StdOut=" in job.name


def test_a_job_name_holding_every_separator_we_might_have_used() -> None:
    name = "a|b,c:d@@e~f\tg\nh NodeList=x"
    [job] = read([{"Name": name, "STDOUT": "%x.out", "WorkDir": "/w"}])
    assert job.stdout == f"/w/{name}.out"  # verbatim: the file Slurm writes


def test_array_rows_running_tasks_and_a_pending_range() -> None:
    pending, running = read(
        [
            {
                "JobArrayID": "14_[2-3%1]",
                "JobID": "14",
                "ArrayJobID": "14",
                "ArrayTaskID": "2-3%1",
                "State": "PENDING",
                "Reason": "JobArrayTaskLimit",
                "NodeList": "",
                "BatchHost": "N/A",
                "STDOUT": "/l/%A_%a.out",
            },
            {
                "JobArrayID": "14_1",
                "JobID": "15",
                "ArrayJobID": "14",
                "ArrayTaskID": "1",
                "STDOUT": "/l/%A_%a-%j.out",
            },
        ]
    )
    expected = ("14_[2-3%1]", "14", "2-3%1")
    assert (pending.job_id, pending.array_job_id, pending.array_task) == expected
    assert pending.is_task_range and pending.whole_array_id == "14"
    assert pending.reason == "JobArrayTaskLimit" and pending.stdout == ""  # no one file
    assert (running.job_id, running.array_task, running.stdout) == ("14_1", "1", "/l/14_1-15.out")
    assert not running.is_task_range and running.whole_array_id == "14"


def test_a_plain_job_is_no_array() -> None:
    [job] = read([{}])
    assert (job.array_job_id, job.array_task, job.whole_array_id) == ("", "", "7")


def test_failed_job_reason_exit_code_and_signal() -> None:
    failed, killed, done = read(
        [
            {"State": "FAILED", "Reason": "JobLaunchFailure", "exit_code": "4021", "JobID": "1"},
            {"State": "CANCELLED", "Reason": "None", "exit_code": "9", "JobID": "2"},
            {"State": "FAILED", "Reason": "NonZeroExitCode", "exit_code": "768", "JobID": "3"},
        ]
    )
    assert (failed.reason, failed.exit_code, failed.signal) == ("JobLaunchFailure", None, 53)
    assert (killed.reason, killed.signal) == ("", 9)
    assert (done.exit_code, done.signal) == (3, None)


@pytest.mark.parametrize(
    "output",
    [
        "<html>proxy</html>\n",
        "7XXX\n",
        "login banner\n7",
    ],
)
def test_output_of_another_shape_is_one_clear_error(output: str) -> None:
    with pytest.raises(SlurmOutputError) as caught:
        parse_job_fields(output, token())
    assert "\n" not in caught.value.message


def test_a_row_cut_short_is_refused() -> None:
    tok = token()
    text = slurm_fields.render(parse.job_fields_format(tok), [{}, {}])
    with pytest.raises(SlurmOutputError, match="do not make rows"):
        parse_job_fields(text[: text.rfind(tok)], tok)


def test_the_separator_must_be_safe_for_squeue() -> None:
    for bad in ("12345678abc", "a,b,cdefgh", "short"):
        with pytest.raises(ValueError):
            parse.job_fields_format(bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(CORPUS) | st.text(max_size=40), min_size=1, max_size=3))
def test_hostile_values_are_inert_and_never_move(values: list[str]) -> None:
    text = "".join(values)
    [job] = read([{"Name": text, "Comment": text, "Reason": text, "STDOUT": "/o/%j"}])
    assert job.stdout == "/o/7"
    assert_inert_value(job.name)
    assert_inert_value(job.reason)


# --- output path patterns ----------------------------------------------------------------

NOT_ARRAY = {"job_id": "52", "user": "smtest", "name": "my job", "node": "vm", "workdir": "/w"}
TASK_3 = {"job_id": "55", "array_job_id": "53", "array_task_id": "3", "user": "u", "name": "arr"}


@pytest.mark.parametrize(
    ("pattern", "facts", "expected"),
    [
        # what Slurm 22.05 wrote on the test cluster (ls of the job directory)
        (
            "A%A_a%a_J%J_j%j_N%N_n%n_s%s_t%t_u%u_x%x_pp%%_w%5j_w12%12j_q%q.out",
            NOT_ARRAY,
            "/w/A52_a4294967294_J52_j52_Nvm_n0_sbatch_t0_usmtest_xmy job_pp%_w00052"
            "_w120000000052_q%q.out",
        ),
        ("/l/A%A_a%a_J%J_j%j_w%3a_%%N.out", TASK_3, "/l/A53_a3_J55_j55_w003_%N.out"),
        ("/l/one\\%j_%x.out", NOT_ARRAY, "/l/one%j_%x.out"),  # a backslash: no expansion
        ("/l/back\\\\%j_%x.out", NOT_ARRAY, "/l/back\\%j_%x.out"),
        ("/l/mid%j\\\\x%j.out", NOT_ARRAY, "/l/mid%j\\x%j.out"),
        # Slurm's documented cases
        ("job%4j.out", {"job_id": "128", "workdir": "/w/"}, "/w/job0128.out"),
        ("slurm-%A_%a.out", TASK_3, "slurm-53_3.out"),  # no work dir known: left relative
        ("/x/%b", TASK_3, "/x/3"),
        ("/x/%x", {"job_id": "1", "name": "a%jb"}, "/x/a%jb"),  # a name is not re-expanded
        ("/x/%", {"job_id": "1"}, "/x/%"),
    ],
)
def test_expand_output_path(pattern: str, facts: dict[str, str], expected: str) -> None:
    assert expand_output_path(pattern, **facts) == expected


# --- sacct with a delimiter of our own ---------------------------------------------------


def test_sacct_job_names_with_newlines_and_pipes_stay_in_their_row() -> None:
    tok = token()
    fields = ("JobID", "State", "ExitCode", "Reason", "JobName")
    rows = [
        ["58", "COMPLETED", "0:0", "None", "nl\nx"],
        ["59", "FAILED", "0:53", "JobLaunchFailure", "a|b\n60|FAILED|1:0|None|fake"],
        ["61", "PENDING", "0:0", "BeginTime", "last\n"],
    ]
    output = "".join(tok.join(r) + "\n" for r in rows)
    jobs = parse.parse_sacct_text(output, fields, delimiter=tok)
    assert [j.job_id for j in jobs] == ["58", "59", "61"]
    assert jobs[1].reason == "JobLaunchFailure" and jobs[1].signal == 53
    assert jobs[0].reason == ""  # a finished job's stale pending reason is not shown
    assert jobs[2].reason == "BeginTime"
    with pytest.raises(SlurmOutputError):
        parse.parse_sacct_text(output[:-30], fields, delimiter=tok)


# --- GPUs a job holds ----------------------------------------------------------------------

SCONTROL_D = """JobId=58 JobName=gpus
   JOB_GRES=gpu:4
     Nodes=n[1-2] CPU_IDs=0-7 Mem=0 GRES=gpu:a100:2(IDX:0-1),mps:100(0/100,0/100)
     Nodes=n3 CPU_IDs=0 Mem=1024 GRES=gpu:a100:1(IDX:3),gpu:v100:1(IDX:5)
     Nodes=n4 CPU_IDs=0 Mem=0 GRES=
   MinCPUsNode=1
"""


def test_the_gpus_a_job_holds_per_node() -> None:
    assert parse.parse_job_gres(SCONTROL_D) == [
        ("n[1-2]", (0, 1)),
        ("n3", (3, 5)),
        ("n4", ()),
    ]
    assert parse.parse_job_gres("JobId=1 JobName=x\n   NumNodes=1\n") == []
    with pytest.raises(SlurmOutputError):
        parse.parse_job_gres("     Nodes=n1 CPU_IDs=0 Mem=0 GRES=gpu:1(IDX:x-y)\n")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(CORPUS) | st.text(max_size=30), min_size=1, max_size=4))
def test_any_job_names_keep_their_rows_in_delimited_sacct(names: list[str]) -> None:
    tok = token()
    fields = ("JobID", "State", "JobName")
    output = "".join(f"{i + 1}{tok}FAILED{tok}{name}\n" for i, name in enumerate(names))
    jobs = parse.parse_sacct_text(output, fields, delimiter=tok)
    assert [j.job_id for j in jobs] == [str(i + 1) for i in range(len(names))]
    for job in jobs:
        assert_inert_value(job.name)
