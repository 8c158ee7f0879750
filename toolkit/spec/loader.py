"""Load a cluster spec from a YAML file or a folder of YAML files.

Every value remembers where it was written: the loader composes YAML nodes itself and records
``YAML path -> file:line:col`` in a :class:`SourceMap`. Files of a folder are merged in name
order: mappings merge key by key, lists concatenate, a scalar written twice is an error.
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
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for knode, vnode in node.value:
                key = self.loader.construct_object(knode, deep=True)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    key = str(key)
                kpath = (*path, key)
                if key in out:
                    self.findings.append(
                        Finding(
                            code="LOAD003",
                            severity="error",
                            message=f"key {key!r} appears twice in this mapping",
                            hint="remove or rename one of them",
                            path=list(kpath),
                            file=self.file,
                            line=knode.start_mark.line + 1,
                            col=knode.start_mark.column + 1,
                        )
                    )
                out[key] = self.walk(vnode, kpath)
                # the key's own mark is the most useful place for errors about it
                self.smap.marks[kpath] = self.mark(knode)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


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
    if node is None:
        return {}
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


def _merge(
    dst: dict[Any, Any], src: dict[Any, Any], path: YamlPath, smap: SourceMap, local: SourceMap, findings: list[Finding]
) -> None:
    for key, value in src.items():
        kpath = (*path, key)
        if key not in dst:
            dst[key] = value
            _copy_marks(local, smap, kpath, kpath)
        elif isinstance(dst[key], dict) and isinstance(value, dict):
            smap.marks.setdefault(kpath, local.marks[kpath])
            _merge(dst[key], value, kpath, smap, local, findings)
        elif isinstance(dst[key], list) and isinstance(value, list):
            offset = len(dst[key])
            for i in range(len(value)):
                _copy_marks(local, smap, (*kpath, i), (*kpath, i + offset))
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


def _copy_marks(local: SourceMap, smap: SourceMap, src_prefix: YamlPath, dst_prefix: YamlPath) -> None:
    n = len(src_prefix)
    for p, m in local.marks.items():
        if p[:n] == src_prefix:
            smap.marks[dst_prefix + p[n:]] = m


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


def _pydantic_findings(exc: ValidationError) -> list[Finding]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        etype = err["type"]
        msg = err["msg"]
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
            hint = "add it (see `aidc schema`)"
        elif etype.endswith("_type") or etype.endswith("_parsing"):
            msg = f"wrong type: {msg} (got {type(err.get('input')).__name__} {err.get('input')!r})"
        elif etype == "literal_error":
            msg = f"{msg}, got {err.get('input')!r}"
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
                line=0,
                col=0,
            )
        )
        return LoadResult(None, smap, findings, root)
    data: dict[Any, Any] = {}
    for f in files:
        res = _read_file(f, smap, findings)
        if res is None:
            continue
        fdata, local = res
        _merge(data, fdata, (), smap, local, findings)
    if any(f.severity == "error" for f in findings):
        return LoadResult(None, smap, locate_all(findings, smap), root)
    expand_layout(data, smap)
    try:
        spec = ClusterSpec.model_validate(data)
    except ValidationError as exc:
        findings += _pydantic_findings(exc)
        return LoadResult(None, smap, locate_all(findings, smap), root)
    return LoadResult(spec, smap, locate_all(findings, smap), root)


def load_or_raise(path: str | Path) -> tuple[ClusterSpec, SourceMap]:
    res = load(path)
    if res.spec is None:
        raise SpecError(res.findings)
    return res.spec, res.sources
