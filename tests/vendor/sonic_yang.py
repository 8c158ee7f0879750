"""SONiC oracle: CONFIG_DB JSON -> YANG JSON (RFC 7951) and validation with ``yanglint``.

Written for these tests from the SONiC YANG models themselves (not from SONiC's translator):

- the schema is read from ``yanglint -f info`` (libyang's *compiled* schema: typedefs, groupings
  and leafref target types already resolved), one top container ``sonic-<x>`` per module, whose
  children are the CONFIG_DB tables;
- a table ``T`` holds either containers named after the key (``DEVICE_METADATA/localhost``) or
  lists ``T/<LIST>`` keyed by one or more leaves; a CONFIG_DB key ``a|b`` goes to the list whose
  key has as many leaves as the key has ``|``-separated parts;
- CONFIG_DB values are strings; in YANG JSON integer leaves of up to 32 bits are JSON numbers,
  booleans are ``true``/``false``, ``empty`` is ``[null]``, leaf-lists are arrays (CONFIG_DB
  writes them as lists or as comma-separated strings);
- a field or table no model describes is reported as an error (never dropped silently).

``merge(base, ours)`` is what ``config load`` does: table by table, entry by entry, field by field.
``Validator.validate(config_db)`` returns ``(ok, reasons)``; reasons are yanglint's messages and the
translation errors.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _vendor_dir() -> Path:
    """``../shared/vendor`` from the project root (CI, the main checkout); ``AIDC_VENDOR_DATA``
    overrides; a worktree under ``<project>/wt/<name>`` finds it two levels up."""
    env = os.environ.get("AIDC_VENDOR_DATA")
    if env:
        return Path(env)
    for up in (ROOT.parent, ROOT.parent.parent):
        if (up / "shared" / "vendor").is_dir():
            return up / "shared" / "vendor"
    return ROOT.parent / "shared" / "vendor"


VENDOR = _vendor_dir()
SONIC = VENDOR / "sonic"
YANG_DIR = SONIC / "yang-models"
SKU_BASE = SONIC / "sku-base"
PLATFORM_DIR = SONIC / "platform"
YANGLINT = shutil.which("yanglint")

NUMBER_TYPES = {"int8", "int16", "int32", "uint8", "uint16", "uint32"}


# --------------------------------------------------------------------------- info parser


_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\{)|(\})|(;)|([^\s{};"]+))', re.S)


@dataclass
class Stmt:
    keyword: str
    arg: str | None
    children: list[Stmt] = field(default_factory=list)

    def first(self, keyword: str) -> Stmt | None:
        for c in self.children:
            if c.keyword == keyword:
                return c
        return None

    def all(self, keyword: str) -> list[Stmt]:
        return [c for c in self.children if c.keyword == keyword]


def parse_info(text: str) -> list[Stmt]:
    """Statements of ``yanglint -f info`` output (tolerates its argument-less statements)."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while True:
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        if m.group(1) is not None:
            tokens.append(("str", m.group(1).replace('\\"', '"').replace("\\n", "\n")))
        elif m.group(2):
            tokens.append(("{", "{"))
        elif m.group(3):
            tokens.append(("}", "}"))
        elif m.group(4):
            tokens.append((";", ";"))
        else:
            tokens.append(("word", m.group(5)))
    stack: list[list[Stmt]] = [[]]
    pending: list[str] = []
    for kind, val in tokens:
        if kind in ("word", "str"):
            pending.append(val)
            continue
        if kind == "}":
            if pending:  # a dangling statement without terminator
                stack[-1].append(Stmt(pending[0], pending[1] if len(pending) > 1 else None))
                pending = []
            done = stack.pop()
            stack[-1][-1].children = done
            continue
        if not pending:
            continue
        # statements printed without their argument ("error-message" then the next keyword):
        # keep the last keyword with its argument, drop the dangling ones
        if len(pending) > 2 and kind == ";":
            pending = pending[-2:]
        st = Stmt(pending[0], pending[1] if len(pending) > 1 else None)
        pending = []
        stack[-1].append(st)
        if kind == "{":
            stack.append([])
    return stack[0]


# --------------------------------------------------------------------------- schema


@dataclass
class LeafType:
    names: tuple[str, ...]  # base type names (a union lists every member, leafrefs their target)

    @property
    def numeric(self) -> bool:
        return any(n in NUMBER_TYPES for n in self.names)

    @property
    def stringy(self) -> bool:
        return any(n not in NUMBER_TYPES | {"boolean", "empty"} for n in self.names)


@dataclass
class Node:
    kind: str  # container | list
    name: str
    keys: tuple[str, ...] = ()
    leaves: dict[str, LeafType] = field(default_factory=dict)
    leaf_lists: dict[str, LeafType] = field(default_factory=dict)
    inner: Node | None = None  # a list inside each entry: CONFIG_DB writes it as field -> value


def _type_names(t: Stmt) -> tuple[str, ...]:
    name = t.arg or "string"
    if name == "union":
        out: list[str] = []
        for sub in t.all("type"):
            out.extend(_type_names(sub))
        return tuple(out)
    if name == "leafref":
        inner = t.first("type")
        return _type_names(inner) if inner else ("string",)
    return (name,)


def _fields(node: Node, st: Stmt) -> None:
    for c in st.children:
        if c.keyword in ("leaf", "leaf-list") and c.arg:
            t = c.first("type")
            lt = LeafType(_type_names(t) if t else ("string",))
            (node.leaves if c.keyword == "leaf" else node.leaf_lists)[c.arg] = lt
        elif c.keyword == "choice":
            for case in c.children:
                if case.keyword == "case":
                    _fields(node, case)
                elif case.keyword in ("leaf", "leaf-list"):
                    _fields(node, Stmt("case", None, [case]))


def _list_keys(st: Stmt, leaves: list[str]) -> tuple[str, ...]:
    key = st.first("key")
    text = (key.arg or "") if key else ""
    parts = text.replace(",", " ").split()
    if all(p in leaves for p in parts) and parts:
        return tuple(parts)
    # libyang 2.1's info printer joins the key names without a separator ("portpg_num"): the
    # compiled schema lists the key leaves first, in key order
    target = "".join(parts)
    out: list[str] = []
    acc = ""
    for leaf in leaves:
        if acc == target:
            break
        acc += leaf
        out.append(leaf)
    if acc != target:
        raise ValueError(f"cannot read the key of list {st.arg}: {text!r}")
    return tuple(out)


def _node(st: Stmt) -> Node:
    node = Node(st.keyword, st.arg or "")
    _fields(node, st)
    if st.keyword == "list":
        order = [c.arg for c in st.children if c.keyword in ("leaf", "leaf-list") and c.arg]
        node.keys = _list_keys(st, order)
        inner = [c for c in st.children if c.keyword == "list"]
        if inner:
            node.inner = _node(inner[0])
    return node


@dataclass
class Table:
    module: str
    name: str
    lists: list[Node]
    containers: dict[str, Node]


def load_schema(yang_dir: Path = YANG_DIR) -> dict[str, Table]:
    """CONFIG_DB table name -> its YANG description, for every module in ``yang_dir``."""
    assert YANGLINT, "yanglint is not installed (Debian package libyang2-tools)"
    tables: dict[str, Table] = {}
    for path in sorted(yang_dir.glob("*.yang")):
        module = path.stem
        top = f"/{module}:{module}"
        proc = subprocess.run(
            [YANGLINT, "-Q", "-Q", "-p", str(yang_dir), "-f", "info", "-P", top, str(path)],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0 or not proc.stdout.strip():
            continue  # a module of types / groupings only
        for st in parse_info(proc.stdout):
            if st.keyword != "container":
                continue
            for tst in st.children:
                if tst.keyword != "container" or not tst.arg:
                    continue
                lists = [_node(c) for c in tst.children if c.keyword == "list"]
                conts = {c.arg: _node(c) for c in tst.children if c.keyword == "container" and c.arg}
                tables[tst.arg] = Table(module, tst.arg, lists, conts)
    return tables


# --------------------------------------------------------------------------- translation


def _scalar(value: Any, lt: LeafType) -> Any:
    if isinstance(value, bool | int):
        value = str(value).lower() if isinstance(value, bool) else str(value)
    if not isinstance(value, str):
        raise TypeError(f"value {value!r} is not a string")
    if "empty" in lt.names and value in ("", "true"):
        return [None]
    if "boolean" in lt.names and value in ("true", "false"):
        return value == "true"
    if lt.numeric and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def _entry(node: Node, fields: dict[str, Any], key_values: dict[str, str], where: str,
           errors: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, val in key_values.items():
        out[k] = _scalar(val, node.leaves[k])
    for f, val in fields.items():
        name = f[:-1] if f.endswith("@") else f
        if name in node.keys:
            continue
        if name in node.leaf_lists:
            items = val if isinstance(val, list) else [s for s in str(val).split(",") if s != ""]
            out[name] = [_scalar(i, node.leaf_lists[name]) for i in items]
        elif name in node.leaves:
            if isinstance(val, list):
                errors.append(f"{where}: field {name!r} is a leaf, got a list")
                continue
            out[name] = _scalar(val, node.leaves[name])
        elif node.inner is not None and len(node.inner.keys) == 1:  # map tables: field = inner key
            inner = node.inner
            value_leaves = [n for n in inner.leaves if n not in inner.keys]
            item = {inner.keys[0]: _scalar(name, inner.leaves[inner.keys[0]])}
            if value_leaves:
                item[value_leaves[0]] = _scalar(val, inner.leaves[value_leaves[0]])
            out.setdefault(inner.name, []).append(item)
        else:
            errors.append(f"{where}: field {name!r} is not in the YANG model")
    return out


def translate(db: dict[str, Any], schema: dict[str, Table]) -> tuple[dict[str, Any], list[str]]:
    """CONFIG_DB -> YANG JSON instance data, plus translation errors (unknown tables/fields/keys)."""
    errors: list[str] = []
    out: dict[str, Any] = {}
    for tname in sorted(db):
        table = schema.get(tname)
        if table is None:
            errors.append(f"table {tname}: no YANG model describes it")
            continue
        mod = out.setdefault(f"{table.module}:{table.module}", {})
        tout: dict[str, Any] = mod.setdefault(tname, {})
        for key in sorted(db[tname]):
            fields = db[tname][key] or {}
            where = f"{tname}|{key}"
            if key in table.containers:
                tout[key] = _entry(table.containers[key], fields, {}, where, errors)
                continue
            parts = key.split("|")
            candidates = [lst for lst in table.lists if len(lst.keys) == len(parts)]
            if not candidates:
                errors.append(f"{where}: no list of {tname} has a key of {len(parts)} part(s)")
                continue
            lst = candidates[0]
            if len(candidates) > 1:  # choose the list whose key leaves are not plain leaves of the other
                for c in candidates:
                    if all(f.rstrip("@") in c.leaves or f.rstrip("@") in c.leaf_lists for f in fields):
                        lst = c
                        break
            tout.setdefault(lst.name, []).append(_entry(lst, fields, dict(zip(lst.keys, parts, strict=True)),
                                                        where, errors))
    return out, errors


def merge(base: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """What ``config load`` does with ``ours`` on a switch holding ``base``."""
    merged = {t: {k: dict(v) for k, v in entries.items()} for t, entries in base.items()}
    for t, entries in ours.items():
        mt = merged.setdefault(t, {})
        for k, v in entries.items():
            if v is None:  # sonic-cfggen --write-to-db deletes an entry written as null
                mt.pop(k, None)
            else:
                mt.setdefault(k, {}).update(v)
    return merged


# --------------------------------------------------------------------------- yanglint


_MSG = re.compile(r"^libyang err\s*:\s*(.*)$")


class Validator:
    """Runs yanglint with every SONiC model loaded; translation happens in-process."""

    def __init__(self, yang_dir: Path = YANG_DIR) -> None:
        self.yang_dir = yang_dir
        self.modules = sorted(str(p) for p in yang_dir.glob("*.yang"))
        self.schema = load_schema(yang_dir)

    def validate(self, db: dict[str, Any]) -> tuple[bool, list[str]]:
        data, errors = translate(db, self.schema)
        assert YANGLINT
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(data, fh)
            path = fh.name
        try:
            proc = subprocess.run(
                [YANGLINT, "-Q", "-p", str(self.yang_dir), *self.modules, path],
                capture_output=True, text=True, check=False,
            )
        finally:
            Path(path).unlink()
        reasons = list(errors)
        if proc.returncode != 0:
            msgs = []
            for line in (proc.stderr + proc.stdout).splitlines():
                m = _MSG.match(line.strip())
                if m:
                    msgs.append(m.group(1))
                elif line.strip().startswith("YANGLINT[E]"):
                    msgs.append(line.strip())
            reasons.extend(msgs or [proc.stderr.strip() or "yanglint failed"])
        return not reasons, reasons


def sku_base(hwsku: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SKU_BASE / f"{hwsku}.json").read_text())
    return data
