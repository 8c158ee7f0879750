"""Reachability: the routing tables the design renders, and route lookups over them.

Per host (``host_tables``), from the Port fields the policy step decided (``toolkit.design.policy``)
and the host files render: the connected network of every addressed data port (main table, and
its policy table for a compute port), its ``routes`` via its ``gateway`` (in ``table`` or main
with ``metric``), and the rules ``from <address> lookup <table>`` by ``rule_priority``. A lookup
follows Linux: rules by priority; a table without a match falls through to the next rule; then
main, longest prefix first, lowest metric among equals.

Per plane, the switches forward what any switch reachable over the plane's BGP sessions
advertises (``Device.advertise``: loopbacks and the connected host networks): a packet a host
hands to its gateway leaf reaches a destination address when a switch of the same BGP component
advertises a prefix holding it and the destination's port hangs off a switch of that component.
A storage segment (``Fabric.segments``: dual-homed storage) is one L2 domain over its leaves: its
hosts reach each other and the anycast gateway directly, anything else through the gateway, which
every leaf of the segment is (each must route it: the host bond may hash onto any member).
A tenant access port hands its packets to the tenant's VRF on the leaf, which holds the tenant's
subnet only (no route leaks out of a tenant) — plus, for a tenant with a border VRF session, what
the external routers give (``BgpNeighbor.accept``, the default route), for addresses outside the
fabric only. The business plane's border sessions add their accepted prefixes to the plane the
same way: the outside is where addresses no pool, OOB prefix or tenant subnet holds go.

``trace(...)`` returns None when the packet arrives, else why not (host, address, missing route).
Addresses are ints and prefixes (network, length) pairs: a 16k-GPU fabric has ~10^5 lookups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from socket import inet_aton
from typing import NamedTuple

from toolkit.design.model import BgpNeighbor, Device, Fabric, Port

MAIN = 254
Prefix = tuple[int, int]


def ip_int(text: str) -> int:
    """``10.0.0.1`` or ``10.0.0.1/31`` as an int. Every address here is a dotted quad in canonical
    form (the design's from ``ipaddress``, the spec's checked by it), which ``inet_aton`` reads as
    ``ipaddress`` does, four times faster."""
    return int.from_bytes(inet_aton(text.split("/", 1)[0]), "big")


def ip_str(n: int) -> str:
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def prefix(text: str) -> Prefix:
    """``10.0.0.1/31`` -> (10.0.0.0 as int, 31); ``default`` -> (0, 0)."""
    if text == "default":
        return (0, 0)
    addr, _, plen = text.partition("/")
    n = int(plen or 32)
    return ((ip_int(addr) >> (32 - n)) << (32 - n) if n else 0, n)


def within(ip: int, p: Prefix) -> bool:
    return p[1] == 0 or (ip >> (32 - p[1])) == (p[0] >> (32 - p[1]))


class Route(NamedTuple):
    """A route of a host table (a tuple: a 100k-GPU fabric's hosts hold a few hundred thousand)."""

    to: Prefix
    port: str
    via: str | None
    metric: int


@dataclass
class HostTables:
    rules: list[tuple[int, int, int]] = field(default_factory=list)  # priority, from address, table
    tables: dict[int, list[Route]] = field(default_factory=dict)
    addresses: dict[int, Port] = field(default_factory=dict)
    ports: dict[str, Port] = field(default_factory=dict)  # addressed data ports by name
    order: dict[int, list[int]] = field(default_factory=dict)  # source address -> its rules' tables, then main

    def lookup(self, src: int | None, dst: int) -> tuple[int, Route] | None:
        """(table, route) for a packet from ``src`` (None: the kernel picks the source, only main applies)."""
        for table in self.order.get(src, _MAIN_ONLY) if src is not None else _MAIN_ONLY:
            best: Route | None = None
            for r in self.tables.get(table, ()):
                net, n = r.to
                if (n == 0 or (dst >> (32 - n)) == (net >> (32 - n))) and (  # within(dst, r.to)
                    best is None or n > best.to[1] or (n == best.to[1] and r.metric < best.metric)
                ):
                    best = r
            if best is not None:
                return table, best
        return None


_MAIN_ONLY = [MAIN]


def _data_ports(dev: Device) -> list[Port]:
    # as the policy step and the host files: OOB ports and the management port are not data ports
    return [p for p in dev.ports if p.plane != "oob" and p.role not in ("bmc", "mgmt") and p.name != dev.mgmt_port]


def host_tables(fabric: Fabric) -> dict[str, HostTables]:
    out: dict[str, HostTables] = {}
    prefixes: dict[str, Prefix] = {}  # route destinations: the same few on every host
    for dev in fabric.servers():
        t = HostTables()
        for p in _data_ports(dev):
            if not p.address:
                continue
            addr, _, plen = p.address.partition("/")
            ip = ip_int(addr)
            t.addresses[ip] = p
            t.ports[p.name] = p
            n = int(plen or 32)
            connected = Route(((ip >> (32 - n)) << (32 - n) if n else 0, n), p.name, None, 0)  # prefix(p.address)
            t.tables.setdefault(MAIN, []).append(connected)
            table = p.table if p.table is not None else MAIN
            if table != MAIN:
                t.tables.setdefault(table, []).append(connected)
                if p.rule_priority is not None:
                    t.rules.append((p.rule_priority, ip, table))
            for dest in p.routes:
                to = prefixes.get(dest)
                if to is None:
                    to = prefixes[dest] = prefix(dest)
                t.tables.setdefault(table, []).append(Route(to, p.name, p.gateway, p.metric or 0))
        t.rules.sort()
        for _, src, table in t.rules:
            t.order.setdefault(src, []).append(table)
        for tables in t.order.values():
            tables.append(MAIN)
        out[dev.name] = t
    return out


class Planes:
    """Per plane: BGP components of the switches and what each component advertises."""

    def __init__(self, fabric: Fabric):
        self.fabric = fabric
        self.component: dict[tuple[str, str], int] = {}  # (plane, switch) -> component id
        self.prefixes: dict[int, set[Prefix]] = {}
        self.tenants = {t.name: t for t in fabric.tenants}
        # per tenant, each network's (L2VNI, gateway, subnet) as numbers: asked once per traced packet
        self.tenant_nets = {
            t.name: [(n.vni, ip_int(n.gateway), prefix(n.subnet)) for n in t.networks] for t in fabric.tenants
        }
        self.segments = {n.vni: n for t in fabric.segments for n in t.networks}  # storage segments, by L2VNI
        self._cabled: dict[str, dict[str, str]] = {}  # switch -> address of its addressed, cabled ports
        parent: dict[tuple[str, str], tuple[str, str]] = {}

        def find(x: tuple[str, str]) -> tuple[str, str]:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        external: list[tuple[Device, BgpNeighbor]] = []
        for dev in fabric.switches():
            own: dict[str, tuple[str, str]] = {}  # plane -> the root of (plane, dev), kept up to date below
            for n in dev.bgp:
                a = own.get(n.plane) or find((n.plane, dev.name))
                b = find((n.plane, n.peer_device))
                if a != b:
                    parent[a] = b
                own[n.plane] = b  # the root of both now
                if n.external:
                    external.append((dev, n))
            find((dev.plane, dev.name))
        ids: dict[tuple[str, str], int] = {}
        for key in list(parent):
            self.component[key] = ids.setdefault(find(key), len(ids))
        for (plane, name), cid in self.component.items():
            sw = fabric.devices.get(name)
            if sw is not None and sw.plane == plane:
                self.prefixes.setdefault(cid, set()).update(prefix(a) for a in sw.advertise)
        # the border: what the external routers give (BgpNeighbor.accept), to the plane's BGP
        # component (default VRF) or to a tenant's VRF; only for addresses outside the fabric
        self.external: dict[int, set[Prefix]] = {}
        self.tenant_accept: dict[str, list[Prefix]] = {}
        for dev, n in external:
            if n.vrf is not None:
                self.tenant_accept.setdefault(n.vrf, []).extend(prefix(a) for a in n.accept)
                continue
            comp = self.component.get((dev.plane, dev.name))
            if comp is not None:
                nets = {prefix(a) for a in n.accept}
                self.external.setdefault(comp, set()).update(nets)
                self.prefixes.setdefault(comp, set()).update(nets)
        self.internal_prefixes = [prefix(p.prefix) for p in fabric.pools] + [
            prefix(p) for p in (fabric.site.oob_prefix,) if p] + [
            prefix(n.subnet) for t in fabric.tenants for n in t.networks]
        self._lens = {cid: sorted({n for _, n in nets}, reverse=True) for cid, nets in self.prefixes.items()}
        # device -> BGP component on its own plane (``of``: asked a few times per traced packet)
        self._own = {name: self.component.get((d.plane, name)) for name, d in fabric.devices.items()}

    def peer_address(self, switch: str, port: str) -> int | None:
        """Address of ``switch``'s port ``port`` when it is addressed and cabled (the far end of a
        host's /31), else None. Indexed per switch on first use: the proof asks about the leaves."""
        ports = self._cabled.get(switch)
        if ports is None:
            dev = self.fabric.devices.get(switch)
            ports = {p.name: p.address for p in dev.ports if p.address and p.peer_device} if (
                dev and dev.is_switch) else {}
            self._cabled[switch] = ports
        address = ports.get(port)
        return ip_int(address) if address is not None else None

    def of(self, switch: str) -> int | None:
        """BGP component of a switch on its own plane (a converged leaf carries storage on business)."""
        return self._own.get(switch)

    def carries(self, cid: int, dst: int) -> bool:
        """A switch of the component advertises a prefix holding ``dst`` — an external route only
        for addresses outside the fabric (the outside holds no route into the fabric's own)."""
        nets = self.prefixes.get(cid, set())
        ext = self.external.get(cid, set())
        for n in self._lens.get(cid, ()):
            key = ((dst >> (32 - n)) << (32 - n) if n else 0, n)
            if key in nets:
                return key not in ext or not self.inside(dst)
        return False

    def inside(self, dst: int) -> bool:
        """``dst`` is an address of the fabric (a pool, the OOB prefix, a tenant subnet)."""
        return any(within(dst, p) for p in self.internal_prefixes)


def source_for(tables: dict[str, HostTables], host: str, dst: int) -> int | None:
    """The source address the host picks for ``dst`` (its main-table egress port's address)."""
    t = tables[host]
    hit = t.lookup(None, dst)
    if hit is None:
        return None
    return next((ip for ip, p in t.addresses.items() if p.name == hit[1].port), None)


def owners(tables: dict[str, HostTables]) -> dict[int, tuple[str, Port]]:
    return {ip: (host, p) for host, t in tables.items() for ip, p in t.addresses.items()}


def trace(
    fabric: Fabric,
    tables: dict[str, HostTables],
    planes: Planes,
    owner: dict[int, tuple[str, Port]],
    src_host: str,
    src: int | None,
    dst: int,
) -> str | None:
    """None if a packet from ``src_host`` (source ``src``) reaches ``dst``; else what is missing."""
    t = tables[src_host]
    hit = t.lookup(src, dst)
    if hit is None:
        table = next((tb for _, s, tb in t.rules if s == src), MAIN)
        return f"{src_host} has no route to {ip_str(dst)} (table {table} and main)"
    _table, route = hit
    port = t.ports[route.port]
    if port.role == "bond" and port.peers:  # a bond leaves through any member: each leaf must do
        leaves: tuple[str, ...] = port.peers
    elif port.peer_device:
        leaves = (port.peer_device,)
    else:
        return f"{src_host}:{port.name} (route to {ip_str(route.to[0])}/{route.to[1]}) is not cabled"
    if port.tenant:  # an access port: the next hop is the tenant's VRF on the leaf, its subnet only
        tenant = planes.tenants.get(port.tenant)
        missing = next((lf for lf in leaves if tenant is None or lf not in tenant.leaves), None)
        if tenant is None or missing is not None:
            return f"{missing or leaves[0]} does not carry tenant {port.tenant} of {src_host}:{port.name}"
        # its own network, and with an L3VNI (symmetric IRB) every other network of the tenant's VRF
        routed = tenant.l3vni is not None
        if any((routed or vni == port.vni) and (dst == gateway or within(dst, subnet))
               for vni, gateway, subnet in planes.tenant_nets[tenant.name]):
            return None
        if any(within(dst, a) for a in planes.tenant_accept.get(tenant.name, ())):  # the border's routes
            if planes.inside(dst):
                return (f"tenant {tenant.name}'s VRF sends {ip_str(dst)} to the external routers: an address of "
                        "the fabric, not routed there")
            return None
        return f"tenant {tenant.name}'s VRF on {leaves[0]} has no route to {ip_str(dst)}"
    segment = planes.segments.get(port.vni) if port.vni is not None else None
    if segment is not None:  # a storage segment: one L2 domain over its leaves, anycast gateway on each
        missing = next((lf for lf in leaves if lf not in segment.leaves), None)
        if missing is not None:
            return f"{missing} does not carry storage segment {segment.name} of {src_host}:{port.name}"
        if route.via is None:  # connected: the gateway or another host of the segment
            target = owner.get(dst)
            if dst == ip_int(segment.gateway) or (target is not None and target[1].vni == segment.vni):
                return None
            return f"{ip_str(dst)} is not on storage segment {segment.name} of {src_host}:{port.name}"
        if route.via != segment.gateway:
            return f"{src_host}:{port.name} routes {ip_str(dst)} via {route.via}, not its gateway {segment.gateway}"
    elif port.peer_device is None:  # a bond outside a tenant or segment: the design makes none
        return f"{src_host}:{port.name} is a bond outside any tenant"
    elif route.via is None:  # connected: the destination is the /31's other end (the leaf)
        if planes.peer_address(port.peer_device, port.peer_port or "") == dst:
            return None
        return f"{ip_str(dst)} is not on the link {src_host}:{port.name}"
    cid = planes.of(leaves[0])
    for lf in leaves:  # every leaf the packet may leave through routes it
        if planes.of(lf) != cid or cid is None or not planes.carries(cid, dst):
            return (
                f"{lf} (gateway of {src_host}:{port.name}) has no route to {ip_str(dst)}: no switch "
                f"of its fabric advertises it"
            )
    target = owner.get(dst)
    if target is not None:
        dst_host, dst_port = target
        dst_leaf = dst_port.peers[0] if dst_port.role == "bond" and dst_port.peers else dst_port.peer_device
        if dst_leaf is None or planes.of(dst_leaf) != cid:
            return f"{ip_str(dst)} ({dst_host}:{dst_port.name}) hangs off another fabric than {src_host}:{port.name}"
    return None


class Arrivals:
    """The destinations a traced packet can arrive at: a superset of every ``dst`` for which
    :func:`trace` returns None. A rule that expects *no* packet to arrive (REACH004) traces only
    these; every other destination gets an answer from :func:`trace` that is not None, so skipping
    it changes no finding. Nothing is indexed up front: each question costs a few lookups.

    :func:`trace` returns None on five branches only (two of them a tenant's), and each is covered:

    - a tenant access port: ``dst`` is a gateway or lies in a subnet of that port's tenant
      (:meth:`tenant_spans`, asked per host for the tenants of its access ports) — or it lies in a
      prefix the border gives a tenant and outside the fabric (:meth:`anywhere`);
    - a storage segment, connected: ``dst`` is a segment's gateway or an address of a host
      (:meth:`anywhere`);
    - a host's connected link: ``dst`` is the far end of one of the source host's cabled ports
      (:meth:`link_ends`);
    - routed, through the gateway leaf (a segment's too): a BGP component carries ``dst``
      (:meth:`Planes.carries`, which also answers for the border's external routes).
    """

    def __init__(self, planes: Planes, owner: dict[int, tuple[str, Port]]):
        self.planes = planes
        self.owner = owner
        self._gateways = {ip_int(n.gateway) for n in planes.segments.values()}
        self._accepted = [a for accepted in planes.tenant_accept.values() for a in accepted]
        self._spans = {
            name: [(gw, gw) for _, gw, _ in nets] + [(net, net + (1 << (32 - n)) - 1) for _, _, (net, n) in nets]
            for name, nets in planes.tenant_nets.items()
        }

    def anywhere(self, dst: int) -> bool:
        """``dst`` may be reached from some host other than through a tenant's own networks or a
        host's own links."""
        planes = self.planes
        return (
            dst in self.owner
            or dst in self._gateways
            or any(planes.carries(cid, dst) for cid in planes.prefixes)
            or (any(within(dst, a) for a in self._accepted) and not planes.inside(dst))
        )

    def tenant_spans(self, tenant: str) -> list[tuple[int, int]]:
        """The addresses a packet into the tenant's VRF can arrive at, as inclusive (first, last)
        ranges: each gateway, each subnet."""
        return self._spans.get(tenant, [])

    def link_ends(self, tables: HostTables) -> set[int]:
        """The far ends of the host's cabled, addressed ports (what its connected routes reach)."""
        ends = (self.planes.peer_address(p.peer_device, p.peer_port or "") for p in tables.ports.values()
                if p.peer_device)
        return {a for a in ends if a is not None}
