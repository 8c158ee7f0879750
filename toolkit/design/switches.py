"""Creating a switch with every front-panel port, named for its platform.

Ports are materialised when a design step uses them (``logical``); ``finalize_ports`` then
orders them in front-panel order and records the rest as unused (rendered shut).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit import platforms
from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import Device, Plane, Port, fast_new
from toolkit.design.naming import switch_ifname
from toolkit.spec.models import parse_breakout, parse_speed


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
    used: dict[int, Port] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.cages * self.lanes

    def names(self, i: int) -> tuple[str, str, int, int]:
        cage, lane = divmod(i, self.lanes)
        cage += 1
        return (
            self.namer(cage, lane, self.lanes, self.cage_speed),
            switch_ifname(cage, lane, self.lanes),
            cage,
            lane,
        )


_SLOTS: dict[int, Slots] = {}


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
) -> Device:
    model = ctx.spec.catalog.switches.get(model_name)
    if model is None:
        raise DesignError(f"switch model {model_name!r} is not in catalog.switches")
    cage_speed = parse_speed(model.speed)
    lanes, speed = parse_breakout(breakout) if breakout else (1, cage_speed)
    platform: str = model.platform
    if ctx.platform and platforms.get(platform).kind == "ethernet":
        platform = ctx.platform
    plat = platforms.get(platform)
    own = platform == model.platform
    os_version = (model.os_version if own else None) or ctx.spec.site.os_versions.get(platform) or (
        plat.os_versions[-1] if plat.os_versions else None)
    dev = Device(
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
        cage_count=model.ports,
        cage_speed=cage_speed,
        cage_breakouts={c: breakout for c in range(1, model.ports + 1)} if breakout else {},
        os_version=os_version,
    )
    if model.mgmt_port:
        mgmt = plat.mgmt_port
        dev.ports.append(Port(name=mgmt, ifname="eth0", plane="oob", role="mgmt", speed=1, mtu=1500))
        dev.mgmt_port = mgmt
    sku = plat.sku(model_name)
    # a model with SKU data is named by the SKU (real port names, mixed port types)
    namer = sku.port_name if sku is not None and sku.ports else plat.port_namer
    ctx.slots[name] = Slots(namer, model.ports, lanes, cage_speed, speed, breakout, plane, mtu)
    return ctx.add(dev)


def logical(ctx: Ctx, dev: Device, i: int) -> Port:
    """The i-th front-panel logical port (0-based), created on first use."""
    slots = ctx.slots[dev.name]
    port = slots.used.get(i)
    if port is None:
        if i < 0 or i >= slots.count:
            raise DesignError(f"{dev.name} ({dev.model}) has {slots.count} ports; the design needs port {i + 1}")
        name, ifname, cage, lane = slots.names(i)
        port = fast_new(
            Port,
            name=name,
            ifname=ifname,
            plane=slots.plane,
            role="downlink",
            speed=slots.speed,
            mtu=slots.mtu,
            cage=cage,
            lane=lane if slots.lanes > 1 else None,
            breakout=slots.breakout,
        )
        slots.used[i] = port
    return port


def front_ports(ctx: Ctx, dev: Device) -> int:
    return ctx.slots[dev.name].count


def finalize_ports(ctx: Ctx) -> None:
    for name, slots in ctx.slots.items():
        dev = ctx.devices[name]
        mgmt = [p for p in dev.ports if p.role == "mgmt"]
        dev.ports = [slots.used[i] for i in sorted(slots.used)] + mgmt
        dev.unused_ports = [slots.names(i)[:2] for i in range(slots.count) if i not in slots.used]
