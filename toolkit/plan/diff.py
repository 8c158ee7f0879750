"""Unified diffs with +/- counts; secrets never leave through a diff."""

from __future__ import annotations

import difflib
import re

_SECRET = re.compile(
    r"(?P<key>\b(?:password|passwd|secret|community|psk|pre-shared-key|token|api[_-]?key|private[_-]?key|"
    r"authentication-key|auth-key|key-string|md5)\b)(?P<sep>[\s:=\"']+)(?P<value>\S.*)$",
    re.IGNORECASE,
)
_PATHLIKE = re.compile(r"^[\"']?(/|~/)[^\s]*[\"']?$")
REDACTED = "<redacted>"


def redact_line(line: str) -> str:
    m = _SECRET.search(line)
    if not m:
        return line
    value = m.group("value").strip()
    if m.group("key").lower().startswith("private") and _PATHLIKE.match(value):  # a key *file* name
        return line
    return line[: m.start("value")] + REDACTED


def redact(text: str) -> str:
    return "\n".join(redact_line(ln) for ln in text.split("\n"))


def unified(old: str | None, new: str | None, old_name: str, new_name: str, context: int = 3) -> tuple[str, int, int]:
    """(redacted unified diff, lines added, lines removed); empty diff when equal."""
    a = (old or "").splitlines(keepends=True)
    b = (new or "").splitlines(keepends=True)
    if a == b:
        return "", 0, 0
    out: list[str] = []
    added = removed = 0
    for line in difflib.unified_diff(a, b, old_name, new_name, n=context):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
        out.append(_redact_keep(line))
    return "".join(out), added, removed


def _redact_keep(line: str) -> str:
    body = line[:-1] if line.endswith("\n") else line
    return redact(body) + ("\n" if line.endswith("\n") else "")
