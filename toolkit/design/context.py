"""The working state the design steps share while they build a Fabric."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from toolkit.design.addressing import Pool
from toolkit.design.model import BgpNeighbor, Cable, Device, Plane, Port, fast_new, put
from toolkit.spec.models import ClusterSpec


class DesignError(ValueError):
    """The spec passed validation but cannot be designed; the message says why and what to do."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()):
        super().__init__(message)
        self.path = path


@dataclass
class RackInfo:
    name: str
    index: int  # position in layout order (SU racks first, then layout.racks)
    role: str
    su: str | None
    su_index: int | None


@dataclass
class Ctx:
    spec: ClusterSpec
    platform: str | None = None  # render every Ethernet switch for this platform (lab: frr)
    devices: dict[str, Device] = field(default_factory=dict)
    cables: list[Cable] = field(default_factory=list)
    # (switch, cage) of a split cage (a port with a lane) -> its cables, and the switch's port of
    # the first: finalize_cables gives a cage's cables one medium
    split_cages: dict[tuple[str, int], tuple[list[Cable], Port]] = field(default_factory=dict)
    pools: list[Pool] = field(default_factory=list)
    racks: list[RackInfo] = field(default_factory=list)
    rack_by_name: dict[str, RackInfo] = field(default_factory=dict)
    su_racks: dict[str, list[RackInfo]] = field(default_factory=dict)  # SU name -> its racks, layout order
    # server name -> tenant name, for the plane carrying the tenant
    tenant_of: dict[tuple[str, str], str] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)  # switch name -> switches.Slots
    port_layouts: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # Slots.shape() -> its Spots
    skus: dict[str, Any] = field(default_factory=dict)  # SONiC switch model -> toolkit.platforms.Sku

    def pool(self, plane: str, purpose: str, prefix: str) -> Pool:
        p = Pool(plane, purpose, prefix)
        self.pools.append(p)
        return p

    def subpool(self, parent: Pool, purpose: str, start: tuple[int, int], length: tuple[int, int]) -> Pool:
        p = parent.sub(purpose, start, length)
        self.pools.append(p)
        return p

    def add(self, dev: Device) -> Device:
        if dev.name in self.devices:
            raise DesignError(f"two devices are named {dev.name!r}; rename a rack or server group")
        self.devices[dev.name] = dev
        return dev

    def connect(self, a: Device, ap: Port, b: Device, bp: Port, tier: str, plane: Plane) -> None:
        put(ap, peer_device=b.name, peer_port=bp.name, description=ap.description or f"{b.name}:{bp.name}")
        put(bp, peer_device=a.name, peer_port=ap.name, description=bp.description or f"{a.name}:{ap.name}")
        length = length_class(self.rack_by_name[a.rack], self.rack_by_name[b.rack])
        cable = fast_new(
            Cable,
            a_device=a.name,
            a_port=ap.name,
            b_device=b.name,
            b_port=bp.name,
            plane=plane,
            tier=tier,
            speed=min(ap.speed, bp.speed),
            medium=medium(min(ap.speed, bp.speed), length),
            length_class=length,
        )
        self.cables.append(cable)
        for dev, p in ((a, ap), (b, bp)):
            if p.lane is not None and p.cage is not None and dev.is_switch:
                legs = self.split_cages.get((dev.name, p.cage))
                if legs is None:
                    self.split_cages[(dev.name, p.cage)] = ([cable], p)
                else:
                    legs[0].append(cable)


def peer_session(a: Device, ap: Port, b: Device, bp: Port, plane: Plane, afis: list[str], unnumbered: bool) -> None:
    """Record one eBGP session over the link a:ap <-> b:bp on both devices."""
    from toolkit.design.addressing import ip

    for x, xp, y, yp in ((a, ap, b, bp), (b, bp, a, ap)):
        if y.asn is None:
            raise DesignError(f"{y.name} has no ASN")
        x.bgp.append(
            fast_new(
                BgpNeighbor,
                peer_device=y.name,
                peer_asn=y.asn,
                interface=xp.name,
                peer_interface=yp.name,
                local_address=None if unnumbered or not xp.address else ip(xp.address),
                peer_address=None if unnumbered or not yp.address else ip(yp.address),
                unnumbered=unnumbered,
                plane=plane,
                afis=list(afis),
            )
        )


def length_class(a: RackInfo, b: RackInfo) -> str:
    if a.name == b.name:
        return "in-rack"
    if abs(a.index - b.index) == 1 and a.su == b.su:
        return "adjacent-rack"
    if a.su is not None and a.su == b.su:
        return "in-row"
    return "cross-row"


def medium(speed: int, length: str) -> str:
    if speed <= 1:
        return "Cat6"
    if length in ("in-rack", "adjacent-rack"):
        return "DAC" if length == "in-rack" else "AOC"
    if length == "in-row":
        return "MMF"
    return "SMF"
