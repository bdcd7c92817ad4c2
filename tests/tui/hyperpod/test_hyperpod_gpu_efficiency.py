"""GPU utilisation in the efficiency view, in the demo (moto's cluster and the simulated
Slurm): ``E`` on a running GPU job samples its own GPUs (nvidia-smi, simulated); ``E`` on
a finished one reads Slurm's GPU accounting, and a job whose GPUs idled is flagged WASTE
in the history."""

from __future__ import annotations

from typing import Any

from screens.hyperpod.detail import SlurmJobDetailScreen
from screens.hyperpod.tables import HistoryTable

from .test_hyperpod_view import Clock, app_on, clock, cluster, open_nodes, open_queue, wait_until

__all__ = ["Clock", "clock", "cluster"]  # fixtures, imported to be used here


def efficiency_text(screen: Any) -> str:
    return str(screen.query_one("#job-detail-body").content)


async def efficiency_of(pilot: Any, table: Any, key: str) -> str:
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("E")
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, SlurmJobDetailScreen), what="detail")
    screen = app.screen
    await wait_until(pilot, lambda: screen.efficiency is not None, what="the efficiency")
    text = efficiency_text(screen)
    await pilot.press("q")
    await wait_until(pilot, lambda: app.screen is app.main_screen, what="back")
    return text


async def test_gpu_utilisation_sampled_live_and_accounted_after(cluster: str) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nodes(pilot, app)
        queue = await open_queue(pilot, app)
        running = next(k for k in queue.shown_keys() if queue.items[k].name == "eval-mmlu")
        live = await efficiency_of(pilot, queue, running)
        util = next(line for line in live.splitlines() if "GPU util" in line)
        assert "sampled now (nvidia-smi)" in util and util.split()[2].endswith("%")

        await pilot.press("A", "h")  # everyone's history: priya's idle-GPU run is there
        history = app.main_screen.query_one("#hp-history-table", HistoryTable)
        await wait_until(pilot, lambda: history.total_count >= 5, what="history")
        idle = next(k for k in history.shown_keys() if history.items[k].name == "mistral-7b-dpo")
        await wait_until(pilot, lambda: idle in history.efficiency, what="the waste flags")
        assert history.waste(history.items[idle]) == "WASTE"
        text = await efficiency_of(pilot, history, idle)
        assert "GPU util    4% (Slurm GPU accounting)" in text
        assert "GPU utilisation 4% < 10%" in text
        busy = next(k for k in history.shown_keys() if history.items[k].name == "llama3-8b-sft")
        assert "91% (Slurm GPU accounting)" in await efficiency_of(pilot, history, busy)
