"""Dual-homing: an LACP bond on the server, an EVPN multihoming Ethernet segment on its leaves.

A tenant member on a plane with ``dual_homing`` whose ports of the tenant's plane land on at least
two leaves gets (``bond_member``, called by the tenant step after cabling):

- on the server one bond port (role ``bond``, ``bond<k>`` for its k-th bond, NIC order) over
  those ports: 802.3ad, the member ports keep only their MTU (``Port.bond`` names the bond);
  the tenant address, gateway and routes go on the bond;
- on every leaf a bond port over the leaf's member port(s), the local end of one all-active
  Ethernet segment: local discriminator ``es_id`` = 1 + (position of the first member's leaf
  in its group) x (downlink ports of that leaf) + (logical downlink index of the first member on
  it) — unique on every leaf of the group and stable when the cluster grows (ports are appended);
  system MAC ``es_sys_mac`` = ``02:ad:c0:<plane>:<group hi>:<group lo>`` (locally administered,
  one per leaf group and plane; every leaf of the segment presents it as its LACP system id, so
  the server sees one LACP partner); ESI type 3 = ``03`` + system MAC + 3-byte discriminator.
  The leaf bond is named ``Platform.lag_prefix + es_id`` (bond12, PortChannel12, Port-Channel12).

Members with one port, or whose ports all land on one leaf, stay single-homed (validate says so:
``toolkit/rules/multihoming.py``).
"""

from __future__ import annotations

from toolkit import platforms
from toolkit.design.context import Ctx
from toolkit.design.model import Device, Port, fast_new, put
from toolkit.spec.models import ClusterSpec

PLANE_CODE = {"business": 1, "storage": 2}
"""Byte 4 of a segment's system MAC: which plane's leaf groups it numbers."""


def dual_homing(spec: ClusterSpec, plane: str) -> tuple[bool, int]:
    """(dual_homing on, leaves per group) of the front-end fabric whose leaves carry ``plane``."""
    nets = spec.networks
    net = nets.business
    if plane == "storage" and nets.storage is not None and nets.storage.mode == "dedicated":
        net = nets.storage.fabric
    if net is None:
        return False, 1
    return net.dual_homing, net.leaves_per_group


def es_sys_mac(plane: str, group: int) -> str:
    return f"02:ad:c0:{PLANE_CODE.get(plane, 0):02x}:{(group >> 8) & 255:02x}:{group & 255:02x}"


def esi_type3(sys_mac: str, es_id: int) -> str:
    return f"03:{sys_mac}:{(es_id >> 16) & 255:02x}:{(es_id >> 8) & 255:02x}:{es_id & 255:02x}"


def _logical_index(ctx: Ctx, leaf: Device, port: str) -> int:
    for i, p in ctx.slots[leaf.name].used.items():
        if p.name == port:
            return int(i)
    raise KeyError(f"{leaf.name} has no logical port {port}")


def bond_member(ctx: Ctx, srv: Device, ports: list[Port]) -> Port | None:
    """The server's bond over ``ports`` (its ports of one plane, cabled), with the segment on the
    leaves; None when the plane is not dual-homed or the ports reach fewer than two leaves."""
    if len(ports) < 2:
        return None
    plane = ports[0].plane
    on, per_group = dual_homing(ctx.spec, plane)
    leaves = list(dict.fromkeys(p.peer_device for p in ports if p.peer_device))
    if not on or len(leaves) < 2:
        return None
    first = ctx.devices[leaves[0]]
    group = first.index // per_group
    downlinks = ctx.slots[first.name].count
    es_id = 1 + (first.index % per_group) * downlinks + _logical_index(ctx, first, ports[0].peer_port or "")
    sys_mac = es_sys_mac(plane, group)
    esi = esi_type3(sys_mac, es_id)
    k = sum(1 for p in srv.ports if p.role == "bond")
    host_bond = fast_new(
        Port,
        name=f"bond{k}",
        ifname=f"bond{k}",
        plane=plane,
        role="bond",
        speed=ports[0].speed,
        mtu=ports[0].mtu,
        nic=ports[0].nic,
        members=tuple(p.name for p in ports),
        peers=tuple(leaves),
        esi=esi,
        description=f"LACP to {', '.join(leaves)} (ESI {esi})",
    )
    for p in ports:
        put(p, bond=host_bond.name)
    srv.ports.append(host_bond)
    for leaf_name in leaves:
        leaf = ctx.devices[leaf_name]
        name = platforms.get(leaf.platform).lag_prefix + str(es_id)
        members = tuple(p.peer_port or "" for p in ports if p.peer_device == leaf_name)
        mtu = min(leaf.port(m).mtu for m in members)
        for m in members:
            put(leaf.port(m), bond=name)
        at = next((i for i, p in enumerate(leaf.ports) if p.role == "mgmt"), len(leaf.ports))
        leaf.ports.insert(
            at,
            fast_new(
                Port,
                name=name,
                ifname=f"bond{es_id}",
                plane=leaf.plane,
                role="bond",
                speed=leaf.port(members[0]).speed,
                mtu=mtu,
                members=members,
                peers=(srv.name,),
                es_id=es_id,
                es_sys_mac=sys_mac,
                esi=esi,
                description=f"{srv.name}:{host_bond.name} ESI {esi}",
            ),
        )
    return host_bond
