"""The border: business leaves that peer eBGP with external routers (``networks.border``).

Ports: border leaf b (position in ``border.leaves``) gives every (router, VRF) pair one routed
port, taken from the top of its downlink ports downwards (router order, then VRF order), so host
ports, which fill from the bottom, never move; the front-end step keeps those ports free
(``reserved``). No 802.1Q sub-interfaces: one plain routed link per VRF.

Addresses: router r's link of border leaf b and VRF v (position i in ``r.vrfs``) is /31 number
``b * len(r.vrfs) + i`` of ``r.links``; the leaf takes the even address, the router the odd one.

Sessions (``BgpNeighbor.external``): numbered eBGP, IPv4 unicast, in the default VRF for
``default`` (the business plane) or in the tenant's VRF. ``accept``: prefixes taken from the
router, exact match (default: the default route only, so the fabric never learns another
tenant's or the Internet's routes); ``export``: prefixes announced, longer ones included (default:
the business plane's host prefix, or the tenant's subnet). A tenant with a border VRF is attached
to the border leaves (its VRF and L3VNI there; EVPN type-5 carries the default route to every
leaf of the tenant).
"""

from __future__ import annotations

from toolkit.design.addressing import Pool
from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import BgpNeighbor, BorderPlan, ExternalLink, fast_new, put
from toolkit.design.switches import logical
from toolkit.spec.models import ClusterSpec

DEFAULT_VRF = "default"


def reserved(spec: ClusterSpec) -> dict[str, int]:
    """Border leaf name -> ports its external links take from the top of its downlinks."""
    b = spec.networks.border
    if b is None:
        return {}
    n = sum(len(r.vrfs) for r in b.routers)
    return {name: n for name in b.leaves}


def border_tenants(spec: ClusterSpec) -> list[str]:
    b = spec.networks.border
    if b is None:
        return []
    return list(dict.fromkeys(v for r in b.routers for v in r.vrfs if v != DEFAULT_VRF))


def build_border(ctx: Ctx) -> BorderPlan | None:
    spec = ctx.spec
    b = spec.networks.border
    net = spec.networks.business
    if b is None:
        return None
    if net is None:
        raise DesignError("networks.border needs a business network", ("networks", "border"))
    tenants = {t.name: t for t in spec.tenants}
    links: list[ExternalLink] = []
    pools = [ctx.pool("business", f"external links {r.name}", r.links) for r in b.routers]
    for bi, name in enumerate(b.leaves):
        leaf = ctx.devices.get(name)
        if leaf is None or leaf.role != "business-leaf":
            raise DesignError(f"border leaf {name} is not a business leaf", ("networks", "border", "leaves", bi))
        top = ctx.slots[leaf.name].count - 1
        k = 0
        for r, pool in zip(b.routers, pools, strict=True):
            for vi, vrf in enumerate(r.vrfs):
                tenant = None if vrf == DEFAULT_VRF else tenants.get(vrf)
                if vrf != DEFAULT_VRF and tenant is None:
                    raise DesignError(f"external router {r.name}: no tenant named {vrf}", ("networks", "border"))
                off = 2 * (bi * len(r.vrfs) + vi)
                mine, theirs = _pair(pool, off)
                port = logical(ctx, leaf, top - k)
                k += 1
                put(
                    port,
                    role="external",
                    address=f"{mine}/31",
                    mtu=net.mtu,
                    vrf=None if tenant is None else tenant.name,
                    description=f"{r.name} (external, {'business plane' if tenant is None else 'tenant ' + vrf})",
                )
                if tenant is None:
                    accept, export = list(b.accept), list(b.export or [net.addressing.hosts])
                else:
                    accept, export = list(tenant.accept), list(tenant.export or [n.subnet for n in tenant.nets()])
                leaf.bgp.append(
                    fast_new(
                        BgpNeighbor,
                        peer_device=r.name,
                        peer_asn=r.asn,
                        interface=port.name,
                        local_address=mine,
                        peer_address=theirs,
                        plane="business",
                        external=True,
                        vrf=None if tenant is None else tenant.name,
                        accept=accept,
                        export=export,
                    )
                )
                links.append(
                    ExternalLink(
                        router=r.name,
                        asn=r.asn,
                        leaf=leaf.name,
                        port=port.name,
                        vrf=vrf,
                        leaf_address=f"{mine}/31",
                        router_address=f"{theirs}/31",
                    )
                )
    return BorderPlan(
        leaves=list(b.leaves),
        links=links,
        probe=b.probe,
        tenants=border_tenants(spec),
        business=any(DEFAULT_VRF in r.vrfs for r in b.routers),
    )


def _pair(pool: Pool, off: int) -> tuple[str, str]:
    return pool.at(off), pool.at(off + 1)
