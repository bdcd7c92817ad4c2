"""What ``squeue -h -O Field:0TOKEN,…`` prints, for scripted transports and parser tests.

Rows are dicts of field name to value; a field a row leaves out prints as ``N/A``, as
squeue does for unset fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from console.remote.base import Result

DEFAULTS = {
    "JobID": "7",
    "JobArrayID": "7",
    "ArrayJobID": "7",
    "ArrayTaskID": "N/A",
    "State": "RUNNING",
    "Reason": "None",
    "UserName": "ana",
    "Partition": "dev",
    "NodeList": "n1",
    "BatchHost": "n1",
    "NumNodes": "1",
    "NumCPUs": "4",
    "TimeLimit": "1:00:00",
    "TimeUsed": "0:05",
    "exit_code": "0",
    "WorkDir": "/home/ana",
    "STDOUT": "/home/ana/slurm-%j.out",
    "STDERR": "/home/ana/slurm-%j.out",
    "Name": "train",
}


def render(spec: str, rows: Sequence[Mapping[str, str]]) -> str:
    """The output for the ``-O`` argument ``spec`` and these rows (DEFAULTS fill gaps)."""
    fields = [item.split(":", 1) for item in spec.split(",")]
    out = []
    for row in rows:
        values = {**DEFAULTS, **row}
        out.append("".join(values.get(name, "N/A") + rest[1:] for name, rest in fields))
    return "".join(f"{line}\n" for line in out)


def answer(rows: Sequence[Mapping[str, str]]) -> Callable[[list[str]], Result]:
    """A scripted-transport answer: renders ``rows`` for whatever ``-O`` the argv asks."""

    def reply(argv: list[str]) -> Result:
        return Result(0, render(argv[argv.index("-O") + 1], rows), "")

    return reply
