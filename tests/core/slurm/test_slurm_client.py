"""The Slurm client's decisions, on a scripted transport (no cluster needed).

JSON first and text when this Slurm has no JSON; accounting switched off; a dropped
connection during reads and during submit; Slurm's refusals; what reaches the remote
side as argv. The real cluster runs the same paths in test_slurm_e2e.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from console.errors import SmError
from console.remote.base import Process, Result, Transport
from console.remote.errors import ConnectionLostError, RemoteCommandError
from console.services.hyperpod import ClusterNode
from console.slurm.client import AccountingDisabledError, SlurmClient
from console.slurm.join import join_nodes
from console.slurm.parse import SlurmOutputError
from tests.support import slurm_fields

CAPTURES = Path(__file__).resolve().parents[2] / "system" / "captures"

Answer = Result | BaseException | Callable[[list[str]], Result]


class ScriptedTransport(Transport):
    """Answers each command from ``answers`` (first key that prefixes the argv wins)."""

    kind = "scripted"

    def __init__(self, answers: dict[tuple[str, ...], Answer | list[Answer]]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []
        self.reconnects = 0
        self.files: dict[str, bytes] = {}

    def run(
        self, argv: Sequence[str], *, input: bytes | None = None, timeout: float = 60
    ) -> Result:
        argv = list(argv)
        self.calls.append(argv)
        for prefix, answer in self.answers.items():
            if tuple(argv[: len(prefix)]) == prefix:
                chosen = answer
                if isinstance(chosen, list):
                    chosen = chosen.pop(0) if len(chosen) > 1 else chosen[0]
                if isinstance(chosen, BaseException):
                    raise chosen
                if callable(chosen):
                    return chosen(argv)
                return chosen
        raise AssertionError(f"unexpected command {argv}")

    def spawn(self, argv: Sequence[str], *, merge_stderr: bool = True) -> Process:
        raise NotImplementedError

    def put_file(self, path: str, data: bytes, *, mode: int = 0o600) -> str:
        self.files[path] = data
        return path

    def home(self) -> str:
        return "/home/ana"

    def describe(self) -> str:
        return "ssh ana@login"

    @property
    def destination(self) -> str:
        return "ana@login"

    def reconnect(self) -> None:
        self.reconnects += 1


def ok(stdout: str = "") -> Result:
    return Result(0, stdout, "")


ID = ok("ana\n")


def test_falls_back_to_text_when_json_is_not_supported() -> None:
    transport = ScriptedTransport(
        {
            ("id", "-un"): ID,
            ("squeue", "--json"): Result(1, "", "squeue: unrecognized option '--json'\n"),
            ("squeue", "-h"): slurm_fields.answer([{"tres-per-node": "gres:gpu:1"}]),
        }
    )
    client = SlurmClient(transport)
    (job,) = client.queue()
    assert (job.job_id, job.name, job.gpus) == ("7", "train", 1)
    client.queue()
    json_calls = [c for c in transport.calls if c[:2] == ["squeue", "--json"]]
    assert len(json_calls) == 1  # the choice is remembered
    text_call = next(c for c in transport.calls if c[:2] == ["squeue", "-h"])
    assert text_call[:6] == ["squeue", "-h", "-t", "all", "-u", "ana"]


def test_json_is_filtered_to_my_active_jobs_like_text_squeue() -> None:
    document = (CAPTURES / "squeue-v0.0.40-handwritten.json").read_text()
    transport = ScriptedTransport({("id", "-un"): ID, ("squeue", "--json"): ok(document)})
    mine = SlurmClient(transport).queue()
    assert [j.job_id for j in mine] == ["4101", "4100"]  # 4099 ended, 4102 is bo's
    everyone = SlurmClient(transport).queue(all_users=True, include_finished=True)
    assert {j.job_id for j in everyone} == {"4099", "4100", "4101", "4102"}


def test_garbage_output_is_one_clear_error() -> None:
    transport = ScriptedTransport({("id", "-un"): ID, ("squeue",): ok("<html>proxy error</html>")})
    with pytest.raises(SlurmOutputError) as caught:
        SlurmClient(transport).queue()
    assert "\n" not in caught.value.message


def test_accounting_off_is_said_clearly() -> None:
    transport = ScriptedTransport(
        {
            ("id", "-un"): ID,
            ("sacct",): Result(1, "", "sacct: error: Slurm accounting storage is disabled\n"),
        }
    )
    with pytest.raises(AccountingDisabledError, match="accounting is off") as caught:
        SlurmClient(transport).history()
    assert "queue and nodes still work" in (caught.value.hint or "")


def test_a_read_is_repeated_once_after_a_dropped_connection() -> None:
    transport = ScriptedTransport(
        {("sinfo",): [ConnectionLostError("dropped", sent=True), ok('{"nodes": []}')]}
    )
    assert SlurmClient(transport).nodes() == []
    assert transport.reconnects == 1


def test_a_missing_slurm_is_named() -> None:
    transport = ScriptedTransport(
        {("sinfo",): Result(127, "", "bash: line 1: sinfo: command not found\n")}
    )
    with pytest.raises(RemoteCommandError, match="`sinfo` was not found") as caught:
        SlurmClient(transport).nodes()
    assert "login node" in (caught.value.hint or "")


def wrapper_answer(rc: int, out: str, err: str) -> Callable[[list[str]], Result]:
    """What the remote submit wrapper prints: rc, token, sbatch's stdout, token, stderr."""

    def answer(argv: list[str]) -> Result:
        token = argv[4]
        return ok(f"{rc}\n{token}\n{out}{token}\n{err}")

    return answer


def test_submit_uploads_then_sbatches_with_a_token() -> None:
    transport = ScriptedTransport(
        {
            ("mkdir",): ok(),
            ("sh", "-c"): wrapper_answer(0, "4242;hyperpod\n", ""),
            ("rm",): ok(),
        }
    )
    result = SlurmClient(transport, remote_dir="~/jobs").submit(
        "#!/bin/bash\nsrun true\n", name="train; $(id).sbatch", workdir="~/runs/a b"
    )
    assert result.job_id == "4242" and not result.recovered
    (path,) = transport.files
    assert path.startswith("/home/ana/jobs/") and path.endswith("-train_id.sbatch")
    wrapper = next(c for c in transport.calls if c[0] == "sh")
    sbatch = wrapper[wrapper.index("sbatch") :]
    assert sbatch == [
        "sbatch",
        "--parsable",
        f"--comment={result.token}",
        "--job-name=train; $(id).sbatch",  # a literal argument, quoted by the transport
        "--chdir=/home/ana/runs/a b",
        path,
    ]
    assert wrapper[3] == "sh" and wrapper[4] == result.token  # values as positional args


def test_slurms_refusal_is_the_error() -> None:
    error = "sbatch: error: Batch job submission failed: Invalid account or account/partition"
    transport = ScriptedTransport(
        {
            ("id", "-un"): ID,
            ("mkdir",): ok(),
            ("sh", "-c"): wrapper_answer(1, "", error + "\n"),
            ("squeue",): slurm_fields.answer([{"Comment": "someone else's"}]),
            ("rm",): ok(),
        }
    )
    with pytest.raises(RemoteCommandError) as caught:
        SlurmClient(transport).submit("#!/bin/bash\ntrue\n", name="x")
    assert caught.value.message == f"sbatch refused the job: {error}"
    assert "nothing was submitted" in (caught.value.hint or "")  # Slurm was asked first


def test_an_sbatch_error_after_slurm_recorded_the_job_never_says_nothing_was_submitted() -> None:
    error = "sbatch: error: Batch job submission failed: Socket timed out on send/recv"
    tokens: list[str] = []

    def wrapper(argv: list[str]) -> Result:
        tokens.append(argv[4])
        return wrapper_answer(1, "", error + "\n")(argv)

    def squeue(argv: list[str]) -> Result:
        row = {"JobID": "77", "JobArrayID": "77", "Comment": tokens[0], "State": "FAILED"}
        return slurm_fields.answer([{**row, "Reason": "JobLaunchFailure", "exit_code": "256"}])(
            argv
        )

    transport = ScriptedTransport(
        {
            ("id", "-un"): ID,
            ("mkdir",): ok(),
            ("sh", "-c"): wrapper,
            ("squeue",): squeue,
            ("rm",): ok(),
        }
    )
    with pytest.raises(RemoteCommandError) as caught:
        SlurmClient(transport).submit("#!/bin/bash\ntrue\n", name="x")
    assert "but Slurm recorded job 77: it is FAILED (JobLaunchFailure)" in caught.value.message
    assert "nothing was submitted" not in caught.value.one_line()


def test_after_a_drop_the_job_is_looked_up_before_anything_is_repeated() -> None:
    tokens: list[str] = []

    def squeue(argv: list[str]) -> Result:
        rows = [{"JobID": "98", "JobArrayID": "98", "Comment": "another"}]
        rows.append({"JobID": "99", "JobArrayID": "99", "Comment": tokens[0]})
        return slurm_fields.answer(rows)(argv)

    def lost(argv: list[str]) -> Result:
        tokens.append(argv[4])
        raise ConnectionLostError("dropped", sent=True)

    transport = ScriptedTransport(
        {
            ("id", "-un"): ID,
            ("mkdir",): ok(),
            ("sh", "-c"): lost,
            ("squeue",): squeue,
            ("rm",): ok(),
        }
    )
    result = SlurmClient(transport).submit("#!/bin/bash\ntrue\n", name="x")
    assert (result.job_id, result.recovered) == ("99", True)
    assert sum(1 for c in transport.calls if c[0] == "sh") == 1  # not run again
    assert transport.reconnects == 1


def test_an_unknown_outcome_is_never_retried_blindly() -> None:
    transport = ScriptedTransport(
        {
            ("id", "-un"): ID,
            ("mkdir",): ok(),
            ("sh", "-c"): ConnectionLostError("dropped", sent=True),
            ("squeue",): ok(""),
            ("rm",): ok(),
        }
    )
    with pytest.raises(SmError, match="outcome is unknown") as caught:
        SlurmClient(transport).submit("#!/bin/bash\ntrue\n", name="x")
    assert "squeue" in (caught.value.hint or "")
    # Re-running the wrapper is safe (its mkdir lock submits at most once): 3 attempts.
    assert sum(1 for c in transport.calls if c[0] == "sh") == 3


def test_join_matches_slurm_nodes_to_instances() -> None:
    from console.slurm.parse import parse_sinfo_json

    nodes = parse_sinfo_json((CAPTURES / "sinfo-v0.0.40-handwritten.json").read_text())

    def instance(node_id: str, hostname: str, ip: str) -> ClusterNode:
        return ClusterNode(
            "hp", node_id, "workers", "ml.p4d.24xlarge", "Running", "", None, hostname, ip
        )

    instances = [
        instance("i-1", "ip-10-1-84-133.ec2.internal", "10.1.84.133"),
        instance("i-2", "", "10.1.84.135"),
        instance("i-3", "ip-10-1-84-200.ec2.internal", "10.1.84.200"),
    ]
    rows = {r.name: r for r in join_nodes(nodes, instances)}
    assert rows["ip-10-1-84-133"].instance.instance_id == "i-1"  # type: ignore[union-attr]
    assert rows["ip-10-1-84-135"].instance.instance_id == "i-2"  # type: ignore[union-attr]
    assert rows["ip-10-1-84-136"].instance is None
    assert rows["ip-10-1-84-200"].slurm is None  # an instance Slurm does not know


def test_scripted_transport_is_a_transport() -> None:
    any_transport: Any = ScriptedTransport({})
    assert any_transport.expand_path("~/x") == "/home/ana/x"
    assert any_transport.expand_path("rel") == "/home/ana/rel"
    assert any_transport.expand_path("/abs") == "/abs"


def test_a_pending_task_range_is_read_through_its_array_but_never_acted_on() -> None:
    """The queue shows an array's pending tasks as one row (14_[2-3%1]): reading it asks
    Slurm for the array (14); changing it is refused with the two ids that do work."""
    from console.errors import ValidationError
    from console.slurm.client import check_job_id, query_job_id
    from console.slurm.records import SlurmJob

    assert [query_job_id(x) for x in ("14_[2-3%1]", "14_[1,4-7:2]", "14_2", " 14 ")] == [
        "14",
        "14",
        "14_2",
        "14",
    ]
    for bad in ("14_[2-3];id", "14_[$(id)]", "[1-3]", "14_[]"):
        with pytest.raises(ValidationError, match="not a Slurm job id"):
            query_job_id(bad)
    with pytest.raises(ValidationError, match="stands for pending array tasks") as refused:
        check_job_id("14_[2-3]")
    assert "14_<task>" in refused.value.hint and "(14)" in refused.value.hint

    def row(job_id: str, task: str) -> SlurmJob:
        return SlurmJob(
            job_id, "a", "ana", "PENDING", (), "", "dev", "", 1, 1, 0, 60, None,
            None, None, None, None, None, array_job_id="14", array_task=task,
        )  # fmt: skip

    assert row("14_[2-3%1]", "2-3%1").is_task_range
    assert [row(i, t).first_task_id for i, t in [("14_[2-3%1]", "2-3%1"), ("14_1", "1")]] == [
        "14_2",
        "14_1",
    ]
