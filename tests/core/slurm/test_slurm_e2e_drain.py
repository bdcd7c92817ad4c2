"""Drain and resume for real: the Slurm admin test user (``AdminLevel=Admin`` in the test
system's own accounting) drains the spare node (alone in its own partition, so no other
test's jobs stall) with a reason and resumes it, through the gate and through the CLI,
over the bastion. Slurm records who drained it and why; the audit log has both outcomes.
The plain test user's refusal stays covered in test_slurm_e2e_jobctl.py."""

from __future__ import annotations

from typing import Any

from console.remote.ssh import SshTransport, resolve_target
from console.slurm.client import SlurmClient
from tests.support.helpers import audit_records, context
from tests.system.support import System


def admin_client(system: System) -> SlurmClient:
    target = resolve_target(
        f"127.0.0.1:{system.head.port}",
        user=system.admin_user,
        identity_file=system.key,
        known_hosts=system.known_hosts,
        jump=f"{system.admin_user}@127.0.0.1:{system.bastion.port}",
    )
    return SlurmClient(SshTransport(target), context().gate)


def test_the_admin_drains_the_spare_node_with_a_reason_and_resumes_it(system: System) -> None:
    with system.spare() as node:
        client = admin_client(system)
        try:
            before = client.node_detail(node)
            assert "DRAIN" not in before.flags and before.partitions == (node,)
            drained = client.drain(node, "e2e: bad GPU 3; swap it")
            assert "DRAIN" in drained.flags or drained.state in {"DRAINED", "DRAINING"}
            assert drained.reason == "e2e: bad GPU 3; swap it"
            assert drained.reason_by == system.admin_user and drained.reason_at is not None
            resumed = client.resume(node)
            assert "DRAIN" not in resumed.flags and resumed.state in {"IDLE", "MIXED"}
            # Slurm marks it NOT_RESPONDING until its ping is answered: waited out (found
            # in the #19 walkthrough: "node spare is IDLE+NOT_RESPONDING" right after).
            assert "NOT_RESPONDING" not in resumed.flags
            assert resumed.reason == ""
        finally:
            client.transport.close()
    outcomes = {
        (r["action"], r["target"].rsplit(":", 1)[-1], r["outcome"]) for r in audit_records()
    }
    assert {("slurm-drain", node, "ok"), ("slurm-resume", node, "ok")} <= outcomes


def test_the_cli_drains_and_resumes_as_the_admin(system: System, run_cli: Any) -> None:
    ssh = [
        "--ssh", f"{system.admin_user}@127.0.0.1:{system.head.port}",
        "-i", system.key,
        "--known-hosts", system.known_hosts,
    ]  # fmt: skip
    with system.spare() as node:
        drained = run_cli("slurm-drain", node, "--reason", "cli: memory errors", "--yes", *ssh)
        assert drained.exit_code == 0, drained.stderr
        shown = run_cli("slurm-node", node, "--json", *ssh)
        assert shown.exit_code == 0, shown.stderr
        detail = shown.json()
        assert detail["reason"] == "cli: memory errors" and detail["reason_by"] == system.admin_user
        resumed = run_cli("slurm-resume", node, "--yes", *ssh)
        assert resumed.exit_code == 0, resumed.stderr
        assert "NOT_RESPONDING" not in resumed.stdout
        assert "DRAIN" not in run_cli("slurm-node", node, "--json", *ssh).json()["flags"]
