"""known_hosts read and matched the way OpenSSH does (hostfile.c, match.c), by us.

paramiko's own ``HostKeys`` loader fails on a ``@cert-authority``/``@revoked`` line (the
whole file is refused) and only matches literal names, so a pattern line such as
``[127.0.0.*]:2222 ssh-ed25519 …`` is ignored and a changed key looks *unknown* (which
accept-new would then record). This module gives the verdict OpenSSH's
``ssh -o StrictHostKeyChecking=yes`` gives, for one looked-up name and one server key:

* a line applies when its host field matches the name: a comma list of patterns with
  ``*`` and ``?`` (case-insensitive), where any matching ``!pattern`` excludes the line,
  or a hashed ``|1|salt|hmac`` name (HMAC-SHA1 of the name keyed with the salt);
* ``@revoked`` lines that apply and carry the server's key: REVOKED (wins over all);
* plain lines that apply: the same key is KNOWN; otherwise, if any applies (any key type,
  as OpenSSH's ``check_hostkeys_by_key_or_type``), CHANGED; if none, UNKNOWN;
* ``@cert-authority`` lines are skipped with a warning: paramiko does not verify host
  certificates, so a CA line can never vouch for a key here (never a crash);
* malformed lines (bad marker, missing key, bad base64, key type not matching its blob,
  bad hash) are skipped with a warning, as OpenSSH skips them.

The looked-up name is ``host`` on port 22, else ``[host]:port`` (OpenSSH's
``put_host_port``), always lower-cased.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# How many bytes of a known_hosts file are read at most: a known_hosts of 16 MiB is
# already absurd; a bigger one (a mistake, or a hostile /etc file) must not eat memory.
MAX_FILE_BYTES = 16 * 1024 * 1024

MARKER_REVOKED = "@revoked"
MARKER_CA = "@cert-authority"

# Host-key algorithm names paramiko negotiates, per key type found in known_hosts:
# ``ssh-rsa`` keys are negotiated under the SHA-2 signature names first.
ALGORITHMS_FOR_TYPE = {
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
}


class Verdict(enum.Enum):
    KNOWN = "known"
    UNKNOWN = "unknown"
    CHANGED = "changed"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Entry:
    """One usable known_hosts line."""

    marker: str  # "" (a plain host key), MARKER_REVOKED or MARKER_CA
    hosts: str  # the host field as written (patterns, or a |1|salt|hash name)
    key_type: str
    blob: bytes  # the decoded public key
    source: str  # "file:line", for messages

    def applies_to(self, name: str) -> bool:
        return host_field_matches(self.hosts, name)


@dataclass(frozen=True)
class Skipped:
    """A line that was left out, and why (shown as a warning, never an error)."""

    source: str
    reason: str


@dataclass(frozen=True)
class KnownHosts:
    entries: tuple[Entry, ...]
    skipped: tuple[Skipped, ...]

    def verdict(self, name: str, blob: bytes) -> Verdict:
        """OpenSSH's verdict on the server key ``blob`` for the looked-up ``name``."""
        applying = [entry for entry in self.entries if entry.applies_to(name)]
        if any(e.marker == MARKER_REVOKED and e.blob == blob for e in applying):
            return Verdict.REVOKED
        plain = [entry for entry in applying if entry.marker == ""]
        if any(entry.blob == blob for entry in plain):
            return Verdict.KNOWN
        return Verdict.CHANGED if plain else Verdict.UNKNOWN

    def known_types(self, name: str) -> list[str]:
        """Key types known (plain lines) for ``name``, first line first: negotiated first,
        as OpenSSH prefers the algorithms it has keys for."""
        types: list[str] = []
        for entry in self.entries:
            if entry.marker == "" and entry.key_type not in types and entry.applies_to(name):
                types.append(entry.key_type)
        return types

    def keys_for(self, name: str) -> list[Entry]:
        return [e for e in self.entries if e.marker == "" and e.applies_to(name)]


def lookup_name(host: str, port: int) -> str:
    """The name OpenSSH looks up: ``host`` on port 22, else ``[host]:port``; lower case."""
    host = host.lower()
    return host if port == 22 else f"[{host}]:{port}"


def wildcard_match(text: str, pattern: str) -> bool:
    """OpenSSH's ``match_pattern``: ``*`` any run, ``?`` one character, else literal."""
    # Iterative matcher with one backtrack point (no recursion, no regex: patterns come
    # from a file and must not be able to blow up).
    t = p = 0
    star = -1
    mark = 0
    while t < len(text):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[t]):
            t += 1
            p += 1
        elif p < len(pattern) and pattern[p] == "*":
            star = p
            mark = t
            p += 1
        elif star != -1:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def pattern_list_matches(name: str, patterns: str) -> bool:
    """OpenSSH's ``match_hostname``: true when some pattern matches and no ``!pattern``
    does (case-insensitive)."""
    name = name.lower()
    matched = False
    for raw in patterns.lower().split(","):
        negated = raw.startswith("!")
        pattern = raw[1:] if negated else raw
        if wildcard_match(name, pattern):
            if negated:
                return False
            matched = True
    return matched


def hashed_name_matches(field: str, name: str) -> bool | None:
    """For a ``|1|salt|hash`` field: whether it hashes ``name``; None when malformed."""
    parts = field.split("|")
    if len(parts) != 4 or parts[0] != "" or parts[1] != "1":
        return None
    try:
        salt = base64.b64decode(parts[2], validate=True)
        digest = base64.b64decode(parts[3], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(salt) != 20 or len(digest) != 20:
        return None
    mine = hmac.new(salt, name.lower().encode(), hashlib.sha1).digest()
    return hmac.compare_digest(mine, digest)


def host_field_matches(field: str, name: str) -> bool:
    if field.startswith("|"):
        return bool(hashed_name_matches(field, name))
    return pattern_list_matches(name, field)


def _blob_type(blob: bytes) -> str | None:
    """The key type written at the start of an SSH public key blob."""
    if len(blob) < 4:
        return None
    (length,) = struct.unpack(">I", blob[:4])
    if length == 0 or length > 64 or len(blob) < 4 + length + 1:
        return None
    try:
        return blob[4 : 4 + length].decode("ascii")
    except UnicodeDecodeError:
        return None


def parse_line(line: str, source: str) -> Entry | Skipped | None:
    """One line: an :class:`Entry`, a :class:`Skipped` (malformed or unsupported), or
    None for a blank line or a comment."""
    fields = line.split()
    if not fields or fields[0].startswith("#"):
        return None
    marker = ""
    if fields[0].startswith("@"):
        marker = fields[0]
        fields = fields[1:]
        if marker not in (MARKER_REVOKED, MARKER_CA):
            return Skipped(source, f"unknown marker {marker[:40]!r}")
    if len(fields) < 3:
        return Skipped(source, "no key on the line")
    hosts, key_type, data = fields[0], fields[1], fields[2]
    if hosts.startswith("|") and hashed_name_matches(hosts, "") is None:
        return Skipped(source, "malformed hashed host name")
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return Skipped(source, "the key is not valid base64")
    if _blob_type(blob) != key_type:
        return Skipped(source, f"the key is not a {key_type[:40]} key")
    if marker == MARKER_CA:
        # paramiko (5.x) does not check host certificates against a CA, so a CA line
        # cannot vouch for anything here; the host needs a plain line to connect.
        return Skipped(source, "@cert-authority lines are not supported (line ignored)")
    return Entry(marker, hosts, key_type, blob, source)


def parse(lines: Iterable[str], origin: str) -> KnownHosts:
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    for number, line in enumerate(lines, start=1):
        parsed = parse_line(line, f"{origin}:{number}")
        if isinstance(parsed, Entry):
            entries.append(parsed)
        elif isinstance(parsed, Skipped):
            skipped.append(parsed)
    return KnownHosts(tuple(entries), tuple(skipped))


def load(paths: Sequence[str]) -> KnownHosts:
    """Every readable file of ``paths``, in order (missing files are simply empty).

    Raises OSError for a file that exists but cannot be read."""
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    for path in paths:
        file = Path(path).expanduser()
        if not file.exists():
            continue
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES)
        text = data.decode("utf-8", errors="replace")
        parsed = parse(text.splitlines(), str(file))
        entries.extend(parsed.entries)
        skipped.extend(parsed.skipped)
    return KnownHosts(tuple(entries), tuple(skipped))


def preferred_algorithms(known_types: Sequence[str], offered: Sequence[str]) -> list[str]:
    """``offered`` (paramiko's host-key algorithms) with those of known key types first."""
    first: list[str] = []
    for key_type in known_types:
        for name in ALGORITHMS_FOR_TYPE.get(key_type, (key_type,)):
            if name in offered and name not in first:
                first.append(name)
    return first + [name for name in offered if name not in first]
