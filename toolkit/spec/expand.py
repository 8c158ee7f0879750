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
integer, or whose ``count`` passes its bound, is left as written for the model to report. The
size of the written-out layout is measured before anything is expanded: more than
:data:`~toolkit.spec.models.MAX_SUS` SUs or :data:`~toolkit.spec.models.MAX_RACKS` racks is a
finding (LOAD007) at the count that adds the most, never a hang (``count: 2147483648``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from toolkit.findings import Finding, Mark, SourceMap, YamlPath
from toolkit.spec.models import MAX_RACK_COUNT, MAX_RACKS, MAX_SU_COUNT, MAX_SUS

SUS: YamlPath = ("layout", "scalable_units")
RACKS: YamlPath = ("layout", "racks")
Copy = Callable[[YamlPath, YamlPath], None]


def _counted(entry: Any, most: int = MAX_RACK_COUNT) -> tuple[int, int] | None:
    """(first, count) when ``entry`` is a well-formed counted mapping whose count is at most
    ``most``, else None."""
    if not isinstance(entry, dict) or "count" not in entry or not isinstance(entry.get("name"), str):
        return None
    count, first = entry["count"], entry.get("first", 1)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (count, first)):
        return None
    if count > most:
        return None
    return first, count


def _times(entry: Any, most: int = MAX_RACK_COUNT) -> int:
    spec = _counted(entry, most)
    return 1 if spec is None else spec[1]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _oversize(layout: dict[Any, Any]) -> Finding | None:
    """LOAD007 when the written-out layout would hold more SUs or racks than a spec may: measured
    from the counts alone, before anything is expanded."""
    racks, sus = _list(layout.get("racks")), _list(layout.get("scalable_units"))
    # (racks it adds, path of the count responsible) per counted entry
    adds: list[tuple[int, YamlPath]] = [(_times(r), (*RACKS, j, "count")) for j, r in enumerate(racks)]
    n_sus = 0
    for i, su in enumerate(sus):
        times = _times(su, MAX_SU_COUNT)
        n_sus += times
        inner = _list(su.get("racks")) if isinstance(su, dict) else []
        sizes = [(times * _times(r), (*SUS, i, "racks", k, "count")) for k, r in enumerate(inner)]
        if times > 1:  # the SU's own count multiplies all of them
            adds.append((sum(n for n, _ in sizes), (*SUS, i, "count")))
        else:
            adds += sizes
    n_racks = sum(n for n, _ in adds)
    if n_sus > MAX_SUS:
        worst = max(range(len(sus)), key=lambda i: _times(sus[i], MAX_SU_COUNT))  # the first largest
        return Finding(
            code="LOAD007",
            severity="error",
            message=f"the layout holds {n_sus} scalable units once its counts are written out; aidc designs at "
            f"most {MAX_SUS} per spec",
            path=[*SUS, worst, "count"],
            hint="lower the SU counts, or split the site into several specs",
        )
    if n_racks > MAX_RACKS:
        most, path = max(adds, key=lambda a: a[0])
        return Finding(
            code="LOAD007",
            severity="error",
            message=f"the layout holds {n_racks} racks once its counts are written out ({most} from this count); "
            f"aidc designs at most {MAX_RACKS} per spec",
            path=list(path),
            hint="lower the rack or SU counts, or split the site into several specs",
        )
    return None


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


def expand_layout(data: dict[Any, Any], smap: SourceMap) -> list[Finding]:
    """Expand counted SUs and racks of ``data['layout']`` in place; marks follow the entries.
    A layout too large to write out is left as it is, and the finding says why."""
    layout = data.get("layout")
    most = max(MAX_RACK_COUNT, MAX_SU_COUNT)
    if not isinstance(layout, dict) or not any(_counted(x, most) for x in _entries(layout)):
        return []
    too_big = _oversize(layout)
    if too_big is not None:
        return [too_big]
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
        return []
    out: list[Any] = []
    for i, su in enumerate(sus):
        src = (*SUS, i)
        spec = _counted(su, MAX_SU_COUNT)
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
    return []
