"""sbatch templates a new job starts from: one node, multi-node torchrun, GPU.

Each is written to pass the linter on a HyperPod cluster (an ``--output`` path, ``srun
--auto-resume=1``, a checkpoint directory), so the warnings an operator sees come from
their own edits. ``{partition}`` is filled with the cluster's default partition (the
one ``scontrol show partition`` marks ``Default=YES``); while that is not known the
``--partition`` line is left out, so Slurm picks its default rather than a guessed name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    text: str


SINGLE_NODE = """#!/bin/bash
#SBATCH --job-name=single-node
#SBATCH --partition={partition}
#SBATCH --nodes=1
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
#SBATCH --output=logs/%x-%j.out

set -euo pipefail
export PYTHONUNBUFFERED=1
CHECKPOINT_DIR=/fsx/checkpoints/$SLURM_JOB_NAME
mkdir -p "$CHECKPOINT_DIR"

srun --auto-resume=1 python train.py --checkpoint-dir "$CHECKPOINT_DIR"
"""

TORCHRUN = """#!/bin/bash
#SBATCH --job-name=torchrun-multi-node
#SBATCH --partition={partition}
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gres=gpu:8
#SBATCH --exclusive
#SBATCH --time=12:00:00
#SBATCH --output=logs/%x-%j.out

set -euo pipefail
export PYTHONUNBUFFERED=1
export NCCL_DEBUG=WARN
CHECKPOINT_DIR=/fsx/checkpoints/$SLURM_JOB_NAME
HEAD_NODE=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)

srun --auto-resume=1 torchrun \\
    --nnodes="$SLURM_JOB_NUM_NODES" --nproc-per-node=8 \\
    --rdzv-id="$SLURM_JOB_ID" --rdzv-backend=c10d --rdzv-endpoint="$HEAD_NODE:29500" \\
    train.py --checkpoint-dir "$CHECKPOINT_DIR"
"""

GPU = """#!/bin/bash
#SBATCH --job-name=gpu-job
#SBATCH --partition={partition}
#SBATCH --nodes=1
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --time=02:00:00
#SBATCH --output=logs/%x-%j.out

set -euo pipefail
export PYTHONUNBUFFERED=1
CHECKPOINT_DIR=/fsx/checkpoints/$SLURM_JOB_NAME

nvidia-smi
srun --auto-resume=1 python finetune.py --checkpoint-dir "$CHECKPOINT_DIR"
"""

TEMPLATES = (
    Template("single", "Single node", SINGLE_NODE),
    Template("torchrun", "Multi-node torchrun", TORCHRUN),
    Template("gpu", "GPU", GPU),
)


def render(key: str, *, partition: str = "") -> str:
    """The template ``key`` for a cluster whose default partition is ``partition`` (""
    when unknown: no ``--partition`` line at all)."""
    template = next((t for t in TEMPLATES if t.key == key), TEMPLATES[0])
    if not partition:
        return template.text.replace("#SBATCH --partition={partition}\n", "")
    return template.text.replace("{partition}", partition)
