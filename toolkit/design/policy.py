"""Last design step: policy — every value the platforms render alike, decided once per device,
port, session and tenant, plus the platform limits the design must fit.

Decisions (stored on the Fabric; renderers, health checks and docs read them):

- **sessions**: a BGP session is unnumbered when its plane says so *and* both ends' platforms
  support BGP unnumbered (``Platform.unnumbered_bgp``); otherwise both ends peer with the /31
  every fabric link carries (``local_address`` / ``peer_address``), and the link's ports are
  marked numbered. EOS therefore never renders numbered sessions a Fabric calls unnumbered.
- **MTU after the platform clamp**: a platform whose ``mtu`` is an IP MTU with a smaller maximum
  (``Platform.mtu_kind == "ip"``, EOS 9214) gets ``Port.mtu = min(designed, maximum)``; the host
  MTU plus VXLAN overhead must still fit (else a finding).
- **advertised prefixes** (``Device.advertise``): the loopback /32, then the connected /31s (or
  subnets) of ports facing a server, tenant ports excluded, in port order.
- **ECMP width** (``Device.ecmp``): the device's BGP sessions (the widest ECMP it can see), at
  least 1, at most ``Device.ecmp_limit`` (the model's ``max_ecmp``, else the platform's conservative
  ``limits.ecmp_default``, never above the CLI's ``limits.max_ecmp``). Rule ECMP001 warns when a
  switch has more equal-cost uplinks than that.
- **VTEP** (``Device.vtep``): a leaf-tier switch with EVPN sessions.
- **management**: ``Device.mgmt_vrf`` = the platform's management VRF; ``Fabric.mgmt_acl`` =
  SSH (tcp/22) and SNMP (udp/161) accepted only from the OOB prefix (none without an OOB network).
- **tenants** (per ``TenantAttachment``): ``vrf`` = the platform's VRF name of ``Tenant.vrf``
  (the tenant name cut to 15 characters; SONiC adds ``Vrf``), proven unique per device;
  ``mtu`` = the plane's host MTU (bridge, VXLAN device, SVI); on platforms with explicit EVPN
  route distinguishers / targets (``limits.rt_vni_bits``, EOS): RD ``<router-id>:<VNI>``,
  RT ``<VNI>:<VNI>`` for the MAC-VRF (L2VNI) and the IP-VRF (L3VNI); on SONiC the L3VNI's VLAN
  (``l3vni_vlan``: one per tenant with an L3VNI, the same on every leaf, taken from the top of
  SONiC's VLAN range downwards, skipping every tenant VLAN).
- **hosts** (per server port): compute ports with an address get policy routing table
  ``RAIL_TABLE_BASE + rail`` (``Port.table``, its ``ip rule`` has the same number as priority,
  below the main table's 32766) with a default route via their gateway; business ports carry the
  default route and storage ports the storage plane's host prefixes in the main table, several
  ports of a plane with metrics 0, 1, ... in port order; RDMA device of a compute NIC port =
  ``mlx5_<rail>`` (mlx5 devices enumerate in PCI order and rails are numbered in NIC order; check
  with ``ibdev2netdev``).
- **RDMA** (``Fabric.rdma``): GID index 3 (mlx5: RoCE v2 of the IPv4 address), port 1, one
  traffic class ``roce_dscp << 2 | ECT(0)`` for NCCL_IB_TC, RDMA-CM ToS and the device's
  traffic_class, service level = the RoCE priority.

Limits the spec must fit on every platform it renders for are :func:`check_limits` over the
designed Fabric, each a :class:`Violation` (stable code, YAML path): ``validate`` reports them as
findings (``toolkit/rules/platform.py``), ``design`` refuses the spec with
:class:`PlatformLimitError`, so a render never fails on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from toolkit import platforms
from toolkit.design.addressing import split_address
from toolkit.design.context import DesignError
from toolkit.design.model import (
    SERVER_ROLES,
    Device,
    Fabric,
    MgmtAclRule,
    MgmtService,
    Port,
    RdmaPolicy,
    Tenant,
    TenantNetwork,
    put,
)
from toolkit.findings import YamlPath
from toolkit.spec.models import ClusterSpec

LIMIT_CODES: dict[str, str] = {
    "PLAT001": "names fit the platform: tenant VRF names (with the platform's prefix) and hostnames",
    "PLAT002": "two tenants on one switch never share a VRF name after it is cut to 15 characters",
    "PLAT003": "designed MTUs fit each platform's MTU range (EOS: host MTU + VXLAN within its 9214 IP MTU)",
    "PLAT004": "tenant VLANs lie in the platform's VLAN range, outside the VLANs it reserves",
    "PLAT005": "VNIs fit the platform's route distinguisher / target format (EOS: 16 bits)",
    "PLAT006": "a switch holds no more anycast gateway MACs than its platform allows",
    "PLAT007": "lossless RoCE on a platform with switch-wide QoS covers every front-panel port in use",
}
"""Stable codes of the platform limits (``aidc rules`` lists them)."""

VRF_NAME_MAX = 15
"""Tenant VRF names are cut to this length (Linux VRF devices are interfaces: IFNAMSIZ - 1)."""
VXLAN_OVERHEAD = 50
"""Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) header bytes."""
VXLAN_UDP_PORT = 4789
"""UDP port of every VXLAN tunnel (IANA)."""
MGMT_SERVICES: tuple[MgmtService, ...] = (
    MgmtService(name="ssh", transport="tcp", ip_protocol=6, port=22),
    MgmtService(name="snmp", transport="udp", ip_protocol=17, port=161),
)
"""Management services every switch accepts, only from the OOB prefix."""
RAIL_TABLE_BASE = 100
"""Routing table of a compute port = RAIL_TABLE_BASE + rail (rule priority is the same number)."""
ROCE_V2_IPV4_GID_INDEX = 3
"""mlx5 GID table convention: 0/1 RoCE v1/v2 link-local, 2/3 RoCE v1/v2 of the IPv4 address."""
RDMA_PORT = 1
"""Port number of a single-port mlx5 device."""
ECN_ECT0 = 0b10
"""ECN codepoint ECT(0) (RFC 3168) in the low two bits of the ToS byte."""
EVPN_AFI = "l2vpn-evpn"
LEAF_ROLES = frozenset({"leaf", "business-leaf", "storage-leaf"})


def vrf_name(tenant_name: str) -> str:
    """The tenant's VRF name before any platform prefix: the name cut to 15 characters."""
    return tenant_name[:VRF_NAME_MAX]


def roce_traffic_class(roce_dscp: int) -> int:
    """IPv4 ToS byte of RoCE traffic: the DSCP in the upper six bits, ECT(0) in the lower two."""
    return (roce_dscp << 2) | ECN_ECT0


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    message: str
    path: tuple[str | int, ...]
    hint: str = ""


class PlatformLimitError(DesignError):
    """The spec does not fit a platform it is rendered for; ``violations`` lists every problem."""

    def __init__(self, violations: list[Violation]):
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{first.code}: {first.message}{more}", first.path)
        self.violations = violations


@dataclass
class _Problems:
    """Violations grouped by (code, path, message): one finding names a few devices and a count."""

    where: str  # " (--platform eos)" or ""
    groups: dict[tuple[str, tuple[str | int, ...], str], tuple[str, list[str]]] = field(default_factory=dict)

    def add(self, code: str, path: Iterable[str | int], message: str, hint: str, device: str | None = None) -> None:
        key = (code, tuple(path), message)
        entry = self.groups.setdefault(key, (hint, []))
        if device is not None and device not in entry[1]:
            entry[1].append(device)

    def violations(self) -> list[Violation]:
        out = []
        for (code, path, message), (hint, devices) in self.groups.items():
            on = ""
            if devices:
                shown = ", ".join(devices[:3])
                on = f" (on {shown}" + (f" and {len(devices) - 3} more" if len(devices) > 3 else "") + ")"
            out.append(Violation(code, message + on + self.where, path, hint))
        return out


def _plane_paths(spec: ClusterSpec) -> dict[str, tuple[tuple[str | int, ...], tuple[str | int, ...]]]:
    """plane -> (YAML path of its switch MTU, YAML path of its host MTU)."""
    nets = spec.networks
    out: dict[str, tuple[tuple[str | int, ...], tuple[str | int, ...]]] = {
        "compute": (("networks", "compute", "mtu"), ("networks", "compute", "host_mtu")),
        "business": (("networks", "business", "mtu"), ("networks", "business", "host_mtu")),
        "oob": (("networks", "oob"), ("networks", "oob")),
    }
    if nets.storage and nets.storage.mode == "dedicated" and nets.storage.fabric:
        out["storage"] = (("networks", "storage", "fabric", "mtu"), ("networks", "storage", "fabric", "host_mtu"))
    else:
        out["storage"] = out["business"]
    return out


# --------------------------------------------------------------------------- decisions


def apply_policy(fabric: Fabric) -> None:
    """Decide the policy values on ``fabric`` (in place, at design time)."""
    plats = _platforms(fabric)
    _sessions(fabric, plats)
    _switches(fabric, plats)
    _tenants(fabric, plats)
    _hosts(fabric)
    oob = fabric.site.oob_prefix
    n = len(MGMT_SERVICES)
    put(
        fabric,
        # no OOB network: no management ACL (the switches' management ports stay unconfigured)
        mgmt_acl=[MgmtAclRule(service=s, source=oob, priority=n - i) for i, s in enumerate(MGMT_SERVICES)]
        if oob
        else [],
        rdma=_rdma(fabric),
    )


def _platforms(fabric: Fabric) -> dict[str, platforms.Platform]:
    return {name: platforms.get(name) for name in {d.platform for d in fabric.devices.values() if d.is_switch}}


def _rdma(fabric: Fabric) -> RdmaPolicy | None:
    if "compute" not in fabric.planes:
        return None
    q = fabric.qos
    return RdmaPolicy(
        gid_index=ROCE_V2_IPV4_GID_INDEX,
        ib_port=RDMA_PORT,
        traffic_class=roce_traffic_class(q.roce_dscp),
        service_level=q.roce_priority,
    )


def _sessions(fabric: Fabric, plats: dict[str, platforms.Platform]) -> None:
    """Numbered where either end's platform has no BGP unnumbered (both ends, ports too)."""
    lacking = {name for name, p in plats.items() if not p.unnumbered_bgp}
    if not lacking:
        return
    devices = fabric.devices
    ports: dict[str, dict[str, Port]] = {}

    def port(dev_name: str, name: str | None) -> Port | None:
        by_name = ports.get(dev_name)
        if by_name is None:
            by_name = ports[dev_name] = {p.name: p for p in devices[dev_name].ports}
        return by_name.get(name) if name else None

    for dev in devices.values():
        if dev.platform not in lacking or not dev.is_switch:
            continue
        for n in dev.bgp:
            if not n.unnumbered:
                continue
            peer = devices[n.peer_device]
            local_port = port(dev.name, n.interface)
            peer_port = port(peer.name, n.peer_interface)
            if local_port is None or peer_port is None or not local_port.address or not peer_port.address:
                raise DesignError(
                    f"{dev.name} ({dev.platform}) needs a numbered BGP session to {n.peer_device}, but the link "
                    "carries no /31"
                )
            local_ip, peer_ip = local_port.address.split("/", 1)[0], peer_port.address.split("/", 1)[0]
            put(n, unnumbered=False, local_address=local_ip, peer_address=peer_ip)
            put(local_port, unnumbered=False)
            put(peer_port, unnumbered=False)
            for m in peer.bgp:
                if m.peer_device == dev.name and m.interface == n.peer_interface:
                    put(m, unnumbered=False, local_address=peer_ip, peer_address=local_ip)


def _network(address: str) -> str:
    """``10.0.4.1/31`` -> ``10.0.4.0/31`` (a /31 without parsing the address: most host links)."""
    ip, _, plen = address.partition("/")
    if plen == "31":
        head, _, last = ip.rpartition(".")
        return f"{head}.{int(last) & 254}/31"
    return split_address(address)[2]


def _switches(fabric: Fabric, plats: dict[str, platforms.Platform]) -> None:
    devices = fabric.devices
    servers = {name for name, d in devices.items() if d.role in SERVER_ROLES}
    seg_subnet = {n.vni: n.subnet for t in fabric.segments for n in t.networks}
    for dev in devices.values():
        if not dev.is_switch:
            continue
        plat = plats[dev.platform]
        if plat.kind != "ethernet":
            continue
        host_nets = [
            _network(p.address) for p in dev.ports if p.peer_device in servers and p.address and p.tenant is None
        ]
        host_nets += [seg_subnet[att.vni] for att in dev.segments]  # storage segments: anycast gateway here
        advertise = list(dict.fromkeys(([_network(dev.loopback)] if dev.loopback else []) + host_nets))
        put(
            dev,
            mgmt_vrf=plat.mgmt_vrf,
            advertise=advertise,
            ecmp=max(1, min(len(dev.bgp), dev.ecmp_limit or plat.limits.max_ecmp)),
            vtep=dev.role in LEAF_ROLES and any(EVPN_AFI in n.afis for n in dev.bgp),
        )
        if plat.mtu_kind == "ip":  # the platform's maximum IP MTU clamps the designed MTU
            hi = plat.limits.mtu[1]
            for p in dev.ports:
                if p.mtu > hi:
                    put(p, mtu=hi)


def l3vni_vlans(fabric: Fabric, vlan_range: tuple[int, int]) -> dict[str, int]:
    """tenant name -> VLAN of its L3VNI: from the top of ``vlan_range`` downwards in tenant order,
    skipping every tenant VLAN (the same VLAN on every leaf)."""
    used = {n.vlan for t in (*fabric.tenants, *fabric.segments) for n in t.networks}
    lo, nxt = vlan_range
    out: dict[str, int] = {}
    for t in fabric.tenants:
        if t.l3vni is None:
            continue
        while nxt in used:
            nxt -= 1
        if nxt < lo:
            break  # no VLAN left: check_limits reports it
        out[t.name] = nxt
        used.add(nxt)
    return out


def _tenants(fabric: Fabric, plats: dict[str, platforms.Platform]) -> None:
    if not fabric.tenants and not fabric.segments:
        return
    by_vni = {n.vni: t for t in (*fabric.tenants, *fabric.segments) for n in t.networks}
    l3vlan: dict[str, dict[str, int]] = {
        name: l3vni_vlans(fabric, p.limits.vlan) for name, p in plats.items() if p.has("l3vni-vlan")
    }
    for dev in fabric.devices.values():
        if not (dev.tenants or dev.segments) or not dev.is_switch:
            continue
        plat = plats[dev.platform]
        lim = plat.limits
        plane = fabric.planes.get(dev.plane)
        router_id = dev.loopback.split("/", 1)[0] if dev.loopback else None
        vlans = l3vlan.get(dev.platform, {})
        for att in (*dev.tenants, *dev.segments):
            t = by_vni[att.vni]
            rd = rt = l3_rd = l3_rt = None
            if lim.rt_vni_bits is not None and router_id is not None:
                rd, rt = f"{router_id}:{att.vni}", f"{att.vni}:{att.vni}"
                if t.l3vni is not None:
                    l3_rd, l3_rt = f"{router_id}:{t.l3vni}", f"{t.l3vni}:{t.l3vni}"
            put(
                att,
                vrf=plat.vrf_name(t.vrf) if t.vrf else "",  # a storage segment: the default VRF
                mtu=plane.host_mtu if plane is not None else min(dev.port(n).mtu for n in att.ports),
                l3vni_vlan=vlans.get(t.name) if t.l3vni is not None else None,
                rd=rd,
                rt=rt,
                l3_rd=l3_rd,
                l3_rt=l3_rt,
            )


def _hosts(fabric: Fabric) -> None:
    storage = tuple(
        dict.fromkeys(p.prefix for p in fabric.pools if p.plane == "storage" and p.purpose.startswith("host"))
    )
    for dev in fabric.devices.values():
        if not dev.is_server:
            continue
        order: dict[str, int] = {}
        for p in dev.ports:
            if p.plane == "oob" or p.role == "bmc" or p.name == dev.mgmt_port:
                continue
            if p.plane == "compute":
                _compute_port(p)
            elif p.plane in ("business", "storage") and p.address and p.gateway:
                n = order.get(p.plane, 0)
                order[p.plane] = n + 1
                put(p, routes=("default",) if p.plane == "business" else storage, metric=n)


def _compute_port(p: Port) -> None:
    if p.rail is None:
        return
    values: dict[str, object] = {"rdma_device": f"mlx5_{p.rail}"}
    if p.address:
        table = RAIL_TABLE_BASE + p.rail
        values.update(table=table, rule_priority=table, routes=("default",) if p.gateway else ())
    put(p, **values)


# --------------------------------------------------------------------------- limits


def check_limits(spec: ClusterSpec, fabric: Fabric, platform: str | None = None) -> list[Violation]:
    """Every platform limit the designed ``fabric`` does not fit, with the spec path to change.

    ``platform``: the ``--platform`` the Fabric was designed for (named in the messages)."""
    problems = _Problems(f" (--platform {platform})" if platform else "")
    plats = _platforms(fabric)
    paths = _plane_paths(spec)
    checked: set[tuple[str, str]] = set()
    by_vni = {n.vni: t for t in fabric.tenants for n in t.networks}
    nets = {n.vni: n for t in fabric.tenants for n in t.networks}
    index = {t.name: i for i, t in enumerate(fabric.tenants)}
    net_paths: dict[int, YamlPath] = {
        n.vni: ("tenants", i, *t.net_path(j)) for i, t in enumerate(spec.tenants) for j, n in enumerate(t.nets())
    }
    lossless_name = fabric.qos.name
    for dev in fabric.devices.values():
        limit = plats[dev.platform].limits.hostname if dev.is_switch else 63
        if len(dev.name) > limit:
            problems.add(
                "PLAT001",
                ("layout",),
                f"hostname {dev.name!r} is {len(dev.name)} characters, the limit is {limit}",
                "use shorter rack, SU or server names",
                dev.name,
            )
        if not dev.is_switch:
            continue
        plat = plats[dev.platform]
        if plat.kind != "ethernet":
            continue
        key = (dev.plane, dev.platform)
        plane = fabric.planes.get(dev.plane)
        if key not in checked and plane is not None:
            checked.add(key)
            _check_mtu(problems, plat, plane.name, plane.switch_mtu, plane.host_mtu, paths, dev)
        # a set comprehension first: the full count only for a switch that mixes both
        if plat.switch_wide_roce and len({p.qos == lossless_name for p in dev.ports if p.role != "mgmt"}) > 1:
            lossless = sum(1 for p in dev.ports if p.role != "mgmt" and p.qos == lossless_name)
            lossy = sum(1 for p in dev.ports if p.role != "mgmt") - lossless
            if lossless and lossy:
                problems.add(
                    "PLAT007",
                    ("catalog", "switches", dev.model, "platform"),
                    f"{plat.title} configures lossless RoCE for the whole switch, but {dev.model} switches carry "
                    f"{lossless} lossless and {lossy} lossy ports",
                    "use another platform for this switch model",
                    dev.name,
                )
        if dev.tenants:
            _check_tenants(problems, plat, dev, by_vni, nets, index, net_paths)
    return problems.violations()


def _check_mtu(
    problems: _Problems,
    plat: platforms.Platform,
    plane: str,
    switch_mtu: int,
    host_mtu: int,
    paths: dict[str, tuple[tuple[str | int, ...], tuple[str | int, ...]]],
    dev: Device,
) -> None:
    lo, hi = plat.limits.mtu
    mtu_path, host_path = paths.get(plane, (("networks",), ("networks",)))
    evpn = any(EVPN_AFI in n.afis for n in dev.bgp)
    if switch_mtu < lo or (switch_mtu > hi and plat.mtu_kind != "ip"):
        problems.add(
            "PLAT003",
            mtu_path,
            f"{plane} switch MTU {switch_mtu} is outside the {plat.title} range {lo}-{hi}",
            f"set an MTU within {lo}-{hi}",
        )
    elif switch_mtu > hi and host_mtu + (VXLAN_OVERHEAD if evpn else 0) > hi:
        overhead = f" + {VXLAN_OVERHEAD} (VXLAN)" if evpn else ""
        problems.add(
            "PLAT003",
            host_path,
            f"{plane} host MTU {host_mtu}{overhead} exceeds {hi}, the {plat.title} maximum IP MTU the switch MTU "
            f"{switch_mtu} is clamped to",
            f"lower the host MTU to {hi - (VXLAN_OVERHEAD if evpn else 0)} or less",
        )


def _check_tenants(
    problems: _Problems,
    plat: platforms.Platform,
    dev: Device,
    by_vni: dict[int, Tenant],
    nets: dict[int, TenantNetwork],
    index: dict[str, int],
    net_paths: dict[int, YamlPath],
) -> None:
    lim = plat.limits
    by_vrf: dict[str, str] = {}
    for att in dev.tenants:
        t = by_vni[att.vni]
        i = index[t.name]
        npath = net_paths.get(att.vni, ("tenants", i))
        vrf = att.vrf
        first = by_vrf.get(vrf) != t.name  # the tenant's VRF-level checks once per device
        if first and lim.vrf_name is not None and len(vrf) > lim.vrf_name:
            problems.add(
                "PLAT001",
                ("tenants", i, "name"),
                f"tenant {t.name}: {plat.title} VRF name {vrf!r} is {len(vrf)} characters, the limit is {lim.vrf_name}",
                f"shorten the tenant name to {lim.vrf_name - len(plat.vrf_prefix)} characters",
                dev.name,
            )
        other = by_vrf.get(vrf)
        if other is not None and other != t.name:
            problems.add(
                "PLAT002",
                ("tenants", i, "name"),
                f"tenants {other} and {t.name} would share VRF {vrf!r} (names are cut to {VRF_NAME_MAX} "
                "characters) and be routed together",
                f"make the first {VRF_NAME_MAX} characters of the tenant names differ",
                dev.name,
            )
        by_vrf[vrf] = t.name
        vlo, vhi = lim.vlan
        if not vlo <= att.vlan <= vhi or any(a <= att.vlan <= b for a, b in lim.vlan_reserved):
            reserved = "".join(f", reserved {a}-{b}" for a, b in lim.vlan_reserved)
            problems.add(
                "PLAT004",
                (*npath, "vlan"),
                f"tenant {t.name}: VLAN {att.vlan} is outside what {plat.title} accepts ({vlo}-{vhi}{reserved})",
                "pick another VLAN",
                dev.name,
            )
        if first and plat.has("l3vni-vlan") and t.l3vni is not None and att.l3vni_vlan is None:
            problems.add(
                "PLAT004",
                ("tenants", i, "l3vni"),
                f"tenant {t.name}: no VLAN left in {vlo}-{vhi} to carry its L3VNI on {plat.title}",
                "use fewer VLANs",
                dev.name,
            )
        if lim.rt_vni_bits is not None:
            top = (1 << lim.rt_vni_bits) - 1
            for what, vni, path in (("vni", att.vni, npath), ("l3vni", t.l3vni if first else None, ("tenants", i))):
                if vni is not None and vni > top:
                    problems.add(
                        "PLAT005",
                        (*path, what),
                        f"tenant {t.name}: {what.upper()} {vni} does not fit the {lim.rt_vni_bits}-bit field of "
                        f"the {plat.title} route target <vni>:<vni>",
                        f"use a VNI up to {top}",
                        dev.name,
                    )
    macs = {nets[a.vni].gateway_mac for a in dev.tenants}
    if lim.anycast_macs is not None and len(macs) > lim.anycast_macs:
        problems.add(
            "PLAT006",
            ("tenants",),
            f"{plat.title} holds {lim.anycast_macs} anycast gateway MAC(s) per switch, the tenants use {len(macs)}",
            "give the tenants one anycast gateway MAC",
            dev.name,
        )
