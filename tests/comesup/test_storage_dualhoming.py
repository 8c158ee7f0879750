"""Dual-homed storage: superpod-1su's dedicated storage fabric has ``dual_homing``, and every host
with a 2-port ``st0`` (the storage servers and the GPU servers, its clients) is an LACP bond in
its leaf pair's storage segment: one L2VNI per leaf group, an anycast gateway on both leaves in
the default VRF, one EVPN multihoming Ethernet segment per host (``toolkit.design.segments``).

What the twin cannot show: the lab kernel creates no bonds (and runs no LACP), so no namespace
proves a bond or a member-link failover here. These tests prove the rendered facts per platform
(FRR ifupdown2 + frr.conf, SONiC CONFIG_DB + frr.conf, Cumulus NVUE, EOS CLI) and the host's
netplan bond, FRR's own parser accepts the EVPN-MH configuration (``vtysh --dryrun``), the
route-lookup proof in validate (REACH002/REACH003) covers clients <-> servers both ways through
the segments, and STO011 (leaf failure) holds only because of the bonds. tests/vendor checks the
same switch files against SONiC YANG, NVUE's object model and Arista AVD.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.comesup.conftest import VTYSH, frr_dryrun, superpod_data, superpod_fabric
from toolkit.design.model import Fabric, TenantNetwork, put
from toolkit.design.reachability import Planes, host_tables, ip_int, owners, trace
from toolkit.design.segments import SEGMENT_VLAN, SEGMENT_VNI_BASE
from toolkit.render.core import environment
from toolkit.render.hosts import render as render_hosts
from toolkit.render.switches import render_device
from toolkit.rules import validate
from toolkit.rules.multihoming import segment_problems
from toolkit.spec import load

STORAGE_SERVERS = [f"stor-r0{r}-stor0{i}" for r in (1, 2) for i in range(1, 5)]


def segs(fabric: Fabric) -> list[TenantNetwork]:
    """The storage segments' networks (each segment is a default-VRF tenant of one network)."""
    return [n for s in fabric.segments for n in s.networks]


def _findings(data: dict[str, Any], write_spec: Any, prefix: str) -> list[Any]:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return [f for f in validate(res.spec, res.sources) if f.code.startswith(prefix)]


def test_every_storage_host_is_bonded_into_its_leaf_pairs_segment() -> None:
    fab = superpod_fabric()
    assert segs(fab) and [s.vni for s in segs(fab)] == [SEGMENT_VNI_BASE + g for g in range(len(segs(fab)))]
    hosts = {m.server: (seg, m) for seg in segs(fab) for m in seg.members}
    gpus = [d.name for d in fab.servers() if d.role == "gpu-server"]
    assert set(STORAGE_SERVERS + gpus) <= set(hosts)  # servers and clients alike
    nets = [ipaddress.ip_network(s.subnet) for s in segs(fab)]
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])
    for name, (seg, m) in hosts.items():
        srv = fab.devices[name]
        bond = next(p for p in srv.ports if p.role == "bond" and p.plane == "storage")
        assert m.port == bond.name and m.esi == bond.esi and bond.address == m.address
        assert ipaddress.ip_interface(bond.address).network == ipaddress.ip_network(seg.subnet)
        assert bond.gateway == seg.gateway and bond.routes and bond.vni == seg.vni
        assert sorted(bond.peers) == sorted(seg.leaves)  # one port on each leaf of the pair
        for member in bond.members:  # no routed /31 left on the storage plane
            assert srv.port(member).address is None and srv.port(member).bond == bond.name
        for leaf_name in bond.peers:
            leaf = fab.devices[leaf_name]
            lb = next(p for p in leaf.ports if p.role == "bond" and p.peers == (name,))
            assert lb.esi == bond.esi and lb.vlan == SEGMENT_VLAN and lb.vni == seg.vni
            assert lb.name in next(a.bonds for a in leaf.segments if a.vni == seg.vni)
    for seg in segs(fab):  # the anycast gateway: every leaf of the pair holds it and announces it
        for leaf_name in seg.leaves:
            leaf = fab.devices[leaf_name]
            assert [a.vni for a in leaf.segments] == [seg.vni]
            assert seg.subnet in leaf.advertise
            assert not [p for p in leaf.ports if p.role == "downlink" and p.address]
    assert segment_problems(fab) == []
    assert [(s.subnet, [m.address for m in s.members]) for s in segs(superpod_fabric())] == [
        (s.subnet, [m.address for m in s.members]) for s in segs(fab)]  # deterministic


def test_storage_survives_a_leaf_only_with_the_bonds(write_spec: Any) -> None:
    # superpod-1su asks Ceph and MinIO to survive a leaf: it holds with the segments
    data = superpod_data()
    assert all("leaf" in c["survives"] for c in data["storage"]["ceph"] + data["storage"]["minio"])
    assert not _findings(data, write_spec, "STO011")
    # without dual-homing every daemon address is a /31 on the first storage leaf: STO011
    data["networks"]["storage"]["fabric"]["dual_homing"] = False
    hits = _findings(data, write_spec, "STO011")
    assert hits and any("leaf" in f.message and "st-leaf" in f.message for f in hits), [f.message for f in hits]
    assert hits[0].yaml_path.startswith("storage.") and hits[0].line


def _pairs(fab: Fabric) -> list[tuple[str, str]]:
    servers = [m.server for s in segs(fab) for m in s.members if m.server in STORAGE_SERVERS]
    clients = ["su1-r01-gpu01", "su1-r08-gpu04"]
    return [(c, s) for c in clients for s in servers] + [(s, c) for c in clients for s in servers]


def test_reachability_proof_covers_clients_and_servers_both_ways() -> None:
    fab = superpod_fabric()
    tables, planes = host_tables(fab), Planes(fab)
    owner = owners(tables)

    def addr(host: str) -> int:
        return ip_int(next(p.address for p in fab.devices[host].ports if p.role == "bond" and p.plane == "storage"
                           and p.address))

    for a, b in _pairs(fab):  # across segments (other leaf pair) and within one
        assert trace(fab, tables, planes, owner, a, addr(a), addr(b)) is None, (a, b)
    # a leaf of the pair that does not route the far segment breaks the pair: the proof says where
    seg = next(s for s in segs(fab) if "stor-r01-stor01" in [m.server for m in s.members])
    other = next(s for s in segs(fab) if s is not seg and any(m.server.startswith("su1-") for m in s.members))
    client = next(m.server for m in other.members if m.server.startswith("su1-"))
    for name in seg.leaves:
        leaf = fab.devices[name]
        fab.devices[name] = leaf.model_copy(update={"advertise": [x for x in leaf.advertise if x != seg.subnet]})
    planes = Planes(fab)
    why = trace(fab, tables, planes, owner, client, addr(client), addr("stor-r01-stor01"))
    assert why is not None and "no route" in why and ipaddress.ip_interface(seg.gateway) and "advertises" in why


def test_reach_rules_fire_when_a_segment_is_not_announced(write_spec: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.design.policy as policy

    assert not _findings(superpod_data(), write_spec, "REACH")
    real = policy._switches

    def drop_segments(fabric: Fabric, plats: Any) -> None:  # a policy that forgets the segment subnets
        real(fabric, plats)
        subnets = {s.subnet for s in segs(fabric)}
        for d in fabric.devices.values():
            if d.segments:
                put(d, advertise=[x for x in d.advertise if x not in subnets])

    monkeypatch.setattr(policy, "_switches", drop_segments)
    hits = _findings(superpod_data(), write_spec, "REACH002")
    assert hits and "storage client" in hits[0].message and "no route" in hits[0].message


def _storage_leaf(platform: str) -> tuple[Fabric, Any, dict[str, str]]:
    fab = superpod_fabric(platform)
    seg = next(s for s in segs(fab) if "stor-r01-stor01" in [m.server for m in s.members])
    leaf = fab.devices[seg.leaves[0]]
    return fab, leaf, render_device(leaf, fab, environment())


def test_rendered_segment_facts_per_platform() -> None:
    # frr: bridge per segment with the anycast gateway and its MAC, bonds in it, ES in frr.conf
    fab, leaf, files = _storage_leaf("frr")
    seg = segs(fab)[[s.vni for s in segs(fab)].index(leaf.segments[0].vni)]
    plen = seg.subnet.split("/")[1]
    br = files["interfaces"].split(f"iface br{seg.vni}\n", 1)[1].split("\n\n", 1)[0]
    lb = next(p for p in leaf.ports if p.role == "bond")
    assert f"address {seg.gateway}/{plen}" in br and f"hwaddress {seg.gateway_mac}" in br and lb.ifname in br
    assert f"vxlan-id {seg.vni}" in files["interfaces"]
    assert f" evpn mh es-id {lb.es_id}\n" in files["frr.conf"]
    assert f"permit {seg.subnet}" in files["frr.conf"] and "advertise-all-vni" in files["frr.conf"]
    assert "vrf " not in files["frr.conf"].split("router bgp", 1)[0].replace("vrf mgmt", "")  # default VRF

    # sonic: VLAN + L2VNI + anycast SVI in the default VRF, the PortChannel in the VLAN, ES entry
    fab, leaf, files = _storage_leaf("sonic")
    db = json.loads(files["config_db.json"])
    name = f"Vlan{SEGMENT_VLAN}"
    assert db["VLAN_INTERFACE"][name] == {"static_anycast_gateway": "true"}  # no vrf_name: default VRF
    assert f"{name}|{seg.gateway}/{plen}" in db["VLAN_INTERFACE"]
    assert db["VXLAN_TUNNEL_MAP"][f"vtep|map_{seg.vni}_{name}"] == {"vlan": name, "vni": str(seg.vni)}
    lb = next(p for p in leaf.ports if p.role == "bond")
    assert db["VLAN_MEMBER"][f"{name}|{lb.name}"] == {"tagging_mode": "untagged"}
    assert db["EVPN_ETHERNET_SEGMENT"][lb.name]["type"] == "TYPE_3_MAC_BASED"
    assert "VRF" not in db

    # cumulus: SVI with VRR in the default VRF, VLAN-VNI on the bridge, the bond an access port
    fab, leaf, files = _storage_leaf("cumulus")
    nv = next(d for d in yaml.safe_load_all(files["startup.yaml"]) if d)
    top = next(x["set"] for x in nv if "set" in x)
    svi = top["interface"][f"vlan{SEGMENT_VLAN}"]
    assert "vrf" not in svi["ip"] and list(svi["ip"]["vrr"]["address"]) == [f"{seg.gateway}/{plen}"]
    assert list(top["bridge"]["domain"]["br_default"]["vlan"][str(SEGMENT_VLAN)]["vni"]) in ([seg.vni], [str(seg.vni)])
    lb = next(p for p in leaf.ports if p.role == "bond")
    assert top["interface"][lb.name]["bridge"]["domain"]["br_default"]["access"] == SEGMENT_VLAN

    # eos (superpod's own storage platform): VLAN, SVI with ip address virtual in no VRF, VXLAN map,
    # MAC-VRF, the Port-Channel with the ESI in the VLAN
    fab, leaf, files = _storage_leaf("eos")
    cfg = files["startup-config"]
    svi_eos = cfg.split(f"interface Vlan{SEGMENT_VLAN}\n", 1)[1].split("!\n", 1)[0]
    assert f"   ip address virtual {seg.gateway}/{plen}\n" in svi_eos and "vrf" not in svi_eos
    assert f"   vxlan vlan {SEGMENT_VLAN} vni {seg.vni}\n" in cfg
    assert f"   vlan {SEGMENT_VLAN}\n      rd " in cfg and f"route-target both {seg.vni}:{seg.vni}" in cfg
    lb = next(p for p in leaf.ports if p.role == "bond")
    pc = cfg.split(f"interface {lb.name}\n", 1)[1].split("!\n", 1)[0]
    assert f"switchport access vlan {SEGMENT_VLAN}" in pc and "evpn ethernet-segment" in pc


def test_host_files_render_the_storage_bond() -> None:
    fab = superpod_fabric()
    files = render_hosts(fab, environment())
    for host in ("stor-r01-stor01", "su1-r01-gpu01"):
        bond = next(p for p in fab.devices[host].ports if p.role == "bond" and p.plane == "storage")
        plan = yaml.safe_load(files[f"hosts/{host}/netplan.yaml"])["network"]
        b = plan["bonds"][bond.name]
        assert b["interfaces"] == list(bond.members) and b["parameters"]["mode"] == "802.3ad"
        assert b["addresses"] == [bond.address]
        assert [(r["to"], r["via"]) for r in b["routes"]] == [(x, bond.gateway) for x in bond.routes]
        for m in bond.members:
            assert "addresses" not in plan["ethernets"][m]


@pytest.mark.skipif(VTYSH is None, reason="FRR (vtysh) not installed: make test installs it")
def test_frr_accepts_the_storage_leaf_config(tmp_path: Path) -> None:
    # the frr platform's and SONiC's frr.conf of a storage leaf (segment bonds, EVPN in the default VRF)
    confs = {p: _storage_leaf(p)[2]["frr.conf"] for p in ("frr", "sonic")}
    results = {p: frr_dryrun(c, tmp_path) for p, c in confs.items()}
    assert all("evpn mh es-id" in c and "advertise-all-vni" in c for c in confs.values())
    assert all(r.returncode == 0 and not (r.stdout + r.stderr).strip() for r in results.values()), results
    broken = confs["sonic"].replace("evpn mh es-sys-mac 02:", "evpn mh es-sys-mac zz:", 1)
    assert frr_dryrun(broken, tmp_path).returncode != 0  # the parser can refuse


def test_segment_vlan_and_vni_clash_is_dh004(write_spec: Any) -> None:
    data = superpod_data()
    data["tenants"].append({"name": "stbad", "vni": SEGMENT_VNI_BASE + 1, "vlan": SEGMENT_VLAN, "plane": "storage",
                            "subnet": "172.17.0.0/24", "gateway": "172.17.0.1", "members": ["su1-r08-gpu04"]})
    hits = _findings(data, write_spec, "DH004")
    assert sorted(f.yaml_path for f in hits) == ["tenants[2].vlan", "tenants[2].vni"] and all(f.line for f in hits)


def test_single_homed_storage_host_is_dh005(write_spec: Any) -> None:
    data = superpod_data()
    nic = next(n for n in data["catalog"]["servers"]["stor-nvme"]["nics"] if n["role"] == "storage")
    nic["ports"] = 1
    hits = _findings(data, write_spec, "DH005")
    assert len(hits) == 8 and all("stays single-homed" in f.message and "one port" in f.message for f in hits)
    assert not _findings(superpod_data(), write_spec, "DH005")
