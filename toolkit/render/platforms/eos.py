"""``eos`` platform: Arista EOS, one ``startup-config`` (plain EOS CLI) per switch.

Written in the form ``show running-config`` prints back (no default-only lines, which ``aidc plan``
would show as permanent drift): no ``lldp run``, ``logging vrf V host H`` without the udp/514
defaults, no ``vxlan udp-port 4789``, no ``bgp bestpath as-path multipath-relax`` (every spine tier
shares one ASN, so ECMP paths have equal AS paths). Cross-checked line by line against Arista AVD's
own generator (pyavd) in tests/vendor/test_eos_avd.py, which lists the remaining differences.

Everything printed comes from the Fabric through :func:`toolkit.render.platforms._common.device_view`
plus the EOS view below; ``templates/eos/startup-config.j2`` holds the syntax.

Platform conventions (not design decisions): loopback ``Loopback0`` (also
the VXLAN source); VXLAN interface ``Vxlan1``; SVIs ``Vlan<VLAN>``; the flat OOB L2 domain uses the
designed OOB VLAN (``Site.oob_vlan``); ``service routing protocols model multi-agent`` (EVPN
needs it).

Values decided by the design and read from the Fabric (``toolkit.design.policy``): sessions are
numbered on EOS (``BgpNeighbor.peer_address``: the platform has ``unnumbered_bgp = False``); port
MTUs are already clamped to the EOS IP MTU maximum 9214 (``Port.mtu``); RD / RT of the MAC-VRF and
IP-VRF (``TenantAttachment.rd`` / ``rt`` / ``l3_rd`` / ``l3_rt``); the management VRF
(``Device.mgmt_vrf``, ``MGMT``). Limits (VNI within 16 bits for the RT format, one anycast gateway
MAC per switch, MTUs) are validate findings, never render errors.

Derivations (mechanical, from the Fabric):
- Port speed: ``<lane speed>g-<serdes lanes per port>`` with the lanes per port = the cage's
  SerDes lanes (``toolkit.design.naming.serdes_lanes``) / breakout lanes; single-lane ports below
  50G use ``forced <n>full``. A cage broken out (``dev.cage_breakouts``) gets the speed on every
  lane, used or not, which is how EOS splits a cage.
- EVPN neighbours get ``send-community extended``; a switch with EVPN sessions that is not a VTEP
  (a spine) keeps EVPN next hops (``bgp next-hop-unchanged`` in ``address-family evpn``) because
  the underlay and overlay share the eBGP sessions.
- Anycast gateway: ``ip address virtual`` = tenant gateway / subnet length, and the one
  ``ip virtual-router mac-address`` = ``tenant.gateway_mac`` (one per switch, checked in design).
- RoCE on ports with the lossless profile: ``qos trust``, ``priority-flow-control`` on the PFC
  priority (``no-drop``), PFC watchdog, ECN thresholds in kbytes on the lossless tx-queue(s),
  strict priority on the CNP tx-queue; ``qos map dscp ... to traffic-class`` globally
  (traffic class = tx-queue, EOS default).
- Border (``BgpNeighbor.external``): the routed link port gets ``vrf <tenant>`` when the session is
  a tenant's; the numbered session is a neighbor of ``router bgp`` (the business plane) or of its
  ``vrf`` block (activated in its ``address-family ipv4``), with ``route-map ... in/out`` over one
  prefix-list each way per VRF (``_common.ExternalPolicy``: accept exact, export ``le 32``).
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from toolkit import platforms
from toolkit.design.model import Device, Fabric
from toolkit.design.naming import serdes_lanes
from toolkit.render.platforms._common import (
    DeviceView,
    NeighborView,
    TenantView,
    device_context,
    device_view,
)
from toolkit.spec.models import parse_breakout

LOOPBACK = platforms.get("eos").loopback
VXLAN_IF = "Vxlan1"
TRUST = {"dscp": "dscp", "pcp": "cos"}
"""``fabric.qos.trust`` -> EOS ``qos trust`` keyword."""

TEMPLATE = "eos/startup-config.j2"


@dataclass(frozen=True, slots=True)
class EosNeighbor:
    peer: str  # peer address (numbered on EOS, decided in design)
    n: NeighborView


@dataclass(frozen=True, slots=True)
class EosTenant:
    t: TenantView
    svi: str
    mac_vrf_rd: str | None
    mac_vrf_rt: str | None
    ip_vrf_rd: str | None
    ip_vrf_rt: str | None


@dataclass(frozen=True, slots=True)
class EosView:
    speeds: dict[str, str]  # port name -> EOS speed argument (used and unused ports)
    mtus: dict[str, int]  # port name (front panel and management) -> EOS mtu (Port.mtu)
    neighbors: list[EosNeighbor]
    tenants: list[EosTenant]  # one per tenant network (VLAN, SVI, VNI)
    vrfs: list[EosTenant]  # one per tenant (its first network): VRF instance, L3VNI, IP-VRF
    l2: list[EosTenant]  # tenant networks, then storage segments (default VRF): VLAN, VNI, SVI, MAC-VRF each
    virtual_mac: str | None
    evpn_transit: bool  # EVPN speaker that is not a VTEP: keep next hops
    routed: bool  # runs BGP
    bond_numbers: dict[str, int]  # Port-Channel name -> its number (channel-group of the members)


def _speed(speed: int, lanes_per_port: int) -> str:
    if lanes_per_port > 1 or speed >= 50:
        return f"{speed}g-{lanes_per_port}"
    if speed >= 10:
        return f"forced {speed}gfull"
    return f"forced {speed * 1000}full"


def _lanes_per_port(dev: Device, breakout: str | None, cage: int | None) -> int:
    n = parse_breakout(breakout)[0] if breakout else 1
    return max(serdes_lanes(dev.native_speed(cage) if cage is not None else dev.cage_speed) // n, 1)


def _speeds(v: DeviceView) -> dict[str, str]:
    dev = v.dev
    out = {p.name: _speed(p.speed, _lanes_per_port(dev, p.breakout, p.cage)) for p in v.ports}
    for u in v.unused:
        mode = dev.cage_breakouts.get(u.cage) if u.cage is not None else None
        if mode and u.speed is not None:
            out[u.name] = _speed(u.speed, _lanes_per_port(dev, mode, u.cage))
    return out


def _mtus(v: DeviceView) -> dict[str, int]:
    out = {p.name: p.mtu for p in v.ports}
    if v.mgmt:
        out[v.mgmt.port] = v.mgmt.mtu
    return out


def _peer(n: NeighborView, dev: Device) -> str:
    if not n.peer_address:
        raise ValueError(f"{dev.name}: the Fabric gives the BGP session to {n.peer_device} no peer address")
    return n.peer_address


def _tenants(views: list[TenantView]) -> list[EosTenant]:
    return [EosTenant(t, f"Vlan{t.vlan}", t.rd, t.rt, t.l3_rd, t.l3_rt) for t in views]


def eos_view(v: DeviceView, fabric: Fabric) -> EosView:
    routed = v.asn is not None and bool(v.neighbors)
    if (v.tenants or v.segments) and v.router_id is None:
        raise ValueError(f"{v.hostname}: tenants need a loopback (VXLAN source, router ID)")
    tenants = _tenants(v.tenants)
    return EosView(
        speeds=_speeds(v),
        mtus=_mtus(v),
        neighbors=[EosNeighbor(_peer(n, v.dev), n) for n in v.neighbors],
        tenants=tenants,
        vrfs=_tenants(v.vrfs),
        l2=tenants + _tenants(v.segments),
        virtual_mac=min((t.gateway_mac for t in (*v.tenants, *v.segments)), default=None),
        evpn_transit=v.evpn and not v.vtep,
        routed=routed,
        bond_numbers={b.name: b.number for b in v.bonds},
    )


def render_device(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    v = device_view(dev, fabric)
    ctx = {
        **device_context(v),
        "e": eos_view(v, fabric),
        "trust": TRUST[v.fv.qos.trust],
        "loopback": LOOPBACK,
        "vxlan_if": VXLAN_IF,
        "default_vlan": v.fv.site.oob_vlan,
    }
    return {"startup-config": env.get_template(TEMPLATE).render(ctx)}
