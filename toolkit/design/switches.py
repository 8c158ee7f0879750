"""Creating a switch with every front-panel port, named for its platform.

Ports are materialised when a design step uses them (``logical`` for the ports facing down,
``uplink`` for the ports facing the tier above); ``finalize_ports`` then orders them in
front-panel order and records the rest as unused (rendered shut).

Uplinks sit in the top cages, one run of cages per upstream switch (``uplink_cages``): link k to
peer s is on cage ``first + s*cpp + k // lanes``, lane ``k % lanes`` (``cpp`` cages per peer), so a
cage never carries links to two upstream switches and losing one cage or optic never cuts a
switch off from more than one peer. The uplink cages may run their own port mode
(``uplink_breakout``, e.g. 2x400G down, 1x800G up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from toolkit import platforms
from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import Device, Plane, Port, fast_new, put
from toolkit.design.naming import switch_ifname
from toolkit.platforms._sonic_skus import sku_for
from toolkit.spec.models import TierSpec, parse_breakout, parse_speed


class Spot(NamedTuple):
    """Where logical port ``i`` of a switch is and what it is called."""

    name: str
    ifname: str
    cage: int
    lane: int | None  # None: the cage is not split
    breakout: str | None
    uplink: bool  # in the uplink cages (above Slots.count)


@dataclass
class Slots:
    namer: platforms.PortNamer
    cages: int
    lanes: int
    cage_speed: int
    speed: int
    breakout: str | None
    plane: Plane
    mtu: int
    up_lanes: int = 1
    up_speed: int = 0
    up_breakout: str | None = None
    separate_up: bool = False  # the uplink cages run their own mode (up_breakout)
    up_cages: int = 0  # top cages reserved for uplinks (set by reserve_uplinks)
    fixed_up: bool = False  # the top up_cages are a hardware group of their own (catalogue uplink_cages)
    up_cage_speed: int = 0  # native speed of the uplink group's cages (fixed_up)
    used: dict[int, Port] = field(default_factory=dict)
    spots: list[Spot] | None = None  # every logical port's Spot, set on first use (``layout``)

    def native(self, cage: int) -> int:
        """Native speed of ``cage``: the uplink group's cages (fixed_up) differ from the rest."""
        return self.up_cage_speed if self.fixed_up and cage > self.cages - self.up_cages else self.cage_speed

    @property
    def count(self) -> int:
        """Logical ports facing down (every port when no uplink cages are reserved)."""
        return (self.cages - self.up_cages) * self.lanes

    @property
    def total(self) -> int:
        return self.count + self.up_cages * self.up_lanes

    def mode(self, i: int) -> tuple[int, int, int, str | None]:
        """(cage 1-based, lane, lanes of the cage, ...) of logical index i; uplink region above count."""
        if i < self.count:
            cage, lane = divmod(i, self.lanes)
            return cage + 1, lane, self.lanes, self.breakout
        cage, lane = divmod(i - self.count, self.up_lanes)
        return self.cages - self.up_cages + cage + 1, lane, self.up_lanes, self.up_breakout

    def spot(self, i: int) -> Spot:
        cage, lane, lanes, breakout = self.mode(i)
        return Spot(
            self.namer(cage, lane, lanes, self.native(cage)),
            switch_ifname(cage, lane, lanes),
            cage,
            lane if lanes > 1 else None,
            breakout,
            i >= self.count,
        )

    def shape(self) -> tuple[object, ...]:
        """Everything ``spot`` depends on: switches of one shape share their spots."""
        return (self.namer, self.cages, self.lanes, self.cage_speed, self.breakout, self.up_lanes,
                self.up_breakout, self.up_cages, self.fixed_up, self.up_cage_speed)


def layout(ctx: Ctx, slots: Slots) -> list[Spot]:
    """Every logical port's Spot, index order; computed once per switch shape (a 100k-GPU fabric
    has a few thousand switches of a handful of shapes, and a million ports to name)."""
    if slots.spots is None:
        key = slots.shape()
        spots = ctx.port_layouts.get(key)
        if spots is None:
            spots = ctx.port_layouts[key] = [slots.spot(i) for i in range(slots.total)]
        slots.spots = spots
    return slots.spots


_SLOTS: dict[int, Slots] = {}


def tier_switch(
    ctx: Ctx, plane: Plane, mtu: int, tier: TierSpec, role: str, name: str, rack: str, index: int, **more: Any
) -> Device:
    """``make_switch`` for a switch of a tier spec (its model and port breakout); ``more``: the
    keyword arguments of ``make_switch`` after ``mtu`` (su, pod, rail, uplink_breakout, ...)."""
    spot: dict[str, Any] = {"role": role, "name": name, "rack": rack, "index": index, **more}
    return make_switch(ctx, model_name=tier.model, breakout=tier.breakout, plane=plane, mtu=mtu, **spot)


def make_switch(
    ctx: Ctx,
    *,
    name: str,
    role: str,
    plane: Plane,
    model_name: str,
    breakout: str | None,
    rack: str,
    index: int,
    mtu: int,
    su: str | None = None,
    su_index: int | None = None,
    pod: int | None = None,
    rail: int | None = None,
    uplink_breakout: str | None = None,
) -> Device:
    model = ctx.spec.catalog.switches.get(model_name)
    if model is None:
        raise DesignError(f"switch model {model_name!r} is not in catalog.switches")
    cage_speed = parse_speed(model.speed)
    lanes, speed = parse_breakout(breakout) if breakout else (1, cage_speed)
    separate = uplink_breakout is not None and uplink_breakout != breakout
    up_lanes, up_speed = parse_breakout(uplink_breakout) if separate and uplink_breakout else (lanes, speed)
    group = model.uplink_cages  # mixed port groups: the uplinks on cages of their own type
    cages = model.ports + (group.ports if group else 0)
    if group:
        separate, uplink_breakout, up_lanes, up_speed = True, None, 1, parse_speed(group.speed)
    platform = platforms.rendered_for(model.platform, ctx.platform)
    plat = platforms.get(platform)
    own = platform == model.platform
    os_version = (
        (model.os_version if own else None)
        or ctx.spec.site.os_versions.get(platform)
        or (plat.os_versions[-1] if plat.os_versions else None)
    )
    dev = fast_new(
        Device,
        name=name,
        role=role,
        plane=plane,
        model=model_name,
        platform=platform,
        rack=rack,
        su=su,
        su_index=su_index,
        pod=pod,
        rail=rail,
        index=index,
        power_w=model.power_w,
        cage_count=cages,
        cage_speed=cage_speed,
        cage_speeds={c: up_speed for c in range(model.ports + 1, cages + 1)},
        cage_breakouts={c: breakout for c in range(1, model.ports + 1)} if breakout else {},
        os_version=os_version,
        ecmp_limit=min(model.max_ecmp or plat.limits.ecmp_default or plat.limits.max_ecmp, plat.limits.max_ecmp),
    )
    if model.mgmt_port:
        mgmt = plat.mgmt_port
        dev.ports.append(fast_new(Port, name=mgmt, ifname="eth0", plane="oob", role="mgmt", speed=1, mtu=1500))
        put(dev, mgmt_port=mgmt)
    namer = plat.port_namer
    if platform == "sonic":  # named by the SKU: real port names, mixed port types
        sku = ctx.skus.get(model_name) or sku_for(model_name, model)
        if sku is None:
            raise DesignError(
                f"SONiC switch model {model_name} has no SKU data (HwSKU, platform, ports): add "
                f"catalog.switches.{model_name}.sonic",
                ("catalog", "switches", model_name),
            )
        if cages > len(sku.ports):
            raise DesignError(
                f"{model_name} has {cages} cages, its SONiC SKU {sku.hwsku} {len(sku.ports)} ports",
                ("catalog", "switches", model_name, "ports"),
            )
        ctx.skus[model_name] = sku
        namer = sku.port_name
    ctx.slots[name] = Slots(
        namer,
        cages,
        lanes,
        cage_speed,
        speed,
        breakout,
        plane,
        mtu,
        up_lanes,
        up_speed,
        uplink_breakout if separate else breakout,
        separate,
        up_cages=group.ports if group else 0,
        fixed_up=group is not None,
        up_cage_speed=up_speed,
    )
    return ctx.add(dev)


def uplink_cages(peers: int, links_per_peer: int, lanes: int) -> int:
    """Top cages the uplinks take: every peer its own cages (see the module docstring)."""
    return peers * -(-links_per_peer // lanes)


def reserve_uplinks(ctx: Ctx, dev: Device, peers: int, links_per_peer: int) -> None:
    """Reserve the top cages of ``dev`` for ``peers`` x ``links_per_peer`` uplinks (before any port is used)."""
    slots: Slots = ctx.slots[dev.name]
    need = uplink_cages(peers, links_per_peer, slots.up_lanes)
    if slots.fixed_up:  # the model's uplink group holds the uplinks; its spare cages stay unused
        if need > slots.up_cages:
            raise DesignError(
                f"{dev.name} ({dev.model}) needs {need} cages for {peers} x {links_per_peer} uplinks, its "
                f"uplink_cages group has {slots.up_cages}",
                ("catalog", "switches", dev.model, "uplink_cages", "ports"),
            )
        return
    if need > slots.cages:
        raise DesignError(
            f"{dev.name} ({dev.model}) needs {need} cages for {peers} x {links_per_peer} uplinks, it has {slots.cages}"
        )
    slots.up_cages = need
    slots.spots = None
    if slots.separate_up:
        for cage in range(slots.cages - need + 1, slots.cages + 1):
            if slots.up_breakout:
                dev.cage_breakouts[cage] = slots.up_breakout
            else:
                dev.cage_breakouts.pop(cage, None)


def uplink(ctx: Ctx, dev: Device, peer: int, link: int, links_per_peer: int) -> Port:
    """Uplink ``link`` (0-based) of ``dev`` towards its ``peer``-th upstream switch."""
    slots: Slots = ctx.slots[dev.name]
    cpp = -(-links_per_peer // slots.up_lanes)
    cage_off = peer * cpp + link // slots.up_lanes
    if cage_off >= slots.up_cages:
        raise DesignError(f"{dev.name}: uplink {link + 1} to peer {peer + 1} is beyond its reserved uplink cages")
    port = _port(ctx, dev, slots.count + cage_off * slots.up_lanes + link % slots.up_lanes)
    return port


def logical(ctx: Ctx, dev: Device, i: int) -> Port:
    """The i-th front-panel logical port facing down (0-based), created on first use."""
    slots = ctx.slots[dev.name]
    port = slots.used.get(i)
    if port is None:
        if i < 0 or i >= slots.count:
            raise DesignError(f"{dev.name} ({dev.model}) has {slots.count} ports; the design needs port {i + 1}")
        port = _port(ctx, dev, i)
    return port


def _port(ctx: Ctx, dev: Device, i: int) -> Port:
    slots: Slots = ctx.slots[dev.name]
    port = slots.used.get(i)
    if port is None:
        spot = layout(ctx, slots)[i]
        port = fast_new(
            Port,
            name=spot.name,
            ifname=spot.ifname,
            plane=slots.plane,
            role="uplink" if spot.uplink else "downlink",
            speed=slots.up_speed if spot.uplink else slots.speed,
            mtu=slots.mtu,
            cage=spot.cage,
            lane=spot.lane,
            breakout=spot.breakout,
        )
        slots.used[i] = port
    return port


def front_ports(ctx: Ctx, dev: Device) -> int:
    """Logical ports facing down (all front-panel ports until uplink cages are reserved)."""
    return ctx.slots[dev.name].count


def finalize_ports(ctx: Ctx) -> None:
    for name, slots in ctx.slots.items():
        dev = ctx.devices[name]
        mgmt = [p for p in dev.ports if p.role == "mgmt"]
        put(dev, ports=[slots.used[i] for i in sorted(slots.used)] + mgmt)
        spots = layout(ctx, slots)
        put(dev, unused_ports=[(s.name, s.ifname) for i, s in enumerate(spots) if i not in slots.used])
