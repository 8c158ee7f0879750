"""Step 5: rack elevations: every device occupies rack units and power in its rack.

The design steps before chose each device's rack (servers: the spec; rail leaves: their SU's
network rack; spines and cores: spread over the network racks; front-end leaves: their rack
group's SU network rack, else the group's first rack; OOB switches: their own rack; PDUs:
zero-U). Here every device gets its height (``rack_units`` of its model; PDUs 0) and a position:
servers fill the rack from U1 upwards in layout order, switches hang from the top down, the OOB
switch topmost. A rack's totals (units, nameplate power) are recorded next to its budgets from
the spec; rules RACK001/RACK002 report a rack over budget, naming its devices.
"""

from __future__ import annotations

from toolkit.design.context import Ctx
from toolkit.design.model import Device, RackPlan, RackSlot, fast_new, put


def device_units(ctx: Ctx, dev: Device) -> int:
    if dev.role == "pdu":
        return 0
    if dev.is_server:
        m = ctx.spec.catalog.servers.get(dev.model)
        return m.rack_units if m else 1
    sm = ctx.spec.catalog.switches.get(dev.model)
    return sm.rack_units if sm else 1


def place_racks(ctx: Ctx) -> list[RackPlan]:
    specs = {r.name: r for su in ctx.spec.layout.scalable_units for r in su.racks}
    specs.update({r.name: r for r in ctx.spec.layout.racks})
    by_rack: dict[str, list[Device]] = {}
    for d in ctx.devices.values():
        by_rack.setdefault(d.rack, []).append(d)
    plans = []
    for info in ctx.racks:
        rack = specs[info.name]
        devs = by_rack.get(info.name, [])
        slots: list[RackSlot] = []
        low = 1
        for d in devs:
            put(d, units=device_units(ctx, d))
            if d.is_server and d.units:
                put(d, rack_u=low)
                slots.append(fast_new(RackSlot, u=low, units=d.units, device=d.name))
                low += d.units
        top = rack.units + 1
        switches = [d for d in devs if d.role == "oob"] + [d for d in devs if d.is_switch and d.role != "oob"]
        for d in switches:
            if d.units:
                top -= d.units
                put(d, rack_u=top)
                slots.append(fast_new(RackSlot, u=top, units=d.units, device=d.name))
        slots.sort(key=lambda s: (s.u, s.device))
        plans.append(
            RackPlan(
                name=info.name,
                role=info.role,
                su=info.su,
                units=rack.units,
                power_kw=rack.power_kw,
                used_units=sum(s.units for s in slots),
                power_w=sum(d.power_w for d in devs),
                devices=[d.name for d in devs],
                elevation=slots,
            )
        )
    return plans
