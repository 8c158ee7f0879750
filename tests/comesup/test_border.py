"""Border: superpod-1su's fe-leaf01/02 peer eBGP with one external router, one routed link per
VRF (the business plane and both tenants); only the default route comes in, only the business
hosts and each tenant's own subnet go out.

The twin (tests/health/test_lab_border.py) proves the business-plane session for real; the lab's
frr platform has no tenant VRFs (no VRF devices in the lab kernel), so tenant-VRF sessions are
checked in the rendered files (FRR's parser on the SONiC frr.conf, the CONFIG_DB facts, the EOS and
NVUE files here; AVD and the NVUE schema in tests/vendor) and by the route-lookup proof in validate
(REACH004/REACH005).
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.comesup.conftest import SUPERPOD, D, superpod_data, superpod_fabric
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.render.core import environment
from toolkit.render.switches import render_device
from toolkit.rules import validate
from toolkit.spec import load


def _findings(data: D, write_spec: Any, prefix: str, platform: str | None = None) -> list[Any]:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return [f for f in validate(res.spec, res.sources, platform=platform) if f.code.startswith(prefix)]


def test_border_links_sessions_and_tenant_vrfs() -> None:
    fab = superpod_fabric()
    b = fab.border
    assert b is not None and b.leaves == ["fe-leaf01", "fe-leaf02"] and b.business and b.tenants == [
        "research", "inference"]
    assert [(ln.leaf, ln.vrf) for ln in b.links] == [
        (leaf, v) for leaf in b.leaves for v in ("default", "research", "inference")]
    for i, ln in enumerate(b.links):
        mine, theirs = ipaddress.ip_interface(ln.leaf_address), ipaddress.ip_interface(ln.router_address)
        assert mine.network == theirs.network and int(mine.ip) == int(ipaddress.ip_address("10.249.0.0")) + 2 * i
        leaf = fab.devices[ln.leaf]
        port = leaf.port(ln.port)
        assert port.role == "external" and port.address == ln.leaf_address and port.peer_device is None
        assert port.vrf == (None if ln.vrf == "default" else ln.vrf)
        n = next(n for n in leaf.bgp if n.external and n.interface == ln.port)
        assert (n.peer_asn, n.peer_address, n.vrf) == (64900, str(theirs.ip), port.vrf)
        assert n.accept == ["0.0.0.0/0"]
        subnets = [n.subnet for t in fab.tenants if t.name == ln.vrf for n in t.networks]
        want = ["10.110.0.0/16"] if ln.vrf == "default" else subnets
        assert n.export == want
    for leaf in (fab.devices[x] for x in b.leaves):
        # external ports sit at the top of the downlinks, above every host port
        host_idx = [i for i, p in enumerate(leaf.ports) if p.role == "downlink"]
        ext_idx = [i for i, p in enumerate(leaf.ports) if p.role == "external"]
        assert len(ext_idx) == 3 and (not host_idx or max(host_idx) < min(ext_idx))
        # both tenants have their VRF on the border leaves (no member there is needed)
        assert {a.vni for a in leaf.tenants} == {n.vni for t in fab.tenants for n in t.networks}
    assert all(set(b.leaves) <= set(t.leaves) for t in fab.tenants)


VTYSH = shutil.which("vtysh")


@pytest.mark.skipif(VTYSH is None, reason="FRR (vtysh) not installed: make test installs it")
def test_sonic_renders_the_border_and_frr_accepts_it(tmp_path: Path) -> None:
    fab = superpod_fabric()
    leaf = fab.devices["fe-leaf01"]
    assert leaf.platform == "sonic"
    files = render_device(leaf, fab, environment())
    conf = files["frr.conf"]
    for vrf, tag in ((None, "DEFAULT"), ("research", "VRFRESEARCH"), ("inference", "VRFINFERENCE")):
        n = next(n for n in leaf.bgp if n.external and n.vrf == vrf)
        block = conf.split(f"router bgp {leaf.asn}" + (f" vrf Vrf{vrf}" if vrf else "") + "\n", 1)[1].split(
            "\nexit\n", 1)[0]
        assert f" neighbor {n.peer_address} remote-as {n.peer_asn}\n" in block, vrf
        assert f"  neighbor {n.peer_address} route-map AIDC-EXT-IN-{tag} in\n" in block, vrf
        assert f"  neighbor {n.peer_address} route-map AIDC-EXT-OUT-{tag} out\n" in block, vrf
        assert f"ip prefix-list AIDC-EXT-IN-{tag} seq 5 permit 0.0.0.0/0\n" in conf
        assert f"ip prefix-list AIDC-EXT-OUT-{tag} seq 5 permit {n.export[0]} le 32\n" in conf
    db = json.loads(files["config_db.json"])
    for p in (p for p in leaf.ports if p.role == "external"):
        assert f"{p.name}|{p.address}" in db["INTERFACE"]
        assert db["INTERFACE"][p.name] == ({"vrf_name": f"Vrf{p.vrf}"} if p.vrf else {})
    f = tmp_path / "frr.conf"
    f.write_text(conf)
    res = subprocess.run([str(VTYSH), "--dryrun", "--inputfile", str(f)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and not (res.stdout + res.stderr).strip(), res.stdout + res.stderr


def test_frr_platform_renders_the_business_plane_session() -> None:
    fab = superpod_fabric("frr")
    leaf = fab.devices["fe-leaf01"]
    conf = render_device(leaf, fab, environment())["frr.conf"]
    n = next(n for n in leaf.bgp if n.external and n.vrf is None)
    assert f"  neighbor {n.peer_address} route-map AIDC-EXT-IN-DEFAULT in\n" in conf
    assert "vrf Vrf" not in conf  # no tenant VRFs on the frr platform: BRD001 says so (below)


def test_examples_validate_with_the_border() -> None:
    res = load(SUPERPOD)
    assert res.spec is not None
    assert [f.text() for f in validate(res.spec, res.sources) if f.severity == "error"] == []


def test_platforms_without_border_rendering_are_brd001(write_spec: Any) -> None:
    hits = _findings(superpod_data(), write_spec, "BRD001", "frr")  # tenant VRFs: the frr platform has none
    assert [h.yaml_path for h in hits] == ["networks.border.leaves[0]", "networks.border.leaves[1]"]
    assert hits[0].line and "frr" in hits[0].message
    assert all(p in hits[0].hint for p in ("sonic", "cumulus", "eos")) and "frr" not in hits[0].hint
    for platform in ("eos", "cumulus", "sonic"):
        assert not _findings(superpod_data(), write_spec, "BRD001", platform), platform
    data = superpod_data()
    data["networks"]["border"]["routers"][0]["vrfs"] = ["default"]
    assert not _findings(data, write_spec, "BRD001", "frr")  # the frr platform does the business plane


def _sessions(fab: Fabric) -> list[Any]:
    leaf = fab.devices["fe-leaf01"]
    return [n for n in leaf.bgp if n.external]


def test_eos_renders_border_sessions_per_vrf_with_policies() -> None:
    fab = superpod_fabric("eos")
    leaf = fab.devices["fe-leaf01"]
    conf = render_device(leaf, fab, environment())["startup-config"]
    blocks = conf.split("\n!\n")
    for n in _sessions(fab):
        tag = (n.vrf or "default").upper()
        assert f"ip prefix-list AIDC-EXT-IN-{tag}\n   seq 10 permit 0.0.0.0/0" in conf
        assert f"ip prefix-list AIDC-EXT-OUT-{tag}\n   seq 10 permit {n.export[0]} le 32" in conf
        assert f"route-map AIDC-EXT-IN-{tag} permit 10\n   match ip address prefix-list AIDC-EXT-IN-{tag}" in conf
        port = leaf.port(n.interface or "")
        iface = next(b for b in blocks if b.lstrip("\n").startswith(f"interface {port.name}\n"))
        assert (f"   vrf {n.vrf}\n" in iface) == (n.vrf is not None) and f"   ip address {port.address}" in iface
        ind = "      " if n.vrf else "   "
        for line in (f"neighbor {n.peer_address} remote-as {n.peer_asn}",
                     f"neighbor {n.peer_address} route-map AIDC-EXT-IN-{tag} in",
                     f"neighbor {n.peer_address} route-map AIDC-EXT-OUT-{tag} out"):
            assert f"\n{ind}{line}\n" in conf, line
        if n.vrf:
            vrf = conf[conf.rindex(f"\n   vrf {n.vrf}\n"):]  # the router bgp block comes last
            assert f"      address-family ipv4\n         neighbor {n.peer_address} activate" in vrf.split("\n   !")[0]


def test_cumulus_renders_border_sessions_per_vrf_with_policies() -> None:
    fab = superpod_fabric("cumulus")
    leaf = fab.devices["fe-leaf01"]
    tree = yaml.safe_load(render_device(leaf, fab, environment())["startup.yaml"])[0]["set"]
    pol = tree["router"]["policy"]
    for n in _sessions(fab):
        tag = (n.vrf or "default").upper()
        assert pol["prefix-list"][f"AIDC-EXT-IN-{tag}"]["rule"]["10"]["match"] == {"0.0.0.0/0": {}}
        assert pol["prefix-list"][f"AIDC-EXT-OUT-{tag}"]["rule"]["10"]["match"] == {n.export[0]: {"max-prefix-len": 32}}
        assert pol["route-map"][f"AIDC-EXT-IN-{tag}"]["rule"]["10"]["match"] == {"ip-prefix-list": f"AIDC-EXT-IN-{tag}"}
        port = leaf.port(n.interface or "")
        ip = tree["interface"][port.name]["ip"]
        assert port.address in ip["address"] and ip.get("vrf") == n.vrf
        nb = tree["vrf"][n.vrf or "default"]["router"]["bgp"]["neighbor"][n.peer_address]
        assert nb["type"] == "numbered" and nb["remote-as"] == n.peer_asn
        assert nb["address-family"]["ipv4-unicast"]["policy"] == {
            "inbound": {"route-map": f"AIDC-EXT-IN-{tag}"}, "outbound": {"route-map": f"AIDC-EXT-OUT-{tag}"}}


def test_tenant_without_l3vni_is_brd002_and_small_links_brd003(write_spec: Any) -> None:
    data = superpod_data()
    del data["tenants"][0]["l3vni"]
    hits = _findings(data, write_spec, "BRD002")
    assert len(hits) == 1 and hits[0].yaml_path == "tenants[0].name" and "research" in hits[0].message
    data = superpod_data()
    data["networks"]["border"]["routers"][0]["links"] = "10.249.0.0/29"
    hits = _findings(data, write_spec, "BRD003")
    assert len(hits) == 1 and "need 12" in hits[0].message and hits[0].line


def test_reachability_knows_the_external_default(write_spec: Any) -> None:
    # as designed: business hosts and both tenants reach the outside, no tenant another one
    assert not _findings(superpod_data(), write_spec, "REACH")
    # the routers give no default route: business hosts do not reach the probe
    data = superpod_data()
    data["networks"]["border"]["accept"] = ["198.18.0.0/15"]
    hits = _findings(data, write_spec, "REACH005")
    assert len(hits) == 1 and "business host" in hits[0].message and "192.0.2.1" in hits[0].message
    # a tenant that accepts no default route does not reach it either
    data = superpod_data()
    data["tenants"][1]["accept"] = ["198.18.0.0/15"]
    hits = _findings(data, write_spec, "REACH005")
    assert len(hits) == 1 and "tenant inference" in hits[0].message and hits[0].yaml_path == "tenants[1]"
    # a tenant without a border VRF session stays inside
    data = superpod_data()
    data["networks"]["border"]["routers"][0]["vrfs"] = ["default", "research"]
    hits = _findings(data, write_spec, "REACH")
    # ... and so do its members' NTP/DNS queries: the site's servers are outside (REACH006)
    assert [f.code for f in hits] == ["REACH006"] and "svc-r01-svc03 -> NTP server" in hits[0].message
    # the default route never carries one tenant into another (its subnet is the fabric's)
    res = load(SUPERPOD)
    assert res.spec is not None
    fab = design(res.spec)
    from toolkit.design.reachability import Planes, host_tables, ip_int, owners, trace

    tables = host_tables(fab)
    planes = Planes(fab)
    research, inference = fab.tenants
    m = research.members[0]
    why = trace(fab, tables, planes, owners(tables), m.server, ip_int(m.address), ip_int(inference.networks[0].gateway))
    assert why is not None and "sends" in why and "external routers" in why
    assert trace(fab, tables, planes, owners(tables), m.server, ip_int(m.address), ip_int(fab.border.probe)) is None
