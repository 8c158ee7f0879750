"""View data shared by the switch platform renderers (frr, sonic, cumulus, eos).

Templates hold syntax only, and this module takes no decision: every value is a field of the
Fabric (decided in ``toolkit.design``, the policy values in ``toolkit.design.policy``) or a
mechanical re-arrangement of fields (split addresses, ports grouped by role, the speed of an unused
port from its cage). Stable API (other platform modules import it read-only):

``fabric_view(fabric) -> FabricView``
    Fabric-wide data, computed once per Fabric object and cached (the Fabric is frozen after
    design). Fields: ``site``, ``qos`` (``Fabric.qos``), ``tenants`` (by L2 VNI),
    ``tenants_by_name``, ``mgmt_acl`` (``Fabric.mgmt_acl``).
``device_view(dev, fabric) -> DeviceView``
    Per-device data, O(ports + neighbors); see :class:`DeviceView` for every field.
``device_context(v) -> dict``
    The template context every FRR-syntax / NVUE / EOS template starts from: ``v`` (the
    DeviceView), ``site``, ``q`` (``Fabric.qos``), ``acl``, ``mgmt_vrf``, ``vxlan_port``,
    ``syslog_port``; a platform adds its own keys.
``tier(role) -> "leaf" | "spine" | "core" | "oob"``
    The tier of a switch role (business-leaf -> leaf, storage-spine -> spine, ...).
``frr_filters(env)``
    Registers the Jinja filters the FRR-syntax templates use (``sh`` shell quoting).

Constants (protocol numbers and conventions, not design decisions): ``VXLAN_UDP_PORT`` (IANA
4789), ``SYSLOG_UDP_PORT`` (514), ``IEEE_PRIORITIES`` (0-7), ``LEAF_ROLES`` / ``SPINE_ROLES``.
``split_address("10.0.4.1/31") -> ("10.0.4.1", 31, "10.0.4.0/31")`` is a fast IPv4 helper.

Where the policy values come from: ``DeviceView.advertise`` = ``Device.advertise``,
``maximum_paths`` = ``Device.ecmp``, ``vtep`` = ``Device.vtep``, ``MgmtView.vrf`` =
``Device.mgmt_vrf``, BGP numbered / unnumbered = ``BgpNeighbor.unnumbered`` (with its addresses),
port MTUs = ``Port.mtu`` (already clamped for the platform), ``TenantView`` = the device's
``TenantAttachment`` (VRF name as the platform spells it, MTU, RD / RT, L3VNI VLAN).
A port is lossless RoCE when ``port.qos == fabric.qos.name`` (``PortView.lossless``).
"""

from __future__ import annotations

import functools
import ipaddress
import shlex
from dataclasses import dataclass, field

import jinja2

from toolkit import platforms
from toolkit.design.addressing import split_address
from toolkit.design.model import (
    SERVER_ROLES,
    BgpNeighbor,
    Device,
    Fabric,
    MgmtAclRule,
    Port,
    QosProfile,
    Site,
    Tenant,
    TenantAttachment,
    TenantNetwork,
)
from toolkit.design.policy import VXLAN_UDP_PORT
from toolkit.platforms import Sku
from toolkit.render.core import per_fabric
from toolkit.render.portview import Backed, PortBacked, address_parts, backed_by, read_through
from toolkit.spec.models import parse_breakout

__all__ = [
    "IEEE_PRIORITIES",
    "LEAF_ROLES",
    "SPINE_ROLES",
    "SYSLOG_UDP_PORT",
    "VXLAN_UDP_PORT",
    "BondView",
    "Breakout",
    "DeviceView",
    "ExternalPolicy",
    "FabricView",
    "MgmtView",
    "NeighborView",
    "PortView",
    "TenantView",
    "UnusedPort",
    "device_context",
    "device_view",
    "fabric_view",
    "frr_filters",
    "split_address",
    "tier",
]

SYSLOG_UDP_PORT = 514
IEEE_PRIORITIES: tuple[int, ...] = tuple(range(8))

LEAF_ROLES = frozenset({"leaf", "business-leaf", "storage-leaf"})
SPINE_ROLES = frozenset({"spine", "business-spine", "storage-spine"})
_TIER = {**{r: "leaf" for r in LEAF_ROLES}, **{r: "spine" for r in SPINE_ROLES}, "core": "core", "oob": "oob"}
EVPN_AFI = "l2vpn-evpn"
IPV4_AFI = "ipv4-unicast"


def tier(role: str) -> str:
    """``leaf``, ``spine``, ``core`` or ``oob`` for a switch role."""
    try:
        return _TIER[role]
    except KeyError:
        raise ValueError(f"{role!r} is not a switch role") from None


@dataclass(slots=True)
class FabricView:
    """Fabric-wide view data. Holds no reference to the Fabric itself (the cache must not keep a
    Fabric alive)."""

    site: Site
    qos: QosProfile  # Fabric.qos itself (derived values are its properties)
    tenants: dict[int, Tenant]  # by the L2 VNI of each of its networks
    tenants_by_name: dict[str, Tenant]
    segments: dict[int, Tenant]  # storage segments by L2 VNI
    networks: dict[int, TenantNetwork]  # every tenant and segment network by its L2 VNI
    mgmt_acl: tuple[MgmtAclRule, ...]
    oob_prefixlen: int | None  # None: no OOB network


@per_fabric
def fabric_view(fabric: Fabric) -> FabricView:
    """Fabric-wide view data, built once per Fabric object (cached by identity)."""
    site = fabric.site
    return FabricView(
        site=site,
        qos=fabric.qos,
        tenants={n.vni: t for t in fabric.tenants for n in t.networks},
        tenants_by_name={t.name: t for t in fabric.tenants},
        segments={n.vni: t for t in fabric.segments for n in t.networks},
        networks={n.vni: n for t in (*fabric.tenants, *fabric.segments) for n in t.networks},
        mgmt_acl=tuple(fabric.mgmt_acl),
        oob_prefixlen=ipaddress.ip_network(site.oob_prefix, strict=False).prefixlen if site.oob_prefix else None,
    )


@read_through
@dataclass(frozen=True, slots=True)
class PortView(PortBacked):
    """A switch port for the templates: every ``Port`` field (``p.mtu``, ``p.ifname``, ...) plus
    what is derived from it here."""

    port: Port
    speed_mbps: int
    ip: str | None  # Port.address without prefix length
    prefixlen: int | None
    network: str | None  # the connected prefix of address
    lossless: bool  # port.qos == the fabric's lossless profile
    peer_is_server: bool


def _port_view(p: Port, lossless_name: str, devices: dict[str, Device]) -> PortView:
    if "\n" in p.description or "\r" in p.description:
        raise ValueError(f"port {p.name}: description contains a line break")
    peer = devices.get(p.peer_device) if p.peer_device else None
    return PortView(
        p,
        p.speed * 1000,
        *address_parts(p.address),
        lossless=p.qos is not None and p.qos == lossless_name,
        peer_is_server=peer is not None and peer.role in SERVER_ROLES,
    )


@read_through
@dataclass(frozen=True, slots=True)
class BondView(PortBacked):
    """A leaf's end of an EVPN multihoming Ethernet segment: an LACP bond over ``members``. Every
    field of the bond's ``Port`` (``name``: bond12, PortChannel12, Port-Channel12; ``ifname``,
    ``mtu``, ``description``, ``es_id``: the type-3 ESI's local discriminator, ``es_sys_mac``: also
    the LACP system id, ``esi``: aa:bb:... (10 bytes), ``tenant``, ``vni``, ``vlan``) plus:"""

    port: Port
    number: int  # the N of the name (es_id)
    members: tuple[PortView, ...]
    esi_eos: str  # the ESI as EOS writes it: 5 groups of 4 hex digits
    lacp_system_id_eos: str  # es_sys_mac as EOS writes a MAC: xxxx.xxxx.xxxx


def _bond_view(p: Port, by_port: dict[str, PortView]) -> BondView:
    if p.es_id is None or p.es_sys_mac is None or p.esi is None:
        raise ValueError(f"bond {p.name}: no Ethernet segment (es_id, es_sys_mac, esi)")
    hexes = p.esi.replace(":", "")
    mac = p.es_sys_mac.replace(":", "")
    return BondView(
        p,
        number=p.es_id,
        members=tuple(by_port[m] for m in p.members),
        esi_eos=":".join(hexes[i : i + 4] for i in range(0, 20, 4)),
        lacp_system_id_eos=".".join(mac[i : i + 4] for i in range(0, 12, 4)),
    )


@dataclass(frozen=True, slots=True)
class MgmtView:
    port: str  # native name
    ifname: str
    address: str | None  # with prefix length
    ip: str | None
    gateway: str | None
    vrf: str
    mtu: int
    description: str


@dataclass(frozen=True, slots=True)
class UnusedPort:
    name: str
    ifname: str
    cage: int | None  # None when the name is not one of the device's front-panel names
    lane: int | None
    speed: int | None  # Gbit/s: breakout lane speed or cage speed
    speed_mbps: int | None


@dataclass(frozen=True, slots=True)
class Breakout:
    cage: int
    mode: str  # e.g. 2x400G
    lanes: int
    speed: int  # Gbit/s per lane
    name: str  # native name of lane 0 (the cage's parent port)
    ifname: str
    ports: tuple[str, ...]  # native names of all lanes


@backed_by(BgpNeighbor)
@dataclass(frozen=True, slots=True)
class NeighborView(Backed):
    """One BGP session of the device for the templates: every ``BgpNeighbor`` field (``peer_asn``,
    ``peer_device``, ``peer_interface``, ``interface``: the local port's native name,
    ``local_address`` / ``peer_address``, ``unnumbered``, ``plane``, ``external``: a border session
    to an external router, ``vrf``: the tenant whose VRF holds it, None: the default VRF) plus:"""

    _backing = "session"
    session: BgpNeighbor
    peer: str  # what FRR calls the neighbor: the interface (native name, unnumbered) or the peer address
    peer_linux: str  # the same with the Linux interface name (frr platform): ifname or the peer address
    ifname: str | None  # local port, Linux name
    description: str  # peer_device:peer_interface
    ipv4: bool  # afis contain ipv4-unicast
    evpn: bool  # afis contain l2vpn-evpn
    route_map_in: str | None = None  # external: ExternalPolicy.accept_name
    route_map_out: str | None = None  # external: ExternalPolicy.export_name


@dataclass(frozen=True, slots=True)
class ExternalPolicy:
    """What one VRF of a border leaf takes from and gives to the external routers (BgpNeighbor
    accept / export): a prefix list and a route map each way."""

    key: str  # "default" or the tenant's VRF name as the platform spells it
    accept_name: str
    export_name: str
    accept: tuple[str, ...]  # exact prefixes
    export: tuple[tuple[str, bool], ...]  # (prefix, also longer ones: "le 32")


@backed_by(TenantAttachment)
@dataclass(frozen=True, slots=True)
class TenantView(Backed):
    """One tenant network on the device (VLAN, L2VNI, SVI) with its tenant's VRF-level values: every
    ``TenantAttachment`` field (``vni``: the L2VNI, ``vlan``: the attachment's local VLAN, ``vrf``:
    the VRF name as this platform spells it (SONiC: Vrf<name>), ``mtu``: bridge / VXLAN device /
    SVI, ``l3vni_vlan``: the VLAN the L3VNI is mapped to (SONiC), ``rd`` / ``rt``: MAC-VRF route
    distinguisher / target where the platform needs them (EOS), ``l3_rd`` / ``l3_rt``: the IP-VRF's)
    but its ports and bonds, which are views here, plus:"""

    _backing = "att"
    att: TenantAttachment
    name: str  # the tenant
    network: str  # the network within the tenant (the tenant's name for a one-network tenant)
    l3vni: int | None
    subnet: str
    gateway: str
    gateway_cidr: str  # gateway with the subnet's prefix length
    gateway_mac: str
    ports: tuple[PortView, ...]  # access ports on this device that are no bond member
    bonds: tuple[BondView, ...] = ()  # EVPN-MH bonds in the tenant VLAN
    neighbors: tuple[NeighborView, ...] = ()  # border: sessions in this tenant's VRF
    lab_ports: tuple[PortView, ...] = ()  # every physical access port, bond members included (the lab: no bonds)


@backed_by(Device)
@dataclass(slots=True)
class DeviceView(Backed):
    """A switch for its templates: every ``Device`` field (``role``, ``plane``, ``platform``,
    ``model``, ``asn``, ``loopback`` with /32, ``advertise``: the prefixes BGP announces, loopback
    /32 + host subnets, ``vtep``: VXLAN tunnel endpoint, advertise-all-vni, ...) but the ports,
    tenants and segments, which are views here, plus:"""

    _backing = "dev"
    dev: Device
    fv: FabricView
    hostname: str
    tier: str  # leaf | spine | core | oob
    router_id: str | None  # loopback without prefix length
    mgmt: MgmtView | None
    ports: list[PortView]  # front-panel ports in use, front-panel order (management port excluded)
    routed_ports: list[PortView]  # ports with an address
    lossless_ports: list[PortView]  # port.qos == fabric.qos.name
    access_ports: list[PortView]  # tenant access ports
    l2_ports: list[PortView]  # OOB switch ports (access + uplink): one flat L2 domain
    unused: list[UnusedPort]
    breakouts: list[Breakout]  # cages split into several ports (cage_breakouts), cage order
    neighbors: list[NeighborView]
    evpn_neighbors: list[NeighborView]
    maximum_paths: int  # Device.ecmp
    evpn: bool  # any EVPN session
    tenants: list[TenantView]  # one per tenant network (VLAN / L2VNI / SVI)
    vrfs: list[TenantView] = field(default_factory=list)  # one per tenant (its first network): VRF-level config
    l3vni_tenants: list[TenantView] = field(default_factory=list)  # vrfs with an L3VNI
    # storage segments (Fabric.segments): L2VNI + anycast gateway in the default VRF (vrf ""), bonds
    segments: list[TenantView] = field(default_factory=list)
    bonds: list[BondView] = field(default_factory=list)  # EVPN-MH segments (leaf bonds), port order
    mh_uplinks: list[PortView] = field(default_factory=list)  # uplinks tracked for EVPN-MH core isolation
    external_policies: list[ExternalPolicy] = field(default_factory=list)  # border leaves: per VRF
    host_mtu: int | None = None  # the plane's host MTU (PlaneInfo.host_mtu)


def _front_panel(dev: Device, sku: Sku | None) -> dict[str, tuple[int, int, int, int]]:
    """native name -> (cage, lane, lanes, lane speed) for every front-panel port of ``dev``
    (named by the switch's SKU when it has one: ``Fabric.skus``)."""
    return _front_panel_of(dev.platform, dev.cage_count, dev.cage_speed, tuple(sorted(dev.cage_breakouts.items())),
                           sku, tuple(sorted(dev.cage_speeds.items())))


@functools.lru_cache(maxsize=256)
def _front_panel_of(platform: str, cages: int, cage_speed: int,
                    breakouts: tuple[tuple[int, str], ...], sku: Sku | None,
                    cage_speeds: tuple[tuple[int, int], ...] = ()) -> dict[str, tuple[int, int, int, int]]:
    modes = dict(breakouts)
    natives = dict(cage_speeds)
    namer = sku.port_name if sku is not None and sku.ports else platforms.get(platform).port_namer
    out: dict[str, tuple[int, int, int, int]] = {}
    for cage in range(1, cages + 1):
        mode = modes.get(cage)
        native = natives.get(cage, cage_speed)
        lanes, speed = parse_breakout(mode) if mode else (1, native)
        for lane in range(lanes):
            out[namer(cage, lane, lanes, native)] = (cage, lane, lanes, speed)
    return out


def device_view(dev: Device, fabric: Fabric) -> DeviceView:
    """Everything a switch template needs about ``dev``, derived mechanically from the Fabric."""
    fv = fabric_view(fabric)
    devices = fabric.devices
    lossless_name = fabric.qos.name
    mgmt: MgmtView | None = None
    ports: list[PortView] = []
    bond_ports: list[Port] = []
    for p in dev.ports:
        if p.role == "bond":
            bond_ports.append(p)
            continue
        if p.role == "mgmt" or p.name == dev.mgmt_port:
            addr = dev.mgmt_address or p.address
            mgmt = MgmtView(
                port=p.name,
                ifname=p.ifname,
                address=addr,
                ip=addr.split("/", 1)[0] if addr else None,
                gateway=dev.mgmt_gateway,
                vrf=dev.mgmt_vrf or "",
                mtu=p.mtu,
                description=p.description,
            )
            continue
        ports.append(_port_view(p, lossless_name, devices))
    if mgmt is None and dev.mgmt_port:
        addr = dev.mgmt_address
        mgmt = MgmtView(dev.mgmt_port, dev.mgmt_port, addr, addr.split("/", 1)[0] if addr else None,
                        dev.mgmt_gateway, dev.mgmt_vrf or "", 1500, "")

    sku = fabric.skus.get(dev.model) if dev.platform == "sonic" else None
    fp = _front_panel(dev, sku) if (dev.unused_ports or dev.cage_breakouts) else {}
    unused = []
    for name, ifname in dev.unused_ports:
        info = fp.get(name)
        if info is None:
            unused.append(UnusedPort(name, ifname, None, None, None, None))
        else:
            cage, lane, _lanes, speed = info
            unused.append(UnusedPort(name, ifname, cage, lane, speed, speed * 1000))
    breakouts: list[Breakout] = []
    if dev.cage_breakouts:
        ifnames = {p.name: p.ifname for p in dev.ports}
        ifnames.update(dev.unused_ports)
        lanes_of: dict[int, list[str]] = {}
        for name, (cage, _lane, _n, _s) in fp.items():
            lanes_of.setdefault(cage, []).append(name)
        for cage in sorted(dev.cage_breakouts):
            mode = dev.cage_breakouts[cage]
            n, speed = parse_breakout(mode)
            names = tuple(lanes_of.get(cage, ()))
            if not names:
                continue
            breakouts.append(Breakout(cage, mode, n, speed, names[0], ifnames.get(names[0], names[0]), names))

    ifname_of = {p.name: p.ifname for p in dev.ports}
    neighbors = []
    policies: dict[str, ExternalPolicy] = {}
    border = platforms.get(dev.platform).has("border")
    tenant_vrf: dict[str, str] = {}  # tenant name -> its VRF as this device spells it: for border sessions only
    if border and any(b.external for b in dev.bgp):
        vrf_of = {att.vni: att.vrf for att in dev.tenants}
        tenant_vrf = {t.name: vrf_of.get(vni, t.vrf) for vni, t in fv.tenants.items()}
    for b in dev.bgp:
        if not b.external or not border:
            continue
        key = "default" if b.vrf is None else tenant_vrf.get(b.vrf, b.vrf)
        tag = key.upper().replace("_", "-")
        policies.setdefault(key, ExternalPolicy(
            key=key,
            accept_name=f"AIDC-EXT-IN-{tag}",
            export_name=f"AIDC-EXT-OUT-{tag}",
            accept=tuple(b.accept),
            export=tuple((x, split_address(x)[1] < 32) for x in b.export),
        ))
    for b in dev.bgp:
        if b.external and not border:  # a platform that cannot render the border gets none (BRD001 refuses it)
            continue
        peer = b.interface if b.unnumbered else b.peer_address
        if not peer:
            raise ValueError(f"{dev.name}: BGP session to {b.peer_device} has neither interface nor address")
        local = ifname_of.get(b.interface, b.interface) if b.interface else None
        neighbors.append(
            NeighborView(
                b,
                peer=peer,
                peer_linux=(local or peer) if b.unnumbered else peer,
                ifname=local,
                description=f"{b.peer_device}:{b.peer_interface}" if b.peer_interface else b.peer_device,
                ipv4=IPV4_AFI in b.afis,
                evpn=EVPN_AFI in b.afis,
                route_map_in=policies[_pkey(b.vrf, tenant_vrf)].accept_name if b.external else None,
                route_map_out=policies[_pkey(b.vrf, tenant_vrf)].export_name if b.external else None,
            )
        )
    vrf_neighbors = [n for n in neighbors if n.vrf is not None]
    neighbors = [n for n in neighbors if n.vrf is None]
    evpn_neighbors = [n for n in neighbors if n.evpn]

    the_tier = tier(dev.role)
    plane = fabric.planes.get(dev.plane)
    host_mtu = plane.host_mtu if plane else None
    by_port = {pv.name: pv for pv in ports}
    bonds = [_bond_view(p, by_port) for p in bond_ports]
    bond_by_name = {b.name: b for b in bonds}
    def attachment_view(att: TenantAttachment, t: Tenant) -> TenantView:
        net = fv.networks[att.vni]
        plen = split_address(net.subnet)[1]
        return TenantView(
            att,
            name=t.name,
            network=net.name,
            l3vni=t.l3vni,
            subnet=net.subnet,
            gateway=net.gateway,
            gateway_cidr=f"{net.gateway}/{plen}",
            gateway_mac=net.gateway_mac,
            ports=tuple(by_port[n] for n in att.ports if by_port[n].bond is None),
            bonds=tuple(bond_by_name[b] for b in att.bonds),
            neighbors=tuple(n for n in vrf_neighbors if n.vrf == t.name),
            lab_ports=tuple(by_port[n] for n in att.ports),
        )

    def attachment_views(atts: list[TenantAttachment], known: dict[int, Tenant], what: str) -> list[TenantView]:
        missing = next((a.vni for a in atts if a.vni not in known), None)
        if missing is not None:
            raise ValueError(f"{dev.name}: {what} attachment VNI {missing} is not a fabric {what}")
        return [attachment_view(a, known[a.vni]) for a in atts]

    tenants = attachment_views(dev.tenants, fv.tenants, "tenant")
    segments = attachment_views(dev.segments, fv.segments, "storage segment")
    evpn = bool(evpn_neighbors)
    first: dict[str, TenantView] = {}
    for tv in tenants:
        first.setdefault(tv.name, tv)  # the first network of each tenant carries its VRF-level config
    vrfs = list(first.values())
    return DeviceView(
        dev=dev,
        fv=fv,
        hostname=dev.name,
        tier=the_tier,
        router_id=dev.loopback.split("/", 1)[0] if dev.loopback else None,
        mgmt=mgmt,
        ports=ports,
        routed_ports=[pv for pv in ports if pv.address],
        lossless_ports=[pv for pv in ports if pv.lossless],
        access_ports=[pv for pv in ports if pv.tenant is not None],
        l2_ports=[pv for pv in ports if pv.role in ("oob-access", "oob-uplink")],
        unused=unused,
        breakouts=breakouts,
        neighbors=neighbors,
        evpn_neighbors=evpn_neighbors,
        maximum_paths=dev.ecmp,
        evpn=evpn,
        tenants=tenants,
        vrfs=vrfs,
        l3vni_tenants=[t for t in vrfs if t.l3vni is not None],
        segments=segments,
        host_mtu=host_mtu,
        bonds=bonds,
        mh_uplinks=[pv for pv in ports if pv.role == "uplink"] if bonds else [],
        external_policies=list(policies.values()),
    )


def port_vrfs(v: DeviceView) -> dict[str, str]:
    """Native port name -> the platform's VRF name, for ports in a tenant VRF (border links)."""
    tenant_vrf = {t.name: t.vrf for t in v.tenants}
    return {p.name: tenant_vrf[p.port.vrf] for p in v.ports if p.port.vrf is not None}


def _pkey(vrf: str | None, tenant_vrf: dict[str, str]) -> str:
    return "default" if vrf is None else tenant_vrf.get(vrf, vrf)


def _sh(value: object) -> str:
    return shlex.quote(str(value))


def frr_filters(env: jinja2.Environment) -> None:
    """Add the filters the frr/sonic templates use (idempotent): ``sh`` quotes for POSIX sh."""
    env.filters.setdefault("sh", _sh)


def device_context(v: DeviceView) -> dict[str, object]:
    """The template context the switch templates share; a platform adds its own keys."""
    return {
        "v": v,
        "site": v.fv.site,
        "q": v.fv.qos,
        "acl": v.fv.mgmt_acl,
        "mgmt_vrf": v.dev.mgmt_vrf,
        "vxlan_port": VXLAN_UDP_PORT,
        "syslog_port": SYSLOG_UDP_PORT,
        "port_vrfs": port_vrfs(v),
    }
