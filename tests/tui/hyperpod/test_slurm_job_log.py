"""The Slurm job log source on its own: the lines that say why a log is empty (pending,
failed at launch) and how a job ended while it was shown, and the link state it reports.
The follower and the client are stand-ins here; test_hyperpod_slurm_jobs.py runs the same
against the real Slurm."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from console.slurm.records import SlurmJob
from console.slurm.tail import FollowState
from screens.hyperpod.jobs import SlurmJobLog, job_preface


def job(state: str, reason: str = "", **extra: Any) -> SlurmJob:
    return SlurmJob(
        "7", "train", "ana", state, (), reason, "dev", "n1", 1, 1, 0, 60, 5,
        None, None, None, None, None, stdout="/l/7.out", stderr="/l/7.out", **extra,
    )  # fmt: skip


@dataclass
class Follower:
    path: str = "/l/7.out"
    lines: list[Any] = field(default_factory=list)
    state: FollowState = field(default_factory=lambda: FollowState("following"))

    def poll(self, timeout: float) -> list[Any]:
        out, self.lines = self.lines, []
        return out

    def close(self) -> None:
        self.state = FollowState("stopped")


@dataclass
class Client:
    jobs: list[SlurmJob]
    follower: Follower = field(default_factory=Follower)

    def job(self, job_id: str) -> SlurmJob:
        return self.jobs.pop(0) if len(self.jobs) > 1 else self.jobs[0]

    def follow(self, job_id: str, *, lines: int, stream: str) -> Follower:
        return self.follower


@dataclass
class Session:
    the_client: Client

    def client(self) -> Client:
        return self.the_client


def texts(events: Any) -> list[str]:
    return [e.message for e in events]


def test_a_pending_job_says_why_and_tails_own_not_found_line_is_dropped() -> None:
    client = Client([job("PENDING", "Resources")])
    client.follower.lines = ["tail: cannot open '/l/7.out' for reading: No such file", "x"]
    source = SlurmJobLog(Session(client), "7")  # type: ignore[arg-type]
    poll = source.open()
    assert texts(poll.poll()) == [
        "── job 7: it is PENDING (Resources); its stdout starts when it runs ──",
        "x",
    ]
    assert source.link_state() == "following" and source.same_file


def test_a_job_that_fails_while_shown_says_how_before_the_end() -> None:
    failed = replace(job("FAILED", "NonZeroExitCode"), exit_code=3)
    client = Client([job("RUNNING"), failed])
    source = SlurmJobLog(Session(client), "7", stream="stderr")  # type: ignore[arg-type]
    poll = source.open()
    assert texts(poll.poll()) == []
    assert source.status() == "Failed"
    assert texts(poll.poll()) == ["── job 7: it is FAILED (NonZeroExitCode), exit code 3 ──"]
    assert source.status() == "Failed" and texts(poll.poll()) == []  # said once
    assert "stderr" in source.label
    source.close()
    assert source.link_state() == "stopped"


def test_nothing_is_added_for_a_job_that_completed() -> None:
    assert job_preface(job("COMPLETED"), "stdout") == []
    assert job_preface(job("RUNNING"), "stdout") == []
    assert job_preface(replace(job("CANCELLED"), signal=15), "stdout") == [
        "── job 7: it is CANCELLED, signal 15 ──"
    ]


def test_the_title_names_the_job_not_the_editors_file() -> None:
    """Found in the #19 walkthrough: a job submitted from the editor (template
    single-node.sbatch, --job-name=w19-array2) was titled "(single-node.sbatch)"."""
    source = SlurmJobLog(Session(Client([job("PENDING")])), "7", "single-node.sbatch")  # type: ignore[arg-type]
    assert source.label == "Slurm job 7 (single-node.sbatch) · stdout"
    source.open()
    assert source.label == "Slurm job 7 (train) · stdout"
