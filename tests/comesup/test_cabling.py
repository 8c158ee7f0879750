"""Cabling for the people who cable: labels, both ends' rack and unit, lengths, breakouts, one medium per cage."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from toolkit.bom import bom, physical_cables
from toolkit.design import design
from toolkit.spec import load

D = dict[str, Any]


def _fab(name: str) -> Any:
    res = load(f"inventory/examples/{name}")
    assert res.spec is not None
    return design(res.spec)


def test_ids_ends_and_one_medium_per_cage() -> None:
    fab = _fab("superpod-1su")
    assert len({c.id for c in fab.cables}) == len(fab.cables)
    media: dict[tuple[str, int], set[str]] = defaultdict(set)
    for c in fab.cables:
        a, b = fab.devices[c.a_device], fab.devices[c.b_device]
        assert (c.a_rack, c.a_u, c.b_rack, c.b_u) == (a.rack, a.rack_u, b.rack, b.rack_u)
        assert c.length_m >= 2.0
        for dev, pname in ((a, c.a_port), (b, c.b_port)):
            if dev.is_switch:
                p = dev.port(pname)
                if p.cage is not None:
                    media[(dev.name, p.cage)].add(c.medium)
    assert all(len(m) == 1 for m in media.values()), [k for k, m in media.items() if len(m) > 1][:3]


def test_breakout_cables_are_counted_once() -> None:
    fab = _fab("superpod-1su")
    # rail leaves: 2x400G cages, two servers per cage = one breakout cable per cage
    legs: dict[str, list[Any]] = defaultdict(list)
    for c in fab.cables:
        if c.group:
            legs[c.group].append(c)
    assert legs and all(len(v) == 2 and len({c.medium for c in v}) == 1 for v in legs.values())
    leaf = fab.devices["su1-leaf-rail0"]
    srv_cages = {p.cage for p in leaf.ports if p.role == "downlink" and p.peer_device}
    compute_groups = {c.group for c in fab.cables if c.group and c.tier == "server-leaf" and c.b_device == leaf.name}
    assert len(compute_groups) == len(srv_cages) == 16
    b = bom(fab)
    dac_aoc = {g for g, v in legs.items() if v[0].medium in ("DAC", "AOC")}
    counted = sum(b["breakouts"].values()) + sum(sum(b[p]["breakouts"].values()) for p in ("business", "storage"))
    assert counted == len(dac_aoc)
    assert b["totals"]["physical_cables"] == physical_cables(fab) == len(fab.cables) - len(dac_aoc)


def test_length_from_declared_rows_and_positions(lab_mini_data: D, write_spec) -> None:
    lay = lab_mini_data["layout"]
    lay["racks"][0].update(row="a", position=0)  # net-r01
    lay["racks"][1].update(row="a", position=1)  # stor-r01
    lay["scalable_units"][0]["racks"][0].update(row="b", position=4)
    lay["scalable_units"][0]["racks"][1].update(row="b", position=5)
    res = load(write_spec(lab_mini_data))
    assert res.spec is not None
    fab = design(res.spec)

    def cable(a: str, b: str) -> Any:
        return next(c for c in fab.cables if {fab.devices[c.a_device].rack, fab.devices[c.b_device].rack} == {a, b})

    # one row apart, 4 positions apart: 4 x 0.6 + 2.4 + 5 = 9.8 -> 10.0 m; same row, adjacent: 3.6 -> 4.0 m
    assert cable("su1-r01", "net-r01").length_m == 10.0
    assert cable("net-r01", "stor-r01").length_m == 4.0
    same = next(c for c in fab.cables if c.a_rack == c.b_rack)
    assert same.length_m == 2.0
