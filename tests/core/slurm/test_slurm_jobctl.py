"""Job control's gate behaviour and the detail parsers under hostile text, on scripted
transports (the real Slurm runs in tests/core/slurm/test_slurm_e2e_jobctl.py)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.errors import ConflictError, ResponseLostError
from console.remote.base import Result
from console.remote.errors import ConnectionLostError, RemoteCommandError
from console.slurm import detail
from console.slurm.client import SlurmClient
from console.slurm.cluster import parse_node_detail
from console.slurm.parse import SlurmOutputError
from tests.core.slurm.test_slurm_client import ID, ScriptedTransport, ok
from tests.support import slurm_fields
from tests.support.helpers import audit_records, context
from tests.support.hostile import CORPUS, assert_inert_value


def token() -> str:
    return f"smc{secrets.token_hex(12)}"


def gated(answers: dict[tuple[str, ...], Any]) -> tuple[SlurmClient, ScriptedTransport]:
    transport = ScriptedTransport({("id", "-un"): ID, **answers})
    return SlurmClient(transport, context().gate), transport


def pending(reason: str = "Priority") -> Any:
    return slurm_fields.answer([{"State": "PENDING", "Reason": reason, "NodeList": ""}])


def test_a_lost_hold_is_read_back_not_sent_again() -> None:
    held = [pending(), pending("JobHeldUser")]  # before the hold, then the read-back
    client, transport = gated(
        {
            ("squeue", "-h"): held,
            ("scontrol", "hold"): ConnectionLostError("dropped", sent=True),
        }
    )
    job = client.hold("7")
    assert job.job_id == "7"
    assert [c for c in transport.calls if c[:2] == ["scontrol", "hold"]] == [
        ["scontrol", "hold", "7"]
    ]
    [record] = [r for r in audit_records() if r["action"] == "slurm-hold"]
    assert (record["outcome"], record["detail"]) == (
        "ok",
        "answer lost; confirmed by reading back",
    )


def test_a_lost_signal_cannot_be_read_back_and_says_so() -> None:
    client, transport = gated(
        {
            ("squeue", "-h"): slurm_fields.answer([{}]),
            ("scancel",): ConnectionLostError("dropped", sent=True),
        }
    )
    with pytest.raises(ResponseLostError):
        client.signal("7", "USR1")
    assert len([c for c in transport.calls if c[0] == "scancel"]) == 1
    [record] = [r for r in audit_records() if r["action"] == "slurm-signal"]
    assert record["outcome"] == "unknown"


def test_slurms_refusal_is_the_error_and_an_ended_job_is_not_touched() -> None:
    client, _ = gated(
        {
            ("squeue", "-h"): slurm_fields.answer([{}]),
            ("scontrol", "requeue"): Result(
                1, "", "Requeue of JobId=7 returned an error: Access/permission denied\n"
            ),
        }
    )
    with pytest.raises(RemoteCommandError) as caught:
        client.requeue("7")
    assert "Access/permission denied" in caught.value.message
    assert "owner" in (caught.value.hint or "")
    ended, _ = gated({("squeue", "-h"): slurm_fields.answer([{"State": "COMPLETED"}])})
    with pytest.raises(ConflictError, match="already ended"):
        ended.release("7")


def test_a_node_change_without_rights_hints_at_the_admin_level() -> None:
    node = "NodeName=n1 State=IDLE CPUTot=4\n"
    client, _ = gated(
        {
            ("scontrol", "show", "node"): ok(node),
            ("scontrol", "update"): Result(1, "", "slurm_update error: Invalid user id\n"),
        }
    )
    with pytest.raises(RemoteCommandError) as caught:
        client.drain("n1", "bad gpu")
    assert "adminlevel" in (caught.value.hint or "").lower()
    [record] = [r for r in audit_records() if r["action"] == "slurm-drain"]
    assert (record["outcome"], record["params"]["reason"]) == ("error", "bad gpu")


# --- hostile text through the detail parsers --------------------------------------------------

HOSTILE = st.lists(st.sampled_from(CORPUS) | st.text(max_size=40), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(HOSTILE)
def test_hostile_detail_values_are_inert_and_never_move(values: list[str]) -> None:
    text = "".join(values)
    tok = token()
    row = {"Name": text, "Comment": text, "Dependency": text, "Account": "acct", "QOS": "hi"}
    output = slurm_fields.render(detail.detail_fields_format(tok), [row])
    [(job, extra)] = detail.parse_detail_fields(output, tok)
    assert (extra["Account"], extra["QOS"], job.stdout) == ("acct", "hi", "/home/ana/slurm-7.out")
    assert_inert_value(job.name)


@settings(max_examples=60, deadline=None)
@given(HOSTILE)
def test_a_hostile_job_name_cannot_move_sacct_fields(values: list[str]) -> None:
    name = "".join(values)
    tok = token()
    base = dict.fromkeys(detail.STEP_FIELDS, "")
    job = {**base, "JobID": "9", "State": "COMPLETED", "AllocCPUS": "2", "JobName": name}
    step = {**base, "JobID": "9.batch", "State": "COMPLETED", "MaxRSS": "1024K", "JobName": "b"}
    output = "".join(tok.join(r[f] for f in detail.STEP_FIELDS) + "\n" for r in (job, step))
    steps = detail.parse_steps(output, tok)
    assert [(s.job_id, s.step, s.alloc_cpus) for s in steps] == [("9", "", 2), ("9", "batch", None)]
    assert steps[1].max_rss_mb == 1.0
    assert_inert_value(steps[0].name)


@settings(max_examples=60, deadline=None)
@given(HOSTILE)
def test_a_hostile_node_reason_is_inert(values: list[str]) -> None:
    reason = "".join(values).replace("\n", " ")
    output = f"NodeName=n1 State=IDLE+DRAIN CPUTot=4 Gres=gpu:2\n   Reason={reason}\n"
    try:
        node = parse_node_detail(output)
    except SlurmOutputError:
        return  # refused as a whole: fine, never misread
    assert_inert_value(node.reason)
    assert node.gpus_total in {0, 2}  # a reason imitating Gres= makes it untrusted, not new


def test_the_script_falls_back_to_the_uploaded_copy() -> None:
    copy = "#!/bin/bash\necho from our copy\n"
    client, transport = gated(
        {
            ("squeue", "-h"): slurm_fields.answer(
                [{"State": "PENDING", "Command": "/home/ana/.smconsole/jobs/x.sbatch"}]
            ),
            ("scontrol", "show", "job"): ok("JobId=7 Restarts=0 Comment=x Restarts=9\n"),
            ("scontrol", "write"): Result(1, "", "job script retrieval failed: Access denied\n"),
            ("head", "-c"): ok(copy),
            ("sacct",): ok(""),
        }
    )
    found = client.job_detail("7", script=True)
    assert (found.script, found.script_source) == (copy, "uploaded copy")
    assert found.script_path == "/home/ana/.smconsole/jobs/x.sbatch"
    assert found.restarts is None  # Restarts= twice: a comment imitating it, not trusted
    assert transport.calls[-1][-1] == "/home/ana/.smconsole/jobs/x.sbatch"


def test_a_launch_failure_accounting_kept_no_reason_for_says_the_usual_cause() -> None:
    """Found in the #19 walkthrough: five minutes after a JobLaunchFailure the controller
    forgets the job, sacct keeps Reason=None, and the detail said only "signal 53"."""
    from tests.core.slurm.test_slurm_jobctl_demo import STEPS

    def sacct(failed: bool, elapsed: str) -> Any:
        def answer(argv: list[str]) -> Result:
            t = next(a.split("=", 1)[1] for a in argv if a.startswith("--delimiter="))
            rows = STEPS.replace("{t} and the token's look", " x").format(t=t)
            rows = rows.replace("00:10:00", elapsed)
            return ok(rows.replace("COMPLETED", "FAILED") if failed else rows)

        return answer

    forgotten = Result(1, "", "slurm_load_jobs error: Invalid job id specified\n")
    note = "it failed at launch and accounting keeps no reason"
    for failed, elapsed, noted in [
        (True, "00:00:00", True),
        (True, "00:10:00", False),  # it ran: failed for another reason
        (False, "00:00:00", False),
    ]:
        client, _ = gated({("squeue", "-h"): forgotten, ("sacct",): sacct(failed, elapsed)})
        found = client.job_detail("321")
        assert found.source == "sacct"
        assert any(note in n for n in found.notes) == noted, (failed, elapsed)
