"""Compare one observation with one case: pure functions returning problems (empty = healthy).

Every problem starts with the device and port (``Case.where``) so a failure names both.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from toolkit.health.expect import AFI_KEYS
from toolkit.health.facts import ProbeResult
from toolkit.health.model import Case
from toolkit.health.readers import remote_vteps
from toolkit.netstate import IfState, RouteState, RuleState


def link_state(case: Case, links: dict[str, IfState], want_mtu: bool = True) -> list[str]:
    ifname = case.expect["ifname"]
    link = links.get(ifname)
    if link is None:
        return [f"{case.where}: no interface {ifname}"]
    problems = []
    state = link.operstate or "?"
    if not link.up:
        problems.append(f"{case.where}: administratively down ({ifname} operstate {state})")
    elif not link.carrier or state not in ("UP", "UNKNOWN"):
        problems.append(f"{case.where}: link down, no carrier ({ifname} operstate {state})")
    if want_mtu and link.mtu != case.expect["mtu"]:
        problems.append(f"{case.where}: MTU {link.mtu}, expected {case.expect['mtu']}")
    return problems


def has_address(case: Case, addrs: dict[str, list[str]]) -> list[str]:
    ifname, want = case.expect["ifname"], case.expect["address"]
    if ifname not in addrs:
        return [f"{case.where}: no interface {ifname} (expected address {want})"]
    have = addrs[ifname]
    if want in have:
        return []
    seen = ", ".join(have) or "none"
    return [f"{case.where}: address {want} missing (has {seen})"]


def lldp_neighbor(case: Case, lldp: dict[str, list[tuple[str, str]]]) -> list[str]:
    e = case.expect
    want = f"{e['peer_device']} {e['peer_port']}"
    seen = lldp.get(e["ifname"], [])
    if not seen:
        return [f"{case.where}: expected {want}, LLDP sees no neighbour"]
    ok = [(s, p) for s, p in seen if s == e["peer_device"] and p in e["peer_port_ids"]]
    if ok and len(seen) == 1:
        return []
    text = ", ".join(f"{s or '?'} {p or '?'}" for s, p in seen)
    if ok:
        return [f"{case.where}: expected only {want}, LLDP sees {text}"]
    return [f"{case.where}: expected {want}, LLDP sees {text}"]


def bgp_session(case: Case, neighbors: dict[str, Any]) -> list[str]:
    e = case.expect
    peer = f"{e['peer_device']} {e['peer_interface']}" if e.get("peer_interface") else e["peer_device"]
    info = next((neighbors[k] for k in e["keys"] if k in neighbors), None)
    if not isinstance(info, dict):
        return [f"{case.where}: no BGP neighbor {'/'.join(e['keys'])} (expected {peer}, AS {e['peer_asn']})"]
    problems = []
    state = info.get("bgpState", "?")
    if info.get("localAs") is not None and e.get("local_asn") is not None and info["localAs"] != e["local_asn"]:
        problems.append(f"{case.where}: local AS {info['localAs']}, expected {e['local_asn']}")
    if info.get("remoteAs") != e["peer_asn"]:
        problems.append(f"{case.where}: remote AS {info.get('remoteAs')}, expected {e['peer_asn']} ({peer})")
    if state != "Established":
        why = info.get("lastResetDueTo") or info.get("lastNotificationReason") or ""
        extra = f", last reset: {why}" if why else ""
        problems.append(f"{case.where}: session to {peer} is {state}, expected Established{extra}")
        return problems
    host = info.get("hostname")
    if host and host != e["peer_device"]:
        problems.append(f"{case.where}: session is with {host}, expected {peer}")
    mp = (info.get("neighborCapabilities") or {}).get("multiprotocolExtensions") or {}
    for afi in e.get("afis", []):
        key = AFI_KEYS.get(afi, afi)
        if mp and not (mp.get(key) or {}).get("advertisedAndReceived"):
            problems.append(f"{case.where}: address family {afi} not negotiated with {peer}")
    return problems


def evpn_vni(case: Case, vnis: dict[int, dict[str, Any]]) -> list[str]:
    e = case.expect
    vni = int(e["vni"])
    info = vnis.get(vni)
    label = f"{case.device} VNI {vni} (tenant {e['tenant']})"
    if info is None:
        return [f"{label}: not present in EVPN"]
    problems = []
    if str(info.get("type", "L2")) != "L2":
        problems.append(f"{label}: type {info.get('type')}, expected L2")
    vtep = info.get("vtepIp")
    if e.get("vtep") and vtep and vtep != e["vtep"]:
        problems.append(f"{label}: local VTEP {vtep}, expected {e['vtep']}")
    want: dict[str, str] = e["remote_vteps"]
    have = remote_vteps(info)
    missing = sorted(set(want) - have)
    extra = sorted(have - set(want))
    if missing:
        problems.append(f"{label}: remote VTEPs missing: " + ", ".join(f"{ip} ({want[ip]})" for ip in missing))
    if extra:
        problems.append(f"{label}: unexpected remote VTEPs: {', '.join(extra)}")
    return problems


def evpn_vni_set(case: Case, vnis: dict[int, dict[str, Any]]) -> list[str]:
    want = set(case.expect["vnis"])
    have = {v for v, info in vnis.items() if str(info.get("type", "L2")) == "L2"}
    names = case.expect.get("tenants_by_vni", {})
    extra = sorted(have - want)
    if not extra:
        return []
    return [
        f"{case.device}: unexpected L2VNI {v} (tenant {names.get(str(v), 'unknown')}) — the Fabric gives this leaf "
        f"{', '.join(str(x) for x in sorted(want)) or 'no VNI'}"
        for v in extra
    ]


def access_port_vni(case: Case, links: dict[str, IfState]) -> list[str]:
    """The port's bridge holds a VXLAN device with the tenant's VNI (no reliance on bridge names)."""
    e = case.expect
    names = e.get("tenants_by_vni", {})
    link = links.get(e["ifname"])
    if link is None:
        return [f"{case.where}: no interface {e['ifname']}"]
    master = link.master
    if not master:
        return [f"{case.where}: not in any bridge, expected the L2 domain of VNI {e['vni']} (tenant {e['tenant']})"]
    vnis = []
    for x in links.values():
        if x.master == master and x.kind == "vxlan":
            vnis.append(int((x.vxlan or {}).get("id", -1)))
    if vnis == [int(e["vni"])]:
        return []
    if not vnis:
        return [f"{case.where}: bridge {master} has no VXLAN device, expected VNI {e['vni']} (tenant {e['tenant']})"]
    got = ", ".join(f"{v} (tenant {names.get(str(v), 'unknown')})" for v in vnis)
    return [f"{case.where}: in bridge {master} with VNI {got}, expected VNI {e['vni']} (tenant {e['tenant']})"]


def _bridge_vnis(master: str, links: dict[str, IfState]) -> list[int]:
    return [int((x.vxlan or {}).get("id", -1)) for x in links.values() if x.master == master and x.kind == "vxlan"]


def routed_port_unbridged(case: Case, links: dict[str, IfState]) -> list[str]:
    """A host-facing port without a tenant VNI sits in no bridge."""
    e = case.expect
    link = links.get(e["ifname"])
    if link is None:
        return [f"{case.where}: no interface {e['ifname']}"]
    if not link.master:
        return []
    names = e.get("tenants_by_vni", {})
    vnis = _bridge_vnis(link.master, links)
    what = ", ".join(f"VNI {v} (tenant {names.get(str(v), 'unknown')})" for v in vnis) or "no VXLAN device"
    return [
        f"{case.where}: in bridge {link.master} with {what}, expected in no bridge "
        f"(a routed port to {e.get('peer') or 'a host'})"
    ]


def bridge_membership(case: Case, links: dict[str, IfState]) -> list[str]:
    """``access_port_vni`` for a tenant port, ``routed_port_unbridged`` for any other."""
    return access_port_vni(case, links) if "vni" in case.expect else routed_port_unbridged(case, links)


def policy_route(case: Case, rules: list[RuleState], routes: list[RouteState]) -> list[str]:
    e = case.expect
    addr, gw, ifname = e["address"], e["gateway"], e["ifname"]
    tables = [r.table for r in rules if r.src == addr and r.table not in ("main", "local")]
    if not tables:
        return [f"{case.where}: no ip rule 'from {addr} lookup <table>'"]
    problems = []
    want_table, want_prio = e.get("table"), e.get("rule_priority")
    if want_table is not None and tables != [str(want_table)]:
        problems.append(
            f"{case.where}: 'from {addr}' looks up table(s) {', '.join(tables)}, the Fabric says {want_table}"
        )
    prios = sorted({r.priority for r in rules if r.src == addr})
    if want_prio is not None and prios != [want_prio]:
        problems.append(f"{case.where}: rule 'from {addr}' has priority {prios}, the Fabric says {want_prio}")
    for table in tables:
        in_table = [r for r in routes if r.table == table]
        good = [r for r in in_table if r.gateway == gw and r.dev == ifname]
        if not good:
            seen = "; ".join(f"{r.dst} via {r.gateway or '-'} dev {r.dev or '-'}" for r in in_table) or "empty"
            problems.append(f"{case.where}: table {table} (from {addr}) has no route via {gw} dev {ifname} ({seen})")
    return problems


def plane_route(case: Case, routes: list[RouteState]) -> list[str]:
    """The Fabric's route of a server port is in its table, via its gateway and port."""
    e = case.expect
    same = [r for r in routes if r.table == e["table"] and r.dst == e["dst"]]
    if any(r.gateway == e["gateway"] and r.dev == e["ifname"] for r in same):
        return []
    seen = "; ".join(f"via {r.gateway or '-'} dev {r.dev or '-'}" for r in same)
    return [
        f"{case.where}: no route to {e['dst']} via {e['gateway']} dev {e['ifname']} in table {e['table']} "
        f"({e['plane']} plane){f', has {seen}' if seen else ''}"
    ]


def plane_route_get(case: Case, route: dict[str, Any]) -> list[str]:
    """Traffic to a destination of the port's route leaves through that port and gateway."""
    e = case.expect
    return route_get(case, route, f"{e['plane']} route {e['dst']}")


def designed_addresses(case: Case, addrs: dict[str, list[str]]) -> list[str]:
    """No IPv4 address inside a designed subnet but the Fabric's (on the interface it names)."""
    e = case.expect
    pools = [ipaddress.ip_network(p) for p in e["pools"]]
    want: dict[str, list[str]] = e["addresses"]
    anywhere = set(e.get("anywhere", []))
    problems = []
    for ifname, have in sorted(addrs.items()):
        for a in have:
            if ":" in a:
                continue
            ip = ipaddress.ip_interface(a)
            pool = next((p for p in pools if ip.ip in p), None)
            if pool is None or a in want.get(ifname, []) or a in anywhere:
                continue
            owner = next((n for n, lst in want.items() if a in lst), None)
            where = f", the Fabric puts it on {owner}" if owner else ""
            problems.append(f"{case.where}: unexpected address {a} on {ifname} (designed subnet {pool}{where})")
    return problems


def hostname(case: Case, system: str) -> list[str]:
    """The system hostname is the device name."""
    want, got = case.expect["hostname"], system.strip()
    return [] if got == want else [f"{case.where}: system hostname is {got or '(empty)'!r}, expected {want!r}"]


def frr_hostname(case: Case, config: str) -> list[str]:
    """The ``hostname`` line of the running FRR config is the device name."""
    want = case.expect["hostname"]
    got = next((ln.split(None, 1)[1].strip() for ln in config.splitlines() if ln.startswith("hostname ")), "")
    return [] if got == want else [f"{case.where}: FRR hostname is {got or '(not set)'!r}, expected {want!r}"]


def route_get(case: Case, route: dict[str, Any], what: str | None = None) -> list[str]:
    """``ip route get`` from the port's address leaves via its gateway and port; ``what`` names
    the destination in the message (default: the probed peer)."""
    e = case.expect
    if route.get("gateway") == e["gateway"] and route.get("dev") == e["ifname"]:
        return []
    return [
        f"{case.where}: traffic from {e['address']} to {e['probe_dst']} ({what or e['probe_peer']}) leaves via "
        f"{route.get('gateway', 'no gateway')} dev {route.get('dev', '?')}, expected {e['gateway']} dev {e['ifname']}"
    ]


def site_service_route(case: Case, route: dict[str, Any]) -> list[str]:
    """Traffic to a site NTP/DNS server leaves through the designed port (and gateway, if any)."""
    e = case.expect
    if route.get("dev") == e["ifname"] and route.get("gateway") == e["gateway"]:
        return []
    want = f"{e['gateway']} dev {e['ifname']}" if e["gateway"] else f"dev {e['ifname']} (connected)"
    return [
        f"{case.where}: traffic to {e['service']} server {e['dst']} leaves via "
        f"{route.get('gateway', 'no gateway')} dev {route.get('dev', '?')}, expected {want}"
    ]


def reachable(case: Case, res: ProbeResult, what: str) -> list[str]:
    if res.ok:
        return []
    return [f"{case.where}: {what} failed: {res.brief()}"]


_BAD_SOURCE = ("no such device", "cannot assign requested address", "unknown iface", "so_bindtodevice", "bind:")


def unreachable(case: Case, res: ProbeResult, what: str) -> list[str]:
    if res.ok:
        return [f"{case.where}: {what} succeeded — isolation broken ({res.brief()})"]
    low = res.output.lower()
    if res.error or any(x in low for x in _BAD_SOURCE):
        return [f"{case.where}: cannot test {what}: {res.brief()}"]
    return []


# ------------------------------------------------------------------------------------ QoS


def parse_dcb_pfc(data: Any) -> set[int]:
    """Priorities with PFC on, from ``dcb -j pfc show dev X prio-pfc`` (object or list shapes)."""
    raw = data.get("prio_pfc", data) if isinstance(data, dict) else data
    out: set[int] = set()
    if isinstance(raw, dict):
        out = {int(k) for k, v in raw.items() if str(k).isdigit() and v in (True, "on", 1)}
    elif isinstance(raw, list):
        for x in raw:
            if isinstance(x, dict) and x.get("enabled") in (True, "on", 1):
                out.add(int(x.get("prio", -1)))
    return out


def parse_dcb_dscp(data: Any) -> dict[int, int]:
    """DSCP -> priority from ``dcb -j app show dev X dscp-prio``."""
    raw = data.get("dscp_prio", []) if isinstance(data, dict) else data
    out: dict[int, int] = {}
    for x in raw or []:
        if isinstance(x, list | tuple) and len(x) == 2:
            out[int(x[0])] = int(x[1])
        elif isinstance(x, dict):
            out[int(x.get("dscp", -1))] = int(x.get("prio", -1))
    return out


def pfc(case: Case, enabled: set[int], dscp: dict[int, int] | None) -> list[str]:
    e = case.expect
    want = int(e["pfc_priority"])
    problems = []
    if want not in enabled:
        on = ", ".join(str(p) for p in sorted(enabled)) or "none"
        problems.append(f"{case.where}: PFC off on lossless priority {want} (on: {on})")
    extra = sorted(enabled - {want})
    if extra:
        problems.append(f"{case.where}: PFC also on priorities {', '.join(map(str, extra))} (only {want} is lossless)")
    if dscp is not None and e.get("trust") == "dscp":
        for d, prio in sorted((int(k), int(v)) for k, v in e.get("dscp_prio", {}).items()):
            if dscp.get(d) != prio:
                problems.append(f"{case.where}: DSCP {d} maps to priority {dscp.get(d, 'none')}, expected {prio}")
    return problems


# ------------------------------------------------------------------------------- hardware


def _norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def parse_gpu_query(text: str) -> list[tuple[int, str, str]]:
    """``nvidia-smi --query-gpu=index,name,pci.bus_id --format=csv,noheader`` -> (index, name, bus)."""
    out = []
    for line in text.splitlines():
        parts = [x.strip() for x in line.split(",")]
        if len(parts) >= 3 and parts[0].isdigit():
            out.append((int(parts[0]), parts[1], parts[2]))
    return out


def gpu_inventory(case: Case, gpus: list[tuple[int, str, str]]) -> list[str]:
    want = int(case.expect["gpus"])
    problems = []
    if len(gpus) != want:
        problems.append(f"{case.where}: {len(gpus)} GPUs visible to nvidia-smi, expected {want}")
    model = case.expect.get("gpu_model")
    if model:
        wrong = sorted({name for _, name, _ in gpus if _norm(model) not in _norm(name)})
        if wrong:
            problems.append(f"{case.where}: GPU model {', '.join(wrong)}, expected {model}")
    return problems


def parse_nvlink_status(text: str) -> dict[int, tuple[int, int]]:
    """``nvidia-smi nvlink --status`` -> GPU index -> (active links, inactive links)."""
    out: dict[int, tuple[int, int]] = {}
    gpu = -1
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("GPU ") and ":" in s:
            head = s[4:].split(":", 1)[0]
            gpu = int(head) if head.isdigit() else gpu
            out.setdefault(gpu, (0, 0))
        elif s.startswith("Link ") and gpu >= 0:
            active, inactive = out[gpu]
            if "inactive" in s.lower():
                out[gpu] = (active, inactive + 1)
            else:
                out[gpu] = (active + 1, inactive)
    return out


def nvlink(case: Case, links: dict[int, tuple[int, int]]) -> list[str]:
    want = int(case.expect["gpus"])
    problems = []
    for gpu in range(want):
        active, inactive = links.get(gpu, (0, 0))
        if not active:
            problems.append(f"{case.where}: GPU {gpu} has no active NVLink")
        elif inactive:
            problems.append(f"{case.where}: GPU {gpu} has {inactive} inactive NVLink(s) ({active} active)")
    return problems


def rdma_port(case: Case, rdma_dev: str, text: str) -> list[str]:
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    state = lines[0] if lines else "?"
    layer = lines[1] if len(lines) > 1 else "?"
    want_layer = "InfiniBand" if case.expect.get("kind") == "infiniband" else "Ethernet"
    problems = []
    if "ACTIVE" not in state:
        problems.append(f"{case.where}: RDMA device {rdma_dev} port 1 is {state}, expected ACTIVE")
    if layer != want_layer:
        problems.append(f"{case.where}: RDMA device {rdma_dev} link layer {layer}, expected {want_layer}")
    return problems


def sysfs_bus_id(bus: str) -> str:
    """nvidia-smi ``00000000:17:00.0`` -> sysfs ``0000:17:00.0``."""
    bus = bus.strip().lower()
    domain, _, rest = bus.partition(":")
    return f"{domain[-4:]}:{rest}" if rest else bus


def numa_affinity(case: Case, nic_numa: int, gpu_numa: int | None) -> list[str]:
    e = case.expect
    problems = []
    if e.get("numa") is not None and nic_numa != int(e["numa"]):
        problems.append(f"{case.where}: NIC on NUMA node {nic_numa}, expected {e['numa']}")
    if gpu_numa is not None and gpu_numa != nic_numa:
        problems.append(f"{case.where}: paired GPU {e.get('gpu')} on NUMA node {gpu_numa}, NIC on {nic_numa}")
    return problems


BANDWIDTH_FRACTION = 0.8
"""ib_write_bw must reach this fraction of the port speed."""


def write_bandwidth(case: Case, rc: int, output: str) -> list[str]:
    e = case.expect
    peer = f"{e['peer_device']} {e['peer_port']}"
    if rc != 0:
        tail = " / ".join(output.strip().splitlines()[-2:])
        return [f"{case.where}: ib_write_bw to {peer} failed ({rc}): {tail[:200]}"]
    avg = None
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if "BW average" in line and i + 1 < len(lines):
            cols = lines[i + 1].split()
            if len(cols) >= 4:
                try:
                    avg = float(cols[3])
                except ValueError:
                    avg = None
    if avg is None:
        return [f"{case.where}: no bandwidth in ib_write_bw output to {peer}"]
    want = BANDWIDTH_FRACTION * float(e["speed"])
    if avg < want:
        return [f"{case.where}: RDMA write to {peer} {avg:.1f} Gb/s, expected at least {want:.0f} Gb/s"]
    return []
