"""Findings: what loading and validation report, with where it comes from in the YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from pydantic import BaseModel, field_validator

Severity = Literal["error", "warning"]
YamlPath = tuple[str | int, ...]


class Mark(NamedTuple):
    """Where a value was written (a tuple: one is made per YAML node, so it must be cheap)."""

    file: str
    line: int  # 1-based
    col: int  # 1-based


@dataclass
class SourceMap:
    """YAML path -> where it was written. Paths use keys and list indexes."""

    marks: dict[YamlPath, Mark] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    #: the text written for scalars YAML did not read as a string (``2:1`` read as 121, ``no`` as false)
    texts: dict[YamlPath, str] = field(default_factory=dict)

    def locate(self, path: YamlPath) -> Mark | None:
        """The mark of ``path`` or of its nearest written ancestor."""
        p = tuple(path)
        while True:
            m = self.marks.get(p)
            if m is not None:
                return m
            if not p:
                return None
            p = p[:-1]


def format_path(path: YamlPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<root>"


def printable(text: str) -> str:
    """``text`` with every character that does not print written as its escape (``\\r``, ``\\x00``,
    ``\\u2028``): a finding is one line, printed as it reads, whatever a spec value held."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Finding(BaseModel):
    code: str
    severity: Severity
    message: str
    path: list[str | int] = []
    hint: str = ""
    file: str | None = None
    line: int | None = None
    col: int | None = None
    #: YAML path of a related place (the first of two duplicates); located, it is named in the message
    related: list[str | int] | None = None

    @field_validator("message", "hint")
    @classmethod
    def _printable(cls, text: str) -> str:
        return printable(text)

    @property
    def yaml_path(self) -> str:
        return format_path(tuple(self.path))

    def where(self) -> str:
        if self.file is None:
            return "<spec>"
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.col or 1}"

    def text(self) -> str:
        s = f"{self.where()}  {self.yaml_path}  {self.severity} {self.code}: {self.message}"
        if self.hint:
            s += f" ({self.hint})"
        return s


def locate_all(findings: list[Finding], smap: SourceMap) -> list[Finding]:
    """Fill file/line/col of each finding from the source map; sort by place."""
    out = []
    for f in findings:
        if f.file is None:
            m = smap.locate(tuple(f.path))
            if m is not None:
                f = f.model_copy(update={"file": m.file, "line": m.line, "col": m.col})
        if f.related is not None:
            r = smap.marks.get(tuple(f.related))
            if r is not None:
                f = f.model_copy(update={"message": f"{f.message} ({r.file}:{r.line})", "related": None})
        out.append(f)
    return sorted(out, key=lambda f: (f.file or "", f.line or 0, f.col or 0, f.code, f.message))
