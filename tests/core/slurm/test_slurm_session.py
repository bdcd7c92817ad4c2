"""SlurmSession.for_cluster: choosing another HyperPod cluster (``]``) moves a session
that goes through the cluster (SSM, the demo) to that cluster's Slurm, closing the old
connection; an SSH session goes to one host whatever the cluster."""

from __future__ import annotations

from typing import Any

from console.remote.connect import ConnectionSpec
from console.slurm.session import SlurmSession


class Closing:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def opened(spec: ConnectionSpec) -> tuple[SlurmSession, Closing]:
    session = SlurmSession(spec, remote_dir="~/jobs", nvidia_smi="/opt/nvidia-smi")
    transport = Closing()
    session._client = type("Client", (), {"transport": transport})()  # type: ignore[assignment]
    return session, transport


def test_ssm_and_demo_sessions_follow_the_cluster() -> None:
    for kind in ("ssm", "demo"):
        session, transport = opened(ConnectionSpec(kind=kind, cluster="a", ssm_node="i-1"))
        assert session.for_cluster("a") is session and not transport.closed
        moved: Any = session.for_cluster("b")
        assert moved is not session and transport.closed
        assert (moved.spec.cluster, moved.spec.ssm_node, moved.spec.kind) == ("b", "", kind)
        assert (moved.remote_dir, moved.nvidia_smi) == ("~/jobs", "/opt/nvidia-smi")


def test_an_ssh_session_stays_on_its_host() -> None:
    session, transport = opened(ConnectionSpec(kind="ssh", host="head", cluster="a"))
    assert session.for_cluster("b") is session and not transport.closed
