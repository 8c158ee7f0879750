"""``eos`` platform: Arista EOS, one ``startup-config`` (plain EOS CLI) per switch.

Everything printed comes from the Fabric through :func:`toolkit.render.platforms._common.device_view`
plus the EOS view below; ``templates/eos/startup-config.j2`` holds the syntax.

Platform conventions (not design decisions): management VRF ``MGMT``; loopback ``Loopback0`` (also
the VXLAN source); VXLAN interface ``Vxlan1``; SVIs ``Vlan<VLAN>``; the flat OOB L2 domain uses the
designed OOB VLAN (``Site.oob_vlan``); ``service routing protocols model multi-agent`` (EVPN
needs it).

Derivations (mechanical, from the Fabric):
- Underlay: every eBGP session is numbered. For a session the Fabric marks ``unnumbered``
  (``peer_address`` empty; EOS would need IPv6 link-local / RFC 5549 support for it) the peer
  address is the designed address of the peer's port (``Port.address`` of
  ``peer_device:peer_interface``; the links always carry /31s).
- MTU: EOS ``mtu`` is the IP MTU and accepts 68-9214 bytes (``MAX_MTU``); the Fabric's
  ``Port.mtu`` is the Linux-style interface MTU (also excluding the Ethernet header) and is
  usually the 9216 jumbo value, which EOS rejects (the line would be dropped and the port left at
  1500). A designed MTU above ``MAX_MTU`` is rendered as ``MAX_MTU``: nothing the design sends
  needs more (host MTU + VXLAN overhead must fit, else the switch is refused with ``ValueError``).
  The SVI MTU is the plane's host MTU and must fit as it is.
- Port speed: ``<lane speed>g-<serdes lanes per port>`` with the lanes per port = the cage's
  SerDes lanes (``toolkit.design.naming.serdes_lanes``) / breakout lanes; single-lane ports below
  50G use ``forced <n>full``. A cage broken out (``dev.cage_breakouts``) gets the speed on every
  lane, used or not, which is how EOS splits a cage.
- EVPN: EOS needs explicit route distinguishers and route targets, which the Fabric does not carry:
  RD = ``<router-id>:<VNI>`` (MAC-VRF: L2VNI, IP-VRF: L3VNI; unique per switch because VNIs are
  unique), RT = ``<VNI>:<VNI>`` (equal on every VTEP). Both need the VNI to fit 16 bits.
  EVPN neighbours get ``send-community extended``; a switch with EVPN sessions that is not a VTEP
  (a spine) keeps EVPN next hops (``bgp next-hop-unchanged`` in ``address-family evpn``) because
  the underlay and overlay share the eBGP sessions.
- Anycast gateway: ``ip address virtual`` = tenant gateway / subnet length, and the one
  ``ip virtual-router mac-address`` = ``tenant.gateway_mac``. EOS has a single virtual-router MAC
  per switch: a switch whose tenants have different gateway MACs cannot be rendered faithfully and
  is refused (``ValueError``).
- RoCE on ports with the lossless profile: ``qos trust``, ``priority-flow-control`` on the PFC
  priority (``no-drop``), PFC watchdog, ECN thresholds in kbytes on the lossless tx-queue(s),
  strict priority on the CNP tx-queue; ``qos map dscp ... to traffic-class`` globally
  (traffic class = tx-queue, EOS default).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import jinja2

from toolkit.design.model import Device, Fabric
from toolkit.design.naming import serdes_lanes
from toolkit.render.platforms._common import (
    SYSLOG_UDP_PORT,
    VXLAN_UDP_PORT,
    DeviceView,
    NeighborView,
    TenantView,
    device_view,
)
from toolkit.spec.models import parse_breakout

MGMT_VRF = "MGMT"
LOOPBACK = "Loopback0"
VXLAN_IF = "Vxlan1"
TRUST = {"dscp": "dscp", "pcp": "cos"}
"""``fabric.qos.trust`` -> EOS ``qos trust`` keyword."""

TEMPLATE = "eos/startup-config.j2"
_RT_MAX = 0xFFFF
MAX_MTU = 9214
"""Largest value EOS accepts for the interface ``mtu`` (IP MTU, 68-9214 bytes)."""
VXLAN_OVERHEAD = 50
"""Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) header bytes."""


@dataclass(frozen=True, slots=True)
class EosNeighbor:
    peer: str  # peer address (always numbered on EOS)
    n: NeighborView


@dataclass(frozen=True, slots=True)
class EosTenant:
    t: TenantView
    svi: str
    mac_vrf_rd: str
    mac_vrf_rt: str
    ip_vrf_rd: str | None
    ip_vrf_rt: str | None


@dataclass(frozen=True, slots=True)
class EosView:
    speeds: dict[str, str]  # port name -> EOS speed argument (used and unused ports)
    mtus: dict[str, int]  # port name (front panel and management) -> EOS mtu
    neighbors: list[EosNeighbor]
    tenants: list[EosTenant]
    virtual_mac: str | None
    evpn_transit: bool  # EVPN speaker that is not a VTEP: keep next hops
    routed: bool  # runs BGP


# --- peer port addresses: one map per peer device, built on first use, cached per Fabric ---------

_ADDR_CACHE: dict[int, tuple[weakref.ref[Fabric], dict[str, dict[str, str | None]]]] = {}


def _port_addresses(fabric: Fabric, device: str) -> dict[str, str | None]:
    hit = _ADDR_CACHE.get(id(fabric))
    if hit is None or hit[0]() is not fabric:
        key = id(fabric)
        hit = (weakref.ref(fabric, lambda _r, k=key: _ADDR_CACHE.pop(k, None)), {})  # type: ignore[misc]
        _ADDR_CACHE[key] = hit
    by_dev = hit[1]
    ports = by_dev.get(device)
    if ports is None:
        ports = by_dev[device] = {p.name: p.address for p in fabric.devices[device].ports}
    return ports


def _peer_address(n: NeighborView, fabric: Fabric, dev: Device) -> str:
    if n.peer_address:
        return n.peer_address
    addr = None
    if n.peer_interface and n.peer_device in fabric.devices:
        addr = _port_addresses(fabric, n.peer_device).get(n.peer_interface)
    if not addr:
        raise ValueError(
            f"{dev.name}: BGP session to {n.peer_device}:{n.peer_interface} has no peer address and the peer "
            "port has none either (EOS renders numbered sessions only)"
        )
    return addr.split("/", 1)[0]


def _speed(speed: int, lanes_per_port: int) -> str:
    if lanes_per_port > 1 or speed >= 50:
        return f"{speed}g-{lanes_per_port}"
    if speed >= 10:
        return f"forced {speed}gfull"
    return f"forced {speed * 1000}full"


def _lanes_per_port(dev: Device, breakout: str | None) -> int:
    n = parse_breakout(breakout)[0] if breakout else 1
    return max(serdes_lanes(dev.cage_speed) // n, 1)


def _speeds(v: DeviceView) -> dict[str, str]:
    dev = v.dev
    out = {p.name: _speed(p.speed, _lanes_per_port(dev, p.breakout)) for p in v.ports}
    for u in v.unused:
        mode = dev.cage_breakouts.get(u.cage) if u.cage is not None else None
        if mode and u.speed is not None:
            out[u.name] = _speed(u.speed, _lanes_per_port(dev, mode))
    return out


def _mtu(v: DeviceView, port: str, mtu: int) -> int:
    if mtu <= MAX_MTU:
        return mtu
    if v.host_mtu is not None and v.host_mtu + VXLAN_OVERHEAD > MAX_MTU:
        raise ValueError(
            f"{v.hostname}: {port} MTU {mtu} exceeds the EOS maximum {MAX_MTU} and the plane's host MTU "
            f"{v.host_mtu} (+{VXLAN_OVERHEAD} VXLAN) would not fit in it"
        )
    return MAX_MTU


def _mtus(v: DeviceView) -> dict[str, int]:
    out = {p.name: _mtu(v, p.name, p.mtu) for p in v.ports}
    if v.mgmt:
        out[v.mgmt.port] = _mtu(v, v.mgmt.port, v.mgmt.mtu)
    return out


def _rt_part(dev: Device, vni: int) -> int:
    if vni > _RT_MAX:
        raise ValueError(f"{dev.name}: VNI {vni} does not fit the 16-bit field of the EOS RD/RT <vni>:<vni>")
    return vni


def _tenants(v: DeviceView) -> list[EosTenant]:
    out = []
    for t in v.tenants:
        vni = _rt_part(v.dev, t.vni)
        l3 = _rt_part(v.dev, t.l3vni) if t.l3vni is not None else None
        if t.mtu > MAX_MTU:
            raise ValueError(f"{v.hostname}: tenant {t.name} MTU {t.mtu} exceeds the EOS maximum {MAX_MTU}")
        out.append(
            EosTenant(
                t=t,
                svi=f"Vlan{t.vlan}",
                mac_vrf_rd=f"{v.router_id}:{vni}",
                mac_vrf_rt=f"{vni}:{vni}",
                ip_vrf_rd=f"{v.router_id}:{l3}" if l3 is not None else None,
                ip_vrf_rt=f"{l3}:{l3}" if l3 is not None else None,
            )
        )
    return out


def _virtual_mac(v: DeviceView) -> str | None:
    macs = sorted({t.gateway_mac for t in v.tenants})
    if len(macs) > 1:
        names = ", ".join(f"{t.name}={t.gateway_mac}" for t in v.tenants)
        raise ValueError(
            f"{v.hostname}: EOS has one 'ip virtual-router mac-address' per switch, but the tenants on it use "
            f"different gateway MACs ({names}); the Fabric must give them one anycast gateway MAC"
        )
    return macs[0] if macs else None


def eos_view(v: DeviceView, fabric: Fabric) -> EosView:
    routed = v.asn is not None and bool(v.neighbors)
    if v.tenants and v.router_id is None:
        raise ValueError(f"{v.hostname}: tenants need a loopback (VXLAN source, router ID)")
    return EosView(
        speeds=_speeds(v),
        mtus=_mtus(v),
        neighbors=[EosNeighbor(_peer_address(n, fabric, v.dev), n) for n in v.neighbors],
        tenants=_tenants(v),
        virtual_mac=_virtual_mac(v),
        evpn_transit=v.evpn and not v.vtep,
        routed=routed,
    )


def render_device(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    v = device_view(dev, fabric)
    ctx = {
        "v": v,
        "e": eos_view(v, fabric),
        "site": v.fv.site,
        "q": v.fv.qos,
        "qos": fabric.qos,
        "acl": v.fv.mgmt_acl,
        "trust": TRUST[v.fv.qos.trust],
        "mgmt_vrf": MGMT_VRF,
        "loopback": LOOPBACK,
        "vxlan_if": VXLAN_IF,
        "default_vlan": v.fv.site.oob_vlan,
        "vxlan_port": VXLAN_UDP_PORT,
        "syslog_port": SYSLOG_UDP_PORT,
    }
    return {"startup-config": env.get_template(TEMPLATE).render(ctx)}
