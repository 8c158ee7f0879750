"""lab_topology: pure mapping of a Fabric onto namespaces, veths and the OOB bridge (no root needed)."""

from __future__ import annotations

import pytest

from toolkit.design.model import put
from toolkit.lab.topology import LabTopologyError, lab_topology, namespace_name


def test_full_topology(make_fabric):
    fab = make_fabric("tp", leaves=2, spines=1)
    topo = lab_topology(fab)
    assert [n.device for n in topo.nodes] == ["spine1", "leaf1", "leaf2", "srv1", "srv2"]
    assert all(n.namespace == f"aidc-tp-{n.device}" for n in topo.nodes)
    assert "oob1" not in topo.namespaces and "pdu1" not in [n.device for n in topo.nodes]
    # no oob cable becomes a veth
    assert len(topo.links) == 4
    assert all(lk.plane != "oob" for lk in topo.links)
    leaf1 = topo.node("leaf1")
    assert leaf1.frr and leaf1.kind == "switch" and leaf1.mgmt_ifname == "eth0"
    assert leaf1.mgmt_address.endswith("/24")
    assert sorted(leaf1.interfaces) == ["swp1", "swp49"]
    srv = topo.node("srv1")
    assert not srv.frr and srv.mgmt_ifname == "eno1"
    link = next(lk for lk in topo.links if lk.a.device == "srv1")
    assert (link.a.ifname, link.a.mtu, link.b.device, link.b.ifname, link.b.mtu) == (
        "ens1f0",
        9000,
        "leaf1",
        "swp1",
        9216,
    )
    assert topo.controller_address == f"{fab.site.controller_address}/24"
    assert len(topo.controller_ifname) <= 15
    assert len({n.oob_ifname for n in topo.nodes}) == len(topo.nodes)


def test_deterministic(make_fabric):
    fab = make_fabric("tp", leaves=3, spines=2, servers_per_leaf=2)
    assert lab_topology(fab).model_dump_json() == lab_topology(fab).model_dump_json()


def test_scope_su_takes_leaves_servers_and_upper_tiers(make_fabric):
    # a second SU: leaf3 + srv3 in su2, cabled to the same spines
    fab3 = make_fabric("tp", leaves=3, spines=2)
    for name in ("leaf3", "srv3"):
        d = fab3.devices[name]
        put(d, su="su2")
    put(fab3, sus=["su1", "su2"])
    topo = lab_topology(fab3, "su1")
    assert sorted(n.device for n in topo.nodes) == ["leaf1", "leaf2", "spine1", "spine2", "srv1", "srv2"]
    # links only between instantiated devices
    assert all(lk.a.device != "leaf3" and lk.b.device != "leaf3" for lk in topo.links)
    topo2 = lab_topology(fab3, "su2")
    assert sorted(n.device for n in topo2.nodes) == ["leaf3", "spine1", "spine2", "srv3"]


def test_scope_device_list(make_fabric):
    fab = make_fabric("tp")
    topo = lab_topology(fab, "leaf1, spine1")
    assert [n.device for n in topo.nodes] == ["spine1", "leaf1"]
    assert len(topo.links) == 1
    with pytest.raises(LabTopologyError, match="unknown"):
        lab_topology(fab, "leaf1,nosuch")
    with pytest.raises(LabTopologyError, match="cannot be instantiated"):
        lab_topology(fab, "oob1")


def test_errors(make_fabric):
    fab = make_fabric("tp")
    put(fab.devices["leaf1"], mgmt_address=None)
    with pytest.raises(LabTopologyError, match="mgmt"):
        lab_topology(fab)
    fab = make_fabric("tp")
    put(fab.devices["leaf2"], mgmt_address=fab.devices["leaf1"].mgmt_address)
    with pytest.raises(LabTopologyError, match="also used"):
        lab_topology(fab)
    fab = make_fabric("tp")
    put(fab.devices["leaf1"].ports[0], ifname="x" * 16)
    with pytest.raises(LabTopologyError, match="interface name"):
        lab_topology(fab)
    fab = make_fabric("tp")
    put(fab.site, controller_address="10.9.9.9")
    with pytest.raises(LabTopologyError, match="outside"):
        lab_topology(fab)


def test_long_names_are_shortened():
    ns = namespace_name("a-very-long-cluster-name", "gpu-server-rack-017-node-12")
    assert len(ns) <= 40 and ns.startswith("aidc-")
    assert ns == namespace_name("a-very-long-cluster-name", "gpu-server-rack-017-node-12")
    assert ns != namespace_name("a-very-long-cluster-name", "gpu-server-rack-017-node-13")



def test_site_services_answer_on_the_oob_bridge_or_behind_the_border(write_spec):
    """lab-mini keeps NTP/DNS/syslog in the OOB block: the OOB bridge holds them (with the OOB
    prefix length); with the services outside the fabric and a border, every external router's
    loopback holds them (reached through the default route it announces)."""
    import copy

    from tests.conftest import example_data
    from toolkit.design import design
    from toolkit.spec import load

    data = copy.deepcopy(example_data("lab-mini"))
    fab = design(load(write_spec(data)).spec)
    topo = lab_topology(fab)
    plen = fab.site.oob_prefix.split("/")[1]
    assert topo.site_services == [f"{a}/{plen}" for a in (*fab.site.ntp, *fab.site.dns, *fab.site.syslog)]
    assert topo.externals == []

    data["site"].update(ntp=["198.51.100.10"], dns=["198.51.100.11"])  # syslog stays in the OOB block
    data["networks"]["border"] = {
        "leaves": ["fe-leaf01", "fe-leaf02"],
        "routers": [{"name": "up1", "asn": 64900, "links": "10.249.0.0/29", "vrfs": ["default"]},
                    {"name": "up2", "asn": 64901, "links": "10.249.0.8/29", "vrfs": ["default"]}],
    }
    for t in data["tenants"]:  # the border leaves' tenants keep no VRF session on frr: none asked
        t.pop("export", None)
    res = load(write_spec(data))
    assert res.spec is not None, res.findings
    topo = lab_topology(design(res.spec, platform="frr"))
    assert topo.site_services == [f"{data['site']['syslog'][0]}/{plen}"]
    assert [(x.device, x.services) for x in topo.externals] == [
        ("up1", ["198.51.100.10", "198.51.100.11"]), ("up2", ["198.51.100.10", "198.51.100.11"])]
