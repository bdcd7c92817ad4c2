"""Making remote text inert before it reaches a terminal.

Log lines, job names and remote command output can carry ANSI/OSC escape sequences or
other control characters. Printed raw, they could retitle the terminal, hide text or
write to the clipboard (OSC 52). Everything shown to a person passes through here.
"""

from __future__ import annotations

import re

# CSI, OSC (terminated by BEL or ST), other ESC sequences, then C0/C1 controls but tab.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def strip_escapes(text: str) -> str:
    """Remove escape sequences and control characters (keeps tabs and newlines)."""
    return _ESCAPES.sub("", text).replace("\r", "")


def inert(text: str, limit: int | None = None) -> str:
    """One line of safe text: escapes removed, newlines shown as ``⏎``, optionally cut."""
    clean = strip_escapes(text).replace("\n", "⏎")
    if limit is not None and len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return clean
