"""Step 1: racks and servers with their NIC ports (no cabling yet).

Server names are ``<rack>-<prefix><NN>`` counted within the rack, so adding servers at the end
of a rack, a rack, or an SU never renames an existing server. Compute NIC ports are numbered
into rails in the order the model lists them: port k of the compute NICs is rail k.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.design.context import Ctx, DesignError, RackInfo
from toolkit.design.infiniband import ipoib_mtu
from toolkit.design.model import Device, Port, fast_new, put
from toolkit.design.naming import server_name, server_port_name
from toolkit.spec.models import ClusterSpec, Rack, ServerModel, parse_speed

_PLANE = {"compute": "compute", "storage": "storage", "business": "business", "oob": "oob", "mgmt": "oob"}
_ROLE = {"oob": "bmc", "mgmt": "mgmt"}


def all_racks(ctx: Ctx) -> list[tuple[Rack, str | None, int | None]]:
    """Racks in layout order: racks outside SUs first, then the SUs' racks.

    Compute growth (a server at the end of the last rack, a rack at the end of the last SU, a new
    SU) therefore only ever appends, so no existing rack changes its OOB block or front-end group.
    """
    return spec_racks(ctx.spec)


def spec_racks(spec: ClusterSpec) -> list[tuple[Rack, str | None, int | None]]:
    """``all_racks`` of a spec: (rack, SU name, SU index), racks outside SUs first."""
    out: list[tuple[Rack, str | None, int | None]] = [(rack, None, None) for rack in spec.layout.racks]
    for si, su in enumerate(spec.layout.scalable_units):
        for rack in su.racks:
            out.append((rack, su.name, si))
    return out


def default_prefix(model: ServerModel) -> str:
    if model.gpus > 0:
        return "gpu"
    if model.drives > 0:
        return "stor"
    return "srv"


def rack_server_names(spec: ClusterSpec, rack: Rack) -> list[list[str]]:
    """The server names of each group of ``rack``: its explicit ``names``, or
    ``<rack>-<prefix><NN>`` counted per prefix within the rack (an unknown model counts as ``srv``)."""
    counters: dict[str, int] = {}
    out: list[list[str]] = []
    for group in rack.servers:
        if group.names:
            out.append(list(group.names))
            continue
        model = spec.catalog.servers.get(group.model)
        prefix = group.prefix or (default_prefix(model) if model is not None else "srv")
        start = counters.get(prefix, 0)
        out.append([server_name(rack.name, prefix, start + i) for i in range(group.count or 0)])
        counters[prefix] = start + (group.count or 0)
    return out


def server_role(model: ServerModel) -> str:
    if any(n.role == "compute" for n in model.nics) or model.gpus > 0:
        return "gpu-server"
    if model.drives > 0:
        return "storage-server"
    return "server"


def host_mtu(ctx: Ctx, plane: str) -> int:
    nets = ctx.spec.networks
    if plane == "compute" and nets.compute is not None:
        return ipoib_mtu(ctx.spec) if nets.compute.kind == "infiniband" else nets.compute.host_mtu
    if plane == "business" and nets.business:
        return nets.business.host_mtu
    if plane == "storage" and nets.storage:
        if nets.storage.mode == "dedicated" and nets.storage.fabric:
            return nets.storage.fabric.host_mtu
        if nets.business:
            return nets.business.host_mtu
    return 1500


def build_inventory(ctx: Ctx) -> None:
    for index, (rack, su, si) in enumerate(all_racks(ctx)):
        info = RackInfo(rack.name, index, rack.role, su, si)
        if rack.name in ctx.rack_by_name:
            raise DesignError(f"rack name {rack.name!r} is used twice")
        ctx.racks.append(info)
        ctx.rack_by_name[rack.name] = info
        if su is not None:
            ctx.su_racks.setdefault(su, []).append(info)

    shapes: dict[str, _ServerShape] = {}  # server model -> what every server of the model has alike
    for rack, su, si in all_racks(ctx):
        for group, names in zip(rack.servers, rack_server_names(ctx.spec, rack), strict=True):
            model = ctx.spec.catalog.servers.get(group.model)
            if model is None:
                raise DesignError(f"server model {group.model!r} is not in catalog.servers")
            shape = shapes.get(group.model)
            if shape is None:
                shape = shapes[group.model] = _shape(ctx, model)
            for name in names:
                dev = _server(name, group.model, model, shape, rack.name, su, si)
                put(dev, index=len(ctx.devices))
                ctx.add(dev)


@dataclass(frozen=True)
class _ServerShape:
    """The NIC ports of a server model: each port's fields and rail (compute ports), the BMC port
    and the OS management port. Decided once per model; every server gets its own Port objects."""

    ports: list[tuple[dict[str, object], int | None]]
    bmc: str | None
    os_mgmt: str | None


def _shape(ctx: Ctx, model: ServerModel) -> _ServerShape:
    ports: list[tuple[dict[str, object], int | None]] = []
    rail = 0
    bmc = os_mgmt = None
    for nic in model.nics:
        plane = _PLANE[nic.role]
        for p in range(nic.ports):
            pname = server_port_name(nic.name, p, nic.ports)
            fields: dict[str, object] = {
                "name": pname,
                "ifname": pname,
                "plane": plane,
                "role": _ROLE.get(nic.role, "host"),
                "speed": parse_speed(nic.speed),
                "mtu": host_mtu(ctx, plane),
                "nic": nic.name,
                "gpu": nic.gpu,
                "numa": nic.numa,
            }
            ports.append((fields, rail if nic.role == "compute" else None))
            if nic.role == "compute":
                rail += 1
            if nic.role == "oob" and bmc is None:
                bmc = pname
            if nic.role == "mgmt" and os_mgmt is None:
                os_mgmt = pname
    return _ServerShape(ports, bmc, os_mgmt)


def _server(
    name: str, model_name: str, model: ServerModel, shape: _ServerShape, rack: str, su: str | None, si: int | None
) -> Device:
    ports: list[Port] = []
    for fields, rail in shape.ports:
        port = fast_new(Port, **fields)
        if rail is not None:
            put(port, rail=rail)
        ports.append(port)
    # the OS management path: its OOB port, or in-band (resolved in toolkit.design.oob once the
    # business plane has addresses)
    oob_managed = model.management == "oob" or (model.management == "auto" and shape.os_mgmt is not None)
    return fast_new(
        Device,
        name=name,
        role=server_role(model),
        plane="compute" if any(n.role == "compute" for n in model.nics) else "storage",
        model=model_name,
        platform="linux",
        rack=rack,
        su=su,
        su_index=si,
        index=0,
        mgmt_port=shape.os_mgmt if oob_managed else None,
        mgmt_inband=not oob_managed,
        bmc_port=shape.bmc,
        ports=ports,
        gpus=model.gpus,
        gpu_model=model.gpu_model,
        power_w=model.power_w,
    )
