"""Declined confirmations, key by key: every mutating binding of every tab, declined.

The keys are the read-only sweep's (``SWEPT`` in ``test_readonly_sweep.py``, itself
checked against every binding that reaches the gate), so a new mutating key joins this
sweep too, or is named in ``NO_CONFIRM`` with the reason it has no confirm dialog.

The sweep starts the real app (not read-only) on moto with the same resources, walks each
key up to its confirm dialog (through the form or picker that comes first, if any),
declines it, and checks: exactly one new audit record, ``refused``, naming the key's
action, saying it was not confirmed; nothing else audited (no ``intent``: nothing went
through the gate); and, read back from moto and the simulated Slurm, nothing changed.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from textual.screen import Screen
from textual.widgets import Input, TextArea

from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.load_test import LoadTestScreen
from screens.endpoints.update import ConfigPicker
from screens.endpoints.weights import WeightsDialog
from screens.hyperpod.prompt import ValuePrompt
from screens.hyperpod.sbatch import SbatchScreen
from screens.jobs.training_form import TrainingForm
from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from tests.support.helpers import audit_records
from tests.support.registry import seed_churn
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, weights_in_moto
from tests.tui.hyperpod.test_hyperpod_view import (
    Clock,
    app_on,
    create_cluster,
    open_nodes,
    open_queue,
)
from tests.tui.notebooks.test_notebooks_view import make_notebook, status_in_moto

from .conftest import ROLE, create_training_job, set_training_state, wait_until
from .test_readonly_sweep import (
    PIPELINE_KEYS,
    QUEUE_CONTROLS,
    SWEPT,
    SWEPT_ELSEWHERE,
    _cluster,
    _compute_row,
    _slurm_row,
    key_of,
)

HERE = Path(__file__).parent
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"
# Swept keys without a confirm dialog of their own, and why.
NO_CONFIRM = {
    "endpoints.invoke": "opens the invoke panel; a request is sent only by its explicit ctrl+s",
    "endpoint_detail.invoke": "the same invoke panel, from the endpoint's details",
}
# Declines driven by the test that needs an MLflow store, a Stubber host app or the
# demo's pipeline extras.
_PIPELINES_DECLINED = (
    "pipelines/test_pipelines_view.py",
    "test_declining_every_pipeline_change_is_audited_once",
)
DECLINED_ELSEWHERE = {
    **dict.fromkeys(PIPELINE_KEYS, _PIPELINES_DECLINED),
    "endpoint_detail.scaling": (
        "endpoints/test_endpoint_scaling.py",
        "test_a_bad_value_or_a_no_sends_nothing",
    ),
    "mlflow_versions.alias": (
        "mlflow/test_experiments_view.py",
        "test_alias_set_from_the_registry_is_confirmed_and_audited",
    ),
    "mlflow_servers.start": (
        "mlflow/test_mlflow_servers_view.py",
        "test_stop_cancelled_then_read_only_refuses",
    ),
    "mlflow_servers.stop": (
        "mlflow/test_mlflow_servers_view.py",
        "test_stop_cancelled_then_read_only_refuses",
    ),
}
# Keys this sweep cannot reach on the simulated Slurm: declined against the real Slurm by
# the test named (none now: the simulated Slurm has array jobs too).
DECLINED_ON_REAL_SLURM: dict[str, tuple[str, str]] = {}


def test_every_swept_key_is_declined_somewhere() -> None:
    assert set(DECLINED_ELSEWHERE) == set(SWEPT_ELSEWHERE)
    assert set(NO_CONFIRM) <= set(SWEPT)
    assert set(DECLINED_ON_REAL_SLURM) <= set(SWEPT)
    for binding_id, (file, test) in {**DECLINED_ELSEWHERE, **DECLINED_ON_REAL_SLURM}.items():
        tree = ast.parse((HERE / file).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)}
        assert test in names, f"{binding_id}: {file}::{test} is gone"


class Decline:
    def __init__(self, app: Any, pilot: Any) -> None:
        self.app = app
        self.pilot = pilot
        self.declined: list[str] = []

    async def to_confirm(self, binding_id: str) -> None:
        """Press the binding's key; it must open the confirm dialog."""
        await self.pilot.press(key_of(binding_id))
        await self.wait_for(ConfirmDialog, binding_id)

    async def wait_for(self, screen: type[Screen[Any]], what: str) -> None:
        await wait_until(
            self.pilot, lambda: isinstance(self.app.screen, screen), what=f"{screen} ({what})"
        )

    async def decline(self, binding_id: str, back_to: type[Screen[Any]] = MainScreen) -> None:
        """Decline the open confirm dialog (ctrl+c: it cancels in every mode of the
        dialog); exactly one new ``refused`` record naming the key's action."""
        action = SWEPT[binding_id]
        assert isinstance(self.app.screen, ConfirmDialog), binding_id
        assert self.app.screen.change is not None and self.app.screen.change[0] == action
        before = len(audit_records(intents=True))
        await self.pilot.press("ctrl+c")
        await self.wait_for(back_to, binding_id)
        await self.pilot.pause()
        new = audit_records(intents=True)[before:]
        assert [(r["action"], r["outcome"], r["source"]) for r in new] == [
            (action, "refused", "tui")
        ], (binding_id, new)
        assert "not confirmed" in new[0]["detail"]
        self.declined.append(binding_id)


async def test_declining_every_mutating_key_is_audited_once_and_changes_nothing(
    sm: Any, aws: Any
) -> None:
    create_training_job(sm, "train-decline")
    set_training_state("train-decline", "InProgress")
    make_notebook(sm, "nb-on")
    make_notebook(sm, "nb-off")
    sm.stop_notebook_instance(NotebookInstanceName="nb-off")
    make_ab_endpoint(sm)
    sm.create_endpoint_config(
        EndpointConfigName="fraud-v2-only",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "fraud-v2",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    arns = seed_churn(aws)
    approvals = {v: approval(sm, arn) for v, arn in arns.items() if v.startswith("v")}
    cluster = _cluster(sm, Clock(), create_cluster)
    app = app_on(cluster, execution_role_arn=ROLE)
    before_weights = weights_in_moto(sm)
    async with app.run_test(size=(160, 50)) as pilot:
        run = Decline(app, pilot)
        # Jobs: stop, and a new training job through its form
        await pilot.press("1")
        jobs = app.main_screen.query_one("#jobs-table")
        await wait_until(pilot, lambda: jobs.total_count >= 1, what="the training job")
        await run.to_confirm("jobs.stop")
        await run.decline("jobs.stop")
        await pilot.press(key_of("jobs.new_training"))
        await run.wait_for(TrainingForm, "the form")
        form = app.screen
        for field, value in {
            "name": "declined-job",
            "image": IMAGE,
            "input": "s3://bucket/in",
            "output": "s3://bucket/out",
        }.items():
            form.query_one(f"#tf-{field}", Input).value = value
        await pilot.pause()
        await pilot.press("ctrl+s")
        await run.wait_for(ConfirmDialog, "create confirm")
        await run.decline("jobs.new_training", back_to=TrainingForm)
        await pilot.press("escape")
        await run.wait_for(MainScreen, "form closed")

        # Endpoints: the table, then the same keys on the detail screen
        await pilot.press("2")
        endpoints = app.main_screen.query_one("#endpoints-table")
        await wait_until(pilot, lambda: endpoints.total_count >= 1, what="the endpoint")
        await shift_and_decline(run, "endpoints.weights", MainScreen)
        await pick_and_decline(run, "endpoints.update", MainScreen)
        await run.to_confirm("endpoints.delete")
        await run.decline("endpoints.delete")
        await pilot.press("enter")
        await run.wait_for(EndpointDetailScreen, "detail")
        await shift_and_decline(run, "endpoint_detail.weights", EndpointDetailScreen)
        await pick_and_decline(run, "endpoint_detail.update", EndpointDetailScreen)
        await pilot.press(key_of("endpoint_detail.load_test"))  # the form, then the confirm
        await run.wait_for(LoadTestScreen, "the load test form")
        await pilot.press("ctrl+s")
        await run.wait_for(ConfirmDialog, "endpoint_detail.load_test")
        await run.decline("endpoint_detail.load_test", back_to=LoadTestScreen)
        await pilot.press("escape")
        await run.wait_for(EndpointDetailScreen, "load test closed")
        await pilot.press("escape")
        await run.wait_for(MainScreen, "detail closed")

        # Registry: approve and reject the pending version (the dialog has a comment)
        await pilot.press("4")
        packages = app.main_screen.query_one("#registry-packages")
        await wait_until(pilot, lambda: packages.shown_count >= 1, what="pending versions")
        for binding_id in ("registry.approve", "registry.reject"):
            await run.to_confirm(binding_id)
            await pilot.press(*"why not")  # a half-typed reason is dropped with the decline
            await run.decline(binding_id)

        # HyperPod: nodes, the queue, the sbatch editor
        nodes = await open_nodes(pilot, app)
        nodes.move_cursor(row=nodes.get_row_index(_compute_row(nodes)))
        for binding_id in ("reboot", "replace", "health"):
            await run.to_confirm(f"hyperpod.nodes.{binding_id}")
            await run.decline(f"hyperpod.nodes.{binding_id}")
        nodes.move_cursor(row=nodes.get_row_index(_slurm_row(nodes)))
        await run.to_confirm("hyperpod.nodes.resume")
        await run.decline("hyperpod.nodes.resume")
        await pilot.press(key_of("hyperpod.nodes.drain"))  # a reason first, then the confirm
        await run.wait_for(ValuePrompt, "the drain reason")
        await pilot.press(*"bad gpu", "enter")
        await run.wait_for(ConfirmDialog, "hyperpod.nodes.drain")
        await run.decline("hyperpod.nodes.drain")
        # Lifecycle: delete a node (its Slurm state read first), scale its group
        nodes.move_cursor(row=nodes.get_row_index(_compute_row(nodes)))
        await run.to_confirm("hyperpod.nodes.delete")
        await run.decline("hyperpod.nodes.delete")
        await pilot.press(key_of("hyperpod.nodes.scale"))
        await run.wait_for(ValuePrompt, "the new count")
        app.screen.query_one(Input).value = "9"
        await pilot.press("enter")
        await run.wait_for(ConfirmDialog, "hyperpod.nodes.scale")
        await run.decline("hyperpod.nodes.scale")
        await pilot.press("L")  # the clusters pane: scale a group, update the software
        clusters = app.main_screen.query_one("#hp-clusters-table")
        await wait_until(pilot, lambda: cluster in clusters.items, what="the cluster")  # type: ignore[attr-defined]
        clusters.move_cursor(row=clusters.get_row_index(cluster))  # type: ignore[attr-defined]
        await pilot.press(key_of("hyperpod.clusters.scale"))
        await run.wait_for(ValuePrompt, "group and count")
        app.screen.query_one(Input).value = "workers 5"
        await pilot.press("enter")
        await run.wait_for(ConfirmDialog, "hyperpod.clusters.scale")
        await run.decline("hyperpod.clusters.scale")
        await run.to_confirm("hyperpod.clusters.update")
        await run.decline("hyperpod.clusters.update")
        queue = await open_queue(pilot, app)
        running = next(k for k in queue.shown_keys() if queue.items[k].name == "eval-mmlu")
        queue.move_cursor(row=queue.get_row_index(running))
        await run.to_confirm("hyperpod.queue.cancel")
        await run.decline("hyperpod.queue.cancel")
        task = next(k for k in queue.shown_keys() if queue.items[k].array_task == "1")
        queue.move_cursor(row=queue.get_row_index(task))
        await run.to_confirm("hyperpod.queue.cancel_array")  # the simulated array, whole
        await run.decline("hyperpod.queue.cancel_array")
        queue.move_cursor(row=queue.get_row_index(running))
        await pilot.press("space")  # marked: the dialog names the marked job
        queue.move_cursor(row=queue.get_row_index(running))
        for name in QUEUE_CONTROLS:
            binding_id = f"hyperpod.queue.{name}"
            if name in {"limit", "signal"}:  # a value first (the default), then the confirm
                await pilot.press(key_of(binding_id))
                await run.wait_for(ValuePrompt, binding_id)
                await pilot.press("enter")
                await run.wait_for(ConfirmDialog, binding_id)
            else:
                await run.to_confirm(binding_id)
            assert running in app.screen.message  # type: ignore[attr-defined]
            await run.decline(binding_id)
        await pilot.press(key_of("hyperpod.new_job"))
        await run.wait_for(SbatchScreen, "the editor")
        editor = app.screen.query_one(TextArea)
        await wait_until(pilot, lambda: "--partition=gpu\n" in editor.text, what="the template")
        typed = editor.text
        for _ in range(2):  # lint warnings: ctrl+s again submits anyway
            await pilot.press("ctrl+s")
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, ConfirmDialog) or "ctrl+s again" in app.screen.lint_text
                ),
                what="the confirm dialog (or lint warnings)",
            )
            if isinstance(app.screen, ConfirmDialog):
                break
        await run.decline("hyperpod.new_job", back_to=SbatchScreen)
        assert editor.text == typed  # the draft is kept
        await pilot.press("escape")
        await run.wait_for(MainScreen, "editor closed")

        # Notebooks: start the stopped one, stop and delete... delete needs Stopped
        await pilot.press("6")
        notebooks = app.main_screen.query_one("#notebooks-table")
        await wait_until(pilot, lambda: notebooks.total_count >= 2, what="the notebooks")
        for binding_id, name in (
            ("notebooks.start", "nb-off"),
            ("notebooks.stop", "nb-on"),
            ("notebooks.delete", "nb-off"),
        ):
            notebooks.move_cursor(row=notebooks.get_row_index(name))
            await run.to_confirm(binding_id)
            await run.decline(binding_id)

        assert queue.items[running].state == "RUNNING"
    assert sorted(run.declined) == sorted(
        set(SWEPT) - set(NO_CONFIRM) - set(DECLINED_ON_REAL_SLURM)
    )
    # Nothing went through the gate: declines only, no intent, no outcome.
    records = audit_records(intents=True)
    assert {r["outcome"] for r in records} == {"refused"}
    assert len(records) == len(run.declined)
    # Read back: nothing changed.
    job = sm.describe_training_job(TrainingJobName="train-decline")
    assert job["TrainingJobStatus"] == "InProgress"
    assert not sm.list_training_jobs(NameContains="declined-job")["TrainingJobSummaries"]
    assert weights_in_moto(sm) == before_weights
    endpoint = sm.describe_endpoint(EndpointName="fraud")
    assert endpoint["EndpointConfigName"] == "fraud-ab"
    assert {v: approval(sm, arns[v]) for v in approvals} == approvals
    assert status_in_moto(sm, "nb-on") == "InService"
    assert status_in_moto(sm, "nb-off") == "Stopped"


def approval(sm: Any, arn: str) -> tuple[str, str]:
    data = sm.describe_model_package(ModelPackageName=arn)
    return data["ModelApprovalStatus"], data.get("ApprovalDescription", "")


async def shift_and_decline(run: Decline, binding_id: str, back_to: type[Screen[Any]]) -> None:
    """The weights dialog: a 90/10 split, ctrl+s, then decline the confirm."""
    await run.pilot.press(key_of(binding_id))
    await run.wait_for(WeightsDialog, binding_id)
    await run.pilot.press(*"90", "down", *"10")
    await run.pilot.pause()
    await run.pilot.press("ctrl+s")
    await run.wait_for(ConfirmDialog, binding_id)
    await run.decline(binding_id, back_to=back_to)


async def pick_and_decline(run: Decline, binding_id: str, back_to: type[Screen[Any]]) -> None:
    """The config picker: pick the other config, then decline the confirm."""
    await run.pilot.press(key_of(binding_id))
    await run.wait_for(ConfigPicker, binding_id)
    picker = run.app.screen
    await wait_until(run.pilot, lambda: picker.configs is not None, what="configs listed")
    await run.pilot.press(*"v2", "enter")
    await run.wait_for(ConfirmDialog, binding_id)
    await run.decline(binding_id, back_to=back_to)
