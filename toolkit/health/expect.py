"""What the running system must look like: check cases derived from the Fabric only.

Pure and deterministic. Every builder takes the Fabric and the set of devices the target actually
has (``None``: all of them; the lab may run a slice) and returns one ``Case`` per thing to check,
named by device and port. Nothing here reads rendered configuration: MTUs are the Fabric's
(already clamped for the platform, e.g. EOS 9214), BGP sessions numbered or unnumbered as the
Fabric's policy decided per session, and a switch port is looked up by the name its own OS uses
(``os_ifname``: ``Port.name`` on a switch — SONiC's netdevs are ``Ethernet<N>``, Cumulus' and the
frr platform's ``swp<N>`` — ``Port.ifname`` on a server).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from itertools import chain, islice

from toolkit import platforms
from toolkit.design.model import Device, Fabric, Port, PortIndex, TenantMember
from toolkit.health.model import Case, Probe
from toolkit.netstate import prefix

Present = set[str] | frozenset[str] | None
Builder = Callable[[Fabric, Present], list[Case]]

ISOLATION_PEERS = 4
"""Other-tenant members probed from each tenant member (bounded)."""
OOB_TARGETS = 3
"""OOB addresses of other devices probed from each tenant interface (bounded)."""
ICMP_OVERHEAD = 28
"""IPv4 header + ICMP echo header: ``ping -s`` payload = MTU - 28."""

AFI_KEYS: dict[str, str] = {
    "ipv4-unicast": "ipv4Unicast",
    "ipv6-unicast": "ipv6Unicast",
    "l2vpn-evpn": "l2VpnEvpn",
}
"""Fabric AFI names -> FRR JSON keys."""


def ip_of(address: str | None) -> str:
    return (address or "").split("/", 1)[0]


def os_ifname(dev: Device, port: Port) -> str:
    """The name the device's OS (and its fact readers) uses for ``port``."""
    return port.name if dev.is_switch else port.ifname


def _has(present: Present, *names: str) -> bool:
    return present is None or all(n in present for n in names)


def _switches(fabric: Fabric, present: Present) -> list[Device]:
    return [d for d in fabric.switches() if d.role != "oob" and _has(present, d.name)]


def _servers(fabric: Fabric, present: Present) -> list[Device]:
    return [d for d in fabric.servers() if _has(present, d.name)]


def _cabled(ports: PortIndex, dev: Device, present: Present) -> Iterable[tuple[Port, Port]]:
    for p in dev.ports:
        if p.plane == "oob" or p.role in ("mgmt", "bmc"):
            continue
        peer = ports.peer(p)
        if peer is not None and _has(present, p.peer_device or ""):
            yield p, peer


# ------------------------------------------------------------------------------ switches


def _link_cases(
    fabric: Fabric, present: Present, more: Callable[[Device, Port, Port], dict[str, object]]
) -> list[Case]:
    """A case per cabled data port of every switch: its OS name and planned peer, plus ``more``."""
    ports = PortIndex(fabric)
    return [
        Case(
            dev.name,
            p.name,
            {"ifname": os_ifname(dev, p), "peer_device": p.peer_device, "peer_port": peer.name} | more(dev, p, peer),
        )
        for dev in _switches(fabric, present)
        for p, peer in _cabled(ports, dev, present)
    ]


def switch_ports(fabric: Fabric, present: Present) -> list[Case]:
    """Every cabled data port of every switch: up, Fabric MTU."""

    def more(dev: Device, p: Port, peer: Port) -> dict[str, object]:
        return {"mtu": p.mtu, "peer_ifname": os_ifname(fabric.devices[p.peer_device or ""], peer)}

    return _link_cases(fabric, present, more)


def switch_addresses(fabric: Fabric, present: Present) -> list[Case]:
    """Every address the Fabric gives a switch: data ports and the loopback (router ID / VTEP)."""
    out = []
    for dev in _switches(fabric, present):
        if dev.loopback:
            lo = platforms.get(dev.platform).loopback
            out.append(Case(dev.name, "lo", {"ifname": lo, "address": dev.loopback}))
        for p in dev.ports:
            if p.address and p.plane != "oob" and p.role not in ("mgmt", "bmc"):
                out.append(Case(dev.name, p.name, {"ifname": os_ifname(dev, p), "address": p.address}))
    return out


def lldp_ports(fabric: Fabric, present: Present) -> list[Case]:
    """Every cabled data port of every switch: LLDP must see exactly the planned peer."""
    return _link_cases(fabric, present, lambda dev, p, peer: {"peer_port_ids": sorted({peer.name, peer.ifname})})


def bgp_sessions(fabric: Fabric, present: Present) -> list[Case]:
    """Every BGP neighbor of every switch; unnumbered sessions are keyed by interface. A border
    session is checked wherever its leaf is: the external router is no device of the target (the
    twin plays it in a namespace of its own)."""
    out = []
    ports = PortIndex(fabric)
    for dev in _switches(fabric, present):
        for n in dev.bgp:
            if not n.external and not _has(present, n.peer_device):
                continue
            if n.interface and (n.unnumbered or not n.peer_address):
                port = ports.port(dev.name, n.interface)  # the session's interface as the OS names it
                keys = [os_ifname(dev, port) if port is not None else n.interface]
                label = n.interface
            else:
                keys = [n.peer_address or ""]
                label = n.peer_address or "?"
            out.append(
                Case(
                    dev.name,
                    label,
                    {
                        "keys": keys,
                        "peer_device": n.peer_device,
                        "peer_interface": n.peer_interface,
                        "peer_asn": n.peer_asn,
                        "local_asn": dev.asn,
                        "afis": list(n.afis),
                        "unnumbered": n.unnumbered,
                    },
                )
            )
    return out


def _tenant_by_vni(fabric: Fabric) -> dict[str, str]:
    return {str(n.vni): t.name for t in fabric.tenants for n in t.networks}


def evpn_vnis(fabric: Fabric, present: Present) -> list[Case]:
    """Per VTEP leaf and tenant VNI: the VNI exists, local VTEP = loopback, remote VTEPs = the
    loopbacks of the other leaves of that tenant network."""
    tenants = {n.vni: (t, n) for t in fabric.tenants for n in t.networks}
    out = []
    for dev in _switches(fabric, present):
        for att in dev.tenants:
            t, net = tenants.get(att.vni, (None, None))
            leaves = [x for x in (net.leaves if net else []) if x != dev.name and _has(present, x)]
            remote = {ip_of(fabric.devices[x].loopback): x for x in leaves if fabric.devices[x].loopback}
            out.append(
                Case(
                    dev.name,
                    None,
                    {
                        "vni": att.vni,
                        "tenant": t.name if t else "?",
                        "vtep": ip_of(dev.loopback),
                        "remote_vteps": dict(sorted(remote.items())),
                    },
                    suffix=f"vni{att.vni}",
                )
            )
    return out


def evpn_leaves(fabric: Fabric, present: Present) -> list[Case]:
    """Per switch that is a VTEP of some tenant: exactly the Fabric's L2VNIs, no others."""
    vteps = {leaf for t in fabric.tenants for leaf in t.leaves}
    out = []
    for dev in _switches(fabric, present):
        if dev.tenants or dev.name in vteps:
            out.append(
                Case(
                    dev.name,
                    None,
                    {"vnis": sorted({a.vni for a in dev.tenants}), "tenants_by_vni": _tenant_by_vni(fabric)},
                    suffix="vnis",
                )
            )
    return out


def qos_ports(fabric: Fabric, present: Present) -> list[Case]:
    """Every port the Fabric makes lossless (switches and host RDMA NICs)."""
    q = fabric.qos
    dscp_prio = {str(d): tc for d, tc in sorted(q.dscp_to_tc.items()) if tc}
    out = []
    for dev in [*_switches(fabric, present), *_servers(fabric, present)]:
        for p in dev.ports:
            if p.qos and p.plane != "oob":
                out.append(
                    Case(
                        dev.name,
                        p.name,
                        {
                            "ifname": os_ifname(dev, p),
                            "platform": dev.platform,
                            "switch": dev.is_switch,
                            "profile": p.qos,
                            "pfc_priority": q.pfc_priority,
                            "trust": q.trust,
                            "dscp_prio": dscp_prio,
                        },
                    )
                )
    return out


# --------------------------------------------------------------------------------- hosts


def host_ports(fabric: Fabric, present: Present) -> list[Case]:
    """Every addressed data port of every server: address, MTU, up."""
    out = []
    for dev in _servers(fabric, present):
        for p in dev.ports:
            if p.address and p.plane != "oob" and p.role not in ("mgmt", "bmc"):
                out.append(
                    Case(dev.name, p.name, {"ifname": p.ifname, "address": p.address, "mtu": p.mtu, "plane": p.plane})
                )
    return out


def _compute_nics(fabric: Fabric, present: Present) -> list[tuple[Device, Port]]:
    return [
        (dev, p)
        for dev in _servers(fabric, present)
        for p in dev.ports
        if p.plane == "compute" and p.address and p.role == "host"
    ]


class _Rails:
    """The compute NICs by rail, in Fabric order, indexed once per builder: the peer of each NIC
    is then found in a few steps (a scan of every NIC per NIC was quadratic: 16,384 NICs at
    cluster-16k)."""

    def __init__(self, nics: list[tuple[Device, Port]]):
        self.rails = sorted({q.rail for _, q in nics if q.rail is not None})
        self.on: dict[int | None, list[tuple[Device, Port]]] = {}
        for d, q in nics:
            self.on.setdefault(q.rail, []).append((d, q))
        self.first: dict[int | None, dict[str, int]] = {}  # per rail: a server's first position
        for rail, on_rail in self.on.items():
            pos = self.first[rail] = {}
            for i, (d, _) in enumerate(on_rail):
                pos.setdefault(d.name, i)

    def peer(self, dev: Device, p: Port, same_rail: bool) -> tuple[Device, Port] | None:
        """The NIC of the next server (cyclic, Fabric order) on the same rail or on the next rail."""
        if same_rail:
            want = p.rail
        else:
            others = [r for r in self.rails if r != p.rail]
            if not others:
                return None
            later = [r for r in others if p.rail is None or r > p.rail]
            want = later[0] if later else others[0]
        on_rail = self.on.get(want, [])
        if not on_rail:
            return None
        at = self.first[want].get(dev.name)
        start = at + 1 if at is not None else 0
        for i in range(len(on_rail)):
            d, q = on_rail[(start + i) % len(on_rail)]
            if d.name != dev.name:
                return d, q
        return None


def host_routes(fabric: Fabric, present: Present) -> list[Case]:
    """Per compute NIC: ip rule from its address -> a table whose route leaves via its gateway."""
    nics = _compute_nics(fabric, present)
    rails = _Rails(nics)
    out = []
    for dev, p in nics:
        if not p.gateway:
            continue
        far = rails.peer(dev, p, same_rail=False) or rails.peer(dev, p, same_rail=True)
        probes = (Probe("route", (ip_of(far[1].address), ip_of(p.address))),) if far else ()
        out.append(
            Case(
                dev.name,
                p.name,
                {
                    "ifname": p.ifname,
                    "address": ip_of(p.address),
                    "gateway": p.gateway,
                    "table": p.table,
                    "rule_priority": p.rule_priority,
                    "probe_dst": ip_of(far[1].address) if far else None,
                    "probe_peer": f"{far[0].name} {far[1].name}" if far else None,
                },
                probes=probes,
            )
        )
    return out


def _probe_address(dst: str, port: Port) -> str | None:
    """An address inside ``dst`` that is not on the port's own link (None for ``default``)."""
    if dst == "default":
        return None
    net = ipaddress.ip_network(dst, strict=False)
    own = ipaddress.ip_network(port.address or "0.0.0.0/32", strict=False)
    for i, addr in enumerate(net.hosts() if net.num_addresses > 2 else iter(net)):
        if addr not in own:
            return str(addr)
        if i > 8:
            break
    return None


def plane_routes(fabric: Fabric, present: Present) -> list[Case]:
    """Every route the Fabric gives a server port, on every plane (compute, storage, business):
    the route is in its table via the port's gateway, and the kernel resolves a destination inside
    it through that port (a deleted route lets traffic fall back to another NIC)."""
    out = []
    for dev in _servers(fabric, present):
        for p in dev.ports:
            if not p.gateway or not p.address or p.plane == "oob" or p.role in ("mgmt", "bmc"):
                continue
            for dst in p.routes:
                want = prefix(dst)
                probe = _probe_address(want, p)
                out.append(
                    Case(
                        dev.name,
                        p.name,
                        {
                            "ifname": p.ifname,
                            "plane": p.plane,
                            "dst": want,
                            "gateway": p.gateway,
                            "table": str(p.table) if p.table is not None else "main",
                            "address": ip_of(p.address),
                            "probe_dst": probe,
                        },
                        suffix=want,
                        probes=(Probe("route", (probe, ip_of(p.address))),) if probe else (),
                    )
                )
    return out


def site_service_routes(fabric: Fabric, present: Present) -> list[Case]:
    """Every server resolves each site NTP and DNS server (``ip route get``, the kernel choosing the
    source, as chronyd and the resolver do) the way the design proves it reaches it (REACH006): on
    its OS management port's own subnet, directly; else through the data port and gateway its
    main table routes the address to — and the address answers a ping from that port's address
    (the twin holds the site's service addresses: ``toolkit.lab.topology``)."""
    from toolkit.design.reachability import host_tables, ip_int, prefix, within

    site = fabric.site
    services = [("NTP", a) for a in site.ntp] + [("DNS", a) for a in site.dns]
    if not services:
        return []
    tables = host_tables(fabric)
    owner = {ip: host for host, t in tables.items() for ip in t.addresses}
    border = fabric.border.leaves if fabric.border is not None else []

    def answerer(dst: int) -> bool:
        """Whoever holds ``dst`` is in the target: a server of the fabric, else (outside) a border leaf."""
        host = owner.get(dst)
        return _has(present, host) if host is not None else any(_has(present, b) for b in border)

    out = []
    for dev in _servers(fabric, present):
        mgmt = None
        if dev.mgmt_address and dev.mgmt_port and not dev.mgmt_inband and _has_port(dev, dev.mgmt_port):
            mgmt = (prefix(dev.mgmt_address), os_ifname(dev, dev.port(dev.mgmt_port)))
        for what, addr in services:
            dst = ip_int(addr)
            if mgmt is not None and within(dst, mgmt[0]):
                ifname, gateway, src = mgmt[1], None, ip_of(dev.mgmt_address)
            else:
                hit = tables[dev.name].lookup(None, dst)
                if hit is None:
                    continue  # REACH006 reports it: validate refuses such a Fabric
                port = dev.port(hit[1].port)
                ifname, gateway, src = os_ifname(dev, port), hit[1].via, ip_of(port.address)
            probes = [Probe("route", (addr, ""))]
            if gateway is None or answerer(dst):  # a slice of the fabric may lack the way there
                probes.append(Probe("ping", (src, addr, "56", "retry")))
            out.append(
                Case(
                    dev.name,
                    f"{what} {addr}",
                    {"service": what, "dst": addr, "ifname": ifname, "gateway": gateway, "src": src},
                    probes=tuple(probes),
                )
            )
    return out


def _has_port(dev: Device, name: str) -> bool:
    return any(p.name == name for p in dev.ports)


def plane_route_probes(fabric: Fabric, present: Present) -> list[Case]:
    """The ``plane_routes`` with a destination to resolve (not ``default``)."""
    return [c for c in plane_routes(fabric, present) if c.probes]


def designed_addresses(fabric: Fabric, present: Present) -> list[Case]:
    """Per switch and server: the IPv4 addresses inside a designed subnet (the Fabric's address
    pools and tenant subnets) are exactly the Fabric's, on the interfaces it names (an address
    added by hand in a designed subnet answers for another device or hijacks its traffic)."""
    pools = sorted({x.prefix for x in fabric.pools} | {n.subnet for t in fabric.tenants for n in t.networks})
    nets = [n for t in fabric.tenants for n in t.networks]
    out = []
    for dev in [*_switches(fabric, present), *_servers(fabric, present)]:
        want: dict[str, list[str]] = {}
        anywhere: list[str] = []
        if dev.loopback:
            want.setdefault("lo", []).append(dev.loopback)
        if dev.mgmt_address and dev.mgmt_port:
            try:
                want.setdefault(os_ifname(dev, dev.port(dev.mgmt_port)), []).append(dev.mgmt_address)
            except KeyError:
                anywhere.append(dev.mgmt_address)
        for p in dev.ports:
            if p.address:
                want.setdefault(os_ifname(dev, p), []).append(p.address)
        for n in nets:  # the anycast gateway of a tenant network, wherever its leaf puts it
            if dev.name in n.leaves:
                anywhere.append(f"{n.gateway}/{n.subnet.split('/')[1]}")
        out.append(Case(dev.name, None, {"pools": pools, "addresses": want, "anywhere": sorted(anywhere)}))
    return out


def hostnames(fabric: Fabric, present: Present) -> list[Case]:
    """Per switch and server: the system hostname is the device name (logs, LLDP and the
    identity checks of sessions name a box by it)."""
    return [Case(d.name, None, {"hostname": d.name}) for d in [*_switches(fabric, present), *_servers(fabric, present)]]


def frr_hostnames(fabric: Fabric, present: Present) -> list[Case]:
    """Per switch: the FRR hostname (``hostname`` of the running config) is the device name."""
    return [Case(d.name, None, {"hostname": d.name}) for d in _switches(fabric, present)]


def mtu_paths(fabric: Fabric, present: Present) -> list[Case]:
    """Per compute NIC: a don't-fragment ping at full MTU to the same-rail NIC of another server
    (one leaf) and to a different-rail NIC of another server (leaf -> spine -> leaf)."""
    nics = _compute_nics(fabric, present)
    rails = _Rails(nics)
    out = []
    for dev, p in nics:
        for kind, same in (("same-rail", True), ("cross-rail", False)):
            far = rails.peer(dev, p, same_rail=same)
            if far is None:
                continue
            fdev, fp = far
            mtu = min(p.mtu, fp.mtu)
            size = mtu - ICMP_OVERHEAD
            src, dst = ip_of(p.address), ip_of(fp.address)
            out.append(
                Case(
                    dev.name,
                    p.name,
                    {
                        "kind": kind,
                        "src": src,
                        "dst": dst,
                        "peer": f"{fdev.name} {fp.name}",
                        "mtu": mtu,
                        "size": size,
                    },
                    suffix=f"{fdev.name}:{fp.name}",
                    probes=(Probe("ping", (src, dst, str(size), "df,retry")),),
                )
            )
    return out


def _member_port(fabric: Fabric, server: str, port: str) -> Port | None:
    try:
        return fabric.devices[server].port(port)
    except KeyError:
        return None


def tenant_access_ports(fabric: Fabric, present: Present) -> list[Case]:
    """Switch side: every tenant access port sits in the L2 domain of its tenant's VNI."""
    by_vni = _tenant_by_vni(fabric)
    out = []
    for dev in _switches(fabric, present):
        for p in dev.ports:
            if p.vni is not None:
                out.append(
                    Case(
                        dev.name,
                        p.name,
                        {"ifname": os_ifname(dev, p), "vni": p.vni, "tenant": p.tenant, "tenants_by_vni": by_vni},
                    )
                )
    return out


def routed_host_ports(fabric: Fabric, present: Present) -> list[Case]:
    """Switch side: every host-facing port without a tenant VNI is in no bridge (with
    ``tenant_access_ports``: the bridge membership of every host-facing port). A routed port in
    a tenant's bridge leaks that tenant's traffic to the host and the host's to the tenant."""
    by_vni = _tenant_by_vni(fabric)
    out = []
    for dev in _switches(fabric, present):
        for p in dev.ports:
            peer = fabric.devices.get(p.peer_device or "")
            if p.vni is None and peer is not None and peer.is_server:
                expect = {"ifname": os_ifname(dev, p), "peer": p.peer_device, "tenants_by_vni": by_vni}
                out.append(Case(dev.name, p.name, expect))
    return out


def bridge_cases(fabric: Fabric, device: str) -> list[Case]:
    """The bridge-membership cases of one switch (what apply verifies after a push)."""
    return [*tenant_access_ports(fabric, {device}), *routed_host_ports(fabric, {device})]


def tenant_reach(fabric: Fabric, present: Present) -> list[Case]:
    """Every tenant member reaches every other member of its network (tenant address to address),
    and of the tenant's other networks when the tenant routes between them (``Tenant.routed``)."""
    out = []
    for t in fabric.tenants:
        for net in t.networks:
            for m in net.members:
                peers = t.members if t.routed else net.members
                out.extend(_reach_cases(t.name, m, peers, present))
    return out


def _reach_cases(tenant: str, m: TenantMember, peers: list[TenantMember], present: Present) -> list[Case]:
    out = []
    for n in peers:
        if n is m or not _has(present, m.server, n.server):
            continue
        src, dst = ip_of(m.address), ip_of(n.address)
        out.append(
            Case(
                m.server,
                m.port,
                {"tenant": tenant, "src": src, "dst": dst, "peer": f"{n.server} {n.port}"},
                suffix=f"{n.server}:{n.port}",
                probes=(Probe("ping", (src, dst, "56", "retry")),),
            )
        )
    return out


def tenant_isolation(fabric: Fabric, present: Present) -> list[Case]:
    """From each tenant interface: no other tenant's member answers, at L2 (ARP probe) or L3."""
    out = []
    for t in fabric.tenants:
        for m in t.members:
            mp = _member_port(fabric, m.server, m.port)
            if mp is None or not _has(present, m.server):
                continue
            others = ((u, n) for u in fabric.tenants if u.name != t.name for n in u.members)
            picked = ((u, n) for u, n in others if n.server != m.server and _has(present, n.server))
            for u, n in islice(picked, ISOLATION_PEERS):  # the first few: the rest is not built
                dst = ip_of(n.address)
                out.append(
                    Case(
                        m.server,
                        m.port,
                        {
                            "tenant": t.name,
                            "ifname": mp.ifname,
                            "dst": dst,
                            "peer": f"{n.server} {n.port}",
                            "peer_tenant": u.name,
                        },
                        suffix=f"{n.server}:{n.port}",
                        probes=(Probe("arp", (mp.ifname, dst)), Probe("ping", (mp.ifname, dst, "56", ""))),
                    )
                )
    return out


def tenant_oob_isolation(fabric: Fabric, present: Present) -> list[Case]:
    """From each tenant interface, the OOB addresses of other devices are unreachable: the tenant's
    leaf, the spines above it and other tenants' members.

    Members of the same tenant are left out: they are L2 neighbours by design and, like any Linux
    host (weak host model, ``arp_ignore=0``), answer on their tenant interface for every address
    they own; with a BMC that is a separate device this does not happen. That is host hardening,
    not fabric isolation."""
    out = []
    for t in fabric.tenants:
        same = {n.server for n in t.members}
        for m in t.members:
            mp = _member_port(fabric, m.server, m.port)
            if mp is None or not _has(present, m.server):
                continue
            leaf = fabric.devices.get(m.leaf)
            spines = [p.peer_device for p in (leaf.ports if leaf else []) if p.role == "uplink" and p.peer_device]
            candidates = chain((m.leaf, *spines[:1]), (n.server for u in fabric.tenants if u.name != t.name
                                                       for n in u.members))
            seen: list[str] = []  # the first OOB_TARGETS: the rest is not looked at
            for name in candidates:
                dev = fabric.devices.get(name)
                if name in same or name in seen or dev is None or not dev.mgmt_address or not _has(present, name):
                    continue
                seen.append(name)
                if len(seen) == OOB_TARGETS:
                    break
            for name in seen:
                dst = ip_of(fabric.devices[name].mgmt_address)
                out.append(
                    Case(
                        m.server,
                        m.port,
                        {"tenant": t.name, "ifname": mp.ifname, "dst": dst, "peer": f"{name} (OOB)"},
                        suffix=f"{name}:oob",
                        probes=(Probe("ping", (mp.ifname, dst, "56", "")),),
                    )
                )
    return out


# ------------------------------------------------------------------------------ border


def _outside_sources(fabric: Fabric, present: Present) -> list[tuple[Device, Port, str | None]]:
    """(server, port, tenant) of every address that gets a route out of the fabric or must not:
    business-plane host ports with a default route, and every tenant member's port."""
    out: list[tuple[Device, Port, str | None]] = []
    for dev in _servers(fabric, present):
        for p in dev.ports:
            if p.plane == "business" and not p.tenant and p.address and "default" in p.routes:
                out.append((dev, p, None))
    for t in fabric.tenants:
        for m in t.members:
            mp = _member_port(fabric, m.server, m.port)
            if mp is not None and _has(present, m.server):
                out.append((fabric.devices[m.server], mp.model_copy(update={"address": m.address}), t.name))
    return out


def external_reach(fabric: Fabric, present: Present) -> list[Case]:
    """With a border: every business host and every member of a tenant peering with the external
    routers reaches the border's probe address (behind the routers) from its own address; members
    of other tenants do not (their VRF has no way out)."""
    b = fabric.border
    if b is None:
        return []
    out = []
    for dev, p, tenant in _outside_sources(fabric, present):
        src = ip_of(p.address)
        out.append(
            Case(
                dev.name,
                p.name,
                {
                    "src": src,
                    "dst": b.probe,
                    "who": f"tenant {tenant}" if tenant else "business host",
                    "out": tenant is None or tenant in b.tenants,
                },
                suffix="outside",
                probes=(Probe("ping", (src, b.probe, "56", "retry")),),
            )
        )
    return out


def external_isolation(fabric: Fabric, present: Present) -> list[Case]:
    """With a border: from each member of a border tenant, routed from its tenant address (so
    through its default route, the way out), no other tenant's member answers — the external
    routers know every tenant's exported subnet and must not carry one tenant into another."""
    b = fabric.border
    if b is None:
        return []
    out = []
    for dev, p, tenant in _outside_sources(fabric, present):
        if tenant is None or tenant not in b.tenants:
            continue
        others = [(u, n) for u in fabric.tenants if u.name != tenant for n in u.members]
        picked = [(u, n) for u, n in others if n.server != dev.name and _has(present, n.server)]
        for u, n in picked[:ISOLATION_PEERS]:
            src, dst = ip_of(p.address), ip_of(n.address)
            out.append(
                Case(
                    dev.name,
                    p.name,
                    {"tenant": tenant, "src": src, "dst": dst, "peer": f"{n.server} {n.port}", "peer_tenant": u.name},
                    suffix=f"{n.server}:{n.port}",
                    probes=(Probe("ping", (src, dst, "56", "")),),
                )
            )
    return out


# ------------------------------------------------------------------------------ hardware


def gpu_servers(fabric: Fabric, present: Present) -> list[Case]:
    return [
        Case(
            d.name,
            None,
            {
                "gpus": d.gpus,
                "gpu_model": d.gpu_model,
                "nics": {p.name: p.ifname for p in d.ports if p.plane == "compute" and p.role == "host"},
            },
        )
        for d in _servers(fabric, present)
        if d.gpus
    ]


def rdma_nics(fabric: Fabric, present: Present) -> list[Case]:
    kind = fabric.planes["compute"].kind if "compute" in fabric.planes else "roce"
    return [
        Case(
            dev.name,
            p.name,
            {"ifname": p.ifname, "numa": p.numa, "gpu": p.gpu, "rail": p.rail, "kind": kind, "speed": p.speed},
        )
        for dev, p in _compute_nics(fabric, present)
    ]


def rail_pairs(fabric: Fabric, present: Present) -> list[Case]:
    """Per rail, the first two servers on it: RDMA write bandwidth between them."""
    nics = _compute_nics(fabric, present)
    out = []
    for rail in sorted({p.rail for _, p in nics if p.rail is not None}):
        on_rail = [(d, p) for d, p in nics if p.rail == rail]
        if len(on_rail) < 2:
            continue
        (a, pa), (b, pb) = on_rail[0], on_rail[1]
        out.append(
            Case(
                a.name,
                pa.name,
                {
                    "rail": rail,
                    "ifname": pa.ifname,
                    "address": ip_of(pa.address),
                    "peer_device": b.name,
                    "peer_port": pb.name,
                    "peer_ifname": pb.ifname,
                    "peer_address": ip_of(pb.address),
                    "speed": min(pa.speed, pb.speed),
                },
                suffix=f"{b.name}:{pb.name}",
            )
        )
    return out


def _ib_builders() -> dict[str, Builder]:
    from toolkit.health import ib

    return {
        "ib_links": ib.ib_links,
        "ib_subnet_managers": ib.ib_subnet_managers,
        "ib_partition_ports": ib.ib_partition_ports,
    }


BUILDERS: dict[str, Builder] = {
    "switch_ports": switch_ports,
    "switch_addresses": switch_addresses,
    "lldp_ports": lldp_ports,
    "bgp_sessions": bgp_sessions,
    "evpn_vnis": evpn_vnis,
    "evpn_leaves": evpn_leaves,
    "qos_ports": qos_ports,
    "host_ports": host_ports,
    "host_routes": host_routes,
    "mtu_paths": mtu_paths,
    "plane_routes": plane_routes,
    "plane_route_probes": plane_route_probes,
    "site_service_routes": site_service_routes,
    "designed_addresses": designed_addresses,
    "hostnames": hostnames,
    "frr_hostnames": frr_hostnames,
    "tenant_access_ports": tenant_access_ports,
    "routed_host_ports": routed_host_ports,
    "tenant_reach": tenant_reach,
    "tenant_isolation": tenant_isolation,
    "tenant_oob_isolation": tenant_oob_isolation,
    "external_reach": external_reach,
    "external_isolation": external_isolation,
    "gpu_servers": gpu_servers,
    "rdma_nics": rdma_nics,
    "rail_pairs": rail_pairs,
}


def _storage_builders() -> dict[str, Builder]:
    from toolkit.health.storage import BUILDERS as STORAGE

    return dict(STORAGE)


BUILDERS.update(_storage_builders())


def cases(name: str, fabric: Fabric, present: Present = None) -> list[Case]:
    try:
        builder = BUILDERS[name] if name in BUILDERS else _ib_builders()[name]
    except KeyError:
        raise KeyError(f"no case builder {name!r}; known: {', '.join(sorted(BUILDERS))}") from None
    return builder(fabric, present)
