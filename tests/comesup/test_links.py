"""LINK rules: both ends of every cable agree, uplinks spread over cages, front-end oversubscription."""

from __future__ import annotations

from typing import Any

from toolkit.design import design
from toolkit.design.model import put
from toolkit.rules import validate
from toolkit.rules.fabric import fabric_findings
from toolkit.spec import load
from toolkit.spec.models import ClusterSpec

D = dict[str, Any]


def _validate(data: D, write_spec) -> list[Any]:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return validate(res.spec, res.sources)


def _spec(data: D, write_spec) -> ClusterSpec:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return res.spec


def _hundred_gig_business(data: D) -> D:
    """lab-mini's business network on 100G-cage switches (sn2700): 25G host ports from 4x25G cages,
    100G uplinks (lab-mini itself uses the AS7326-56X's native 25G ports)."""
    b = data["networks"]["business"]
    b["leaf"] = {"model": "sn2700", "breakout": "4x25G", "uplink_breakout": "1x100G"}
    b["spine"] = {"model": "sn2700", "count": 2}
    b.pop("uplinks_per_spine", None)
    return data


def test_leaf_breakout_on_uplinks_into_faster_spine_is_found(lab_mini_data: D, write_spec) -> None:
    # the issue's case: the leaf's breakout also applies to its uplinks (25G into 100G spine ports)
    _hundred_gig_business(lab_mini_data)
    lab_mini_data["networks"]["business"]["leaf"].pop("uplink_breakout")
    findings = _validate(lab_mini_data, write_spec)
    hits = [f for f in findings if f.code == "LINK001"]
    assert hits, [f.text() for f in findings]
    f = hits[0]
    assert f.severity == "error"
    assert f.yaml_path == "networks.business.leaf"
    assert f.file and f.file.endswith("spec1.yml") and f.line
    assert "leaf-spine" in f.message and "fe-leaf01:" in f.message and "fe-spine01:" in f.message
    assert "25G over 1 lane" in f.message and "100G over 4 lanes" in f.message


def _nics_25g(data: D) -> None:
    for model in data["catalog"]["servers"].values():
        for nic in model["nics"]:
            if nic["role"] in ("business", "storage"):
                nic["speed"] = "25G"


def test_host_nic_slower_than_leaf_port_is_found(lab_mini_data: D, write_spec) -> None:
    # 25G NICs into native 100G ports: FE003 (NIC not faster than the port) is satisfied, the link is not
    _hundred_gig_business(lab_mini_data)["networks"]["business"]["leaf"] = {"model": "sn2700"}
    findings = _validate(lab_mini_data, write_spec)
    hits = [f for f in findings if f.code == "LINK001"]
    assert {f.yaml_path for f in hits} == {"catalog.servers.gpu-2x.nics[2]", "catalog.servers.stor-1u.nics[0]"}
    assert any("su1-r01-gpu01:fe0 runs 25G" in f.message for f in hits)
    # 4x25G host cages with 100G uplink cages: every link comes up
    leaf = {"model": "sn2700", "breakout": "4x25G", "uplink_breakout": "1x100G"}
    lab_mini_data["networks"]["business"]["leaf"] = leaf
    lab_mini_data["networks"]["business"]["oversubscription"] = "1:1"
    assert _validate(lab_mini_data, write_spec) == []


def test_separate_uplink_mode_designs_and_validates(lab_mini_data: D, write_spec) -> None:
    # compute leaves 2x50G to the servers, 1x100G to the spines
    c = lab_mini_data["networks"]["compute"]
    c["leaf"] = {"model": "sn2700", "breakout": "2x50G", "uplink_breakout": "1x100G"}
    for nic in lab_mini_data["catalog"]["servers"]["gpu-2x"]["nics"][:2]:
        nic["speed"] = "50G"
    assert _validate(lab_mini_data, write_spec) == []
    fab = design(_spec(lab_mini_data, write_spec))
    leaf = fab.devices["su1-leaf-rail0"]
    down = [p for p in leaf.ports if p.role == "downlink"]
    up = [p for p in leaf.ports if p.role == "uplink"]
    assert {p.speed for p in down} == {50} and {p.breakout for p in down} == {"2x50G"}
    assert {p.speed for p in up} == {100} and {p.breakout for p in up} == {"1x100G"}
    assert min(p.cage or 0 for p in up) > max(p.cage or 0 for p in down)
    for p in up:
        assert leaf.cage_breakouts[p.cage or 0] == "1x100G"
    # the leaf sizing is in bandwidth: 4 servers x 50G need two 100G uplinks at 1:1 (not four)
    assert len(down) == 4 and len(up) == 2


def test_every_plane_is_compared(lab_mini_data: D, write_spec) -> None:
    spec = _spec(lab_mini_data, write_spec)
    fab = design(spec)
    assert [f for f in fabric_findings(spec, fab) if f.code.startswith("LINK00") and f.severity == "error"] == []
    # an OOB access port that runs another speed than the BMC it faces
    osw = fab.devices["su1-r01-oob"]
    port = next(p for p in osw.ports if p.role == "oob-access")
    put(port, speed=10)
    hits = [f for f in fabric_findings(spec, fab) if f.code == "LINK001"]
    assert len(hits) == 1
    assert "oob" in hits[0].message and f"{port.peer_device}:{port.peer_port} runs 1G" in hits[0].message


def test_uplinks_sit_on_separate_cages_and_rule_catches_a_shared_cage(write_spec) -> None:
    res = load("inventory/examples/superpod-1su")
    assert res.spec is not None
    fab = design(res.spec)
    # storage leaves: 2x200G cages, 4 spines: each spine on its own cage
    leaf = fab.devices["st-leaf01"]
    up = [p for p in leaf.ports if p.role == "uplink"]
    assert len(up) == 4 and len({p.cage for p in up}) == 4
    assert [f.code for f in fabric_findings(res.spec, fab) if f.code == "LINK002"] == []
    # put the second uplink on the first uplink's cage: one optic failure would cut two spines
    put(up[1], cage=up[0].cage)
    hits = [f for f in fabric_findings(res.spec, fab) if f.code == "LINK002"]
    assert len(hits) == 1
    assert hits[0].path == ["networks", "storage", "fabric", "leaf", "uplink_breakout"]
    assert "st-leaf01" in hits[0].message and "st-spine01" in hits[0].message and "st-spine02" in hits[0].message


def test_frontend_oversubscription_declared_and_checked(lab_mini_data: D, write_spec) -> None:
    lab_mini_data["networks"]["business"]["oversubscription"] = "2:1"
    hits = [f for f in _validate(lab_mini_data, write_spec) if f.code == "LINK004"]
    assert len(hits) == 1 and hits[0].severity == "error"
    assert hits[0].yaml_path == "networks.business.oversubscription" and hits[0].line
    assert "fe-leaf01 carries 6 host ports (150G) over 2 uplinks (50G): 3.00:1" in hits[0].message
    del lab_mini_data["networks"]["business"]["oversubscription"]
    hits = [f for f in _validate(lab_mini_data, write_spec) if f.code == "LINK005"]
    assert len(hits) == 1 and hits[0].severity == "warning"
    assert 'networks.business.oversubscription: "3:1"' in hits[0].hint


def test_uplinks_per_spine_adds_links_on_own_cages(lab_mini_data: D, write_spec) -> None:
    b = _hundred_gig_business(lab_mini_data)["networks"]["business"]
    b["uplinks_per_spine"] = 2
    b["oversubscription"] = "1.5:1"  # 600G of hosts over 4 x 100G
    assert [f.text() for f in _validate(lab_mini_data, write_spec)] == []
    fab = design(_spec(lab_mini_data, write_spec))
    leaf = fab.devices["fe-leaf01"]
    up = [p for p in leaf.ports if p.role == "uplink"]
    assert len(up) == 4
    by_cage: dict[int, set[str]] = {}
    for p in up:
        by_cage.setdefault(p.cage or 0, set()).add(p.peer_device or "")
    assert all(len(v) == 1 for v in by_cage.values())
    spine = fab.devices["fe-spine01"]
    assert len([p for p in spine.ports if p.peer_device == "fe-leaf01"]) == 2
    assert len(fab.devices["fe-leaf01"].bgp) == 4


def test_cluster_16k_uses_800g_between_switches() -> None:
    res = load("inventory/examples/cluster-16k")
    assert res.spec is not None
    fab = design(res.spec)
    leaves = fab.by_role("leaf")
    assert (len(leaves), len(fab.by_role("spine")), len(fab.by_role("core"))) == (512, 256, 128)
    lf = leaves[0]
    assert {p.speed for p in lf.ports if p.role == "downlink"} == {400}
    assert {p.speed for p in lf.ports if p.role == "uplink"} == {800}
    # 32 x 400G down = 16 x 800G up (1:1 in bandwidth)
    assert len([p for p in lf.ports if p.role == "uplink"]) == 16
    assert sum(1 for c in fab.cables if c.tier == "leaf-spine" and c.plane == "compute") == 512 * 16
    assert [f for f in fabric_findings(res.spec, fab) if f.severity == "error"] == []
