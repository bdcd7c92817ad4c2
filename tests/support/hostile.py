"""A corpus of hostile remote text, and the checks that rendered output is inert.

Every string here is something another person can put in a field we show: a job's
FailureReason, an approval note, an MLflow run name, a Slurm job name, a log line, an
error message. Push them through a record, a screen or a CLI command, then check the
output with :func:`assert_inert_output`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

OSC52 = "\x1b]52;c;ZXZpbCBjbGlwYm9hcmQ=\x07"  # writes the clipboard
OSC_TITLE = "\x1b]0;pwned title\x1b\\"  # sets the window title (ST-terminated)
CSI_CLEAR = "\x1b[2J\x1b[H"  # clears the screen, homes the cursor
SGR_HIDE = "\x1b[8mhidden\x1b[0m"  # concealed text
DCS = "\x1bP1$qm\x1b\\"  # device control string (a terminal query)
C1_CSI = "\x9b31m\x9d0;c1 title\x9c"  # 8-bit CSI and OSC
BIDI = "\u202eevil\u202c \u2066iso\u2069 \u200e\u200f\u061c"
INVISIBLE = "a\u200bb\ufeffc\u2060d\u00ad"
C0 = "nul\x00bel\x07bs\x08cr\rdel\x7f"
MARKUP = "[bold]bold[/bold] [/x] [link=http://e]x[/link] [@click=app.quit]q[/]"

CORPUS: tuple[str, ...] = (
    OSC52,
    OSC_TITLE,
    CSI_CLEAR,
    SGR_HIDE,
    DCS,
    C1_CSI,
    BIDI,
    INVISIBLE,
    C0,
    MARKUP,
    "line one\nline two\ttabbed",
    "x" * 5000 + OSC52,  # a huge line with the payload at its end
)
# Everything at once: what a field is set to when a test has room for one string.
HOSTILE = "job " + "".join(CORPUS[:-1]) + " end"
# A shorter one for fields with length limits (AWS names are checked, descriptions not).
HOSTILE_SHORT = "ok" + OSC52 + "\u202e" + "\x9b2J" + "\u200b"

BIDI_CONTROLS = frozenset(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
)
FORMAT_CONTROLS = frozenset({"\u200b", "\ufeff", "\u2060", "\u00ad"}) | BIDI_CONTROLS
C1_CONTROLS = frozenset(chr(c) for c in range(0x80, 0xA0))
# Control characters that may never appear (newline and tab may, in multi-line output).
C0_CONTROLS = frozenset(chr(c) for c in range(0x20) if chr(c) not in "\n\t") | {"\x7f"}
FORBIDDEN = C0_CONTROLS | C1_CONTROLS | FORMAT_CONTROLS


def offending(text: str) -> list[str]:
    """The forbidden characters in ``text``, as ``U+XXXX`` names (empty when inert)."""
    return sorted({f"U+{ord(ch):04X}" for ch in text if ch in FORBIDDEN})


def assert_inert_output(text: str, *, where: str = "output") -> None:
    """No ESC, no other C0/C1 control, no bidi or invisible format character in ``text``."""
    assert "\x1b" not in text, f"{where}: ESC byte reached the output"
    bad = offending(text)
    assert not bad, f"{where}: {', '.join(bad)} reached the output"


def assert_inert_value(value: Any, *, where: str = "value") -> None:
    """Every string inside ``value`` (records, dicts, lists; keys too) is inert."""
    if isinstance(value, str):
        assert_inert_output(value, where=where)
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_inert_value(key, where=f"{where} key")
            assert_inert_value(item, where=f"{where}[{key!r}]")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            assert_inert_value(item, where=where)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            assert_inert_value(getattr(value, field.name), where=f"{where}.{field.name}")
