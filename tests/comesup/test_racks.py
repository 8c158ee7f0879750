"""Racks: every device takes units and power in a rack; over budget is an error naming the rack."""

from __future__ import annotations

from collections import Counter
from typing import Any

from toolkit.design import design
from toolkit.rules import validate
from toolkit.spec import load

D = dict[str, Any]


def _validate(data: D, write_spec) -> list[Any]:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return validate(res.spec, res.sources)


def test_every_device_has_units_power_and_a_place() -> None:
    res = load("inventory/examples/superpod-1su")
    assert res.spec is not None
    fab = design(res.spec)
    plans = {r.name: r for r in fab.racks}
    for d in fab.devices.values():
        assert d.rack in plans, d.name
        if d.role == "pdu":
            assert d.units == 0 and d.rack_u is None
            continue
        assert d.units >= 1 and d.rack_u is not None, d.name
        assert d.rack_u >= 1 and d.rack_u + d.units - 1 <= plans[d.rack].units, d.name
    for plan in fab.racks:
        devs = [fab.devices[n] for n in plan.devices]
        assert plan.used_units == sum(d.units for d in devs)
        assert plan.power_w == sum(d.power_w for d in devs)
    # the switch power counts: su1-n01 holds the SU's rail leaves and its front-end leaves
    n01 = plans["su1-n01"]
    roles = Counter(fab.devices[n].role for n in n01.devices)
    assert roles["leaf"] == 8 and roles["business-leaf"] and roles["storage-leaf"] and roles["oob"] == 1
    assert n01.power_w > 20_000  # more than the 20 kW the example used to give it


def test_network_gear_packed_into_a_gpu_rack_is_an_error(lab_mini_data: D, write_spec) -> None:
    # lab-mini's SU has no network rack: its rail leaves go into the first GPU rack
    rack = lab_mini_data["layout"]["scalable_units"][0]["racks"][0]
    assert rack["name"] == "su1-r01"
    rack["power_kw"] = 5.8  # the two servers alone draw 5.6 kW
    rack["units"] = 6  # 2 x 2U servers + 2 x 1U leaves + 1U OOB switch = 7U
    findings = _validate(lab_mini_data, write_spec)
    power = [f for f in findings if f.code == "RACK002"]
    units = [f for f in findings if f.code == "RACK001"]
    assert len(power) == 1 and len(units) == 1, [f.text() for f in findings]
    assert power[0].yaml_path == "layout.scalable_units[0].racks[0].power_kw" and power[0].line
    assert "rack su1-r01 draws 6.2 kW, budget 5.8 kW" in power[0].message
    assert "2 x leaf sn2700 (1U, 250 W)" in power[0].message
    assert "2 x gpu-server gpu-2x (2U, 2800 W)" in power[0].message
    assert units[0].yaml_path == "layout.scalable_units[0].racks[0].units"
    assert "rack su1-r01 needs 7U, it has 6U" in units[0].message
    # a network rack in the SU takes the leaves out of the GPU rack
    lab_mini_data["layout"]["scalable_units"][0]["racks"].append({"name": "su1-n01", "role": "network"})
    assert [f.code for f in _validate(lab_mini_data, write_spec) if f.code.startswith("RACK")] == []


def test_spines_and_cores_spread_over_the_network_racks() -> None:
    res = load("inventory/examples/cluster-16k")
    assert res.spec is not None
    fab = design(res.spec)
    cores = Counter(d.rack for d in fab.by_role("core"))
    assert sorted(cores) == [f"net-r{i:02d}" for i in range(1, 9)] and set(cores.values()) == {16}
    # a pod's 16 spines in the second network rack of the pod's first SU (stable while the pod grows)
    pod0 = Counter(d.rack for d in fab.by_role("spine") if d.pod == 0)
    assert pod0 == {"su1-n02": 16}
    for role in ("business-spine", "storage-spine"):  # 4 spines each, 4 different racks
        assert len({d.rack for d in fab.by_role(role)}) == 4
    worst = max(fab.racks, key=lambda r: r.used_units)
    assert worst.used_units <= worst.units
    assert all(r.power_kw is None or r.power_w <= r.power_kw * 1000 for r in fab.racks)
