"""Several networks (VLAN / L2VNI / subnet / anycast gateway) per tenant VRF: the spec forms, the
design (one attachment per network, one VRF and L3VNI per tenant), every platform's output and
the health expectations. superpod-1su's tenant ``research`` holds two networks (train, data)."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import EXAMPLES
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.health import expect
from toolkit.render import render
from toolkit.render.core import environment
from toolkit.render.switches import render_device
from toolkit.rules import validate
from toolkit.spec import load

D = dict[str, Any]


@functools.cache
def _fabric(example: str, platform: str | None = None) -> Fabric:
    spec = load(EXAMPLES / example).spec
    assert spec is not None
    return design(spec, platform)


def _load(data: D, tmp_path: Path, name: str = "spec.yml") -> Any:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return load(p)


def _files(fab: Fabric, device: str) -> dict[str, str]:
    return render_device(fab.devices[device], fab, environment())


# ------------------------------------------------------------------------------ spec


def test_inline_tenant_is_one_network_named_after_it(tmp_path: Path, lab_mini_data: D) -> None:
    """The one-network fields are the shorthand of a networks list with one entry named after the
    tenant: both spellings design and render to the same bytes."""
    inline = _load(lab_mini_data, tmp_path, "inline.yml")
    data = copy.deepcopy(lab_mini_data)
    for t in data["tenants"]:
        net = {"name": t["name"], **{k: t.pop(k) for k in ("vni", "vlan", "subnet", "gateway", "members")}}
        t["networks"] = [net]
    listed = _load(data, tmp_path, "listed.yml")
    assert inline.spec is not None and listed.spec is not None
    assert validate(listed.spec, listed.sources) == []
    a, b = render(design(inline.spec)), render(design(listed.spec))
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a)


def test_tenant_needs_one_form(tmp_path: Path, lab_mini_data: D) -> None:
    both = copy.deepcopy(lab_mini_data)
    both["tenants"][0]["networks"] = [
        {"name": "x", "vni": 10190, "vlan": 190, "subnet": "172.16.190.0/24", "gateway": "172.16.190.1"}
    ]
    res = _load(both, tmp_path, "both.yml")
    assert res.spec is None
    (f,) = [f for f in res.findings if f.severity == "error"]
    assert f.yaml_path == "tenants[0]" and f.line and "not both" in f.message, f.text()
    neither = copy.deepcopy(lab_mini_data)
    del neither["tenants"][1]["vni"], neither["tenants"][1]["gateway"]
    res = _load(neither, tmp_path, "neither.yml")
    assert res.spec is None
    (f,) = [f for f in res.findings if f.severity == "error"]
    assert f.yaml_path == "tenants[1]" and "missing vni, gateway" in f.message, f.text()


def _placed(data: D, leaves: Any) -> None:
    """Tenant blue in the networks form with a member-less second network placed on ``leaves``."""
    t = data["tenants"][0]
    first = {"name": "hosts", **{k: t.pop(k) for k in ("vni", "vlan", "subnet", "gateway", "members")}}
    second = {"name": "svc", "vni": 10190, "vlan": 190, "subnet": "172.16.190.0/24", "gateway": "172.16.190.1",
              "leaves": leaves}
    t["networks"] = [first, second]


def test_network_on_leaves_without_members(tmp_path: Path, lab_mini_data: D) -> None:
    """AVD-style placement: a network on named leaves, or on every leaf of the tenant's plane."""
    data = copy.deepcopy(lab_mini_data)
    _placed(data, "all")
    res = _load(data, tmp_path)
    assert res.spec is not None and validate(res.spec, res.sources) == []
    fab = design(res.spec, "eos")
    leaves = sorted(d.name for d in fab.switches() if d.role == "business-leaf")
    (blue,) = [t for t in fab.tenants if t.name == "blue"]
    hosts, svc = blue.networks
    assert svc.members == [] and svc.leaves == leaves and set(hosts.leaves) <= set(leaves)
    assert blue.leaves == leaves
    for name in leaves:
        atts = [a for a in fab.devices[name].tenants if a.tenant == "blue"]
        att = next(a for a in atts if a.network == "svc")
        assert (att.vlan, att.vni, att.ports) == (190, 10190, [])
        text = _files(fab, name)["startup-config"]
        assert "interface Vlan190\n   description svc\n" in text and "ip address virtual 172.16.190.1/24" in text
        assert text.count("vrf instance blue\n") == 1 and text.count("   vxlan vrf blue vni 50100\n") == 1

    named = copy.deepcopy(lab_mini_data)
    _placed(named, [leaves[0]])
    res = _load(named, tmp_path, "named.yml")
    assert res.spec is not None
    assert design(res.spec).tenants[0].networks[1].leaves == [leaves[0]]

    wrong = copy.deepcopy(lab_mini_data)
    _placed(wrong, ["su1-leaf-rail0"])  # a compute leaf, not of the tenant's plane
    res = _load(wrong, tmp_path, "wrong.yml")
    assert res.spec is not None
    hits = [f for f in validate(res.spec, res.sources) if f.severity == "error"]
    assert [f.yaml_path for f in hits] == ["tenants[0].networks[1].leaves[0]"], [f.text() for f in hits]
    assert "no business leaf named su1-leaf-rail0" in hits[0].message and hits[0].line


def test_network_vlan_outside_the_platform_range(tmp_path: Path, lab_mini_data: D) -> None:
    """PLAT004 names the network's VLAN (Cumulus keeps 3725-3999 for itself)."""
    data = copy.deepcopy(lab_mini_data)
    _placed(data, "all")
    data["tenants"][0]["networks"][1]["vlan"] = 3800
    res = _load(data, tmp_path)
    assert res.spec is not None
    hits = [f for f in validate(res.spec, res.sources, platform="cumulus") if f.code == "PLAT004"]
    assert [f.yaml_path for f in hits] == ["tenants[0].networks[1].vlan"], [f.text() for f in hits]
    assert hits[0].line and "3800" in hits[0].message


# ------------------------------------------------------------------------------ design


def test_superpod_research_has_two_networks_in_one_vrf() -> None:
    for platform in (None, "eos", "cumulus", "frr"):
        fab = _fabric("superpod-1su", platform)
        research = next(t for t in fab.tenants if t.name == "research")
        assert [(n.name, n.vlan, n.vni, n.subnet, n.gateway) for n in research.networks] == [
            ("train", 100, 10100, "172.16.0.0/22", "172.16.0.1"),
            ("data", 101, 10101, "172.16.8.0/22", "172.16.8.1"),
        ]
        assert [m.server for m in research.networks[1].members] == ["svc-r01-svc02"]
        assert research.networks[1].members[0].address == "172.16.8.2/22"
        # symmetric IRB between the networks where the platform renders the L3VNI and gateways
        assert research.routed == (platform != "frr"), platform
        for leaf in research.leaves:
            atts = [a for a in fab.devices[leaf].tenants if a.tenant == "research"]
            assert {a.vni for a in atts} >= {10100, 10101} or leaf not in research.networks[1].leaves
            assert len({a.vrf for a in atts}) == 1
    eos = _fabric("superpod-1su", "eos")
    a = next(a for a in eos.devices["fe-leaf03"].tenants if a.network == "data")
    assert (a.rd, a.rt, a.l3_rt) == ("10.10.0.2:10101", "10101:10101", "50100:50100")
    # the member's host side: its address and default route in its own network
    srv = eos.devices["svc-r01-svc02"]
    bond = next(p for p in srv.ports if p.role == "bond")
    assert (bond.vni, bond.vlan, bond.address, bond.gateway) == (10101, 101, "172.16.8.2/22", "172.16.8.1")


# ------------------------------------------------------------------------------ render


def test_eos_two_svis_one_vrf() -> None:
    text = _files(_fabric("superpod-1su", "eos"), "fe-leaf03")["startup-config"]
    assert text.count("vrf instance research\n") == 1 and text.count("ip routing vrf research\n") == 1
    assert "vlan 100\n   name train\n" in text and "vlan 101\n   name data\n" in text
    for vlan, gw in ((100, "172.16.0.1/22"), (101, "172.16.8.1/22")):
        assert f"interface Vlan{vlan}\n" in text and f"   vrf research\n   ip address virtual {gw}\n" in text
    assert "   vxlan vlan 100 vni 10100\n" in text and "   vxlan vlan 101 vni 10101\n" in text
    assert text.count("   vxlan vrf research vni 50100\n") == 1
    assert text.count("   vrf research\n      rd ") == 1


def test_sonic_two_vlans_one_vrf() -> None:
    files = _files(_fabric("superpod-1su", "sonic"), "fe-leaf03")
    db = json.loads(files["config_db.json"])
    assert db["VRF"]["Vrfresearch"] == {"vni": "50100"}
    maps = {m["vni"]: m["vlan"] for m in db["VXLAN_TUNNEL_MAP"].values()}
    assert maps["10100"] == "Vlan100" and maps["10101"] == "Vlan101" and "50100" in maps
    intf = db["VLAN_INTERFACE"]
    assert intf["Vlan100"]["vrf_name"] == intf["Vlan101"]["vrf_name"] == "Vrfresearch"
    assert "Vlan100|172.16.0.1/22" in intf and "Vlan101|172.16.8.1/22" in intf
    frr = files["frr.conf"]
    assert frr.count("vrf Vrfresearch\n vni 50100\n") == 1 and frr.count("router bgp 65101 vrf Vrfresearch\n") <= 1
    assert frr.count(" vrf Vrfresearch\n") == 1


def test_cumulus_two_vlans_one_vrf() -> None:
    text = _files(_fabric("superpod-1su", "cumulus"), "fe-leaf03")["nv-set.sh"]
    assert "bridge domain br_default vlan 100 vni 10100" in text
    assert "bridge domain br_default vlan 101 vni 10101" in text
    assert "nv set interface vlan101 ip vrf research\n" in text
    assert "nv set interface vlan101 ip vrr address 172.16.8.1/22\n" in text
    assert text.count("nv set vrf research evpn vni 50100\n") == 1


# ------------------------------------------------------------------------------ health


def test_reach_across_networks_only_where_routed() -> None:
    """Members of the tenant's two networks ping each other where the L3VNI is rendered; on frr
    (L2VNIs only, no VRF in the lab kernel) only members of one network are expected to."""
    def pairs(fab: Fabric) -> set[tuple[str, str]]:
        cases = expect.tenant_reach(fab, None)
        return {(c.device, c.expect["peer"].split()[0]) for c in cases if c.expect["tenant"] == "research"}

    assert ("svc-r01-svc01", "svc-r01-svc02") in pairs(_fabric("superpod-1su", "eos"))
    assert ("svc-r01-svc01", "svc-r01-svc02") not in pairs(_fabric("superpod-1su", "frr"))
    # the data network's gateway is expected on every leaf of that network
    fab = _fabric("superpod-1su", "eos")
    cases = {c.device: c for c in expect.designed_addresses(fab, None)}
    for leaf in fab.tenants[0].networks[1].leaves:
        assert "172.16.8.1/22" in cases[leaf].expect["anywhere"]
    vnis = {c.expect["vni"] for c in expect.evpn_vnis(fab, None) if c.device == "fe-leaf03"}
    assert {10100, 10101} <= vnis



# ------------------------------------------------------------------------------ member addresses


def _member_addresses(data: D, tmp_path: Path, subnet: str, gateway: str) -> list[str] | list[Any]:
    data = copy.deepcopy(data)
    data["tenants"][0].update(subnet=subnet, gateway=gateway)
    res = _load(data, tmp_path)
    assert res.spec is not None, [f.text() for f in res.findings]
    findings = [f for f in validate(res.spec, res.sources) if f.severity == "error"]
    if findings:
        return findings
    blue = next(t for t in design(res.spec).tenants if t.name == "blue")
    return [m.address for n in blue.networks for m in n.members]


def test_members_take_the_first_addresses_of_the_subnet_around_the_gateway(tmp_path: Path, lab_mini_data: D) -> None:
    """The first hosts of the subnet in order, the gateway skipped wherever it sits: also in a /16,
    whose 65,534 hosts are not written out for two members."""
    assert _member_addresses(lab_mini_data, tmp_path, "172.31.0.0/16", "172.31.0.1") == [
        "172.31.0.2/16", "172.31.0.3/16"]
    assert _member_addresses(lab_mini_data, tmp_path, "172.31.0.0/16", "172.31.0.2") == [
        "172.31.0.1/16", "172.31.0.3/16"]
    assert _member_addresses(lab_mini_data, tmp_path, "172.31.0.0/16", "172.31.255.254") == [
        "172.31.0.1/16", "172.31.0.2/16"]


def test_a_subnet_too_small_for_its_members_is_a_finding(tmp_path: Path, lab_mini_data: D) -> None:
    """A /30 holds two hosts, the gateway and one member, and blue has two members: validate says
    so (ADDR002), and the design refuses it by itself too (it never hands out an address twice)."""
    import pytest

    from toolkit.design.context import DesignError

    found = _member_addresses(lab_mini_data, tmp_path, "172.16.100.0/30", "172.16.100.1")
    assert any(f.code == "ADDR002" and "tenant blue" in f.message for f in found), found
    data = copy.deepcopy(lab_mini_data)
    data["tenants"][0].update(subnet="172.16.100.0/30", gateway="172.16.100.1")
    spec = _load(data, tmp_path).spec
    with pytest.raises(DesignError, match="too small"):
        design(spec)
