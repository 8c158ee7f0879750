"""Step 5: tenants (VPCs) as EVPN-VXLAN overlays on the business (or storage) leaves.

A member server's ports on the tenant's plane become access ports in the tenant VLAN/VNI on
their leaf. Member i (in the order listed) gets the i-th usable address of the subnet, skipping
the gateway. Every leaf with a member port is a VTEP for the tenant. Every tenant shares one
anycast gateway MAC (``ANYCAST_GATEWAY_MAC``): EOS and others allow a single virtual-router MAC
per switch, and hosts moving between tenants never see a gateway MAC change.
"""

from __future__ import annotations

import ipaddress

from toolkit.design.border import border_tenants
from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import Tenant, TenantAttachment, TenantMember, put
from toolkit.design.multihoming import bond_member
from toolkit.design.policy import vrf_name


def mark_members(ctx: Ctx) -> None:
    """Before the front-end step: which (server, plane) ports belong to a tenant."""
    for i, t in enumerate(ctx.spec.tenants):
        for j, m in enumerate(t.members):
            key = (m, t.plane)
            if key in ctx.tenant_of:
                raise DesignError(
                    f"server {m} is in tenants {ctx.tenant_of[key]} and {t.name}", ("tenants", i, "members", j)
                )
            ctx.tenant_of[key] = t.name


ANYCAST_GATEWAY_MAC = "02:00:00:00:00:01"
"""Locally administered unicast MAC of every anycast gateway in the fabric."""


def gateway_mac(vni: int) -> str:
    """The anycast gateway MAC of a tenant: the same for every VNI (see the module docstring)."""
    return ANYCAST_GATEWAY_MAC


def build_tenants(ctx: Ctx) -> list[Tenant]:
    out = []
    for i, t in enumerate(ctx.spec.tenants):
        net = ipaddress.IPv4Network(t.subnet)
        hosts = [str(h) for h in net.hosts() if str(h) != t.gateway]
        members: list[TenantMember] = []
        attach: dict[str, TenantAttachment] = {}
        for j, name in enumerate(t.members):
            srv = ctx.devices.get(name)
            if srv is None:
                raise DesignError(f"tenant {t.name}: no server named {name}", ("tenants", i, "members", j))
            ports = [p for p in srv.ports if p.plane == t.plane and p.role == "host" and p.peer_device]
            if not ports:
                raise DesignError(f"tenant {t.name}: {name} has no {t.plane} port", ("tenants", i, "members", j))
            if j >= len(hosts):
                raise DesignError(f"tenant {t.name}: subnet {t.subnet} too small", ("tenants", i, "subnet"))
            addr = f"{hosts[j]}/{net.prefixlen}"
            bond = bond_member(ctx, srv, ports)
            for k, p in enumerate(ports):
                put(p, vni=t.vni, vlan=t.vlan, tenant=t.name)
                if k == 0 and bond is None:
                    put(p, address=addr, gateway=t.gateway)
                assert p.peer_device and p.peer_port
                leaf = ctx.devices[p.peer_device]
                lp = leaf.port(p.peer_port)
                put(lp, vni=t.vni, vlan=t.vlan, tenant=t.name, description=f"{name}:{p.name} tenant {t.name}")
                att = attach.setdefault(leaf.name, TenantAttachment(device=leaf.name, vlan=t.vlan, vni=t.vni, ports=[]))
                att.ports.append(lp.name)
                if lp.bond is not None and lp.bond not in att.bonds:
                    att.bonds.append(lp.bond)
                    put(leaf.port(lp.bond), vni=t.vni, vlan=t.vlan, tenant=t.name)
            if bond is not None:
                put(bond, vni=t.vni, vlan=t.vlan, tenant=t.name, address=addr, gateway=t.gateway)
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
        if t.name in border_tenants(ctx.spec) and ctx.spec.networks.border is not None:
            for leaf_name in ctx.spec.networks.border.leaves:  # the tenant VRF peers with the routers there
                attach.setdefault(leaf_name, TenantAttachment(device=leaf_name, vlan=t.vlan, vni=t.vni, ports=[]))
        for leaf_name in sorted(attach):
            ctx.devices[leaf_name].tenants.append(attach[leaf_name])
        out.append(
            Tenant(
                name=t.name,
                vni=t.vni,
                l3vni=t.l3vni,
                vlan=t.vlan,
                vrf=vrf_name(t.name),
                subnet=t.subnet,
                gateway=t.gateway,
                gateway_mac=gateway_mac(t.vni),
                members=members,
                leaves=sorted(attach),
            )
        )
    return out
