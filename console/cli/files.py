"""Reading a file the operator named on the command line, never more than a cap.

``@payload.json``, a cluster spec, an sbatch script: the size is checked by reading,
not by ``stat``: ``/dev/zero``, ``/dev/urandom``, a FIFO or ``/proc`` files report a
size of 0 and would otherwise be read without end. At most ``cap + 1`` bytes are read;
more than ``cap`` is refused before anything is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from console.errors import ValidationError


def _size(cap: int) -> str:
    return f"{cap // 2**20} MiB" if cap >= 2**20 else f"{cap} bytes"


def read_capped(handle: BinaryIO, cap: int, what: str) -> bytes:
    """Read ``handle`` to its end, refusing it (exit 2) once it passes ``cap`` bytes."""
    chunks: list[bytes] = []
    left = cap + 1
    while left > 0:
        chunk = handle.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    data = b"".join(chunks)
    if len(data) > cap:
        raise ValidationError(
            f"{what} is larger than {_size(cap)}", "pass a smaller file; nothing was sent"
        )
    return data


def read_text_file(path: Path, cap: int, what: str) -> str:
    """``path`` as UTF-8 text, at most ``cap`` bytes, with one-line errors (exit 2)."""
    try:
        if path.is_dir():
            raise ValidationError(
                f"{what} {path} is a directory, not a file", "name a file inside it"
            )
        with path.open("rb") as handle:
            data = read_capped(handle, cap, f"{what} {path}")
        return data.decode("utf-8")
    except FileNotFoundError:
        raise ValidationError(
            f"{what} {path} does not exist",
            "check the path (relative paths start from the current directory)",
        ) from None
    except UnicodeDecodeError:
        raise ValidationError(
            f"{what} {path} is not UTF-8 text", "save it as UTF-8 (JSON and scripts are text)"
        ) from None
    except OSError as exc:
        raise ValidationError(
            f"cannot read {what} {path}: {exc.strerror or exc}",
            "check the file's permissions",
        ) from None
