"""Read-only mode, key by key: every mutating binding on every tab is refused up front.

The bindings are not listed by hand only. Every binding of every owner in
``BINDING_OWNERS`` whose action reaches the mutation gate (``gate_allows(`` /
``gate.check(`` in its code, following ``self.`` calls) must be driven here, and every
binding whose action *sounds* like a change but is not gated must be exempted below
with the reason. A new mutating key fails ``test_every_mutating_binding_is_swept``
until it is added.

The sweep starts the real app in read-only mode on moto (a training job, a notebook, an
A/B endpoint, pending model packages, a HyperPod cluster with the demo's simulated
Slurm), presses each key on its tab, and checks: one ``read-only mode: … refused``
notification per key, exactly one ``refused`` audit record per key (naming its action),
no dialog or other screen opened, nothing sent, nothing changed.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from screens.binding_owners import BINDING_OWNERS
from screens.endpoints.detail import EndpointDetailScreen
from screens.endpoints.invoke import InvokeScreen
from screens.endpoints.load_test import LoadTestScreen
from screens.endpoints.update import ConfigPicker
from screens.endpoints.weights import WeightsDialog
from screens.hyperpod.sbatch import SbatchScreen
from screens.hyperpod.view import HyperPodView
from screens.jobs.training_form import TrainingForm
from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from screens.mlflow.models import AliasPrompt
from screens.pipelines.start_form import StartExecutionForm
from tests.support.helpers import audit_records
from tests.support.registry import seed_churn
from tests.tui.endpoints.test_endpoints_view import make_ab_endpoint, weights_in_moto
from tests.tui.hyperpod.test_hyperpod_view import app_on, open_nodes, open_queue
from tests.tui.notebooks.test_notebooks_view import make_notebook, status_in_moto

from .conftest import create_training_job, make_app, notifications, wait_until

HERE = Path(__file__).parent
GATE = re.compile(r"gate_allows\(|refused_read_only\(|gate\.check\(|gate\.precheck\(")
SOUNDS_MUTATING = re.compile(
    r"stop|delete|start|approve|reject|weight|alias|submit|cancel_job|reboot|replace|create"
    r"|update|invoke|health|send|apply|new_|save|export"
)

# binding id -> the gated action its refusal names (driven by the sweep below)
SWEPT = {
    "jobs.stop": "training-stop",
    "jobs.new_training": "training-create",
    "hyperpod.new_job": "slurm-submit",
    "endpoints.invoke": "endpoint-invoke",
    "endpoints.weights": "endpoint-weights",
    "endpoints.update": "endpoint-update",
    "endpoints.delete": "endpoint-delete",
    "endpoint_detail.invoke": "endpoint-invoke",
    "endpoint_detail.weights": "endpoint-weights",
    "endpoint_detail.update": "endpoint-update",
    "endpoint_detail.load_test": "endpoint-bench",
    "registry.approve": "model-package-approve",
    "registry.reject": "model-package-reject",
    "hyperpod.nodes.reboot": "cluster-node-reboot",
    "hyperpod.nodes.replace": "cluster-node-replace",
    "hyperpod.nodes.health": "cluster-node-health-check",
    "hyperpod.nodes.drain": "slurm-drain",
    "hyperpod.nodes.resume": "slurm-resume",
    "hyperpod.nodes.scale": "hyperpod-scale",
    "hyperpod.nodes.delete": "hyperpod-delete-nodes",
    "hyperpod.clusters.scale": "hyperpod-scale",
    "hyperpod.clusters.update": "hyperpod-update-software",
    "hyperpod.queue.cancel": "slurm-cancel",
    "hyperpod.queue.cancel_array": "slurm-cancel",
    "hyperpod.queue.hold": "slurm-hold",
    "hyperpod.queue.release": "slurm-release",
    "hyperpod.queue.requeue": "slurm-requeue",
    "hyperpod.queue.limit": "slurm-time-limit",
    "hyperpod.queue.signal": "slurm-signal",
    "hyperpod.queue.suspend": "slurm-suspend",
    "hyperpod.queue.unsuspend": "slurm-unsuspend",
    "notebooks.start": "notebook-start",
    "notebooks.stop": "notebook-stop",
    "notebooks.delete": "notebook-delete",
}
# The queue pane's job-control keys (one action on the marked jobs or the highlighted one).
QUEUE_CONTROLS = ("hold", "release", "requeue", "limit", "signal", "suspend", "unsuspend")
# Gated bindings driven by another read-only test (it needs an MLflow store, or the
# demo's pipeline extras): file, test.
# The Pipelines screens' change keys (every_change_key in pipelines/test_pipelines_view.py).
PIPELINE_KEYS = (
    "pipelines.start",
    "pipeline_executions.start",
    "pipeline_executions.stop",
    "pipeline_executions.retry",
    "pipeline_steps.stop",
    "pipeline_steps.retry",
)
_PIPELINES_SWEEP = (
    "pipelines/test_pipelines_view.py",
    "test_read_only_refuses_every_pipeline_change",
)
SWEPT_ELSEWHERE = {
    **dict.fromkeys(PIPELINE_KEYS, _PIPELINES_SWEEP),
    # Needs a scalable target (Application Auto Scaling), which the sweep's account lacks.
    "endpoint_detail.scaling": (
        "endpoints/test_endpoint_scaling.py",
        "test_read_only_refuses_before_asking",
    ),
    "mlflow_versions.alias": ("mlflow/test_experiments_view.py", "test_alias_refused_read_only"),
    # Managed servers: moto has none, so the Stubber test drives them in a host app.
    "mlflow_servers.start": (
        "mlflow/test_mlflow_servers_view.py",
        "test_stop_cancelled_then_read_only_refuses",
    ),
    "mlflow_servers.stop": (
        "mlflow/test_mlflow_servers_view.py",
        "test_stop_cancelled_then_read_only_refuses",
    ),
}
# Gated keys of a form that only opens through a swept key (refused first, so the form
# never opens in read-only mode): form key -> the key that opens the form.
OPENED_ONLY_THROUGH = {
    "training_form.create": "jobs.new_training",
    "sbatch.submit": "hyperpod.new_job",
}
# Bindings that sound like changes but change nothing in AWS or on the cluster.
NOT_MUTATING = {
    "invoke.send": "the invoke panel only opens through endpoints.invoke, refused first",
    "weights.apply": "the weights dialog only opens through endpoints.weights, refused first",
    "scaling.apply": "the scaling dialog only opens through endpoint_detail.scaling, refused first",
    "load_test.send": "the load test only opens through endpoint_detail.load_test, refused "
    "first; it asks through the confirm dialog before the gated run",
    "columns.apply": "saves column choices in the local prefs file",
    "runs.export": "writes a CSV file locally",
    "logs.save": "saves the shown log to a local file",
    "pipeline_start.start": "the start form only opens through pipelines.start or "
    "pipeline_executions.start, refused first; it only closes with the values",
}


# Screens that can only end in a change: each must open only after the gate said yes,
# so none of them ever opens in read-only mode. A screen with a gated key that is not
# here must be a view (it shows things; its change keys are swept) and say so below.
FORMS: tuple[type[Screen[Any]], ...] = (
    TrainingForm,
    SbatchScreen,
    InvokeScreen,
    LoadTestScreen,
    WeightsDialog,
    ConfigPicker,
    AliasPrompt,
    StartExecutionForm,
)
VIEWS_WITH_CHANGE_KEYS = {EndpointDetailScreen: "the endpoint's details; i/w/u/B are swept"}
SCREENS_DIR = HERE.parent.parent / "screens"


def _gated(owner: type[Any], name: str, seen: set[str]) -> bool:
    """Does ``owner.name`` (or a ``self.`` method it calls, or an ``actions.open_*`` of the
    view it delegates to) reach the gate?"""
    if name in seen:
        return False
    seen.add(name)
    method = getattr(owner, name, None)
    if method is None:
        return False
    try:
        source = inspect.getsource(method)
    except (OSError, TypeError):
        return False
    if GATE.search(source):
        return True
    calls = set(re.findall(r"self\.(\w+)\(", source))
    if any(_gated(owner, call, seen) for call in calls):
        return True
    delegated = set(re.findall(r"self\.actions\.(\w+)\(", source))
    return any(_delegated_gated(call) for call in delegated)


def _delegated_gated(name: str) -> bool:
    return any(
        _gated(owner, name, set()) for _where, owner in BINDING_OWNERS if name in vars(owner)
    )


def bindings() -> dict[str, str]:
    """binding id -> action method name, for every owner in BINDING_OWNERS."""
    found: dict[str, str] = {}
    for _where, owner in BINDING_OWNERS:
        for binding in Binding.make_bindings(vars(owner).get("BINDINGS", [])):
            action = binding.action.split("(")[0]
            if binding.id and "." not in action:
                found[binding.id] = f"action_{action}"
    return found


def owner_of(binding_id: str) -> type[Any]:
    for _where, owner in BINDING_OWNERS:
        for binding in Binding.make_bindings(vars(owner).get("BINDINGS", [])):
            if binding.id == binding_id:
                return owner
    raise KeyError(binding_id)


def test_every_mutating_binding_is_swept() -> None:
    all_bindings = bindings()
    gated = {b for b, action in all_bindings.items() if _gated(owner_of(b), action, set())}
    covered = set(SWEPT) | set(SWEPT_ELSEWHERE) | set(OPENED_ONLY_THROUGH)
    assert set(OPENED_ONLY_THROUGH.values()) <= set(SWEPT)
    assert gated - covered == set(), "gated keys not in the read-only sweep: add them to SWEPT"
    assert covered - gated == set(), "SWEPT lists keys that no longer reach the gate"
    sounding = {b for b, action in all_bindings.items() if SOUNDS_MUTATING.search(action)}
    assert sounding - covered - set(NOT_MUTATING) == set(), "classify these keys"
    assert set(NOT_MUTATING) <= set(all_bindings), "stale NOT_MUTATING entries"
    for binding_id, (file, test) in SWEPT_ELSEWHERE.items():
        tree = ast.parse((HERE / file).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)}
        assert test in names, f"{binding_id}: {file}::{test} is gone"


def _opening_sites(form: type[Any]) -> list[tuple[str, ast.FunctionDef, int]]:
    """``(file, outermost function, line)`` for every ``Form(...)`` built in screens/."""
    sites = []
    for path in sorted(SCREENS_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef | ast.Module):
                continue
            for fn in node.body:
                if not isinstance(fn, ast.FunctionDef):
                    continue
                for call in ast.walk(fn):
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Name)
                        and call.func.id == form.__name__
                    ):
                        sites.append((str(path.relative_to(SCREENS_DIR)), fn, call.lineno))
    return sites


def test_no_form_that_can_only_end_in_a_change_opens_in_read_only() -> None:
    """Every place that builds a form asks the gate first, earlier in the same function."""
    gated_screens = {
        owner
        for binding_id, action in bindings().items()
        if issubclass(owner := owner_of(binding_id), Screen) and _gated(owner, action, set())
    }
    assert gated_screens - set(FORMS) - set(VIEWS_WITH_CHANGE_KEYS) == set(), (
        "a screen with a gated key: add it to FORMS (or VIEWS_WITH_CHANGE_KEYS with why)"
    )
    for form in FORMS:
        sites = _opening_sites(form)
        assert sites, f"{form.__name__} is never opened: stale FORMS entry"
        for file, fn, line in sites:
            gate_lines = [
                call.lineno
                for call in ast.walk(fn)
                if isinstance(call, ast.Call)
                and (
                    (
                        isinstance(call.func, ast.Attribute)
                        and call.func.attr in {"gate_allows", "check", "precheck"}
                    )
                    or (isinstance(call.func, ast.Name) and call.func.id == "refused_read_only")
                )
            ]
            assert any(g < line for g in gate_lines), (
                f"{file}:{line}: {form.__name__} opens without asking the gate first (in {fn.name})"
            )


async def test_read_only_refuses_b_and_the_sbatch_editor_does_not_open(aws: Any) -> None:
    """`b` on HyperPod: refused up front (before even the Slurm connection is checked)."""
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.main_screen.query("#tabs"), what="composed")
        await pilot.press("5")
        await wait_until(pilot, lambda: app.main_screen.query(HyperPodView), what="the view")
        await pilot.pause()
        await pilot.press("b")
        await wait_until(pilot, lambda: notifications(app), what="the refusal")
        await pilot.pause()
        assert [n for n in notifications(app) if "slurm" in n.lower()] == [
            "read-only mode: slurm-submit (new job) refused (start without --read-only "
            "(or set read_only = false) to make changes)"
        ]
        assert len(app.screen_stack) == 1 and not isinstance(app.screen, SbatchScreen)


def key_of(binding_id: str) -> str:
    for binding in Binding.make_bindings(vars(owner_of(binding_id)).get("BINDINGS", [])):
        if binding.id == binding_id:
            return binding.key
    raise KeyError(binding_id)


class Sweep:
    def __init__(self, app: Any, pilot: Any) -> None:
        self.app = app
        self.pilot = pilot
        self.pressed: list[str] = []

    async def press(self, binding_id: str, screen: type[Screen[Any]] = MainScreen) -> None:
        """Press the binding's key; exactly one new refusal naming its action, no dialog,
        still on ``screen``."""
        action = SWEPT[binding_id]
        before = {id(n) for n in self.app._notifications}  # older ones may expire meanwhile
        audited = len(audit_records(intents=True))

        def fresh() -> list[str]:
            return [n.message for n in self.app._notifications if id(n) not in before]

        await self.pilot.press(key_of(binding_id))
        await wait_until(self.pilot, fresh, what=f"a notification for {binding_id}")
        await self.pilot.pause()
        new = fresh()
        assert len(new) == 1, (binding_id, new)
        assert re.match(rf"read-only mode: {action} .+ refused", new[0]), new
        assert "\n" not in new[0]
        assert isinstance(self.app.screen, screen), (binding_id, self.app.screen)
        assert not isinstance(self.app.screen, ConfirmDialog)
        new_records = audit_records(intents=True)[audited:]
        assert [(r["action"], r["outcome"]) for r in new_records] == [(action, "refused")], (
            binding_id,
            new_records,
        )
        assert new_records[0]["detail"].startswith(f"read-only mode: {action} ")
        self.pressed.append(binding_id)


async def test_read_only_refuses_every_mutating_key_up_front(sm: Any, aws: Any) -> None:
    from tests.tui.hyperpod.test_hyperpod_view import Clock, create_cluster

    create_training_job(sm, "train-ro")
    make_notebook(sm, "nb-ro")
    make_ab_endpoint(sm)
    seed_churn(aws)
    cluster = _cluster(sm, Clock(), create_cluster)
    app = app_on(cluster, read_only=True, execution_role_arn="arn:aws:iam::1:role/r")
    before_weights = weights_in_moto(sm)
    async with app.run_test(size=(160, 50)) as pilot:
        sweep = Sweep(app, pilot)
        # Jobs
        await pilot.press("1")
        jobs = app.main_screen.query_one("#jobs-table")
        await wait_until(pilot, lambda: jobs.total_count >= 1, what="the training job")
        await sweep.press("jobs.stop")
        await sweep.press("jobs.new_training")  # the form does not open
        # Endpoints (the table, then the detail screen)
        await pilot.press("2")
        endpoints = app.main_screen.query_one("#endpoints-table")
        await wait_until(pilot, lambda: endpoints.total_count >= 1, what="the endpoint")
        for binding_id in ("invoke", "weights", "update", "delete"):
            await sweep.press(f"endpoints.{binding_id}")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EndpointDetailScreen), what="detail")
        for binding_id in ("invoke", "weights", "update", "load_test"):
            await sweep.press(f"endpoint_detail.{binding_id}", EndpointDetailScreen)
        await pilot.press("escape")
        # Registry
        await pilot.press("4")
        packages = app.main_screen.query_one("#registry-packages")
        await wait_until(pilot, lambda: packages.shown_count >= 1, what="pending versions")
        await sweep.press("registry.approve")
        await sweep.press("registry.reject")
        # HyperPod: nodes, queue, the sbatch editor
        nodes = await open_nodes(pilot, app)
        nodes.move_cursor(row=nodes.get_row_index(_compute_row(nodes)))
        for binding_id in ("reboot", "replace", "health", "scale", "delete"):
            await sweep.press(f"hyperpod.nodes.{binding_id}")
        nodes.move_cursor(row=nodes.get_row_index(_slurm_row(nodes)))
        for binding_id in ("drain", "resume"):
            await sweep.press(f"hyperpod.nodes.{binding_id}")
        await pilot.press("L")  # the clusters pane: scale a group, update its software
        clusters = app.main_screen.query_one("#hp-clusters-table")
        await wait_until(pilot, lambda: clusters.total_count >= 1, what="the clusters")
        for binding_id in ("scale", "update"):
            await sweep.press(f"hyperpod.clusters.{binding_id}")
        await open_queue(pilot, app)
        await sweep.press("hyperpod.queue.cancel")
        await sweep.press("hyperpod.queue.cancel_array")
        for binding_id in QUEUE_CONTROLS:  # refused before a value is even asked
            await sweep.press(f"hyperpod.queue.{binding_id}")
        await sweep.press("hyperpod.new_job")  # the sbatch editor does not open
        # Notebooks
        await pilot.press("6")
        notebooks = app.main_screen.query_one("#notebooks-table")
        await wait_until(pilot, lambda: notebooks.total_count >= 1, what="the notebook")
        for binding_id in ("start", "stop", "delete"):
            await sweep.press(f"notebooks.{binding_id}")
    assert sorted(sweep.pressed) == sorted(SWEPT)
    # Refused before anything was attempted: one refusal per key, no intent, no outcome.
    records = audit_records(intents=True)
    assert {r["outcome"] for r in records} == {"refused"}
    assert len(records) == len(SWEPT)
    assert status_in_moto(sm, "nb-ro") == "InService"
    assert weights_in_moto(sm) == before_weights


def _cluster(sm: Any, clock: Any, create_cluster: Any) -> str:
    """A moto HyperPod cluster with the demo's simulated Slurm (as test_hyperpod_view)."""
    from console.config import load_config
    from console.context import ConsoleContext
    from console.demo import slurm as demo_slurm
    from console.demo.slurm import SimCluster, demo_nodes

    name = "hp-read-only"
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


def _slurm_row(nodes: Any) -> str:
    return next(k for k in nodes.shown_keys() if nodes.items[k].slurm is not None)


def _compute_row(nodes: Any) -> str:
    return next(k for k in nodes.shown_keys() if nodes.items[k].instance is not None)
