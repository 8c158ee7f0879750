"""Last step: the scheduler's view of the compute network (Slurm, Kubernetes, NCCL).

Placement units, from the cabling the compute step made (never from names):

- leaf group: within an SU, the rail leaves connected through shared servers (connected
  components of the leaf-server graph). With one leaf per rail, the SU's rail leaves form one
  group; with ``k`` leaves per rail, servers of slot block ``k`` and the ``k``-th leaf of every
  rail form group ``k``. Traffic between two servers of a group never leaves their rail leaves.
  Named ``<su>-lg<n>`` (n counts from 1 in design order, so growth appends).
- su: every leaf group of a scalable unit; named after the SU.
- pod (3 tiers only): the SUs whose leaves share the pod's spines; named ``pod<NN>``.
- fabric: the whole compute plane (the spines, or cores, at the top); named ``compute``.

Kubernetes labels (``<label_prefix>/<level>``) carry the same names; ``kubernetes.io/hostname``
is the server name.

Rail networks (NVIDIA network operator): rail ``r`` is NIC ``r`` of every server (its RDMA
device is the policy step's ``Port.rdma_device``). Pod address ranges:
``scheduler.kubernetes.rdma_pods`` split into 2^ceil(log2(rails)) equal blocks, block ``r`` for
rail ``r``; validation proves the prefix overlaps no other pool. On InfiniBand without
``rdma_pods`` the upper half of the rail's IPoIB block is used (hosts hold the lower half, see
toolkit/design/infiniband.py), so no pod address can equal a host address.
"""

from __future__ import annotations

import ipaddress

from toolkit.design.context import Ctx
from toolkit.design.model import Device, RailNetwork, SchedulerPlan, TopologyUnit

FABRIC_UNIT = "compute"
HOSTNAME_LABEL = "kubernetes.io/hostname"
LEVELS = ("pod", "su", "leaf-group", "rack")
"""Topology label levels, top first (the hostname label comes last)."""


def rail_blocks(prefix: str, rails: int) -> list[ipaddress.IPv4Network]:
    """``prefix`` split into equal blocks, one per rail (a power of two of them)."""
    net = ipaddress.IPv4Network(prefix)
    bits = max(rails - 1, 0).bit_length()
    if net.prefixlen + bits > 30:
        raise ValueError(f"{prefix} is too small to split into {rails} rail blocks")
    return list(net.subnets(prefixlen_diff=bits))[:rails]


def _leaf_groups(leaves: list[Device], servers_of: dict[str, list[str]]) -> list[list[Device]]:
    """Connected components of the leaf-server graph, in design order of their first leaf."""
    parent = {lf.name: lf.name for lf in leaves}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[str, str] = {}
    for lf in leaves:
        for srv in servers_of.get(lf.name, []):
            if srv in owner:
                a, b = find(owner[srv]), find(lf.name)
                if a != b:
                    parent[b] = a
            else:
                owner[srv] = lf.name
    groups: dict[str, list[Device]] = {}
    for lf in leaves:
        groups.setdefault(find(lf.name), []).append(lf)
    return list(groups.values())


def build_scheduler(ctx: Ctx, ipoib_blocks: list[ipaddress.IPv4Network] | None = None) -> SchedulerPlan:
    spec = ctx.spec
    k8s = spec.scheduler.kubernetes
    devices = ctx.devices
    servers_of: dict[str, list[str]] = {}  # leaf -> servers, cable order
    leaves_of: dict[str, list[str]] = {}  # server -> leaves
    for c in ctx.cables:
        if c.tier != "server-leaf" or c.plane != "compute":
            continue
        srv, lf = (c.a_device, c.b_device) if devices[c.a_device].is_server else (c.b_device, c.a_device)
        if srv not in servers_of.setdefault(lf, []):
            servers_of[lf].append(srv)
        if lf not in leaves_of.setdefault(srv, []):
            leaves_of[srv].append(lf)
    order = {name: i for i, name in enumerate(devices)}

    def by_order(names: set[str] | list[str]) -> list[str]:
        return sorted(names, key=order.__getitem__)

    units: list[TopologyUnit] = []
    top_switches = [d.name for d in devices.values() if d.plane == "compute" and d.role == "core"] or [
        d.name for d in devices.values() if d.plane == "compute" and d.role == "spine"
    ]
    unit_of: dict[str, dict[str, str]] = {}  # server -> level -> unit name
    su_units: list[TopologyUnit] = []
    pods: dict[int, list[TopologyUnit]] = {}
    leaves_of_su: dict[str | None, list[Device]] = {}
    for d in devices.values():
        if d.role == "leaf" and d.plane == "compute":
            leaves_of_su.setdefault(d.su, []).append(d)
    for su in ctx.spec.layout.scalable_units:
        leaves = leaves_of_su.get(su.name, [])
        if not leaves:
            continue
        groups: list[TopologyUnit] = []
        for n, grp in enumerate(_leaf_groups(leaves, servers_of)):
            members = by_order({s for lf in grp for s in servers_of.get(lf.name, [])})
            if not members:
                continue
            g = TopologyUnit(
                name=f"{su.name}-lg{n + 1}", level="leaf-group", switches=[lf.name for lf in grp], servers=members
            )
            groups.append(g)
            for s in members:
                unit_of.setdefault(s, {})["leaf-group"] = g.name
        if not groups:
            continue
        su_servers = [s for g in groups for s in g.servers]
        spines = by_order(
            {
                p.peer_device
                for lf in leaves
                for p in lf.ports
                if p.role == "uplink" and p.peer_device and devices[p.peer_device].role == "spine"
            }
        )
        su_unit = TopologyUnit(
            name=su.name, level="su", switches=spines, children=[g.name for g in groups], servers=by_order(su_servers)
        )
        for s in su_servers:
            unit_of[s]["su"] = su.name
        units += groups
        su_units.append(su_unit)
        pods.setdefault(leaves[0].pod or 0, []).append(su_unit)
    units += su_units
    three_tier = any(d.role == "core" and d.plane == "compute" for d in devices.values())
    top_children = [u.name for u in su_units]
    if three_tier:
        top_children = []
        for pod, sus in sorted(pods.items()):
            name = f"pod{pod + 1:02d}"
            pod_spines = by_order({sp for x in sus for sp in x.switches})
            pod_servers = by_order({s for x in sus for s in x.servers})
            units.append(
                TopologyUnit(
                    name=name, level="pod", switches=pod_spines, children=[x.name for x in sus], servers=pod_servers
                )
            )
            top_children.append(name)
            for s in pod_servers:
                unit_of[s]["pod"] = name
    all_servers = by_order(set(unit_of))
    units.append(
        TopologyUnit(
            name=FABRIC_UNIT, level="fabric", switches=top_switches, children=top_children, servers=all_servers
        )
    )

    labels: dict[str, dict[str, str]] = {}
    for s in all_servers:
        of = unit_of[s]
        dev = devices[s]
        lab = {
            f"{k8s.label_prefix}/pod": of.get("pod", FABRIC_UNIT),
            f"{k8s.label_prefix}/su": of["su"],
            f"{k8s.label_prefix}/leaf-group": of["leaf-group"],
            f"{k8s.label_prefix}/rack": dev.rack,
            HOSTNAME_LABEL: s,
        }
        labels[s] = lab

    rails = _rails(ctx, all_servers, ipoib_blocks)
    # the spec's Kubernetes names carry over as they are; rdma_pods became the rails' IPAM ranges
    return SchedulerPlan(
        **k8s.model_dump(exclude={"rdma_pods"}),
        units=units,
        node_labels=labels,
        rails=rails,
    )


def _rails(ctx: Ctx, servers: list[str], ipoib_blocks: list[ipaddress.IPv4Network] | None) -> list[RailNetwork]:
    k8s = ctx.spec.scheduler.kubernetes
    net = ctx.spec.networks.compute
    ib = net is not None and net.kind == "infiniband"
    nic: dict[int, str] = {}
    mtu: dict[int, int] = {}
    rdma: dict[int, str] = {}
    for s in servers:
        for p in ctx.devices[s].ports:
            if p.plane == "compute" and p.rail is not None and p.rail not in nic:
                nic[p.rail], mtu[p.rail], rdma[p.rail] = p.name, p.mtu, p.rdma_device or ""
    n = len(nic)
    blocks: list[ipaddress.IPv4Network] | None = None
    upper_half = False
    if k8s.rdma_pods:
        blocks = rail_blocks(k8s.rdma_pods, n)
    elif ipoib_blocks:
        blocks, upper_half = ipoib_blocks, True
    out = []
    for r in sorted(nic):
        rng = start = end = None
        if blocks is not None:
            b = blocks[r]
            if upper_half:
                b = list(b.subnets(prefixlen_diff=1))[1]
            first, last = int(b.network_address) + 1, int(b.broadcast_address) - 1
            rng = str(b)
            start, end = str(ipaddress.IPv4Address(first)), str(ipaddress.IPv4Address(last))
        out.append(
            RailNetwork(
                rail=r,
                name=f"aidc-rail{r}",
                resource=f"rail{r}",
                nic=nic[r],
                rdma_device=rdma[r],
                link_type="ib" if ib else "eth",
                mtu=mtu[r],
                ipam_range=rng,
                range_start=start,
                range_end=end,
            )
        )
    return out
