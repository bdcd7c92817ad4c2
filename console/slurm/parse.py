"""Parsers for Slurm's output: JSON of every openapi version we meet, and text fallbacks.

Slurm 22.05 (openapi v0.0.38) writes ``"job_state": "RUNNING"`` and plain numbers, with
NO_VAL sentinels (4294967294) for unset ones; 23.11+ (v0.0.40, v0.0.41, …) writes
``"job_state": ["RUNNING"]`` and numbers as ``{"set": true, "infinite": false,
"number": 60}``; ``sinfo --json`` moved from a ``nodes`` list to a ``sinfo`` list of
node/partition entries. Every field is read through small tolerant helpers, so a field
that is missing or of another type becomes "unknown" instead of an exception.

Whatever arrives (a truncated document, HTML from a proxy, a login banner, binary junk),
the only exception that leaves this module is :class:`SlurmOutputError`, a one-line
:class:`~console.errors.SmError` naming the command.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from console.errors import SmError
from console.sanitize import inert
from console.slurm.records import AccountingJob, Partition, SlurmJob, SlurmNode

T = TypeVar("T")

# Slurm's "no value" and "infinite" sentinels (uint32 and uint64).
_SENTINELS = frozenset({0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFFFFFFFFFF})
MAX_DOCUMENT = 256 * 1024 * 1024


class SlurmOutputError(SmError):
    """Slurm's output could not be read (garbled, truncated, not what was asked)."""

    kind = "slurm-output"


def _guard(what: str, fn: Callable[[], T]) -> T:
    """Run a parser; anything it trips over becomes one clear error."""
    try:
        return fn()
    except SlurmOutputError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise SlurmOutputError(
            f"could not read the output of {what}: {inert(str(exc) or type(exc).__name__, 120)}",
            "the remote side printed something unexpected (a login banner or another Slurm?)",
        ) from None


# --- tolerant field readers ---------------------------------------------------------------


def number(value: Any) -> int | None:
    """An integer from ``5``, ``"5"``, ``{"set": true, "infinite": false, "number": 5}``;
    None for unset, infinite, NO_VAL sentinels and anything else."""
    if isinstance(value, Mapping):
        if value.get("set") is False or value.get("infinite") is True:
            return None
        return number(value.get("number"))
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?\d{1,20}", text):
            return None
        value = int(text)
    if isinstance(value, int):
        return None if value in _SENTINELS else value
    return None


def text(value: Any) -> str:
    """A string from a string, a number, or a list of strings (joined with commas)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return ",".join(text(item) for item in value if text(item))
    if isinstance(value, Mapping):  # e.g. {"description": "..."} for reasons in 24.x
        for key in ("description", "name", "string", "value"):
            if key in value:
                return text(value[key])
    return ""


# Text sinfo marks node states with a suffix: idle* is not responding, idle~ powered down.
_STATE_SUFFIXES = {
    "*": "NOT_RESPONDING",
    "~": "POWERED_DOWN",
    "#": "POWERING_UP",
    "%": "POWERING_DOWN",
    "!": "POWER_DOWN_PENDING",
    "$": "MAINTENANCE",
    "@": "REBOOT_REQUESTED",
    "^": "REBOOT_ISSUED",
    "-": "PLANNED",
}


def states(value: Any) -> tuple[str, tuple[str, ...]]:
    """(base state, flags) from ``"RUNNING"``, ``["RUNNING","COMPLETING"]``,
    ``"idle+drain"`` or ``"down*"`` (text sinfo's suffixes become flags)."""
    if isinstance(value, Mapping):  # sacct's {"current": ..., "reason": ...}
        value = value.get("current")
    if isinstance(value, str):
        value = re.sub(r"\s+by\s+\S*\s*$", "", value)  # sacct's "CANCELLED by 1001"
        parts = [p for p in re.split(r"[+,\s]+", value) if p]
    elif isinstance(value, list):
        parts = [text(p) for p in value if text(p)]
    else:
        parts = []
    if not parts:
        return "UNKNOWN", ()
    base, flags = parts[0], [p.upper() for p in parts[1:]]
    suffixes = _STATE_SUFFIXES
    while base and base[-1] in suffixes:
        flags.append(suffixes[base[-1]])
        base = base[:-1]
    base = base.upper() or "UNKNOWN"
    return base, tuple(dict.fromkeys(f for f in flags if f and f != base))


def timestamp(value: Any) -> datetime | None:
    """An epoch number (either JSON shape) or an ISO time; None for 0/unset/unknown."""
    if isinstance(value, str) and not re.fullmatch(r"\s*-?\d+\s*", value):
        raw = value.strip()
        if raw in {"", "Unknown", "None", "N/A"}:
            return None
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.astimezone(UTC)
    seconds = number(value)
    if seconds is None or seconds <= 0 or seconds > 32503680000:  # beyond year 3000: junk
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def duration(value: str) -> int | None:
    """Seconds from Slurm's ``[D-]HH:MM:SS``, ``MM:SS``, ``MM`` (None for UNLIMITED etc.)."""
    raw = value.strip()
    match = re.fullmatch(r"(?:(\d+)-)?(?:(\d+):)?(?:(\d+):)?(\d+)(?:\.\d+)?", raw)
    if not match:
        return None
    days, first, second, last = match.groups()
    parts = [int(p) for p in (first, second, last) if p is not None]
    if len(parts) == 1:  # minutes (a bare number) — or D-HH
        seconds = parts[0] * (3600 if days else 60)
    elif len(parts) == 2:  # MM:SS, or D-HH:MM
        seconds = parts[0] * 3600 + parts[1] * 60 if days else parts[0] * 60 + parts[1]
    else:
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
    return seconds + int(days or 0) * 86400


def minutes(value: str) -> int | None:
    seconds = duration(value)
    return None if seconds is None else seconds // 60


def gpu_count(gres: str) -> int:
    """GPUs in a GRES/TRES string: ``gpu:4``, ``gpu:a100:8(S:0-1)``, ``gres/gpu=2``,
    ``gres:gpu:2``, ``gpu:a100:2,gpu:v100:1`` (3). An untyped total wins over the typed
    entries that repeat it (``gres/gpu=2,gres/gpu:l40s=2`` is 2, not 4)."""
    untyped: list[int] = []
    typed: list[int] = []
    for raw in _split_gres(gres):
        item = re.sub(r"^gres[:/]", "", re.sub(r"\([^)]*\)", "", raw).strip())
        if not re.match(r"gpu(?:$|[:=])", item):
            continue
        parts = [p for p in re.split(r"[:=]", item)[1:] if p]
        count = 1
        if parts and parts[-1].isdigit():
            count = int(parts[-1])
            parts = parts[:-1]
        elif parts and re.fullmatch(r"\d+[KMGT]?", parts[-1]):
            count = 0
        (typed if parts else untyped).append(count)
    if untyped:
        return max(untyped)
    return sum(typed)


def _split_gres(gres: str) -> list[str]:
    """Split on commas that are not inside parentheses (``gpu:4(S:0-1),mps:100``)."""
    items, depth, current = [], 0, ""
    for char in gres:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    return [item for item in items if item.strip()]


def _exit(value: Any) -> tuple[int | None, int | None]:
    """(exit code, signal) from a raw wait status (squeue v0.0.38), an exit_code object
    (sacct, v0.0.40+), or text ``3:0``."""
    if isinstance(value, Mapping):
        code = number(value.get("return_code"))
        signal_info = value.get("signal")
        signal = None
        if isinstance(signal_info, Mapping):
            signal = number(signal_info.get("id"))
            if signal == 0:
                signal = None
        status = {s.upper() for s in text(value.get("status")).split(",") if s}
        if "SIGNALED" in status:
            return None, signal if signal is not None else code
        return code, signal
    if isinstance(value, str) and ":" in value:
        code_text, _, signal_text = value.partition(":")
        code, signal = number(code_text), number(signal_text)
        return code, (signal or None)
    raw = number(value)
    if raw is None or raw < 0:
        return None, None
    if raw & 0x7F:  # terminated by a signal
        return None, raw & 0x7F
    return (raw >> 8) & 0xFF, None


def _none_reason(value: Any) -> str:
    reason = text(value)
    return "" if reason in {"None", "none", "(null)"} else reason


def _load(document: str, what: str) -> Mapping[str, Any]:
    if not isinstance(document, str):
        raise SlurmOutputError(f"{what} gave no text")
    if len(document) > MAX_DOCUMENT:
        raise SlurmOutputError(f"{what} printed more than {MAX_DOCUMENT >> 20} MiB")
    start = document.find("{")  # tolerate a login banner or a warning line before it
    if start < 0:
        raise SlurmOutputError(
            f"{what} did not print JSON: {inert(document.strip()[:120]) or '(nothing)'}",
            "this Slurm may lack JSON output (then the text format is used)",
        )
    try:
        data = json.loads(document[start:])
    except json.JSONDecodeError as exc:
        raise SlurmOutputError(
            f"{what} printed invalid JSON ({exc.msg} at line {exc.lineno})",
            "the output may have been cut short; try again",
        ) from None
    except RecursionError:
        raise SlurmOutputError(f"{what} printed JSON nested too deeply") from None
    if not isinstance(data, Mapping):
        raise SlurmOutputError(f"{what} printed JSON that is not an object")
    _raise_errors(data, what)
    return data


def _raise_errors(data: Mapping[str, Any], what: str) -> None:
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        message = (
            text(first.get("description") or first.get("error"))
            if isinstance(first, Mapping)
            else text(first)
        )
        if message:
            raise SlurmOutputError(f"{what} reported an error: {inert(message, 200)}")


def _items(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise SlurmOutputError(f"the {key!r} field is not a list")
    return [item for item in items if isinstance(item, Mapping)]


def openapi_version(document: str) -> str:
    """``v0.0.38`` etc. from a document's ``meta.plugin.type`` ("" when unknown)."""
    try:
        data = json.loads(document[document.find("{") :])
        plugin = data.get("meta", {}).get("plugin", {})
        name = f"{text(plugin.get('type'))} {text(plugin.get('data_parser'))}"
        found = re.search(r"v\d+\.\d+\.\d+", name)
        return found.group(0) if found else ""
    except (ValueError, AttributeError, TypeError, RecursionError):
        return ""


# --- squeue ----------------------------------------------------------------------------------


def job_from_json(item: Mapping[str, Any], now: datetime | None = None) -> SlurmJob:
    state, flags = states(item.get("job_state"))
    started = timestamp(item.get("start_time"))
    ended = timestamp(item.get("end_time"))
    node_count = number(item.get("node_count"))
    exit_code, signal = _exit(item.get("exit_code"))
    if state in {"PENDING"}:
        started = ended = None  # pending jobs carry an *expected* start/end
        exit_code = signal = None
    elif state in {"RUNNING", "SUSPENDED", "COMPLETING", "CONFIGURING"}:
        ended = None  # the time limit's end, not a real end
        exit_code = signal = None
    gpus = gpu_count(text(item.get("tres_alloc_str")))
    if not gpus:
        gpus = gpu_count(text(item.get("tres_per_job"))) or gpu_count(
            text(item.get("tres_req_str"))
        )
    if not gpus:
        gpus = gpu_count(text(item.get("tres_per_node"))) * max(node_count or 1, 1)
    elapsed = None
    if started is not None:
        end = ended or now or datetime.now(UTC)
        elapsed = max(int((end - started).total_seconds()), 0)
    job_id = number(item.get("job_id"))
    array_job, task = _array_of(item)
    printed = str(job_id) if job_id is not None else text(item.get("job_id"))
    if array_job and task:
        printed = f"{array_job}_{task}" if task.isdigit() else f"{array_job}_[{task}]"
    return SlurmJob(
        job_id=printed,
        name=text(item.get("name")),
        user=text(item.get("user_name")) or text(item.get("user")),
        state=state,
        flags=flags,
        reason=_none_reason(item.get("state_reason")),
        partition=text(item.get("partition")),
        nodes=text(item.get("nodes")),
        node_count=node_count,
        cpus=number(item.get("cpus")),
        gpus=gpus,
        time_limit_minutes=number(item.get("time_limit")),
        elapsed_seconds=elapsed,
        submitted=timestamp(item.get("submit_time")),
        started=started,
        ended=ended,
        exit_code=exit_code,
        signal=signal,
        comment=text(item.get("comment")),
        workdir=text(item.get("current_working_directory")),
        stdout=text(item.get("standard_output")),
        stderr=text(item.get("standard_error")),
        command=text(item.get("command")),
        array_job_id=array_job if task else "",
        array_task=task,
        number=str(job_id) if job_id is not None else "",
    )


def _array_of(item: Mapping[str, Any]) -> tuple[str, str]:
    """(array job id, task id or pending range) of a squeue JSON job; ("", "") if none."""
    array_job = number(item.get("array_job_id"))
    if not array_job:
        return "", ""
    task = number(item.get("array_task_id"))
    if task is not None:
        return str(array_job), str(task)
    pending = text(item.get("array_task_string")).strip()
    if re.fullmatch(r"[\d,:%\-]+", pending):
        return str(array_job), pending
    return "", ""


def parse_squeue_json(document: str, now: datetime | None = None) -> list[SlurmJob]:
    """``squeue --json`` of any openapi version."""

    def parse() -> list[SlurmJob]:
        data = _load(document, "squeue --json")
        return [job_from_json(item, now) for item in _items(data, "jobs")]

    return _guard("squeue --json", parse)


# A job id as squeue and sacct print it: 14, an array task 14_2, a pending array
# 14_[2-5,7:2%1] (ranges, steps and the %N throttle), a heterogeneous component 14+1,
# and in sacct a step 14.batch / 14_2.0.  Anything else is not Slurm talking.
PRINTED_JOB_ID = re.compile(r"\d+(?:_(?:\d+|\[[\d,:%\-]+\]))?(?:\+\d+)?(?:\.[A-Za-z0-9_-]+)?")


def is_job_id(text: str) -> bool:
    """Whether ``text`` is a job id in any form Slurm prints (see ``PRINTED_JOB_ID``)."""
    return PRINTED_JOB_ID.fullmatch(text) is not None


# squeue's text fallback: name last, so a `|` in a job name cannot shift the columns.
SQUEUE_FORMAT = "%i|%P|%u|%T|%M|%l|%D|%C|%b|%R|%j"


def _split(line: str, count: int, free: int) -> list[str]:
    """Split ``line`` on ``|`` into ``count`` fields; extra pipes belong to field ``free``."""
    parts = line.split("|")
    if len(parts) < count:
        raise ValueError(f"expected {count} fields, got {len(parts)}: {line[:80]!r}")
    right = count - free - 1
    middle_end = len(parts) - right
    return [*parts[:free], "|".join(parts[free:middle_end]), *parts[middle_end:]]


def parse_squeue_text(output: str, fmt: str = SQUEUE_FORMAT) -> list[SlurmJob]:
    """Text squeue in ``fmt`` (``%i %j %u %T %M %l %D %R %b %P %C`` known; header skipped)."""

    def parse() -> list[SlurmJob]:
        codes = fmt.split("|")
        free = codes.index("%j") if "%j" in codes else len(codes) - 1
        jobs = []
        for line in output.splitlines():
            if not line.strip() or line.startswith("JOBID"):
                continue
            fields = dict(zip(codes, _split(line, len(codes), free), strict=True))
            job_id = fields.get("%i", "").strip()
            if not is_job_id(job_id):
                raise ValueError(f"not a job id: {job_id[:40]!r}")
            state, flags = states(fields.get("%T", ""))
            reason_or_nodes = fields.get("%R", "").strip()
            pending = state == "PENDING" or reason_or_nodes.startswith("(")
            node_count = number(fields.get("%D"))
            gpus = gpu_count(_na(fields.get("%b", ""))) * max(node_count or 1, 1)
            task = _na(fields.get("%K", "")).strip()
            if not re.fullmatch(r"[\d,:%\-]*", task):
                raise ValueError(f"not an array task id: {task[:40]!r}")
            jobs.append(
                SlurmJob(
                    job_id=job_id,
                    name=fields.get("%j", ""),
                    user=fields.get("%u", "").strip(),
                    state=state,
                    flags=flags,
                    reason=_none_reason(reason_or_nodes.strip("()")) if pending else "",
                    partition=fields.get("%P", "").strip().rstrip("*"),
                    nodes="" if pending else reason_or_nodes,
                    node_count=node_count,
                    cpus=number(fields.get("%C")),
                    gpus=gpus,
                    time_limit_minutes=minutes(fields.get("%l", "")),
                    elapsed_seconds=duration(fields.get("%M", "")),
                    submitted=None,
                    started=None,
                    ended=None,
                    exit_code=None,
                    signal=None,
                    array_job_id=fields.get("%F", "").strip() if task else "",
                    array_task=task,
                )
            )
        return jobs

    return _guard("squeue", parse)


def _na(value: str) -> str:
    return "" if value.strip() in {"N/A", "(null)", "none"} else value


# --- sinfo -----------------------------------------------------------------------------------


def _node_from_v38(item: Mapping[str, Any]) -> SlurmNode:
    state, flags = states(item.get("state"))
    extra = item.get("state_flags")
    if isinstance(extra, list):
        flags = tuple(dict.fromkeys([*flags, *(text(f).upper() for f in extra if text(f))]))
    gres, used = _na(text(item.get("gres"))), _na(text(item.get("gres_used")))
    free = item.get("free_memory", item.get("free_mem"))
    partitions = item.get("partitions")
    return SlurmNode(
        name=text(item.get("name")),
        hostname=text(item.get("hostname")),
        address=text(item.get("address")),
        state=state,
        flags=flags,
        reason=_none_reason(item.get("reason")),
        cpus_total=number(item.get("cpus")),
        cpus_allocated=number(item.get("alloc_cpus")),
        gres=gres,
        gres_used=used,
        gpus_total=gpu_count(gres),
        gpus_used=gpu_count(used),
        memory_mb=number(item.get("real_memory")),
        free_memory_mb=number(free),
        partitions=tuple(text(p) for p in partitions if text(p))
        if isinstance(partitions, list)
        else tuple(p for p in text(partitions).split(",") if p),
    )


def _sub(item: Mapping[str, Any], *path: str) -> Any:
    value: Any = item
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _nodes_from_sinfo_entry(item: Mapping[str, Any]) -> list[SlurmNode]:
    """A v0.0.40+ ``sinfo`` entry: one node (``sinfo -N``) or a group of alike nodes."""
    names_value = _sub(item, "nodes", "nodes")
    names = [text(n) for n in names_value if text(n)] if isinstance(names_value, list) else []
    hostnames = _sub(item, "nodes", "hostnames")
    addresses = _sub(item, "nodes", "addresses")
    count = max(len(names), 1)
    state, flags = states(_sub(item, "node", "state"))
    gres, used = _na(text(_sub(item, "gres", "total"))), _na(text(_sub(item, "gres", "used")))
    per_node_cpus = number(_sub(item, "cpus", "maximum")) or number(_sub(item, "cpus", "total"))
    allocated = number(_sub(item, "cpus", "allocated"))
    partition = text(_sub(item, "partition", "name"))
    nodes = []
    for index, name in enumerate(names):
        nodes.append(
            SlurmNode(
                name=name,
                hostname=_index_text(hostnames, index) or name,
                address=_index_text(addresses, index),
                state=state,
                flags=flags,
                reason=_none_reason(item.get("reason")),
                cpus_total=per_node_cpus,
                cpus_allocated=allocated // count if allocated is not None else None,
                gres=gres,
                gres_used=used if count == 1 else "",
                gpus_total=gpu_count(gres),
                gpus_used=gpu_count(used) if count == 1 else 0,
                memory_mb=number(_sub(item, "memory", "maximum")),
                free_memory_mb=number(_sub(item, "memory", "free", "minimum")),
                partitions=(partition,) if partition else (),
            )
        )
    return nodes


def _index_text(values: Any, index: int) -> str:
    if isinstance(values, list) and index < len(values):
        return text(values[index])
    return ""


def merge_nodes(nodes: Iterable[SlurmNode]) -> list[SlurmNode]:
    """One record per node name, partitions combined, in first-seen order."""
    from dataclasses import replace

    merged: dict[str, SlurmNode] = {}
    for node in nodes:
        seen = merged.get(node.name)
        if seen is None:
            merged[node.name] = node
        else:
            partitions = tuple(dict.fromkeys([*seen.partitions, *node.partitions]))
            merged[node.name] = replace(seen, partitions=partitions)
    return list(merged.values())


def parse_sinfo_json(document: str) -> list[SlurmNode]:
    """``sinfo --json``: v0.0.38's ``nodes`` list or v0.0.40+'s ``sinfo`` entries."""

    def parse() -> list[SlurmNode]:
        data = _load(document, "sinfo --json")
        nodes: list[SlurmNode] = [_node_from_v38(item) for item in _items(data, "nodes")]
        for entry in _items(data, "sinfo"):
            nodes.extend(_nodes_from_sinfo_entry(entry))
        return merge_nodes(n for n in nodes if n.name)

    return _guard("sinfo --json", parse)


SINFO_FORMAT = "%N|%T|%C|%G|%m|%e|%P|%E"


def parse_sinfo_text(output: str, fmt: str = SINFO_FORMAT) -> list[SlurmNode]:
    """``sinfo -N -o '%N|%T|%C|%G|%m|%e|%P|%E'`` (one line per node and partition)."""

    def parse() -> list[SlurmNode]:
        codes = fmt.split("|")
        free = codes.index("%E") if "%E" in codes else len(codes) - 1
        nodes = []
        for line in output.splitlines():
            if not line.strip() or line.startswith("NODELIST"):
                continue
            fields = dict(zip(codes, _split(line, len(codes), free), strict=True))
            name = fields.get("%N", "").strip()
            if not name or any(c.isspace() for c in name):
                raise ValueError(f"not a node name: {name[:40]!r}")
            state, flags = states(fields.get("%T", ""))
            cpus = fields.get("%C", "").split("/")
            gres = _na(fields.get("%G", ""))
            partition = fields.get("%P", "").strip().rstrip("*")
            nodes.append(
                SlurmNode(
                    name=name,
                    hostname=name,
                    address="",
                    state=state,
                    flags=flags,
                    reason=_none_reason(fields.get("%E", "").strip()),
                    cpus_total=number(cpus[3]) if len(cpus) == 4 else None,
                    cpus_allocated=number(cpus[0]) if len(cpus) == 4 else None,
                    gres=gres,
                    gres_used="",
                    gpus_total=gpu_count(gres),
                    gpus_used=0,
                    memory_mb=number(fields.get("%m")),
                    free_memory_mb=number(fields.get("%e")),
                    partitions=(partition,) if partition else (),
                )
            )
        return merge_nodes(nodes)

    return _guard("sinfo", parse)


# --- sacct -----------------------------------------------------------------------------------


def _accounting_from_json(item: Mapping[str, Any]) -> AccountingJob:
    state, _ = states(item.get("state"))
    exit_code, signal = _exit(item.get("exit_code"))
    tres = _sub(item, "tres", "allocated")
    alloc = ""
    if isinstance(tres, list):
        alloc = ",".join(
            f"{text(t.get('type'))}{'/' + text(t.get('name')) if text(t.get('name')) else ''}"
            f"={number(t.get('count'))}"
            for t in tres
            if isinstance(t, Mapping) and number(t.get("count")) is not None
        )
    user = item.get("user")
    job_id = number(item.get("job_id"))
    return AccountingJob(
        job_id=str(job_id) if job_id is not None else text(item.get("job_id")),
        name=text(item.get("name")),
        user=text(user.get("name")) if isinstance(user, Mapping) else text(user),
        state=state,
        exit_code=exit_code,
        signal=signal,
        elapsed_seconds=number(_sub(item, "time", "elapsed")),
        partition=text(item.get("partition")),
        nodes=_na(text(item.get("nodes"))).replace("None assigned", ""),
        alloc_tres=alloc,
        submitted=timestamp(_sub(item, "time", "submission")),
        started=timestamp(_sub(item, "time", "start")),
        ended=timestamp(_sub(item, "time", "end")),
        reason=_accounting_reason(state, text(_sub(item, "state", "reason"))),
    )


def parse_sacct_json(document: str) -> list[AccountingJob]:
    """``sacct --json`` (v0.0.38: state/exit strings; v0.0.40+: lists and number objects).

    Slurm 22.05's JSON reports exit_code SUCCESS even for ``exit 3``; the text format is
    right (see :func:`parse_sacct_text`), so the client prefers text for exit codes.
    """

    def parse() -> list[AccountingJob]:
        data = _load(document, "sacct --json")
        return [_accounting_from_json(item) for item in _items(data, "jobs")]

    return _guard("sacct --json", parse)


SACCT_FIELDS = (
    "JobID",
    "User",
    "State",
    "ExitCode",
    "Elapsed",
    "Partition",
    "NodeList",
    "AllocTRES",
    "Submit",
    "Start",
    "End",
    "Reason",
    "JobName",
)
_REASON_STALE = frozenset({"COMPLETED", "RUNNING"})


def _accounting_reason(state: str, reason: str) -> str:
    """sacct keeps the last pending reason even for jobs that then ran fine: show it only
    where it explains something (pending, failed, cancelled before starting …)."""
    return "" if state in _REASON_STALE else _none_reason(reason.strip())


def _delimited_rows(output: str, delimiter: str, count: int) -> list[list[str]]:
    """Rows of ``count`` fields, each field followed by ``delimiter`` but the last, whose
    value (a job name) may hold newlines: a row ends at the last newline before the next
    row's first field, which never holds one (a job id)."""
    if not output.strip():
        return []
    parts = output.split(delimiter)
    if (len(parts) - 1) % (count - 1):
        raise ValueError(f"{len(parts)} fields do not make rows of {count}: {output[:80]!r}")
    rows: list[list[str]] = []
    first = parts[0]
    for start in range(1, len(parts), count - 1):
        middle = parts[start : start + count - 2]
        last = parts[start + count - 2]
        if start + count - 1 < len(parts):
            if "\n" not in last:
                raise ValueError(f"a row does not end with a new line: {last[:40]!r}")
            last, following = last.rsplit("\n", 1)
        else:
            last, following = last.removesuffix("\n"), ""
        rows.append([first, *middle, last])
        first = following
    return rows


def parse_sacct_text(
    output: str, fields: Sequence[str] = SACCT_FIELDS, delimiter: str = "|"
) -> list[AccountingJob]:
    """``sacct -P -X -o <fields>`` (header optional; JobName may hold ``|``). With a
    ``delimiter`` of our own (``sacct -P --delimiter=TOKEN``) and JobName last, a job name
    may also hold newlines (anyone may name a job so): see :func:`_delimited_rows`."""

    def lines() -> list[list[str]]:
        names = list(fields)
        if delimiter != "|":
            if names[-1] != "JobName":
                raise ValueError("JobName must be the last field")
            return _delimited_rows(output, delimiter, len(names))
        free = names.index("JobName") if "JobName" in names else len(names) - 1
        return [
            _split(line, len(names), free)
            for line in output.splitlines()
            if line.strip() and not line.startswith("JobID|")
        ]

    def parse() -> list[AccountingJob]:
        names = list(fields)
        jobs = []
        for values in lines():
            row = dict(zip(names, values, strict=True))
            job_id = row.get("JobID", "").strip()
            if not is_job_id(job_id):
                raise ValueError(f"not a job id: {job_id[:40]!r}")
            state, _ = states(row.get("State", ""))
            exit_code, signal = _exit(row.get("ExitCode", ""))
            jobs.append(
                AccountingJob(
                    job_id=job_id,
                    name=row.get("JobName", ""),
                    user=row.get("User", "").strip(),
                    state=state,
                    exit_code=exit_code,
                    signal=signal,
                    elapsed_seconds=duration(row.get("Elapsed", "")),
                    partition=row.get("Partition", "").strip(),
                    nodes=_na(row.get("NodeList", "").strip()).replace("None assigned", ""),
                    alloc_tres=row.get("AllocTRES", "").strip(),
                    submitted=timestamp(row.get("Submit", "")),
                    started=timestamp(row.get("Start", "")),
                    ended=timestamp(row.get("End", "")),
                    reason=_accounting_reason(state, row.get("Reason", "")),
                )
            )
        return jobs

    return _guard("sacct", parse)


# --- scontrol --------------------------------------------------------------------------------

_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z][A-Za-z0-9_/:]*)=")


def parse_key_values(line: str) -> dict[str, str]:
    """``scontrol show … -o``'s ``Key=Value Key=Value`` (values may hold spaces).

    A value runs up to the next `` Key=``. When a key appears twice (a job name that
    itself contains `` StdOut=x``), the last one wins: Slurm prints the real fields after
    the free-text ones, so a name cannot spoof the output path.
    """
    matches = list(_KEY.finditer(line))
    values: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
        values[match.group(1)] = line[match.end() : end].rstrip(" ")
    return values


def job_from_scontrol(output: str) -> SlurmJob:
    """``scontrol show job -o ID`` as a job (with the expanded StdOut/StdErr paths)."""

    def parse() -> SlurmJob:
        line = output.strip("\n")
        if not line.startswith("JobId="):
            raise ValueError(f"not scontrol job output: {line[:60]!r}")
        values = parse_key_values(line)
        # A path key seen twice means some free-text value (a job name, --mail-user,
        # a comment) carries " StdOut=…": neither copy can be trusted, so none is used.
        keys = [match.group(1) for match in _KEY.finditer(line)]
        for key in ("StdOut", "StdErr", "StdIn"):
            if keys.count(key) > 1:
                values[key] = ""
        state, flags = states(values.get("JobState", ""))
        exit_code, signal = _exit(values.get("ExitCode", ""))
        user = values.get("UserId", "").split("(")[0]
        nodes = _na(values.get("NodeList", "").replace("(null)", ""))
        node_count = number(values.get("NumNodes"))
        gpus = gpu_count(_na(values.get("TresPerJob", ""))) or gpu_count(
            _na(values.get("TresPerNode", ""))
        ) * max(node_count or 1, 1)
        if not gpus:
            gpus = gpu_count(values.get("TRES", ""))
        return SlurmJob(
            job_id=values.get("JobId", ""),
            name=values.get("JobName", ""),
            user=user,
            state=state,
            flags=flags,
            reason=_none_reason(values.get("Reason", "")),
            partition=values.get("Partition", ""),
            nodes=nodes,
            node_count=node_count,
            cpus=number(values.get("NumCPUs")),
            gpus=gpus,
            time_limit_minutes=minutes(values.get("TimeLimit", "")),
            elapsed_seconds=duration(values.get("RunTime", "")),
            submitted=timestamp(values.get("SubmitTime", "")),
            started=timestamp(values.get("StartTime", "")) if state != "PENDING" else None,
            ended=timestamp(values.get("EndTime", "")) if state not in _RUNNINGISH else None,
            exit_code=exit_code if state not in _RUNNINGISH else None,
            signal=signal if state not in _RUNNINGISH else None,
            comment=values.get("Comment", ""),
            workdir=values.get("WorkDir", ""),
            stdout=values.get("StdOut", ""),
            stderr=values.get("StdErr", ""),
            command=values.get("Command", ""),
        )

    return _guard("scontrol show job", parse)


_RUNNINGISH = frozenset({"PENDING", "RUNNING", "SUSPENDED", "COMPLETING", "CONFIGURING"})


def parse_partitions(output: str) -> list[Partition]:
    """``scontrol show partition -o`` (one ``PartitionName=…`` line per partition)."""

    def parse() -> list[Partition]:
        partitions = []
        for line in output.splitlines():
            if not line.strip():
                continue
            if not line.startswith("PartitionName="):
                raise ValueError(f"not scontrol partition output: {line[:60]!r}")
            values = parse_key_values(line)
            partitions.append(
                Partition(
                    name=values.get("PartitionName", ""),
                    default=values.get("Default", "").upper() == "YES",
                    state=values.get("State", ""),
                    nodes=_na(values.get("Nodes", "").replace("(null)", "")),
                    max_time_minutes=minutes(values.get("MaxTime", "")),
                    total_nodes=number(values.get("TotalNodes")),
                    total_cpus=number(values.get("TotalCPUs")),
                    max_nodes=number(values.get("MaxNodes")),
                    max_cpus_per_node=number(values.get("MaxCPUsPerNode")),
                    max_mem_per_node_mb=number(values.get("MaxMemPerNode")),
                    max_mem_per_cpu_mb=number(values.get("MaxMemPerCPU")),
                )
            )
        return partitions

    return _guard("scontrol show partition", parse)


# --- one job, read so that no value can pose as another field ------------------------------
#
# ``scontrol show job`` prints ``Key=Value`` text in which a value (a job name, a comment,
# --mail-user) may itself hold `` StdOut=/home/u/.ssh/authorized_keys``. ``squeue -O``
# instead prints the fields we ask for, each followed by a suffix we choose: a random token
# per call, which no value can contain because no value was written knowing it. The output
# paths come back as the patterns sbatch stored; :func:`expand_output_path` expands them.

JOB_FIELDS = (
    "JobArrayID",  # the id as squeue prints it: 14, 14_1, 14_[2-3%1]
    "JobID",  # Slurm's own number for the job or task (a task has its own: %j)
    "ArrayJobID",
    "ArrayTaskID",  # N/A, 1, or 2-3%1 (a pending range)
    "State",
    "Reason",
    "UserName",
    "Partition",
    "NodeList",
    "BatchHost",
    "NumNodes",
    "NumCPUs",
    "tres-alloc",
    "tres-per-job",
    "tres-per-node",
    "TimeLimit",
    "TimeUsed",
    "SubmitTime",
    "StartTime",
    "EndTime",
    "exit_code",
    "WorkDir",
    "STDOUT",
    "STDERR",
    "Comment",
    "Command",
    "Name",
)


def job_fields_format(token: str) -> str:
    """``squeue -O``'s argument: every field unpadded (width 0), ``token`` after each."""
    if not re.fullmatch(r"[A-Za-z~@][A-Za-z0-9~@]{7,63}", token):
        raise ValueError("the separator must be letters/digits, not starting with a digit")
    return ",".join(f"{name}:0{token}" for name in JOB_FIELDS)


def _unset(value: str) -> str:
    return "" if value.strip() in {"N/A", "(null)", "None", "none", "Unknown"} else value


def parse_job_fields(output: str, token: str, *, user_names: bool = True) -> list[SlurmJob]:
    """``squeue -h -O <job_fields_format(token)>``: one job (or array task) per row.

    Every value ends with ``token``; a row ends with ``token`` and a newline. A value may
    hold anything else (spaces, ``Key=``, newlines) and still cannot move into another
    field. Raises :class:`SlurmOutputError` when the output is not that shape.
    """

    def parse() -> list[SlurmJob]:
        if not output.strip():
            return []
        parts = output.split(token)
        tail = parts.pop()  # after the last token: the last row's newline
        if tail.strip() or len(parts) % len(JOB_FIELDS):
            raise ValueError(
                f"{len(parts)} fields do not make rows of {len(JOB_FIELDS)}: {output[:80]!r}"
            )
        jobs = []
        for start in range(0, len(parts), len(JOB_FIELDS)):
            row = parts[start : start + len(JOB_FIELDS)]
            if start:
                if not row[0].startswith("\n"):
                    raise ValueError(f"a row does not start on a new line: {row[0][:40]!r}")
                row[0] = row[0][1:]
            jobs.append(_job_from_fields(dict(zip(JOB_FIELDS, row, strict=True))))
        return jobs

    return _guard("squeue -O", parse)


def _job_from_fields(fields: Mapping[str, str]) -> SlurmJob:
    printed = fields["JobArrayID"].strip()
    raw_id = fields["JobID"].strip()
    if not is_job_id(printed) or not raw_id.isdigit():
        raise ValueError(f"not a job id: {printed[:40]!r}")
    task = _unset(fields["ArrayTaskID"].strip())
    array_job = fields["ArrayJobID"].strip() if task else ""
    state, flags = states(fields["State"])
    running = state in _RUNNINGISH
    exit_code, signal = _exit(fields["exit_code"])
    node_count = number(fields["NumNodes"])
    gpus = gpu_count(_na(fields["tres-alloc"]))
    if not gpus:
        gpus = gpu_count(_na(fields["tres-per-job"])) or gpu_count(
            _na(fields["tres-per-node"])
        ) * max(node_count or 1, 1)
    name, user, workdir = fields["Name"], fields["UserName"].strip(), fields["WorkDir"]
    nodes = _unset(fields["NodeList"].strip())
    node = _unset(fields["BatchHost"].strip())
    single_task = task if task.isdigit() else ""

    def path(pattern: str) -> str:
        pattern = _unset(pattern)
        if not pattern or (task and not single_task):  # a pending range: no one file
            return ""
        return expand_output_path(
            pattern,
            job_id=raw_id,
            array_job_id=array_job,
            array_task_id=single_task,
            user=user,
            name=name,
            node=node,
            workdir=workdir,
        )

    return SlurmJob(
        job_id=printed,
        name=name,
        user=user,
        state=state,
        flags=flags,
        reason=_none_reason(fields["Reason"].strip()),
        partition=fields["Partition"].strip(),
        nodes=nodes if state != "PENDING" else "",
        node_count=node_count,
        cpus=number(fields["NumCPUs"]),
        gpus=gpus,
        time_limit_minutes=minutes(fields["TimeLimit"]),
        elapsed_seconds=duration(fields["TimeUsed"]),
        submitted=timestamp(fields["SubmitTime"]),
        started=timestamp(fields["StartTime"]) if state != "PENDING" else None,
        ended=timestamp(fields["EndTime"]) if not running else None,
        exit_code=exit_code if not running else None,
        signal=signal if not running else None,
        comment=_unset(fields["Comment"]),
        workdir=workdir,
        stdout=path(fields["STDOUT"]),
        stderr=path(fields["STDERR"]) or path(fields["STDOUT"]),
        command=_unset(fields["Command"]),
        array_job_id=array_job,
        array_task=task,
        number=raw_id,
        tres_alloc=_unset(fields["tres-alloc"].strip()),
    )


NO_TASK = "4294967294"  # what Slurm writes for %a outside an array (NO_VAL)
_PATTERN = re.compile(r"%(%|(\d*)([AabJjNnstux]))")


def expand_output_path(
    pattern: str,
    *,
    job_id: str,
    array_job_id: str = "",
    array_task_id: str = "",
    user: str = "",
    name: str = "",
    node: str = "",
    workdir: str = "",
) -> str:
    """The file Slurm writes for an ``--output``/``--error`` pattern of a batch job.

    As slurmstepd expands it: ``%%`` a percent sign; ``%A`` the array's job id (the job's
    own outside an array), ``%a`` the task id (4294967294 outside an array), ``%b`` the task
    id modulo 10, ``%j``/``%J`` the job (or task's own) id, ``%N`` the batch host, ``%n``/``%t``
    0, ``%s`` ``batch``, ``%u`` the user, ``%x`` the job name; a number after ``%`` zero-pads
    a numeric field (at most 10 wide). Any other ``%c`` stays as written. A pattern with a
    backslash is not expanded at all; each backslash keeps the next character as is. A
    relative pattern is under the work dir. ``job_id`` is Slurm's number (an array task's
    own), not the printed ``14_2``.

    ``%N`` is the batch host's Slurm node name; slurmstepd writes the node's short host
    name, the same on HyperPod and most clusters (not where NodeName differs from it).
    """
    task = array_task_id or NO_TASK
    values = {
        "A": array_job_id or job_id,
        "a": task,
        "b": str(int(task) % 10) if task.isdigit() else task,
        "J": job_id,
        "j": job_id,
        "N": node,
        "n": "0",
        "s": "batch",
        "t": "0",
        "u": user,
        "x": name,
    }
    numeric = frozenset("AabJjnt")

    def one(match: re.Match[str]) -> str:
        if match.group(1) == "%":
            return "%"
        width, letter = match.group(2), match.group(3)
        value = values[letter]
        if width and letter in numeric and value.isdigit():
            return value.zfill(min(int(width), 10))
        return value

    if "\\" in pattern:
        expanded = re.sub(r"\\(.)", r"\1", pattern, flags=re.S).rstrip("\\")
    else:
        expanded = _PATTERN.sub(one, pattern)
    if not expanded.startswith("/") and workdir:
        expanded = f"{workdir.rstrip('/')}/{expanded}"
    return expanded


# --- which GPUs a job holds -------------------------------------------------------------------

_GRES_DETAIL = re.compile(r"^\s+Nodes=(\S+) CPU_IDs=\S* Mem=\S+ GRES=(.*)$")


def _index_list(spec: str) -> tuple[int, ...]:
    """``0-1,3`` → (0, 1, 3); ValueError for anything else."""
    indexes: list[int] = []
    for part in spec.split(","):
        low, _, high = part.strip().partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(f"not a GPU index list: {spec[:40]!r}")
        first, last = int(low), int(high or low)
        if last < first or last - first > 4096:
            raise ValueError(f"not a GPU index range: {part[:40]!r}")
        indexes.extend(range(first, last + 1))
    return tuple(sorted(set(indexes)))


def parse_job_gres(output: str) -> list[tuple[str, tuple[int, ...]]]:
    """The GPUs a job holds per node group, from ``scontrol show job -d ID``'s detail lines
    (``     Nodes=n[1-2] CPU_IDs=0-7 Mem=0 GRES=gpu:a100:2(IDX:0-1)``): a list of (node
    list expression, GPU indexes). A job name or comment may hold a line that looks like
    one: the caller checks that no node is named twice (see
    :meth:`~console.slurm.client.SlurmClient.job_gpu_indexes`)."""

    def parse() -> list[tuple[str, tuple[int, ...]]]:
        found = []
        for line in output.splitlines():
            match = _GRES_DETAIL.match(line)
            if not match:
                continue
            indexes: list[int] = []
            for item in _split_gres(match.group(2).strip()):
                name = re.sub(r"^gres[:/]", "", item.strip())
                if not re.match(r"gpu(?:$|[:(])", name):
                    continue
                idx = re.search(r"\(IDX:([^)]*)\)", name)
                if idx and idx.group(1).strip() not in {"", "N/A"}:
                    indexes.extend(_index_list(idx.group(1)))
            found.append((match.group(1), tuple(sorted(set(indexes)))))
        return found

    return _guard("scontrol show job -d", parse)
