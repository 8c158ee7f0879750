"""Load a cluster spec from a YAML file or a folder of YAML files.

Every value remembers where it was written: the loader composes YAML nodes itself and records
``YAML path -> file:line:col`` in a :class:`SourceMap`. Files of a folder are merged in name
order: mappings merge key by key, lists concatenate, a scalar written twice is an error.

A file that holds no document (empty, only comments, ``---`` or ``null``) contributes nothing.
YAML merge keys (``<<: *anchor``) are supported: explicit keys override merged ones. Before a file
is composed its event stream is measured: more than :data:`MAX_VALUES` values (aliases counted at
every use, so an alias bomb is refused in milliseconds), nesting deeper than :data:`MAX_DEPTH` or
an anchor that contains itself is a finding, never a hang.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from toolkit.findings import Finding, Mark, SourceMap, YamlPath, locate_all
from toolkit.spec.expand import expand_layout
from toolkit.spec.models import ClusterSpec

# the C loader is several times faster; fall back to pure Python
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: values (scalars, lists, mappings; an alias counts as everything it expands to) one file may hold.
#: cluster-16k holds 7,800 and a 100k-GPU cluster written rack by rack about 30,000; the limit keeps
#: composing and checking any file well under a second (see bench/input_budget.py).
MAX_VALUES = 60_000
#: nesting depth of lists and mappings (the schema itself nests about ten deep).
MAX_DEPTH = 64
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class LoadResult:
    spec: ClusterSpec | None
    sources: SourceMap
    findings: list[Finding] = field(default_factory=list)
    root: Path | None = None

    @property
    def ok(self) -> bool:
        return self.spec is not None and not any(f.severity == "error" for f in self.findings)


class SpecError(Exception):
    """Raised by :func:`load_or_raise` when the spec cannot be loaded."""

    def __init__(self, findings: list[Finding]):
        super().__init__("\n".join(f.text() for f in findings))
        self.findings = findings


def spec_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
        return files
    return []


def _display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def _clip(text: object, most: int = 40) -> str:
    s = str(text)
    return s if len(s) <= most else f"{s[:most]}... ({len(s)} characters)"


class _Walker:
    def __init__(self, file: str, smap: SourceMap, findings: list[Finding]):
        self.file = file
        self.smap = smap
        self.findings = findings
        self.loader = _Loader("")

    def mark(self, node: yaml.Node) -> Mark:
        return Mark(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def walk(self, node: yaml.Node, path: YamlPath) -> Any:
        self.smap.marks[path] = self.mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        if node.tag == _STR_TAG:
            return node.value  # most scalars: no constructor needed
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:  # 2024-13-45, an int of 5,000 digits
            mark = self.mark(node)
            what = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.findings.append(
                Finding(
                    code="LOAD002",
                    severity="error",
                    message=f"YAML cannot read the value {_clip(node.value)!r}: {what}",
                    hint="quote it if it is text, or write a value of the right kind",
                    path=list(path),
                    file=mark.file,
                    line=mark.line,
                    col=mark.col,
                )
            )
            return None
        if not isinstance(value, str) and node.value and isinstance(node, yaml.ScalarNode):
            self.smap.texts[path] = node.value  # what was written, for "quote it" messages
        return value

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[Any, Any]:
        merges = [v for k, v in node.value if k.tag == _MERGE_TAG]
        out: dict[Any, Any] = {}
        # merged mappings first, the last one first, so earlier merges and then explicit keys win
        # (their values and their marks)
        for merged in reversed(merges):
            sources = merged.value if isinstance(merged, yaml.SequenceNode) else [merged]
            for src in reversed(sources):
                if isinstance(src, yaml.MappingNode):
                    out.update(self._mapping(src, path))
                else:
                    self._finding(src, path, "LOAD002", "a merge key (<<) takes a mapping or a list of mappings",
                                  "write <<: *anchor where the anchor names a mapping")
        lines: dict[Any, int] = {}
        for knode, vnode in node.value:
            if knode.tag == _MERGE_TAG:
                continue
            if not isinstance(knode, yaml.ScalarNode):
                self._finding(knode, path, "LOAD003", "a mapping key must be a plain name, not a list or mapping",
                              "write key: value")
                continue
            key = self.loader.construct_object(knode, deep=True)
            if isinstance(key, bool) or key is None:
                key = knode.value  # `on:`, `no:` and `~:` are names here, not booleans
            elif not isinstance(key, (str, int)):
                key = str(key)
            kpath = (*path, key)
            if key in lines:
                self._finding(knode, kpath, "LOAD003",
                              f"key {key!r} appears twice in this mapping (first at line {lines[key]})",
                              "remove or rename one of them")
            lines[key] = knode.start_mark.line + 1
            out[key] = self.walk(vnode, kpath)
            # the key's own mark is the most useful place for errors about it
            self.smap.marks[kpath] = self.mark(knode)
        self.smap.marks[path] = self.mark(node)
        return out

    def _finding(self, node: yaml.Node, path: YamlPath, code: str, message: str, hint: str) -> None:
        mark = self.mark(node)
        self.findings.append(
            Finding(code=code, severity="error", message=message, hint=hint, path=list(path),
                    file=mark.file, line=mark.line, col=mark.col)
        )


def _measure(text: str) -> tuple[str, str, int] | None:
    """Why ``text`` is too large or too deep to compose, what to do, and the 1-based line; or None.

    Walks the parser's events only: every value counts once, an alias counts as the size of what
    its anchor holds, so nested aliases are measured without ever expanding them.
    """
    sizes: dict[str, int] = {}  # anchor -> values it holds
    open_anchors: set[str] = set()
    stack: list[list[Any]] = []  # per open collection: [values so far, anchor]
    total = 0
    for ev in yaml.parse(text, Loader=_Loader):
        size = 0
        if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                return f"lists and mappings nest deeper than {MAX_DEPTH} levels", "flatten the structure", _line(ev)
            stack.append([1, ev.anchor])
            if ev.anchor:
                open_anchors.add(ev.anchor)
            size = 1
        elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            done, anchor = stack.pop()
            if anchor:
                sizes[anchor] = done
                open_anchors.discard(anchor)
            if stack:
                stack[-1][0] += done
            continue
        elif isinstance(ev, yaml.ScalarEvent):
            size = 1
            if ev.anchor:
                sizes[ev.anchor] = 1
        elif isinstance(ev, yaml.AliasEvent):
            if ev.anchor in open_anchors:
                return f"anchor &{ev.anchor} refers to itself", "an alias may only name a finished value", _line(ev)
            size = sizes.get(ev.anchor or "", 1)  # an unknown alias is the composer's error
        else:
            continue
        total += size
        if stack and not isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            stack[-1][0] += size
        if total > MAX_VALUES:
            return (
                f"the file holds more than {MAX_VALUES} values (an alias counts as everything it names); "
                "a spec needs a few thousand, so this is an alias bomb or a generated file gone wrong",
                "write servers and racks by count, and aliases that do not multiply",
                _line(ev),
            )
    return None


def _line(ev: yaml.Event) -> int:
    return ev.start_mark.line + 1 if ev.start_mark is not None else 1


def _read_file(path: Path, smap: SourceMap, findings: list[Finding]) -> Any:
    name = _display(path)
    smap.files.append(name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        findings.append(
            Finding(code="LOAD001", severity="error", message=f"cannot read file: {exc}", file=name, line=1, col=1)
        )
        return None
    try:
        too_big = _measure(text)
        if too_big is not None:
            why, hint, line = too_big
            findings.append(
                Finding(code="LOAD006", severity="error", message=f"refused: {why}",
                        hint=hint,
                        file=name, line=line, col=1)
            )
            return None
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        findings.append(
            Finding(
                code="LOAD002",
                severity="error",
                message=f"YAML syntax error: {exc.problem or exc.context}",
                hint="fix the indentation or quoting near this line",
                file=name,
                line=line,
                col=col,
            )
        )
        return None
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
        return {}, SourceMap()  # no document (empty, comments only, ---, null): nothing to merge
    local = SourceMap()
    try:
        data = _Walker(name, local, findings).walk(node, ())
    except yaml.YAMLError as exc:
        findings.append(
            Finding(code="LOAD002", severity="error", message=f"YAML error: {exc}", file=name, line=1, col=1)
        )
        return None
    if not isinstance(data, dict):
        findings.append(
            Finding(
                code="LOAD004",
                severity="error",
                message="a spec file must hold a mapping at the top level",
                file=name,
                line=1,
                col=1,
            )
        )
        return None
    return data, local


def _merge(dst: dict[Any, Any], src: dict[Any, Any], path: YamlPath, smap: SourceMap, local: SourceMap,
           findings: list[Finding], shifts: dict[YamlPath, int]) -> None:
    """Merge one file's data into ``dst``; ``shifts`` collects how far each concatenated list moved."""
    for key, value in src.items():
        kpath = (*path, key)
        if key not in dst:
            dst[key] = value
        elif isinstance(dst[key], dict) and isinstance(value, dict):
            _merge(dst[key], value, kpath, smap, local, findings, shifts)
        elif isinstance(dst[key], list) and isinstance(value, list):
            shifts[kpath] = len(dst[key])
            dst[key].extend(value)
        else:
            first = smap.marks.get(kpath)
            m = local.marks.get(kpath)
            findings.append(
                Finding(
                    code="LOAD005",
                    severity="error",
                    message=f"defined in more than one file (first at {first.file}:{first.line})"
                    if first
                    else "defined in more than one file",
                    hint="keep one definition; lists and mappings merge, scalars do not",
                    path=list(kpath),
                    file=m.file if m else None,
                    line=m.line if m else None,
                    col=m.col if m else None,
                )
            )


def _copy_marks(local: SourceMap, smap: SourceMap, shifts: dict[YamlPath, int]) -> None:
    """Add one file's marks to the spec's, list items moved by ``shifts``; the first file's mark of
    a merged mapping (or of a conflicting scalar) stays."""
    depths = sorted({len(p) for p in shifts})

    def moved(p: YamlPath) -> YamlPath:
        for n in depths:
            if len(p) > n and p[:n] in shifts:
                index = p[n]
                if isinstance(index, int):
                    return (*p[:n], index + shifts[p[:n]], *p[n + 1 :])
        return p

    for p, m in local.marks.items():
        smap.marks.setdefault(moved(p), m)
    for p, t in local.texts.items():
        smap.texts.setdefault(moved(p), t)


# --------------------------------------------------------------------------- pydantic errors


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for a in typing.get_args(tp):
            out += _unwrap(a)
        return out
    return [tp]


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that holds the key at ``loc`` (for did-you-mean)."""
    current: list[Any] = [ClusterSpec]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            for t in _unwrap(tp):
                origin = typing.get_origin(t)
                if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(part, str):
                    f = t.model_fields.get(part)
                    if f is not None:
                        nxt.append(f.annotation)
                elif origin in (list, tuple) and isinstance(part, int):
                    nxt.append(typing.get_args(t)[0])
                elif origin is dict:
                    nxt.append(typing.get_args(t)[1])
        current = nxt
    for tp in current:
        for t in _unwrap(tp):
            if isinstance(t, type) and issubclass(t, BaseModel):
                return t
    return None


_PATTERNS = {
    r"^[a-z0-9][a-z0-9-]*$": "lower-case letters, digits and '-', starting with a letter or digit",
    r"^[a-z][a-z0-9]{0,7}$": "a lower-case letter, then up to 7 lower-case letters or digits",
    r"^[a-z][a-z0-9-]*$": "a lower-case letter, then lower-case letters, digits or '-' (a hostname part)",
    r"^[a-z0-9][a-z0-9._-]{0,62}$": "lower-case letters, digits, '.', '_' and '-', at most 63",
    r"^[^\x00-\x1f\x7f]*$": "one line of text without control characters",
}
_NAMES = {bool: "a boolean", int: "a number", float: "a number", type(None): "empty (null)",
          list: "a list", dict: "a mapping", str: "text"}
_WANTS = {"string_type": "text", "int_type": "a whole number", "float_type": "a number",
          "bool_type": "true or false", "list_type": "a list", "dict_type": "a mapping",
          "model_type": "a mapping", "model_attributes_type": "a mapping"}
_BOUNDS = {"less_than_equal": "le", "less_than": "lt", "greater_than_equal": "ge", "greater_than": "gt"}


def _field_extra(loc: tuple[Any, ...]) -> dict[str, Any]:
    """The ``json_schema_extra`` of the field at ``loc`` (list indexes and dict keys stripped)."""
    for cut in range(len(loc) - 1, -1, -1):
        model = _model_at(loc[:cut])
        name = loc[cut]
        if model is not None and isinstance(name, str) and name in model.model_fields:
            extra = model.model_fields[name].json_schema_extra
            return extra if isinstance(extra, dict) else {}
    return {}


def _type_message(etype: str, value: Any, written: str | None) -> tuple[str, str]:
    want = _WANTS.get(etype, etype.removesuffix("_type"))
    got = _NAMES.get(type(value), type(value).__name__)
    if written is not None and isinstance(value, (bool, int, float)) and want == "text":
        return (
            f"expected text, got {written} which YAML reads as {got} {value!r}",
            f"quote it: '{written}'",
        )
    if isinstance(value, str) and want in ("a whole number", "a number", "true or false"):
        return f"expected {want}, got the text {value!r}", "write it without quotes"
    if isinstance(value, bool) and want in ("a whole number", "a number"):
        return f"expected {want}, got {written or value!r} which YAML reads as a boolean", "write a number"
    shown = repr(value) if not isinstance(value, (list, dict)) else got
    return f"expected {want}, got {got} {shown}" if shown != got else f"expected {want}, got {got}", ""


def _pydantic_findings(exc: ValidationError, smap: SourceMap | None = None) -> list[Finding]:
    texts = smap.texts if smap else {}
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        etype = err["type"]
        msg = err["msg"]
        value = err.get("input")
        ctx = err.get("ctx") or {}
        hint = ""
        code = "SPEC002"
        if etype == "extra_forbidden":
            code = "SPEC001"
            key = str(loc[-1])
            model = _model_at(loc[:-1])
            known = sorted(model.model_fields) if model else []
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            msg = f"unknown key {key!r}"
            if close:
                hint = f"did you mean {close[0]!r}?"
            elif known:
                hint = "allowed keys: " + ", ".join(known)
        elif etype == "missing":
            code = "SPEC003"
            msg = f"required key {loc[-1]!r} is missing"
            if len(loc) == 1:
                hint = f"add a top-level `{loc[0]}:` section to a file of the spec (see `aidc schema`)"
            else:
                hint = "add it (see `aidc schema`)"
        elif etype.endswith("_type") or etype.endswith("_parsing"):
            msg, hint = _type_message(etype, value, texts.get(loc))
        elif etype == "literal_error":
            msg = f"{msg}, got {value!r}"
        elif etype in _BOUNDS:
            limit = ctx.get(_BOUNDS[etype])
            word = "large" if etype.startswith("less") else "small"
            msg = f"{value!r} is too {word}: {msg.removeprefix('Input should be ')}"
            reason = _field_extra(loc).get("x-why")
            if reason:
                msg += f" ({reason})"
            hint = f"use at most {limit}" if word == "large" else f"use at least {limit}"
        elif etype == "string_pattern_mismatch":
            pattern = str(ctx.get("pattern", ""))
            msg = f"{value!r} is not allowed here: use {_PATTERNS.get(pattern, 'text matching ' + pattern)}"
        elif etype in ("too_long", "too_short"):
            n = len(value) if isinstance(value, (list, dict, str)) else "?"
            msg = f"{msg} (got {n})"
        elif etype == "value_error":
            msg = msg.removeprefix("Value error, ")
        out.append(Finding(code=code, severity="error", message=msg, path=list(loc), hint=hint))
    return out


# --------------------------------------------------------------------------- entry points


def load(path: str | Path) -> LoadResult:
    """Load and type-check a spec; never raises for bad input, returns findings instead."""
    root = Path(path)
    smap = SourceMap()
    findings: list[Finding] = []
    files = spec_files(root)
    if not files:
        findings.append(
            Finding(
                code="LOAD000",
                severity="error",
                message=f"no spec found at {path}: expected a .yml file or a folder of them",
                file=str(path),
            )
        )
        return LoadResult(None, smap, findings, root)
    data: dict[Any, Any] = {}
    # a finding about the spec as a whole (a missing section) points at its first file, line 1
    smap.marks[()] = Mark(_display(files[0]), 1, 1)
    for f in files:
        res = _read_file(f, smap, findings)
        if res is None:
            continue
        fdata, local = res
        shifts: dict[YamlPath, int] = {}
        _merge(data, fdata, (), smap, local, findings, shifts)
        _copy_marks(local, smap, shifts)
    if any(f.severity == "error" for f in findings):
        return LoadResult(None, smap, locate_all(findings, smap), root)
    findings += expand_layout(data, smap)
    if any(f.severity == "error" for f in findings):
        return LoadResult(None, smap, locate_all(findings, smap), root)
    try:
        spec = ClusterSpec.model_validate(data)
    except ValidationError as exc:
        findings += _pydantic_findings(exc, smap)
        return LoadResult(None, smap, locate_all(findings, smap), root)
    return LoadResult(spec, smap, locate_all(findings, smap), root)


def load_or_raise(path: str | Path) -> tuple[ClusterSpec, SourceMap]:
    res = load(path)
    if res.spec is None:
        raise SpecError(res.findings)
    return res.spec, res.sources
