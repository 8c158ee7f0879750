"""``eos`` platform: the rendered ``startup-config`` read back into facts and compared with the Fabric.

Arista EOS is vendor software and cannot run here, so the syntax is checked by a small, strict parser
of the EOS CLI subset the template writes: blocks nest by three spaces, ``!`` lines separate, the file
ends with ``end``, and every statement must be one the parser knows in the block where EOS expects it
(an unknown or misplaced line fails the parse, so a template typo cannot slip through). Command forms
follow the EOS 4.3x configuration guide (and Arista's AVD templates): ``vrf instance``, ``management
ssh``, ``snmp-server ipv4 access-list``, ``speed <n>g-<lanes>``, ``priority-flow-control``,
``tx-queue``/``random-detect ecn``, ``ip address virtual``, ``interface Vxlan1``, ``router bgp`` with
``vlan``/``vrf`` EVPN blocks.

Every fact is read from the parsed text and compared with values taken from the Fabric (never from
the renderer's view objects), for every switch of lab-mini and superpod-1su and the first, a middle
and the last switch of each role of cluster-16k: hostname, DNS/NTP/syslog/time zone from
``fabric.site``, LLDP, the management interface (VRF, address, default route) and its ACLs evaluated
for SSH and SNMP, every port in use (description, MTU, speed and lanes, admin state, routed address or access VLAN), the
breakout speed on every lane of a split cage, unused ports shut, the loopback, BGP (local AS,
router-id, each neighbour and its remote AS, address families, ECMP width, advertised prefixes),
EVPN-VXLAN (VTEP source, VLAN->VNI, VRF->L3VNI, anycast gateway, RD/RT) and lossless RoCE (DSCP
trust and map, PFC priority, PFC watchdog, ECN thresholds, strict CNP queue).

Platform limits the expectations apply (EOS facts, not design decisions): the interface ``mtu`` is the
IP MTU and EOS accepts at most 9214; EOS has one anycast gateway MAC per switch, so a switch whose
tenants carry different gateway MACs must be refused, not rendered wrongly.

Golden files: ``tests/golden/lab-mini/eos/<switch>/startup-config``; regenerate with
``AIDC_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from toolkit import platforms
from toolkit.design.model import BgpNeighbor, Device, Fabric, put
from toolkit.design.naming import serdes_lanes, switch_port_name
from toolkit.render.core import environment
from toolkit.render.switches import render_device
from toolkit.spec.models import parse_breakout

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TEMPLATE = "eos/startup-config.j2"
PLATFORM = "eos"
FILE = "startup-config"
BIG = {"cluster-16k"}

# --- EOS facts (from Arista's documentation, not from the renderer) -----------------------------------
EOS_MAX_MTU = 9214  # "mtu": IP MTU, 68-9214 bytes
INDENT = 3  # EOS nests configuration blocks by three spaces
TRUST = {"dscp": "dscp", "pcp": "cos"}  # QosProfile.trust -> "qos trust" keyword
UNITS = {"bytes": 1, "kbytes": 1024, "mbytes": 1024 * 1024}  # random-detect threshold units
SERVICE_PORTS = {"ssh": ("tcp", 22), "snmp": ("udp", 161)}  # management ssh / snmp-server listen ports
VXLAN_UDP_PORT = 4789  # IANA
SYSLOG_UDP_PORT = 514
LANE_RATES = {1, 10, 25, 50, 100, 200}  # Gbit/s per SerDes lane EOS speeds are made of
LEAF_ROLES = {"leaf", "business-leaf", "storage-leaf"}
EVPN = "l2vpn-evpn"
IPV4 = "ipv4-unicast"


# --- parsing ----------------------------------------------------------------------------------------


class Node:
    __slots__ = ("children", "lineno", "text", "words")

    def __init__(self, text: str, lineno: int) -> None:
        self.text = text
        self.lineno = lineno
        self.words = text.split()
        self.children: list[Node] = []

    def leaf(self) -> list[str]:
        assert not self.children, f"line {self.lineno}: {self.text!r} cannot open a block"
        return self.words


def parse_tree(text: str) -> list[Node]:
    """Indented EOS CLI -> a tree of statements (``!`` lines are separators/comments)."""
    assert text.endswith("\n"), "the file must end with a newline"
    root = Node("", 0)
    stack: list[tuple[int, Node]] = [(-1, root)]
    ended = False
    for n, raw in enumerate(text.splitlines(), 1):
        assert not ended, f"line {n}: text after 'end'"
        assert "\t" not in raw and raw == raw.rstrip(), f"line {n}: tab or trailing blank: {raw!r}"
        if not raw:
            continue
        body = raw.lstrip(" ")
        indent = len(raw) - len(body)
        if body.startswith("!"):
            continue
        assert indent % INDENT == 0, f"line {n}: indentation {indent} is not a multiple of {INDENT}: {raw!r}"
        level = indent // INDENT
        while stack[-1][0] >= level:
            stack.pop()
        assert stack[-1][0] == level - 1, f"line {n}: indented under nothing: {raw!r}"
        node = Node(body, n)
        stack[-1][1].children.append(node)
        stack.append((level, node))
        if level == 0 and body == "end":
            ended = True
    assert ended, "the configuration must end with 'end'"
    return root.children


def ip_int(address: str) -> int:
    """Dotted-quad IPv4 -> integer (``ipaddress`` is too slow for every line of cluster-16k)."""
    assert address.count(".") == 3, f"not a dotted-quad IPv4 address: {address!r}"
    try:
        return int.from_bytes(socket.inet_aton(address), "big")
    except OSError:
        raise AssertionError(f"not an IPv4 address: {address!r}") from None


def ip_net(cidr: str) -> tuple[int, int]:
    """``10.0.4.1/31`` -> (network as integer, prefix length)."""
    ip, slash, plen_s = cidr.partition("/")
    assert slash and plen_s.isdigit() and 0 <= int(plen_s) <= 32, f"not an address/length: {cidr!r}"
    plen = int(plen_s)
    return ip_int(ip) & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF), plen


def in_net(address: str, cidr: str) -> bool:
    return ip_net(f"{address}/{cidr.partition('/')[2]}") == ip_net(cidr)


def _ipv4(value: str, lineno: int, prefix: bool = False) -> str:
    try:
        ip_net(value) if prefix else ip_int(value)
    except AssertionError:
        raise AssertionError(f"line {lineno}: not an IPv4 {'prefix' if prefix else 'address'}: {value!r}") from None
    return value


@dataclass
class Iface:
    name: str
    description: str | None = None
    shutdown: bool | None = None  # None: not stated
    mtu: int | None = None
    speed: str | None = None
    routed: bool = False  # "no switchport"
    mode: str | None = None  # switchport mode
    access_vlan: int | None = None
    vrf: str | None = None
    address: str | None = None
    virtual_address: str | None = None
    trust: str | None = None
    pfc: bool = False
    pfc_priorities: dict[int, str] = field(default_factory=dict)
    pfc_watchdog: bool = False
    tx_queues: dict[int, dict[str, Any]] = field(default_factory=dict)
    vxlan_source: str | None = None
    vxlan_udp_port: int | None = None
    vxlan_vlans: dict[int, int] = field(default_factory=dict)
    vxlan_vrfs: dict[str, int] = field(default_factory=dict)
    channel_group: int | None = None  # "channel-group N mode active" (a bond member)
    esi: str | None = None  # Port-Channel: "evpn ethernet-segment / identifier"
    lacp_system_id: str | None = None
    stp_edge: bool = False  # "spanning-tree portfast"
    bpdu_guard: bool = False  # "spanning-tree bpduguard enable"


@dataclass
class Bgp:
    asn: int
    router_id: str | None = None
    default_ipv4_unicast: bool = True
    multipath_relax: bool = False
    maximum_paths: tuple[int, int] | None = None
    neighbors: dict[str, dict[str, Any]] = field(default_factory=dict)
    redistribute: list[str] = field(default_factory=list)
    vlans: dict[int, dict[str, Any]] = field(default_factory=dict)
    afs: dict[str, dict[str, Any]] = field(default_factory=dict)  # "evpn" / "ipv4" -> activate, flags
    vrfs: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class EosConfig:
    hostname: str | None = None
    multi_agent: bool = False
    domain: str | None = None
    timezone: str | None = None
    lldp: bool = False
    name_servers: list[tuple[str, str]] = field(default_factory=list)  # (vrf, address)
    ntp: list[tuple[str, str]] = field(default_factory=list)
    logging: list[tuple[str, str, int, str]] = field(default_factory=list)  # vrf, host, port, protocol
    vrfs: list[str] = field(default_factory=list)
    acls: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)  # seq, action, source
    ssh_enabled: bool | None = None
    ssh_acls: list[tuple[str, str]] = field(default_factory=list)  # (acl, vrf)
    ssh_vrfs: dict[str, bool] = field(default_factory=dict)  # vrf -> enabled
    snmp_acls: list[tuple[str, str]] = field(default_factory=list)
    snmp_vrfs: list[str] = field(default_factory=list)
    qos_map: dict[int, int] = field(default_factory=dict)  # dscp -> traffic class
    vlans: dict[int, str | None] = field(default_factory=dict)
    interfaces: dict[str, Iface] = field(default_factory=dict)
    virtual_router_mac: str | None = None
    ip_routing: dict[str | None, bool] = field(default_factory=dict)  # VRF (None: default) -> on
    static_routes: list[tuple[str | None, str, str]] = field(default_factory=list)
    prefix_lists: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    route_maps: dict[str, list[tuple[str, int, list[str]]]] = field(default_factory=dict)
    bgp: Bgp | None = None
    stp_mode: str | None = None
    stp_priority: int | None = None


def _shutdown(node: Node) -> bool | None:
    if node.text == "shutdown":
        return True
    if node.text == "no shutdown":
        return False
    return None


def _interface(node: Node) -> Iface:
    w = node.words
    assert len(w) == 2, f"line {node.lineno}: {node.text!r}"
    i = Iface(w[1])
    for c in node.children:
        w = c.words
        if w[0] == "tx-queue":
            assert len(w) == 2, f"line {c.lineno}: {c.text!r}"
            q = i.tx_queues.setdefault(int(w[1]), {})
            for s in c.children:
                sw = s.leaf()
                m = re.fullmatch(
                    r"random-detect ecn minimum-threshold (\d+) (\w+) maximum-threshold (\d+) (\w+)"
                    r" max-mark-probability (\d+)", s.text)
                if m:
                    assert m.group(2) in UNITS and m.group(4) in UNITS, f"line {s.lineno}: unit"
                    q["ecn"] = (int(m.group(1)) * UNITS[m.group(2)], int(m.group(3)) * UNITS[m.group(4)],
                                int(m.group(5)))
                elif sw == ["priority", "strict"]:
                    q["strict"] = True
                else:
                    raise AssertionError(f"line {s.lineno}: unexpected tx-queue line {s.text!r}")
            continue
        if w == ["evpn", "ethernet-segment"]:
            for s in c.children:
                sw = s.leaf()
                assert sw[0] == "identifier" and len(sw) == 2, f"line {s.lineno}: unexpected segment line {s.text!r}"
                assert re.fullmatch(r"[0-9a-f]{4}(:[0-9a-f]{4}){4}", sw[1]), f"line {s.lineno}: ESI {sw[1]!r}"
                i.esi = sw[1]
            continue
        c.leaf()
        rest = c.text.split(" ", 1)[1] if " " in c.text else ""
        sd = _shutdown(c)
        if sd is not None:
            assert i.shutdown is None, f"line {c.lineno}: shutdown stated twice"
            i.shutdown = sd
        elif w[0] == "description":
            assert rest, f"line {c.lineno}: empty description"
            i.description = rest
        elif w[0] == "mtu" and len(w) == 2:
            i.mtu = int(w[1])
            assert 68 <= i.mtu <= EOS_MAX_MTU, f"line {c.lineno}: EOS accepts mtu 68-{EOS_MAX_MTU}, not {i.mtu}"
        elif w[0] == "speed":
            parse_speed(rest)
            i.speed = rest
        elif w == ["no", "switchport"]:
            i.routed = True
        elif w[0] == "channel-group" and w[2:] == ["mode", "active"] and len(w) == 4:
            i.channel_group = int(w[1])
        elif w[:2] == ["lacp", "system-id"] and len(w) == 3:
            assert re.fullmatch(r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}", w[2]), f"line {c.lineno}: {w[2]!r}"
            i.lacp_system_id = w[2]
        elif w[:2] == ["switchport", "mode"] and len(w) == 3:
            i.mode = w[2]
        elif w[:3] == ["switchport", "access", "vlan"] and len(w) == 4:
            i.access_vlan = int(w[3])
        elif w[0] == "vrf" and len(w) == 2:
            i.vrf = w[1]
        elif w[:3] == ["ip", "address", "virtual"] and len(w) == 4:
            i.virtual_address = _ipv4(w[3], c.lineno, prefix=True)
        elif w[:2] == ["ip", "address"] and len(w) == 3:
            assert i.address is None, f"line {c.lineno}: second primary address"
            i.address = _ipv4(w[2], c.lineno, prefix=True)
        elif w == ["spanning-tree", "portfast"]:
            i.stp_edge = True
        elif w == ["spanning-tree", "bpduguard", "enable"]:
            i.bpdu_guard = True
        elif w[:2] == ["qos", "trust"] and len(w) == 3:
            i.trust = w[2]
        elif w == ["priority-flow-control", "on"]:
            i.pfc = True
        elif w[:2] == ["priority-flow-control", "priority"] and len(w) == 4 and w[3] in ("drop", "no-drop"):
            i.pfc_priorities[int(w[2])] = w[3]
        elif w == ["priority-flow-control", "pause", "watchdog"]:
            i.pfc_watchdog = True
        elif w[:2] == ["vxlan", "source-interface"] and len(w) == 3:
            i.vxlan_source = w[2]
        elif w[:2] == ["vxlan", "udp-port"] and len(w) == 3:
            i.vxlan_udp_port = int(w[2])
        elif w[:2] == ["vxlan", "vlan"] and len(w) == 5 and w[3] == "vni":
            assert int(w[2]) not in i.vxlan_vlans, f"line {c.lineno}: VLAN mapped twice"
            i.vxlan_vlans[int(w[2])] = int(w[4])
        elif w[:2] == ["vxlan", "vrf"] and len(w) == 5 and w[3] == "vni":
            assert w[2] not in i.vxlan_vrfs, f"line {c.lineno}: VRF mapped twice"
            i.vxlan_vrfs[w[2]] = int(w[4])
        else:
            raise AssertionError(f"line {c.lineno}: unexpected interface line {c.text!r}")
    if i.name.startswith("Vxlan"):
        assert i.name == "Vxlan1", "EOS has one VXLAN interface, Vxlan1"
    elif i.vxlan_source or i.vxlan_vlans or i.vxlan_vrfs or i.vxlan_udp_port:
        raise AssertionError(f"{i.name}: vxlan commands on a non-VXLAN interface")
    if i.virtual_address:
        assert i.name.startswith("Vlan"), f"{i.name}: ip address virtual is an SVI command"
    if i.routed:
        assert i.mode is None and i.access_vlan is None, f"{i.name}: routed and switched"
    if i.access_vlan is not None:
        assert i.mode == "access", f"{i.name}: access VLAN without switchport mode access"
    return i


def _bgp(node: Node) -> Bgp:
    w = node.words
    assert len(w) == 3, f"line {node.lineno}: {node.text!r}"
    b = Bgp(asn=int(w[2]))
    for c in node.children:
        w = c.words
        if w[0] == "vlan" and len(w) == 2:
            vid = int(w[1])
            assert vid not in b.vlans, f"line {c.lineno}: vlan {vid} twice in router bgp"
            v: dict[str, Any] = {"rt": []}
            for s in c.children:
                sw = s.leaf()
                if sw[0] == "rd" and len(sw) == 2:
                    v["rd"] = sw[1]
                elif sw[:2] == ["route-target", "both"] and len(sw) == 3:
                    v["rt"].append(("both", sw[2]))
                elif sw == ["redistribute", "learned"]:
                    v["learned"] = True
                else:
                    raise AssertionError(f"line {s.lineno}: unexpected router bgp vlan line {s.text!r}")
            b.vlans[vid] = v
        elif w[0] == "vrf" and len(w) == 2:
            assert w[1] not in b.vrfs, f"line {c.lineno}: vrf {w[1]} twice in router bgp"
            r: dict[str, Any] = {"rt": [], "redistribute": []}
            for s in c.children:
                sw = s.text.split() if s.text == "address-family ipv4" else s.leaf()
                if sw[0] == "rd" and len(sw) == 2:
                    r["rd"] = sw[1]
                elif sw[0] == "route-target" and len(sw) == 4 and sw[1] in ("import", "export") and sw[2] == "evpn":
                    r["rt"].append((sw[1], sw[3]))
                elif sw[0] == "router-id" and len(sw) == 2:
                    r["router_id"] = _ipv4(sw[1], s.lineno)
                elif sw[0] == "redistribute":
                    r["redistribute"].append(" ".join(sw[1:]))
                elif sw[0] == "neighbor" and len(sw) >= 4:  # a border session in the tenant's VRF
                    vn = r.setdefault("neighbors", {}).setdefault(_ipv4(sw[1], s.lineno), {})
                    if sw[2] == "remote-as" and len(sw) == 4:
                        vn["remote_as"] = int(sw[3])
                    elif sw[2] == "description":
                        vn["description"] = " ".join(sw[3:])
                    elif sw[2] == "route-map" and len(sw) == 5 and sw[4] in ("in", "out"):
                        vn[f"route_map_{sw[4]}"] = sw[3]
                    else:
                        raise AssertionError(f"line {s.lineno}: unexpected router bgp vrf neighbor line {s.text!r}")
                    assert "remote_as" in vn, f"line {s.lineno}: neighbor used before its remote-as"
                elif sw == ["address-family", "ipv4"]:
                    r["activate"] = []
                    for g in s.children:
                        gw = g.leaf()
                        assert gw[0] == "neighbor" and gw[2:] == ["activate"], f"line {g.lineno}: {g.text!r}"
                        r["activate"].append(gw[1])
                else:
                    raise AssertionError(f"line {s.lineno}: unexpected router bgp vrf line {s.text!r}")
            b.vrfs[w[1]] = r
        elif w[0] == "address-family" and len(w) == 2 and w[1] in ("evpn", "ipv4"):
            assert w[1] not in b.afs, f"line {c.lineno}: address-family {w[1]} twice"
            af: dict[str, Any] = {"activate": [], "next_hop_unchanged": False}
            for s in c.children:
                sw = s.leaf()
                if sw[0] == "neighbor" and sw[2:] == ["activate"] and len(sw) == 3:
                    assert sw[1] not in af["activate"], f"line {s.lineno}: activated twice"
                    af["activate"].append(sw[1])
                elif sw == ["bgp", "next-hop-unchanged"] and w[1] == "evpn":
                    af["next_hop_unchanged"] = True
                else:
                    raise AssertionError(f"line {s.lineno}: unexpected address-family line {s.text!r}")
            b.afs[w[1]] = af
        else:
            c.leaf()
            if w[0] == "router-id" and len(w) == 2:
                b.router_id = _ipv4(w[1], c.lineno)
            elif w == ["no", "bgp", "default", "ipv4-unicast"]:
                b.default_ipv4_unicast = False
            elif w == ["bgp", "bestpath", "as-path", "multipath-relax"]:
                b.multipath_relax = True
            elif w[0] == "maximum-paths" and len(w) == 4 and w[2] == "ecmp":
                b.maximum_paths = (int(w[1]), int(w[3]))
            elif w[0] == "neighbor" and len(w) >= 3:
                peer = _ipv4(w[1], c.lineno)
                n = b.neighbors.setdefault(peer, {})
                if w[2] == "remote-as" and len(w) == 4:
                    assert "remote_as" not in n, f"line {c.lineno}: neighbor {peer} defined twice"
                    n["remote_as"] = int(w[3])
                elif w[2] == "description" and len(w) >= 4:
                    n["description"] = " ".join(w[3:])
                elif w[2:] == ["send-community", "extended"]:
                    n["send_community"] = "extended"
                elif w[2] == "route-map" and len(w) == 5 and w[4] in ("in", "out"):
                    n[f"route_map_{w[4]}"] = w[3]
                else:
                    raise AssertionError(f"line {c.lineno}: unexpected neighbor line {c.text!r}")
                assert "remote_as" in n, f"line {c.lineno}: neighbor {peer} used before its remote-as"
            elif w[0] == "redistribute":
                b.redistribute.append(" ".join(w[1:]))
            else:
                raise AssertionError(f"line {c.lineno}: unexpected router bgp line {c.text!r}")
    return b


def parse_eos(text: str) -> EosConfig:
    """A small, strict parser for the EOS CLI the template writes; unknown statements fail."""
    conf = EosConfig()
    for node in parse_tree(text):
        w = node.words
        t = node.text
        if w[0] == "interface":
            i = _interface(node)
            assert i.name not in conf.interfaces, f"line {node.lineno}: interface {i.name} twice"
            conf.interfaces[i.name] = i
        elif w[:3] == ["ip", "access-list", "standard"] and len(w) == 4:
            assert w[3] not in conf.acls, f"line {node.lineno}: ACL {w[3]} twice"
            rules = conf.acls[w[3]] = []
            for c in node.children:
                cw = c.leaf()
                assert len(cw) == 3 and cw[1] in ("permit", "deny"), f"line {c.lineno}: {c.text!r}"
                if cw[2] != "any":
                    ipaddress.IPv4Network(cw[2])
                rules.append((int(cw[0]), cw[1], cw[2]))
            assert len({r[0] for r in rules}) == len(rules), f"ACL {w[3]}: duplicate sequence numbers"
        elif t == "management ssh":
            for c in node.children:
                cw = c.words
                sd = _shutdown(c)
                if sd is not None:
                    c.leaf()
                    conf.ssh_enabled = not sd
                elif cw[:2] == ["ip", "access-group"] and len(cw) == 6 and cw[3] == "vrf" and cw[5] == "in":
                    c.leaf()
                    conf.ssh_acls.append((cw[2], cw[4]))
                elif cw[0] == "vrf" and len(cw) == 2:
                    states = [_shutdown(s) for s in c.children]
                    assert len(states) == 1 and states[0] is not None, f"line {c.lineno}: management ssh vrf"
                    conf.ssh_vrfs[cw[1]] = not states[0]
                else:
                    raise AssertionError(f"line {c.lineno}: unexpected management ssh line {c.text!r}")
        elif w[0] == "vlan" and len(w) == 2:
            vid = int(w[1])
            assert 1 <= vid <= 4094 and vid not in conf.vlans, f"line {node.lineno}: {t!r}"
            conf.vlans[vid] = None
            for c in node.children:
                cw = c.leaf()
                assert cw[0] == "name" and len(cw) == 2, f"line {c.lineno}: unexpected vlan line {c.text!r}"
                conf.vlans[vid] = cw[1]
        elif w[:2] == ["ip", "prefix-list"] and len(w) == 3:
            entries = conf.prefix_lists.setdefault(w[2], [])
            for c in node.children:
                cw = c.leaf()
                assert len(cw) in (4, 6) and cw[0] == "seq" and cw[2] in ("permit", "deny"), f"line {c.lineno}"
                assert len(cw) == 4 or (cw[4] == "le" and 0 < int(cw[5]) <= 32), f"line {c.lineno}"  # border export
                entries.append((int(cw[1]), cw[2], " ".join([str(ipaddress.IPv4Network(cw[3])), *cw[4:]])))
            assert len({e[0] for e in entries}) == len(entries), f"prefix-list {w[2]}: duplicate seq"
        elif w[0] == "route-map" and len(w) == 4 and w[2] in ("permit", "deny"):
            conf.route_maps.setdefault(w[1], []).append((w[2], int(w[3]), [c.text for c in node.children]))
            for c in node.children:
                c.leaf()
                assert re.fullmatch(r"match ip address prefix-list \S+", c.text), f"line {c.lineno}: {c.text!r}"
        elif w[:2] == ["router", "bgp"]:
            assert conf.bgp is None, f"line {node.lineno}: second router bgp"
            conf.bgp = _bgp(node)
        else:
            _top_level_leaf(conf, node)
    return conf


def _top_level_leaf(conf: EosConfig, node: Node) -> None:
    w = node.leaf()
    t = node.text
    if t == "end":
        return
    if t == "service routing protocols model multi-agent":
        conf.multi_agent = True
    elif w[0] == "hostname" and len(w) == 2:
        assert conf.hostname is None, "hostname twice"
        conf.hostname = w[1]
    elif w[:2] == ["dns", "domain"] and len(w) == 3:
        conf.domain = w[2]
    elif w[:3] == ["ip", "name-server", "vrf"] and len(w) == 5:
        conf.name_servers.append((w[3], _ipv4(w[4], node.lineno)))
    elif w[:2] == ["clock", "timezone"] and len(w) == 3:
        conf.timezone = w[2]
    elif w[:3] == ["ntp", "server", "vrf"] and len(w) == 5:
        conf.ntp.append((w[3], w[4]))
    elif w[:2] == ["logging", "vrf"] and len(w) == 8 and w[3] == "host" and w[6] == "protocol":
        conf.logging.append((w[2], w[4], int(w[5]), w[7]))
    elif w[:2] == ["logging", "vrf"] and len(w) == 5 and w[3] == "host":  # EOS defaults: udp/514
        conf.logging.append((w[2], w[4], SYSLOG_UDP_PORT, "udp"))
    elif t == "lldp run":
        conf.lldp = True
    elif w[:2] == ["spanning-tree", "mode"] and len(w) == 3:
        assert w[2] in ("mstp", "rstp", "rapid-pvst", "none"), f"line {node.lineno}: STP mode {w[2]!r}"
        conf.stp_mode = w[2]
    elif w[:2] == ["spanning-tree", "priority"] and len(w) == 3:
        assert int(w[2]) % 4096 == 0 and 0 <= int(w[2]) <= 61440, f"line {node.lineno}: STP priority {w[2]}"
        conf.stp_priority = int(w[2])
    elif w[:2] == ["vrf", "instance"] and len(w) == 3:
        assert w[2] not in conf.vrfs, f"vrf {w[2]} twice"
        conf.vrfs.append(w[2])
    elif w[:3] == ["snmp-server", "ipv4", "access-list"] and len(w) == 6 and w[4] == "vrf":
        conf.snmp_acls.append((w[3], w[5]))
    elif w[:2] == ["snmp-server", "vrf"] and len(w) == 3:
        conf.snmp_vrfs.append(w[2])
    elif w[:3] == ["qos", "map", "dscp"] and w[-3:-1] == ["to", "traffic-class"]:
        for d in w[3:-3]:
            assert 0 <= int(d) <= 63 and int(d) not in conf.qos_map, f"line {node.lineno}: DSCP {d}"
            conf.qos_map[int(d)] = int(w[-1])
    elif w[:3] == ["ip", "virtual-router", "mac-address"] and len(w) == 4:
        assert conf.virtual_router_mac is None, "second ip virtual-router mac-address"
        assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", w[3]), f"line {node.lineno}: MAC {w[3]!r}"
        conf.virtual_router_mac = w[3]
    elif w == ["ip", "routing"]:
        conf.ip_routing[None] = True
    elif w[:3] == ["ip", "routing", "vrf"] and len(w) == 4:
        conf.ip_routing[w[3]] = True
    elif w[:4] == ["no", "ip", "routing", "vrf"] and len(w) == 5:
        conf.ip_routing[w[4]] = False
    elif w[:3] == ["ip", "route", "vrf"] and len(w) == 6:
        conf.static_routes.append((w[3], str(ipaddress.IPv4Network(w[4])), _ipv4(w[5], node.lineno)))
    else:
        raise AssertionError(f"line {node.lineno}: unexpected top-level EOS line {t!r}")


def parse_speed(text: str) -> tuple[int, int]:
    """EOS ``speed`` argument -> (Gbit/s, SerDes lanes)."""
    m = re.fullmatch(r"(\d+)g-(\d+)", text)
    if m:
        speed, lanes = int(m.group(1)), int(m.group(2))
    else:
        m = re.fullmatch(r"forced (\d+)(g?)full", text)
        assert m, f"not an EOS speed: {text!r}"
        speed = int(m.group(1)) if m.group(2) else int(m.group(1)) // 1000
        assert m.group(2) or int(m.group(1)) % 1000 == 0, text
        lanes = 1
    assert speed % lanes == 0 and speed // lanes in LANE_RATES, f"no {speed}G port over {lanes} lanes: {text!r}"
    return speed, lanes


# --- expectations from the Fabric ------------------------------------------------------------------


def lanes_per_port(dev: Device, breakout: str | None) -> int:
    n = parse_breakout(breakout)[0] if breakout else 1
    return max(serdes_lanes(dev.cage_speed) // n, 1)


def peer_key(dev: Device, fab: Fabric, b: BgpNeighbor) -> str:
    """The address EOS peers with. An unnumbered session of the Fabric is rendered numbered (EOS),
    with the designed address of the peer's port, which shares the local port's /31."""
    if b.peer_address:
        return b.peer_address
    assert b.unnumbered and b.interface and b.peer_interface, f"{dev.name}: session to {b.peer_device}"
    peer_port = fab.devices[b.peer_device].port(b.peer_interface)
    local = dev.port(b.interface)
    assert peer_port.address and local.address, f"{dev.name}:{b.interface} link has no addresses"
    assert peer_port.peer_device == dev.name and peer_port.peer_port == b.interface
    peer_ip = peer_port.address.split("/")[0]
    assert in_net(peer_ip, local.address) and peer_port.address != local.address, f"{dev.name}:{b.interface}"
    return peer_ip


def gateway_macs(dev: Device, fab: Fabric) -> set[str]:
    by_vni = {n.vni: t for t in (*fab.tenants, *fab.segments) for n in t.networks}
    return {by_vni[a.vni].network(a.vni).gateway_mac for a in (*dev.tenants, *dev.segments)}


def acl_permits(rules: list[tuple[int, str, str]], src: str) -> bool:
    """A standard ACL, first match in sequence order, implicit deny at the end."""
    for _seq, action, source in sorted(rules):
        if source == "any" or ipaddress.IPv4Address(src) in ipaddress.IPv4Network(source):
            return action == "permit"
    return False


# --- the check ---------------------------------------------------------------------------------------


def check_device(fab: Fabric, dev: Device, text: str) -> None:
    """Compare the startup-config rendered for ``dev`` with the Fabric; any difference (a missing
    statement too) raises AssertionError."""
    try:
        _check_device(fab, dev, text)
    except KeyError as exc:
        raise AssertionError(f"{dev.name}: {exc} missing from the configuration") from exc


def _check_device(fab: Fabric, dev: Device, text: str) -> None:
    C = parse_eos(text)
    site, qos = fab.site, fab.qos
    where = dev.name
    # loop protection of the OOB plane: RSTP with the designed bridge priority, edge ports guarded
    if dev.stp_priority is not None:
        assert (C.stp_mode, C.stp_priority) == ("rstp", dev.stp_priority), where
    else:
        assert C.stp_mode is None and C.stp_priority is None, where
    for p in dev.ports:
        if p.name in C.interfaces:
            i = C.interfaces[p.name]
            assert (i.stp_edge, i.bpdu_guard) == (p.edge, p.edge), (where, p.name)
    tenants = {n.vni: t for t in (*fab.tenants, *fab.segments) for n in t.networks}  # segments: default VRF
    l2atts = [*dev.tenants, *dev.segments]
    plane = fab.planes[dev.plane]

    # system and services
    assert C.hostname == dev.name, where
    assert C.domain == site.domain and C.timezone == site.timezone, where
    assert not C.lldp, where  # LLDP runs by default: the running config never prints `lldp run`

    # management: interface, VRF, default route, services restricted to the OOB prefix
    assert dev.mgmt_port and dev.mgmt_address and dev.mgmt_gateway, where
    mgmt_port = next((p for p in dev.ports if p.name == dev.mgmt_port), None)
    mi = C.interfaces[dev.mgmt_port]
    vrf = mi.vrf
    assert vrf and vrf in C.vrfs and vrf not in {tenants[a.vni].vrf for a in dev.tenants}, where
    if dev.mgmt_inband:  # a rack OOB switch: managed on its OOB VLAN's SVI, Management1 has no address
        svi = [i for n, i in C.interfaces.items() if n.startswith("Vlan") and i.vrf == vrf]
        assert mi.address is None and len(svi) == 1, where
        assert svi[0].address == dev.mgmt_address and svi[0].virtual_address is None, where
    else:
        assert mi.address == dev.mgmt_address and mi.virtual_address is None, where
    assert in_net(dev.mgmt_gateway, dev.mgmt_address), where
    assert mi.shutdown in (None, False), where
    if mgmt_port is not None:
        assert mi.mtu == min(mgmt_port.mtu, EOS_MAX_MTU), where
        assert mi.description == (mgmt_port.description or None), where
    assert C.static_routes == [(vrf, "0.0.0.0/0", dev.mgmt_gateway)], where
    assert C.ip_routing.get(vrf) is False, f"{where}: the management VRF must not route"
    assert sorted(C.name_servers) == sorted((vrf, s) for s in site.dns), where
    assert sorted(C.ntp) == sorted((vrf, s) for s in site.ntp), where
    assert sorted(C.logging) == sorted((vrf, s, SYSLOG_UDP_PORT, "udp") for s in site.syslog), where
    oob = ipaddress.IPv4Network(site.oob_prefix)
    inside, outside = str(oob[5]), "192.0.2.1"
    assert ipaddress.IPv4Address(outside) not in oob
    assert C.ssh_enabled is True and C.ssh_vrfs == {vrf: True}, where
    assert vrf in C.snmp_vrfs, where
    bound = {"ssh": [a for a, v in C.ssh_acls if v == vrf], "snmp": [a for a, v in C.snmp_acls if v == vrf]}
    assert len(C.ssh_acls) == len(bound["ssh"]) and len(C.snmp_acls) == len(bound["snmp"]), where
    assert {SERVICE_PORTS[s] for s, acls in bound.items() if acls} == {("tcp", 22), ("udp", 161)}, where
    for service, acls in bound.items():
        assert len(acls) == 1, (where, service)
        rules = C.acls[acls[0]]
        assert acl_permits(rules, inside), (where, service, "OOB source refused")
        assert not acl_permits(rules, outside), (where, service, "non-OOB source allowed")
    assert set(C.acls) == {a for acls in bound.values() for a in acls}, where

    seen = {dev.mgmt_port}

    # loopback
    loopbacks = {n: i for n, i in C.interfaces.items() if n.startswith("Loopback")}
    if dev.loopback:
        assert [i.address for i in loopbacks.values()] == [dev.loopback], where
        seen |= set(loopbacks)
    else:
        assert not loopbacks, where

    # every port in use
    lossless = {p.name for p in dev.ports if p.qos is not None and p.qos == qos.name}
    for p in dev.ports:
        if p.name == dev.mgmt_port:
            continue
        i = C.interfaces[p.name]
        seen.add(p.name)
        ctx = f"{where}:{p.name}"
        assert i.shutdown is False, ctx
        assert i.description == (p.description or None), ctx
        assert i.mtu == min(p.mtu, EOS_MAX_MTU), ctx
        if p.role == "bond":  # EVPN all-active segment: the Port-Channel of its members, in the tenant VLAN
            assert p.esi and p.es_sys_mac and p.name == f"Port-Channel{p.es_id}", ctx
            hexes, mac = p.esi.replace(":", ""), p.es_sys_mac.replace(":", "")
            assert i.esi == ":".join(hexes[k:k + 4] for k in range(0, 20, 4)), ctx
            assert i.lacp_system_id == f"{mac[:4]}.{mac[4:8]}.{mac[8:]}", ctx
            assert (i.mode, i.access_vlan, i.speed) == ("access", p.vlan, None), ctx
            assert all(C.interfaces[m].channel_group == p.es_id for m in p.members), ctx
            continue
        assert i.speed is not None and parse_speed(i.speed) == (p.speed, lanes_per_port(dev, p.breakout)), ctx
        # a border link of a tenant sits in the tenant's VRF
        assert i.vrf == (None if p.vrf is None else platforms.get("eos").vrf_name(p.vrf)), ctx
        assert i.virtual_address is None, ctx
        if p.bond is not None:
            assert (i.mode, i.access_vlan, i.routed, i.address) == (None, None, False, None), ctx
            assert i.channel_group is not None and f"Port-Channel{i.channel_group}" == p.bond, ctx
        elif p.vlan is not None:
            assert (i.mode, i.access_vlan, i.routed, i.address) == ("access", p.vlan, False, None), ctx
        elif p.role in ("oob-access", "oob-uplink"):
            assert (i.mode, i.access_vlan, i.routed, i.address) == ("access", fab.site.oob_vlan, False, None), ctx
        else:
            assert i.routed and i.mode is None and i.address == p.address, ctx
        if p.name in lossless:
            assert i.trust == TRUST[qos.trust], ctx
            assert i.pfc and i.pfc_priorities == {qos.pfc_priority: "no-drop"}, ctx
            assert i.pfc_watchdog is qos.pfc_watchdog, ctx
            queues: dict[int, dict[str, Any]] = {
                qos.pfc_priority: {"ecn": (qos.ecn_min_kbytes * 1024, qos.ecn_max_kbytes * 1024, qos.ecn_probability)}
            }
            if qos.cnp_strict:
                queues[qos.cnp_priority] = {"strict": True}
            assert i.tx_queues == queues, ctx
        else:
            assert (i.trust, i.pfc, i.pfc_priorities, i.pfc_watchdog, i.tx_queues) == (None, False, {}, False, {}), ctx

    # every lane of a split cage carries the breakout speed (that is how EOS splits a cage)
    for cage, mode in dev.cage_breakouts.items():
        n, lane_speed = parse_breakout(mode)
        for lane in range(n):
            name = switch_port_name(PLATFORM, cage, lane, n, dev.cage_speed)
            i = C.interfaces[name]
            assert i.speed is not None and parse_speed(i.speed) == (lane_speed, lanes_per_port(dev, mode)), name

    # unused ports shut, nothing else on them
    for name, _ifname in dev.unused_ports:
        i = C.interfaces[name]
        seen.add(name)
        assert i.shutdown is True, (where, name)
        assert (i.address, i.description, i.mode, i.access_vlan, i.pfc) == (None, None, None, None, False), name
        split = any(name == switch_port_name(PLATFORM, c, lane, parse_breakout(m)[0], dev.cage_speed)
                    for c, m in dev.cage_breakouts.items() for lane in range(parse_breakout(m)[0]))
        assert (i.speed is not None) == split, (where, name)

    # VLANs: tenants' and the flat OOB domain
    want_vlans: dict[int, str | None] = {a.vlan: tenants[a.vni].network(a.vni).name for a in l2atts}
    if any(p.role in ("oob-access", "oob-uplink") for p in dev.ports):
        want_vlans[fab.site.oob_vlan] = None
    assert C.vlans == want_vlans, where

    # EVPN-VXLAN
    evpn_peers = [b for b in dev.bgp if EVPN in b.afis]
    vtep = bool(evpn_peers) and dev.role in LEAF_ROLES
    assert not l2atts or vtep, f"{where}: tenants on a switch that is not an EVPN leaf"
    tenant_vrfs = {tenants[a.vni].vrf for a in dev.tenants}
    assert sorted(C.vrfs) == sorted({vrf} | tenant_vrfs), where
    rid = dev.loopback.split("/")[0] if dev.loopback else None
    if l2atts:
        (mac,) = gateway_macs(dev, fab)
        assert C.virtual_router_mac == mac, where
        vx = C.interfaces["Vxlan1"]
        seen.add("Vxlan1")
        assert vx.vxlan_source is not None and C.interfaces[vx.vxlan_source].address == dev.loopback, where
        assert vx.vxlan_udp_port is None, where  # 4789 is the EOS default: not in the running config
        assert vx.vxlan_vlans == {a.vlan: a.vni for a in l2atts}, where
        l3 = {tenants[a.vni].vrf: tenants[a.vni].l3vni for a in dev.tenants if tenants[a.vni].l3vni is not None}
        assert vx.vxlan_vrfs == l3, where
        for a in l2atts:
            t = tenants[a.vni]
            svi = C.interfaces[f"Vlan{a.vlan}"]
            seen.add(f"Vlan{a.vlan}")
            net = t.network(a.vni)
            plen = ipaddress.IPv4Network(net.subnet).prefixlen
            assert svi.vrf == (t.vrf or None) and svi.virtual_address == f"{net.gateway}/{plen}", (where, t.name)
            assert svi.address is None and svi.shutdown in (None, False), (where, t.name)
            assert svi.mtu == plane.host_mtu, (where, t.name)
            for port in [x for x in a.ports if dev.port(x).bond is None] + a.bonds:  # a bond member: its bond
                assert C.interfaces[port].access_vlan == a.vlan, (where, port)
            assert C.ip_routing.get(t.vrf or None) is True, (where, t.vrf)
        assert C.bgp is not None
        assert C.bgp.vlans == {
            a.vlan: {"rd": f"{rid}:{a.vni}", "rt": [("both", f"{a.vni}:{a.vni}")], "learned": True} for a in l2atts
        }, where
        # RD <router-id>:<VNI>, RT <VNI>:<VNI> (eos.py: EOS needs them explicit, the Fabric has none)
        border = ("neighbors", "activate")  # the tenant's border sessions: checked with the BGP sessions
        assert {k: {x: y for x, y in v.items() if x not in border} for k, v in C.bgp.vrfs.items()} == {
            t.vrf: {"rd": f"{rid}:{t.l3vni}", "rt": [("import", rt), ("export", rt)], "router_id": rid,
                    "redistribute": ["connected"]}
            for t in (tenants[a.vni] for a in dev.tenants) if t.l3vni is not None
            for rt in [f"{t.l3vni}:{t.l3vni}"]
        }, where
    else:
        assert C.virtual_router_mac is None and "Vxlan1" not in C.interfaces, where
        mgmt_svis = [n for n in C.interfaces if n.startswith("Vlan") and C.interfaces[n].vrf == vrf]
        assert len(mgmt_svis) == int(dev.mgmt_inband), where
        seen.update(mgmt_svis)
        assert not [n for n in C.interfaces if n.startswith("Vlan") and n not in mgmt_svis], where
        assert C.bgp is None or (not C.bgp.vlans and not C.bgp.vrfs), where

    # nothing else configured
    assert set(C.interfaces) == seen, (where, sorted(set(C.interfaces) - seen))

    # BGP
    if dev.bgp:
        b = C.bgp
        assert b is not None, where
        assert C.multi_agent and C.ip_routing.get(None) is True, where
        assert b.asn == dev.asn and b.router_id == rid, where
        # one ASN per spine tier: ECMP paths have equal AS paths, multipath-relax is not needed
        assert not b.default_ipv4_unicast and not b.multipath_relax, where
        assert b.maximum_paths == (dev.ecmp, dev.ecmp), where
        # the default VRF's sessions (border sessions of tenants sit in their VRF's block)
        expected = {peer_key(dev, fab, n): n for n in dev.bgp if n.vrf is None}
        assert len(expected) == len([n for n in dev.bgp if n.vrf is None]), f"{where}: two sessions to one peer"
        assert set(b.neighbors) == set(expected), where
        for peer, n in [*expected.items(), *((x.peer_address or "", x) for x in dev.bgp if x.vrf is not None)]:
            got = b.neighbors[peer] if n.vrf is None else b.vrfs[n.vrf]["neighbors"][peer]
            assert got["remote_as"] == n.peer_asn, (where, peer)
            desc = f"{n.peer_device}:{n.peer_interface}" if n.peer_interface else n.peer_device
            assert got.get("description") == desc, (where, peer)
            assert (got.get("send_community") == "extended") is (EVPN in n.afis), (where, peer)
            tag = (n.vrf or "default").upper()
            want = {"in": f"AIDC-EXT-IN-{tag}", "out": f"AIDC-EXT-OUT-{tag}"} if n.external else {}
            assert {k: got[f"route_map_{k}"] for k in ("in", "out") if f"route_map_{k}" in got} == want, (where, peer)
            if n.vrf is not None:
                assert b.vrfs[n.vrf]["activate"].count(peer) == 1, (where, peer)
        assert sorted(b.afs["ipv4"]["activate"]) == sorted(k for k, n in expected.items() if IPV4 in n.afis), where
        assert not b.afs["ipv4"]["next_hop_unchanged"]
        if evpn_peers:
            af = b.afs["evpn"]
            assert sorted(af["activate"]) == sorted(k for k, n in expected.items() if EVPN in n.afis), where
            # a spine relaying EVPN over the shared eBGP sessions keeps the VTEPs' next hops
            assert af["next_hop_unchanged"] is (not vtep), where
        else:
            assert "evpn" not in b.afs, where
        # advertised prefixes: redistribute connected -> route-map -> prefix-list
        (redist,) = b.redistribute
        m = re.fullmatch(r"connected route-map (\S+)", redist)
        assert m, (where, redist)
        ((action, _seq, lines),) = C.route_maps[m.group(1)]
        assert action == "permit", where
        (match,) = lines
        entries = C.prefix_lists[match.split()[-1]]
        assert all(a == "permit" for _, a, _ in entries), where
        prefixes = [p for _, _, p in entries]
        assert len(prefixes) == len(set(prefixes)) and set(prefixes) == set(dev.advertise), where
    else:
        assert C.bgp is None and not C.prefix_lists and not C.route_maps, where
        assert not C.multi_agent and C.ip_routing.get(None) is not True, where

    # lossless RoCE: the DSCP -> traffic class map (traffic class = tx-queue, PFC priority)
    if lossless:
        assert C.qos_map == qos.dscp_to_tc, where
        assert qos.dscp_to_tc[qos.roce_dscp] == qos.pfc_priority and qos.dscp_to_tc[qos.cnp_dscp] == qos.cnp_priority
        assert qos.pfc_priority != qos.cnp_priority
    else:
        assert not C.qos_map, where


# --- the tests ------------------------------------------------------------------------------------


def sample(fab: Fabric, example: str) -> list[Device]:
    """Every switch of the small examples; for cluster-16k (1,692 switches) the first, a middle and
    the last switch of each role (the whole example is rendered in the performance measurement).
    InfiniBand switches have no NOS configuration (the subnet manager renders their fabric)."""
    switches = [d for d in fab.switches() if d.platform != "infiniband"]
    if example not in BIG:
        return switches
    by_role: dict[str, list[Device]] = {}
    for d in switches:
        by_role.setdefault(d.role, []).append(d)
    return [devs[i] for devs in by_role.values() for i in sorted({0, len(devs) // 2, len(devs) - 1})]


def _checks(example: str, rc: SimpleNamespace) -> Iterator[tuple[Device, str | None]]:
    """(device, startup-config) for the sampled switches; None where EOS must refuse the switch."""
    fab = rc.fabric(example, PLATFORM)
    for dev in sample(fab, example):
        if len(gateway_macs(dev, fab)) > 1:
            yield dev, None
        else:
            yield dev, rc.rendered(example, PLATFORM, dev.name)[FILE]


@pytest.mark.parametrize("example", ["lab-mini", "superpod-1su", "cluster-16k"])
def test_rendered_facts_match_fabric(example: str, render_cache: SimpleNamespace) -> None:
    """Every (sampled) switch of the example: the facts read back match the Fabric."""
    fab = render_cache.fabric(example, PLATFORM)
    roles = set()
    rds: dict[str, str] = {}
    for dev, text in _checks(example, render_cache):
        assert dev.platform == PLATFORM
        if text is None:
            # EOS has a single 'ip virtual-router mac-address': a switch whose tenants use different
            # anycast gateway MACs cannot be rendered faithfully and must be refused
            with pytest.raises(ValueError, match="virtual-router mac-address"):
                render_device(dev, fab, render_cache.env())
            continue
        check_device(fab, dev, text)
        roles.add(dev.role)
        for line in text.splitlines():
            if line.strip().startswith("rd "):
                rd = line.split()[1]
                assert rd not in rds, f"RD {rd} on {rds[rd]} and {dev.name}"
                rds[rd] = dev.name
    assert {"leaf", "spine", "oob"} <= roles, roles


def test_every_switch_role_renders(render_cache: SimpleNamespace) -> None:
    roles: set[str] = set()
    for example in render_cache.examples:
        roles |= {dev.role for dev, text in _checks(example, render_cache) if text is not None}
    assert roles == {"leaf", "spine", "core", "business-leaf", "business-spine", "storage-leaf",
                     "storage-spine", "oob"}


def test_lab_mini_covers_evpn_and_roce(render_cache: SimpleNamespace) -> None:
    """The golden example exercises tenants with L3VNIs, EVPN spines and lossless ports."""
    fab = render_cache.fabric("lab-mini", PLATFORM)
    confs = {d.name: parse_eos(render_cache.rendered("lab-mini", PLATFORM, d.name)[FILE]) for d in fab.switches()}
    assert any(c.interfaces.get("Vxlan1") and c.interfaces["Vxlan1"].vxlan_vrfs for c in confs.values())
    assert any(c.bgp and "evpn" in c.bgp.afs and c.bgp.afs["evpn"]["next_hop_unchanged"] for c in confs.values())
    assert any(i.pfc for c in confs.values() for i in c.interfaces.values())


def test_multi_tenant_leaf_with_one_gateway_mac(render_cache: SimpleNamespace) -> None:
    """superpod-1su puts two tenants (two L3VNIs) on fe-leaf03/04; with one anycast gateway MAC for
    both (what EOS supports) those leaves render and pass the full check."""
    fab = render_cache.fabric("superpod-1su", PLATFORM).model_copy(deep=True)
    multi = [d for d in fab.switches() if len(d.tenants) > 1]
    assert multi
    for t in fab.tenants:
        for n in t.networks:
            put(n, gateway_mac=fab.tenants[0].networks[0].gateway_mac)
    for dev in multi:
        text = render_device(dev, fab, render_cache.env())[FILE]
        check_device(fab, dev, text)
        assert len(parse_eos(text).interfaces["Vxlan1"].vxlan_vrfs) == len({a.tenant for a in dev.tenants})


def test_models_own_platforms_render_eos_devices(render_cache: SimpleNamespace) -> None:
    """Without the platform override, superpod-1su's dcs-7060dx5 storage switches are EOS, in a
    Fabric whose other switches run other network OSes."""
    from toolkit.design import design
    from toolkit.spec import load

    spec = load(ROOT / "inventory/examples/superpod-1su").spec
    assert spec is not None
    fab = design(spec)
    devs = [d for d in fab.switches() if d.platform == PLATFORM]
    assert devs and len(devs) < len(fab.switches())
    for dev in devs:
        check_device(fab, dev, render_device(dev, fab, render_cache.env())[FILE])


def test_mtu_is_capped_at_the_eos_maximum(render_cache: SimpleNamespace) -> None:
    """The spec's 9216 jumbo MTU is above what EOS accepts; the design clamps the Fabric's port MTU
    to 9214 (which still holds the hosts' 9000-byte packets with VXLAN overhead) and the config
    carries exactly that."""
    from toolkit.design.policy import check_limits
    from toolkit.spec import load

    fab = render_cache.fabric("lab-mini", PLATFORM)
    assert max(p.switch_mtu for p in fab.planes.values()) > EOS_MAX_MTU
    assert max(p.mtu for d in fab.switches() for p in d.ports) == EOS_MAX_MTU
    for dev in fab.switches():
        mtus = {p.name: p.mtu for p in dev.ports}
        for name, i in parse_eos(render_cache.rendered("lab-mini", PLATFORM, dev.name)[FILE]).interfaces.items():
            assert i.mtu is None or i.mtu == mtus.get(name, i.mtu) <= EOS_MAX_MTU
    # a plane whose hosts would not fit in the capped MTU is a limit finding, not silently shrunk
    spec = load(ROOT / "inventory/examples/lab-mini").spec
    assert spec is not None
    big = fab.model_copy(deep=True)
    put(big.planes["business"], host_mtu=9200)
    found = [v for v in check_limits(spec, big) if v.code == "PLAT003"]
    assert found and found[0].path == ("networks", "business", "host_mtu") and "9214" in found[0].message


@pytest.mark.parametrize("mutation", [
    ("   mtu {{ e.mtus[p.name] }}\n", ""),
    ("   neighbor {{ x.peer }} remote-as {{ x.n.peer_asn }}\n", "   neighbor {{ x.peer }} remote-as {{ v.asn }}\n"),
    ("   vxlan vrf {{ x.t.vrf }} vni {{ x.t.l3vni }}\n", "   vxlan vrf {{ x.t.vrf }} vni {{ x.t.vni }}\n"),
    ("   priority-flow-control priority {{ tc }} no-drop\n", "   priority-flow-control priority {{ tc }} drop\n"),
    ("   ip access-group AIDC-MGMT-{{ r.service.name | upper }} vrf {{ mgmt_vrf }} in\n", ""),
    ("   10 permit {{ r.source }}\n", "   10 permit any\n"),
    ("   ip address virtual {{ x.t.gateway_cidr }}\n", "   ip address {{ x.t.gateway_cidr }}\n"),
    ("   shutdown\n", "   no shutdown\n"),
    ("logging vrf {{ mgmt_vrf }} host {{ s }}\n", "logging vrf {{ mgmt_vrf }} hots {{ s }}\n"),
])
def test_a_template_mistake_fails_the_check(mutation: tuple[str, str], render_cache: SimpleNamespace,
                                            tmp_path: Path) -> None:
    """A copy of the template with one line dropped or changed, as a user override: the check fails."""
    old, new = mutation
    src = (TEMPLATES / TEMPLATE).read_text()
    assert src.count(old) == 1, old
    over = tmp_path / "over"
    (over / TEMPLATE).parent.mkdir(parents=True)
    (over / TEMPLATE).write_text(src.replace(old, new))
    env = environment([over])
    fab = render_cache.fabric("lab-mini", PLATFORM)
    changed = 0
    for dev in fab.switches():
        text = render_device(dev, fab, env)[FILE]
        if text == render_cache.rendered("lab-mini", PLATFORM, dev.name)[FILE]:
            continue
        changed += 1
        check_device(fab, dev, render_cache.rendered("lab-mini", PLATFORM, dev.name)[FILE])  # the original passes
        with pytest.raises(AssertionError):
            check_device(fab, dev, text)
    assert changed, "the mutation changed nothing"


def test_parser_rejects_bad_syntax(render_cache: SimpleNamespace) -> None:
    text = render_cache.rendered("lab-mini", PLATFORM, "fe-leaf01")[FILE]
    parse_eos(text)
    for old, new in [
        ("   mtu 9214\n", "  mtu 9214\n"),  # two-space indentation
        ("   mtu 9214\n", "   mtu 9216\n"),  # above the EOS maximum
        ("   speed forced 25gfull\n", "   speed forced 30gfull\n"),  # no 30G lane rate
        ("\nend\n", "\n"),  # no end
        ("\nrouter bgp ", "\nrouter bpg "),
        ("   no switchport\n", "   no switchport\n   switchport access vlan 5\n"),
        ("      redistribute learned\n", "      redistribute learnt\n"),
    ]:
        assert old in text, old
        with pytest.raises(AssertionError):
            parse_eos(text.replace(old, new, 1))


def test_render_is_deterministic(render_cache: SimpleNamespace) -> None:
    fab = render_cache.fabric("lab-mini", PLATFORM)
    fresh = render_cache.fabric.__wrapped__("lab-mini", PLATFORM)
    env_a, env_b = environment(), environment()
    for dev in fab.switches():
        a = render_device(dev, fab, env_a)
        b = render_device(fresh.devices[dev.name], fresh, env_b)
        assert a == b == render_cache.rendered("lab-mini", PLATFORM, dev.name), dev.name


def test_golden_lab_mini(render_cache: SimpleNamespace) -> None:
    """Byte-for-byte against tests/golden/lab-mini/eos/ (AIDC_UPDATE_GOLDEN=1 rewrites them)."""
    render_cache.check_golden(PLATFORM)
