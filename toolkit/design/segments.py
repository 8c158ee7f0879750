"""Dual-homed storage: on a dedicated storage fabric with ``dual_homing``, the storage plane of
every leaf group is one shared L2 segment with an anycast gateway on the group's leaves.

Routed /31s cannot keep a host reachable when a leaf fails: its daemons bind one address, which
hangs from one leaf. With ``networks.storage.fabric.dual_homing`` the storage step of the design
(after cabling, before the storage clusters take their addresses) makes, per leaf group ``g``:

- a segment VLAN ``SEGMENT_VLAN`` (the same on every leaf; no tenant may use it on those leaves,
  DH004) carried as L2VNI ``SEGMENT_VNI_BASE + g`` (below 65536: EOS's route targets are
  ``<VNI>:<VNI>`` in a 16-bit field);
- a subnet: the smallest power-of-two block holding the group's host ports, ``P >= L*C + 3``
  addresses (L leaves of C downlinks each; network, gateway, broadcast), the g-th such block of
  the plane's host prefix; the gateway is its first address, anycast on every leaf of the group
  (the fabric's one gateway MAC), in the default VRF, announced by every leaf of the group;
- every storage-plane host of the group (storage clients and servers alike, tenant members
  excepted): the port that reaches leaf position ``li`` at downlink ``di`` first gives the host
  address ``network + 2 + li*C + di`` (stable: a host's first port never moves when the cluster
  grows by appending); a host whose ports reach two leaves gets an LACP bond over them and an
  EVPN multihoming Ethernet segment on those leaves (``toolkit.design.multihoming.bond_member``);
  a host on one leaf stays an access port in the VLAN (DH002 warns).

The host's routes (the storage plane's host prefix via the gateway) come from the policy step like
every storage port's.
"""

from __future__ import annotations

from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import Device, Port, Tenant, TenantAttachment, TenantMember, TenantNetwork, put
from toolkit.design.multihoming import _logical_index, bond_member
from toolkit.design.tenants import gateway_mac
from toolkit.spec.models import ClusterSpec

SEGMENT_VLAN = 3900
"""Local VLAN of the storage segment on every storage leaf."""
SEGMENT_VNI_BASE = 60000
"""L2VNI of leaf group g's storage segment: SEGMENT_VNI_BASE + g."""
SEGMENT_POOL = "host segments"
"""Purpose of the storage host pool when the plane is carved into segments (else ``host /31``)."""


def segments_on(spec: ClusterSpec) -> bool:
    """A dedicated storage fabric with ``dual_homing``: its hosts sit in per-group segments."""
    st = spec.networks.storage
    return st is not None and st.mode == "dedicated" and st.fabric is not None and st.fabric.dual_homing


def segment_size(leaves: int, downlinks: int) -> int:
    need = leaves * downlinks + 3
    size = 4
    while size < need:
        size *= 2
    return size


def build_segments(ctx: Ctx) -> list[Tenant]:
    if not segments_on(ctx.spec):
        return []
    st = ctx.spec.networks.storage
    assert st is not None and st.fabric is not None
    per_group = st.fabric.leaves_per_group
    pool = next(p for p in ctx.pools if p.plane == "storage" and p.purpose == SEGMENT_POOL)
    leaves = [d for d in ctx.devices.values() if d.role == "storage-leaf"]
    if not leaves:
        return []
    downlinks = ctx.slots[leaves[0].name].count
    size = segment_size(per_group, downlinks)
    plen = 32 - (size.bit_length() - 1)
    groups: dict[int, list[Device]] = {}
    for lf in leaves:
        groups.setdefault(lf.index // per_group, []).append(lf)
    # every storage-plane host port, by the server and in port order (design order of servers)
    host_ports: dict[str, list[Port]] = {}
    for dev in ctx.devices.values():
        if not dev.is_server:
            continue
        ports = [p for p in dev.ports if p.plane == "storage" and p.role == "host" and p.peer_device
                 and p.tenant is None]
        if ports:
            host_ports[dev.name] = ports
    by_group: dict[int, list[tuple[Device, list[Port]]]] = {}
    for name, ports in host_ports.items():
        first = ctx.devices[ports[0].peer_device or ""]
        by_group.setdefault(first.index // per_group, []).append((ctx.devices[name], ports))
    out: list[Tenant] = []
    for g, group_leaves in sorted(groups.items()):
        base = g * size
        try:
            net_addr = pool.at(base)
            gw = pool.at(base + 1)
            pool.at(base + size - 1)
        except ValueError as e:
            raise DesignError(
                f"storage segments: {e}; leaf group {g} needs a /{plen}: give networks.storage.fabric.addressing."
                f"hosts room for {len(groups)} x /{plen}",
                ("networks", "storage", "fabric", "addressing", "hosts"),
            ) from e
        subnet = f"{net_addr}/{plen}"
        vni = SEGMENT_VNI_BASE + g
        name = f"storage-g{g + 1:02d}"
        members: list[TenantMember] = []
        attach: dict[str, TenantAttachment] = {}
        for srv, ports in by_group.get(g, []):
            first = ctx.devices[ports[0].peer_device or ""]
            li = first.index % per_group
            di = _logical_index(ctx, first, ports[0].peer_port or "")
            addr = f"{pool.at(base + 2 + li * downlinks + di)}/{plen}"
            on_group = [p for p in ports if ctx.devices[p.peer_device or ""].index // per_group == g]
            bond = bond_member(ctx, srv, on_group)
            used = on_group if bond is not None else on_group[:1]
            for p in used:
                put(p, vlan=SEGMENT_VLAN, vni=vni)
                leaf = ctx.devices[p.peer_device or ""]
                lp = leaf.port(p.peer_port or "")
                put(lp, vlan=SEGMENT_VLAN, vni=vni, address=None)
                att = attach.setdefault(leaf.name, TenantAttachment(device=leaf.name, vlan=SEGMENT_VLAN, vni=vni,
                                                                    ports=[]))
                att.ports.append(lp.name)
                if lp.bond is not None and lp.bond not in att.bonds:
                    att.bonds.append(lp.bond)
                    put(leaf.port(lp.bond), vlan=SEGMENT_VLAN, vni=vni)
            carrier = bond if bond is not None else used[0]
            put(carrier, vlan=SEGMENT_VLAN, vni=vni, address=addr, gateway=gw)
            members.append(
                TenantMember(
                    server=srv.name,
                    port=carrier.name,
                    address=addr,
                    leaf=used[0].peer_device or "",
                    leaf_port=used[0].peer_port or "",
                    leaves=list(dict.fromkeys(p.peer_device or "" for p in used)),
                    esi=bond.esi if bond is not None else None,
                )
            )
        for lf in group_leaves:  # every leaf of the group is a gateway of the segment
            att = attach.setdefault(lf.name, TenantAttachment(device=lf.name, vlan=SEGMENT_VLAN, vni=vni, ports=[]))
            lf.segments.append(att)
        out.append(
            Tenant(
                name=name,
                l3vni=None,
                vrf="",
                networks=[
                    TenantNetwork(
                        name=name,
                        vni=vni,
                        vlan=SEGMENT_VLAN,
                        subnet=subnet,
                        gateway=gw,
                        gateway_mac=gateway_mac(vni),
                        members=members,
                        leaves=[lf.name for lf in group_leaves],
                    )
                ],
                leaves=[lf.name for lf in group_leaves],
            )
        )
    return out
