"""The HyperPod tab on the demo's simulated Slurm (a clock the test turns) and a real
moto HyperPod cluster whose nodes carry host names: nodes joined with sinfo, queue,
history, sbatch editor (lint, submit, log opened), scancel, GPU panel, node actions,
read-only refusals."""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual.widgets import Input, Select, Static, TextArea

from console.config import load_config
from console.context import ConsoleContext
from console.demo import slurm as demo_slurm
from console.demo.slurm import SimCluster, demo_nodes
from screens.app import SmConsoleApp
from screens.hyperpod.jobs import GpuScreen, SlurmLogScreen
from screens.hyperpod.panes import NodesPane, QueuePane
from screens.hyperpod.sbatch import SbatchScreen
from screens.hyperpod.tables import GpuTable, HistoryTable, NodesTable, QueueTable
from screens.hyperpod.view import HyperPodView
from screens.kit.confirm import ConfirmDialog
from tests.support.helpers import audit_records
from tests.tui.conftest import ACCOUNT, REGION, ROLE, make_app, notifications
from tests.tui.conftest import wait_until as _wait_until

WAIT = 30.0  # generous: the CI box has two cores shared by several workers


async def wait_until(pilot: Any, predicate: Any, *, timeout: float = WAIT, what: str = "") -> None:
    await _wait_until(pilot, predicate, timeout=timeout, what=what)


LIFECYCLE = {"SourceS3Uri": "s3://sagemaker-lc/x", "OnCreate": "on_create.sh"}


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def create_cluster(sm: Any, name: str, offset: int = 0) -> None:
    """A moto HyperPod cluster with controller, login and three compute nodes, given the
    host names and addresses AWS reports (moto's own nodes have none); ``offset`` numbers
    a second cluster's instances and addresses apart from the first's."""
    from moto.sagemaker.models import sagemaker_backends

    from console.demo.moto_extras import demo_cluster_node

    groups = [("controller", 1, "Controller"), ("login", 1, "Login"), ("workers", 3, "Compute")]
    sm.create_cluster(
        ClusterName=name,
        InstanceGroups=[
            {
                "InstanceGroupName": group,
                "InstanceType": "ml.p5.48xlarge",
                "InstanceCount": count,
                "LifeCycleConfig": LIFECYCLE,
                "ExecutionRole": ROLE,
                "ThreadsPerCore": 1,
                "SlurmConfig": {"NodeType": kind},
            }
            for group, count, kind in groups
        ],
    )
    cluster = sagemaker_backends[ACCOUNT][REGION].clusters[name]
    nodes = {}
    for index, node in enumerate(cluster.nodes.values(), start=offset):
        instance_id = f"i-0{index:016x}"
        demo_cluster_node(node, instance_id, index, cluster.creation_time)
        nodes[instance_id] = node
    cluster.nodes = nodes


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cluster(sm: Any, clock: Clock, request: pytest.FixtureRequest) -> str:
    """A cluster in moto and its simulated Slurm (on the test's clock)."""
    name = f"hp-{request.node.name[5:25].replace('_', '-')}".rstrip("-")
    create_cluster(sm, name)
    context = ConsoleContext(load_config())
    kinds = {
        g.name: g.slurm_node_type for g in context.hyperpod.describe_cluster(name).instance_groups
    }
    compute = [
        n for n in context.hyperpod.list_nodes(name, addresses=True) if kinds[n.group] == "Compute"
    ]
    demo_slurm._CLUSTERS[name] = SimCluster.seeded(demo_nodes(compute), clock)
    return name


def app_on(cluster: str, **overrides: Any) -> SmConsoleApp:
    overrides.setdefault("poll", {"slurm": 0.5})
    return make_app(ssh={"transport": "demo", "cluster": cluster}, **overrides)


def view(app: SmConsoleApp) -> HyperPodView:
    return app.main_screen.query_one(HyperPodView)


async def open_nodes(pilot: Any, app: SmConsoleApp) -> NodesTable:
    # A snapshot's pilot starts before the main screen is composed; the HyperPod view is
    # mounted when its tab is first shown.
    await wait_until(pilot, lambda: app.main_screen.query("#tabs"), what="composed")
    await pilot.press("5")
    await wait_until(pilot, lambda: app.main_screen.query("#hp-nodes-table"), what="the view")
    table = app.main_screen.query_one("#hp-nodes-table", NodesTable)
    await wait_until(pilot, lambda: table.total_count >= 5, what="nodes joined")
    return table


async def open_queue(pilot: Any, app: SmConsoleApp) -> QueueTable:
    await pilot.press("j")
    table = app.main_screen.query_one("#hp-queue-table", QueueTable)
    await wait_until(pilot, lambda: table.total_count >= 2, what="my jobs listed")
    return table


def row(table: Any, key: str) -> list[str]:
    return [cell.plain for cell in table.get_row(key)]


async def test_nodes_join_slurm_and_aws_by_hostname(cluster: str) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, app)
        keys = table.shown_keys()
        compute = [k for k in keys if table.items[k].slurm is not None]
        assert len(compute) == 3
        first = table.items[compute[0]]
        assert first.instance is not None and first.instance.group == "workers"
        cells = row(table, compute[0])
        assert cells[1] in {"ALLOCATED", "MIXED", "IDLE"} and cells[-1] == "Running"
        assert cells[4].endswith("/8")  # GPUs used/total from sinfo's GRES
        others = [table.items[k] for k in keys if table.items[k].slurm is None]
        assert {o.instance.group for o in others if o.instance} == {"controller", "login"}
        head = str(app.main_screen.query_one("#hyperpod-head", Static).content)
        assert cluster in head and "simulated cluster (demo)" in head


@pytest.mark.parametrize("width", [80, 200])
async def test_the_head_names_the_pane_shown_and_the_keys_that_work(
    cluster: str, width: int
) -> None:
    """Found in the #19 walkthrough: the head said "c/n/e/j/h/p panes" (c and n do
    nothing: the keys are L and I), and at 80 columns it was cut before the pane shown."""
    app = app_on(cluster, keymap={"hyperpod.events": "E"})
    async with app.run_test(size=(width, 24)) as pilot:
        await open_nodes(pilot, app)
        await pilot.press("h")
        head = app.main_screen.query_one("#hyperpod-head", Static)
        await wait_until(pilot, lambda: "[History]" in str(head.content), what="the pane")
        text = str(head.content)
        assert "L/I/E/j/h/p panes" in text and "c/n" not in text
        assert cluster in text
        if width == 80:  # what is cut at the end is the cluster and link, shown elsewhere
            assert text.startswith("[History] · L/I/E/j/h/p panes · ")
        else:
            assert len(text) <= width
            assert "Clusters Nodes Events Queue [History] Partitions" in text
            assert text.endswith("] next cluster · b new job")


async def test_queue_mine_and_all_history_and_pane_keys(cluster: str) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        await open_nodes(pilot, app)
        queue = await open_queue(pilot, app)
        assert {queue.items[k].user for k in queue.shown_keys()} == {"demo"}
        await pilot.press("A")
        await wait_until(
            pilot,
            lambda: {"priya", "sam"} <= {queue.items[k].user for k in queue.shown_keys()},
            what="everyone's jobs",
        )
        await pilot.press("h")
        history = app.main_screen.query_one("#hp-history-table", HistoryTable)
        await wait_until(pilot, lambda: history.total_count >= 5, what="history")
        assert {"COMPLETED", "FAILED"} <= {history.items[k].state for k in history.shown_keys()}
        # only the pane on screen polls
        assert app.main_screen.query_one(QueuePane).pane_poller.shown is False
        await pilot.press("L")
        assert view(app).pane == "clusters"


async def test_submit_from_a_template_with_a_lint_fix_opens_the_log(
    cluster: str, clock: Clock
) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nodes(pilot, app)
        await open_queue(pilot, app)
        await pilot.press("b")
        screen = app.screen
        assert isinstance(screen, SbatchScreen)
        editor = screen.query_one(TextArea)
        await pilot.press("f2", "enter")  # keys only: open the template list
        await pilot.press("down", "down", "down", "enter")  # blank, single, torchrun, GPU
        await wait_until(pilot, lambda: "gpu-job" in editor.text, what="GPU template")
        assert screen.query_one(Select).value == "gpu"
        assert screen.query_one("#sbatch-name", Input).value == "gpu-job.sbatch"
        await pilot.press("f4")
        assert editor.has_focus
        # a mistake: drop the --output line, then lint
        editor.load_text(editor.text.replace("#SBATCH --output=logs/%x-%j.out\n", ""))
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: "no-output" in screen.lint_text, what="lint warning")
        await pilot.press("ctrl+s")  # warnings: shown, not submitted yet
        await wait_until(pilot, lambda: "ctrl+s again" in screen.lint_text, what="warned")
        # fix it; the fixed script is clean and goes through the confirm dialog
        editor.load_text(
            editor.text.replace("#SBATCH --time", "#SBATCH --output=g-%j.out\n#SBATCH --time")
        )
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, SlurmLogScreen), what="log opened")
        log_screen = app.screen
        assert isinstance(log_screen, SlurmLogScreen)
        job_id = log_screen.source.name
        clock.now += 12  # the job starts and writes lines
        panel = log_screen.panel
        await wait_until(pilot, lambda: len(panel.view.buffer) >= 3, what="log lines")
        await pilot.press("q")
        queue = app.main_screen.query_one("#hp-queue-table", QueueTable)
        await wait_until(pilot, lambda: job_id in queue.items, what="queued")
        assert queue.items[job_id].name == "gpu-job"
        assert view(app).draft is None
        assert any(r["action"] == "slurm-submit" for r in audit_records())


async def open_editor(pilot: Any, app: SmConsoleApp) -> SbatchScreen:
    """``b`` on the HyperPod tab: the sbatch editor."""
    await open_nodes(pilot, app)
    await pilot.press("b")
    screen = app.screen
    assert isinstance(screen, SbatchScreen)
    return screen


async def test_a_refused_submission_keeps_the_text(cluster: str) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_editor(pilot, app)
        editor = screen.query_one(TextArea)
        # the template names the cluster's default partition once Slurm has said which
        await wait_until(pilot, lambda: "--partition=gpu\n" in editor.text, what="partition")
        typed = editor.text.replace("--partition=gpu", "--partition=nope") + "# my note\n"
        editor.load_text(typed)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "unknown-partition" in screen.lint_text, what="lint error")
        assert isinstance(app.screen, SbatchScreen) and editor.text == typed
        await pilot.press("escape")
        assert not isinstance(app.screen, SbatchScreen)
        assert view(app).draft == typed  # kept for next time
        await pilot.press("b")
        assert app.screen.query_one(TextArea).text == typed


async def test_a_bad_script_shows_the_verdict_and_every_finding_at_80x24(cluster: str) -> None:
    """Found in the #19 walkthrough: four errors filled the 8-line box and the verdict
    under them ("4 error(s): fix them before submitting") and the last error were cut."""
    bad = (
        "#!/bin/bash\n#SBATCH --partition=gpu\n#SBATCH --nodes=99\n#SBATCH --cpus-per-task=999\n"
        "#SBATCH --gres=gpu:99\n#SBATCH --mem=99999999\n#SBATCH --output=o/%j/x\necho\n"
    )
    app = app_on(cluster)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot, app)
        screen.query_one(TextArea).load_text(bad)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "fix them" in screen.lint_text, what="refused")
        lines = screen.lint_text.splitlines()
        assert lines[0] == "5 error(s): fix them before submitting"
        box = screen.query_one("#sbatch-lint", Static)
        await pilot.pause()
        assert box.size.height >= 11  # 50% of the screen, not 8 lines
        assert isinstance(app.screen, SbatchScreen)  # nothing asked, nothing sent


async def test_cancel_a_job_with_confirm(cluster: str) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nodes(pilot, app)
        queue = await open_queue(pilot, app)
        target = next(k for k in queue.shown_keys() if queue.items[k].name == "eval-mmlu")
        queue.move_cursor(row=queue.get_row_index(target))
        await pilot.press("ctrl+k")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # cancel means cancel
        assert queue.items[target].state == "RUNNING"
        await pilot.press("ctrl+k", "y")
        await wait_until(
            pilot, lambda: queue.items[target].state == "CANCELLED", what="cancelled job"
        )
        assert f"job {target} cancelled" in notifications(app)


async def test_gpu_panel_flags_a_straggler(cluster: str) -> None:
    app = app_on(cluster, poll={"slurm": 0.5, "gpus": 0.3})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nodes(pilot, app)
        queue = await open_queue(pilot, app)
        target = next(k for k in queue.shown_keys() if queue.items[k].name == "llama3-70b-pretrain")
        queue.move_cursor(row=queue.get_row_index(target))
        await pilot.press("g")
        assert isinstance(app.screen, GpuScreen)
        table = app.screen.query_one(GpuTable)
        await wait_until(pilot, lambda: table.total_count == 16, what="16 GPUs")
        notes = str(app.screen.query_one("#gpu-notes", Static).content)
        assert "straggler" in notes
        flagged = [k for k in table.shown_keys() if table.items[k].flags]
        assert len(flagged) == 1 and flagged[0].endswith("/5")
        await pilot.press("q")
        assert not isinstance(app.screen, GpuScreen)


@pytest.fixture
def reboots(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Teach the in-process moto BatchRebootClusterNodes (moto 5.2.5 lacks it)."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    calls: list[list[str]] = []

    def batch_reboot_cluster_nodes(self: Any) -> ActionResult:
        ids = list(self._get_param("NodeIds"))
        calls.append(ids)
        return ActionResult({"Successful": ids, "Failed": []})

    monkeypatch.setattr(
        SageMakerResponse, "batch_reboot_cluster_nodes", batch_reboot_cluster_nodes, raising=False
    )
    return calls


async def test_node_reboot_is_confirmed_and_audited_and_refused_read_only(
    cluster: str, reboots: list[list[str]]
) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, app)
        key = next(k for k in table.shown_keys() if table.items[k].slurm is not None)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        instance = table.items[key].instance
        assert instance is not None
        await wait_until(pilot, lambda: reboots == [[instance.instance_id]], what="the reboot")
        await wait_until(
            pilot,
            lambda: f"reboot of {instance.instance_id} requested" in notifications(app),
            what="reported",
        )
        [record] = [r for r in audit_records() if r["action"] == "cluster-node-reboot"]
        assert record["target"] == cluster
    read_only = app_on(cluster, read_only=True)
    async with read_only.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, read_only)
        await pilot.press("ctrl+r")
        assert not isinstance(read_only.screen, ConfirmDialog)
        assert any("read-only" in n for n in notifications(read_only))
        await open_queue(pilot, read_only)
        await pilot.press("ctrl+k")
        assert not isinstance(read_only.screen, ConfirmDialog)
        await pilot.press("b", "ctrl+s")
        assert any("slurm-submit" in n for n in notifications(read_only))


async def test_without_slurm_config_the_aws_side_still_shows(sm: Any, cluster: str) -> None:
    app = make_app(ssh={"cluster": cluster})  # transport ssh, no host
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("5")
        table = app.main_screen.query_one("#hp-nodes-table", NodesTable)
        await wait_until(pilot, lambda: table.total_count == 5, what="AWS nodes")
        assert all(table.items[k].slurm is None for k in table.shown_keys())
        pane = app.main_screen.query_one(NodesPane)
        await wait_until(
            pilot,
            lambda: (
                "no Slurm connection is configured"
                in str(pane.query_one(".view-info", Static).content)
            ),
            what="the reason",
        )
        await pilot.press("b")
        assert any("no Slurm connection" in n for n in notifications(app))


async def test_input_name_field(cluster: str) -> None:
    app = app_on(cluster)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_nodes(pilot, app)
        await pilot.press("b")
        assert app.screen.query_one("#sbatch-name", Input).value == "single-node.sbatch"


async def test_replace_needs_the_typed_id_and_health_check_says_unsupported(
    cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    replaced: list[list[str]] = []

    def batch_replace_cluster_nodes(self: Any) -> ActionResult:
        replaced.append(list(self._get_param("NodeIds")))
        return ActionResult({"Successful": replaced[-1], "Failed": []})

    monkeypatch.setattr(
        SageMakerResponse, "batch_replace_cluster_nodes", batch_replace_cluster_nodes, raising=False
    )
    app = app_on(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        table = await open_nodes(pilot, app)
        key = next(k for k in table.shown_keys() if table.items[k].slurm is not None)
        table.move_cursor(row=table.get_row_index(key))
        instance = table.items[key].instance
        assert instance is not None
        await pilot.press("ctrl+e")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.typed_name == instance.instance_id
        await pilot.press("y")  # a letter in the name box, not a confirmation
        assert app.screen is dialog
        dialog.query_one(Input).value = instance.instance_id
        await pilot.press("enter")
        await wait_until(pilot, lambda: replaced == [[instance.instance_id]], what="replaced")
        # moto has no StartClusterHealthCheck: the operator is told so, in one line
        await pilot.press("H", "y")
        await wait_until(
            pilot,
            lambda: any("not supported" in n for n in notifications(app)),
            what="not supported",
        )
        assert any(r["action"] == "cluster-node-health-check" for r in audit_records())


async def test_choose_a_cluster_from_the_clusters_pane(sm: Any, cluster: str) -> None:
    app = make_app(ssh={"transport": "demo"}, poll={"slurm": 0.5})  # no cluster configured
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("5")
        hyperpod = view(app)
        await pilot.press("L")
        clusters = app.main_screen.query_one("#hp-clusters-table")
        await wait_until(pilot, lambda: cluster in clusters.items, what="the cluster")  # type: ignore[attr-defined]
        clusters.move_cursor(row=clusters.get_row_index(cluster))  # type: ignore[attr-defined]
        groups = str(app.main_screen.query_one("#hp-groups", Static).content)
        assert "workers" in groups and "Compute" in groups
        await pilot.press("enter")
        assert hyperpod.pane == "nodes" and hyperpod.state is not None
        assert hyperpod.state.cluster == cluster
        table = app.main_screen.query_one("#hp-nodes-table", NodesTable)
        await wait_until(
            pilot,
            lambda: any(table.items[k].instance for k in table.shown_keys()),
            what="the chosen cluster's instances",
        )


FROZEN = 1_800_000_000.0  # a fixed clock: the simulated GPUs read the same every run


def gpu_snapshot_app(cluster: str, clock: Clock) -> tuple[SmConsoleApp, Any]:
    clock.now = FROZEN
    demo_slurm._CLUSTERS[cluster] = SimCluster.seeded(demo_slurm._CLUSTERS[cluster].nodes, clock)
    app = app_on(cluster, poll={"slurm": 0.5, "gpus": 0.5})

    async def open_gpus(pilot: Any) -> None:
        await open_nodes(pilot, app)
        queue = await open_queue(pilot, app)
        target = next(k for k in queue.shown_keys() if queue.items[k].name == "llama3-70b-pretrain")
        queue.move_cursor(row=queue.get_row_index(target))
        await pilot.press("g")
        table = app.screen.query_one(GpuTable)
        await wait_until(pilot, lambda: table.total_count == 16, what="16 GPUs")
        await pilot.pause(0.2)

    return app, open_gpus


def test_gpu_panel_snapshot_small(cluster: str, clock: Clock, snap_compare: Any) -> None:
    app, run_before = gpu_snapshot_app(cluster, clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_gpu_panel_snapshot_large(cluster: str, clock: Clock, snap_compare: Any) -> None:
    app, run_before = gpu_snapshot_app(cluster, clock)
    assert snap_compare(app, terminal_size=(160, 50), run_before=run_before)
