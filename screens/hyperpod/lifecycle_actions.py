"""The HyperPod tab's lifecycle keys: scale a group (``G``), update the cluster's software
(``u``), delete a node (``ctrl+d``).

Each follows the tab's single change path: read-only refused first (``gate_allows``, in
the pane's action, where the read-only sweep finds it), a
value asked where one is needed, a read in a worker (the plan, or the node's Slurm state)
so the dialog shows the cluster as it is now, the confirm dialog of
screens/hyperpod/lifecycle.py, then the gated call (``run_change``) through
console/services/hyperpod_lifecycle.py. A node with jobs on it, or whose Slurm state
cannot be seen, is refused with the reason and no dialog: the TUI never force-deletes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.errors import SmError, ValidationError
from screens.hyperpod.lifecycle import (
    delete_node_dialog,
    delete_refusal,
    scale_dialog,
    update_software_dialog,
)
from screens.kit.confirm import with_cost
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.hyperpod import Cluster, ClusterNode
    from console.services.hyperpod_lifecycle import (
        ClusterLifecycle,
        DeleteResult,
        NodeSlurmState,
        ScalePlan,
    )
    from console.slurm.session import SlurmSession
    from screens.kit.table_view import TableView


def lifecycle(context: ConsoleContext) -> ClusterLifecycle:
    from console.services.hyperpod_lifecycle import ClusterLifecycle

    return ClusterLifecycle(context.hyperpod)


def parse_count(text: str) -> int:
    """An instance count typed by the operator (the range is the core's check)."""
    from console.services.hyperpod_lifecycle import check_count

    value = text.strip()
    if not value.isdigit():
        raise ValidationError(
            f"instance count {value or '(empty)'!r} is not a whole number", "type e.g. 4"
        )
    return check_count(int(value))


def parse_group_count(text: str) -> tuple[str, int]:
    """``workers 4`` or ``workers=4``: an instance group and its new count."""
    parts = text.replace("=", " ").split()
    if len(parts) != 2:
        raise ValidationError(
            f"expected GROUP COUNT, got {text.strip() or '(empty)'!r}", "type e.g. workers 4"
        )
    return parts[0], parse_count(parts[1])


def default_group(cluster: Cluster | None) -> str:
    """What the scale prompt offers: the first compute group with its target count."""
    if cluster is None or not cluster.instance_groups:
        return ""
    groups = cluster.instance_groups
    group = next((g for g in groups if g.slurm_node_type == "Compute"), groups[-1])
    return f"{group.name} {group.target_count}"


def ask_scale(pane: TableView, cluster: str, group: str | None, current: str = "") -> None:
    """``G``: scale ``group`` of ``cluster`` (None: the operator names the group too).
    The caller has asked the gate (``hyperpod-scale``)."""
    from screens.hyperpod.prompt import ValuePrompt

    if group is None:
        question = f"Scale which instance group of {cluster} to how many instances? (GROUP COUNT)"
    else:
        question = f"Scale instance group {group} of {cluster} to how many instances?"

    def answered(value: str | None) -> None:
        if value is None:
            return
        try:
            name, count = parse_group_count(value) if group is None else (group, parse_count(value))
        except SmError as exc:
            notify(pane, exc.one_line(), severity="error", title="scale")
            return
        run_for_context(
            pane,
            lambda context: lifecycle(context).plan_scale(cluster, name, count),
            done=lambda plan: _confirm_scale(pane, plan),
            failed=lambda error: notify(pane, error.one_line(), severity="error", title="scale"),
            name="hyperpod-scale-plan",
        )

    pane.app.push_screen(ValuePrompt(question, current), answered)


def _confirm_scale(pane: TableView, plan: ScalePlan) -> None:
    """The plan's cost per hour is read first (a worker: prices may be fetched); above
    ``max_hourly_cost`` no dialog opens and the refusal is audited (``with_cost``)."""
    from console.services.hyperpod_lifecycle import scale_cost

    context = _context(pane)

    def done(_plan: Any) -> None:
        notify(
            pane,
            f"{plan.group} of {plan.cluster}: scaling {plan.target} -> {plan.new}",
            title="scale",
        )

    def opened(cost: str) -> None:
        pane.ask(
            scale_dialog(plan, cost),
            lambda: pane.run_change(
                f"scale {plan.group}",
                lambda: lifecycle(context).scale(plan.cluster, plan.group, plan.new),
                done,
            ),
            what=f"scale {plan.group} of {plan.cluster}",
        )

    with_cost(
        pane,
        ("hyperpod-scale", plan.cluster),
        lambda context: scale_cost(context.pricing, context.config, plan),
        opened,
    )


def ask_update_software(pane: TableView, cluster: str) -> None:
    """``u``: UpdateClusterSoftware on the whole cluster (typed name to confirm). The
    caller has asked the gate (``hyperpod-update-software``)."""
    context = _context(pane)

    def done(_arn: Any) -> None:
        notify(pane, f"software update of {cluster} started", title="update software")

    pane.ask(
        update_software_dialog(cluster),
        lambda: pane.run_change(
            f"update software of {cluster}",
            lambda: lifecycle(context).update_software(cluster),
            done,
        ),
        what=f"update software of {cluster}",
    )


def ask_delete_node(pane: TableView, node: ClusterNode, session: SlurmSession) -> None:
    """``ctrl+d``: the node's Slurm state read now, then a dialog only if it may go. The
    caller has asked the gate (``hyperpod-delete-nodes``)."""
    cluster = node.cluster

    def preview(context: ConsoleContext) -> list[NodeSlurmState]:
        try:
            slurm = session.client().nodes()
        except Exception:  # unseen: the preview says so and no dialog is offered
            slurm = None
        return lifecycle(context).delete_preview(cluster, [node.instance_id], slurm)

    run_for_context(
        pane,
        preview,
        done=lambda states: _confirm_delete(pane, cluster, states[0]),
        failed=lambda error: notify(pane, error.one_line(), severity="error", title="delete"),
        name="hyperpod-delete-preview",
    )


def _confirm_delete(pane: TableView, cluster: str, state: NodeSlurmState) -> None:
    dialog = delete_node_dialog(cluster, state)
    if dialog is None:
        notify(pane, delete_refusal(state) or "refused", severity="warning", title="delete")
        return
    context = _context(pane)

    def done(result: DeleteResult) -> None:
        if result.failed:
            node_id, code, message = result.failed[0]
            notify(pane, f"delete {node_id} failed: {code} {message}", severity="error")
        else:
            notify(pane, f"{state.instance_id} is being deleted", title="delete")

    pane.ask(
        dialog,
        lambda: pane.run_change(
            f"delete {state.instance_id}",
            lambda: lifecycle(context).delete_nodes(
                cluster, [state.instance_id], None, states=[state]
            ),
            done,
        ),
        what=f"delete {state.instance_id}",
    )


def _context(pane: TableView) -> ConsoleContext:
    from screens.kit.host import console_host

    return console_host(pane).context


def following(names: list[str], current: str) -> str | None:
    """The cluster after ``current`` in ``names`` (sorted), wrapping; None when none."""
    ordered = sorted(names)
    if not ordered:
        return None
    if current not in ordered:
        return ordered[0]
    return ordered[(ordered.index(current) + 1) % len(ordered)]


def next_cluster(view: Any) -> None:
    """List the account's clusters in a worker and switch ``view`` to the next one."""

    def chosen(names: list[str]) -> None:
        state = view.state
        name = following(names, state.cluster if state else "")
        if name is None:
            notify(view, "no HyperPod cluster in this account and region", severity="warning")
            return
        if state is not None and name == state.cluster:
            notify(view, f"{name} is the only cluster", timeout=3)
            return
        view.choose_cluster(name)
        notify(view, f"cluster {name} ({sorted(names).index(name) + 1}/{len(names)})", timeout=3)

    run_for_context(
        view,
        lambda context: [c.name for c in context.hyperpod.list_clusters()],
        done=chosen,
        failed=lambda error: notify(view, error.one_line(), severity="error", title="clusters"),
        name="hyperpod-next-cluster",
    )
