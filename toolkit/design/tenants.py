"""Step 5: tenants (VPCs) as EVPN-VXLAN overlays on the business (or storage) leaves.

A tenant is one VRF (with its optional symmetric-IRB L3VNI) holding one or more networks; each
network is a VLAN / L2VNI / subnet with an anycast gateway SVI. A member server's ports on the
tenant's plane become untagged access ports in its network's VLAN/VNI on their leaf (a server is
in one network of a tenant: rule VNI006). Member i of a network (in the order listed) gets the
i-th usable address of its subnet, skipping the gateway. Every leaf with a member port, every
leaf the network names under ``leaves`` (``all``: every leaf of the plane) and the border leaves
of a border tenant are VTEPs for the network. Every tenant shares one
anycast gateway MAC (``ANYCAST_GATEWAY_MAC``): EOS and others allow a single virtual-router MAC
per switch, and hosts moving between tenants never see a gateway MAC change.
"""

from __future__ import annotations

import ipaddress
import itertools

from toolkit import platforms
from toolkit.design.border import border_tenants
from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import Tenant, TenantAttachment, TenantMember, TenantNetwork, put
from toolkit.design.multihoming import bond_member
from toolkit.design.policy import vrf_name
from toolkit.findings import YamlPath
from toolkit.spec.models import TenantNetworkSpec


def mark_members(ctx: Ctx) -> None:
    """Before the front-end step: which (server, plane) ports belong to a tenant."""
    for i, t in enumerate(ctx.spec.tenants):
        for m, mpath in t.member_refs():
            key = (m, t.plane)
            if key in ctx.tenant_of and ctx.tenant_of[key] != t.name:
                raise DesignError(f"server {m} is in tenants {ctx.tenant_of[key]} and {t.name}", ("tenants", i, *mpath))
            ctx.tenant_of[key] = t.name


ANYCAST_GATEWAY_MAC = "02:00:00:00:00:01"
"""Locally administered unicast MAC of every anycast gateway in the fabric."""


def gateway_mac(vni: int) -> str:
    """The anycast gateway MAC of a tenant: the same for every VNI (see the module docstring)."""
    return ANYCAST_GATEWAY_MAC


def build_tenants(ctx: Ctx) -> list[Tenant]:
    out = []
    border = set(border_tenants(ctx.spec))
    every: dict[str, list[str]] = {}
    for i, t in enumerate(ctx.spec.tenants):
        networks: list[TenantNetwork] = []
        vteps: set[str] = set()
        for j, n in enumerate(t.nets()):
            path = ("tenants", i, *t.net_path(j))
            members, attach = _network(ctx, t.name, t.plane, n, path)
            if t.name in border:
                assert ctx.spec.networks.border is not None
                for leaf_name in ctx.spec.networks.border.leaves:  # the tenant VRF peers with the routers there
                    attach.setdefault(leaf_name, _attachment(leaf_name, t.name, n))
            for leaf_name in _placed(ctx, t.plane, n.leaves, (*path, "leaves"), every):
                attach.setdefault(leaf_name, _attachment(leaf_name, t.name, n))
            for leaf_name in sorted(attach):
                ctx.devices[leaf_name].tenants.append(attach[leaf_name])
            vteps.update(attach)
            # the spec's segment as it is, with its members' ports and the VTEPs the design chose
            networks.append(
                TenantNetwork(
                    **n.model_dump(exclude={"members", "leaves"}),
                    gateway_mac=gateway_mac(n.vni),
                    members=members,
                    leaves=sorted(attach),
                )
            )
        routed = t.l3vni is not None and all(
            platforms.get(ctx.devices[x].platform).has("l3vni")
            and platforms.get(ctx.devices[x].platform).has("anycast-gateway")
            for x in vteps
        )
        out.append(
            Tenant(
                name=t.name, l3vni=t.l3vni, vrf=vrf_name(t.name), networks=networks, leaves=sorted(vteps), routed=routed
            )
        )
    return out


def _attachment(leaf: str, tenant: str, n: TenantNetworkSpec) -> TenantAttachment:
    return TenantAttachment(device=leaf, vlan=n.vlan, vni=n.vni, tenant=tenant, network=n.name, ports=[])


def _placed(ctx: Ctx, plane: str, leaves: list[str] | str, path: YamlPath, every: dict[str, list[str]]) -> list[str]:
    """The leaves a network names under ``leaves`` (``all``: every leaf of the tenant's plane, from
    ``every``, the leaves by role, found once for all tenants)."""
    role = f"{plane}-leaf"
    if leaves == "all":
        if role not in every:
            every[role] = [d.name for d in ctx.devices.values() if d.role == role]
        return every[role]
    for k, name in enumerate(leaves):
        dev = ctx.devices.get(name)
        if dev is None or dev.role != role:
            raise DesignError(f"no {plane} leaf named {name}", (*path, k))
    return list(leaves)


def _network(
    ctx: Ctx, tenant: str, plane: str, n: TenantNetworkSpec, path: YamlPath
) -> tuple[list[TenantMember], dict[str, TenantAttachment]]:
    """The members of one network (addresses, leaf ports in its VLAN) and its leaf attachments."""
    net = ipaddress.IPv4Network(n.subnet)
    # the first addresses of the subnet, the gateway skipped: as many as there are members (a /16
    # is not written out for two members)
    first = (str(h) for h in itertools.islice(net.hosts(), len(n.members) + 1))
    hosts = [h for h in first if h != n.gateway][: len(n.members)]
    members: list[TenantMember] = []
    attach: dict[str, TenantAttachment] = {}
    for j, name in enumerate(n.members):
        srv = ctx.devices.get(name)
        if srv is None:
            raise DesignError(f"tenant {tenant}: no server named {name}", (*path, "members", j))
        ports = [p for p in srv.ports if p.plane == plane and p.role == "host" and p.peer_device]
        if not ports:
            raise DesignError(f"tenant {tenant}: {name} has no {plane} port", (*path, "members", j))
        if j >= len(hosts):
            raise DesignError(f"tenant {tenant}: subnet {n.subnet} too small", (*path, "subnet"))
        addr = f"{hosts[j]}/{net.prefixlen}"
        bond = bond_member(ctx, srv, ports)
        for k, p in enumerate(ports):
            put(p, vni=n.vni, vlan=n.vlan, tenant=tenant)
            if k == 0 and bond is None:
                put(p, address=addr, gateway=n.gateway)
            assert p.peer_device and p.peer_port
            leaf = ctx.devices[p.peer_device]
            lp = leaf.port(p.peer_port)
            put(lp, vni=n.vni, vlan=n.vlan, tenant=tenant, description=f"{name}:{p.name} tenant {tenant}")
            att = attach.setdefault(leaf.name, _attachment(leaf.name, tenant, n))
            att.ports.append(lp.name)
            if lp.bond is not None and lp.bond not in att.bonds:
                att.bonds.append(lp.bond)
                put(leaf.port(lp.bond), vni=n.vni, vlan=n.vlan, tenant=tenant)
        if bond is not None:
            put(bond, vni=n.vni, vlan=n.vlan, tenant=tenant, address=addr, gateway=n.gateway)
        members.append(
            TenantMember(
                server=name,
                port=(bond or ports[0]).name,
                address=addr,
                leaf=ports[0].peer_device or "",
                leaf_port=ports[0].peer_port or "",
                leaves=list(dict.fromkeys(p.peer_device or "" for p in ports)),
                esi=bond.esi if bond is not None else None,
            )
        )
    return members, attach
