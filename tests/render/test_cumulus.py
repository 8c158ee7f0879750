"""``cumulus`` platform (NVUE): facts read back from ``startup.yaml`` and ``nv-set.sh`` vs the Fabric.

Cumulus Linux is vendor software and cannot run here, so the syntax is checked by parsing, not by
the real NVUE: ``startup.yaml`` with a YAML parser (``yaml.safe_load``), ``nv-set.sh`` with a shell
tokenizer (``shlex``) and ``sh -n``; the command paths follow the NVUE reference of Cumulus Linux
5.11 - 5.14. Every fact the tests need is read from the parsed files and compared with the Fabric
(never with the renderer's own view objects): hostname, services, management VRF and ACL
(evaluated), every port (MTU, speed, description, address, bridge access VLAN, breakout, shutdown),
loopback, BGP (local AS, router-id, neighbours and remote AS, address families, ECMP width,
advertised prefixes), EVPN (L2VNI, L3VNI, anycast gateway) and lossless RoCE (trust, DSCP map, PFC
priority, ECN, strict CNP queue, PFC watchdog). ``nv-set.sh`` must set exactly the same paths and
values as ``startup.yaml``.

Golden files: ``tests/golden/lab-mini/cumulus/<switch>/<file>``; regenerate with
``AIDC_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from toolkit.design import design
from toolkit.design.model import Device, Fabric, put
from toolkit.design.naming import switch_port_name
from toolkit.render.core import environment
from toolkit.render.switches import render_device
from toolkit.spec import load
from toolkit.spec.models import parse_breakout

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "inventory" / "examples"
# cluster-100k is designed in tests/scale (slow): a design per platform here would take minutes
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "cluster-100k")
GOLDEN = ROOT / "tests" / "golden" / "lab-mini" / "cumulus"
PLATFORM = "cumulus"
FILES = ("nv-set.sh", "startup.yaml")


@functools.cache
def fabric(example: str) -> Fabric:
    return design(load(EXAMPLES / example).spec, platform=PLATFORM)


@functools.lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    return environment()


@functools.cache
def rendered(example: str, device: str) -> dict[str, str]:
    fab = fabric(example)
    return render_device(fab.devices[device], fab, env())


def sample(example: str) -> list[Device]:
    """Every switch of the small examples; for cluster-16k the first, a middle and the last switch
    of each role (the whole example is rendered in the performance measurement, not here)."""
    switches = [d for d in fabric(example).switches() if d.platform != "infiniband"]
    if example != "cluster-16k":
        return switches
    by_role: dict[str, list[Device]] = {}
    for d in switches:
        by_role.setdefault(d.role, []).append(d)
    out: list[Device] = []
    for devs in by_role.values():
        picks = {0, len(devs) // 2, len(devs) - 1}
        out += [devs[i] for i in sorted(picks)]
    return out


# --- reading the files back ---------------------------------------------------------------------


def nvue_tree(text: str) -> dict[str, Any]:
    doc = yaml.safe_load(text)
    assert isinstance(doc, list) and len(doc) == 1 and list(doc[0]) == ["set"], "not an NVUE '- set:' document"
    tree = doc[0]["set"]
    assert isinstance(tree, dict)
    return tree


def flatten(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """NVUE tree -> ``nv set`` argument tuples (``key: {}`` is a bare path)."""
    out: list[tuple[str, ...]] = []
    for key, value in tree.items():
        assert isinstance(key, str), f"non-string key {key!r} under {' '.join(prefix)}"
        path = (*prefix, key)
        if isinstance(value, dict):
            out += flatten(value, path) if value else [path]
        elif isinstance(value, bool):
            out.append((*path, "on" if value else "off"))
        elif isinstance(value, int | str):
            out.append((*path, str(value)))
        else:
            raise AssertionError(f"unexpected value {value!r} at {' '.join(path)}")
    return out


def nv_set_commands(script: str) -> list[tuple[str, ...]]:
    lines = script.splitlines()
    assert lines[0] == "#!/bin/sh"
    assert lines[-1] == "nv config apply -y"
    assert "set -e" in lines
    cmds = []
    for line in lines[1:-1]:
        if not line.strip() or line.startswith("#") or line == "set -e":
            continue
        words = shlex.split(line)
        assert words[:2] == ["nv", "set"] and len(words) > 2, f"unexpected line {line!r}"
        cmds.append(tuple(words[2:]))
    return cmds




def dig(tree: dict[str, Any], *path: str, default: Any = None) -> Any:
    node: Any = tree
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def keys(node: Any) -> set[str]:
    assert isinstance(node, dict), f"expected a collection, got {node!r}"
    assert all(v == {} for v in node.values()), f"collection members with attributes: {node!r}"
    return set(node)


# --- expectations computed from the Fabric -------------------------------------------------------


def acl_action(acl: dict[str, Any], src: str, proto: str, port: int) -> str | None:
    """First matching rule of an NVUE ipv4 ACL (rules in numeric order); None when none matches."""
    for rid in sorted(acl["rule"], key=int):
        rule = acl["rule"][rid]
        ip = rule["match"]["ip"]
        if ip.get("protocol") != proto:
            continue
        ports = {int(p) for p in dig(ip, proto, "dest-port", default={})}
        if ports and port not in ports:
            continue
        if "source-ip" in ip and ipaddress.ip_address(src) not in ipaddress.ip_network(ip["source-ip"]):
            continue
        (action,) = rule["action"]
        return str(action)
    return None


# --- the checks ------------------------------------------------------------------------------------


def check_device(example: str, dev: Device, files: dict[str, str] | None = None) -> None:
    """Compare the files rendered for ``dev`` (default: the bundled templates) with the Fabric."""
    fab = fabric(example)
    site, qos = fab.site, fab.qos
    files = rendered(example, dev.name) if files is None else files
    assert sorted(files) == sorted(FILES)
    S = nvue_tree(files["startup.yaml"])
    where = f"{example}/{dev.name}"

    # system and services
    assert S["system"]["hostname"] == dev.name, where
    # NVUE lists the Etc/ names of the IANA zones (bare UTC is refused)
    assert S["system"]["timezone"] == {"UTC": "Etc/UTC"}.get(site.timezone, site.timezone), where
    assert keys(S["service"]["dns"]["mgmt"]["server"]) == set(site.dns), where
    assert keys(S["service"]["dns"]["mgmt"]["search"]) == {site.domain}, where
    assert keys(S["service"]["ntp"]["mgmt"]["server"]) == set(site.ntp), where
    if tuple(int(x) for x in (dev.os_version or "5.14").split(".")) >= (5, 13):  # system syslog from 5.13
        assert "syslog" not in S.get("service", {}), where
        servers = S["system"]["syslog"]["server"]
        assert all(servers[s]["vrf"] == "mgmt" for s in site.syslog), where
    else:
        servers = S["service"]["syslog"]["mgmt"]["server"]
    assert set(servers) == set(site.syslog), where
    assert S["service"]["lldp"]["state"] == "enabled", where

    interfaces = S["interface"]
    seen: set[str] = set()

    # management: address in the mgmt VRF, default route, ACL bound to the control plane
    mgmt = interfaces[dev.mgmt_port]
    seen.add(str(dev.mgmt_port))
    assert mgmt["type"] == "eth"
    assert mgmt["ip"]["vrf"] == "mgmt", where
    if dev.mgmt_inband:  # a rack OOB switch is managed on its own OOB VLAN's SVI, eth0 keeps no address
        assert "address" not in mgmt["ip"], where
        svi = next(v for n, v in interfaces.items() if v.get("type") == "svi" and n.startswith("vlan"))
        seen.update(n for n, v in interfaces.items() if v is svi)
        assert svi["ip"]["vrf"] == "mgmt" and keys(svi["ip"]["address"]) == {dev.mgmt_address}, where
        assert svi["acl"] == mgmt["acl"], where
    elif dev.mgmt_address is None:  # no OOB network (l3ls-evpn): no address, route or management ACL
        assert "address" not in mgmt["ip"] and "acl" not in mgmt and "acl" not in S, where
    else:
        assert keys(mgmt["ip"]["address"]) == {dev.mgmt_address}, where
    if dev.mgmt_address is not None:
        assert keys(S["vrf"]["mgmt"]["router"]["static"]["0.0.0.0/0"]["via"]) == {dev.mgmt_gateway}, where
        (acl_name,) = mgmt["acl"]
        assert mgmt["acl"][acl_name] == {"inbound": {"control-plane": {}}}, where
        acl = S["acl"][acl_name]
        assert acl["type"] == "ipv4"
        oob = ipaddress.ip_network(site.oob_prefix)
        inside, outside = str(oob[5]), "192.0.2.1"
        assert ipaddress.ip_address(outside) not in oob
        for proto, port in (("tcp", 22), ("udp", 161)):
            assert acl_action(acl, inside, proto, port) == "permit", (where, proto, port)
            assert acl_action(acl, outside, proto, port) == "deny", (where, proto, port)

    # loopback
    if dev.loopback:
        assert keys(interfaces["lo"]["ip"]["address"]) == {dev.loopback}, where
        seen.add("lo")
    else:
        assert "lo" not in interfaces

    # every port in use
    lossless = {p.name for p in dev.ports if p.qos == qos.name}
    for p in dev.ports:
        if p.name == dev.mgmt_port:
            continue
        node = interfaces[p.name]
        seen.add(p.name)
        ctx = f"{where}:{p.name}"
        if p.role == "bond":  # an EVPN-MH segment: LACP bond over its members, in the tenant VLAN
            assert node["type"] == "bond" and node["link"]["mtu"] == p.mtu, ctx
            # LACP: NVUE's default bond mode (not written)
            assert keys(node["bond"]["member"]) == set(p.members) and node["bond"].get("mode", "lacp") == "lacp", ctx
            seg = node["evpn"]["multihoming"]["segment"]
            assert (seg["local-id"], seg["mac-address"]) == (p.es_id, p.es_sys_mac), ctx
            assert dig(node, "bridge", "domain", "br_default", "access") == p.vlan, ctx
            continue
        assert node["type"] == "swp", ctx
        assert node["link"]["mtu"] == p.mtu, ctx
        assert node["link"]["speed"] == f"{p.speed}G", ctx
        assert node["link"]["state"] == {"up": {}}, ctx
        assert node.get("description", "") == p.description, ctx
        addresses = keys(dig(node, "ip", "address", default={}))
        assert addresses == ({p.address} if p.address else set()), ctx
        access = dig(node, "bridge", "domain", "br_default", "access")
        if p.bond is not None:
            assert access is None and p.name in interfaces[p.bond]["bond"]["member"], ctx  # the bond's VLAN
        elif p.vlan is not None:
            assert access == p.vlan, ctx
        elif p.role in ("oob-access", "oob-uplink"):
            assert access == site.oob_vlan, ctx  # the designed OOB VLAN: the flat OOB L2 domain
        else:
            assert access is None, ctx
        if p.name in lossless and qos.pfc_watchdog:
            assert node["qos"]["pfc-watchdog"]["state"] == "enable", ctx
        else:
            assert dig(node, "qos") is None, ctx

    # breakouts: on the cage's parent port, for every cage the design broke out
    for cage, mode in dev.cage_breakouts.items():
        lanes, _speed = parse_breakout(mode)
        if lanes == 1:
            continue
        parent = switch_port_name(PLATFORM, cage, 0, 1, dev.cage_speed)
        assert interfaces[parent]["link"]["breakout"] == {f"{lanes}x": {}}, (where, cage)
        seen.add(parent)

    # unused ports shut
    for name, _ifname in dev.unused_ports:
        assert interfaces[name]["link"]["state"] == {"down": {}}, (where, name)
        assert "ip" not in interfaces[name], (where, name)
        seen.add(name)

    # EVPN-VXLAN
    tenants = {n.vni: t for t in (*fab.tenants, *fab.segments) for n in t.networks}  # segments: default VRF
    l2atts = [*dev.tenants, *dev.segments]
    vlans = dig(S, "bridge", "domain", "br_default", "vlan", default={})
    vtep = dev.role.endswith("leaf") and any("l2vpn-evpn" in n.afis for n in dev.bgp)
    if vtep:  # an EVPN leaf is a VTEP, also before its first tenant arrives
        assert S["evpn"]["enable"] is True, where
        assert S["nve"]["vxlan"]["enable"] is True, where
        assert S["nve"]["vxlan"]["source"]["address"] == dev.loopback.split("/")[0], where
        assert (dig(S, "router", "vrr", "enable", default=None) is True) == bool(l2atts), where
        l2 = {int(vlan): {int(k) for k in node["vni"]} for vlan, node in vlans.items()}
        assert l2 == {a.vlan: {a.vni} for a in l2atts}, where
        for a in l2atts:
            t = tenants[a.vni]
            for port in [x for x in a.ports if dev.port(x).bond is None] + a.bonds:  # a bond member: its bond
                assert interfaces[port]["bridge"]["domain"]["br_default"]["access"] == a.vlan, (where, port)
            svi = interfaces[f"vlan{a.vlan}"]
            seen.add(f"vlan{a.vlan}")
            net = t.network(a.vni)
            plen = ipaddress.IPv4Network(net.subnet).prefixlen
            assert svi["type"] == "svi" and svi["vlan"] == a.vlan, where
            assert svi["ip"].get("vrf") == (t.vrf or None), where  # a segment's SVI: default VRF
            assert keys(svi["ip"]["vrr"]["address"]) == {f"{net.gateway}/{plen}"}, where
            assert svi["ip"]["vrr"]["mac-address"] == net.gateway_mac, where
            if not t.vrf:
                continue
            vrf = S["vrf"][t.vrf]
            if t.l3vni is not None:
                assert keys(vrf["evpn"]["vni"]) == {str(t.l3vni)}, where
                assert vrf["router"]["bgp"]["autonomous-system"] == dev.asn, where
                assert vrf["router"]["bgp"]["address-family"]["ipv4-unicast"]["route-export"] == {
                    "to-evpn": {"enable": True}
                }, where
        l3 = {int(k) for name, node in S["vrf"].items() for k in dig(node, "evpn", "vni", default={})}
        assert l3 == {tenants[a.vni].l3vni for a in dev.tenants if tenants[a.vni].l3vni is not None}, where
    else:
        assert "nve" not in S and "evpn" not in S, where
        assert set(vlans) <= {str(site.oob_vlan)}, where

    # nothing else configured on interfaces
    assert set(interfaces) == seen, (where, sorted(set(interfaces) - seen))

    # BGP underlay
    if dev.bgp:
        assert S["router"]["bgp"]["autonomous-system"] == dev.asn, where
        assert S["router"]["bgp"]["router-id"] == dev.loopback.split("/")[0], where
        bgp = S["vrf"]["default"]["router"]["bgp"]
        assert bgp["path-selection"]["multipath"]["aspath-ignore"] is True, where
        v4 = bgp["address-family"]["ipv4-unicast"]
        assert v4["multipaths"]["ebgp"] == dev.ecmp, where
        # the default VRF's sessions; border sessions of tenants sit in their VRF
        expected = {(b.interface if b.unnumbered else b.peer_address): b for b in dev.bgp if b.vrf is None}
        assert set(bgp["neighbor"]) == set(expected), where
        for peer, b in [*expected.items(), *((x.peer_address, x) for x in dev.bgp if x.vrf is not None)]:
            n = (bgp if b.vrf is None else S["vrf"][b.vrf]["router"]["bgp"])["neighbor"][peer]
            tag = (b.vrf or "default").upper()
            want = {"inbound": {"route-map": f"AIDC-EXT-IN-{tag}"}, "outbound": {"route-map": f"AIDC-EXT-OUT-{tag}"}}
            assert dig(n, "address-family", "ipv4-unicast", "policy", default={}) == (want if b.external else {})
            assert n["remote-as"] == b.peer_asn, (where, peer)
            assert n["type"] == ("unnumbered" if b.unnumbered else "numbered"), (where, peer)
            if b.unnumbered:
                assert dev.port(peer).peer_device == b.peer_device, (where, peer)
            # NVUE enables ipv4-unicast on every neighbour by default: only `off` is written
            v4_on = dig(n, "address-family", "ipv4-unicast", "enable", default=True)
            assert v4_on is ("ipv4-unicast" in b.afis), (where, peer)
            assert dig(n, "address-family", "l2vpn-evpn", "enable", default=False) is ("l2vpn-evpn" in b.afis)
        evpn_any = any("l2vpn-evpn" in b.afis for b in dev.bgp)
        assert dig(bgp, "address-family", "l2vpn-evpn", "enable", default=False) is evpn_any, where
        # advertised prefixes: redistribute connected through route-map -> prefix-list
        rm_name = v4["redistribute"]["connected"]["route-map"]
        policy = S["router"]["policy"]
        (rule,) = policy["route-map"][rm_name]["rule"].values()
        assert rule["action"] == {"permit": {}}, where
        pl = policy["prefix-list"][rule["match"]["ip-prefix-list"]]
        assert all(r["action"] == "permit" for r in pl["rule"].values()), where
        prefixes = [p for r in pl["rule"].values() for p in keys(r["match"])]
        assert len(prefixes) == len(set(prefixes)), where
        assert set(prefixes) == set(dev.advertise), where
    else:
        assert "router" not in S, where
        assert "default" not in S["vrf"], where

    # lossless RoCE
    if lossless:
        q = S["qos"]
        assert q["roce"] == {"enable": True, "mode": "lossless"}, where
        mapping = q["mapping"]["default-global"]
        assert mapping["trust"] == {"dscp": "l3", "pcp": "l2"}[qos.trust], where
        dscp_sp = {int(d): node["switch-priority"] for d, node in mapping["dscp"].items()}
        sp_tc = {int(sp): node["traffic-class"] for sp, node in q["egress-queue-mapping"]["default-global"]
                 ["switch-priority"].items()}
        assert {d: sp_tc.get(sp, sp) for d, sp in dscp_sp.items()} == qos.dscp_to_tc, where
        assert keys(q["pfc"]["default-global"]["switch-priority"]) == {str(qos.pfc_priority)}, where
        ecn = q["congestion-control"]["default-global"]["traffic-class"]
        pfc_tc = sp_tc.get(qos.pfc_priority, qos.pfc_priority)
        assert set(ecn) == {str(pfc_tc)}, where
        assert ecn[str(pfc_tc)] == {
            "ecn": "enable",
            "min-threshold": qos.ecn_min_kbytes * 1024,
            "max-threshold": qos.ecn_max_kbytes * 1024,
            "probability": qos.ecn_probability,
        }, where
        cnp_tc = sp_tc.get(qos.cnp_priority, qos.cnp_priority)
        sched = q["egress-scheduler"]["default-global"]["traffic-class"]
        assert sched == ({str(cnp_tc): {"mode": "strict"}} if qos.cnp_strict else {}), where
        assert qos.dscp_to_tc[qos.roce_dscp] == pfc_tc and qos.dscp_to_tc[qos.cnp_dscp] == cnp_tc
    else:
        assert "qos" not in S, where

    # nv-set.sh sets exactly what startup.yaml holds
    cmds = nv_set_commands(files["nv-set.sh"])
    assert len(cmds) == len(set(cmds)), f"{where}: a command appears twice"
    assert set(cmds) == set(flatten(S)), f"{where}: nv-set.sh and startup.yaml differ"


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_facts_match_fabric(example: str) -> None:
    devices = sample(example)
    roles = {d.role for d in devices}
    planes = fabric(example).planes
    ib = "compute" in planes and planes["compute"].kind == "infiniband"
    if "compute" in planes:  # l3ls-evpn: business switches only
        assert roles >= ({"oob"} if ib else {"leaf", "spine", "oob"}), roles
    for dev in devices:
        assert dev.platform == PLATFORM
        check_device(example, dev)


def test_every_switch_role_renders() -> None:
    roles: set[str] = set()
    for example in EXAMPLE_NAMES:
        roles |= {d.role for d in sample(example)}
    assert roles == {"leaf", "spine", "core", "business-leaf", "business-spine", "storage-leaf",
                     "storage-spine", "oob"}


def test_nv_set_commands_are_in_a_sane_order() -> None:
    """Breakouts before the split ports, system first, apply last (the YAML is sorted, the script
    keeps the template order)."""
    fab = fabric("superpod-1su")
    leaf = next(d for d in fab.switches() if d.role == "leaf")
    cmds = nv_set_commands(rendered("superpod-1su", leaf.name)["nv-set.sh"])
    assert cmds[0][:2] == ("system", "hostname")
    first_breakout = next(i for i, c in enumerate(cmds) if c[2:4] == ("link", "breakout"))
    first_split = next(i for i, c in enumerate(cmds) if c[0] == "interface" and "s" in c[1][3:])
    assert first_breakout < first_split


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_nv_set_script_is_valid_shell(tmp_path: Path) -> None:
    for dev in sample("lab-mini"):
        path = tmp_path / f"{dev.name}.sh"
        path.write_text(rendered("lab-mini", dev.name)["nv-set.sh"])
        res = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, res.stderr


def test_rendering_is_deterministic() -> None:
    fab = fabric("superpod-1su")
    other = environment()
    for dev in fab.switches():
        assert render_device(dev, fab, other) == rendered("superpod-1su", dev.name), dev.name
    # a second, independently designed Fabric renders the same text
    again = design(load(EXAMPLES / "lab-mini").spec, platform=PLATFORM)
    for dev in again.switches():
        assert render_device(dev, again, environment()) == rendered("lab-mini", dev.name), dev.name


def test_golden_lab_mini() -> None:
    """Byte-for-byte against tests/golden/lab-mini/cumulus (AIDC_UPDATE_GOLDEN=1 rewrites them)."""
    fab = fabric("lab-mini")
    update = os.environ.get("AIDC_UPDATE_GOLDEN") == "1"
    expected_files = set()
    for dev in fab.switches():
        for name, text in rendered("lab-mini", dev.name).items():
            path = GOLDEN / dev.name / name
            expected_files.add(path)
            if update:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(text.encode())
            assert path.is_file(), f"missing golden file {path} (run with AIDC_UPDATE_GOLDEN=1)"
            assert path.read_bytes() == text.encode(), f"{path} differs from the rendered text"
    stale = {p for p in GOLDEN.rglob("*") if p.is_file()} - expected_files
    if update:
        for p in stale:
            p.unlink()
    assert not stale or update, f"stale golden files: {sorted(map(str, stale))}"


def test_mixed_lossless_and_lossy_ports_are_a_limit_finding() -> None:
    """NVUE's ``qos roce`` is switch-wide: a switch mixing lossless and lossy ports is refused by the
    design's platform check (a validate finding), not by the renderer."""
    from toolkit.design.policy import check_limits
    from toolkit.spec import load

    spec = load(ROOT / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    fab = fabric("lab-mini")
    assert not check_limits(spec, fab)
    leaf = next(d for d in fab.switches() if d.role == "leaf")
    broken = fab.model_copy(deep=True)
    port = next(p for p in broken.devices[leaf.name].ports if p.role != "mgmt")
    put(port, qos=None)
    found = check_limits(spec, broken)
    assert [(v.code, v.path) for v in found] == [("PLAT007", ("catalog", "switches", leaf.model, "platform"))]
    assert leaf.name in found[0].message


def test_a_template_mistake_fails_a_test(tmp_path: Path) -> None:
    """The fact check catches a template that drops the port MTU (same templates otherwise)."""
    src = (ROOT / "templates" / "cumulus" / "nvue.j2").read_text()
    line = "interface {{ i }} link mtu = {{ p.mtu }}\n"
    assert line in src
    (tmp_path / "cumulus").mkdir()
    (tmp_path / "cumulus" / "nvue.j2").write_text(src.replace(line, ""))
    fab = fabric("lab-mini")
    dev = next(d for d in fab.switches() if d.role == "leaf")
    check_device("lab-mini", dev)  # the bundled templates pass
    broken = render_device(dev, fab, environment([tmp_path]))
    with pytest.raises((AssertionError, KeyError)):
        check_device("lab-mini", dev, broken)
