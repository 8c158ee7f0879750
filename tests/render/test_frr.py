"""frr platform: the rendered files, read back into facts, match the Fabric; FRR itself accepts
frr.conf; network.json (the reconciler's designed state) realises the interface state in a real
network namespace; golden files.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.converge import converge, netns_runner, pending
from toolkit.design.model import Device, Fabric
from toolkit.design.netintent import switch_intent
from toolkit.netstate import NetIntent
from toolkit.render.core import environment
from toolkit.render.switches import render_device

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
VXLAN_PORT = 4789


def check_frr_device(dev: Device, fab: Fabric, files: dict[str, str], tools: SimpleNamespace) -> None:
    site = fab.site
    lo_ip = str(ipaddress.ip_interface(dev.loopback).ip) if dev.loopback else None
    ports = [p for p in dev.ports if p.role != "mgmt"]
    mgmt = dev.port(dev.mgmt_port) if dev.mgmt_port else None
    routing = bool(dev.bgp)

    # frr.conf
    conf = tools.parse_frr(files["frr.conf"])
    tools.check_bgp(dev, fab, conf, ifnames=True)
    assert conf.vrfs == {}, "the frr platform renders L2VNIs only"
    assert set(conf.interfaces) == {p.ifname for p in ports}
    for p in ports:
        assert conf.interfaces[p.ifname].get("description", "") == p.description

    # interfaces (ifupdown2)
    ifs = tools.parse_interfaces(files["interfaces"])
    assert ifs["lo"].get("address", []) == ([dev.loopback] if dev.loopback else [])
    if mgmt is not None:
        # a rack OOB switch is managed in-band: its address sits on its own OOB bridge
        m = ifs["bridge"] if dev.mgmt_inband else ifs[mgmt.ifname]
        assert m["address"] == [dev.mgmt_address]
        assert m["gateway"] == [dev.mgmt_gateway]
        assert m["vrf"] == ["mgmt"] and ifs["mgmt"]["vrf-table"] == ["auto"]
        if dev.mgmt_inband:
            assert "address" not in ifs[mgmt.ifname]
    if dev.role == "oob":  # loop protection: RSTP with the designed priority, edge ports BPDU-guarded
        br = ifs["bridge"]
        edge = sorted(f"{p.ifname}=yes" for p in ports if p.edge)
        if dev.stp_priority is not None:
            assert br["bridge-stp"] == ["on"] and br["mstpctl-treeprio"] == [str(dev.stp_priority)]
            assert sorted(br.get("mstpctl-portadminedge", [])) == edge == sorted(br.get("mstpctl-bpduguard", []))
        else:
            assert br["bridge-stp"] == ["off"] and not edge
    for p in ports:
        st = ifs[p.ifname]
        assert st["mtu"] == [str(p.mtu)], p.ifname
        if p.role == "bond":  # an EVPN-MH segment: ifupdown2 bond, frr.conf es-id / es-sys-mac
            assert st["bond-slaves"][0].split() == [dev.port(m).ifname for m in p.members], p.ifname
            assert st["bond-mode"] == ["802.3ad"] and st["es-sys-mac"] == [p.es_sys_mac], p.ifname
            assert conf.interfaces[p.ifname]["evpn_mh"] == {"es-id": str(p.es_id), "es-sys-mac": p.es_sys_mac}
            continue
        assert conf.interfaces[p.ifname].get("evpn_mh") == (
            {"uplink": True} if p.role == "uplink" and any(b.role == "bond" for b in ports) else None), p.ifname
        assert st["link-speed"] == [str(p.speed * 1000)], p.ifname
        assert st.get("address") == ([p.address] if p.address else None), p.ifname
        assert st.get("alias") == ([p.description] if p.description else None), p.ifname
    for _name, ifname in dev.unused_ports:
        assert ifs[ifname] == {"link-down": ["yes"]}
    vnis = {att.vni for att in (*dev.tenants, *dev.segments)}
    assert {k for k in ifs if re.fullmatch(r"(vx|br)\d+", k)} == {f"{x}{v}" for v in vnis for x in ("vx", "br")}
    segments = {n.vni: n for t in fab.segments for n in t.networks}
    for att in dev.segments:  # a storage segment: the bridge holds the anycast gateway (default VRF)
        seg = segments[att.vni]
        plen = seg.subnet.split("/")[1]
        assert ifs[f"br{att.vni}"]["address"] == [f"{seg.gateway}/{plen}"]
        assert ifs[f"br{att.vni}"]["hwaddress"] == [seg.gateway_mac]
    for att in (*dev.tenants, *dev.segments):
        vx, br = ifs[f"vx{att.vni}"], ifs[f"br{att.vni}"]
        assert vx["vxlan-id"] == [str(att.vni)]
        assert vx["vxlan-local-tunnelip"] == [lo_ip]
        assert vx["vxlan-port"] == [str(VXLAN_PORT)]
        assert vx["mtu"] == br["mtu"] == [str(fab.planes[dev.plane].host_mtu)]
        assert br["bridge-ports"][0].split() == [dev.port(n).ifname for n in att.ports if dev.port(n).bond is None] + [
            dev.port(b).ifname for b in att.bonds] + [f"vx{att.vni}"]
    l2 = [p.ifname for p in ports if p.role in ("oob-access", "oob-uplink")]
    if dev.role == "oob":
        assert ifs["bridge"]["bridge-ports"][0].split() == l2 and l2

    # network.json: the same state as data, without bonds (the lab kernel has none: their
    # members join the tenant bridge themselves)
    ports = [p for p in ports if p.role != "bond"]
    net = NetIntent.model_validate_json(files["network.json"])
    links = net.links
    want_ports = {p.ifname: (p.mtu, p.description or None) for p in ports}
    if mgmt is not None:
        want_ports[mgmt.ifname] = (mgmt.mtu, mgmt.description or None)
    assert {n: (w.mtu, w.alias) for n, w in links.items() if w.mtu is not None and w.kind is None} == want_ports
    assert all(links[n].up and links[n].manage_alias == bool(links[n].alias) for n in want_ports)
    # the only global address of each port and of the loopback; a storage segment's bridge holds its gateway
    owned = {n: w.addresses for n, w in links.items() if w.addresses and not w.keep_addresses}
    want_owned = {p.ifname: [p.address] for p in ports if p.address}
    seg_gw = {f"br{a.vni}": [f"{segments[a.vni].gateway}/{segments[a.vni].subnet.split('/')[1]}"]
              for a in dev.segments}
    assert owned == want_owned | ({"lo": [dev.loopback]} if dev.loopback else {}) | seg_gw
    assert {n: w.mac for n, w in links.items() if w.mac} == {
        f"br{a.vni}": segments[a.vni].gateway_mac for a in dev.segments}
    assert net.addresses == "global-ipv4"
    added = {(a, n) for n, w in links.items() if w.keep_addresses for a in w.addresses or []}
    mgmt_dev = "bridge" if dev.mgmt_inband else (mgmt.ifname if mgmt is not None else None)
    assert added == ({(dev.mgmt_address, mgmt_dev)} if mgmt is not None and dev.mgmt_address else set())
    if dev.role == "oob" and dev.stp_priority is not None:
        assert (links["bridge"].stp_state, links["bridge"].priority) == (1, dev.stp_priority)
        assert sorted(n for n, w in links.items() if w.guard) == sorted(p.ifname for p in ports if p.edge)
    vx = {n: w for n, w in links.items() if w.kind == "vxlan"}
    assert sorted((n, w.vxlan, w.mtu, w.master, w.learning) for n, w in vx.items()) == sorted(
        (f"vx{a.vni}", {"id": a.vni, "local": lo_ip, "port": VXLAN_PORT, "learning": False},
         fab.planes[dev.plane].host_mtu, f"br{a.vni}", False) for a in (*dev.tenants, *dev.segments))
    want_slaves = {(dev.port(n).ifname, f"br{a.vni}") for a in (*dev.tenants, *dev.segments) for n in a.ports}
    want_slaves |= {(i, "bridge") for i in l2} if dev.role == "oob" else set()
    assert {(n, w.master) for n, w in links.items() if w.master and w.kind is None} == want_slaves
    routed_ports = {p.ifname for p in ports
                    if p.tenant is None and p.vlan is None and p.role not in ("oob-access", "oob-uplink")}
    assert {n for n, w in links.items() if w.manage_master and w.master is None} == routed_ports
    assert {n for n, w in links.items() if w.optional and w.up is False} == {i for _, i in dev.unused_ports}
    assert set(net.dcb) == {p.ifname for p in ports if p.qos == fab.qos.name}
    assert all(d.pfc == list(fab.qos.lossless_tcs) and d.dscp_prio == fab.qos.dscp_to_tc for d in net.dcb.values())
    assert (net.sysctl.get("net.ipv4.ip_forward") == "1") == routing
    assert net.devices and net.prune_bridges == r"br[0-9]+" and net.route_tables == []

    # system files
    assert files["etc/hostname"] == f"{dev.name}\n"
    assert files["etc/timezone"] == f"{site.timezone}\n"
    resolv = files["etc/resolv.conf"]
    assert re.findall(r"^nameserver (\S+)$", resolv, re.M) == site.dns
    assert re.findall(r"^search (\S+)$", resolv, re.M) == [site.domain]
    assert re.findall(r"^server (\S+)", files["etc/chrony/chrony.conf"], re.M) == site.ntp
    assert re.findall(r'target="([^"]+)"', files["etc/rsyslog.d/50-aidc.conf"]) == site.syslog
    nft = files["etc/nftables.conf"]
    assert re.findall(r"(tcp|udp) dport (\d+) ip saddr (\S+) accept", nft) == [
        ("tcp", "22", site.oob_prefix), ("udp", "161", site.oob_prefix)]
    assert re.findall(r"(tcp|udp) dport (\d+) drop", nft) == [("tcp", "22"), ("udp", "161")]
    assert f"configure system hostname {dev.name}" in files["etc/lldpd.d/aidc.conf"]
    assert ("etc/sysctl.d/90-aidc.conf" in files) == routing


# --- tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", ["lab-mini", "superpod-1su", "cluster-16k"])
def test_rendered_facts_match_fabric(example: str, render_cache: SimpleNamespace, frr_tools: SimpleNamespace) -> None:
    fab = render_cache.fabric(example, "frr")
    names = render_cache.sample(example, "frr")
    roles = {fab.devices[n].role for n in names}
    assert {"leaf", "spine", "oob"} <= roles
    for name in names:
        dev = fab.devices[name]
        assert dev.platform == "frr"
        check_frr_device(dev, fab, render_cache.rendered(example, "frr", name), frr_tools)


def test_every_role_renders(render_cache: SimpleNamespace) -> None:
    roles = {"leaf", "spine", "core", "business-leaf", "business-spine", "storage-leaf", "storage-spine", "oob"}
    seen = set()
    for example in render_cache.examples:
        fab = render_cache.fabric(example, "frr")
        for name in render_cache.sample(example, "frr"):
            files = render_cache.rendered(example, "frr", name)
            assert {"frr.conf", "interfaces", "network.json"} <= set(files)
            seen.add(fab.devices[name].role)
    assert seen == roles


def test_network_json_is_the_designed_state(render_cache: SimpleNamespace) -> None:
    """network.json is ``switch_intent`` of the Fabric, read back unchanged by the driver's parser."""
    for example in ("lab-mini", "superpod-1su"):
        fab = render_cache.fabric(example, "frr")
        for name in render_cache.sample(example, "frr"):
            text = render_cache.rendered(example, "frr", name)["network.json"]
            assert NetIntent.model_validate_json(text) == switch_intent(fab.devices[name], fab)
            assert json.loads(text)["links"], name


def _vtysh_sample(render_cache: SimpleNamespace) -> list[tuple[str, str]]:
    out = [("lab-mini", n) for n in render_cache.sample("lab-mini", "frr")]
    fab = render_cache.fabric("superpod-1su", "frr")
    by_role: dict[str, list[str]] = {}
    for d in fab.switches():
        by_role.setdefault(d.role, []).append(d.name)
    for names in by_role.values():
        out += [("superpod-1su", n) for n in dict.fromkeys([names[0], names[-1]])]
    return out


@pytest.mark.usefixtures("require_vtysh")
def test_frr_accepts_every_frr_conf(render_cache: SimpleNamespace, frr_tools: SimpleNamespace, tmp_path: Path) -> None:
    for example, name in _vtysh_sample(render_cache):
        f = tmp_path / f"{example}-{name}.conf"
        f.write_text(render_cache.rendered(example, "frr", name)["frr.conf"])
        res = frr_tools.vtysh_dryrun(f)
        assert res.returncode == 0 and not res.stdout.strip() and not res.stderr.strip(), (
            f"{example}/{name}: {res.stdout}{res.stderr}")


@pytest.mark.usefixtures("require_vtysh")
@pytest.mark.parametrize("breakage", [
    ("bgp bestpath as-path multipath-relax", "bgp bestpath as-path multipath-relaxx"),
    ("remote-as 4200", "remote-as x4200"),
    ("address-family ipv4 unicast", "address-family ipv4 unicasst"),
])
def test_frr_check_catches_syntax_errors(breakage: tuple[str, str], render_cache: SimpleNamespace,
                                         frr_tools: SimpleNamespace, tmp_path: Path) -> None:
    text = render_cache.rendered("lab-mini", "frr", "su1-leaf-rail0")["frr.conf"]
    old, new = breakage
    assert old in text
    f = tmp_path / "broken.conf"
    f.write_text(text.replace(old, new, 1))
    res = frr_tools.vtysh_dryrun(f)
    assert res.returncode != 0 and res.stdout + res.stderr


@pytest.mark.parametrize("mutation", [
    ("frr/bgp.conf.j2", "interface remote-as {{ n.peer_asn }}", "interface remote-as {{ n.peer_asn + 1 }}"),
    ("frr/bgp.conf.j2", "{% for n in v.neighbors %}", "{% for n in v.neighbors[1:] %}"),
    ("frr/bgp.conf.j2", "router bgp {{ v.asn }}\n", "router bgp {{ v.asn - 1 }}\n"),
    ("frr/interfaces.j2", "    mtu {{ p.mtu }}", "    mtu 9000"),
    ("frr/interfaces.j2", "    address {{ p.address }}", "    address {{ p.address | replace('/31', '/30') }}"),
    ("frr/bgp.conf.j2", "  advertise-all-vni\n", ""),
    ("frr/interfaces.j2", "    vxlan-id {{ t.vni }}", "    vxlan-id {{ t.vni + 1 }}"),
])
def test_a_template_mistake_fails_the_check(mutation: tuple[str, str, str], render_cache: SimpleNamespace,
                                            frr_tools: SimpleNamespace, tmp_path: Path) -> None:
    """The fact checks are sensitive: a broken copy of a template (user override) must fail them."""
    tpl, old, new = mutation
    text = (TEMPLATES / tpl).read_text()
    assert old in text, f"mutation does not apply to {tpl}"
    over = tmp_path / "over"
    (over / tpl).parent.mkdir(parents=True)
    (over / tpl).write_text(text.replace(old, new))
    env = environment([over])
    fab = render_cache.fabric("lab-mini", "frr")
    failed = []
    for name in render_cache.sample("lab-mini", "frr"):
        dev = fab.devices[name]
        files = render_device(dev, fab, env)
        if files == render_cache.rendered("lab-mini", "frr", name):
            continue
        try:
            check_frr_device(dev, fab, files, frr_tools)
        except (AssertionError, KeyError):  # a missing entry is a detection too
            failed.append(name)
    assert failed, "a broken template went unnoticed"


def test_render_is_deterministic(render_cache: SimpleNamespace) -> None:
    fab = render_cache.fabric("lab-mini", "frr")
    fresh = render_cache.fabric.__wrapped__("lab-mini", "frr")  # a second, independent design
    env_a, env_b = environment(), environment()
    for dev in fab.switches():
        a = render_device(dev, fab, env_a)
        b = render_device(fresh.devices[dev.name], fresh, env_b)
        assert a == b == render_cache.rendered("lab-mini", "frr", dev.name)


def test_golden_lab_mini(render_cache: SimpleNamespace) -> None:
    """Byte-for-byte against tests/golden/lab-mini/frr/ (AIDC_UPDATE_GOLDEN=1 rewrites them)."""
    render_cache.check_golden("frr")


# --- network.json converged in a real network namespace -------------------------------------------------------


def _ip_json(ns: str, *args: str) -> list[dict[str, Any]]:
    res = subprocess.run(["ip", "-n", ns, "-j", *args], capture_output=True, text=True, check=True)
    out: list[dict[str, Any]] = json.loads(res.stdout)
    return out


def _drop_volatile(obj: object) -> None:
    """Remove what the kernel changes on its own (running timers, carrier state)."""
    if isinstance(obj, dict):
        for k in [k for k in obj if k.endswith("_timer") or k in ("operstate", "linkmode")]:
            del obj[k]
        if isinstance(obj.get("flags"), list):  # carrier follows the ports' state, a while later
            obj["flags"] = [f for f in obj["flags"] if f not in ("NO-CARRIER", "LOWER_UP")]
        for v in obj.values():
            _drop_volatile(v)
    elif isinstance(obj, list):
        for v in obj:
            _drop_volatile(v)


def _state(ns: str) -> dict[str, object]:
    links = _ip_json(ns, "-d", "link", "show")
    addrs = _ip_json(ns, "addr", "show")
    _drop_volatile(links)
    return {
        "links": {str(link["ifname"]): link for link in links},
        # IPv6 link-local addresses come and go with the kernel's DAD, not with configuration
        "addrs": {str(a["ifname"]): sorted((str(x["local"]), int(x["prefixlen"])) for x in a.get("addr_info", [])
                                           if x.get("scope") != "link")
                  for a in addrs},
    }


@pytest.mark.lab
@pytest.mark.parametrize("device", ["fe-leaf01", "su1-leaf-rail0"])
def test_network_json_converges_a_namespace(device: str, render_cache: SimpleNamespace, tmp_path: Path) -> None:
    import os

    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2")
    fab = render_cache.fabric("lab-mini", "frr")
    dev = fab.devices[device]
    network_json = render_cache.rendered("lab-mini", "frr", device)["network.json"]
    ns = f"aidc-t-{secrets.token_hex(4)}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        ifnames = [p.ifname for p in dev.ports]
        extra_unused = [i for _, i in dev.unused_ports[:2]]
        for k, ifname in enumerate(ifnames + extra_unused):
            subprocess.run(["ip", "-n", ns, "link", "add", ifname, "type", "veth", "peer", "name", f"peer{k}"],
                           check=True)
        for ifname in extra_unused:
            subprocess.run(["ip", "-n", ns, "link", "set", ifname, "up"], check=True)
        routed = [p for p in dev.ports if p.address and p.role != "mgmt"]
        # a stale address the design does not know must go
        subprocess.run(["ip", "-n", ns, "addr", "add", "192.0.2.1/24", "dev", routed[0].ifname], check=True)

        run = netns_runner(ns)
        # a stale VXLAN device and tenant bridge the design does not hold must go, another bridge stays
        subprocess.run(["ip", "-n", ns, "link", "add", "vx99", "type", "vxlan", "id", "99", "dstport", "4789"],
                       check=True)
        for br in ("br99", "keepme"):
            subprocess.run(["ip", "-n", ns, "link", "add", br, "type", "bridge"], check=True)
        done = converge(run, network_json)
        assert done.commands, "a fresh namespace needs commands"
        first = _state(ns)
        assert pending(run, network_json) == [], "the converged namespace still differs from network.json"
        assert converge(run, network_json).commands == []
        second = _state(ns)
        assert first == second, "a second converge changed the interface state"

        links, addrs = first["links"], first["addrs"]
        assert isinstance(links, dict) and isinstance(addrs, dict)
        want_addrs = {p.ifname: [(str(ipaddress.ip_interface(p.address).ip),
                                  ipaddress.ip_interface(p.address).network.prefixlen)]
                      for p in dev.ports if p.address}
        for p in dev.ports:
            link = links[p.ifname]
            assert link["mtu"] == p.mtu, p.ifname
            assert "UP" in link["flags"], p.ifname
            assert addrs[p.ifname] == want_addrs.get(p.ifname, []), p.ifname
            if p.description:
                assert link.get("ifalias") == p.description
        assert dev.loopback
        lo = ipaddress.ip_interface(dev.loopback)
        assert (str(lo.ip), 32) in addrs["lo"]
        for ifname in extra_unused:
            assert "UP" not in links[ifname]["flags"]
        mtu = fab.planes[dev.plane].host_mtu
        assert "br99" not in links and "keepme" in links
        vx_names = {n for n in links if n.startswith("vx")}
        assert vx_names == {f"vx{a.vni}" for a in dev.tenants}
        for att in dev.tenants:
            vx, br = links[f"vx{att.vni}"], links[f"br{att.vni}"]
            data = vx["linkinfo"]["info_data"]
            assert vx["linkinfo"]["info_kind"] == "vxlan"
            assert data["id"] == att.vni and data["local"] == str(lo.ip) and data["port"] == VXLAN_PORT
            assert data["learning"] is False
            assert br["linkinfo"]["info_kind"] == "bridge" and br["mtu"] == vx["mtu"] == mtu
            members = {n for n, link in links.items() if link.get("master") == f"br{att.vni}"}
            assert members == {dev.port(n).ifname for n in att.ports} | {f"vx{att.vni}"}
        fwd = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert fwd == "1"
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


@pytest.mark.lab
def test_network_json_converges_an_oob_switch(render_cache: SimpleNamespace) -> None:
    """An in-band managed OOB access switch (su1-r01-oob): one bridge with RSTP at its designed
    priority, BPDU guard on the ports facing end devices, the management address on the bridge
    (added: the one already on eth0 stays); a second converge runs nothing."""
    import os

    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 (network namespaces)")
    fab = render_cache.fabric("lab-mini", "frr")
    dev = fab.devices["su1-r01-oob"]
    assert dev.mgmt_inband and dev.stp_priority is not None
    network_json = render_cache.rendered("lab-mini", "frr", dev.name)["network.json"]
    ns = f"aidc-t-{secrets.token_hex(4)}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for k, p in enumerate(dev.ports):
            subprocess.run(["ip", "-n", ns, "link", "add", p.ifname, "type", "veth", "peer", "name", f"peer{k}"],
                           check=True)
        mgmt = dev.mgmt_port or "eth0"
        if mgmt not in {p.ifname for p in dev.ports}:
            subprocess.run(["ip", "-n", ns, "link", "add", mgmt, "type", "veth", "peer", "name", "peerm"], check=True)
        subprocess.run(["ip", "-n", ns, "addr", "add", "192.0.2.7/24", "dev", mgmt], check=True)
        run = netns_runner(ns)
        assert converge(run, network_json).commands
        assert pending(run, network_json) == []
        links = {x["ifname"]: x for x in _ip_json(ns, "-d", "link", "show")}
        addrs = {a["ifname"]: {f"{x['local']}/{x['prefixlen']}" for x in a.get("addr_info", [])}
                 for a in _ip_json(ns, "addr", "show")}
        br = links["bridge"]["linkinfo"]["info_data"]
        assert br["stp_state"] == 1 and br["priority"] == dev.stp_priority
        l2 = [p for p in dev.ports if p.role in ("oob-access", "oob-uplink")]
        for p in l2:
            assert links[p.ifname].get("master") == "bridge", p.ifname
            assert links[p.ifname]["linkinfo"]["info_slave_data"]["guard"] is p.edge, p.ifname
        assert any(p.edge for p in l2) and any(not p.edge for p in l2)
        assert dev.mgmt_address in addrs["bridge"] and "192.0.2.7/24" in addrs[mgmt]
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


# --- the real FRR daemons with the rendered configs ------------------------------------------------

FRR_BIN = Path("/usr/lib/frr")


def _vtysh(ns: str, *cmds: str) -> str:
    argv = ["ip", "netns", "exec", ns, "vtysh", "-N", ns]
    for c in cmds:
        argv += ["-c", c]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True).stdout


def _flatten(obj: Any) -> list[dict[str, Any]]:
    """FRR nests BGP paths in lists of lists (by version): the path dicts, flat."""
    if isinstance(obj, dict):
        return [obj]
    return [d for item in obj for d in _flatten(item)]


def _wait(what: str, pred: Any, timeout: float = 45.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            if pred():
                return
        except (subprocess.SubprocessError, ValueError, KeyError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


@pytest.mark.lab
def test_frr_daemons_bring_up_bgp_unnumbered_and_evpn(render_cache: SimpleNamespace, tmp_path: Path) -> None:
    """fe-leaf01, fe-leaf02 and fe-spine01 of lab-mini, each in its own namespace with the cables
    between them as veth pairs: network.json converged, then zebra + bgpd loading the rendered frr.conf. The
    unnumbered IPv4 + EVPN sessions come up, the loopbacks are exchanged and the EVPN type-3
    route of one leaf reaches the other with the originating VTEP as next hop."""
    import os

    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, FRR daemons)")
    for prog in ("zebra", "bgpd"):
        if not (FRR_BIN / prog).exists() or shutil.which("vtysh") is None:
            pytest.skip("needs the Debian frr package (zebra, bgpd, vtysh)")
    fab = render_cache.fabric("lab-mini", "frr")
    names = ["fe-leaf01", "fe-leaf02", "fe-spine01"]
    token = secrets.token_hex(3)
    ns = {n: f"aidc-t-{token}-{k}" for k, n in enumerate(names)}
    procs: list[subprocess.Popen[bytes]] = []
    dirs: list[Path] = []
    created: list[str] = []
    try:
        for n in names:
            subprocess.run(["ip", "netns", "add", ns[n]], check=True)
            created.append(ns[n])
        cabled: set[tuple[str, str]] = set()
        for c in fab.cables:
            if c.a_device in ns and c.b_device in ns and c.plane != "oob":
                a = fab.devices[c.a_device].port(c.a_port).ifname
                b = fab.devices[c.b_device].port(c.b_port).ifname
                subprocess.run(["ip", "link", "add", "name", a, "netns", ns[c.a_device], "type", "veth", "peer",
                                "name", b, "netns", ns[c.b_device]], check=True)
                cabled |= {(c.a_device, a), (c.b_device, b)}
        for n in names:
            for k, p in enumerate(fab.devices[n].ports):
                if (n, p.ifname) not in cabled:
                    subprocess.run(["ip", "-n", ns[n], "link", "add", p.ifname, "type", "veth", "peer", "name",
                                    f"x{k}"], check=True)
            converge(netns_runner(ns[n]), render_cache.rendered("lab-mini", "frr", n)["network.json"])
        for n in names:
            etc, run = Path("/etc/frr") / ns[n], Path("/var/run/frr") / ns[n]
            for d in (etc, run):
                d.mkdir(mode=0o755)
                dirs.append(d)
            (etc / "frr.conf").write_text(render_cache.rendered("lab-mini", "frr", n)["frr.conf"])
            (etc / "vtysh.conf").write_text("service integrated-vtysh-config\n")
            for p in (etc, run, etc / "frr.conf", etc / "vtysh.conf"):
                shutil.chown(p, "frr", "frr")
            for daemon in ("zebra", "bgpd"):
                log = (tmp_path / f"{n}.{daemon}.log").open("wb")
                procs.append(subprocess.Popen(
                    ["ip", "netns", "exec", ns[n], str(FRR_BIN / daemon), "-N", ns[n], "-F", "datacenter", "-P", "0",
                     "--log", "stdout"], stdout=log, stderr=subprocess.STDOUT))
        for n in names:
            run = Path("/var/run/frr") / ns[n]
            _wait(f"{n} vty sockets", lambda run=run: all((run / f"{d}.vty").exists() for d in ("zebra", "bgpd")))
            res = subprocess.run(["ip", "netns", "exec", ns[n], "vtysh", "-N", ns[n], "-b"], capture_output=True,
                                 text=True, timeout=60)
            assert res.returncode == 0 and "%" not in res.stdout + res.stderr, f"{n}: {res.stdout}{res.stderr}"

        def established(n: str, peer: str) -> bool:
            s = json.loads(_vtysh(ns[n], "show bgp summary json"))
            return all(s[af]["peers"][peer]["state"] == "Established" for af in ("ipv4Unicast", "l2VpnEvpn"))

        spine = fab.devices["fe-spine01"]
        for leaf in ("fe-leaf01", "fe-leaf02"):
            up = next(b for b in fab.devices[leaf].bgp if b.peer_device == "fe-spine01")
            down = next(b for b in spine.bgp if b.peer_device == leaf)
            _wait(f"{leaf} <-> fe-spine01", lambda leaf=leaf, up=up: established(leaf, str(up.interface)))
            assert established("fe-spine01", str(down.interface))
        lo2 = str(ipaddress.ip_interface(fab.devices["fe-leaf02"].loopback).ip)
        _wait("fe-leaf02's loopback at fe-leaf01", lambda: f"{lo2}/32" in json.loads(
            _vtysh(ns["fe-leaf01"], "show ip route bgp json")))
        imet = f"[3]:[0]:[32]:[{lo2}]"
        _wait("fe-leaf02's EVPN type-3 route at fe-leaf01", lambda: imet in _vtysh(
            ns["fe-leaf01"], "show bgp l2vpn evpn route type multicast"))
        routes = json.loads(_vtysh(ns["fe-leaf01"], "show bgp l2vpn evpn route type multicast json"))
        hops = {h.get("ip") for entry in routes.values() if isinstance(entry, dict)
                for prefix, e in entry.items() if prefix == imet
                for path in _flatten(e["paths"]) for h in path["nexthops"]}
        assert hops == {lo2}, f"EVPN next hop rewritten by the spine: {hops}"
        vnis = json.loads(_vtysh(ns["fe-leaf01"], "show evpn vni json"))
        assert {int(v) for v in vnis} == {a.vni for a in fab.devices["fe-leaf01"].tenants}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
        for name in created:
            subprocess.run(["ip", "netns", "del", name], check=False)


def test_numbered_underlay(lab_mini_data: dict[str, Any], write_spec: Any, render_cache: SimpleNamespace,
                           frr_tools: SimpleNamespace, tmp_path: Path) -> None:
    """lab-mini with numbered /31 eBGP sessions: neighbors by peer address, still accepted by FRR."""
    from toolkit.design import design
    from toolkit.spec import load

    lab_mini_data["networks"]["compute"]["underlay"] = "numbered"
    lab_mini_data["networks"]["business"]["underlay"] = "numbered"
    spec = load(write_spec(lab_mini_data)).spec
    assert spec is not None
    fab = design(spec, platform="frr")
    numbered = 0
    for dev in fab.switches():
        files = render_device(dev, fab, render_cache.env())
        check_frr_device(dev, fab, files, frr_tools)
        numbered += sum(1 for b in dev.bgp if not b.unnumbered)
        if dev.bgp and shutil.which("vtysh"):
            f = tmp_path / f"{dev.name}.conf"
            f.write_text(files["frr.conf"])
            res = frr_tools.vtysh_dryrun(f)
            assert res.returncode == 0 and not (res.stdout + res.stderr).strip(), res.stdout + res.stderr
    assert numbered
