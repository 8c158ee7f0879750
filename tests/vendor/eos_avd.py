"""EOS oracle: Arista's own generator. No public EOS grammar exists, so every rendered
startup-config is read back line by line, mapped to AVD's ``eos_cli_config_gen`` structured
config (the data model Arista's generator takes), rendered by ``pyavd.get_device_config`` and
compared with ours line by line, inside the block each line belongs to (``interface X`` /
``router bgp`` / ``vrf``... contexts; AVD's block order and ``!`` separators do not count).

Every line that does not come back identical is a difference; the test (test_eos_avd.py) lists
and justifies each kind (``KNOWN``) and fails on any other.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from typing import Any

import pyavd


@dataclass
class Block:
    line: str
    children: list[Block] = field(default_factory=list)


def parse_blocks(text: str) -> list[Block]:
    """EOS text -> a tree by indentation (3 spaces a level); ``!`` comments dropped."""
    root = Block("")
    stack: list[tuple[int, Block]] = [(-1, root)]
    for raw in text.splitlines():
        if not raw.strip() or raw.strip().startswith("!") or raw.strip() == "end":
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        b = Block(raw.strip())
        while stack[-1][0] >= indent:
            stack.pop()
        stack[-1][1].children.append(b)
        stack.append((indent, b))
    return root.children


Lines = collections.Counter[tuple[tuple[str, ...], str]]


def lines_in_context(blocks: list[Block], ctx: tuple[str, ...] = ()) -> Lines:
    out: Lines = collections.Counter()
    for b in blocks:
        out[(ctx, b.line)] += 1
        out.update(lines_in_context(b.children, (*ctx, b.line)))
    return out


# --------------------------------------------------------------------------- text -> AVD model


def _by(items: list[dict[str, Any]], key: str, value: Any, **init: Any) -> dict[str, Any]:
    for it in items:
        if it.get(key) == value:
            return it
    it = {key: value, **init}
    items.append(it)
    return it


def _ethernet(b: Block, unmapped: list[str]) -> dict[str, Any]:
    e: dict[str, Any] = {"name": b.line.split()[1]}
    for c in b.children:
        w = c.line.split()
        if w[0] == "description":
            e["description"] = c.line.split(" ", 1)[1]
        elif c.line == "no shutdown":
            e["shutdown"] = False
        elif c.line == "shutdown":
            e["shutdown"] = True
        elif w[0] == "mtu":
            e["mtu"] = int(w[1])
        elif w[0] == "speed":
            e["speed"] = c.line.split(" ", 1)[1]
        elif c.line == "no switchport":
            e["switchport"] = {"enabled": False}
        elif c.line == "switchport mode access":
            e.setdefault("switchport", {}).update({"mode": "access"})
        elif w[:3] == ["switchport", "access", "vlan"]:
            e.setdefault("switchport", {}).update({"access_vlan": int(w[3])})
        elif w[:2] == ["ip", "address"]:
            e["ip_address"] = w[2]
        elif c.line == "spanning-tree portfast":
            e["spanning_tree_portfast"] = "edge"
        elif c.line == "spanning-tree bpduguard enable":
            e["spanning_tree_bpduguard"] = "enabled"
        elif w[0] == "vrf":
            e["vrf"] = w[1]
        elif w[0] == "channel-group" and w[2:] == ["mode", "active"]:
            e["channel_group"] = {"id": int(w[1]), "mode": "active"}
        elif w[:2] == ["qos", "trust"]:
            e["qos"] = {"trust": w[2]}
        elif c.line == "priority-flow-control on":
            e.setdefault("priority_flow_control", {})["enabled"] = True
        elif w[:2] == ["priority-flow-control", "priority"] and w[3:] == ["no-drop"]:
            pfc = e.setdefault("priority_flow_control", {})
            pfc.setdefault("priorities", []).append({"priority": int(w[2]), "no_drop": True})
        elif w[0] == "tx-queue":
            q: dict[str, Any] = {"id": int(w[1])}
            for g in c.children:
                m = re.fullmatch(r"random-detect ecn minimum-threshold (\d+) (\w+) maximum-threshold (\d+) \w+ "
                                 r"max-mark-probability (\d+)", g.line)
                if m:
                    q["random_detect"] = {"ecn": {"threshold": {"units": m.group(2), "min": int(m.group(1)),
                                                                "max": int(m.group(3)),
                                                                "max_probability": int(m.group(4))}}}
                else:
                    unmapped.append(f"{b.line} / {c.line} / {g.line}")
            e.setdefault("tx_queues", []).append(q)
        else:
            unmapped.append(f"{b.line} / {c.line}")
    return e


def _port_channel(b: Block, unmapped: list[str]) -> dict[str, Any]:
    """An EVPN multihoming port-channel: AVD's port_channel_interfaces with evpn_ethernet_segment."""
    pc: dict[str, Any] = {"name": b.line.split()[1]}
    for c in b.children:
        w = c.line.split()
        if w[0] == "description":
            pc["description"] = c.line.split(" ", 1)[1]
        elif c.line == "no shutdown":
            pc["shutdown"] = False
        elif w[0] == "mtu":
            pc["mtu"] = int(w[1])
        elif c.line == "switchport mode access":
            pc.setdefault("switchport", {}).update({"mode": "access"})
        elif w[:3] == ["switchport", "access", "vlan"]:
            pc.setdefault("switchport", {}).update({"access_vlan": int(w[3])})
        elif w[:2] == ["lacp", "system-id"]:
            pc["lacp_id"] = w[2]
        elif c.line == "evpn ethernet-segment":
            es: dict[str, Any] = {}
            for g in c.children:
                gw = g.line.split()
                if gw[0] == "identifier":
                    es["identifier"] = gw[1]
                else:
                    unmapped.append(f"{b.line} / {c.line} / {g.line}")
            pc["evpn_ethernet_segment"] = es
        else:
            unmapped.append(f"{b.line} / {c.line}")
    return pc


def _bgp(b: Block, unmapped: list[str]) -> dict[str, Any]:
    r: dict[str, Any] = {"as": b.line.split()[2]}
    neighbors: list[dict[str, Any]] = []
    for c in b.children:
        w = c.line.split()
        if w[0] == "router-id":
            r["router_id"] = w[1]
        elif c.line == "no bgp default ipv4-unicast":
            r.setdefault("bgp", {})["default"] = {"ipv4_unicast": False}
        elif w[0] == "maximum-paths":
            r["maximum_paths"] = {"paths": int(w[1]), **({"ecmp": int(w[3])} if len(w) > 3 else {})}
        elif w[0] == "neighbor" and w[2] == "remote-as":
            _by(neighbors, "ip_address", w[1])["remote_as"] = w[3]
        elif w[0] == "neighbor" and w[2] == "description":
            _by(neighbors, "ip_address", w[1])["description"] = c.line.split(" ", 3)[3]
        elif w[0] == "neighbor" and w[2] == "send-community":
            _by(neighbors, "ip_address", w[1])["send_community"] = w[3]
        elif w[0] == "neighbor" and w[2] == "route-map":
            _by(neighbors, "ip_address", w[1])[f"route_map_{w[4]}"] = w[3]
        elif w[:2] == ["redistribute", "connected"]:
            conn: dict[str, Any] = {"enabled": True}
            if w[2:3] == ["route-map"]:
                conn["route_map"] = w[3]
            r["redistribute"] = {"connected": conn}
        elif w[0] == "vlan":
            v: dict[str, Any] = {"id": int(w[1])}
            for g in c.children:
                gw = g.line.split()
                if gw[0] == "rd":
                    v["rd"] = gw[1]
                elif gw[:2] == ["route-target", "both"]:
                    v.setdefault("route_targets", {}).setdefault("both", []).append(gw[2])
                elif gw[0] == "redistribute":
                    v["redistribute_routes"] = [gw[1]]
                else:
                    unmapped.append(f"{b.line} / {c.line} / {g.line}")
            r.setdefault("vlans", []).append(v)
        elif c.line in ("address-family evpn", "address-family ipv4"):
            af: dict[str, Any] = {}
            for g in c.children:
                gw = g.line.split()
                if gw[0] == "neighbor" and gw[2] == "activate":
                    af.setdefault("neighbors", []).append({"ip_address": gw[1], "activate": True})
                elif g.line == "bgp next-hop-unchanged":
                    af["next_hop_unchanged"] = True
                else:
                    unmapped.append(f"{b.line} / {c.line} / {g.line}")
            r["address_family_evpn" if "evpn" in c.line else "address_family_ipv4"] = af
        elif w[0] == "vrf":
            vrf: dict[str, Any] = {"name": w[1]}
            for g in c.children:
                gw = g.line.split()
                if gw[0] == "rd":
                    vrf["rd"] = gw[1]
                elif gw[:2] == ["route-target", "import"] or gw[:2] == ["route-target", "export"]:
                    rts = vrf.setdefault("route_targets", {}).setdefault(gw[1], [])
                    _by(rts, "address_family", gw[2], route_targets=[])["route_targets"].append(gw[3])
                elif gw[0] == "router-id":
                    vrf["router_id"] = gw[1]
                elif g.line == "redistribute connected":
                    vrf["redistribute"] = {"connected": {"enabled": True}}
                elif gw[0] == "neighbor" and gw[2] == "remote-as":
                    _by(vrf.setdefault("neighbors", []), "ip_address", gw[1])["remote_as"] = gw[3]
                elif gw[0] == "neighbor" and gw[2] == "description":
                    _by(vrf.setdefault("neighbors", []), "ip_address", gw[1])["description"] = g.line.split(" ", 3)[3]
                elif gw[0] == "neighbor" and gw[2] == "route-map":
                    _by(vrf.setdefault("neighbors", []), "ip_address", gw[1])[f"route_map_{gw[4]}"] = gw[3]
                elif g.line == "address-family ipv4":
                    vaf = vrf.setdefault("address_family_ipv4", {})
                    for h in g.children:
                        hw = h.line.split()
                        if hw[0] == "neighbor" and hw[2] == "activate":
                            vaf.setdefault("neighbors", []).append({"ip_address": hw[1], "activate": True})
                        else:
                            unmapped.append(f"{b.line} / {c.line} / {g.line} / {h.line}")
                else:
                    unmapped.append(f"{b.line} / {c.line} / {g.line}")
            r.setdefault("vrfs", []).append(vrf)
        else:
            unmapped.append(f"{b.line} / {c.line}")
    if neighbors:
        r["neighbors"] = neighbors
    return r


def structured_config(text: str) -> tuple[dict[str, Any], list[str]]:
    """Our startup-config -> AVD eos_cli_config_gen structured config, and the lines it cannot say."""
    sc: dict[str, Any] = {}
    unmapped: list[str] = []
    vrfs: list[dict[str, Any]] = []
    for b in parse_blocks(text):
        w = b.line.split()
        kids = [c.line for c in b.children]
        if b.line.startswith("service routing protocols model "):
            sc["service_routing_protocols_model"] = w[-1]
        elif w[0] == "hostname":
            sc["hostname"] = w[1]
        elif w[:2] == ["dns", "domain"]:
            sc["dns_domain"] = w[2]
        elif w[:3] == ["ip", "name-server", "vrf"]:
            vrf = _by(sc.setdefault("ip_name_server", {}).setdefault("vrfs", []), "name", w[3], servers=[])
            vrf["servers"].append({"ip_address": w[4]})
        elif w[:2] == ["clock", "timezone"]:
            sc["clock"] = {"timezone": w[2]}
        elif w[:3] == ["ntp", "server", "vrf"]:
            sc.setdefault("ntp", {})["vrf"] = w[3]
            sc["ntp"].setdefault("servers", []).append({"name": w[4]})
        elif w[:3] == ["logging", "vrf"] or (w[0] == "logging" and w[1] == "vrf"):
            host: dict[str, Any] = {"name": w[4]}
            rest = w[5:]
            if rest and rest[0].isdigit():
                host["ports"] = [int(rest[0])]
                rest = rest[1:]
            if rest[:1] == ["protocol"]:
                host["protocol"] = rest[1]
            vrf = _by(sc.setdefault("logging", {}).setdefault("vrfs", []), "name", w[2], hosts=[])
            vrf["hosts"].append(host)
        elif w[:2] == ["spanning-tree", "mode"]:
            sc.setdefault("spanning_tree", {})["mode"] = w[2]
        elif w[:2] == ["spanning-tree", "priority"]:
            sc.setdefault("spanning_tree", {})["rstp_priority"] = int(w[2])
        elif b.line == "lldp run":
            sc["lldp"] = {"run": True}
        elif w[:2] == ["vrf", "instance"]:
            _by(vrfs, "name", w[2])
        elif w[:3] == ["ip", "access-list", "standard"]:
            entries = []
            for c in b.children:
                seq, action, src = c.line.split()
                entries.append({"sequence": int(seq), "action": action, "source": src})
            sc.setdefault("standard_access_lists", []).append({"name": w[3], "entries": entries})
        elif b.line == "management ssh":
            ssh: dict[str, Any] = {}
            for c in b.children:
                cw = c.line.split()
                if c.line == "no shutdown":
                    ssh["enable"] = True
                elif cw[:1] == ["vrf"]:
                    _by(ssh.setdefault("vrfs", []), "name", cw[1])["enable"] = any(
                        g.line == "no shutdown" for g in c.children)
                elif cw[:2] == ["ip", "access-group"] and cw[3:] and cw[-1] == "in":
                    if len(cw) == 6 and cw[3] == "vrf":
                        _by(ssh.setdefault("vrfs", []), "name", cw[4])["ip_access_group_in"] = cw[2]
                    else:
                        ssh["ip_access_group_in"] = cw[2]
                else:
                    unmapped.append(f"{b.line} / {c.line}")
            sc["management_ssh"] = ssh
        elif w[:3] == ["snmp-server", "ipv4", "access-list"]:
            sc.setdefault("snmp_server", {}).setdefault("ipv4_acls", []).append({"name": w[3], "vrf": w[5]})
        elif w[:2] == ["snmp-server", "vrf"]:
            sc.setdefault("snmp_server", {}).setdefault("vrfs", []).append({"name": w[2], "enable": True})
        elif w[:3] == ["qos", "map", "dscp"]:
            sc.setdefault("qos", {}).setdefault("map", {}).setdefault("dscp", []).append(b.line.split(" ", 3)[3])
        elif w[0] == "vlan":
            v: dict[str, Any] = {"id": int(w[1])}
            for c in b.children:
                if c.line.startswith("name "):
                    v["name"] = c.line[5:]
                else:
                    unmapped.append(f"{b.line} / {c.line}")
            sc.setdefault("vlans", []).append(v)
        elif w[0] == "interface" and w[1].startswith("Ethernet"):
            sc.setdefault("ethernet_interfaces", []).append(_ethernet(b, unmapped))
        elif w[0] == "interface" and w[1].startswith("Port-Channel"):
            sc.setdefault("port_channel_interfaces", []).append(_port_channel(b, unmapped))
        elif w[0] == "interface" and w[1].startswith(("Loopback", "Management", "Vlan")):
            i: dict[str, Any] = {"name": w[1]}
            for c in b.children:
                cw = c.line.split()
                if cw[0] == "description":
                    i["description"] = c.line.split(" ", 1)[1]
                elif cw[0] == "mtu":
                    i["mtu"] = int(cw[1])
                elif cw[0] == "vrf":
                    i["vrf"] = cw[1]
                elif cw[:3] == ["ip", "address", "virtual"]:
                    i["ip_address_virtual"] = cw[3]
                elif cw[:2] == ["ip", "address"]:
                    i["ip_address"] = cw[2]
                else:
                    unmapped.append(f"{b.line} / {c.line}")
            key = {"L": "loopback_interfaces", "M": "management_interfaces", "V": "vlan_interfaces"}[w[1][0]]
            sc.setdefault(key, []).append(i)
        elif w[0] == "interface" and w[1].startswith("Vxlan"):
            vx: dict[str, Any] = {}
            for c in b.children:
                cw = c.line.split()
                if cw[:2] == ["vxlan", "source-interface"]:
                    vx["source_interface"] = cw[2]
                elif cw[:2] == ["vxlan", "udp-port"]:
                    vx["udp_port"] = int(cw[2])
                elif cw[:2] == ["vxlan", "vlan"] and cw[3] == "vni":
                    vx.setdefault("vlans", []).append({"id": int(cw[2]), "vni": int(cw[4])})
                elif cw[:2] == ["vxlan", "vrf"] and cw[3] == "vni":
                    vx.setdefault("vrfs", []).append({"name": cw[2], "vni": int(cw[4])})
                else:
                    unmapped.append(f"{b.line} / {c.line}")
            sc["vxlan_interface"] = {"vxlan1": {"vxlan": vx}}
        elif w[:3] == ["ip", "virtual-router", "mac-address"]:
            sc["ip_virtual_router_mac_address"] = w[3]
        elif b.line == "ip routing":
            sc["ip_routing"] = True
        elif w[:3] == ["no", "ip", "routing"] and w[3] == "vrf":
            _by(vrfs, "name", w[4])["ip_routing"] = False
        elif w[:3] == ["ip", "routing", "vrf"]:
            _by(vrfs, "name", w[3])["ip_routing"] = True
        elif w[:3] == ["ip", "route", "vrf"]:
            sc.setdefault("static_routes", []).append({"vrf": w[3], "prefix": w[4], "next_hop": w[5]})
        elif w[:2] == ["ip", "prefix-list"]:
            seqs = [{"sequence": int(c.line.split()[1]), "action": c.line.split(" ", 2)[2]} for c in b.children]
            sc.setdefault("prefix_lists", []).append({"name": w[2], "sequence_numbers": seqs})
        elif w[0] == "route-map":
            rm = _by(sc.setdefault("route_maps", []), "name", w[1], sequence_numbers=[])
            rm["sequence_numbers"].append({"sequence": int(w[3]), "type": w[2],
                                           "match": [k.removeprefix("match ") for k in kids if k.startswith("match ")]})
            unmapped.extend(f"{b.line} / {k}" for k in kids if not k.startswith("match "))
        elif w[:2] == ["router", "bgp"]:
            sc["router_bgp"] = _bgp(b, unmapped)
        else:
            unmapped.append(b.line)
    if vrfs:
        sc["vrfs"] = vrfs
    return sc, unmapped


# --------------------------------------------------------------------------- compare


@dataclass
class Comparison:
    ours: int  # our lines
    same: int  # our lines AVD writes identically in the same block
    only_ours: list[tuple[tuple[str, ...], str]]
    only_avd: list[tuple[tuple[str, ...], str]]
    unmapped: list[str]
    violations: list[str]


def _generic(ctx: tuple[str, ...], line: str) -> str:
    """A difference's kind: names and numbers replaced, e.g. ``interface * / priority-flow-control
    pause watchdog``."""
    parts = [re.sub(r"\s.*", " *", c) if c.startswith("interface ") else c for c in ctx]
    text = " / ".join([*parts, line])
    return re.sub(r"\d+(\.\d+)*(/\d+)?", "N", text)


def compare(text: str) -> Comparison:
    sc, unmapped = structured_config(text)
    res = pyavd.validate_structured_config(sc)
    violations = [f"{'.'.join(map(str, v.path))}: {v.message}" for v in res.validation_result.violations]
    if res.validated_data is None:
        return Comparison(0, 0, [], [], unmapped, violations or ["AVD refused the structured config"])
    avd = pyavd.get_device_config(res.validated_data)
    ours_l = lines_in_context(parse_blocks(text))
    avd_l = lines_in_context(parse_blocks(avd))
    only_ours = list((ours_l - avd_l).elements())
    only_avd = list((avd_l - ours_l).elements())
    n = sum(ours_l.values())
    return Comparison(n, n - len(only_ours), only_ours, only_avd, unmapped, violations)


def kinds(c: Comparison) -> set[str]:
    return {"ours: " + _generic(*d) for d in c.only_ours} | {"avd: " + _generic(*d) for d in c.only_avd}


def check_item(item: Any) -> tuple[bool, list[str]]:
    """For ``make vendor-check``: accepted = AVD takes the structured config and every differing
    line is of a kind the test justifies (test_eos_avd.KNOWN)."""
    reasons = verdict(compare(item.files["startup-config"]))
    return not reasons, reasons


def verdict(c: Comparison) -> list[str]:
    """Why a comparison is not accepted (empty: accepted)."""
    from test_eos_avd import KNOWN

    unknown = sorted(k for k in kinds(c) if k not in KNOWN)
    return c.violations + [f"unmapped: {u}" for u in c.unmapped if _generic((), u) not in KNOWN_UNMAPPED] + unknown


KNOWN_UNMAPPED = {
    "interface EthernetN / priority-flow-control pause watchdog",
    "interface EthernetN / tx-queue N / priority strict",
}
