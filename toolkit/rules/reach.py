"""REACH: a route-lookup proof over the routing tables the design renders (``toolkit.design.reachability``).

REACH001 compute NICs reach the same rail and other rails of other servers, both directions.
REACH002 storage clients reach the storage servers (Ceph / MinIO) and the replies come back.
REACH003 every host port with a gateway reaches it (the connected /31 to its leaf).
REACH004 forbidden pairs do not reach: a tenant member neither another tenant's gateway nor the
         OOB network.
REACH006 every server reaches each site NTP and DNS server: on its OS management port's own
         subnet (the flat OOB network), else by route lookup from its data ports (the business
         default route, through the border for services outside the fabric).
Each reports the first broken pair: both hosts, the address and the missing route.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from toolkit.design.model import Fabric
from toolkit.design.reachability import (
    Arrivals,
    HostTables,
    Planes,
    host_tables,
    ip_int,
    ip_str,
    owners,
    prefix,
    source_for,
    trace,
    within,
)
from toolkit.findings import YamlPath
from toolkit.rules.fabric import Out, fabric_rule, per_run
from toolkit.spec.models import ClusterSpec

IP = int


class _Proof:
    """Tables and planes built once per Fabric for all REACH rules."""

    _cache: dict[tuple[int, int], tuple[Fabric, _Proof]] = {}

    def __init__(self, fabric: Fabric):
        self.fabric = fabric
        self.tables: dict[str, HostTables] = host_tables(fabric)
        self.planes = Planes(fabric)
        self.owner = owners(self.tables)
        self._arrivals: Arrivals | None = None

    @property
    def arrivals(self) -> Arrivals:
        """Where a traced packet can arrive at all (REACH004's candidates), built on first use."""
        if self._arrivals is None:
            self._arrivals = Arrivals(self.planes, self.owner)
        return self._arrivals

    @classmethod
    def of(cls, fabric: Fabric) -> _Proof:
        return per_run(cls._cache, fabric, _Proof)

    def both(self, a: str, a_ip: IP | None, b_ip: IP) -> str | None:
        """a -> b, then b's reply from b_ip back to the source a used."""
        src = a_ip or source_for(self.tables, a, b_ip)
        why = trace(self.fabric, self.tables, self.planes, self.owner, a, src, b_ip)
        if why:
            return why
        if src is None:
            return f"{a} has no source address for {b_ip}"
        b = self.owner[b_ip][0]
        why = trace(self.fabric, self.tables, self.planes, self.owner, b, b_ip, src)
        return f"reply: {why}" if why else None


def _rails(tables: HostTables) -> dict[int, IP]:
    return {p.rail: ip for ip, p in tables.addresses.items() if p.plane == "compute" and p.rail is not None}


@fabric_rule("REACH001", "error")
def _compute(spec: ClusterSpec, fabric: Fabric) -> Out:
    """compute NICs reach same-rail and other-rail NICs of other servers, both ways"""
    if "compute" not in fabric.planes or fabric.planes["compute"].kind != "roce":
        return
    pr = _Proof.of(fabric)
    gpus = [d.name for d in fabric.by_role("gpu-server") if _rails(pr.tables[d.name])]
    if len(gpus) < 2:
        return
    ref = gpus[0]
    ref_rails = _rails(pr.tables[ref])
    n = len(ref_rails)
    # every server on every rail to the reference server's same rail; other rails from the first
    # server of each SU (the rail tables are alike on every server, the fabric path is what differs)
    first_of_su = {fabric.devices[g].su: g for g in reversed(gpus[1:])}
    for other in gpus[1:]:
        rails = _rails(pr.tables[other])
        for i, ip in sorted(rails.items()):
            for j, kind in ((i, "same rail"), ((i + 1) % n, "other rail")):
                sampled = n > 1 and first_of_su.get(fabric.devices[other].su) == other
                if j not in ref_rails or (kind == "other rail" and not sampled):
                    continue
                why = pr.both(other, ip, ref_rails[j])
                if why:
                    pair = f"{kind} {other} rail {i} -> {ref} rail {j}"
                    yield _broken(("networks", "compute"), pair, ip, ref_rails[j], why)
                    return


def _broken(path: YamlPath, pair: str, a: IP | None, b: IP, why: str) -> tuple[YamlPath, str, str]:
    src = ip_str(a) if a is not None else "?"
    return (
        path,
        f"{pair} ({src} -> {ip_str(b)}) does not come up: {why}",
        "see the host routes in ansible host_vars (aidc_routes) and the switches' advertised prefixes",
    )


def _storage_servers(fabric: Fabric) -> dict[str, IP]:
    out: dict[str, IP] = {}
    for c in fabric.ceph:
        for host, addr in c.mons.items():
            out.setdefault(host, ip_int(addr))
    for m in fabric.minio:
        for host, addr in m.addresses.items():
            out.setdefault(host, ip_int(addr.split(":")[0]))
    return out


@fabric_rule("REACH002", "error")
def _storage(spec: ClusterSpec, fabric: Fabric) -> Out:
    """storage clients reach the storage servers and the replies come back"""
    pr = _Proof.of(fabric)
    servers = {h: ip for h, ip in _storage_servers(fabric).items() if ip in pr.owner}
    if not servers:
        return
    # clients: GPU servers (over a storage NIC, or a converged business one) and any other server
    # with a storage port
    clients = [
        d.name
        for d in fabric.servers()
        if d.name not in servers
        and pr.tables[d.name].addresses
        and (d.role == "gpu-server" or any(p.plane == "storage" and p.address for p in d.ports))
    ]
    if not clients:
        return
    first_ip = next(iter(servers.values()))
    pairs = [(c, first_ip) for c in clients] + [(clients[0], ip) for ip in servers.values()]
    for client, ip in pairs:
        why = pr.both(client, None, ip)
        if why:
            yield _broken(("networks", "storage"), f"storage client {client} -> {pr.owner[ip][0]}", None, ip, why)
            return


@fabric_rule("REACH003", "error")
def _gateways(spec: ClusterSpec, fabric: Fabric) -> Out:
    """every host port with a gateway reaches it"""
    pr = _Proof.of(fabric)
    for host, t in pr.tables.items():
        for ip, p in t.addresses.items():
            if p.gateway:
                why = trace(fabric, pr.tables, pr.planes, pr.owner, host, ip, ip_int(p.gateway))
                if why:
                    yield _broken(("networks", p.plane), f"{host}:{p.name} -> its gateway", ip, ip_int(p.gateway), why)
                    return


@fabric_rule("REACH004", "error")
def _forbidden(spec: ClusterSpec, fabric: Fabric) -> Out:
    """tenant members reach neither another tenant nor the OOB network"""
    pr = _Proof.of(fabric)
    ctl = fabric.site.controller_address
    # every forbidden destination, in the order a finding names the first: other tenants' gateways, then
    # the OOB network (none without one). Only those a packet can arrive at are traced (Arrivals: the
    # others give no None from trace), so the work does not grow with the tenants squared.
    targets = [(o.name, ip_int(n.gateway), True) for o in fabric.tenants for n in o.networks]
    if ctl:
        targets.append(("the OOB network", ip_int(ctl), False))
    arrivals = pr.arrivals
    anywhere = {j for j, (_, dst, _) in enumerate(targets) if arrivals.anywhere(dst)}
    by_addr = sorted((dst, j) for j, (_, dst, _) in enumerate(targets))
    addrs = [dst for dst, _ in by_addr]
    for i, t in enumerate(fabric.tenants):
        for m in t.members:
            tables = pr.tables.get(m.server)
            if tables is None:
                continue
            candidates = set(anywhere)
            spans = [(a, a) for a in arrivals.link_ends(tables)]
            for vrf in {p.tenant for p in tables.ports.values() if p.tenant}:  # its access ports' VRFs
                spans += arrivals.tenant_spans(vrf)
            for lo, hi in spans:
                candidates.update(j for _, j in by_addr[bisect_left(addrs, lo) : bisect_right(addrs, hi)])
            dsts = [(name, dst) for name, dst, gw in (targets[j] for j in sorted(candidates))
                    if not (gw and name == t.name)]
            for src in tables.addresses:
                for name, dst in dsts:
                    if trace(fabric, pr.tables, pr.planes, pr.owner, m.server, src, dst) is None:
                        yield (
                            ("tenants", i),
                            f"tenant {t.name} member {m.server} reaches {name} ({ip_str(dst)}) from {ip_str(src)}: "
                            "forbidden",
                            "tenants stay in their VRF; no route may lead out of it",
                        )
                        return


@fabric_rule("REACH005", "error")
def _outside(spec: ClusterSpec, fabric: Fabric) -> Out:
    """with a border, business hosts and border tenants reach the outside; others don't"""
    b = fabric.border
    if b is None:
        return
    pr = _Proof.of(fabric)
    probe = ip_int(b.probe)
    if pr.planes.inside(probe):
        yield (
            ("networks", "border", "probe"),
            f"the border probe {b.probe} is an address of the fabric, not of the outside",
            "pick an address behind the external routers (outside every pool, the OOB prefix and tenant subnets)",
        )
        return
    if b.business:
        for dev in fabric.servers():
            t = pr.tables[dev.name]
            ports = [p for p in t.ports.values() if p.plane == "business" and not p.tenant and "default" in p.routes]
            if not ports:
                continue
            why = trace(fabric, pr.tables, pr.planes, pr.owner, dev.name, None, probe)
            if why:
                yield _broken(("networks", "border"), f"business host {dev.name} -> the outside", None, probe, why)
                return
    for i, ten in enumerate(fabric.tenants):
        out = ten.name in b.tenants
        for m in ten.members:
            src = ip_int(m.address)
            why = trace(fabric, pr.tables, pr.planes, pr.owner, m.server, src, probe)
            if out and why:
                yield _broken(("tenants", i), f"tenant {ten.name} member {m.server} -> the outside", src, probe, why)
                return
            if not out and why is None:
                yield (
                    ("tenants", i),
                    f"tenant {ten.name} member {m.server} reaches the outside ({b.probe}) without a border VRF session",
                    "tenants stay in their VRF; no route may lead out of it",
                )
                return


@fabric_rule("REACH006", "error")
def _site_services(spec: ClusterSpec, fabric: Fabric) -> Out:
    """every server reaches the site's NTP and DNS servers"""
    site = fabric.site
    services = [("NTP", "ntp", i, a) for i, a in enumerate(site.ntp)] + [
        ("DNS", "dns", i, a) for i, a in enumerate(site.dns)]
    if not services:
        return
    pr = _Proof.of(fabric)
    for dev in fabric.servers():
        mgmt = prefix(dev.mgmt_address) if dev.mgmt_address and not dev.mgmt_inband else None
        for what, key, i, addr in services:
            dst = ip_int(addr)
            if mgmt is not None and within(dst, mgmt):  # on the management port's own subnet
                continue
            why: str | None = f"{dev.name} has no data port address and {addr} is not on its management subnet"
            if pr.tables[dev.name].addresses:
                why = trace(fabric, pr.tables, pr.planes, pr.owner, dev.name, None, dst)
            if why:
                yield _broken(("site", key, i), f"{dev.name} -> {what} server", None, dst, why)
                return
