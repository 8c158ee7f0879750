"""Compact layouts: scalable units and racks written once with a ``count``.

A 100k-GPU cluster has hundreds of identical SUs; writing each of them out makes a giant file.
The loader expands counted entries into concrete ones before type checking, so every later
stage (rules, design, render) sees the plain, explicit layout:

- an SU ``{name: su, count: 400, racks: [...]}`` becomes ``su1`` ... ``su400`` (``first: 401``
  continues a series); the rack names inside a counted SU are relative: rack ``r`` of ``su7`` is
  named ``su7-r``;
- a rack ``{name: r, count: 8}`` (inside or outside an SU) becomes ``r01`` ... ``r08`` (two
  digits, more when ``first + count - 1`` needs them).

Every expanded value keeps the file:line of what was written, so a finding about ``su57-r03``
points at the line of the counted entry. An entry whose ``count``/``first`` is not a positive
integer is left as written for the model to report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from toolkit.findings import Mark, SourceMap, YamlPath

SUS: YamlPath = ("layout", "scalable_units")
RACKS: YamlPath = ("layout", "racks")
Copy = Callable[[YamlPath, YamlPath], None]


def _counted(entry: Any) -> tuple[int, int] | None:
    """(first, count) when ``entry`` is a well-formed counted mapping, else None."""
    if not isinstance(entry, dict) or "count" not in entry or not isinstance(entry.get("name"), str):
        return None
    count, first = entry["count"], entry.get("first", 1)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (count, first)):
        return None
    return first, count


def _entries(layout: dict[Any, Any]) -> list[Any]:
    out = list(layout.get("racks") or []) if isinstance(layout.get("racks"), list) else []
    sus = layout.get("scalable_units")
    for su in sus if isinstance(sus, list) else []:
        out.append(su)
        if isinstance(su, dict) and isinstance(su.get("racks"), list):
            out += su["racks"]
    return out


def rack_names(base: str, first: int, count: int) -> list[str]:
    width = max(2, len(str(first + count - 1)))
    return [f"{base}{i:0{width}d}" for i in range(first, first + count)]


def _named(entry: Any, prefix: str) -> Any:
    if prefix and isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return dict(entry, name=prefix + entry["name"])
    return entry


def _racks(racks: list[Any], src: YamlPath, dst: YamlPath, prefix: str, copy: Copy) -> list[Any]:
    out: list[Any] = []
    for j, rack in enumerate(racks):
        spec = _counted(rack)
        if spec is None:
            copy((*src, j), (*dst, len(out)))
            out.append(_named(rack, prefix))
            continue
        first, count = spec
        body = {k: v for k, v in rack.items() if k not in ("count", "first")}
        for name in rack_names(prefix + rack["name"], first, count):
            copy((*src, j), (*dst, len(out)))
            out.append(dict(body, name=name))
    return out


def expand_layout(data: dict[Any, Any], smap: SourceMap) -> None:
    """Expand counted SUs and racks of ``data['layout']`` in place; marks follow the entries."""
    layout = data.get("layout")
    if not isinstance(layout, dict) or not any(_counted(x) for x in _entries(layout)):
        return
    written: dict[YamlPath, Mark] = {}
    children: dict[YamlPath, list[YamlPath]] = {}  # entry path -> marked paths at or below it
    for p in list(smap.marks):
        if len(p) > 2 and p[:2] in (SUS, RACKS):
            written[p] = smap.marks.pop(p)
            entry = p[:3]
            if p[:2] == SUS and len(p) > 4 and p[3] == "racks" and isinstance(p[4], int):
                entry = p[:5]  # a rack of an SU is its own entry
            children.setdefault(entry, []).append(p)

    def copy(src: YamlPath, dst: YamlPath) -> None:
        n = len(src)
        for p in children.get(src, ()):
            smap.marks[dst + p[n:]] = written[p]

    if isinstance(layout.get("racks"), list):
        layout["racks"] = _racks(layout["racks"], RACKS, RACKS, "", copy)
    sus = layout.get("scalable_units")
    if not isinstance(sus, list):
        return
    out: list[Any] = []
    for i, su in enumerate(sus):
        src = (*SUS, i)
        spec = _counted(su)
        units = [(su, "")] if spec is None else [
            ({k: v for k, v in su.items() if k not in ("count", "first")} | {"name": f"{su['name']}{n}"},
             f"{su['name']}{n}-")
            for n in range(spec[0], spec[0] + spec[1])
        ]
        for unit, prefix in units:
            dst = (*SUS, len(out))
            copy(src, dst)
            if isinstance(unit, dict) and isinstance(unit.get("racks"), list):
                unit = dict(unit, racks=_racks(unit["racks"], (*src, "racks"), (*dst, "racks"), prefix, copy))
            out.append(unit)
    layout["scalable_units"] = out
