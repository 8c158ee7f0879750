"""Step 4: out-of-band management: one 1G switch per rack, every BMC, switch and PDU on it.

One management subnet. Rack r (layout order) owns the block starting at ``rack_block*(r+1)``;
block 0 holds the gateway (offset 1) and the controller (offset 2). Inside a rack's block: the
OOB switch at +0; the devices counting up attach port by port, PDUs first, then each server's
BMC followed by its host OS management port (servers whose model has a ``mgmt`` NIC), the port
at OOB switch port p (0-based) having address +1+p; switches count down from the top of the
block, in the order of the first rack each serves (``_first_served_rack``: growth never
moves an existing switch). OOB switch ports mirror that: switches from below the uplinks down;
the last port (a redundant aggregation: the last two ports) are the uplinks — on a model with a
group of uplink cages (``catalog.switches.<model>.uplink_cages``, e.g. the SN2201's 4 x 100G
QSFP28 after its 48 x 1G RJ45) the uplinks use those cages and every port of the first group
faces the rack.

Aggregation (``networks.oob.aggregation``): ``oob-agg01`` (and ``oob-agg02`` for a redundant
pair) in the aggregation racks (default: the network racks outside the SUs), managed like every
switch of their rack; port r (0-based) of each faces the OOB switch of rack r (layout order),
the last port of a pair is the peer link between the two. The pair (or router) carries the OOB
gateway address. With a distribution level (``aggregation.distribution``, three OOB tiers) the
racks of an SU uplink to the SU's distribution switch (pair) instead, and the aggregation's
port (racks outside SUs) + s faces SU s's distribution switch (``_distribution``).

Loop protection: the OOB switches run RSTP (``Device.stp_priority``: the aggregation pair is
root and backup root, then the distribution, then the access switches), so a redundant pair's
second uplink and its peer link block instead of looping; every port facing an end device (BMC,
PDU, management port) is an edge port with BPDU guard (``Port.edge``). A rack's OOB switch is
managed in-band: its address is on its OOB bridge (``Device.mgmt_inband``), reached through its
uplinks like every device behind it.

Servers without an OS management port on the OOB network are managed in-band: their management
address is the address of their first business-plane host port (``Device.mgmt_inband``); the BMC
is never the OS management address (``Device.bmc_port`` / ``bmc_address``).
"""

from __future__ import annotations

import ipaddress

from toolkit.design.addressing import Pool
from toolkit.design.compute import network_racks, su_network_rack
from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import Device, Port, fast_new, put
from toolkit.design.naming import oob_distribution_name, oob_switch_name, pdu_name
from toolkit.design.switches import front_ports, logical, make_switch, reserve_uplinks, uplink
from toolkit.spec.models import OobAggregation, OobNetwork

STP_ROOT = 4096
"""RSTP bridge priority of aggregation switch 1 (switch 2: twice that, the backup root)."""
STP_DISTRIBUTION = 16384
STP_ACCESS = 32768


def is_aggregation(dev: Device) -> bool:
    """An OOB aggregation switch (root or backup root of the OOB network, carrying its gateway)."""
    return dev.role == "oob" and dev.stp_priority is not None and dev.stp_priority < STP_DISTRIBUTION


def oob_gateway_controller(ctx: Ctx) -> tuple[str | None, str | None]:
    """(gateway, controller address) of the OOB network; (None, None) without one."""
    oob = ctx.spec.networks.oob
    return _gateway_controller(oob) if oob is not None else (None, None)


def _gateway_controller(oob: OobNetwork) -> tuple[str, str]:
    net = ipaddress.IPv4Network(oob.prefix)
    gw = oob.gateway or str(net.network_address + 1)
    ctl = oob.controller or str(net.network_address + 2)
    return gw, ctl


def build_oob(ctx: Ctx) -> None:
    """The OOB network (nothing without ``networks.oob``: the switches' management ports stay
    unconfigured)."""
    oob = ctx.spec.networks.oob
    if oob is None:
        return
    pool = ctx.pool("oob", "management", oob.prefix)
    plen = pool.prefixlen
    gw, _ = _gateway_controller(oob)
    pool.used.update({1, 2})
    by_rack: dict[str, list[Device]] = {}
    for d in ctx.devices.values():
        by_rack.setdefault(d.rack, []).append(d)
    specs = {r.name: r for su in ctx.spec.layout.scalable_units for r in su.racks}
    specs.update({r.name: r for r in ctx.spec.layout.racks})
    aggs = _aggregation(ctx, by_rack)
    dists, su_first = _distribution(ctx, aggs, by_rack)
    served = _first_served_rack(ctx)

    for rack in ctx.racks:
        base = oob.rack_block * (rack.index + 1)
        members = by_rack.get(rack.name, [])
        osw = make_switch(
            ctx,
            name=oob_switch_name(rack.name),
            role="oob",
            plane="oob",
            model_name=oob.switch_model,
            breakout=None,
            rack=rack.name,
            index=rack.index,
            mtu=1500,
            su=rack.su,
            su_index=rack.su_index,
        )
        # managed in-band on its own OOB bridge: its management port has no cable to anywhere
        put(osw, mgmt_address=f"{_at(pool, base, oob.rack_block, 0, rack.name)}/{plen}", mgmt_gateway=gw,
            mgmt_inband=True, stp_priority=STP_ACCESS)
        n = front_ports(ctx, osw)
        if n < 2:
            raise DesignError(
                f"OOB switch model {oob.switch_model} needs at least 2 ports", ("networks", "oob", "switch_model")
            )
        ups, up_port = (dists[rack.su], rack.index - su_first[rack.su]) if rack.su in dists else (aggs, rack.index)
        n_up = max(len(ups), 1)
        grouped = ctx.spec.catalog.switches[oob.switch_model].uplink_cages is not None
        if grouped:
            reserve_uplinks(ctx, osw, n_up, 1)
        if n < n_up + 1 and not grouped:
            raise DesignError(
                f"OOB switch model {oob.switch_model} needs at least {n_up + 1} ports",
                ("networks", "oob", "switch_model"),
            )
        for k in range(n_up):
            up = uplink(ctx, osw, k, 0, 1) if grouped else logical(ctx, osw, n - 1 - k)
            put(up, role="oob-uplink")
            if k < len(ups):
                _downlink(ctx, ups[k], up_port, osw, up, len(ups))
            else:
                put(up, description="OOB aggregation (not designed: networks.oob.aggregation)")

        low = 0  # next port from the bottom
        high = n - 1 - (0 if grouped else n_up)  # next port from the top (the last ports are the uplinks)
        for i in range(specs[rack.name].pdus):
            pdu = ctx.add(
                fast_new(
                    Device,
                    name=pdu_name(rack.name, i),
                    role="pdu",
                    plane="oob",
                    model="pdu",
                    platform="pdu",
                    rack=rack.name,
                    su=rack.su,
                    su_index=rack.su_index,
                    index=i,
                    mgmt_port="mgmt",
                )
            )
            pdu.ports.append(fast_new(Port, name="mgmt", ifname="mgmt", plane="oob", role="bmc", speed=1, mtu=1500))
            low = _attach(ctx, pool, pdu, "mgmt", osw, low, oob.rack_block, base, plen, gw)
        servers = [d for d in members if d.is_server]
        switches = sorted((d for d in members if d.is_switch), key=lambda d: served.get(d.name, -1))
        for srv in servers:
            if srv.bmc_port:
                low = _attach(ctx, pool, srv, "bmc", osw, low, oob.rack_block, base, plen, gw)
            if srv.mgmt_port and not srv.mgmt_inband:
                low = _attach(ctx, pool, srv, "mgmt", osw, low, oob.rack_block, base, plen, gw)
            elif srv.mgmt_inband:
                _inband(srv)
        for j, sw in enumerate(switches):
            if sw.mgmt_port is None:
                continue
            off = base + oob.rack_block - 1 - j
            if high < low:
                raise DesignError(
                    f"OOB switch {osw.name} has too few ports for the devices of rack {rack.name}; "
                    "spread switches over more network racks or use a larger OOB switch",
                    ("networks", "oob", "switch_model"),
                )
            addr = f"{_at(pool, off, oob.rack_block, off - base, rack.name)}/{plen}"
            _cable(ctx, sw, "mgmt", osw, high, addr, gw)
            high -= 1
        if low > high + 1:
            raise DesignError(
                f"OOB switch {osw.name} has too few ports for the devices of rack {rack.name}; "
                "spread switches over more network racks or use a larger OOB switch",
                ("networks", "oob", "switch_model"),
            )


def _first_served_rack(ctx: Ctx) -> dict[str, int]:
    """Switch -> layout index of the first rack whose servers it serves (leaves only).

    The switches of a rack take OOB ports and addresses in this order (ties, and switches that
    serve no server such as spines, in design order, first): growth appends racks, so a new
    rack group's leaves sort after every leaf that exists and no existing switch moves.
    """
    first: dict[str, int] = {}
    devices, racks = ctx.devices, ctx.rack_by_name
    for c in ctx.cables:
        if c.tier != "server-leaf":
            continue
        a, b = devices[c.a_device], devices[c.b_device]
        srv, sw = (a, b) if a.is_server else (b, a)
        r = racks[srv.rack].index
        if r < first.get(sw.name, r + 1):
            first[sw.name] = r
    return first


def _at(pool: Pool, offset: int, block: int, within: int, rack: str) -> str:
    if within >= block or within < 0:
        raise DesignError(
            f"rack {rack} needs more than rack_block={block} OOB addresses", ("networks", "oob", "rack_block")
        )
    return pool.at(offset)


def _inband(srv: Device) -> None:
    """In-band management: the first business-plane host port that has a fabric address."""
    for p in srv.ports:
        if p.plane == "business" and p.role == "host" and p.address:
            put(srv, mgmt_port=p.name, mgmt_address=p.address, mgmt_gateway=p.gateway)
            return
    # no such port (no business NIC, or only tenant ports): rule HMG001 reports it
    put(srv, mgmt_port=None)


def _attach(
    ctx: Ctx, pool: Pool, dev: Device, kind: str, osw: Device, low: int, block: int, base: int, plen: int, gw: str
) -> int:
    addr = f"{_at(pool, base + 1 + low, block, 1 + low, dev.rack)}/{plen}"
    _cable(ctx, dev, kind, osw, low, addr, gw)
    return low + 1


def _cable(ctx: Ctx, dev: Device, kind: str, osw: Device, port_index: int, addr: str, gw: str) -> None:
    """Cable ``dev``'s BMC (kind bmc) or management port (kind mgmt) to OOB switch port ``port_index``."""
    port = dev.bmc_port if kind == "bmc" else dev.mgmt_port
    if port is None:
        return
    mp = dev.port(port)
    put(mp, address=addr)
    if kind == "bmc":
        put(dev, bmc_address=addr)
    else:
        put(dev, mgmt_address=addr, mgmt_gateway=gw)
    op = logical(ctx, osw, port_index)
    if op.peer_device is not None:
        raise DesignError(
            f"OOB switch {osw.name} has too few ports for rack {dev.rack}", ("networks", "oob", "switch_model")
        )
    put(op, role="oob-access", edge=True)
    ctx.connect(dev, mp, osw, op, "oob", "oob")


def _downlink(ctx: Ctx, upper: Device, index: int, lower: Device, lower_port: Port, pair: int) -> None:
    """Cable ``lower``'s uplink to port ``index`` of ``upper`` (an aggregation or distribution
    switch; a pair keeps its last port for the peer link)."""
    usable = front_ports(ctx, upper) - (pair > 1) - _uplinks(upper)
    if index >= usable:
        dist = upper.su is not None
        raise DesignError(
            f"OOB {'distribution' if dist else 'aggregation'} {upper.name} ({upper.model}) has {usable} ports "
            f"for {'the racks of its SU' if dist else 'racks and SU distribution switches'}, "
            f"port {index + 1} is needed",
            ("networks", "oob", "aggregation", *(("distribution",) if dist else ()), "model"),
        )
    ap = logical(ctx, upper, index)
    put(ap, role="oob-access")
    ctx.connect(lower, lower_port, upper, ap, "oob", "oob")


def _uplinks(dev: Device) -> int:
    """Ports at the top of an OOB distribution switch kept for its uplink (none on the aggregation)."""
    return 1 if dev.su is not None else 0


def _distribution(
    ctx: Ctx, aggs: list[Device], by_rack: dict[str, list[Device]]
) -> tuple[dict[str, list[Device]], dict[str, int]]:
    """Per SU: its OOB distribution switch (pair), and the layout index of the SU's first rack.

    Distribution switch k of SU s sits in the SU's network rack (a pair: the second in the SU's
    second network rack when it has one); port p faces the OOB switch of the SU's rack p (row
    order), the last port is the peer link of a pair, the one below it the uplink to aggregation
    switch k, on its port (racks outside SUs) + s: racks and SUs only ever append, so growth
    re-cables nothing.
    """
    agg = _aggregation_spec(ctx)
    if agg is None or agg.distribution is None:
        return {}, {}
    su_first: dict[str, int] = {}
    for r in ctx.racks:
        if r.su is not None:
            su_first.setdefault(r.su, r.index)
    outside = sum(1 for r in ctx.racks if r.su is None)
    out: dict[str, list[Device]] = {}
    for s, su in enumerate(ctx.spec.layout.scalable_units):
        nets = [r.name for r in ctx.su_racks.get(su.name, []) if r.role == "network"] or [su_network_rack(ctx, su.name)]
        pair = []
        for k in range(2 if agg.redundant else 1):
            rack = ctx.rack_by_name[nets[k % len(nets)]]
            dev = make_switch(
                ctx,
                name=oob_distribution_name(su.name, k),
                role="oob",
                plane="oob",
                model_name=agg.distribution.model,
                breakout=None,
                rack=rack.name,
                index=200_000 + 2 * s + k,
                mtu=1500,
                su=su.name,
                su_index=s,
            )
            put(dev, stp_priority=STP_DISTRIBUTION)
            by_rack.setdefault(rack.name, []).append(dev)
            pair.append(dev)
        for k, dev in enumerate(pair):
            top = front_ports(ctx, dev) - 1 - (len(pair) > 1)
            if top < 1:
                raise DesignError(
                    f"OOB distribution model {dev.model} needs at least {2 + (len(pair) > 1)} ports",
                    ("networks", "oob", "aggregation", "distribution", "model"),
                )
            up = logical(ctx, dev, top)
            put(up, role="oob-uplink")
            _downlink(ctx, aggs[k], outside + s, dev, up, len(aggs))
        if len(pair) == 2:
            _peer_link(ctx, *pair)
        out[su.name] = pair
    return out, su_first


def _aggregation_spec(ctx: Ctx) -> OobAggregation | None:
    oob = ctx.spec.networks.oob
    return oob.aggregation if oob is not None else None


def _peer_link(ctx: Ctx, a: Device, b: Device) -> None:
    pa, pb = logical(ctx, a, front_ports(ctx, a) - 1), logical(ctx, b, front_ports(ctx, b) - 1)
    put(pa, role="oob-uplink")
    put(pb, role="oob-uplink")
    ctx.connect(a, pa, b, pb, "oob", "oob")


def _aggregation(ctx: Ctx, by_rack: dict[str, list[Device]]) -> list[Device]:
    """The OOB aggregation switches (none when the spec declares none: rule OOBA001)."""
    agg = _aggregation_spec(ctx)
    if agg is None:
        return []
    racks = list(agg.racks) or network_racks(ctx)
    out = []
    for k in range(2 if agg.redundant else 1):
        rack = ctx.rack_by_name.get(racks[k % len(racks)])
        if rack is None:
            raise DesignError(f"no rack named {racks[k % len(racks)]!r}", ("networks", "oob", "aggregation", "racks"))
        dev = make_switch(
            ctx,
            name=f"oob-agg{k + 1:02d}",
            role="oob",
            plane="oob",
            model_name=agg.model,
            breakout=None,
            rack=rack.name,
            index=100_000 + k,
            mtu=1500,
        )
        put(dev, stp_priority=STP_ROOT * (k + 1))  # root, and the backup root
        by_rack.setdefault(rack.name, []).append(dev)
        out.append(dev)
    if len(out) == 2:
        _peer_link(ctx, *out)
    return out
