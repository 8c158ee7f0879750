"""BRD: the border comes up — every border leaf can render its external sessions and every VRF
that peers outside exists.

BRD001 a border leaf whose platform renders no external sessions (``border``), or none in tenant
       VRFs (``border-vrf``: the frr platform has no tenant VRFs; sonic, cumulus and eos have both).
BRD002 a tenant peering with an external router needs its L3VNI (its VRF on every leaf).
BRD003 a router's ``links`` prefix is too small for one /31 per border leaf and VRF.
BRD004 a router's ``vrfs`` names a tenant the spec does not have.
BRD005 two routers share a name or overlapping ``links``: the leaves would get one session twice.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from toolkit import platforms
from toolkit.design.border import DEFAULT_VRF
from toolkit.design.model import Fabric
from toolkit.rules.fabric import Out, fabric_rule
from toolkit.rules.registry import Hit, RuleCtx, rule
from toolkit.spec.models import ClusterSpec


@fabric_rule("BRD001", "error")
def _platform(spec: ClusterSpec, fabric: Fabric) -> Out:
    """every border leaf's platform renders its external sessions"""
    b = spec.networks.border
    if b is None:
        return
    vrfs = any(v != DEFAULT_VRF for r in b.routers for v in r.vrfs)
    for i, name in enumerate(b.leaves):
        dev = fabric.devices.get(name)
        if dev is None:
            continue
        plat = platforms.get(dev.platform)
        need = "border-vrf" if vrfs else "border"
        if not plat.has("border") or (vrfs and not plat.has("border-vrf")):
            yield (
                ("networks", "border", "leaves", i),
                f"border leaf {name} runs {dev.platform}, which aidc cannot render "
                f"{'tenant-VRF ' if need == 'border-vrf' else ''}external BGP sessions for yet",
                "make the border pair a switch model on a platform with the "
                f"'{need}' capability ({', '.join(p.name for p in platforms.all_platforms() if p.has(need))})",
            )


@fabric_rule("BRD002", "error")
def _l3vni(spec: ClusterSpec, fabric: Fabric) -> Out:
    """tenants that peer with external routers have an L3VNI"""
    b = spec.networks.border
    if b is None:
        return
    want = {v for r in b.routers for v in r.vrfs if v != DEFAULT_VRF}
    for i, t in enumerate(spec.tenants):
        if t.name in want and t.l3vni is None:
            yield (
                ("tenants", i, "name"),
                f"tenant {t.name} peers with an external router but has no l3vni: its VRF exists on no border leaf",
                "give the tenant an l3vni (symmetric IRB) or drop it from the routers' vrfs",
            )


@rule("BRD003", "error")
def _sizes(ctx: RuleCtx) -> Iterator[Hit]:
    """every external router has a /31 per border leaf and VRF"""
    b = ctx.spec.networks.border
    if b is None:
        return
    for j, r in enumerate(b.routers):
        need = 2 * len(b.leaves) * len(r.vrfs)
        have = ipaddress.ip_network(r.links, strict=False).num_addresses
        if have < need:
            yield (
                ("networks", "border", "routers", j, "links"),
                f"router {r.name}: {r.links} holds {have} addresses, its {len(b.leaves)} border leaf(s) x "
                f"{len(r.vrfs)} VRF(s) need {need}",
                f"give it a /{32 - (need - 1).bit_length()} or larger",
            )


@rule("BRD004", "error")
def _vrfs(ctx: RuleCtx) -> Iterator[Hit]:
    """every VRF an external router peers in is the business plane or a tenant"""
    b = ctx.spec.networks.border
    if b is None:
        return
    names = {t.name for t in ctx.spec.tenants}
    for j, r in enumerate(b.routers):
        for k, v in enumerate(r.vrfs):
            if v != DEFAULT_VRF and v not in names:
                yield (
                    ("networks", "border", "routers", j, "vrfs", k),
                    f"router {r.name} peers in VRF {v!r}, which is neither 'default' nor a tenant",
                    f"write 'default' (the business plane) or one of the tenants: {', '.join(sorted(names)) or 'none'}",
                )


@rule("BRD005", "error")
def _distinct(ctx: RuleCtx) -> Iterator[Hit]:
    """external routers have distinct names and links prefixes that do not overlap"""
    b = ctx.spec.networks.border
    if b is None:
        return
    seen: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for j, r in enumerate(b.routers):
        net = ipaddress.ip_network(r.links, strict=False)
        for name, other in seen:
            if name == r.name or net.overlaps(other):
                what = f"the name {r.name}" if name == r.name else f"links {r.links} with router {name} ({other})"
                yield (
                    ("networks", "border", "routers", j),
                    f"router {r.name} shares {what}: the border leaves would open the same session twice",
                    "give every external router its own name and its own links prefix",
                )
                break
        seen.append((r.name, net))
