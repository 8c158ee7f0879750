"""Design invariants (property-based), determinism, growth stability, rails, sizing and BOM."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.specgen import make_spec
from toolkit.bom import bom
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.rules import validate
from toolkit.spec import load
from toolkit.spec.models import ClusterSpec


def build(data: dict[str, Any]) -> Fabric:
    spec = ClusterSpec.model_validate(data)
    findings = [f for f in validate(spec, try_design=False) if f.severity == "error"]
    assert not findings, [f.text() for f in findings]
    return design(spec)


def check_invariants(fab: Fabric) -> None:
    # round trip through full pydantic validation (the design builds models without validation)
    assert Fabric.model_validate_json(fab.model_dump_json()).model_dump_json() == fab.model_dump_json()

    # no duplicate address (ports, loopbacks), tenant addresses unique within their tenant
    seen: dict[str, str] = {}
    for d in fab.devices.values():
        addrs = [(p.address, f"{d.name}:{p.name}") for p in d.ports if p.address and not p.tenant]
        if d.loopback:
            addrs.append((d.loopback, f"{d.name}:lo"))
        for a, where in addrs:
            ip = a.split("/")[0]
            assert ip not in seen, f"{ip} on {where} and {seen[ip]}"
            seen[ip] = where
    for n in (n for t in fab.tenants for n in t.networks):
        ips = [m.address for m in n.members] + [n.gateway]
        assert len(ips) == len(set(ips))

    # every cable's ends exist and agree with the ports; every port used at most once
    used: Counter[tuple[str, str]] = Counter()
    for c in fab.cables:
        a = fab.devices[c.a_device].port(c.a_port)
        b = fab.devices[c.b_device].port(c.b_port)
        assert (a.peer_device, a.peer_port) == (c.b_device, c.b_port)
        assert (b.peer_device, b.peer_port) == (c.a_device, c.a_port)
        used[(c.a_device, c.a_port)] += 1
        used[(c.b_device, c.b_port)] += 1
    assert max(used.values()) == 1
    for d in fab.devices.values():
        names = [p.name for p in d.ports] + [n for n, _ in d.unused_ports]
        assert len(names) == len(set(names)), d.name
        ifnames = [p.ifname for p in d.ports] + [i for _, i in d.unused_ports]
        assert len(ifnames) == len(set(ifnames)) and all(len(i) <= 15 for i in ifnames)

    # every compute NIC i of a server lands on a rail-i leaf of its own SU
    for s in fab.servers():
        for p in s.ports:
            if p.plane == "compute":
                leaf = fab.devices[p.peer_device or ""]
                assert leaf.role == "leaf" and leaf.rail == p.rail and leaf.su == s.su, (s.name, p.name)

    # BGP sessions are symmetric
    for d in fab.devices.values():
        for n in d.bgp:
            if n.external:  # an external router is no Fabric device (Fabric.border holds its links)
                assert fab.border is not None and d.name in fab.border.leaves
                continue
            peer = fab.devices[n.peer_device]
            assert n.peer_asn == peer.asn
            back = [m for m in peer.bgp if m.peer_device == d.name and m.interface == n.peer_interface]
            assert len(back) == 1, (d.name, n.interface)
            m = back[0]
            assert m.peer_interface == n.interface and m.peer_asn == d.asn and m.unnumbered == n.unnumbered
            assert (m.local_address, m.peer_address) == (n.peer_address, n.local_address)
            assert m.afis == n.afis


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sus=st.integers(1, 3),
    racks=st.integers(1, 3),
    per_rack=st.integers(1, 4),
    rails=st.sampled_from([1, 2, 4, 8]),
    leaf_ports=st.sampled_from([16, 32, 64]),
    numbered=st.booleans(),
    tenants=st.integers(0, 2),
)
def test_invariants_random_sizes(
    sus: int, racks: int, per_rack: int, rails: int, leaf_ports: int, numbered: bool, tenants: int
) -> None:
    fab = build(
        make_spec(
            sus=sus,
            racks_per_su=racks,
            servers_per_rack=per_rack,
            rails=rails,
            leaf_ports=leaf_ports,
            spine_ports=64,
            numbered=numbered,
            tenants=tenants,
        )
    )
    check_invariants(fab)


def test_invariants_three_tiers() -> None:
    fab = build(make_spec(sus=5, racks_per_su=1, servers_per_rack=4, rails=4, leaf_ports=16, spine_ports=16, tiers=3))
    assert fab.planes["compute"].tiers == 3
    check_invariants(fab)
    assert any(c.tier == "spine-core" for c in fab.cables)


def test_examples_invariants_and_determinism() -> None:
    for name in ("lab-mini", "superpod-1su"):
        spec = load(f"inventory/examples/{name}").spec
        assert spec is not None
        a, b = design(spec), design(spec)
        assert a.model_dump_json() == b.model_dump_json()
        check_invariants(a)


def _port_facts(fab: Fabric) -> dict[str, Any]:
    out = {}
    for d in fab.devices.values():
        out[d.name] = {
            "asn": d.asn,
            "loopback": d.loopback,
            "mgmt": d.mgmt_address,
            "rack": d.rack,
            "ports": {p.name: p.model_dump() for p in d.ports},
            "bgp": sorted(n.model_dump_json() for n in d.bgp),
        }
    return out


def _assert_grown(before: Fabric, after: Fabric) -> None:
    a, b = _port_facts(before), _port_facts(after)
    assert set(a) <= set(b)
    assert len(b) > len(a) or sum(len(x["ports"]) for x in b.values()) > sum(len(x["ports"]) for x in a.values())
    for name, facts in a.items():
        new = b[name]
        for k in ("asn", "loopback", "mgmt", "rack"):
            assert facts[k] == new[k], (name, k)
        for pname, port in facts["ports"].items():
            assert new["ports"][pname] == port, (name, pname)
        assert set(facts["bgp"]) <= set(new["bgp"]), name


def test_growth_changes_nothing_that_exists() -> None:
    for tiers, planned in (("auto", 4), (3, 6)):
        kw = dict(
            sus=2,
            racks_per_su=2,
            servers_per_rack=2,
            rails=2,
            servers_per_su=8,
            planned_sus=planned,
            tiers=tiers,
            leaf_ports=16 if tiers == 3 else 32,
            spine_ports=16 if tiers == 3 else 64,
        )
        base_data = make_spec(**kw)  # type: ignore[arg-type]
        base = build(base_data)

        more_server = copy.deepcopy(base_data)
        more_server["layout"]["scalable_units"][-1]["racks"][-1]["servers"][0]["count"] += 1
        _assert_grown(base, build(more_server))

        more_rack = copy.deepcopy(base_data)
        more_rack["layout"]["scalable_units"][-1]["racks"].append(
            {"name": "su2-r03", "servers": [{"model": "gpu", "count": 2}]}
        )
        _assert_grown(base, build(more_rack))

        more_su = copy.deepcopy(base_data)
        more_su["layout"]["scalable_units"].append(
            {
                "name": "su3",
                "racks": [
                    {"name": "su3-r01", "servers": [{"model": "gpu", "count": 2}]},
                    {"name": "su3-r02", "servers": [{"model": "gpu", "count": 2}]},
                ],
            }
        )
        grown = build(more_su)
        _assert_grown(base, grown)
        check_invariants(grown)


def _dgx(sus: int) -> dict[str, Any]:
    """DGX SuperPOD style: 32 eight-GPU nodes per SU, radix-64 400G InfiniBand switches."""
    return make_spec(
        sus=sus,
        racks_per_su=8,
        servers_per_rack=4,
        rails=8,
        kind="infiniband",
        leaf_ports=64,
        speed="400G",
        tenants=0,
        network_racks=8,
    )


def test_bom_matches_dgx_superpod_tables() -> None:
    for sus, leaves, spines, cables in ((2, 16, 8, 512), (4, 32, 16, 1024)):
        data = bom(build(_dgx(sus)))
        assert data["gpus"] == sus * 256 and data["servers"] == sus * 32
        assert data["tiers"]["leaf"]["switches"] == leaves
        assert data["tiers"]["spine"]["switches"] == spines
        assert data["tiers"]["core"]["switches"] == 0
        assert data["cables"] == {"server-leaf": cables, "leaf-spine": cables, "spine-core": 0}


def test_large_infiniband_needs_third_tier_and_stays_non_blocking() -> None:
    fab = build(_dgx(16))
    data = bom(fab)
    assert fab.planes["compute"].tiers == 3
    assert data["tiers"]["core"]["switches"] > 0
    c = data["cables"]
    assert c["server-leaf"] == c["leaf-spine"] == c["spine-core"] == 16 * 256
    for d in fab.switches():
        if d.plane == "compute" and d.role in ("leaf", "spine"):
            roles = Counter(p.role for p in d.ports if p.plane == "compute")
            assert roles["downlink"] == roles["uplink"], d.name


def test_rail_layout_of_superpod() -> None:
    spec = load("inventory/examples/superpod-1su").spec
    assert spec is not None
    fab = design(spec)
    leaves = [d for d in fab.devices.values() if d.role == "leaf"]
    assert sorted(d.rail for d in leaves if d.rail is not None) == list(range(8))
    for s in fab.servers():
        if s.role != "gpu-server":
            continue
        by_gpu = {p.gpu: p for p in s.ports if p.plane == "compute"}
        assert sorted(by_gpu) == list(range(8))
        for gpu, p in by_gpu.items():
            assert p.rail == gpu and fab.devices[p.peer_device or ""].rail == gpu
