"""Dual-homing: tenant members with a 2-port front-end NIC get an LACP bond on the host and one
EVPN multihoming Ethernet segment on their leaf pair (superpod-1su: dual_homing on the business
plane, its four tenant members have ``fe0`` with 2 ports).

The lab kernel cannot create bonds, so no twin proves a bond here: these tests check the rendered
facts of every platform (FRR ifupdown2 + frr.conf, SONiC CONFIG_DB + frr.conf, Cumulus NVUE,
EOS CLI) and the host's netplan, and FRR's own parser accepts the EVPN-MH configuration
(``vtysh --dryrun``). tests/vendor checks the same files against SONiC YANG, NVUE's object model
and Arista AVD.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.comesup.conftest import SUPERPOD, VTYSH, frr_dryrun, superpod_data, superpod_fabric
from toolkit.design.model import Fabric
from toolkit.netstate import NetIntent
from toolkit.render.core import environment
from toolkit.render.hosts import render as render_hosts
from toolkit.render.switches import render_device
from toolkit.rules import validate
from toolkit.rules.multihoming import segment_problems
from toolkit.spec import load


def _bond(dev: Any, name: str) -> Any:
    return next(p for p in dev.ports if p.role == "bond" and p.name == name)


def test_every_tenant_member_is_one_segment_on_two_leaves() -> None:
    fab = superpod_fabric()
    members = [m for t in fab.tenants for m in t.members]
    assert len(members) == 4
    esis = set()
    for m in members:
        srv = fab.devices[m.server]
        host = _bond(srv, m.port)
        assert m.port == "bond0" and host.address == m.address and host.gateway
        assert host.members == ("fe0p0", "fe0p1") and len(set(host.peers)) == 2 == len(m.leaves)
        for name in host.members:  # members carry no address: the bond does
            assert srv.port(name).bond == "bond0" and srv.port(name).address is None
        ends = []
        for leaf_name in host.peers:
            leaf = fab.devices[leaf_name]
            lb = next(p for p in leaf.ports if p.role == "bond" and p.peers == (m.server,))
            assert lb.esi == host.esi == m.esi and lb.name == f"PortChannel{lb.es_id}"  # SONiC leaves
            assert lb.vlan is not None and lb.name in next(a.bonds for a in leaf.tenants if a.vlan == lb.vlan)
            assert all(leaf.port(x).bond == lb.name for x in lb.members)
            ends.append((lb.es_id, lb.es_sys_mac, lb.vlan))
        assert len(set(ends)) == 1  # both leaves present the same segment and LACP system id
        esis.add(host.esi)
    assert len(esis) == 4
    assert segment_problems(fab) == []
    # deterministic: a second design gives the same segments
    again = superpod_fabric()
    assert [m.esi for t in again.tenants for m in t.members] == [m.esi for m in members]


def test_non_members_stay_routed_on_both_leaves() -> None:
    # two-port servers outside tenants keep one /31 per leaf (L3 dual-homing, ECMP-able metrics)
    dev = superpod_fabric().devices["su1-r01-gpu01"]
    fe = [p for p in dev.ports if p.plane == "business" and p.role == "host"]
    assert len(fe) == 2 and all(p.address and p.bond is None for p in fe)
    assert not [p for p in dev.ports if p.role == "bond" and p.plane == "business"]


def _leaf_files(platform: str) -> tuple[Fabric, Any, dict[str, str]]:
    fab = superpod_fabric(platform)
    m = fab.tenants[0].members[0]
    leaf = fab.devices[m.leaf]
    return fab, leaf, render_device(leaf, fab, environment())


def test_rendered_segment_facts_per_platform() -> None:
    # frr: ifupdown2 bond with the ES system MAC, frr.conf es-id / es-sys-mac, uplinks tracked
    _, leaf, files = _leaf_files("frr")
    lb = next(p for p in leaf.ports if p.role == "bond")
    assert f"iface {lb.ifname}\n    bond-slaves {leaf.port(lb.members[0]).ifname}\n    bond-mode 802.3ad" in files[
        "interfaces"]
    assert f"es-sys-mac {lb.es_sys_mac}" in files["interfaces"]
    stanza = files["frr.conf"].split(f"interface {lb.ifname}\n", 1)[1].split("exit\n", 1)[0]
    assert f" evpn mh es-id {lb.es_id}\n evpn mh es-sys-mac {lb.es_sys_mac}\n" in stanza
    uplinks = [p for p in leaf.ports if p.role == "uplink"]
    assert files["frr.conf"].count(" evpn mh uplink\n") == len(uplinks) > 0
    # network.json (the lab kernel creates no bonds): the bond is no link, its members join the
    # tenant bridge themselves
    links = NetIntent.model_validate_json(files["network.json"]).links
    att = next(a for a in leaf.tenants if lb.name in a.bonds)
    assert lb.ifname not in links
    assert all(links[leaf.port(m).ifname].master == f"br{att.vni}" for m in lb.members)

    # sonic: PortChannel with the segment's LACP system MAC and key, member, VLAN member, ES entry
    _, leaf, files = _leaf_files("sonic")
    lb = next(p for p in leaf.ports if p.role == "bond")
    db = json.loads(files["config_db.json"])
    assert db["PORTCHANNEL"][lb.name]["system_mac"] == lb.es_sys_mac
    assert db["PORTCHANNEL"][lb.name]["lacp_key"] == str(lb.es_id)
    assert f"{lb.name}|{lb.members[0]}" in db["PORTCHANNEL_MEMBER"]
    assert db["VLAN_MEMBER"][f"Vlan{lb.vlan}|{lb.name}"] == {"tagging_mode": "untagged"}
    assert f"Vlan{lb.vlan}|{lb.members[0]}" not in db["VLAN_MEMBER"]  # the member is no access port
    assert db["EVPN_ETHERNET_SEGMENT"][lb.name] == {"esi": "AUTO", "type": "TYPE_3_MAC_BASED"}
    assert f" evpn mh es-id {lb.es_id}\n" in files["frr.conf"].split(f"interface {lb.name}\n", 1)[1].split("exit\n")[0]

    # cumulus: NVUE bond with the segment and the VLAN; the member is a bond member only
    _, leaf, files = _leaf_files("cumulus")
    lb = next(p for p in leaf.ports if p.role == "bond")
    nv = next(d for d in yaml.safe_load_all(files["startup.yaml"]) if d)
    intf = next(x["set"] for x in nv if "set" in x)["interface"]
    seg = intf[lb.name]["evpn"]["multihoming"]["segment"]  # YAML 1.1 reads NVUE's on as True
    assert seg == {"enable": True, "local-id": lb.es_id, "mac-address": lb.es_sys_mac}
    assert intf[lb.name]["bond"]["member"] == {lb.members[0]: {}}
    assert intf[lb.name]["bridge"]["domain"]["br_default"]["access"] == lb.vlan
    assert "bridge" not in intf[lb.members[0]]

    # eos: member in channel-group, Port-Channel with the ESI and LACP system id
    _, leaf, files = _leaf_files("eos")
    lb = next(p for p in leaf.ports if p.role == "bond")
    cfg = files["startup-config"]
    n = lb.es_id
    assert f"interface {lb.members[0]}\n" in cfg and f"   channel-group {n} mode active\n" in cfg
    esi = lb.esi.replace(":", "")
    assert (f"interface Port-Channel{n}\n" in cfg and
            f"   evpn ethernet-segment\n      identifier {':'.join(esi[i:i + 4] for i in range(0, 20, 4))}\n" in cfg)
    mac = lb.es_sys_mac.replace(":", "")
    assert f"   lacp system-id {mac[:4]}.{mac[4:8]}.{mac[8:]}\n" in cfg


def test_host_netplan_renders_the_bond() -> None:
    fab = superpod_fabric()
    m = fab.tenants[0].members[0]
    plan = yaml.safe_load(render_hosts(fab, environment())[f"hosts/{m.server}/netplan.yaml"])["network"]
    bond = plan["bonds"]["bond0"]
    assert bond["interfaces"] == ["fe0p0", "fe0p1"]
    assert bond["parameters"]["mode"] == "802.3ad" and bond["parameters"]["lacp-rate"] == "fast"
    assert bond["addresses"] == [m.address]
    assert bond["routes"][0]["via"] == fab.tenants[0].networks[0].gateway
    for name in ("fe0p0", "fe0p1"):
        assert "addresses" not in plan["ethernets"][name] and "routes" not in plan["ethernets"][name]


@pytest.mark.skipif(VTYSH is None, reason="FRR (vtysh) not installed: make test installs it")
@pytest.mark.parametrize("platform", ["frr", "sonic"])
def test_frr_accepts_the_evpn_mh_config(platform: str, tmp_path: Path) -> None:
    _, _, files = _leaf_files(platform)
    assert "evpn mh es-id" in files["frr.conf"]
    res = frr_dryrun(files["frr.conf"], tmp_path)
    assert res.returncode == 0 and not (res.stdout + res.stderr).strip(), res.stdout + res.stderr
    # and the same parser refuses a broken segment line (the check can fail)
    res = frr_dryrun(files["frr.conf"].replace("evpn mh es-sys-mac 02:", "evpn mh es-sys-mac zz:", 1), tmp_path)
    assert res.returncode != 0


def test_dual_homing_without_a_pair_is_dh001(write_spec: Any) -> None:
    data = superpod_data()
    data["networks"]["business"]["leaves_per_group"] = 1
    res = load(write_spec(data))
    assert res.spec is not None
    hits = [f for f in validate(res.spec, res.sources) if f.code == "DH001"]
    assert len(hits) == 1 and hits[0].yaml_path == "networks.business.dual_homing" and hits[0].line
    assert "leaves_per_group is 1" in hits[0].message


def test_single_port_member_is_dh002(write_spec: Any) -> None:
    data = superpod_data()
    nics = data["catalog"]["servers"]["svc-1u"]["nics"]
    next(n for n in nics if n["role"] == "business")["ports"] = 1
    res = load(write_spec(data))
    assert res.spec is not None
    hits = [f for f in validate(res.spec, res.sources) if f.code == "DH002"]
    assert len(hits) == 4 and hits[0].yaml_path == "tenants[0].networks[0].members[0]" and hits[0].line
    assert "stays single-homed" in hits[0].message and "has one port" in hits[0].message
    # and with dual_homing on every member bonded, nothing is reported
    res = load(SUPERPOD)
    assert res.spec is not None
    assert not [f for f in validate(res.spec, res.sources) if f.code.startswith("DH")]


def test_inconsistent_segment_is_dh003() -> None:
    fab = superpod_fabric()
    m = fab.tenants[0].members[0]
    leaf = fab.devices[m.leaves[1]]
    lb = next(p for p in leaf.ports if p.role == "bond" and p.peers == (m.server,))
    bad = lb.model_copy(update={"es_sys_mac": "02:ad:c0:01:99:99", "vlan": 999})
    leaf_bad = leaf.model_copy(update={"ports": [bad if p is lb else p for p in leaf.ports]})
    fab_bad = fab.model_copy(update={"devices": {**fab.devices, leaf.name: leaf_bad}})
    problems = segment_problems(fab_bad)
    whats = [w for s, e, w in problems if s == m.server and e == m.esi]
    assert any("system MAC" in w for w in whats) and any("tenant VLAN" in w for w in whats)
