"""A node in full and drain/resume against the real test Slurm. ``enter`` on a nodes-pane
row shows ``scontrol show node`` (state, CPUs, memory, partitions); the test user is no
Slurm admin, so drain (with a reason) and resume are refused by Slurm, said in one line
with the hint, audited as errors, and the single test node stays in service."""

from __future__ import annotations

from pathlib import Path

from console.slurm.client import SlurmClient
from screens.hyperpod.node_detail import NodeDetailScreen
from screens.hyperpod.prompt import ValuePrompt
from screens.hyperpod.tables import NodesTable
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.system.support import System
from tests.tui.conftest import notifications

from .test_hyperpod_slurm import app_for, wait_until
from .test_hyperpod_slurm_jobs import slurm

__all__ = ["slurm"]  # a fixture, used by name


async def test_node_detail_and_drain_refused_for_a_user(system: System, slurm: SlurmClient) -> None:
    node = slurm.nodes()[0].name
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5", "I")
        table = app.main_screen.query_one("#hp-nodes-table", NodesTable)
        await wait_until(pilot, lambda: node in table.items, what="the Slurm node")
        table.move_cursor(row=table.get_row_index(node))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NodeDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, NodeDetailScreen)
        await wait_until(pilot, lambda: screen.detail is not None, what="scontrol show node")
        body = str(screen.query_one("#node-detail-body").content)  # type: ignore[attr-defined]
        assert body.splitlines()[0].split()[0] == "State"
        assert "Partitions" in body and "Memory" in body
        assert "HyperPod instance: none matches this node" in body  # no cluster configured
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is app.main_screen, what="back")

        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt), what="reason")
        await pilot.press("enter")  # no reason: one line with a hint, nothing asked
        await wait_until(
            pilot,
            lambda: any("reason must be" in n for n in notifications(app)),
            what="the empty-reason error",
        )
        assert not isinstance(app.screen, ConfirmDialog)
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt), what="reason")
        await pilot.press(*"tui test", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        assert "Reason: tui test" in app.screen.message  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: any("admin" in n.lower() for n in notifications(app)),
            what="Slurm's refusal with the hint",
        )
        await pilot.press("U")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: any(r["action"] == "slurm-resume" and r["outcome"] for r in audit_records()),
            what="the resume audited",
        )
    assert "DRAIN" not in slurm.node_detail(node).display_state
    outcomes = [(r["action"], r["outcome"]) for r in audit_records()]
    assert ("slurm-drain", "error") in outcomes and ("slurm-resume", "error") in outcomes


def state_of(table: NodesTable, node: str) -> str:
    slurm = table.items[node].slurm
    return slurm.display_state if slurm else ""


async def test_the_admin_drains_the_spare_node_with_a_reason_and_resumes_it(
    system: System, slurm: SlurmClient
) -> None:
    """Keys only, as the Slurm admin: D with a reason drains the spare node (the row and
    its detail show DRAIN and the reason), U resumes it."""
    with system.spare() as node:
        app = app_for(system, Path(system.known_hosts), user=system.admin_user)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("5", "I")
            table = app.main_screen.query_one("#hp-nodes-table", NodesTable)
            await wait_until(pilot, lambda: node in table.items, what="the spare node")
            table.move_cursor(row=table.get_row_index(node))
            await pilot.press("D")
            await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt), what="reason")
            await pilot.press(*"swap GPU 3", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: "DRAIN" in state_of(table, node),
                what="the row drained",
            )
            detail = slurm.node_detail(node)
            assert (detail.reason, detail.reason_by) == ("swap GPU 3", system.admin_user)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, NodeDetailScreen), what="detail")
            screen = app.screen
            assert isinstance(screen, NodeDetailScreen)
            await wait_until(pilot, lambda: screen.detail is not None, what="scontrol show node")
            body = str(screen.query_one("#node-detail-body").content)  # type: ignore[attr-defined]
            assert "swap GPU 3" in body and system.admin_user in body
            await pilot.press("q")
            await wait_until(pilot, lambda: app.screen is app.main_screen, what="back")
            await pilot.press("U")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: "DRAIN" not in state_of(table, node),
                what="the row back in service",
            )
        assert "DRAIN" not in slurm.node_detail(node).display_state
        outcomes = {(r["action"], r["outcome"]) for r in audit_records()}
        assert {("slurm-drain", "ok"), ("slurm-resume", "ok")} <= outcomes


async def test_partitions_pane_counts_nodes_and_pending_jobs(
    system: System, slurm: SlurmClient
) -> None:
    from screens.hyperpod.tables import PartitionsTable

    expected = {p.name: p for p in slurm.partition_summary()}
    app = app_for(system, Path(system.known_hosts))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5", "p")
        table = app.main_screen.query_one("#hp-partitions-table", PartitionsTable)
        await wait_until(pilot, lambda: table.total_count >= 1, what="the partitions")
        assert set(table.items) == set(expected)
        name = next(iter(expected))
        cells = dict(zip(table.column_keys(), [c.plain for c in table.get_row(name)], strict=False))
        assert cells["nodes"] == str(expected[name].nodes_total)
        assert cells["name"].rstrip("*") == name
