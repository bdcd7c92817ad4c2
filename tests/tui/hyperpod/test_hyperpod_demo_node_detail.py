"""``enter`` on a node in the demo (moto's cluster and the simulated Slurm) opens the
node in full with content: Slurm's side (state, CPUs, GPUs, GRES, partitions) and the
HyperPod instance it runs on; a login node (no slurmd) says it is no Slurm node and still
shows its instance."""

from __future__ import annotations

from typing import Any

from screens.hyperpod.node_detail import NodeDetailScreen

from .test_hyperpod_view import Clock, app_on, clock, cluster, open_nodes, wait_until

__all__ = ["Clock", "clock", "cluster"]  # fixtures, imported to be used here


def body(screen: Any) -> str:
    return str(screen.query_one("#node-detail-body").content)


async def test_node_detail_opens_with_slurm_and_instance_content(cluster: str) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(100, 40)) as pilot:
        table = await open_nodes(pilot, app)
        compute = next(k for k in table.shown_keys() if table.items[k].slurm is not None)
        instance = table.items[compute].instance
        assert instance is not None
        table.move_cursor(row=table.get_row_index(compute))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NodeDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, NodeDetailScreen)
        await wait_until(pilot, lambda: screen.detail is not None, what="scontrol show node")
        text = body(screen)
        fields = {line.split()[0] for line in text.splitlines() if line.strip()}
        assert {"State", "CPUs", "GPUs", "GRES", "Partitions", "Memory"} <= fields
        state = next(line for line in text.splitlines() if line.startswith("State"))
        assert state.split()[1] in {"ALLOCATED", "MIXED", "IDLE"}
        assert "/8 in use" in text and "gpu" in text  # the demo's 8 GPUs a node
        assert instance.instance_id in text and "workers" in text and "Running" in text
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is app.main_screen, what="back")

        login = next(
            k
            for k in table.shown_keys()
            if table.items[k].instance and table.items[k].instance.group == "login"  # type: ignore[union-attr]
        )
        table.move_cursor(row=table.get_row_index(login))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NodeDetailScreen), what="detail")
        text = body(app.screen)
        assert text.startswith("not a Slurm node") and "login" in text
