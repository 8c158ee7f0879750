"""Reachability proof: route lookups over the tables the design renders, in validate."""

from __future__ import annotations

from typing import Any

from toolkit.design import design
from toolkit.design.model import put
from toolkit.design.reachability import host_tables, ip_int
from toolkit.rules import validate
from toolkit.rules.fabric import fabric_findings
from toolkit.spec import load

D = dict[str, Any]


def _fab(data: D, write_spec) -> tuple[Any, Any]:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return res, design(res.spec)


def test_tables_are_the_rendered_routes(lab_mini_data: D, write_spec) -> None:
    _, fab = _fab(lab_mini_data, write_spec)
    t = host_tables(fab)["su1-r01-gpu01"]
    cx0 = fab.devices["su1-r01-gpu01"].port("cx0")
    assert cx0.table is not None and cx0.address
    # the compute NIC's source address selects its rail table, whose default goes to its rail leaf
    table, route = t.lookup(ip_int(cx0.address), ip_int("10.0.0.99")) or (None, None)
    assert table == cx0.table and route is not None and route.via == cx0.gateway and route.port == "cx0"


def test_converged_storage_replies_cannot_come_back(lab_mini_data: D, write_spec) -> None:
    # the case: GPU servers reach storage over their business NIC only; the storage servers
    # have a route to the storage prefix only, so their replies to the business addresses are lost
    gpu = lab_mini_data["catalog"]["servers"]["gpu-2x"]
    gpu["nics"] = [n for n in gpu["nics"] if n["role"] != "storage"]
    lab_mini_data["tenants"] = []
    res, _ = _fab(lab_mini_data, write_spec)
    hits = [f for f in validate(res.spec, res.sources) if f.code == "REACH002"]
    assert len(hits) == 1 and hits[0].severity == "error" and hits[0].line
    msg = hits[0].message
    assert msg.startswith("storage client su1-r01-gpu01 -> stor-r01-stor01")
    assert "reply: stor-r01-stor01 has no route to 10.110." in msg


def test_compute_and_gateway_breaks_are_found(lab_mini_data: D, write_spec) -> None:
    res, fab = _fab(lab_mini_data, write_spec)
    assert [f for f in fabric_findings(res.spec, fab) if f.code.startswith("REACH")] == []
    # the reference server's rail-0 leaf stops advertising its host /31s
    leaf = fab.devices["su1-leaf-rail0"]
    put(leaf, advertise=[a for a in leaf.advertise if a.endswith("/32")])
    hits = [f for f in fabric_findings(res.spec, fab) if f.code == "REACH001"]
    assert len(hits) == 1
    assert "same rail" in hits[0].message and "su1-leaf-rail0" in hits[0].message
    assert "no switch of its fabric advertises it" in hits[0].message


def test_gateway_and_forbidden_pairs(lab_mini_data: D, write_spec) -> None:
    res, fab = _fab(lab_mini_data, write_spec)
    port = fab.devices["stor-r01-stor01"].port("st0")
    put(port, gateway="10.120.0.99")
    hits = [f for f in fabric_findings(res.spec, fab) if f.code == "REACH003"]
    assert len(hits) == 1 and "stor-r01-stor01:st0 -> its gateway" in hits[0].message
    # a route leak: blue's member port into the underlay, which carries green's subnet
    res, fab = _fab(lab_mini_data, write_spec)
    member = fab.tenants[0].members[0]
    put(fab.devices[member.server].port(member.port), tenant=None)
    leaf = fab.devices[member.leaf]
    put(leaf, advertise=[*leaf.advertise, fab.tenants[1].networks[0].subnet])
    hits = [f for f in fabric_findings(res.spec, fab) if f.code == "REACH004"]
    assert len(hits) == 1 and f"tenant blue member {member.server} reaches green" in hits[0].message


def test_site_services_out_of_reach_is_reach006(write_spec) -> None:
    from pathlib import Path

    import yaml

    # superpod-ib-4su has no border: NTP/DNS outside the fabric are out of every host's reach
    data = yaml.safe_load(Path("inventory/examples/superpod-ib-4su/cluster.yml").read_text())
    assert not [f for f in validate(load(write_spec(data)).spec) if f.code == "REACH006"]  # in the OOB block 0
    data["site"]["ntp"] = ["10.250.0.10"]
    res = load(write_spec(data))
    assert res.spec is not None
    hits = [f for f in validate(res.spec, res.sources) if f.code == "REACH006"]
    assert len(hits) == 1 and hits[0].yaml_path == "site.ntp[0]" and hits[0].line
    assert "NTP server" in hits[0].message and "no route to 10.250.0.10" in hits[0].message
    # the same address through a border (superpod-1su: the default route from the site router) is fine,
    # and lab-mini's services sit on the hosts' management subnet
    for example in ("superpod-1su", "lab-mini"):
        res = load(f"inventory/examples/{example}")
        assert res.spec is not None
        assert not [f for f in validate(res.spec, res.sources) if f.code == "REACH006"], example
