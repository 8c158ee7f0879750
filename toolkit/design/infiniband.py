"""InfiniBand compute plane: subnet managers, partitions, GUIDs, QoS and IPoIB.

Runs after the compute step for ``networks.compute.kind: infiniband``; every value below is
stored on ``Fabric.infiniband`` and the renderers only print it.

GUIDs
- GUIDs are burnt into the hardware and known only after installation. ``guids.yaml`` in the
  spec folder (``guids:`` mapping, written by ``aidc ib guids`` from ``ibnetdiscover`` output)
  names them: ``<switch>`` -> node GUID, ``<server>:<port>`` -> HCA port GUID. Every GUID it
  does not name is derived: ``0x02a1dc`` (a locally administered EUI-64 prefix, so a derived GUID
  never equals a vendor's) followed by 40 bits of SHA-256 over ``<cluster>/<key>``, low four
  bits cleared. A derived HCA's port 1 GUID is its node GUID + 1 (as ibsim numbers them); a
  switch's port 0 GUID is its node GUID. Hashing names (not positions) keeps every GUID when the
  cluster grows.
- IB port number of a switch port: ``(cage - 1) * lanes + lane + 1`` (cages in front-panel order,
  ``lanes`` from the cage breakout; QM9700 ``1/2`` is port 2).

Without ``networks.compute.infiniband`` the defaults apply and no subnet manager is placed
(validation warns: the SM then runs outside aidc's design, e.g. UFM).

Subnet managers: ``networks.compute.infiniband.subnet_managers`` in priority order; the highest
priority is master (validation rejects a tie for the top priority: opensm would then elect by
GUID). A server SM binds to its rail-0 HCA port; a switch SM to the switch.

Partitions (``partitions.conf``)
- ``Default=0x7fff`` always: switches and the SM ports full members; GPU servers that belong to
  no tenant full members; tenant members limited members (they reach the SM and SA, not each
  other, through the default partition).
- one partition per tenant with GPU-server members: PKey ``tenant.pkey`` (default
  ``0x1000 + tenant position``), full membership of exactly the members' compute HCA ports,
  IPoIB on when IPoIB is designed.

QoS: the compute traffic class is ``compute_sl``; ``compute_sl`` maps to VL 1, every other SL to
VL 0, and the high-priority VL arbitration table serves VL 1 (``qos-policy.conf`` puts traffic
between compute HCA ports on ``compute_sl``).

IPoIB (optional): ``ipoib.prefix`` split into one equal block per rail
(toolkit/design/scheduler.rail_blocks); a host port takes the lower half of its rail's block at
offset ``1 + su_index * servers_per_su + slot`` (the compute step's stable slot), as
``Port.address`` (so the host files give it its rail table like a RoCE port, no gateway); pods
take the upper half. The host MTU of an IB port is the IPoIB MTU: 4092 in datagram mode (IB MTU
4096 less the 4-byte IPoIB header), 65520 in connected mode.
"""

from __future__ import annotations

import hashlib
import ipaddress

from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import (
    Device,
    IbMember,
    IbNode,
    IbPartition,
    InfinibandFabric,
    SubnetManager,
    put,
)
from toolkit.design.scheduler import rail_blocks
from toolkit.design.sizing import ComputeSizing, compute_net
from toolkit.spec.models import ClusterSpec, InfinibandSpec, parse_breakout

OPENSM_DIR = "/etc/opensm"
"""Where the rendered subnet manager files are installed on an SM host (opensm's default folder)."""
OPENSM_FILES = {
    "partitions": "partitions.conf",
    "qos_policy": "qos-policy.conf",
    "root_guids": "root_guids.conf",
    "cn_guids": "cn_guids.conf",
}
GUID_PREFIX = 0x02A1DC
DEFAULT_PKEY = 0x7FFF
TENANT_PKEY_BASE = 0x1000
COMPUTE_VL = 1
IPOIB_HEADER = 4
IPOIB_CONNECTED_MTU = 65520
IB_MTU_CODES = {256: 1, 512: 2, 1024: 3, 2048: 4, 4096: 5}
"""IBTA MTU enumeration (opensm partitions.conf ``mtu=``); opensm's broadcast-group default is 4 (2048)."""
# IB data rate per 4x port by speed name (Gbit/s): the rate a designed port speed means
IB_RATES = {"SDR": 10, "DDR": 20, "QDR": 40, "FDR": 56, "EDR": 100, "HDR": 200, "NDR": 400, "XDR": 800}


def format_guid(value: int) -> str:
    return f"0x{value:016x}"


def parse_guid(text: str) -> int:
    t = str(text).strip().lower()
    if not t.startswith("0x") or len(t) > 18:
        raise ValueError(f"GUID must look like 0x0002c90300a1b2c3, got {text!r}")
    return int(t, 16)


def derived_guid(cluster: str, key: str) -> int:
    digest = hashlib.sha256(f"{cluster}/{key}".encode()).digest()
    low = int.from_bytes(digest[:5], "big") & ~0xF
    return (GUID_PREFIX << 40) | low


def ib_port_number(dev: Device, cage: int, lane: int) -> int:
    bo = dev.cage_breakouts.get(cage)
    lanes = parse_breakout(bo)[0] if bo else 1
    return (cage - 1) * lanes + lane + 1


def ib_port_count(dev: Device) -> int:
    return sum(
        parse_breakout(dev.cage_breakouts[c])[0] if c in dev.cage_breakouts else 1 for c in range(1, dev.cage_count + 1)
    )


def hca_key(server: str, port: str) -> str:
    return f"{server}:{port}"


def ipoib_max_mtu(mode: str, ib_mtu: int) -> int:
    """Largest IPoIB interface MTU ``mode`` allows: datagram mode carries one IB packet (the IB MTU
    of the broadcast group less the 4-byte IPoIB header), connected mode up to 65520."""
    return IPOIB_CONNECTED_MTU if mode == "connected" else ib_mtu - IPOIB_HEADER


def ipoib_mtu(spec: ClusterSpec) -> int:
    """Host MTU of an IPoIB interface: ``ipoib.mtu``, else the mode's maximum (IB007 proves a
    given value fits the mode)."""
    ib = spec.networks.compute.infiniband if spec.networks.compute is not None else None
    if ib is None or ib.ipoib is None:
        return ipoib_max_mtu("datagram", ib.mtu if ib is not None else 4096)
    return ib.ipoib.mtu or ipoib_max_mtu(ib.ipoib.mode, ib.mtu)


def assign_ipoib(ctx: Ctx, sz: ComputeSizing) -> list[ipaddress.IPv4Network] | None:
    """IPoIB addresses on the GPU servers' compute ports (before the policy step, which gives each
    addressed compute port its routing table); returns the rail blocks, or None without IPoIB."""
    ibs = compute_net(ctx.spec).infiniband
    if ibs is None or ibs.ipoib is None:
        return None
    blocks = rail_blocks(ibs.ipoib.prefix, sz.rails)
    servers_by_su: dict[str, list[Device]] = {}
    for d in ctx.devices.values():
        if d.role == "gpu-server" and d.su is not None:
            servers_by_su.setdefault(d.su, []).append(d)
    for si, su in enumerate(ctx.spec.layout.scalable_units):
        for slot, d in enumerate(servers_by_su.get(su.name, [])):
            for p in d.ports:
                if p.plane != "compute" or p.rail is None or not p.peer_device:
                    continue
                lower = next(iter(blocks[p.rail].subnets(prefixlen_diff=1)))
                off = 1 + si * sz.servers_per_su + slot
                if off >= lower.num_addresses - 1:
                    raise DesignError(
                        f"IPoIB block {lower} of rail {p.rail} is too small for {d.name}",
                        ("networks", "compute", "infiniband", "ipoib", "prefix"),
                    )
                addr = ipaddress.IPv4Address(int(lower.network_address) + off)
                put(p, address=f"{addr}/{blocks[p.rail].prefixlen}")
    return blocks


def build_infiniband(ctx: Ctx, sz: ComputeSizing) -> InfinibandFabric:
    spec = ctx.spec
    net = compute_net(spec)
    ibs = net.infiniband or InfinibandSpec.model_construct(subnet_managers=[])  # the model's defaults
    cluster = spec.cluster.name
    given = {k: parse_guid(v) for k, v in spec.guids.items()}
    nodes: dict[str, IbNode] = {}
    port_numbers: dict[str, dict[str, int]] = {}
    for d in ctx.devices.values():
        if d.plane != "compute" or not d.is_switch:
            continue
        g = given.get(d.name)
        guid = g if g is not None else derived_guid(cluster, d.name)
        nodes[d.name] = IbNode(
            device=d.name,
            kind="switch",
            node_guid=format_guid(guid),
            port_guid=format_guid(guid),
            ports=ib_port_count(d),
            description=d.name,
            source="guids.yaml" if g is not None else "derived",
        )
        port_numbers[d.name] = {
            p.name: ib_port_number(d, p.cage, p.lane or 0)
            for p in d.ports
            if p.plane == "compute" and p.cage is not None
        }
    servers = [d for d in ctx.devices.values() if d.role == "gpu-server"]
    for d in servers:
        for p in d.ports:
            if p.plane != "compute" or p.rail is None or not p.peer_device:
                continue
            key = hca_key(d.name, p.name)
            g = given.get(key)
            port_guid = g if g is not None else derived_guid(cluster, key) + 1
            nodes[key] = IbNode(
                device=d.name,
                port=p.name,
                kind="hca",
                node_guid=format_guid(port_guid - 1),
                port_guid=format_guid(port_guid),
                ports=1,
                description=f"{d.name} {p.rdma_device}",
                source="guids.yaml" if g is not None else "derived",
            )
    seen: dict[str, str] = {}
    for key, n in nodes.items():
        for text in {n.node_guid, n.port_guid}:
            if text in seen and seen[text] != key:
                raise DesignError(f"GUID {text} is used by {seen[text]} and {key}", ("guids",))
            seen[text] = key

    # subnet managers
    sms: list[SubnetManager] = []
    ranked = sorted(enumerate(ibs.subnet_managers), key=lambda t: (-t[1].priority, t[0]))
    for rank, (i, sm) in enumerate(ranked):
        path = ("networks", "compute", "infiniband", "subnet_managers", i, "host")
        if sm.host in nodes:
            sms.append(
                SubnetManager(
                    device=sm.host,
                    guid=nodes[sm.host].node_guid,
                    priority=sm.priority,
                    role="master" if rank == 0 else "standby",
                )
            )
            continue
        hcas = [n for n in nodes.values() if n.kind == "hca" and n.device == sm.host]
        if not hcas:
            raise DesignError(
                f"subnet manager host {sm.host} is neither a compute switch nor a server with an HCA", path
            )
        sms.append(
            SubnetManager(
                device=sm.host,
                port=hcas[0].port,
                guid=hcas[0].port_guid,
                priority=sm.priority,
                role="master" if rank == 0 else "standby",
            )
        )

    # partitions
    hca_of: dict[str, list[IbNode]] = {}
    for n in nodes.values():
        if n.kind == "hca":
            hca_of.setdefault(n.device, []).append(n)
    tenant_parts: list[IbPartition] = []
    in_tenant: set[str] = set()
    for i, t in enumerate(spec.tenants):
        members = [
            IbMember(device=n.device, port=n.port or "", guid=n.port_guid, membership="full")
            for m in dict.fromkeys(m for n in t.nets() for m in n.members)
            for n in hca_of.get(m, [])
        ]
        if not members:
            continue
        in_tenant.update(m.device for m in members)
        tenant_parts.append(
            IbPartition(
                name=t.name,
                pkey=t.pkey if t.pkey is not None else TENANT_PKEY_BASE + i,
                ipoib=ibs.ipoib is not None,
                members=members,
            )
        )
    sm_guids = {sm.guid for sm in sms}
    default_members = [
        IbMember(
            device=n.device,
            port=n.port or "",
            guid=n.port_guid,
            membership="full" if n.device not in in_tenant or n.port_guid in sm_guids else "limited",
        )
        for n in nodes.values()
        if n.kind == "hca"
    ]
    parts = [IbPartition(name="Default", pkey=DEFAULT_PKEY, ipoib=True, default=True, members=default_members)]
    parts += tenant_parts

    ipoib = {
        hca_key(d.name, p.name): p.address
        for d in servers
        for p in d.ports
        if p.plane == "compute" and p.rail is not None and p.address
    }

    top_role = "core" if sz.tiers == 3 else "spine"
    roots = [nodes[d.name].node_guid for d in ctx.devices.values() if d.plane == "compute" and d.role == top_role]
    cns = [n.port_guid for n in nodes.values() if n.kind == "hca"]
    leaf_speed = min((p.speed for d in servers for p in d.ports if p.plane == "compute" and p.peer_device), default=0)
    # the spec's SM settings carry over as they are; its SMs and IPoIB are designed above
    fab = InfinibandFabric(
        **ibs.model_dump(exclude={"subnet_managers", "ipoib"}),
        compute_vl=COMPUTE_VL,
        mtu_code=IB_MTU_CODES[ibs.mtu],
        rate_gbps=leaf_speed,
        ipoib_mode=ibs.ipoib.mode if ibs.ipoib else None,
        nodes=nodes,
        port_numbers=port_numbers,
        subnet_managers=sms,
        partitions=parts,
        root_guids=roots,
        cn_guids=cns,
        ipoib=ipoib,
    )
    return fab
