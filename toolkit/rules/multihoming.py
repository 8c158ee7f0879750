"""DH: dual-homed servers come up — every LACP bond meets one consistent EVPN-MH segment.

DH001 ``dual_homing`` needs a leaf group of at least two leaves (``leaves_per_group``).
DH002 a tenant member of a dual-homed plane that stays single-homed: its NIC has one port, or all
      its ports land on one leaf (warning: it loses the tenant with that leaf).
DH003 an Ethernet segment whose leaves disagree (platform, system MAC, discriminator, tenant VLAN,
      member speed or MTU), whose leaves are not the host bond's, or whose bond number the leaf
      platform cannot name (EOS Port-Channel 1-2000, SONiC PortChannel 1-9999): LACP would not
      aggregate, or the configuration would not load.
DH004 dual-homed storage (``toolkit.design.segments``): a tenant on the storage plane uses the
      storage segment VLAN, or a tenant VNI / L3VNI falls in the segments' VNI range (the leaf
      would map two networks onto one VLAN or VNI).
DH005 a host of a dual-homed storage plane that stays single-homed in its segment: its storage
      NIC has one port, or all its ports land on one leaf (warning: it loses storage with that leaf).
"""

from __future__ import annotations

from collections import defaultdict

from toolkit import platforms
from toolkit.design.model import Device, Fabric, Port
from toolkit.design.multihoming import dual_homing
from toolkit.design.segments import SEGMENT_VLAN, SEGMENT_VNI_BASE, segments_on
from toolkit.rules.fabric import Out, fabric_rule
from toolkit.spec.models import ClusterSpec


def _planes(spec: ClusterSpec) -> list[tuple[tuple[str | int, ...], int, bool]]:
    nets = spec.networks
    out: list[tuple[tuple[str | int, ...], int, bool]] = []
    if nets.business is not None:
        out.append((("networks", "business"), nets.business.leaves_per_group, nets.business.dual_homing))
    if nets.storage is not None and nets.storage.fabric is not None:
        f = nets.storage.fabric
        out.append((("networks", "storage", "fabric"), f.leaves_per_group, f.dual_homing))
    return out


@fabric_rule("DH001", "error")
def _pairs(spec: ClusterSpec, fabric: Fabric) -> Out:
    """dual_homing needs leaf groups of at least two leaves"""
    for path, per_group, on in _planes(spec):
        if on and per_group < 2:
            yield (
                (*path, "dual_homing"),
                f"dual_homing is on but leaves_per_group is {per_group}: a server has no second leaf to bond to",
                "set leaves_per_group: 2 (a leaf pair per rack group) or turn dual_homing off",
            )


@fabric_rule("DH002", "warning")
def _single(spec: ClusterSpec, fabric: Fabric) -> Out:
    """tenant members of a dual-homed plane hang from two leaves"""
    for i, t in enumerate(spec.tenants):
        plane = t.plane
        for name, mpath in t.member_refs():
            srv = fabric.devices.get(name)
            if srv is None:
                continue
            ports = [p for p in srv.ports if p.plane == plane and p.role == "host" and p.peer_device]
            if not ports or any(p.bond for p in ports):
                continue
            on, _ = dual_homing(spec, plane)
            if not on:
                continue
            leaves = sorted({p.peer_device or "" for p in ports})
            why = (
                f"its {plane} NIC has one port" if len(ports) == 1 else f"both ports land on {leaves[0]}"
            )
            yield (
                ("tenants", i, *mpath),
                f"tenant {t.name}: {name} stays single-homed on the dual-homed {plane} plane ({why})",
                f"give model {srv.model} a {plane} NIC with ports: 2 (one port per leaf of the pair)",
            )


def _segments(fabric: Fabric) -> dict[str, list[tuple[Device, Port]]]:
    seg: dict[str, list[tuple[Device, Port]]] = defaultdict(list)
    for dev in fabric.switches():
        for p in dev.ports:
            if p.role == "bond" and p.esi:
                seg[p.esi].append((dev, p))
    return seg


def _host_bonds(fabric: Fabric) -> dict[str, tuple[Device, Port]]:
    return {p.esi: (dev, p) for dev in fabric.servers() for p in dev.ports if p.role == "bond" and p.esi}


def segment_problems(fabric: Fabric) -> list[tuple[str, str, str]]:
    """(server, esi, what is wrong) for every inconsistent Ethernet segment of the Fabric."""
    out: list[tuple[str, str, str]] = []
    hosts = _host_bonds(fabric)
    for esi, ends in sorted(_segments(fabric).items()):
        host = hosts.get(esi)
        server = host[0].name if host else ends[0][1].peers[0] if ends[0][1].peers else "?"
        if len({d.platform for d, _ in ends}) > 1:
            out.append((server, esi, "its leaves run different platforms: " +
                        ", ".join(f"{d.name} ({d.platform})" for d, _ in ends)))
        for what, key in (("system MAC", "es_sys_mac"), ("discriminator", "es_id"), ("tenant VLAN", "vlan"),
                          ("tenant VNI", "vni"), ("MTU", "mtu")):
            values = {getattr(p, key) for _, p in ends}
            if len(values) > 1:
                out.append((server, esi, f"its leaves disagree on the {what}: " +
                            ", ".join(f"{d.name} {getattr(p, key)}" for d, p in ends)))
        speeds = {d.port(m).speed for d, p in ends for m in p.members}
        if host is not None:
            speeds |= {host[0].port(m).speed for m in host[1].members}
            if sorted(host[1].peers) != sorted(d.name for d, _ in ends):
                out.append((server, esi, f"the host bond {host[1].name} hangs from {', '.join(host[1].peers)} but "
                            f"the segment is on {', '.join(d.name for d, _ in ends)}"))
        if len(speeds) > 1:
            out.append((server, esi, f"its member links run at different speeds ({sorted(speeds)} G): LACP "
                        "aggregates equal-speed links only"))
        for d, p in ends:
            top = platforms.get(d.platform).limits.lag_id
            if p.es_id is not None and p.es_id > top:
                out.append((server, esi, f"{d.name} ({d.platform}) names bonds 1..{top}, the segment needs {p.name}"))
    return out


@fabric_rule("DH003", "error")
def _consistent(spec: ClusterSpec, fabric: Fabric) -> Out:
    """every EVPN multihoming segment is consistent on all its leaves"""
    for server, esi, what in segment_problems(fabric):
        dev = fabric.devices.get(server)
        plane = next((p.plane for p in dev.ports if p.role == "bond"), "business") if dev else "business"
        st = spec.networks.storage
        dedicated = plane == "storage" and st is not None and st.fabric is not None
        leaf_path: tuple[str | int, ...] = ("networks", "storage", "fabric") if dedicated else ("networks", "business")
        yield (
            (*leaf_path, "dual_homing"),
            f"Ethernet segment {esi} of {server}: {what}",
            "give the leaves of a rack group one switch model and platform, and the server's bonded NIC "
            "ports one speed; with EOS keep a leaf's host ports at most 2000 (lower racks_per_group)",
        )


@fabric_rule("DH004", "error")
def _segment_ids(spec: ClusterSpec, fabric: Fabric) -> Out:
    """tenants keep clear of the storage segments' VLAN and VNIs"""
    if not fabric.segments:
        return
    top = SEGMENT_VNI_BASE + len(fabric.segments) - 1
    for i, t in enumerate(spec.tenants):
        for j, n in enumerate(t.nets()):
            at = ("tenants", i, *t.net_path(j))
            if t.plane == "storage" and n.vlan == SEGMENT_VLAN:
                yield (
                    (*at, "vlan"),
                    f"tenant {t.name} network {n.name} uses VLAN {n.vlan}, the storage segments' VLAN on every "
                    "storage leaf",
                    f"pick another VLAN for the network (the design keeps {SEGMENT_VLAN} for dual-homed storage)",
                )
            if SEGMENT_VNI_BASE <= n.vni <= top:
                yield (
                    (*at, "vni"),
                    f"tenant {t.name} network {n.name}: VNI {n.vni} is the L2VNI of a storage segment "
                    f"({SEGMENT_VNI_BASE}..{top}, one per storage leaf group)",
                    f"pick a VNI outside {SEGMENT_VNI_BASE}..{top}",
                )
        if t.l3vni is not None and SEGMENT_VNI_BASE <= t.l3vni <= top:
            yield (
                ("tenants", i, "l3vni"),
                f"tenant {t.name}: L3VNI {t.l3vni} is the L2VNI of a storage segment "
                f"({SEGMENT_VNI_BASE}..{top}, one per storage leaf group)",
                f"pick an L3VNI outside {SEGMENT_VNI_BASE}..{top}",
            )


@fabric_rule("DH005", "warning")
def _single_storage(spec: ClusterSpec, fabric: Fabric) -> Out:
    """hosts of a dual-homed storage plane hang from two leaves"""
    if not segments_on(spec):
        return
    for seg in fabric.segments:
        for m in seg.members:
            if m.esi is not None:
                continue
            srv = fabric.devices[m.server]
            ports = [p for p in srv.ports if p.plane == "storage" and p.role == "host" and p.peer_device]
            why = "its storage NIC has one port" if len(ports) == 1 else f"its storage ports all land on {m.leaf}"
            yield (
                ("networks", "storage", "fabric", "dual_homing"),
                f"{m.server} stays single-homed in storage segment {seg.name} ({why}): it loses storage with {m.leaf}",
                f"give model {srv.model} a storage NIC with ports: 2 (one port per leaf of the pair)",
            )


__all__ = ["dual_homing", "segment_problems"]
