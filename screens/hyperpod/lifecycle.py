"""The confirm dialogs for a HyperPod cluster's lifecycle (scale, software, delete a node).

Only the dialogs: the HyperPod tab binds the keys and runs the change through its single
change path (``gate_allows`` -> ``ask`` -> ``run_change``) with
console/services/hyperpod_lifecycle.py. A node running Slurm jobs (or whose Slurm state
cannot be seen) gets no dialog at all: the TUI never force-deletes; the CLI's
``hyperpod-delete-nodes --force`` is the one way, on purpose.
"""

from __future__ import annotations

from console.services.hyperpod_lifecycle import NodeSlurmState, ScalePlan
from screens.kit.confirm import ConfirmDialog


def scale_dialog(plan: ScalePlan, cost: str | None = None) -> ConfirmDialog:
    """``cost``: the projection's line (what the change adds or saves per hour)."""
    shrink = plan.new < plan.current
    effect = (
        "Nodes are removed from the group and jobs on them are killed."
        if shrink
        else "New instances are launched and join the cluster (billing starts)."
    )
    return ConfirmDialog(
        "Scale instance group?",
        f"{plan.group} of {plan.cluster}: {plan.target} -> {plan.new} instance(s). {effect}",
        change=("hyperpod-scale", plan.cluster),
        confirm_label="Scale",
        typed_name=plan.group if shrink else None,
        cost=cost,
    )


def update_software_dialog(cluster: str) -> ConfirmDialog:
    return ConfirmDialog(
        "Update cluster software?",
        f"Every node of {cluster} is patched to the latest HyperPod image, group by group: "
        "nodes restart and jobs on them are killed.",
        change=("hyperpod-update-software", cluster),
        confirm_label="Update",
        typed_name=cluster,
    )


def delete_refusal(state: NodeSlurmState) -> str | None:
    """Why the TUI will not offer to delete this node, or None when it may."""
    if state.busy:
        return (
            f"{state.instance_id} runs Slurm jobs ({state.slurm_name} {state.slurm_state}): "
            "drain it first (or hyperpod-delete-nodes --force)"
        )
    if not state.known:
        return f"the Slurm state of {state.instance_id} cannot be seen: connect to Slurm first"
    return None


def delete_node_dialog(cluster: str, state: NodeSlurmState) -> ConfirmDialog | None:
    """The dialog for deleting one node, or None when :func:`delete_refusal` refuses."""
    if delete_refusal(state) is not None:
        return None
    slurm = "not in Slurm"
    if state.slurm_state:
        slurm = f"Slurm: {state.slurm_name} {state.slurm_state}"
    return ConfirmDialog(
        "Delete HyperPod node?",
        f"{state.instance_id} (group {state.group}, {state.status}; {slurm}) is terminated "
        "and its group shrinks by one: its local disks are lost.",
        change=("hyperpod-delete-nodes", cluster),
        confirm_label="Delete",
        typed_name=state.instance_id,
    )
