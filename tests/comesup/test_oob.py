"""OOB aggregation: every rack's OOB switch is uplinked, the uplinks are in the cabling and BOM."""

from __future__ import annotations

from typing import Any

from toolkit.bom import bom
from toolkit.design import design
from toolkit.design.model import put
from toolkit.render.docs import cabling_rows
from toolkit.rules import validate
from toolkit.rules.fabric import fabric_findings
from toolkit.spec import load

D = dict[str, Any]


def test_every_oob_switch_uplinks_to_both_aggregation_switches() -> None:
    res = load("inventory/examples/lab-mini")
    assert res.spec is not None
    fab = design(res.spec)
    aggs = [fab.devices["oob-agg01"], fab.devices["oob-agg02"]]
    assert {a.rack for a in aggs} == {"net-r01"} and all(a.mgmt_address for a in aggs)
    access = [d for d in fab.devices.values() if d.role == "oob" and not d.name.startswith("oob-agg")]
    assert len(access) == len(fab.racks) == 4
    rack_index = {r.name: i for i, r in enumerate(fab.racks)}
    for osw in access:
        ups = [p for p in osw.ports if p.role == "oob-uplink"]
        assert sorted(p.peer_device or "" for p in ups) == ["oob-agg01", "oob-agg02"]
        for p in ups:  # the aggregation port of rack r is its port r
            agg = fab.devices[p.peer_device or ""]
            assert next(q for q in agg.ports if q.peer_device == osw.name).cage == rack_index[osw.rack] + 1
    # the peer link of the pair
    peer = [c for c in fab.cables if {c.a_device, c.b_device} == {"oob-agg01", "oob-agg02"}]
    assert len(peer) == 1
    # in the cabling plan and the BOM: 4 racks x 2 uplinks + the peer link
    uplinks = [c for c in fab.cables if c.plane == "oob" and "oob-agg" in (c.a_device + c.b_device)]
    oob_mgmt = [c for c in uplinks if c.a_device.startswith("oob-agg") and c.b_device.endswith("-oob")]
    assert len(uplinks) - len(oob_mgmt) == 4 * 2 + 1
    rows = cabling_rows(fab)
    on_agg = [c for c in fab.cables if "oob-agg01" in (c.a_device, c.b_device)]
    assert sum(1 for r in rows if "oob-agg01" in (r[1], r[5])) == len(on_agg)
    assert bom(fab)["oob"]["cables"]["oob"] == sum(1 for c in fab.cables if c.plane == "oob")
    assert fab.planes["oob"].tiers == 2


def test_missing_aggregation_is_an_error(lab_mini_data: D, write_spec) -> None:
    del lab_mini_data["networks"]["oob"]["aggregation"]
    res = load(write_spec(lab_mini_data))
    assert res.spec is not None
    hits = [f for f in validate(res.spec, res.sources) if f.code == "OOBA001"]
    assert len(hits) == 1 and hits[0].yaml_path == "networks.oob" and hits[0].line
    assert "uplinks of the 4 OOB switches go nowhere" in hits[0].message
    fab = design(res.spec)
    assert fab.planes["oob"].tiers == 1


def test_aggregation_too_small_and_loose_uplink(lab_mini_data: D, write_spec) -> None:
    lab_mini_data["catalog"]["switches"]["tiny"] = {"platform": "cumulus", "ports": 4, "speed": "1G"}
    lab_mini_data["networks"]["oob"]["aggregation"]["model"] = "tiny"
    res = load(write_spec(lab_mini_data))
    assert res.spec is not None
    hits = [f for f in validate(res.spec, res.sources) if f.code == "OOBA003"]
    assert len(hits) == 1 and hits[0].yaml_path == "networks.oob.aggregation.model" and hits[0].line
    assert "has 4 ports; 4 racks need one each plus the peer link" in hits[0].message
    # the rule is a second line behind the design: an uplink left uncabled is reported
    res = load("inventory/examples/lab-mini")
    assert res.spec is not None
    fab = design(res.spec)
    port = next(p for p in fab.devices["su1-r01-oob"].ports if p.role == "oob-uplink")
    put(port, peer_device=None)
    hits2 = [f for f in fabric_findings(res.spec, fab) if f.code == "OOBA002"]
    assert len(hits2) == 1 and f"su1-r01-oob:{port.name}" in hits2[0].message
