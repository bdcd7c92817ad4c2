"""GPUs on a job's nodes: ``nvidia-smi`` CSV, XID errors, idle GPUs and stragglers.

One fixed probe script runs on each node (``srun --overlap --jobid J`` for a job's nodes,
or straight on the login node / over an ``ssh`` hop for a bare node name). It prints
marker lines (``@@host``, ``@@rc``, ``@@missing``, ``@@xid``) around nvidia-smi's CSV, so
one parse reads every node's answer, and a node without ``nvidia-smi`` is a clean
``missing`` status rather than an error. The nvidia-smi program and its arguments reach
the script as positional parameters: nothing is pasted into it.

XID errors: the NVIDIA driver logs them to the kernel ring buffer (``NVRM: Xid (PCI:…):
79, …``). Reading it needs ``dmesg`` to be allowed for ordinary users
(``kernel.dmesg_restrict=0``, the default on many distributions but not all); where it is
not, the report says "XID not visible" instead of pretending there were none. nvidia-smi
itself has no XID query (``-q`` shows retired pages and ECC counts, not XIDs), and
``journalctl -k`` needs the systemd-journal group, so dmesg is the one source tried.

The CSV parser tolerates what real nvidia-smi prints: ``N/A``, ``[N/A]``,
``[Not Supported]``, ``[Unknown Error]``, MIG devices (``MIG-`` UUIDs, utilization not
reported), blank lines, and anything else (a banner, an error) is skipped and counted.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from console.records import Record
from console.sanitize import inert

QUERY_FIELDS = (
    "index",
    "uuid",
    "name",
    "utilization.gpu",
    "memory.used",
    "memory.total",
    "temperature.gpu",
    "power.draw",
)
NVIDIA_SMI_ARGS = (
    f"--query-gpu={','.join(QUERY_FIELDS)}",
    "--format=csv,noheader,nounits",
)
IDLE_UTILIZATION = 5.0  # percent: at or below this a GPU in a running job does nothing
STRAGGLER_FRACTION = 0.5  # below half the job's median utilization
STRAGGLER_MIN_MEDIAN = 20.0  # no straggler talk when the whole job is nearly idle
MAX_XIDS_PER_NODE = 20

# The probe. $1 is the nvidia-smi program, the rest its arguments. Each part announces
# itself with a marker line so the parser needs no guessing.
PROBE_SCRIPT = r"""
printf '@@host %s\n' "${SLURMD_NODENAME:-$(hostname -s 2>/dev/null || hostname)}"
if command -v "$1" >/dev/null 2>&1; then
  "$@" 2>&1
  printf '@@rc %s\n' "$?"
else
  printf '@@missing %s\n' "$1"
fi
if log=$(dmesg 2>/dev/null); then
  printf '@@xid-visible\n'
  printf '%s\n' "$log" | grep -F 'NVRM: Xid' | tail -n 20 | sed 's/^/@@xid /'
else
  printf '@@xid-hidden\n'
fi
"""

_MISSING_VALUES = frozenset(
    {"", "n/a", "[n/a]", "[not supported]", "not supported", "[unknown error]", "[gpu is lost]"}
)
_LABEL = re.compile(r"^\s*(\d{1,6}):\s?(.*)$")
_XID = re.compile(r"NVRM: Xid \((?P<pci>[^)]*)\):\s*(?P<code>\d{1,4})\b,?\s*(?P<rest>.*)$")


@dataclass(frozen=True)
class GpuSample(Record):
    """One GPU (or MIG device) as nvidia-smi reported it, with our flags."""

    node: str
    index: int | None
    uuid: str
    name: str
    utilization: float | None  # percent; None when not reported (MIG, N/A)
    memory_used_mb: float | None
    memory_total_mb: float | None
    temperature_c: float | None
    power_w: float | None
    mig: bool = False
    flags: tuple[str, ...] = ()  # "idle", "straggler"

    @property
    def memory_fraction(self) -> float | None:
        if self.memory_used_mb is None or not self.memory_total_mb:
            return None
        return self.memory_used_mb / self.memory_total_mb


@dataclass(frozen=True)
class XidEvent(Record):
    """One XID line from the kernel log (the driver's error report)."""

    node: str
    pci: str  # e.g. PCI:0000:10:1c
    code: int
    text: str


@dataclass(frozen=True)
class NodeGpus(Record):
    """What one node answered. ``status``: ok | missing (no nvidia-smi) | error."""

    node: str
    status: str
    message: str
    gpus: tuple[GpuSample, ...]
    xids: tuple[XidEvent, ...]
    xid_visible: bool
    skipped_lines: int = 0  # lines that were not CSV rows (banners, errors)


@dataclass(frozen=True)
class GpuReport(Record):
    """GPUs of a job (or one node): every node's answer, flags applied across the job."""

    target: str  # "job 12" or "node ip-10-1-2-3"
    job_id: str
    nodes: tuple[NodeGpus, ...]

    @property
    def gpus(self) -> list[GpuSample]:
        return [gpu for node in self.nodes for gpu in node.gpus]

    @property
    def xids(self) -> list[XidEvent]:
        return [xid for node in self.nodes for xid in node.xids]


def probe_argv(nvidia_smi: str = "nvidia-smi", indexes: Sequence[int] = ()) -> list[str]:
    """``sh -c PROBE sh NVIDIA_SMI ARGS…`` (the program a positional parameter); with
    ``indexes``, nvidia-smi is asked for those GPUs only (``-i 0,1``: a job's own GPUs,
    as nvidia-smi ignores CUDA_VISIBLE_DEVICES)."""
    selection = ["-i", ",".join(str(i) for i in indexes)] if indexes else []
    return ["sh", "-c", PROBE_SCRIPT, "sh", nvidia_smi, *NVIDIA_SMI_ARGS, *selection]


def only_gpus(node: NodeGpus, indexes: Sequence[int]) -> NodeGpus:
    """``node`` with only the GPUs in ``indexes`` (an nvidia-smi that ignored ``-i`` or a
    wrapper that printed more must not make another job's GPU look like this one's)."""
    wanted = set(indexes)
    kept = tuple(g for g in node.gpus if g.index in wanted)
    if node.status == "ok" and node.gpus and not kept:
        return replace(node, gpus=(), message="none of the job's GPUs answered")
    return replace(node, gpus=kept)


def _value(raw: str) -> float | None:
    text = raw.strip()
    if text.lower() in _MISSING_VALUES:
        return None
    text = re.sub(r"\s*(%|MiB|W|C)$", "", text)  # in case "nounits" was not honoured
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value) or value < 0:
        return None
    return value


def _index(raw: str) -> int | None:
    text = raw.strip()
    return int(text) if re.fullmatch(r"\d{1,4}", text) else None


def parse_gpu_csv(output: str, node: str = "") -> tuple[list[GpuSample], int]:
    """GPU rows from ``--query-gpu=… --format=csv,noheader,nounits`` output, and how many
    non-blank lines were not rows. Never raises, whatever ``output`` holds."""
    samples: list[GpuSample] = []
    skipped = 0
    for line in output.splitlines():
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) > len(QUERY_FIELDS):
            # a GPU name with a comma: everything between uuid and the numbers
            extra = len(fields) - len(QUERY_FIELDS)
            fields = [*fields[:2], ",".join(fields[2 : 3 + extra]), *fields[3 + extra :]]
        if len(fields) != len(QUERY_FIELDS):
            skipped += 1
            continue
        index, uuid, name, util, used, total, temp, power = fields
        mig = uuid.startswith("MIG-") or "MIG" in name.split()
        if _index(index) is None and not uuid.startswith(("GPU-", "MIG-")):
            skipped += 1  # a header or some other comma-separated line
            continue
        samples.append(
            GpuSample(
                node=node,
                index=_index(index),
                uuid=inert(uuid, 80),
                name=inert(name, 80),
                utilization=_value(util),
                memory_used_mb=_value(used),
                memory_total_mb=_value(total),
                temperature_c=_value(temp),
                power_w=_value(power),
                mig=mig,
            )
        )
    return samples, skipped


def parse_xid_line(line: str, node: str = "") -> XidEvent | None:
    match = _XID.search(line)
    if not match:
        return None
    return XidEvent(
        node=node,
        pci=inert(match.group("pci").strip(), 40),
        code=int(match.group("code")),
        text=inert(match.group("rest").strip(), 200),
    )


def _split_labelled(output: str) -> dict[str, list[str]]:
    """srun ``--label`` output grouped by task (unlabelled output is task "0")."""
    groups: dict[str, list[str]] = {}
    labelled = any(_LABEL.match(line) for line in output.splitlines() if line.strip())
    for line in output.splitlines():
        match = _LABEL.match(line) if labelled else None
        if match:
            groups.setdefault(match.group(1), []).append(match.group(2))
        elif not labelled:
            groups.setdefault("0", []).append(line)
    return groups


def parse_probe(output: str, *, default_node: str = "") -> list[NodeGpus]:
    """Every node's answer from the probe's output (one or many tasks). Never raises.

    A node names itself (Slurm's node name inside a step, else its short host name)
    unless ``default_node`` says which node was asked."""
    nodes: list[NodeGpus] = []
    for _, lines in sorted(_split_labelled(output).items(), key=lambda kv: int(kv[0])):
        nodes.append(_parse_one(lines, default_node))
    return nodes


def _parse_one(lines: Sequence[str], default_node: str) -> NodeGpus:
    node = default_node
    csv: list[str] = []
    rc: int | None = None
    missing = ""
    xid_visible = False
    xid_lines: list[str] = []
    seen_probe = False
    for line in lines:
        if line.startswith("@@host "):
            node = default_node or inert(line[7:].strip(), 80)
            seen_probe = True
        elif line.startswith("@@rc "):
            rc = int(line[5:].strip()) if line[5:].strip().isdigit() else 1
        elif line.startswith("@@missing"):
            missing = inert(line[9:].strip(), 120) or "nvidia-smi"
        elif line == "@@xid-visible":
            xid_visible = True
        elif line == "@@xid-hidden":
            xid_visible = False
        elif line.startswith("@@xid "):
            xid_lines.append(line[6:])
        else:
            csv.append(line)
    gpus, skipped = parse_gpu_csv("\n".join(csv), node)
    xids = tuple(
        event
        for event in (parse_xid_line(x, node) for x in xid_lines[-MAX_XIDS_PER_NODE:])
        if event
    )
    if not seen_probe:
        status, message = "error", _first(csv) or "the node did not answer"
    elif missing:
        status, message = "missing", f"no {missing} on this node (no NVIDIA driver here?)"
    elif rc not in (0, None) and not gpus:
        status, message = "error", f"nvidia-smi failed: {_first(csv) or f'exit status {rc}'}"
    elif not gpus:
        status, message = "ok", "nvidia-smi reports no GPUs"
    else:
        status, message = "ok", ""
    return NodeGpus(node, status, message, tuple(gpus), xids, xid_visible, skipped)


def _first(lines: Sequence[str]) -> str:
    for line in lines:
        if line.strip():
            return inert(line.strip(), 200)
    return ""


def flag(nodes: Sequence[NodeGpus], *, in_job: bool) -> list[NodeGpus]:
    """Mark idle GPUs (in a job only: a free node's GPUs are idle by design) and
    stragglers (well below the job's median utilization, when the job uses its GPUs).

    XIDs stay on the node: the query has no PCI bus id to tie a kernel line to an index.
    """
    utils = [
        g.utilization for n in nodes for g in n.gpus if g.utilization is not None and not g.mig
    ]
    median = statistics.median(utils) if len(utils) >= 2 else None
    out = []
    for node in nodes:
        gpus = []
        for gpu in node.gpus:
            flags: list[str] = []
            util = gpu.utilization
            if in_job and util is not None and util <= IDLE_UTILIZATION:
                flags.append("idle")
            elif (
                in_job
                and util is not None
                and median is not None
                and median >= STRAGGLER_MIN_MEDIAN
                and util < median * STRAGGLER_FRACTION
            ):
                flags.append("straggler")
            gpus.append(replace(gpu, flags=tuple(flags)))
        out.append(replace(node, gpus=tuple(gpus)))
    return out
