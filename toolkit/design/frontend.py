"""Step 3: the Ethernet front-end fabrics: business, and storage (dedicated or converged).

Racks that hold servers (every rack whose role is not ``network``), in layout order, form rack
groups of ``racks_per_group``; each group has ``leaves_per_group`` leaves placed in the network
rack of the group's SU (the group's first rack outside SUs or in an SU without one); the spines
spread over the network racks outside the SUs. A server NIC with at least as many ports as the
group has leaves spreads port p to leaf p; otherwise port p of the server's n-th attached NIC
goes to leaf (slot + n + p) mod leaves, so a server's NICs and neighbouring servers alternate
between the leaves. Host ports take the next free downlink of their leaf in layout order (grow
by appending). The top cages of a leaf are uplinks, L = ``uplinks_per_spine`` links to each of
the S spines, every spine on its own cages, in the leaf tier's ``uplink_breakout`` mode
(``toolkit.design.switches.uplink``).

Addresses: loopbacks leaves [0, 1/2), spines [1/2, 1) of the plane pool; host /31s: leaf g owns
block g*2*C (C = its downlink capacity), downlink i gets +2i / +2i+1; p2p: link k of (g, j) at
((g*S + j)*L + k)*2; on the spine, leaf g uses ports g*L .. g*L+L-1.
Tenant member ports are access ports in the tenant VLAN/VNI and get a tenant address instead; on a
dedicated storage fabric with ``dual_homing`` storage ports get no /31: the group's storage segment
addresses them (``toolkit.design.segments``).
ASNs: spines share ``asn.spine``; leaf g has ``asn.leaf_base + g``.
"""

from __future__ import annotations

import ipaddress

from toolkit.design.addressing import Pool
from toolkit.design.border import reserved
from toolkit.design.compute import network_racks, spread, su_network_rack
from toolkit.design.context import Ctx, DesignError, RackInfo, peer_session
from toolkit.design.model import Device, Plane, Port, put
from toolkit.design.naming import frontend_leaf_name, frontend_spine_name
from toolkit.design.segments import SEGMENT_POOL, segments_on
from toolkit.design.switches import front_ports, logical, reserve_uplinks, tier_switch, uplink
from toolkit.spec.models import ClusterSpec, FrontendNetwork

EVPN = ["ipv4-unicast", "l2vpn-evpn"]


def attached_roles(spec: ClusterSpec, plane: str) -> set[str]:
    """NIC roles a front-end plane's leaves serve: its own, plus storage on a converged business plane."""
    st = spec.networks.storage
    if plane == "business" and st is not None and st.mode == "converged":
        return {"business", "storage"}
    return {plane}


def leaf_of_port(nic_ports: int, leaves: int, slot: int, nic_index: int, port_index: int) -> int:
    """Leaf (0-based within the rack group) of port ``port_index`` of a server's ``nic_index``-th
    attached NIC, the server being the group's ``slot``-th attached server (see module doc)."""
    if nic_ports >= leaves:
        return port_index % leaves
    return (slot + nic_index + port_index) % leaves


def build_frontends(ctx: Ctx) -> None:
    nets = ctx.spec.networks
    st = nets.storage
    if nets.business is not None:
        attach = attached_roles(ctx.spec, "business")
        host_pools = {"business": ctx.pool("business", "host /31", nets.business.addressing.hosts)}
        if st is not None and st.mode == "converged":
            if st.hosts is None:
                raise DesignError("converged storage needs networks.storage.hosts", ("networks", "storage"))
            host_pools["storage"] = ctx.pool("storage", "host /31 (converged)", st.hosts)
        _build_plane(ctx, "business", nets.business, attach, host_pools)
    if st is not None and st.mode == "dedicated":
        if st.fabric is None:
            raise DesignError("dedicated storage needs networks.storage.fabric", ("networks", "storage"))
        _build_plane(
            ctx,
            "storage",
            st.fabric,
            attached_roles(ctx.spec, "storage"),
            {"storage": ctx.pool("storage", SEGMENT_POOL if segments_on(ctx.spec) else "host /31",
                                 st.fabric.addressing.hosts)},
            segments=segments_on(ctx.spec),
        )


def _build_plane(
    ctx: Ctx, plane: Plane, net: FrontendNetwork, attach: set[str], host_pools: dict[str, Pool], segments: bool = False
) -> None:
    lo_all = Pool(plane, "loopbacks", net.addressing.loopbacks)
    lo_leaf = ctx.subpool(lo_all, "leaf loopbacks", (0, 1), (1, 2))
    lo_spine = ctx.subpool(lo_all, "spine loopbacks", (1, 2), (1, 2))
    p2p = ctx.pool(plane, "leaf-spine /31", net.addressing.p2p)
    unnumbered = net.underlay == "unnumbered"
    n_spines = net.spine.count or 2
    spine_racks = network_racks(ctx)
    leaf_role = f"{plane}-leaf"
    spine_role = f"{plane}-spine"

    spines = []
    for j in range(n_spines):
        spine_rack = spread(spine_racks, j, n_spines)
        sp = tier_switch(ctx, plane, net.mtu, net.spine, spine_role, frontend_spine_name(plane, j), spine_rack, j)
        put(sp, asn=net.asn.spine, loopback=lo_spine.at(j) + "/32")
        spines.append(sp)

    eligible = [r for r in ctx.racks if r.role != "network"]
    servers_by_rack: dict[str, list[Device]] = {}
    for d in ctx.devices.values():
        if d.is_server:
            servers_by_rack.setdefault(d.rack, []).append(d)

    n_groups = (len(eligible) + net.racks_per_group - 1) // net.racks_per_group
    spine_ports = front_ports(ctx, spines[0]) if spines else 0
    lps = net.uplinks_per_spine
    if n_groups * net.leaves_per_group * lps > spine_ports:
        raise DesignError(
            f"{plane} needs {n_groups * net.leaves_per_group} leaves x {lps} links but spine model "
            f"{net.spine.model} has {spine_ports} ports: raise racks_per_group or pick a larger spine",
            ("networks", plane),
        )
    for grp in range(n_groups):
        racks = eligible[grp * net.racks_per_group : (grp + 1) * net.racks_per_group]
        leaves = []
        leaf_rack = _leaf_rack(ctx, racks[0])
        for i in range(net.leaves_per_group):
            g = grp * net.leaves_per_group + i
            name = frontend_leaf_name(plane, g)
            lf = tier_switch(
                ctx, plane, net.mtu, net.leaf, leaf_role, name, leaf_rack, g, uplink_breakout=net.leaf.uplink_breakout
            )
            put(lf, asn=net.asn.leaf_base + g, loopback=lo_leaf.at(g) + "/32")
            reserve_uplinks(ctx, lf, n_spines, lps)
            if front_ports(ctx, lf) < 1:
                raise DesignError(
                    f"{plane} leaf model {net.leaf.model} has no ports left after {n_spines} x {lps} uplinks",
                    ("networks", plane, "leaf"),
                )
            for j, sp in enumerate(spines):
                for k in range(lps):
                    lp = uplink(ctx, lf, j, k, lps)
                    spp = logical(ctx, sp, g * lps + k)
                    off = ((g * n_spines + j) * lps + k) * 2
                    put(lp, role="uplink", unnumbered=unnumbered, address=p2p.at(off) + "/31")
                    put(spp, role="downlink", unnumbered=unnumbered, address=p2p.at(off + 1) + "/31")
                    ctx.connect(lf, lp, sp, spp, "leaf-spine", plane)
                    peer_session(lf, lp, sp, spp, plane, EVPN, unnumbered)
            leaves.append(lf)

        capacity = front_ports(ctx, leaves[0])
        keep = reserved(ctx.spec) if plane == "business" else {}  # the border's external links, at the top
        next_free = [0] * len(leaves)
        slot = 0
        for rack in racks:
            for srv in servers_by_rack.get(rack.name, []):
                nic_ports: dict[str, list[Port]] = {}
                for p in srv.ports:
                    if p.plane in attach and p.role == "host" and p.nic:
                        nic_ports.setdefault(p.nic, []).append(p)
                if not nic_ports:
                    continue
                for ni, ports in enumerate(nic_ports.values()):
                    for pi, sport in enumerate(ports):
                        li = leaf_of_port(len(ports), len(leaves), slot, ni, pi)
                        lf = leaves[li]
                        di = next_free[li]
                        if di >= capacity - keep.get(lf.name, 0):
                            raise DesignError(
                                f"{plane} leaf {lf.name} needs more than {capacity - keep.get(lf.name, 0)} host ports; "
                                f"lower racks_per_group or pick a larger leaf model",
                                ("networks", plane),
                            )
                        next_free[li] += 1
                        lp = logical(ctx, lf, di)
                        put(lp, role="downlink", mtu=net.mtu)
                        tenant = ctx.tenant_of.get((srv.name, sport.plane))
                        if tenant is None and segments:
                            pass  # addressed by the storage segment of the group (toolkit.design.segments)
                        elif tenant is None:
                            pool = host_pools[sport.plane]
                            base = lf.index * 2 * capacity + 2 * di
                            gw = pool.at(base)
                            put(lp, address=gw + "/31")
                            put(sport, address=pool.at(base + 1) + "/31", gateway=gw)
                        else:
                            put(sport, tenant=tenant)
                            put(lp, tenant=tenant)
                        ctx.connect(srv, sport, lf, lp, "server-leaf", plane)
                slot += 1


def subnet_hosts(prefix: str) -> list[str]:
    return [str(h) for h in ipaddress.IPv4Network(prefix).hosts()]


def _leaf_rack(ctx: Ctx, first: RackInfo) -> str:
    """A rack group's leaves: in the network rack of the group's SU, else in the group's first rack."""
    if first.su is not None and any(r.role == "network" for r in ctx.su_racks.get(first.su, [])):
        return su_network_rack(ctx, first.su)
    return first.name
