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


# --- REACH004 traces only where a packet can arrive (Arrivals) -------------------------------------


def _every_pair(fab: Any) -> str | None:
    """REACH004 as it was before Arrivals, the reference: every member's every address to every other
    tenant's gateway and the OOB network; the first forbidden arrival."""
    from toolkit.design.reachability import Planes, owners, trace

    tables, planes = host_tables(fab), Planes(fab)
    owner = owners(tables)
    ctl = fab.site.controller_address
    oob = [("the OOB network", ip_int(ctl))] if ctl else []
    gateways = [(o.name, ip_int(n.gateway)) for o in fab.tenants for n in o.networks]
    for t in fab.tenants:
        for m in t.members:
            if m.server not in tables:
                continue
            for src in tables[m.server].addresses:
                for name, dst in [*[g for g in gateways if g[0] != t.name], *oob]:
                    if trace(fab, tables, planes, owner, m.server, src, dst) is None:
                        return f"tenant {t.name} member {m.server} reaches {name}"
    return None


def _leaks(fab: Any, which: set[str]) -> None:
    """Route leaks REACH004 must find, put into a designed Fabric."""
    blue, green = fab.tenants[0], fab.tenants[1]
    member = blue.members[0]
    leaf = fab.devices[member.leaf or ""]
    if "untenanted" in which:  # blue's member port into the underlay
        put(fab.devices[member.server].port(member.port), tenant=None)
    if "advertise-green" in which:  # a leaf advertises green's subnet in the default VRF
        put(leaf, advertise=[*leaf.advertise, green.networks[0].subnet])
    if "advertise-gateway" in which:  # ... or green's gateway alone
        put(leaf, advertise=[*leaf.advertise, f"{green.networks[0].gateway}/32"])
    if "advertise-oob" in which and fab.site.controller_address:  # ... or the OOB controller
        put(leaf, advertise=[*leaf.advertise, f"{fab.site.controller_address}/32"])
    if "wrong-vrf" in which:  # blue's member port put into green's VRF
        put(fab.devices[member.server].port(member.port), tenant=green.name)
    if "overlap" in which:  # green's subnet moved onto blue's: blue's member reaches green's gateway
        net = green.networks[0]
        put(net, subnet=blue.networks[0].subnet, gateway=blue.networks[0].gateway)
    if "tenant-border-only" in which:  # the border gives the default route to the tenant VRFs only
        for sw in fab.switches():
            for n in sw.bgp:
                if n.external and n.vrf is None:
                    put(n, accept=[])
    if "quiet" in which:  # no switch advertises its host links: a host reaches its own /31's leaf end only
        for sw in fab.switches():
            put(sw, advertise=[a for a in sw.advertise if a.endswith("/32")])


LEAKS = ["untenanted", "advertise-green", "advertise-gateway", "advertise-oob", "wrong-vrf", "overlap"]


def test_reach004_names_what_every_pair_names(lab_mini_data: D, write_spec) -> None:
    # each leak alone, in pairs that need each other (a leak into the underlay and a route there), and
    # the untouched design: the rule names the finding the trace of every pair names, first one first
    cases = [set(), *({x} for x in LEAKS), *({"untenanted", x} for x in LEAKS[1:4])]
    found = 0
    for which in cases:
        res, fab = _fab(lab_mini_data, write_spec)
        _leaks(fab, which)
        want = _every_pair(fab)
        hits = [f for f in fabric_findings(res.spec, fab) if f.code == "REACH004"]
        assert [h.message.split(" (")[0] for h in hits] == ([want] if want else []), which
        found += bool(want)
    assert found >= 4  # the leaks are real: most cases have a finding


def _probe_addresses(fab: Any, tables: Any) -> list[int]:
    """Addresses to trace to: every host and switch port address, loopbacks, gateways, the first
    hosts of every pool and tenant subnet, the OOB controller and outside addresses."""
    from toolkit.design.reachability import prefix

    out = {ip for t in tables.values() for ip in t.addresses}
    out |= {ip_int(p.address) for d in fab.switches() for p in d.ports if p.address}
    out |= {ip_int(a) for d in fab.switches() for a in d.advertise if a.endswith("/32")}
    nets = [prefix(p.prefix) for p in fab.pools] + [prefix(n.subnet) for t in fab.tenants for n in t.networks]
    out |= {net + k for net, _ in nets for k in (0, 1, 2, 5)}
    out |= {ip_int(n.gateway) for t in [*fab.tenants, *fab.segments] for n in t.networks}
    if fab.site.controller_address:
        out.add(ip_int(fab.site.controller_address))
    out |= {ip_int(a) for a in ("8.8.8.8", "192.0.2.1", "203.0.113.9")}
    return sorted(out)


def test_arrivals_hold_every_address_a_trace_reaches(lab_mini_data: D, write_spec) -> None:
    from toolkit.design.reachability import Arrivals, Planes, owners, trace

    fabrics = []
    for which in ([], ["untenanted", "advertise-green"], ["wrong-vrf", "advertise-oob"], ["quiet"]):
        _, fab = _fab(lab_mini_data, write_spec)
        _leaks(fab, set(which))
        fabrics.append(fab)
    from tests.comesup.conftest import superpod_fabric

    for which in ([], ["quiet"], ["tenant-border-only"]):  # a border; storage segments (dual-homed)
        fab = superpod_fabric()
        _leaks(fab, set(which))
        fabrics.append(fab)
    arrived = 0
    for fab in fabrics:
        tables, planes = host_tables(fab), Planes(fab)
        owner = owners(tables)
        arrivals = Arrivals(planes, owner)
        dsts = _probe_addresses(fab, tables)
        for host, t in tables.items():
            vrfs = {p.tenant for p in t.ports.values() if p.tenant}
            spans = [s for v in vrfs for s in arrivals.tenant_spans(v)] + [(a, a) for a in arrivals.link_ends(t)]
            for src in [None, *t.addresses]:
                for dst in dsts[:: 3 if len(tables) > 50 else 1]:
                    if trace(fab, tables, planes, owner, host, src, dst) is None:
                        arrived += 1
                        assert arrivals.anywhere(dst) or any(lo <= dst <= hi for lo, hi in spans), (host, src, dst)
    assert arrived > 1000  # the property was tested on real arrivals
