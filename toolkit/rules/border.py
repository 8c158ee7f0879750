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
from toolkit.design.border import DEFAULT_VRF, border_tenants
from toolkit.design.model import Fabric
from toolkit.findings import YamlPath
from toolkit.rules.fabric import Out, fabric_rule
from toolkit.rules.registry import Hit, RuleCtx, rule
from toolkit.spec.models import ClusterSpec, ExternalRouter


def _routers(spec: ClusterSpec) -> list[tuple[YamlPath, ExternalRouter, list[str]]]:
    """(YAML path, router, the border leaves) of every external router; none without a border."""
    b = spec.networks.border
    return [(("networks", "border", "routers", j), r, b.leaves) for j, r in enumerate(b.routers)] if b else []


@fabric_rule("BRD001", "error")
def _platform(spec: ClusterSpec, fabric: Fabric) -> Out:
    """every border leaf's platform renders its external sessions"""
    b = spec.networks.border
    if b is None:
        return
    need = "border-vrf" if border_tenants(spec) else "border"
    for i, name in enumerate(b.leaves):
        dev = fabric.devices.get(name)
        if dev is None:
            continue
        plat = platforms.get(dev.platform)
        if not plat.has("border") or not plat.has(need):
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
    want = set(border_tenants(spec))
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
    for path, r, leaves in _routers(ctx.spec):
        need = 2 * len(leaves) * len(r.vrfs)
        have = ipaddress.ip_network(r.links, strict=False).num_addresses
        if have < need:
            yield (
                (*path, "links"),
                f"router {r.name}: {r.links} holds {have} addresses, its {len(leaves)} border leaf(s) x "
                f"{len(r.vrfs)} VRF(s) need {need}",
                f"give it a /{32 - (need - 1).bit_length()} or larger",
            )


@rule("BRD004", "error")
def _vrfs(ctx: RuleCtx) -> Iterator[Hit]:
    """every VRF an external router peers in is the business plane or a tenant"""
    names = {t.name for t in ctx.spec.tenants}
    for path, r, _ in _routers(ctx.spec):
        for k, v in enumerate(r.vrfs):
            if v != DEFAULT_VRF and v not in names:
                yield (
                    (*path, "vrfs", k),
                    f"router {r.name} peers in VRF {v!r}, which is neither 'default' nor a tenant",
                    f"write 'default' (the business plane) or one of the tenants: {', '.join(sorted(names)) or 'none'}",
                )


@rule("BRD005", "error")
def _distinct(ctx: RuleCtx) -> Iterator[Hit]:
    """external routers have distinct names and links prefixes that do not overlap"""
    seen: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for path, r, _ in _routers(ctx.spec):
        net = ipaddress.ip_network(r.links, strict=False)
        for name, other in seen:
            if name == r.name or net.overlaps(other):
                what = f"the name {r.name}" if name == r.name else f"links {r.links} with router {name} ({other})"
                yield (
                    path,
                    f"router {r.name} shares {what}: the border leaves would open the same session twice",
                    "give every external router its own name and its own links prefix",
                )
                break
        seen.append((r.name, net))
