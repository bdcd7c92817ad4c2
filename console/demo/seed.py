"""Seed the demo account: a week of believable SageMaker history on the local moto server.

Resources are created through a plain boto3 client over HTTP, exactly as an operator's
tools would (the seed is not an operator action, so it does not go through our gated
services). moto then makes every job Completed at once and never moves anything, so the
history (states, times, status transitions, metrics, failure reasons, spot savings) is
written straight onto moto's in-process backend objects afterwards; CloudWatch log lines
are written on the logs backend directly because thousands of events over HTTP would blow
the start-up budget.

Everything is deterministic for a given ``seed``: the same names, states and log lines.
The families, failures and log formats below are also used by the simulator when it
starts new jobs or appends log lines.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.demo.cluster_nodes import demo_cluster_node
from console.demo.moto_state import SAGEMAKER_QUOTAS, caller_context, patch, utc_now

REGION = "us-east-1"
FAKE_ACCESS_KEY = "demo-access-key-not-real"
FAKE_SECRET_KEY = "demo-secret-key-not-real"
ROLE_NAME = "SageMakerDemoExecutionRole"
CLUSTER_ROLE_NAME = "HyperPodDemoClusterRole"
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
PROCESSING_LOG_GROUP = "/aws/sagemaker/ProcessingJobs"
TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs"
CLUSTER_NAME = "gpu-cluster-prod"
SECOND_CLUSTER_NAME = "gpu-cluster-dev"  # a second cluster: switching between them shows

_DLC = "763104351884.dkr.ecr.us-east-1.amazonaws.com"
_FIRST_PARTY = "683313688378.dkr.ecr.us-east-1.amazonaws.com"
PYTORCH_IMAGE = f"{_DLC}/pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker"
HF_IMAGE = (
    f"{_DLC}/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04"
)
XGB_IMAGE = f"{_FIRST_PARTY}/sagemaker-xgboost:1.7-1"
SKLEARN_IMAGE = f"{_FIRST_PARTY}/sagemaker-scikit-learn:1.2-1-cpu-py3"
TGI_IMAGE = f"{_DLC}/huggingface-pytorch-tgi-inference:2.3.0-tgi2.2.0-gpu-py310-cu121-ubuntu22.04"
PYTORCH_INFERENCE_IMAGE = f"{_DLC}/pytorch-inference:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker"
MONITOR_IMAGE = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"

# Secondary status -> the message AWS shows with it.
STATUS_MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    "Interrupted": "Spot capacity was reclaimed; the job resumes from its last checkpoint",
}


# --------------------------------------------------------------------------- time helpers
def epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


# The "operator" of the seeded approvals (a Studio user profile, as the registry keeps it).
DEMO_APPROVER = {"UserProfileName": "ml-platform-lead", "DomainId": "d-demo"}


_REPORT_AREAS = {
    "xgb": "binary_classification_metrics",
    "cv": "multiclass_classification_metrics",
    "llm": "language_model_metrics",
}


def evaluation_report(fam: Family, metrics: dict[str, float]) -> bytes:
    """A model-quality statistics report (Model Monitor's shape) for a package's ModelMetrics.

    Only held-out metrics (validation/eval) go in: those decide an approval, and their
    short names (``auc``, ``logloss``) must not collide with the training ones.
    """
    held_out = {
        name.split(":", 1)[1]: {"value": value}
        for name, value in metrics.items()
        if ":" in name and not name.startswith("train:")
    }
    area = _REPORT_AREAS.get(fam.style, "metrics")
    return json.dumps({area: held_out}).encode()


def append_log_events(logs: Any, group: str, stream: str, events: list[tuple[int, str]]) -> None:
    """Append ``(epoch ms, message)`` events to a stream on moto's logs backend.

    A new stream is added by swapping in a new dict: server threads iterate a group's
    streams in Python code (DescribeLogStreams), and growing the dict under them would
    fail that request.
    """
    from moto.logs.models import LogStream

    log_group = logs.groups[group]
    if stream not in log_group.streams:
        log_group.streams = {**log_group.streams, stream: LogStream(log_group, stream)}
    batch = [{"timestamp": ts, "message": message} for ts, message in sorted(events)]
    if batch:
        logs.put_log_events(group, stream, batch)


def transition(status: str, start: datetime, end: datetime | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Status": status,
        "StartTime": start,
        "StatusMessage": STATUS_MESSAGES.get(status, status),
    }
    if end is not None:
        entry["EndTime"] = end
    return entry


# ------------------------------------------------------------------------------ families
@dataclass(frozen=True)
class MetricSpec:
    """A training metric: where its curve starts and the range it converges into."""

    name: str
    start: float
    final: tuple[float, float]
    regex: str

    def value(self, fraction: float, final: float, noise: float = 0.0) -> float:
        """The curve at ``fraction`` of training: fast early change, then a plateau."""
        shape = 1.0 - math.exp(-4.0 * max(0.0, min(1.0, fraction)))
        return self.start + (final - self.start) * shape / (1.0 - math.exp(-4.0)) + noise


@dataclass(frozen=True)
class Family:
    """One kind of model a team trains, with everything needed to fake its jobs."""

    key: str
    prefix: str
    image: str
    instance_type: str
    hosts: tuple[int, ...]
    hyperparameters: dict[str, str]
    metrics: tuple[MetricSpec, ...]
    minutes: tuple[int, int]
    total_steps: int
    steps_per_tick: int
    style: str  # llm | xgb | cv
    experiment: str
    package_group: str
    spot_share: float
    channel: str


FAMILIES: dict[str, Family] = {
    "llama": Family(
        key="llama",
        prefix="llama-ft",
        image=PYTORCH_IMAGE,
        instance_type="ml.p4d.24xlarge",
        hosts=(2, 2, 4),
        hyperparameters={
            "model_id": "meta-llama/Meta-Llama-3-8B",
            "epochs": "3",
            "learning_rate": "2e-05",
            "per_device_train_batch_size": "4",
            "lora_r": "16",
            "max_seq_length": "4096",
        },
        metrics=(
            MetricSpec("train:loss", 2.45, (0.92, 1.15), r"'loss': ([0-9.]+)"),
            MetricSpec("eval:loss", 2.31, (1.08, 1.32), r"'eval_loss': ([0-9.]+)"),
            MetricSpec("eval:perplexity", 10.1, (2.9, 3.7), r"'eval_perplexity': ([0-9.]+)"),
        ),
        minutes=(95, 420),
        total_steps=3000,
        steps_per_tick=6,
        style="llm",
        experiment="llama3-finetune",
        package_group="llama3-chat",
        spot_share=0.0,
        channel="s3://{input}/llama3/sft-mix-v7/",
    ),
    "xgb": Family(
        key="xgb",
        prefix="xgb-churn",
        image=XGB_IMAGE,
        instance_type="ml.m5.2xlarge",
        hosts=(1, 1, 2),
        hyperparameters={
            "objective": "binary:logistic",
            "max_depth": "6",
            "eta": "0.2",
            "num_round": "300",
            "subsample": "0.8",
            "eval_metric": "auc",
        },
        metrics=(
            MetricSpec(
                "train:auc",
                0.78,
                (0.935, 0.962),
                r".*\[[0-9]+\].*#011train-auc:([-+]?[0-9]*\.?[0-9]+)",
            ),
            MetricSpec(
                "validation:auc",
                0.76,
                (0.884, 0.921),
                r".*\[[0-9]+\].*#011validation-auc:([-+]?[0-9]*\.?[0-9]+)",
            ),
            MetricSpec(
                "validation:logloss",
                0.66,
                (0.241, 0.298),
                r".*\[[0-9]+\].*#011validation-logloss:([-+]?[0-9]*\.?[0-9]+)",
            ),
        ),
        minutes=(6, 28),
        total_steps=300,
        steps_per_tick=12,
        style="xgb",
        experiment="churn-xgb",
        package_group="churn-xgb",
        spot_share=0.5,
        channel="s3://{input}/churn/2026-11/",
    ),
    "resnet": Family(
        key="resnet",
        prefix="resnet50-defects",
        image=PYTORCH_IMAGE,
        instance_type="ml.p3.16xlarge",
        hosts=(1, 2),
        hyperparameters={
            "arch": "resnet50",
            "epochs": "40",
            "batch-size": "256",
            "lr": "0.1",
            "momentum": "0.9",
            "pretrained": "imagenet",
        },
        metrics=(
            MetricSpec("train:loss", 2.9, (0.31, 0.44), r"Loss ([0-9.e+-]+)"),
            MetricSpec("validation:accuracy", 0.18, (0.951, 0.972), r"\* Acc@1 ([0-9.]+)"),
            MetricSpec("validation:top5", 0.41, (0.991, 0.998), r"Acc@5 ([0-9.]+)"),
        ),
        minutes=(70, 260),
        total_steps=40 * 120,
        steps_per_tick=40,
        style="cv",
        experiment="resnet50-defects",
        package_group="resnet50-defects",
        spot_share=0.7,
        channel="s3://{input}/defects/images-v3/",
    ),
    "bert": Family(
        key="bert",
        prefix="bert-sentiment",
        image=HF_IMAGE,
        instance_type="ml.g5.12xlarge",
        hosts=(1,),
        hyperparameters={
            "model_name_or_path": "bert-base-uncased",
            "epochs": "3",
            "train_batch_size": "32",
            "learning_rate": "5e-05",
            "max_seq_length": "256",
        },
        metrics=(
            MetricSpec("train:loss", 0.71, (0.12, 0.19), r"'loss': ([0-9.]+)"),
            MetricSpec("eval:accuracy", 0.55, (0.912, 0.941), r"'eval_accuracy': ([0-9.]+)"),
            MetricSpec("eval:f1", 0.51, (0.905, 0.936), r"'eval_f1': ([0-9.]+)"),
        ),
        minutes=(18, 75),
        total_steps=1200,
        steps_per_tick=30,
        style="llm",
        experiment="",
        package_group="",
        spot_share=0.35,
        channel="s3://{input}/reviews/2026-q4/",
    ),
}
FAMILY_WEIGHTS = {"xgb": 0.32, "llama": 0.24, "resnet": 0.2, "bert": 0.24}


@dataclass(frozen=True)
class Failure:
    """A way a job fails: the reason AWS reports and the last lines the job logged."""

    key: str
    families: tuple[str, ...]
    phase: str  # the secondary status it fails in: Starting | Downloading | Training
    reason: str
    tail: tuple[str, ...]


_OOM_TAIL = (
    "[rank3]: Traceback (most recent call last):",
    '[rank3]:   File "/opt/ml/code/train.py", line 214, in <module>',
    "[rank3]:     main()",
    '[rank3]:   File "/opt/ml/code/train.py", line 187, in main',
    "[rank3]:     trainer.train()",
    '[rank3]:   File "/opt/conda/lib/python3.11/site-packages/transformers/trainer.py", '
    "line 1938, in train",
    "[rank3]:     return inner_training_loop(",
    '[rank3]:   File "/opt/conda/lib/python3.11/site-packages/torch/nn/modules/module.py", '
    "line 1532, in _wrapped_call_impl",
    "[rank3]:     return self._call_impl(*args, **kwargs)",
    "[rank3]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 3 has "
    "a total capacity of 39.38 GiB of which 1.06 GiB is free. Process 1526 has 38.31 GiB "
    "memory in use. Of the allocated memory 36.12 GiB is allocated by PyTorch, and 1.41 GiB "
    "is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try "
    "setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.",
    "E1120 05:02:11.203000 140120 torch/distributed/elastic/multiprocessing/api.py:869] "
    "failed (exitcode: 1) local_rank: 3 (pid: 1526) of binary: /opt/conda/bin/python3.11",
    "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: train.py FAILED",
)

FAILURES: dict[str, Failure] = {
    "oom": Failure(
        "oom",
        ("llama",),
        "Training",
        'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "torch.'
        "OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 3 has a total "
        'capacity of 39.38 GiB of which 1.06 GiB is free."\nCommand "torchrun --nnodes 2 '
        '--nproc_per_node 8 train.py --epochs 3", exit code: 1',
        _OOM_TAIL,
    ),
    "nccl": Failure(
        "nccl",
        ("llama", "resnet"),
        "Training",
        'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "torch.distributed.'
        "DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, "
        'unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.21.5"',
        (
            "algo-2:88:412 [5] NCCL WARN NET/OFI Request 0x7f3a2c0 completed with error. "
            "RC: 12. Error: 12 (Cannot allocate memory)",
            "[rank13]: torch.distributed.DistBackendError: NCCL error in: "
            "../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, unhandled system error",
            "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: train.py FAILED",
        ),
    ),
    "nosuchkey": Failure(
        "nosuchkey",
        ("xgb", "bert"),
        "Downloading",
        "ClientError: Data download failed:Failed to download data. NoSuchKey (404): The "
        "specified key does not exist. Key: churn/2026-11/train/part-00003.csv",
        (),
    ),
    "nan": Failure(
        "nan",
        ("xgb",),
        "Training",
        "AlgorithmError: framework error: \nTraceback (most recent call last):\n  File "
        '"/miniconda3/lib/python3.8/site-packages/sagemaker_xgboost_container/training.py", '
        "line 93, in main\nxgboost.core.XGBoostError: [04:12:44] ../src/data/data.cc:1104: "
        "Check failed: valid: Label contains NaN, infinity or a value too large.",
        (
            "[2026-11-20:04:12:44:ERROR] Reporting training FAILURE",
            "xgboost.core.XGBoostError: [04:12:44] ../src/data/data.cc:1104: Check failed: "
            "valid: Label contains NaN, infinity or a value too large.",
        ),
    ),
    "capacity": Failure(
        "capacity",
        ("resnet", "llama"),
        "Starting",
        "CapacityError: Unable to provision requested ML compute capacity. Please retry using "
        "a different ML instance type.",
        (),
    ),
    "keyerror": Failure(
        "keyerror",
        ("bert",),
        "Training",
        'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "KeyError: '
        "'label'\"\nCommand \"/opt/conda/bin/python3.10 train.py --epochs 3 "
        '--model_name_or_path bert-base-uncased", exit code: 1',
        (
            "Traceback (most recent call last):",
            '  File "/opt/ml/code/train.py", line 58, in <module>',
            '    labels = [row["label"] for row in batch]',
            "KeyError: 'label'",
        ),
    ),
}


# ------------------------------------------------------------------------------ log lines
def _toolkit(moment: datetime, level: str, text: str) -> str:
    millis = moment.microsecond // 1000
    return f"{moment:%Y-%m-%d %H:%M:%S},{millis:03d} sagemaker-training-toolkit {level:<8} {text}"


def preamble_lines(family: Family, job: str, host: int, hosts: int, moment: datetime) -> list[str]:
    """What a host prints before its first training step."""
    if family.style == "xgb":
        stamp = f"{moment:%Y-%m-%d:%H:%M:%S}"
        lines = [
            f"[{stamp}:INFO] Imported framework sagemaker_xgboost_container.training",
            f"[{stamp}:INFO] Failed to parse hyperparameter objective value binary:logistic "
            "to Json.",
            f"[{stamp}:INFO] Determined 0 GPU(s) available on the instance.",
            f"[{stamp}:INFO] File path /opt/ml/input/data/train of input files",
        ]
        if hosts > 1:
            names = ", ".join(f"'algo-{i}'" for i in range(1, hosts + 1))
            lines.append(f"[{stamp}:INFO] Distributed node training with {hosts} hosts: [{names}]")
            lines.append(f"[{stamp}:INFO] Connected to RabitTracker on algo-1 as rank {host - 1}")
        lines.append(f"[{stamp}:INFO] Train matrix has 1482210 rows and 212 columns")
        return lines
    lines = [
        "bash: cannot set terminal process group (-1): Inappropriate ioctl for device",
        "bash: no job control in this shell",
        _toolkit(moment, "INFO", "Imported framework sagemaker_pytorch_container.training"),
        _toolkit(moment, "INFO", "No Neurons detected (normal if no neurons installed)"),
        _toolkit(moment, "INFO", f"Host: {[f'algo-{i}' for i in range(1, hosts + 1)]}"),
        _toolkit(moment, "INFO", "Invoking user script"),
    ]
    if family.style == "llm":
        gpus = 8 if family.instance_type.startswith("ml.p4") else 4
        lines += [
            f"Invoking script with the following command: torchrun --nnodes {hosts} "
            f"--nproc_per_node {gpus} --master_addr algo-1 --master_port 7777 "
            f"--node_rank {host - 1} train.py "
            + " ".join(f"--{k} {v}" for k, v in list(family.hyperparameters.items())[:4]),
            f"algo-{host}:152:152 [0] NCCL INFO NCCL version 2.21.5+cuda12.4",
            f"algo-{host}:152:410 [0] NCCL INFO NET/OFI Selected Provider is efa (found 4 nics)",
            f"algo-{host}:152:410 [0] NCCL INFO Using network AWS Libfabric",
            f"algo-{host}:152:410 [0] NCCL INFO comm 0x55d1c2a0 rank {(host - 1) * gpus} "
            f"nranks {hosts * gpus} cudaDev 0 nvmlDev 0 busId 101c0 - Init COMPLETE",
            "Loading checkpoint shards: 100%|██████████| 4/4 [00:21<00:00,  5.33s/it]",
            f"[rank{(host - 1) * gpus}]: trainable params: 41,943,040 || all params: "
            "8,072,204,288 || trainable%: 0.5196",
        ]
    else:
        lines += [
            "Invoking script with the following command: /opt/conda/bin/python3.11 train.py "
            + " ".join(f"--{k} {v}" for k, v in family.hyperparameters.items()),
            f"=> using pre-trained model '{family.hyperparameters.get('arch', 'model')}'",
            f"algo-{host}:88:88 [0] NCCL INFO NCCL version 2.21.5+cuda12.4",
        ]
    return lines


def progress_line(
    family: Family, step: int, total: int, values: dict[str, float], rng: random.Random
) -> str:
    """One progress line at ``step`` of ``total``, in the family's framework format."""
    if family.style == "xgb":
        return (
            f"[{step}]#011train-auc:{values.get('train:auc', 0.9):.5f}"
            f"#011validation-auc:{values.get('validation:auc', 0.88):.5f}"
            f"#011validation-logloss:{values.get('validation:logloss', 0.3):.5f}"
        )
    if family.style == "cv":
        per_epoch = max(1, total // int(family.hyperparameters.get("epochs", "40")))
        epoch, it = divmod(step, per_epoch)
        loss = values.get("train:loss", 1.0)
        return (
            f"Epoch: [{epoch}][{it:4d}/{per_epoch}]\tTime {rng.uniform(0.38, 0.44):.3f} "
            f"({rng.uniform(0.39, 0.41):.3f})\tLoss {loss:.4e} ({loss * 1.04:.4e})\t"
            f"Acc@1 {values.get('validation:accuracy', 0.5) * 100:6.2f}"
        )
    epochs = float(family.hyperparameters.get("epochs", "3"))
    lr = float(family.hyperparameters.get("learning_rate", "2e-05")) * (1 - step / max(total, 1))
    return (
        f"{{'loss': {values.get('train:loss', 1.0):.4f}, 'grad_norm': {rng.uniform(0.3, 1.4):.4f}, "
        f"'learning_rate': {lr:.3e}, 'epoch': {epochs * step / max(total, 1):.2f}}}"
    )


def eval_line(family: Family, step: int, total: int, values: dict[str, float]) -> str:
    if family.style == "xgb":
        return progress_line(family, step, total, values, random.Random(step))
    if family.style == "cv":
        return (
            f" * Acc@1 {values.get('validation:accuracy', 0.5) * 100:.3f} "
            f"Acc@5 {values.get('validation:top5', 0.8) * 100:.3f}"
        )
    epochs = float(family.hyperparameters.get("epochs", "3"))
    parts = [
        f"'eval_{m.split(':', 1)[1]}': {v:.4f}" for m, v in values.items() if m.startswith("eval:")
    ]
    return "{" + ", ".join(parts) + f", 'epoch': {epochs * step / max(total, 1):.2f}}}"


def success_lines(family: Family, moment: datetime) -> list[str]:
    if family.style == "xgb":
        return [f"[{moment:%Y-%m-%d:%H:%M:%S}:INFO] Model saved to /opt/ml/model/xgboost-model"]
    return [
        "Training complete. Saving model to /opt/ml/model",
        _toolkit(moment, "INFO", "Waiting for the process to finish and give a return code."),
        _toolkit(
            moment, "INFO", "Done waiting for a return code. Received 0 from exiting process."
        ),
        _toolkit(moment, "INFO", "Reporting training SUCCESS"),
    ]


def failure_lines(failure: Failure, moment: datetime) -> list[str]:
    return [
        *failure.tail,
        _toolkit(moment, "ERROR", "Reporting training FAILURE"),
        _toolkit(moment, "ERROR", "ExecuteUserScriptError:"),
        "ExitCode 1",
    ]


def metric_values(
    family: Family, fraction: float, finals: dict[str, float], rng: random.Random
) -> dict[str, float]:
    out: dict[str, float] = {}
    for spec in family.metrics:
        spread = abs(spec.start - finals[spec.name]) * 0.015
        out[spec.name] = spec.value(fraction, finals[spec.name], rng.uniform(-spread, spread))
    return out


def draw_finals(family: Family, rng: random.Random) -> dict[str, float]:
    return {spec.name: rng.uniform(*spec.final) for spec in family.metrics}


# --------------------------------------------------------------------- what seeding returns
@dataclass
class JobPlan:
    """How the simulator moves one InProgress training job (kept by the simulator)."""

    name: str
    family: str
    hosts: int
    streams: list[str]
    total_steps: int
    step: int = 0
    outcome: str = "Completed"  # Completed | Failed
    failure: str = ""
    stage_ticks: int = 0
    spot: bool = False
    finals: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSeed:
    """One training job as the MLflow seeder should log it."""

    job: str
    family: str
    status: str  # FINISHED | FAILED | KILLED | RUNNING
    params: dict[str, str]
    finals: dict[str, float]
    progress: float  # fraction of the curve reached
    start_ms: int
    end_ms: int | None


@dataclass
class DemoWorld:
    """What was seeded: names the stack, simulator, MLflow seeder and tests refer to."""

    url: str
    account_id: str
    region: str
    role_arn: str
    cluster_role_arn: str
    buckets: dict[str, str]
    training_jobs: list[str] = field(default_factory=list)
    plans: dict[str, JobPlan] = field(default_factory=dict)
    processing_ticks: dict[str, int] = field(default_factory=dict)
    tuning_jobs: list[str] = field(default_factory=list)
    multi_host_job: str = ""
    long_running_job: str = ""
    oom_job: str = ""
    endpoints: list[str] = field(default_factory=list)
    ab_endpoint: str = ""
    cluster_name: str = CLUSTER_NAME
    package_groups: list[str] = field(default_factory=list)
    # Training jobs a model package was made from (their MLflow runs are always logged,
    # so lineage run -> package works in the demo).
    packaged_jobs: list[str] = field(default_factory=list)
    notebooks: list[str] = field(default_factory=list)
    experiments: list[str] = field(default_factory=list)
    runs: list[RunSeed] = field(default_factory=list)
    seconds: float = 0.0


# ------------------------------------------------------------------------- request shapes
def training_request(
    world: DemoWorld, family: Family, name: str, hosts: int, spot: bool, tuning: str = ""
) -> dict[str, Any]:
    """The CreateTrainingJob request of one demo job (boto3 keyword arguments)."""
    bucket_in, bucket_out = world.buckets["input"], world.buckets["output"]
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": 86400 if family.style != "xgb" else 7200}
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": family.image,
            "TrainingInputMode": "FastFile" if family.style == "cv" else "File",
            "MetricDefinitions": [{"Name": m.name, "Regex": m.regex} for m in family.metrics],
        },
        "RoleArn": world.role_arn,
        "HyperParameters": dict(family.hyperparameters),
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": family.channel.format(input=bucket_in) + "train/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            },
            {
                "ChannelName": "validation",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": family.channel.format(input=bucket_in) + "validation/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            },
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket_out}/{family.prefix}/"},
        "ResourceConfig": {
            "InstanceType": family.instance_type,
            "InstanceCount": hosts,
            "VolumeSizeInGB": 500 if family.style == "llm" else 50,
        },
        "StoppingCondition": stopping,
        "Tags": [
            {"Key": "team", "Value": "ml-platform" if family.key != "xgb" else "growth-ds"},
            {"Key": "project", "Value": family.experiment or family.prefix},
        ],
    }
    if spot:
        stopping["MaxWaitTimeInSeconds"] = stopping["MaxRuntimeInSeconds"] * 2
        request["EnableManagedSpotTraining"] = True
        request["CheckpointConfig"] = {"S3Uri": f"s3://{bucket_out}/checkpoints/{name}/"}
    if tuning:
        request["Tags"].append({"Key": "sagemaker:tuning-job", "Value": tuning})
        request["HyperParameters"].update(tuned_hyperparameters(family, name))
    return request


# The ranges the demo's tuning jobs search (the static ones stay the family's).
TUNED_RANGES: dict[str, tuple[float, float, str]] = {
    "eta": (0.05, 0.3, "{:.4f}"),
    "learning_rate": (1e-5, 5e-5, "{:.1e}"),
    "max_depth": (3, 10, "{:.0f}"),
}


def tuned_hyperparameters(family: Family, trial: str) -> dict[str, str]:
    """One trial's tuned values, drawn from its name (the same trial, the same values), so
    a tuning job's detail shows what differs between its trials as on AWS."""
    rng = random.Random(trial)
    return {
        key: fmt.format(rng.uniform(low, high))
        for key, (low, high, fmt) in TUNED_RANGES.items()
        if key in family.hyperparameters
    }


def best_training_job(
    tuning_name: str, trials: Iterable[Any], objective: str
) -> dict[str, Any] | None:
    """A demo tuning job's BestTrainingJob as SageMaker keeps it: its Completed trial with
    the highest final value of the objective (the demo's objectives are all Maximize).

    The seed sets it once and the simulator again whenever a trial finishes, so the
    detail's "Best" and the ★ of its ranking always name the first-ranked trial."""
    best: tuple[float, Any] | None = None
    for job in trials:
        if job.training_job_status != "Completed":
            continue
        for metric in job.final_metric_data_list or []:
            if metric["MetricName"] == objective and (best is None or metric["Value"] > best[0]):
                best = (float(metric["Value"]), job)
    if best is None:
        return None
    value, job = best
    return {
        "TrainingJobName": job.training_job_name,
        "TrainingJobArn": job.arn,
        "TuningJobName": tuning_name,
        "CreationTime": job.creation_time,
        "TrainingStartTime": job.training_start_time,
        "TrainingEndTime": job.training_end_time,
        "TrainingJobStatus": "Completed",
        "TunedHyperParameters": {
            k: v for k, v in (job.hyper_parameters or {}).items() if k in TUNED_RANGES
        },
        "FinalHyperParameterTuningJobObjectiveMetric": {
            "Type": "Maximize",
            "MetricName": objective,
            "Value": value,
        },
        "ObjectiveStatus": "Succeeded",
    }


def demo_job_attrs() -> dict[str, Any]:
    """Attributes our demo sets on training jobs that moto does not create itself.

    They are added (as None, which moto leaves out of responses) before anything reads the
    object, so later changes only replace values and never grow ``__dict__``.
    """
    return {
        "failure_reason": None,
        "training_time_in_seconds": None,
        "billable_time_in_seconds": None,
        "tuning_job_arn": None,
        "environment": None,
        "mlflow_details": None,
        "warm_pool_status": None,
    }


def build_training_job(world: DemoWorld, request: dict[str, Any]) -> Any:
    """A moto training job made from a CreateTrainingJob request, not yet visible to anyone.

    Built outside the backend's dict so every attribute is in place before a server thread
    can read it; the caller inserts it with one dict assignment.
    """
    from moto.sagemaker.models import FakeTrainingJob

    job = FakeTrainingJob(
        account_id=world.account_id,
        region_name=world.region,
        training_job_name=request["TrainingJobName"],
        hyper_parameters=request["HyperParameters"],
        algorithm_specification=dict(request["AlgorithmSpecification"]),
        role_arn=request["RoleArn"],
        input_data_config=request["InputDataConfig"],
        output_data_config=request["OutputDataConfig"],
        resource_config=request["ResourceConfig"],
        vpc_config={},
        stopping_condition=request["StoppingCondition"],
        tags=request["Tags"],
        enable_network_isolation=False,
        enable_inter_container_traffic_encryption=False,
        enable_managed_spot_training=bool(request.get("EnableManagedSpotTraining")),
        checkpoint_config=request.get("CheckpointConfig", {}),
        debug_hook_config={},
        debug_rule_configurations=[],
        tensor_board_output_config={},
        experiment_config={},
    )
    # moto replaces the metric definitions with a placeholder of its own; put ours back.
    patch(job, **demo_job_attrs(), algorithm_specification=dict(request["AlgorithmSpecification"]))
    return job


def start_in_progress(job: Any, now: datetime) -> None:
    """Turn a freshly created moto job (Completed at once) into a job that just started."""
    attrs = demo_job_attrs()
    attrs.update({k: v for k, v in job.__dict__.items() if k in attrs and v is not None})
    patch(
        job,
        **attrs,
        training_job_status="InProgress",
        secondary_status="Starting",
        creation_time=now,
        last_modified_time=now,
        training_start_time=None,
        training_end_time=None,
        secondary_status_transitions=[transition("Starting", now)],
        final_metric_data_list=[],
        model_artifacts=None,
    )


def family_of(name: str) -> Family:
    """The family a job name belongs to (jobs created by hand get the generic llm look)."""
    for family in FAMILIES.values():
        if name.startswith(family.prefix) or name.startswith(family.key):
            return family
    return FAMILIES["bert"]


def stream_names(job: str, hosts: int, created: datetime) -> list[str]:
    stamp = int(created.replace(tzinfo=UTC).timestamp())
    return [f"{job}/algo-{i}-{stamp}" for i in range(1, hosts + 1)]


# ------------------------------------------------------------------------------- seeding
@dataclass
class _JobSpec:
    name: str
    family: Family
    hosts: int
    created: datetime
    status: str  # Completed | Failed | Stopped | InProgress
    spot: bool
    failure: Failure | None = None
    stage: str = "Training"  # for InProgress: Starting | Downloading | Training
    progress: float = 0.0  # for InProgress
    interrupted: bool = False
    tuning: str = ""
    long_running: bool = False


class _Seeder:
    """Builds the demo world; one instance per seeding, holding clients and backends."""

    def __init__(self, url: str, rng: random.Random, now: datetime) -> None:
        from botocore.config import Config as BotoConfig

        from console.aws.session import new_boto3_session

        self.url = url
        self.rng = rng
        self.now = now
        # proxies={} keeps any HTTP(S)_PROXY of the operator's shell off loopback traffic.
        config = BotoConfig(proxies={}, retries={"max_attempts": 2, "mode": "standard"})
        # The console's shared loader: the SageMaker model (~1 MB of JSON) parsed here is
        # reused by the console's own clients in this process (the TUI on the demo).
        session = new_boto3_session(
            aws_access_key_id=FAKE_ACCESS_KEY,
            aws_secret_access_key=FAKE_SECRET_KEY,
            region_name=REGION,
        )
        # Plain Any: the seed's literal requests are checked by botocore at run time.
        self.sm: Any = session.client("sagemaker", endpoint_url=url, config=config)
        self.iam: Any = session.client("iam", endpoint_url=url, config=config)
        self.s3: Any = session.client("s3", endpoint_url=url, config=config)
        self.world: DemoWorld
        self.backend: Any = None
        self.logs: Any = None
        self.log_batches: list[tuple[str, str, list[tuple[int, str]]]] = []

    # -- top level ----------------------------------------------------------------------
    def run(self) -> DemoWorld:
        self._identity_and_storage()
        from moto.logs.models import logs_backends
        from moto.sagemaker.models import sagemaker_backends

        self.backend = sagemaker_backends[self.world.account_id][REGION]
        self.logs = logs_backends[self.world.account_id][REGION]
        for group in (TRAINING_LOG_GROUP, PROCESSING_LOG_GROUP):
            if group not in self.logs.groups:
                self.logs.create_log_group(group, {})
        specs = self._training_specs()
        for spec in specs:
            self._create_training_job(spec)
        self._tuning_jobs()
        self._processing_jobs()
        self._models_and_endpoints()
        self._notebooks()
        self._registry()
        self._experiments()
        self._cluster()
        self._second_cluster()
        seed_operator_day(self)
        self._write_logs()
        return self.world

    # -- IAM and S3 ---------------------------------------------------------------------
    def _identity_and_storage(self) -> None:
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sagemaker.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        role = self.iam.create_role(
            RoleName=ROLE_NAME,
            AssumeRolePolicyDocument=trust,
            Description="Demo execution role for SageMaker jobs and endpoints",
        )["Role"]["Arn"]
        cluster_role = self.iam.create_role(
            RoleName=CLUSTER_ROLE_NAME,
            AssumeRolePolicyDocument=trust,
            Description="Demo role for HyperPod cluster instances",
        )["Role"]["Arn"]
        account = role.split(":")[4]
        buckets = {
            "input": f"smconsole-demo-input-{account}",
            "output": f"smconsole-demo-output-{account}",
            "models": f"smconsole-demo-models-{account}",
            "lifecycle": f"sagemaker-demo-lifecycle-{account}",
        }
        for bucket in buckets.values():
            self.s3.create_bucket(Bucket=bucket)
        self.s3.put_object(
            Bucket=buckets["lifecycle"],
            Key="hyperpod/lifecycle/on_create.sh",
            Body=b"#!/bin/bash\nset -euo pipefail\n./setup_mount_fsx.sh && ./start_slurm.sh\n",
        )
        self.s3.put_object(
            Bucket=buckets["input"],
            Key="churn/2026-11/train/part-00000.csv",
            Body=b"churned,tenure_months,monthly_spend,support_tickets\n0,14,42.5,1\n1,2,89.0,4\n",
        )
        self.world = DemoWorld(
            url=self.url,
            account_id=account,
            region=REGION,
            role_arn=role,
            cluster_role_arn=cluster_role,
            buckets=buckets,
        )

    # -- training jobs ------------------------------------------------------------------
    def _pick_family(self) -> Family:
        keys = list(FAMILY_WEIGHTS)
        return FAMILIES[self.rng.choices(keys, weights=[FAMILY_WEIGHTS[k] for k in keys])[0]]

    def _name(self, family: Family, created: datetime, taken: set[str]) -> str:
        name = f"{family.prefix}-{created:%Y-%m-%d-%H%M}"
        suffix = 2
        base = name
        while name in taken:
            name = f"{base}-{suffix}"
            suffix += 1
        taken.add(name)
        return name

    def _training_specs(self) -> list[_JobSpec]:
        rng, now = self.rng, self.now
        taken: set[str] = set()
        specs: list[_JobSpec] = []

        def add(family: str, ago: timedelta, status: str, **kw: Any) -> _JobSpec:
            fam = FAMILIES[family]
            created = now - ago
            hosts = kw.pop("hosts", rng.choice(fam.hosts))
            spot = kw.pop("spot", rng.random() < fam.spot_share)
            spec = _JobSpec(
                self._name(fam, created, taken), fam, hosts, created, status, spot, **kw
            )
            specs.append(spec)
            return spec

        # A week of history, oldest first: mostly Completed, some Failed and Stopped.
        moments = sorted(rng.uniform(4 * 3600, 6.2 * 86400) for _ in range(46))
        for seconds_ago in reversed(moments):
            family = self._pick_family()
            status = rng.choices(["Completed", "Failed", "Stopped"], weights=[72, 17, 11])[0]
            failure = None
            if status == "Failed":
                failure = FAILURES[
                    rng.choice([f.key for f in FAILURES.values() if family.key in f.families])
                ]
            add(family.key, timedelta(seconds=seconds_ago), status, failure=failure)
        # Showcase jobs, so every view has something worth looking at.
        self.world.oom_job = add(
            "llama",
            timedelta(days=1, hours=3, minutes=7),
            "Failed",
            hosts=2,
            failure=FAILURES["oom"],
        ).name
        add("resnet", timedelta(days=2, hours=5), "Completed", hosts=2, spot=True, interrupted=True)
        add("xgb", timedelta(days=3, hours=1, minutes=12), "Stopped", hosts=1, spot=False)
        add("xgb", timedelta(hours=6, minutes=40), "Completed", hosts=1, spot=True)
        long_job = add(
            "llama",
            timedelta(minutes=97),
            "InProgress",
            hosts=2,
            spot=False,
            progress=0.42,
            long_running=True,
        )
        self.world.long_running_job = self.world.multi_host_job = long_job.name
        add("resnet", timedelta(minutes=41), "InProgress", hosts=1, spot=True, progress=0.35)
        add("bert", timedelta(minutes=18), "InProgress", hosts=1, spot=False, progress=0.2)
        add("xgb", timedelta(minutes=6), "InProgress", hosts=2, spot=False, stage="Downloading")
        add("bert", timedelta(minutes=1), "InProgress", hosts=1, spot=True, stage="Starting")
        specs.sort(key=lambda s: s.created)
        return specs

    def _create_training_job(self, spec: _JobSpec) -> None:
        # Directly on the backend: 70 creates over HTTP cost ~1 s of the start-up budget.
        request = training_request(
            self.world, spec.family, spec.name, spec.hosts, spec.spot, spec.tuning
        )
        job = build_training_job(self.world, request)
        attrs: dict[str, Any] = {}
        if spec.tuning:
            attrs["tuning_job_arn"] = job.arn.replace(
                f"training-job/{spec.name}", f"hyper-parameter-tuning-job/{spec.tuning}"
            )
        if spec.status == "InProgress":
            attrs.update(self._in_progress_state(spec))
        else:
            attrs.update(self._finished_state(spec))
        patch(job, **attrs)
        self.backend.training_jobs[spec.name] = job
        self.world.training_jobs.append(spec.name)

    def _in_progress_state(self, spec: _JobSpec) -> dict[str, Any]:
        fam, rng, created = spec.family, self.rng, spec.created
        streams = stream_names(spec.name, spec.hosts, created)
        finals = draw_finals(fam, rng)
        outcome = "Completed" if spec.long_running or rng.random() < 0.8 else "Failed"
        failure = ""
        if outcome == "Failed":
            failure = rng.choice(
                [
                    f.key
                    for f in FAILURES.values()
                    if fam.key in f.families and f.phase == "Training"
                ]
                or ["oom"]
            )
        total = fam.total_steps * (4 if spec.long_running else 1)
        step = int(total * spec.progress)
        plan = JobPlan(
            spec.name,
            fam.key,
            spec.hosts,
            streams,
            total,
            step,
            outcome,
            failure,
            0,
            spec.spot,
            finals,
        )
        self.world.plans[spec.name] = plan
        started = created + timedelta(minutes=3)
        transitions = [
            transition("Starting", created, started if spec.stage != "Starting" else None)
        ]
        if spec.stage in {"Downloading", "Training"}:
            downloaded = started + timedelta(minutes=2)
            transitions.append(
                transition("Downloading", started, downloaded if spec.stage == "Training" else None)
            )
            if spec.stage == "Training":
                transitions.append(transition("Training", downloaded))
                self._history_logs(
                    spec, downloaded, self.now - timedelta(seconds=5), step, total, finals, None
                )
        values = metric_values(fam, spec.progress, finals, rng) if spec.stage == "Training" else {}
        if spec.stage == "Training":
            self.world.runs.append(
                RunSeed(
                    spec.name,
                    fam.key,
                    "RUNNING",
                    dict(fam.hyperparameters),
                    finals,
                    spec.progress,
                    epoch_ms(downloaded),
                    None,
                )
            )
        return {
            "training_job_status": "InProgress",
            "secondary_status": spec.stage,
            "creation_time": created,
            "last_modified_time": self.now - timedelta(seconds=rng.randint(5, 60)),
            "training_start_time": started if spec.stage != "Starting" else None,
            "training_end_time": None,
            "secondary_status_transitions": transitions,
            "final_metric_data_list": [
                {"MetricName": k, "Value": round(v, 5), "Timestamp": self.now}
                for k, v in values.items()
            ],
            "model_artifacts": None,
        }

    def _finished_state(self, spec: _JobSpec) -> dict[str, Any]:
        fam, rng, created = spec.family, self.rng, spec.created
        finals = draw_finals(fam, rng)
        start = created + timedelta(seconds=rng.randint(120, 300))
        downloaded = start + timedelta(seconds=rng.randint(40, 200))
        minutes = rng.uniform(*fam.minutes)
        trans: list[dict[str, Any]] = []
        failure = spec.failure
        progress = 1.0
        if spec.status == "Failed" and failure is not None and failure.phase == "Starting":
            end = created + timedelta(minutes=rng.randint(8, 25))
            trans = [transition("Starting", created, end), transition("Failed", end, end)]
            return self._finished_attrs(spec, trans, created, None, end, 0, 0, {}, failure.reason)
        trans.append(transition("Starting", created, start))
        if spec.status == "Failed" and failure is not None and failure.phase == "Downloading":
            end = downloaded
            trans += [transition("Downloading", start, end), transition("Failed", end, end)]
            seconds = int((end - start).total_seconds())
            return self._finished_attrs(
                spec, trans, created, start, end, seconds, seconds, {}, failure.reason
            )
        trans.append(transition("Downloading", start, downloaded))
        training_end = downloaded + timedelta(minutes=minutes)
        interrupted_for = timedelta(0)
        if spec.interrupted:
            cut = downloaded + timedelta(minutes=minutes * 0.45)
            interrupted_for = timedelta(minutes=rng.randint(9, 25))
            resumed = cut + interrupted_for
            training_end += interrupted_for
            trans += [
                transition("Training", downloaded, cut),
                transition("Interrupted", cut, cut + timedelta(seconds=30)),
                transition("Starting", cut + timedelta(seconds=30), resumed),
                transition("Training", resumed, None),
            ]
        else:
            trans.append(transition("Training", downloaded, None))
        reason = None
        if spec.status == "Completed":
            trans[-1]["EndTime"] = training_end
            end = training_end + timedelta(seconds=rng.randint(30, 120))
            trans += [transition("Uploading", training_end, end), transition("Completed", end, end)]
        elif spec.status == "Stopped":
            progress = rng.uniform(0.2, 0.7)
            training_end = downloaded + (training_end - downloaded) * progress
            trans[-1]["EndTime"] = training_end
            end = training_end + timedelta(seconds=rng.randint(20, 90))
            trans += [transition("Stopping", training_end, end), transition("Stopped", end, end)]
        else:
            assert failure is not None
            progress = rng.uniform(0.05, 0.6)
            training_end = downloaded + (training_end - downloaded) * progress
            trans[-1]["EndTime"] = training_end
            end = training_end + timedelta(seconds=rng.randint(10, 40))
            trans.append(transition("Failed", end, end))
            reason = failure.reason
        seconds = int((end - start - interrupted_for).total_seconds())
        billable = seconds
        if spec.spot:
            billable = int(seconds * (1.0 - rng.uniform(0.48, 0.74)))
        values = metric_values(fam, progress, finals, rng)
        total = fam.total_steps
        self._history_logs(
            spec,
            downloaded,
            training_end,
            int(total * progress),
            total,
            finals,
            failure if spec.status == "Failed" else None,
            complete=spec.status == "Completed",
        )
        metrics = {} if spec.status == "Failed" and progress < 0.1 else values
        if spec.status == "Failed":
            metrics = {k: v for k, v in metrics.items() if k.startswith("train:")}
        status_map = {"Completed": "FINISHED", "Failed": "FAILED", "Stopped": "KILLED"}
        self.world.runs.append(
            RunSeed(
                spec.name,
                fam.key,
                status_map[spec.status],
                dict(fam.hyperparameters),
                finals,
                progress,
                epoch_ms(start),
                epoch_ms(end),
            )
        )
        return self._finished_attrs(
            spec, trans, created, start, end, seconds, billable, metrics, reason
        )

    def _finished_attrs(
        self,
        spec: _JobSpec,
        trans: list[dict[str, Any]],
        created: datetime,
        start: datetime | None,
        end: datetime,
        seconds: int,
        billable: int,
        metrics: dict[str, float],
        reason: str | None,
    ) -> dict[str, Any]:
        artifacts = None
        if spec.status == "Completed":
            out = self.world.buckets["output"]
            artifacts = {
                "S3ModelArtifacts": f"s3://{out}/{spec.family.prefix}/{spec.name}/output/model.tar.gz"
            }
        return {
            "training_job_status": spec.status,
            "secondary_status": trans[-1]["Status"],
            "creation_time": created,
            "last_modified_time": end,
            "training_start_time": start,
            "training_end_time": end,
            "secondary_status_transitions": trans,
            "final_metric_data_list": [
                {"MetricName": k, "Value": round(v, 5), "Timestamp": end}
                for k, v in metrics.items()
            ],
            "failure_reason": reason,
            "training_time_in_seconds": seconds if start else None,
            "billable_time_in_seconds": billable if start else None,
            "model_artifacts": artifacts,
        }

    def _history_logs(
        self,
        spec: _JobSpec,
        begin: datetime,
        end: datetime,
        steps_done: int,
        total: int,
        finals: dict[str, float],
        failure: Failure | None,
        complete: bool = False,
    ) -> None:
        """Logs from the start of training to ``end``: every host, timestamps interleaved."""
        fam, rng = spec.family, self.rng
        for host, stream in enumerate(stream_names(spec.name, spec.hosts, spec.created), start=1):
            events: list[tuple[int, str]] = []
            moment = begin + timedelta(milliseconds=rng.randint(0, 900))
            for line in preamble_lines(fam, spec.name, host, spec.hosts, moment):
                events.append((epoch_ms(moment), line))
                moment += timedelta(milliseconds=rng.randint(5, 400))
            lines = 36 if host == 1 else 8
            span = max((end - moment).total_seconds(), 1.0)
            eval_every = max(lines // int(float(fam.hyperparameters.get("epochs", "3"))), 1)
            for i in range(1, lines + 1):
                step = max(1, steps_done * i // lines)
                at = moment + timedelta(seconds=span * i / (lines + 1) + rng.uniform(-0.4, 0.4))
                values = metric_values(fam, step / total, finals, rng)
                events.append((epoch_ms(at), progress_line(fam, step, total, values, rng)))
                if host == 1 and i % eval_every == 0:
                    events.append((epoch_ms(at) + 700, eval_line(fam, step, total, values)))
            tail_at = end - timedelta(seconds=2)
            if failure is not None and (host == 2 or spec.hosts == 1 or failure.key != "oom"):
                tail = failure_lines(failure, tail_at)
            elif complete:
                tail = success_lines(fam, tail_at)
            else:
                tail = []
            for offset, line in enumerate(tail):
                events.append((epoch_ms(tail_at) + offset, line))
            events.sort(key=lambda e: e[0])
            self.log_batches.append((TRAINING_LOG_GROUP, stream, events))

    # -- tuning -------------------------------------------------------------------------
    def _tuning_jobs(self) -> None:
        """Three HPO jobs with child training jobs: one done, one running, one stopped."""
        xgb, bert = FAMILIES["xgb"], FAMILIES["bert"]
        layouts = [
            (
                "xgb-churn-hpo-1118-2104",
                xgb,
                timedelta(days=4, hours=7),
                "Completed",
                ["Completed"] * 7 + ["Failed"],
            ),
            (
                "xgb-churn-hpo-1123-0140",
                xgb,
                timedelta(minutes=55),
                "InProgress",
                ["Completed", "Completed", "InProgress", "InProgress"],
            ),
            (
                "bert-sent-hpo-1121-1530",
                bert,
                timedelta(days=1, hours=16),
                "Stopped",
                ["Completed", "Stopped", "Stopped"],
            ),
        ]
        for name, fam, ago, status, children in layouts:
            created = self.now - ago
            self.sm.create_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=name,
                HyperParameterTuningJobConfig={
                    "Strategy": "Bayesian",
                    "HyperParameterTuningJobObjective": {
                        "Type": "Maximize",
                        "MetricName": fam.metrics[1].name,
                    },
                    "ResourceLimits": {
                        "MaxNumberOfTrainingJobs": max(len(children), 8),
                        "MaxParallelTrainingJobs": 2,
                    },
                    "ParameterRanges": {
                        "ContinuousParameterRanges": [
                            {
                                "Name": "eta" if fam is xgb else "learning_rate",
                                "MinValue": "0.01",
                                "MaxValue": "0.3",
                                "ScalingType": "Logarithmic",
                            }
                        ],
                        "IntegerParameterRanges": [
                            {
                                "Name": "max_depth" if fam is xgb else "epochs",
                                "MinValue": "3",
                                "MaxValue": "10",
                                "ScalingType": "Auto",
                            }
                        ],
                    },
                },
                TrainingJobDefinition={
                    "AlgorithmSpecification": {
                        "TrainingImage": fam.image,
                        "TrainingInputMode": "File",
                    },
                    "RoleArn": self.world.role_arn,
                    "OutputDataConfig": {
                        "S3OutputPath": f"s3://{self.world.buckets['output']}/hpo/"
                    },
                    "ResourceConfig": {
                        "InstanceType": fam.instance_type,
                        "InstanceCount": 1,
                        "VolumeSizeInGB": 50,
                    },
                    "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
                    "StaticHyperParameters": {
                        k: v
                        for k, v in fam.hyperparameters.items()
                        if k not in {"eta", "learning_rate", "max_depth", "epochs"}
                    },
                },
            )
            counters = {
                "Completed": 0,
                "InProgress": 0,
                "RetryableError": 0,
                "NonRetryableError": 0,
                "Stopped": 0,
            }
            child_names: list[str] = []
            for index, child_status in enumerate(children, start=1):
                child_created = created + timedelta(minutes=2 + 14 * ((index - 1) // 2))
                child = f"{name}-{index:03d}-{self.rng.getrandbits(32):08x}"
                spec = _JobSpec(child, fam, 1, child_created, child_status, False, tuning=name)
                if child_status == "Failed":
                    spec.failure = FAILURES["nan"] if fam is xgb else FAILURES["keyerror"]
                if child_status == "InProgress":
                    spec.progress = self.rng.uniform(0.2, 0.6)
                self._create_training_job(spec)
                child_names.append(child)
                key = {"Failed": "NonRetryableError"}.get(child_status, child_status)
                counters[key] += 1
            tuning = self.backend.hyper_parameter_tuning_jobs[name]
            best_job = best_training_job(
                name, [self.backend.training_jobs[c] for c in child_names], fam.metrics[1].name
            )
            finished = status != "InProgress"
            end = (
                self.backend.training_jobs[child_names[-1]].training_end_time if finished else None
            )
            patch(
                tuning,
                hyper_parameter_tuning_job_status=status,
                creation_time=created,
                last_modified_time=end or self.now,
                hyper_parameter_tuning_end_time=end,
                training_job_status_counters=counters,
                objective_status_counters={
                    "Succeeded": counters["Completed"],
                    "Pending": counters["InProgress"],
                    "Failed": counters["NonRetryableError"] + counters["Stopped"],
                },
                best_training_job=best_job,
                OverallBestTrainingJob=best_job,
                tuning_job_completion_details=None,
                consumed_resources={
                    "RuntimeInSeconds": int(((end or self.now) - created).total_seconds())
                },
            )
            self.world.tuning_jobs.append(name)

    # -- processing ---------------------------------------------------------------------
    def _processing_jobs(self) -> None:
        missing = (
            "FileNotFoundError: [Errno 2] No such file or directory: "
            "'/opt/ml/processing/input/baseline/statistics.json'"
        )
        # (name prefix, image, instance type, count, minutes ago, status, failure)
        layouts = [
            ("preprocess-churn", SKLEARN_IMAGE, "ml.m5.xlarge", 1, 7320, "Completed", ""),
            ("preprocess-churn", SKLEARN_IMAGE, "ml.m5.xlarge", 1, 1980, "Completed", ""),
            ("tokenize-sft-mix", PYTORCH_IMAGE, "ml.c5.9xlarge", 4, 4080, "Completed", ""),
            ("eval-llama-ft", PYTORCH_IMAGE, "ml.g5.12xlarge", 1, 1500, "Completed", ""),
            ("data-quality-churn", MONITOR_IMAGE, "ml.m5.large", 1, 1200, "Failed", missing),
            ("eval-resnet50-defects", PYTORCH_IMAGE, "ml.g5.2xlarge", 1, 660, "Stopped", ""),
            ("preprocess-churn", SKLEARN_IMAGE, "ml.m5.xlarge", 2, 12, "InProgress", ""),
            ("eval-llama-ft", PYTORCH_IMAGE, "ml.g5.12xlarge", 1, 4, "InProgress", ""),
        ]
        out = self.world.buckets["output"]
        for prefix, image, instance, count, minutes_ago, status, reason in layouts:
            ago = timedelta(minutes=minutes_ago)
            created = self.now - ago
            name = f"{prefix}-{created:%Y-%m-%d-%H%M}"
            self.sm.create_processing_job(
                ProcessingJobName=name,
                RoleArn=self.world.role_arn,
                AppSpecification={
                    "ImageUri": image,
                    "ContainerEntrypoint": [
                        "python3",
                        f"/opt/ml/processing/code/{prefix.split('-')[0]}.py",
                    ],
                },
                ProcessingInputs=[
                    {
                        "InputName": "input",
                        "S3Input": {
                            "S3Uri": f"s3://{self.world.buckets['input']}/{prefix}/",
                            "LocalPath": "/opt/ml/processing/input",
                            "S3DataType": "S3Prefix",
                            "S3InputMode": "File",
                        },
                    }
                ],
                ProcessingOutputConfig={
                    "Outputs": [
                        {
                            "OutputName": "output",
                            "S3Output": {
                                "S3Uri": f"s3://{out}/{prefix}/{name}/",
                                "LocalPath": "/opt/ml/processing/output",
                                "S3UploadMode": "EndOfJob",
                            },
                        }
                    ]
                },
                ProcessingResources={
                    "ClusterConfig": {
                        "InstanceType": instance,
                        "InstanceCount": count,
                        "VolumeSizeInGB": 30,
                    }
                },
                StoppingCondition={"MaxRuntimeInSeconds": 3600 * 4},
            )
            job = self.backend.processing_jobs[name]
            start = created + timedelta(minutes=3)
            end = (
                None
                if status == "InProgress"
                else start + timedelta(minutes=self.rng.randint(6, 50))
            )
            patch(
                job,
                processing_job_status=status,
                creation_time=created,
                last_modified_time=end or self.now,
                processing_start_time=start if ago > timedelta(minutes=5) else None,
                processing_end_time=end,
                failure_reason=reason or None,
                exit_message=reason or None,
                processing_resources={
                    "ClusterConfig": {
                        "InstanceType": instance,
                        "InstanceCount": count,
                        "VolumeSizeInGB": 30,
                    }
                },
            )
            if status == "InProgress":
                self.world.processing_ticks[name] = self.rng.randint(8, 20)
            stamp = int(created.replace(tzinfo=UTC).timestamp())
            for host in range(1, count + 1):
                lines = [
                    "Reading input from /opt/ml/processing/input",
                    f"Loaded 1482210 rows x 212 columns in {self.rng.uniform(3, 9):.1f}s",
                    "Splitting train/validation/test 80/10/10",
                ]
                if status == "Failed":
                    lines += ["Traceback (most recent call last):", f"  {reason}"]
                elif status == "Completed":
                    lines.append("Wrote outputs to /opt/ml/processing/output")
                at = epoch_ms(start)
                events = [(at + i * 1500, line) for i, line in enumerate(lines)]
                self.log_batches.append(
                    (PROCESSING_LOG_GROUP, f"{name}/algo-{host}-{stamp}", events)
                )

    # -- models and endpoints ---------------------------------------------------------------
    def _models_and_endpoints(self) -> None:
        models_bucket = self.world.buckets["models"]
        models = {
            "churn-xgb-v3": (XGB_IMAGE, "churn-xgb/v3/model.tar.gz"),
            "churn-xgb-v4": (XGB_IMAGE, "churn-xgb/v4/model.tar.gz"),
            "llama3-chat-v1": (TGI_IMAGE, "llama3-chat/v1/model.tar.gz"),
            "llama3-chat-v2": (TGI_IMAGE, "llama3-chat/v2/model.tar.gz"),
            "bert-sentiment-v1": (PYTORCH_INFERENCE_IMAGE, "bert-sentiment/v1/model.tar.gz"),
        }
        for name, (image, key) in models.items():
            self.sm.create_model(
                ModelName=name,
                ExecutionRoleArn=self.world.role_arn,
                PrimaryContainer={
                    "Image": image,
                    "ModelDataUrl": f"s3://{models_bucket}/{key}",
                    "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
                },
            )
        configs: dict[str, list[tuple[str, str, str, int, float]]] = {
            "churn-xgb-prod-config-v3": [("AllTraffic", "churn-xgb-v3", "ml.m5.xlarge", 2, 1.0)],
            "churn-xgb-prod-config-v4": [("AllTraffic", "churn-xgb-v4", "ml.m5.xlarge", 2, 1.0)],
            "llama3-chat-prod-config-ab": [
                ("v1-baseline", "llama3-chat-v1", "ml.g4dn.12xlarge", 1, 0.5),
                ("v2-candidate", "llama3-chat-v2", "ml.g4dn.12xlarge", 1, 0.5),
            ],
            "bert-sentiment-dev-config": [
                ("AllTraffic", "bert-sentiment-v1", "ml.g4dn.xlarge", 1, 1.0)
            ],
        }
        for config, variants in configs.items():
            self.sm.create_endpoint_config(
                EndpointConfigName=config,
                ProductionVariants=[
                    {
                        "VariantName": v,
                        "ModelName": m,
                        "InstanceType": t,
                        "InitialInstanceCount": n,
                        "InitialVariantWeight": w,
                    }
                    for v, m, t, n, w in variants
                ],
            )
        endpoints = [
            ("churn-xgb-prod", "churn-xgb-prod-config-v3", timedelta(days=12), "InService"),
            (
                "llama3-chat-prod",
                "llama3-chat-prod-config-ab",
                timedelta(days=2, hours=4),
                "InService",
            ),
            ("bert-sentiment-dev", "bert-sentiment-dev-config", timedelta(minutes=2), "Creating"),
        ]
        from moto.logs.models import logs_backends

        logs = logs_backends[self.world.account_id][REGION]
        for name, config, ago, status in endpoints:
            self.sm.create_endpoint(
                EndpointName=name,
                EndpointConfigName=config,
                Tags=[{"Key": "stage", "Value": name.rsplit("-", 1)[-1]}],
            )
            endpoint = self.backend.endpoints[name]
            created = self.now - ago
            patch(
                endpoint,
                endpoint_status=status,
                creation_time=created,
                last_modified_time=created + timedelta(minutes=9)
                if status == "InService"
                else created,
            )
            self.world.endpoints.append(name)
            group = f"/aws/sagemaker/Endpoints/{name}"
            if group not in logs.groups:
                logs.create_log_group(group, {})
            for variant in configs[config]:
                start = epoch_ms(self.now - timedelta(minutes=30))
                lines = [
                    "Starting inference server",
                    "Model loaded in 41.2s",
                    'INFO:     127.0.0.1:35514 - "GET /ping HTTP/1.1" 200 OK',
                    'INFO:     127.0.0.1:35522 - "POST /invocations HTTP/1.1" 200 OK',
                ]
                stream = f"{variant[0]}/i-0{self.rng.getrandbits(64):016x}"[:40]
                self.log_batches.append(
                    (group, stream, [(start + i * 60_000, line) for i, line in enumerate(lines)])
                )
        self.world.ab_endpoint = "llama3-chat-prod"

    # -- notebooks ----------------------------------------------------------------------
    def _notebooks(self) -> None:
        for name, instance, stopped, ago in (
            ("ds-exploration", "ml.t3.medium", False, timedelta(days=21)),
            ("gpu-prototyping", "ml.p3.2xlarge", True, timedelta(days=9)),
        ):
            self.sm.create_notebook_instance(
                NotebookInstanceName=name,
                InstanceType=instance,
                RoleArn=self.world.role_arn,
                VolumeSizeInGB=50,
            )
            if stopped:
                self.sm.stop_notebook_instance(NotebookInstanceName=name)
            created = self.now - ago
            notebook = self.backend.notebook_instances[name]
            patch(notebook, creation_time=created, last_modified_time=self.now - timedelta(hours=5))
            self.world.notebooks.append(name)

    # -- model registry -----------------------------------------------------------------
    def _registry(self) -> None:
        models_bucket = self.world.buckets["models"]
        groups = {
            "churn-xgb": (
                FAMILIES["xgb"],
                ["Approved", "Rejected", "Approved", "PendingManualApproval"],
            ),
            "llama3-chat": (FAMILIES["llama"], ["Approved", "Approved", "PendingManualApproval"]),
            "resnet50-defects": (FAMILIES["resnet"], ["Rejected", "PendingManualApproval"]),
        }
        completed: dict[str, list[Any]] = {}
        for name in self.world.training_jobs:
            job = self.backend.training_jobs[name]
            if job.training_job_status == "Completed" and job.tuning_job_arn is None:
                completed.setdefault(family_of(name).key, []).append(job)
        for group, (fam, statuses) in groups.items():
            self.sm.create_model_package_group(
                ModelPackageGroupName=group,
                ModelPackageGroupDescription=f"{fam.prefix} models for production",
            )
            patch(
                self.backend.model_package_groups[group],
                creation_time=self.now - timedelta(days=30),
            )
            jobs = completed.get(fam.key, [])[-len(statuses) :]
            for version, status in enumerate(statuses, start=1):
                job = jobs[version - 1] if version - 1 < len(jobs) else None
                metrics = (
                    {m["MetricName"]: m["Value"] for m in job.final_metric_data_list}
                    if job
                    # An older version whose job is gone: its evaluation numbers remain.
                    # (Its own generator: the rest of the seed stays as it was.)
                    else {
                        m.name: round(random.Random(f"{group}/{version}").uniform(*m.final), 4)
                        for m in fam.metrics
                    }
                )
                self._package(group, fam, version, status, job, metrics, models_bucket)
            self.world.package_groups.append(group)

    def _package(
        self,
        group: str,
        fam: Family,
        version: int,
        status: str,
        job: Any,
        metrics: dict[str, float],
        bucket: str,
    ) -> None:
        key = f"evaluation/{group}/v{version}/evaluation.json"
        self.s3.put_object(Bucket=bucket, Key=key, Body=evaluation_report(fam, metrics))
        metadata = {k: f"{v:.4f}" for k, v in metrics.items()}
        if job is not None:
            metadata["training_job"] = job.training_job_name
            self.world.packaged_jobs.append(job.training_job_name)
        image = (
            TGI_IMAGE
            if fam.style == "llm"
            else XGB_IMAGE
            if fam.style == "xgb"
            else PYTORCH_INFERENCE_IMAGE
        )
        arn = self.sm.create_model_package(
            ModelPackageGroupName=group,
            ModelPackageDescription=f"{group} v{version}"
            + (f" from {job.training_job_name}" if job else ""),
            ModelApprovalStatus=status,
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": image,
                        "ModelDataUrl": f"s3://{bucket}/{group}/v{version}/model.tar.gz",
                    }
                ],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            ModelMetrics={
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": f"s3://{bucket}/{key}",
                    }
                }
            },
            CustomerMetadataProperties=metadata or {"source": "manual upload"},
        )["ModelPackageArn"]
        package = self.backend.model_packages[arn]
        created = (
            (job.training_end_time + timedelta(minutes=20))
            if job
            else self.now - timedelta(days=20 - version)
        )
        note = {
            "Approved": "Approved by ml-platform after a shadow test: metrics above the serving "
            "version",
            "Rejected": "Rejected: validation metric below the approved version",
        }.get(status)
        patch(
            package,
            creation_time=created,
            last_modified_time=created + timedelta(hours=3) if note else None,
            # Who decided, as Studio records it: the approval history shows it.
            last_modified_by=DEMO_APPROVER if note else None,
            approval_description=note,
        )

    # -- experiments --------------------------------------------------------------------
    def _experiments(self) -> None:
        by_experiment: dict[str, list[Any]] = {}
        for name in self.world.training_jobs:
            fam = family_of(name)
            job = self.backend.training_jobs[name]
            if (
                fam.experiment
                and job.tuning_job_arn is None
                and job.training_job_status in {"Completed", "Failed"}
            ):
                by_experiment.setdefault(fam.experiment, []).append(job)
        for experiment, jobs in by_experiment.items():
            self.sm.create_experiment(
                ExperimentName=experiment, Description=f"Runs of {experiment}"
            )
            for job in jobs[-3:]:
                trial = f"{job.training_job_name}-trial"
                self.sm.create_trial(TrialName=trial, ExperimentName=experiment)
                component = f"{job.training_job_name}-aws-training-job"
                # Components and associations on the backend: HTTP here costs ~0.2 s.
                self.backend.create_trial_component(
                    trial_component_name=component,
                    trial_name=trial,
                    status={"PrimaryStatus": job.training_job_status},
                    start_time=job.training_start_time,
                    end_time=job.training_end_time,
                    display_name=None,
                    parameters={k: {"StringValue": v} for k, v in job.hyper_parameters.items()},
                    input_artifacts=None,
                    output_artifacts=None,
                    metadata_properties=None,
                )
                self.backend.associate_trial_component(
                    trial_name=trial, trial_component_name=component
                )
                # What SageMaker records for a job's component (moto leaves it empty):
                # the Experiments tab's `j` jumps from the component to the job.
                self.backend.trial_components[component].sources = [
                    {"SourceArn": job.arn, "SourceType": "SageMakerTrainingJob"}
                ]
                stamp = int(job.training_end_time.replace(tzinfo=UTC).timestamp())
                self.backend.trial_components[component].metrics = {
                    m["MetricName"]: {
                        "MetricName": m["MetricName"],
                        "Timestamp": stamp,
                        "Values": {0: {"Value": m["Value"], "Timestamp": stamp}},
                    }
                    for m in job.final_metric_data_list
                }
            self.world.experiments.append(experiment)

    # -- HyperPod -----------------------------------------------------------------------
    def _cluster(self) -> None:
        lifecycle = {
            "SourceS3Uri": f"s3://{self.world.buckets['lifecycle']}/hyperpod/lifecycle/",
            "OnCreate": "on_create.sh",
        }
        groups = [
            ("controller", "ml.m5.2xlarge", 1, "Controller"),
            ("login", "ml.m5.4xlarge", 1, "Login"),
            ("gpu-workers", "ml.p5.48xlarge", 4, "Compute"),
        ]
        self.sm.create_cluster(
            ClusterName=CLUSTER_NAME,
            InstanceGroups=[
                {
                    "InstanceGroupName": name,
                    "InstanceType": itype,
                    "InstanceCount": count,
                    "LifeCycleConfig": lifecycle,
                    "ExecutionRole": self.world.cluster_role_arn,
                    "ThreadsPerCore": 1 if node_type == "Compute" else 2,
                    "SlurmConfig": {
                        "NodeType": node_type,
                        **({"PartitionNames": ["gpu"]} if node_type == "Compute" else {}),
                    },
                }
                for name, itype, count, node_type in groups
            ],
            VpcConfig={
                "SecurityGroupIds": ["sg-0d3m0c1u5t3r00001"],
                "Subnets": ["subnet-0d3m0a1b2c3d4e5f6"],
            },
            Tags=[{"Key": "team", "Value": "ml-platform"}],
        )
        cluster = self.backend.clusters[CLUSTER_NAME]
        created = self.now - timedelta(days=16, hours=2)
        from console.demo.cluster_nodes import demo_cluster_node

        nodes: dict[str, Any] = {}
        for index, node in enumerate(cluster.nodes.values()):
            instance_id = f"i-0{self.rng.getrandbits(64):016x}"
            launched = created + timedelta(minutes=11 + index)
            demo_cluster_node(node, instance_id, index, launched)
            nodes[instance_id] = node
        workers = [n for n in nodes.values() if n.instance_group_name == "gpu-workers"]
        patch(
            workers[-1],
            status="Failure",
            status_message="Node failed deep health check: GPU 5 reported Xid 79 "
            "(GPU has fallen off the bus)",
        )
        patch(cluster, nodes=nodes, creation_time=created)
        self._cluster_events(cluster, created, [g[0] for g in groups], workers[-1])
        cluster_id = cluster.arn.rsplit("/", 1)[-1]
        group = f"/aws/sagemaker/Clusters/{CLUSTER_NAME}/{cluster_id}"
        if group not in self.logs.groups:
            self.logs.create_log_group(group, {})
        node_types = {name: node_type for name, _, _, node_type in groups}
        for node in nodes.values():
            at = epoch_ms(node.launch_time)
            lines = [
                "[INFO] on_create.sh: starting lifecycle scripts",
                "[INFO] Mounting FSx for Lustre at /fsx",
                f"[INFO] Configuring Slurm node type {node_types[node.instance_group_name]}",
                "[INFO] Lifecycle scripts finished in 312s",
            ]
            stream = f"LifecycleConfig/{node.instance_group_name}/{node.instance_id}"
            self.log_batches.append(
                (group, stream, [(at + i * 70_000, line) for i, line in enumerate(lines)])
            )

    def _second_cluster(self) -> None:
        """A small, older cluster: the account has two, as a team with dev and prod does."""
        lifecycle = {
            "SourceS3Uri": f"s3://{self.world.buckets['lifecycle']}/hyperpod/lifecycle/",
            "OnCreate": "on_create.sh",
        }
        self.sm.create_cluster(
            ClusterName=SECOND_CLUSTER_NAME,
            InstanceGroups=[
                {
                    "InstanceGroupName": name,
                    "InstanceType": itype,
                    "InstanceCount": count,
                    "LifeCycleConfig": lifecycle,
                    "ExecutionRole": self.world.cluster_role_arn,
                    "ThreadsPerCore": 1,  # moto requires it (AWS does not)
                    "SlurmConfig": {"NodeType": node_type},
                }
                for name, itype, count, node_type in (
                    ("controller", "ml.m5.xlarge", 1, "Controller"),
                    ("workers", "ml.g5.xlarge", 2, "Compute"),
                )
            ],
            VpcConfig={
                "SecurityGroupIds": ["sg-0d3m0c1u5t3r00002"],
                "Subnets": ["subnet-0d3m0a1b2c3d4e5f7"],
            },
        )
        cluster = self.backend.clusters[SECOND_CLUSTER_NAME]
        created = self.now - timedelta(days=40)
        nodes: dict[str, Any] = {}
        for index, node in enumerate(cluster.nodes.values()):
            instance_id = f"i-0de{index:014x}"  # not from self.rng: the rest stays as it was
            # Addresses after the first cluster's: the simulated Slurm joins on them.
            demo_cluster_node(node, instance_id, 100 + index, created + timedelta(minutes=9))
            nodes[instance_id] = node
        patch(cluster, nodes=nodes, creation_time=created)

    def _cluster_events(
        self, cluster: Any, created: datetime, groups: list[str], failed: Any
    ) -> None:
        """The cluster's event history (ListClusterEvents): creation, each group and
        instance coming up, a slurmdbd outage and the GPU failure on the bad worker."""
        from console.demo.cluster_nodes import add_cluster_event

        # Its own generator: the account's other seeded data stays as it was.
        rng = random.Random(1701)

        def add(description: str, at: datetime, **kw: Any) -> None:
            event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            add_cluster_event(cluster, description, at=at, event_id=event_id, **kw)

        add("Cluster creation started", created)
        for group in groups:
            add(
                "Instance group provisioning started",
                created,
                resource_type="InstanceGroup",
                group=group,
            )
        for node in sorted(cluster.nodes.values(), key=lambda n: n.launch_time):
            where = {"group": node.instance_group_name, "instance_id": node.instance_id}
            add("Instance launched", node.launch_time, resource_type="Instance", **where)
            add(
                "Lifecycle scripts completed (on_create.sh, 312s)",
                node.launch_time + timedelta(seconds=312),
                resource_type="Instance",
                metadata={"Instance": {"LcsExecutionState": "Succeeded"}},
                **where,
            )
        up = max(n.launch_time for n in cluster.nodes.values()) + timedelta(minutes=6)
        add("Cluster is InService", up)
        outage = self.now - timedelta(days=3, hours=4)
        add(
            "Slurm accounting daemon unhealthy: slurmdbd cannot reach its database",
            outage,
            level="Warn",
            metadata={
                "SlurmHealth": {
                    "Component": "Slurmdbd",
                    "Status": "Unhealthy",
                    "Reason": "DbUnreachable",
                }
            },
        )
        add(
            "Slurm accounting daemon healthy again",
            outage + timedelta(minutes=17),
            metadata={"SlurmHealth": {"Component": "Slurmdbd", "Status": "Healthy"}},
        )
        where = {"group": failed.instance_group_name, "instance_id": failed.instance_id}
        started = self.now - timedelta(minutes=52)
        add(
            "Deep health checks started (InstanceStress)",
            started,
            resource_type="Instance",
            **where,
        )
        add(
            "Instance failed deep health checks: GPU 5 reported Xid 79 (GPU has fallen off "
            "the bus)",
            started + timedelta(minutes=38),
            resource_type="Instance",
            level="Error",
            metadata={
                "Instance": {
                    "FailureMessage": "DCGM diagnostic failed on GPU 5: Xid 79",
                    "NodeLogicalId": f"{failed.instance_group_name}-3",
                }
            },
            **where,
        )

    # -- logs ---------------------------------------------------------------------------
    def _write_logs(self) -> None:
        """Write every collected stream straight onto the logs backend (not over HTTP)."""
        for group, stream, events in self.log_batches:
            append_log_events(self.logs, group, stream, events)


def seed_demo(url: str, *, seed: int = 7, now: datetime | None = None) -> DemoWorld:
    """Seed the moto server at ``url`` (in this process) and describe what was made."""
    import time

    started = time.perf_counter()
    world = _Seeder(url, random.Random(seed), now or utc_now()).run()
    world.seconds = time.perf_counter() - started
    return world


# --- the rest of the operator's day: pipelines, batch transform, quotas ------------------
PIPELINE_NAME = "churn-train-pipeline"


def scheduler_context(account_id: str) -> dict[str, Any]:
    """Who starts the nightly runs: an EventBridge Scheduler role (moto said
    "fake-user-profile-name")."""
    return caller_context(account_id, "assumed-role/sagemaker-pipelines-scheduler/nightly")


PIPELINE_DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [
        {"Name": "TrainInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"},
        {"Name": "Epochs", "Type": "Integer", "DefaultValue": 10},
        {"Name": "InputData", "Type": "String", "DefaultValue": "s3://demo-input/churn/"},
    ],
    "Steps": [
        {"Name": "Preprocess", "Type": "Processing"},
        {"Name": "Train", "Type": "Training"},
        {"Name": "Evaluate", "Type": "Processing"},
        {"Name": "Register", "Type": "RegisterModel"},
    ],
}


def _pipeline_steps(
    seeder: _Seeder, start: datetime, outcome: str, train_job: str, execution_arn: str
) -> list[dict[str, Any]]:
    """Steps in ListPipelineExecutionSteps' item shape: Preprocess from the cache, then
    Train ending as ``outcome`` (Succeeded | Failed | Executing), then the rest."""
    account = seeder.world.account_id
    train_arn = f"arn:aws:sagemaker:{REGION}:{account}:training-job/{train_job}"
    steps: list[dict[str, Any]] = [
        {
            "StepName": "Preprocess",
            "StepDisplayName": "Preprocess",
            "StepStatus": "Succeeded",
            "StepType": "Processing",
            "StartTime": start,
            "EndTime": start + timedelta(seconds=4),
            "CacheHitResult": {"SourcePipelineExecutionArn": execution_arn},
            "AttemptCount": 1,
            "Metadata": {},
        }
    ]
    train: dict[str, Any] = {
        "StepName": "Train",
        "StepDisplayName": "Train",
        "StepStatus": outcome,
        "StepType": "Training",
        "StartTime": start + timedelta(seconds=10),
        "AttemptCount": 1,
        "Metadata": {"TrainingJob": {"Arn": train_arn}},
    }
    if outcome != "Executing":
        train["EndTime"] = start + timedelta(minutes=42)
    if outcome == "Failed":
        train["FailureReason"] = (
            f"ClientError: Training job {train_job} failed: AlgorithmError: "
            "CUDA out of memory. Tried to allocate 2.00 GiB"
        )
    steps.append(train)
    if outcome == "Succeeded":
        for offset, (name, kind) in enumerate(
            (("Evaluate", "Processing"), ("Register", "RegisterModel"))
        ):
            steps.append(
                {
                    "StepName": name,
                    "StepDisplayName": name,
                    "StepStatus": "Succeeded",
                    "StepType": kind,
                    "StartTime": start + timedelta(minutes=43 + 6 * offset),
                    "EndTime": start + timedelta(minutes=48 + 6 * offset),
                    "AttemptCount": 1,
                    "Metadata": {},
                }
            )
    return steps


def _seed_pipelines(seeder: _Seeder) -> None:
    world = seeder.world
    seeder.sm.create_pipeline(
        PipelineName=PIPELINE_NAME,
        PipelineDisplayName="Churn: preprocess, train, evaluate, register",
        PipelineDefinition=json.dumps(PIPELINE_DEFINITION),
        PipelineDescription="Nightly retraining of the churn model",
        RoleArn=world.role_arn,
    )
    done_job = next(
        (j for j in world.training_jobs if j not in (world.oom_job, world.long_running_job)),
        world.training_jobs[0] if world.training_jobs else "churn-train",
    )
    runs = (
        ("Succeeded", timedelta(days=2), done_job, ""),
        ("Failed", timedelta(hours=9), world.oom_job or done_job, "Step Train failed."),
        ("Executing", timedelta(minutes=25), world.long_running_job or done_job, ""),
    )
    pipeline = seeder.backend.pipelines[PIPELINE_NAME]
    for status, ago, job, reason in runs:
        arn = seeder.sm.start_pipeline_execution(
            PipelineName=PIPELINE_NAME,
            PipelineExecutionDisplayName=f"nightly-{status.lower()}",
            PipelineParameters=[{"Name": "Epochs", "Value": "12" if status == "Failed" else "10"}],
        )["PipelineExecutionArn"]
        execution = pipeline.pipeline_executions[arn]
        start = seeder.now - ago
        patch(
            execution,
            created_by=scheduler_context(world.account_id),
            last_modified_by=scheduler_context(world.account_id),
            pipeline_execution_status=status,
            pipeline_execution_failure_reason=reason or None,
            creation_time=start,
            start_time=start,
            last_modified_time=start + timedelta(minutes=55)
            if status != "Executing"
            else seeder.now,
        )
        execution.demo_steps = _pipeline_steps(seeder, start, status, job, arn)
        if job in seeder.backend.training_jobs:
            _tag_step_job(seeder, f"training-job/{job}", arn, "Train")
    _date_pipeline(pipeline)


def _date_pipeline(pipeline: Any) -> None:
    """Created before its first run, last run at its newest execution's start: moto
    stamps both with the seed's own time, so `pipeline-list` showed a pipeline created
    and last run a moment ago beside executions hours and days old."""
    starts = [e.start_time for e in pipeline.pipeline_executions.values()]
    if starts:
        patch(
            pipeline,
            creation_time=min(starts) - timedelta(days=30),
            last_execution_time=max(starts),
        )


def _tag_step_job(seeder: _Seeder, resource: str, execution_arn: str, step: str) -> None:
    """Tag a step's job as SageMaker Pipelines does (``sagemaker:pipeline-execution-arn``,
    ``sagemaker:pipeline-step-name``): a job's detail names the execution that made it."""
    seeder.sm.add_tags(
        ResourceArn=f"arn:aws:sagemaker:{REGION}:{seeder.world.account_id}:{resource}",
        Tags=[
            {"Key": "sagemaker:pipeline-execution-arn", "Value": execution_arn},
            {"Key": "sagemaker:pipeline-step-name", "Value": step},
        ],
    )


SCORING_PIPELINE = "churn-batch-score-pipeline"


def _seed_scoring_pipeline(seeder: _Seeder) -> None:
    """A second pipeline: nightly batch scoring, its Score step a transform job (a
    step's `enter` opens the xform job on the Jobs tab), last run succeeded."""
    world = seeder.world
    definition = {
        "Version": "2020-12-01",
        "Parameters": [
            {"Name": "ScoringInstanceType", "Type": "String", "DefaultValue": "ml.m5.large"},
            {"Name": "InstanceCount", "Type": "Integer", "DefaultValue": 2},
        ],
        "Steps": [{"Name": "Score", "Type": "Transform"}],
    }
    seeder.sm.create_pipeline(
        PipelineName=SCORING_PIPELINE,
        PipelineDisplayName="Churn: nightly batch scoring",
        PipelineDefinition=json.dumps(definition),
        PipelineDescription="Scores every customer with the approved churn model",
        RoleArn=world.role_arn,
    )
    job = "churn-batch-score-1124"
    if job not in seeder.backend.transform_jobs:
        return
    arn = seeder.sm.start_pipeline_execution(
        PipelineName=SCORING_PIPELINE, PipelineExecutionDisplayName="nightly-1124"
    )["PipelineExecutionArn"]
    execution = seeder.backend.pipelines[SCORING_PIPELINE].pipeline_executions[arn]
    start = seeder.now - timedelta(hours=20)
    patch(
        execution,
        created_by=scheduler_context(world.account_id),
        last_modified_by=scheduler_context(world.account_id),
        pipeline_execution_status="Succeeded",
        creation_time=start,
        start_time=start,
        last_modified_time=start + timedelta(minutes=32),
    )
    _tag_step_job(seeder, f"transform-job/{job}", arn, "Score")
    _date_pipeline(seeder.backend.pipelines[SCORING_PIPELINE])
    execution.demo_steps = [
        {
            "StepName": "Score",
            "StepDisplayName": "Score",
            "StepStatus": "Succeeded",
            "StepType": "Transform",
            "StartTime": start + timedelta(seconds=20),
            "EndTime": start + timedelta(minutes=31),
            "AttemptCount": 1,
            "Metadata": {
                "TransformJob": {
                    "Arn": f"arn:aws:sagemaker:{REGION}:{world.account_id}:transform-job/{job}"
                }
            },
        }
    ]


IDLE_ENDPOINT = "churn-xgb-staging"


def _seed_idle_endpoint(seeder: _Seeder) -> None:
    """An endpoint up for 9 days that nobody calls (the production feed sends it no
    traffic): the Status tab's Cost section names it idle, with what it costs per hour.
    A model of its own, so the Registry's "serving" evidence is unchanged."""
    world = seeder.world
    model = f"{IDLE_ENDPOINT}-model"
    seeder.sm.create_model(
        ModelName=model,
        ExecutionRoleArn=world.role_arn,
        PrimaryContainer={
            "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "ModelDataUrl": f"s3://{world.buckets['models']}/churn-xgb/staging/model.tar.gz",
        },
    )
    seeder.sm.create_endpoint_config(
        EndpointConfigName=f"{IDLE_ENDPOINT}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InstanceType": "ml.m5.xlarge",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    seeder.sm.create_endpoint(
        EndpointName=IDLE_ENDPOINT,
        EndpointConfigName=f"{IDLE_ENDPOINT}-config",
        Tags=[{"Key": "stage", "Value": "staging"}],
    )
    created = seeder.now - timedelta(days=9)
    patch(
        seeder.backend.endpoints[IDLE_ENDPOINT],
        endpoint_status="InService",
        creation_time=created,
        last_modified_time=created + timedelta(minutes=8),
    )
    world.endpoints.append(IDLE_ENDPOINT)


def _seed_transform_jobs(seeder: _Seeder) -> None:
    models = [m["ModelName"] for m in seeder.sm.list_models()["Models"]]
    if not models:
        return
    bucket = seeder.world.buckets.get("input", "demo-input")
    out = seeder.world.buckets.get("output", "demo-output")
    for name, status, ago, count in (
        ("churn-batch-score-1124", "Completed", timedelta(hours=20), 2),
        ("churn-batch-score-1125", "InProgress", timedelta(minutes=12), 1),
    ):
        seeder.sm.create_transform_job(
            TransformJobName=name,
            ModelName=models[0],
            TransformInput={
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/score/"}
                },
                "ContentType": "text/csv",
                "SplitType": "Line",
            },
            TransformOutput={"S3OutputPath": f"s3://{out}/scored/{name}/", "AssembleWith": "Line"},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": count},
            BatchStrategy="MultiRecord",
        )
        job = seeder.backend.transform_jobs[name]
        start = seeder.now - ago
        patch(
            job,
            # moto keeps None for no Tags and then fails AddTags/ListTags (see moto_extras).
            tags=job.tags or [],
            transform_job_status=status,
            creation_time=start,
            transform_start_time=start + timedelta(minutes=3),
            transform_end_time=start + timedelta(minutes=31) if status == "Completed" else None,
            last_modified_time=seeder.now,
        )
        ended = start + timedelta(minutes=31) if status == "Completed" else seeder.now
        _transform_logs(seeder, name, count, start + timedelta(minutes=3), ended, bucket)


def _transform_logs(
    seeder: _Seeder, name: str, instances: int, started: datetime, ended: datetime, bucket: str
) -> None:
    """Each instance's container log and data log, as batch transform writes them
    (``JOB/INSTANCE-ID-EPOCH`` and ``…/data-log``): `transform-logs` merges them."""
    logs = seeder.logs
    if TRANSFORM_LOG_GROUP not in logs.groups:
        logs.create_log_group(TRANSFORM_LOG_GROUP, {})
    stamp = int(started.timestamp())
    span = max((ended - started).total_seconds(), 60.0)
    for host in range(instances):
        instance = f"i-0{seeder.rng.getrandbits(64):016x}"[:19]
        stream = f"{name}/{instance}-{stamp}"
        at = epoch_ms(started) + host * 211
        server = [
            "Starting the inference server with 2 workers.",
            "[INFO] Starting gunicorn 20.1.0",
            "[INFO] Listening at: unix:/tmp/gunicorn.sock",
            "Loading the model from /opt/ml/model/xgboost-model",
            "Model loaded; ready for /invocations",
        ]
        events = [(at + i * 900, line) for i, line in enumerate(server)]
        parts = max(2, int(span // 240))
        for part in range(host, parts, instances):
            moment = at + int(span * 1000 * (part + 1) / (parts + 1))
            events.append((moment, f'169.254.255.130 - - "POST /invocations HTTP/1.1" 200 {part}'))
        append_log_events(logs, TRANSFORM_LOG_GROUP, stream, events)
        data = [
            (
                at + int(span * 1000 * (part + 1) / (parts + 1)) + 40,
                f"s3://{bucket}/score/part-{part:04d}.csv: Completed: {48_000 + part * 17} "
                "records, 0 failed",
            )
            for part in range(host, parts, instances)
        ]
        append_log_events(logs, TRANSFORM_LOG_GROUP, f"{stream}/data-log", data)


def _seed_quotas(seeder: _Seeder) -> None:
    """Generous limits, and one training instance type one instance short of its limit
    (so a second job of that type is refused by the pre-flight check, with the numbers):
    the type most used when the demo starts (its jobs end within the hour; the production
    seed adds the GPU fine-tune's type, which stays close for as long as the demo runs)."""
    from collections import Counter

    running: Counter[str] = Counter()
    for job in seeder.backend.training_jobs.values():
        if job.training_job_status == "InProgress":
            config = job.resource_config or {}
            running[str(config.get("InstanceType", ""))] += int(config.get("InstanceCount") or 1)
    tight, used = running.most_common(1)[0] if running else ("ml.g5.12xlarge", 0)
    quotas = {
        (tight, "training job"): used + 1,
        ("ml.m5.large", "training job"): 20,
        ("ml.m5.xlarge", "training job"): 20,
        ("ml.m5.large", "processing job"): 10,
        ("ml.m5.xlarge", "processing job"): 10,
        ("ml.m5.large", "transform job"): 8,
        ("ml.m5.large", "endpoint"): 10,
        ("ml.m5.xlarge", "endpoint"): 10,
        ("ml.g5.2xlarge", "endpoint"): 4,
        ("ml.t3.medium", "notebook instance"): 4,
        ("ml.g5.xlarge", "notebook instance"): 1,
    }
    SAGEMAKER_QUOTAS.clear()
    SAGEMAKER_QUOTAS.update({k: float(v) for k, v in quotas.items()})


def seed_operator_day(seeder: _Seeder) -> None:
    """Pipelines (one failed at a step, one running, one batch scoring), batch transform
    jobs, an idle endpoint (for the Cost section), quotas."""
    _seed_pipelines(seeder)
    _seed_transform_jobs(seeder)
    _seed_scoring_pipeline(seeder)
    _seed_idle_endpoint(seeder)
    _seed_quotas(seeder)
