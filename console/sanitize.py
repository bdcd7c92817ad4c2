"""Making remote text inert before it reaches a terminal: the one sanitiser.

Job failure reasons, approval notes, MLflow names/params/tags, Slurm job names, log lines
and the messages remote services answer with are written by other people. Printed raw,
an escape sequence in them could retitle the terminal, hide text, or write the operator's
clipboard (OSC 52); bidi controls (U+202E …) could make text read backwards. Remote text
passes through here where it becomes a record (``console.records.Record.__post_init__``)
or an error (``console.errors.SmError``), so widgets and CLI output only ever get inert
text. Nothing is executed; what was there stays visible:

- SGR colour/style sequences (``ESC [ … m``, also 8-bit ``CSI``) are dropped: pure styling,
  common in training logs, and a way to hide text (conceal, black on black).
- Every other ESC/CSI/OSC/DCS/SOS/PM/APC sequence is shown whole, each of its control
  bytes made visible: ``ESC ] 52 ; c ; … BEL`` reads ``␛]52;c;…␇``.
- C0 controls become control pictures (``␀``…``␟``, DEL ``␡``), C1 controls and invisible
  format characters (Unicode Cf: bidi U+202A-202E/U+2066-2069, U+200B-200F, U+061C,
  U+FEFF, U+2060 …; also U+2028/2029 and lone surrogates) become ``⟨U+202E⟩``.
- Single-line text (:func:`clean`): newline shows as ``⏎``, tab as one space, CR as ``␍``.
  Block text (:func:`clean_block`, log lines): newlines stay, CRLF becomes LF, tabs
  become spaces (tab stops every 4 columns).
"""

from __future__ import annotations

import re

# Code points of Unicode category Cf (format characters), written out so importing this
# module costs nothing; tests/core/test_hostile_text.py checks the list against unicodedata.
CF_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
# Not Cf but as dangerous on a terminal: line/paragraph separators and lone surrogates.
_EXTRA_RANGES: tuple[tuple[int, int], ...] = ((0x2028, 0x2029), (0xD800, 0xDFFF))


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_INVISIBLE = _class(CF_RANGES + _EXTRA_RANGES)
# Order matters: SGR first (dropped), then whole sequences, then lone characters.
_TOKENS = re.compile(
    r"(?P<sgr>(?:\x1b\[|\x9b)[0-9;:]*m)"
    r"|(?P<seq>"
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI (final byte may be cut off)
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC…
    r"|\x1b[ -/]*[0-~]?"  # any other ESC sequence, or a lone ESC
    r")"
    rf"|(?P<char>[\x00-\x1f\x7f-\x9f{_INVISIBLE}])"
)

_TAB_SIZE = 4


def _picture(ch: str, *, block: bool) -> str:
    """The visible form of one character that must not reach a terminal as itself."""
    if ch.isprintable():
        return ch  # the printable body of an escape sequence
    code = ord(ch)
    if ch == "\n":
        return "\n" if block else "⏎"
    if ch == "\t":
        return "\t" if block else " "  # block text: expanded to tab stops afterwards
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC is ␛)
    if code == 0x7F:
        return "␡"
    return f"⟨U+{code:04X}⟩"


def _render(text: str, *, block: bool) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("sgr") is not None:
            return ""
        return "".join(_picture(ch, block=block) for ch in match.group(0))

    if block:
        text = text.replace("\r\n", "\n")
    out = _TOKENS.sub(replace, text)
    if block and "\t" in out:
        out = out.expandtabs(_TAB_SIZE)
    return out


def clean(text: str) -> str:
    """One line of inert text (see the module docstring for what shows how)."""
    # Fast path: ordinary text is printable (str.isprintable is False for every C0, C1,
    # Cf, Zl/Zp and surrogate character, and for tab/newline).
    if text.isprintable():
        return text
    return _render(text, block=False)


def clean_block(text: str) -> str:
    """Multi-line inert text (log lines, command output): newlines kept, tabs as spaces."""
    if text.isprintable():
        return text
    return _render(text, block=True)


def is_clean(text: str, *, block: bool = False) -> bool:
    """True when ``text`` is already inert (what :func:`clean` would leave unchanged)."""
    return (clean_block(text) if block else clean(text)) == text


def strip_escapes(text: str) -> str:
    """Multi-line inert text; the name predates visible rendering (same as clean_block)."""
    return clean_block(text)


def inert(text: str, limit: int | None = None) -> str:
    """One line of inert text (:func:`clean`), optionally cut to ``limit`` characters."""
    result = clean(text)
    if limit is not None and len(result) > limit:
        result = result[: limit - 1] + "…"
    return result


def deep_clean(value: object, *, block: bool = False) -> object:
    """``value`` with every string in it (dict keys too, through lists/tuples/sets) inert.

    Records are left alone: each one cleaned its own fields when it was built.
    """
    if isinstance(value, str):
        return clean_block(value) if block else clean(value)
    if isinstance(value, tuple):
        return tuple(deep_clean(v, block=block) for v in value)
    if isinstance(value, list):
        return [deep_clean(v, block=block) for v in value]
    if isinstance(value, dict):
        return {deep_clean(k): deep_clean(v, block=block) for k, v in value.items()}
    if isinstance(value, frozenset):
        return frozenset(deep_clean(v, block=block) for v in value)
    return value


# Spreadsheet formula injection: a cell starting with one of these is a formula to
# Excel/LibreOffice/Sheets (tab and CR too: some strip them first).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(text: str) -> str:
    """A CSV cell that is inert on a terminal and not a formula in a spreadsheet.

    A cell that would start a formula gets a leading ``'``; a plain number such as
    ``-0.5`` or ``+3e-4`` stays a number.
    """
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        text = "'" + text
    return clean(text)
