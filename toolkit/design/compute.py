"""Step 2: the rail-optimized compute fabric (RoCE or InfiniBand).

Ports
- leaf: logical ports 0..D-1 face servers (server slot s of the SU on port s mod D of leaf
  s // D of its rail); the uplinks take the top cages, each spine its own cages, in the tier's
  ``uplink_breakout`` mode (``toolkit.design.switches.uplink``).
- 2 tiers: leaf uplink j goes to spine j // lpp; on the spine, leaf g uses ports g*lpp .. g*lpp+lpp-1.
- Racks: rail leaves in their SU's network rack; 2-tier spines and all cores spread over the
  network racks outside the SUs (``network_racks``); a pod's spines over the further network
  racks of the pod's first SU (``pod_spine_racks``).
- 3 tiers: leaf uplink j goes to spine j of its pod, spine port = leaf position in the pod;
  spine uplink u = c*lpsc + k goes to core c of plane j (the spine's top cages, each core its own),
  core port = pod*lpsc + k. The last planned pod, when it holds fewer SUs than a full pod, gets
  only the links its planned SUs need (``ComputeSizing.spine_core_links``); ports and addresses
  keep the full pod's stride, so raising planned_sus later only adds links.

Addresses (RoCE): loopbacks leaves [0, 1/2), spines [1/2, 3/4), cores [3/4, 1) of the pool;
host /31s: leaf g owns block g*2D, server port p gets +2p (leaf) / +2p+1 (host);
p2p: leaf-spine link (g, j) at (g*U + j)*2 in the lower half, spine-core at (s*up + u)*2 in the
upper half. ASNs: leaf_base + g; spines share spine_base + pod; cores share one ASN.
"""

from __future__ import annotations

from toolkit.design.addressing import Pool
from toolkit.design.context import Ctx, DesignError, peer_session
from toolkit.design.model import Device, Port, put
from toolkit.design.naming import compute_leaf_name, core_name, spine_name
from toolkit.design.sizing import ComputeSizing, compute_net, size_compute
from toolkit.design.switches import logical, reserve_uplinks, tier_switch, uplink


def network_rack(ctx: Ctx) -> str:
    lay = ctx.spec.layout
    if lay.network_rack:
        return lay.network_rack
    for r in ctx.racks:
        if r.su is None and r.role == "network":
            return r.name
    for r in ctx.racks:
        if r.su is None:
            return r.name
    return ctx.racks[0].name


def network_racks(ctx: Ctx) -> list[str]:
    """Racks for spines and cores: layout.network_rack first, then every non-SU network rack."""
    out = [ctx.spec.layout.network_rack] if ctx.spec.layout.network_rack else []
    oob = ctx.spec.networks.oob
    agg = oob.aggregation if oob is not None else None
    skip = set(agg.racks) if agg else set()  # racks given to the OOB aggregation
    out += [r.name for r in ctx.racks if r.su is None and r.role == "network" and r.name not in out + list(skip)]
    return out or [network_rack(ctx)]


def spread(racks: list[str], index: int, total: int) -> str:
    """Planned switch ``index`` of ``total`` placed evenly over ``racks`` (stable within the plan)."""
    return racks[index * len(racks) // max(total, 1)]


def pod_spine_racks(ctx: Ctx, first_su: str) -> list[str]:
    """Racks of a pod's spines: the network racks of the pod's first SU after the one holding its
    rail leaves (all of them if it has one); the pod's first SU exists as long as the pod does, so
    growing the pod moves no spine."""
    nets = [r.name for r in ctx.su_racks.get(first_su, []) if r.role == "network"]
    return nets[1:] or nets or [su_network_rack(ctx, first_su)]


def su_network_rack(ctx: Ctx, su: str) -> str:
    racks = ctx.su_racks.get(su, [])
    for r in racks:
        if r.role == "network":
            return r.name
    return racks[0].name


def build_compute(ctx: Ctx) -> ComputeSizing:
    spec = ctx.spec
    net = compute_net(spec)
    sz = size_compute(spec)
    roce = net.kind == "roce"
    mtu = net.mtu if roce else 4096
    unnumbered = net.underlay == "unnumbered"
    lo = p2p = p2p_sc = hosts = None
    if roce:
        if net.addressing is None:
            raise DesignError("networks.compute.addressing is required for RoCE", ("networks", "compute"))
        lo_all = ctx.pool("compute", "loopbacks", net.addressing.loopbacks)
        ctx.pools.remove(lo_all)
        lo = ctx.subpool(lo_all, "leaf loopbacks", (0, 1), (1, 2))
        lo_spine = ctx.subpool(lo_all, "spine loopbacks", (1, 2), (1, 4))
        lo_core = ctx.subpool(lo_all, "core loopbacks", (3, 4), (1, 4))
        p2p_all = Pool("compute", "p2p", net.addressing.p2p)
        p2p = ctx.subpool(p2p_all, "leaf-spine /31", (0, 1), (1, 2))
        p2p_sc = ctx.subpool(p2p_all, "spine-core /31", (1, 2), (1, 2))
        hosts = ctx.pool("compute", "host /31", net.addressing.hosts)

    qos = "roce-lossless" if roce else None
    asn = net.asn
    racks = network_racks(ctx)
    su_names = [su.name for su in spec.layout.scalable_units]

    # spines (and cores) first so that leaves can cable to them
    spines: dict[tuple[int, int], Device] = {}
    for pod in range(sz.pods):
        pod_racks = pod_spine_racks(ctx, su_names[pod * sz.sus_per_pod]) if sz.tiers == 3 else []
        for j in range(sz.spines_per_pod):
            gidx = pod * sz.spines_per_pod + j
            rack = spread(racks, gidx, sz.spines_per_pod) if sz.tiers == 2 else spread(pod_racks, j, sz.spines_per_pod)
            up_breakout = net.spine.uplink_breakout if sz.tiers == 3 else None
            name = spine_name(sz.tiers, pod, j)
            sp = tier_switch(
                ctx, "compute", mtu, net.spine, "spine", name, rack, gidx, pod=pod, uplink_breakout=up_breakout
            )
            if sz.tiers == 3:
                reserve_uplinks(ctx, sp, sz.cores_per_plane, sz.links_per_spine_core)
            if roce:
                put(sp, asn=asn.spine_base + pod, loopback=lo_spine.at(gidx) + "/32")
            spines[(pod, j)] = sp
    cores: dict[tuple[int, int], Device] = {}
    if sz.tiers == 3:
        assert net.core is not None
        for plane in range(sz.core_planes):
            for c in range(sz.cores_per_plane):
                gidx = plane * sz.cores_per_plane + c
                rack = spread(racks, gidx, sz.core_planes * sz.cores_per_plane)
                co = tier_switch(ctx, "compute", mtu, net.core, "core", core_name(plane, c), rack, gidx)
                if roce:
                    put(co, asn=asn.core, loopback=lo_core.at(gidx) + "/32")
                cores[(plane, c)] = co

    # servers per SU in layout order
    servers_by_su: dict[str, list[Device]] = {}
    for d in ctx.devices.values():
        if d.role == "gpu-server" and d.su is not None:
            servers_by_su.setdefault(d.su, []).append(d)

    for si, su in enumerate(spec.layout.scalable_units):
        rack = su_network_rack(ctx, su.name)
        pod = si // sz.sus_per_pod
        leaves: dict[tuple[int, int], Device] = {}
        for rail in range(sz.rails):
            for k in range(sz.leaves_per_rail):
                local = rail * sz.leaves_per_rail + k
                g = si * sz.leaves_per_su + local
                lf = tier_switch(
                    ctx,
                    "compute",
                    mtu,
                    net.leaf,
                    "leaf",
                    compute_leaf_name(su.name, rail, k),
                    rack,
                    g,
                    su=su.name,
                    su_index=si,
                    pod=pod,
                    rail=rail,
                    uplink_breakout=net.leaf.uplink_breakout,
                )
                if sz.tiers == 2:
                    reserve_uplinks(ctx, lf, sz.spines_per_pod, sz.links_per_leaf_spine)
                else:
                    reserve_uplinks(ctx, lf, sz.leaf_up, 1)
                if roce:
                    put(lf, asn=asn.leaf_base + g, loopback=lo.at(g) + "/32")  # type: ignore[union-attr]
                leaves[(rail, k)] = lf
                _leaf_uplinks(ctx, sz, lf, g, si, local, pod, spines, p2p, unnumbered, roce, qos)

        servers = servers_by_su.get(su.name, [])
        if len(servers) > sz.servers_per_su:
            raise DesignError(
                f"SU {su.name} has {len(servers)} GPU servers, more than servers_per_su={sz.servers_per_su}",
                ("networks", "compute", "servers_per_su"),
            )
        for slot, srv in enumerate(servers):
            k, port_i = divmod(slot, sz.leaf_down)
            for sp_port in srv.ports:
                if sp_port.plane != "compute" or sp_port.rail is None:
                    continue
                lf = leaves[(sp_port.rail, k)]
                lp = logical(ctx, lf, port_i)
                if roce:
                    assert hosts is not None
                    base = lf.index * 2 * sz.leaf_down + 2 * port_i
                    gw = hosts.at(base)
                    put(lp, role="downlink", qos=qos, address=gw + "/31")
                    put(sp_port, qos=qos, address=hosts.at(base + 1) + "/31", gateway=gw)
                else:
                    put(lp, role="downlink", qos=qos)
                    put(sp_port, qos=qos)
                ctx.connect(srv, sp_port, lf, lp, "server-leaf", "compute")

    if sz.tiers == 3:
        for (pod, j), sp in spines.items():
            links = sz.spine_core_links(pod)
            for c in range(sz.cores_per_plane):
                co = cores[(j, c)]
                for k in range(links):
                    u = c * sz.links_per_spine_core + k
                    spp = uplink(ctx, sp, c, k, sz.links_per_spine_core)
                    cop = logical(ctx, co, pod * sz.links_per_spine_core + k)
                    off = (sp.index * sz.spine_up + u) * 2
                    _fabric_link(ctx, sp, spp, co, cop, "spine-core", p2p_sc, off, roce, qos, unnumbered)
    return sz


def _leaf_uplinks(
    ctx: Ctx,
    sz: ComputeSizing,
    lf: Device,
    g: int,
    si: int,
    local: int,
    pod: int,
    spines: dict[tuple[int, int], Device],
    p2p: Pool | None,
    unnumbered: bool,
    roce: bool,
    qos: str | None,
) -> None:
    lpp = sz.links_per_leaf_spine
    # 3 tiers: the leaf's port on every spine of its pod
    pos = (si % sz.sus_per_pod) * sz.leaves_per_su + local if sz.tiers == 3 else 0
    for j in range(sz.leaf_up):
        if sz.tiers == 2:
            lp = uplink(ctx, lf, j // lpp, j % lpp, lpp)
            sp = spines[(0, j // lpp)]
            spp = logical(ctx, sp, g * lpp + j % lpp)
        else:
            lp = uplink(ctx, lf, j, 0, 1)
            sp = spines[(pod, j)]
            spp = logical(ctx, sp, pos)
        _fabric_link(ctx, lf, lp, sp, spp, "leaf-spine", p2p, (g * sz.leaf_up + j) * 2, roce, qos, unnumbered)


def _fabric_link(
    ctx: Ctx,
    lo: Device,
    lop: Port,
    hi: Device,
    hip: Port,
    kind: str,
    p2p: Pool | None,
    off: int,
    roce: bool,
    qos: str | None,
    unnumbered: bool,
) -> None:
    """One link between two tiers of the compute fabric: ``lo``'s uplink ``lop`` to ``hi``'s
    downlink ``hip``; on a RoCE plane a routed /31 from ``p2p`` at ``off`` (even: ``lo``'s end)
    and the eBGP session over it (unnumbered when the plane says so)."""
    unnumbered_links = unnumbered and roce
    if roce:
        assert p2p is not None
        put(lop, role="uplink", qos=qos, unnumbered=unnumbered_links, address=p2p.at(off) + "/31")
        put(hip, role="downlink", qos=qos, unnumbered=unnumbered_links, address=p2p.at(off + 1) + "/31")
    else:
        put(lop, role="uplink", qos=qos, unnumbered=unnumbered_links)
        put(hip, role="downlink", qos=qos, unnumbered=unnumbered_links)
    ctx.connect(lo, lop, hi, hip, kind, "compute")
    if roce:
        peer_session(lo, lop, hi, hip, "compute", ["ipv4-unicast"], unnumbered)
