"""ADDR rules: address pools do not overlap and hold what the design needs."""

from __future__ import annotations

import ipaddress

from toolkit.design.sizing import frontend_leaf_capacity
from toolkit.findings import YamlPath
from toolkit.rules.registry import SERVER_LIST, SWITCH_PORTS, RuleCtx, rule
from toolkit.rules.specview import Out, fe_groups, frontends, managed_per_rack, pools, racks


@rule("ADDR001", "error")
def _overlap(c: RuleCtx) -> Out:
    """address pools of all planes and tenant subnets do not overlap"""
    items = [(label, ipaddress.IPv4Network(p), path) for label, p, path in pools(c.spec)]
    for i, j in _overlapping([n for _, n, _ in items]):
        (la, na, pa), (lb, nb, _) = items[i], items[j]
        yield pa, f"{la} {na} overlaps {lb} {nb}", "give every plane and tenant its own prefix"


def _overlapping(nets: list[ipaddress.IPv4Network]) -> list[tuple[int, int]]:
    """Every pair (i, j), j < i, of overlapping prefixes, ordered by i then j. Two prefixes overlap
    only when one holds the other, so a sweep in address order keeps just the chain of prefixes
    that hold the current start: a few thousand tenant subnets take milliseconds, not the minutes
    of comparing every pair."""
    spans = [(int(n.network_address), int(n.broadcast_address)) for n in nets]
    hits: dict[int, list[int]] = {}
    active: list[int] = []
    for k in sorted(range(len(nets)), key=lambda k: (spans[k][0], -spans[k][1])):
        start = spans[k][0]
        active = [a for a in active if spans[a][1] >= start]  # each of them holds this prefix
        for a in active:
            hits.setdefault(max(a, k), []).append(min(a, k))
        active.append(k)
    return [(i, j) for i in sorted(hits) for j in sorted(hits[i])]


@rule("ADDR002", "error", needs=SERVER_LIST + SWITCH_PORTS)
def _pool_size(c: RuleCtx) -> Out:
    """every pool holds what the design needs (says how many addresses are missing)"""
    spec = c.spec
    sz = c.sizing
    net = spec.networks.compute
    if net is not None and sz is not None and net.kind == "roce" and net.addressing:
        a = net.addressing
        base = ("networks", "compute", "addressing")
        lo = ipaddress.IPv4Network(a.loopbacks).num_addresses
        yield from _need((*base, "loopbacks"), "compute leaf loopbacks (lower half)", lo // 2, sz.leaves)
        yield from _need((*base, "loopbacks"), "compute spine loopbacks (third quarter)", lo // 4, sz.spines)
        yield from _need((*base, "loopbacks"), "compute core loopbacks (last quarter)", lo // 4, sz.cores)
        hosts = ipaddress.IPv4Network(a.hosts).num_addresses
        yield from _need((*base, "hosts"), "compute host /31s", hosts, sz.leaves * 2 * sz.leaf_down)
        p2p = ipaddress.IPv4Network(a.p2p).num_addresses
        yield from _need((*base, "p2p"), "compute leaf-spine /31s (lower half)", p2p // 2, sz.leaves * sz.leaf_up * 2)
        if sz.tiers == 3:
            yield from _need(
                (*base, "p2p"), "compute spine-core /31s (upper half)", p2p // 2, sz.spines * sz.spine_up * 2
            )
    st = spec.networks.storage
    for plane, fe, path in frontends(spec):
        groups = fe_groups(spec, fe, plane)
        leaves = len(groups) * fe.leaves_per_group
        n_sp = fe.spine.count or 2
        cap = frontend_leaf_capacity(spec, fe) if fe.leaf.model in spec.catalog.switches else 0
        fa = fe.addressing
        lo = ipaddress.IPv4Network(fa.loopbacks).num_addresses
        yield from _need((*path, "addressing", "loopbacks"), f"{plane} leaf loopbacks (lower half)", lo // 2, leaves)
        yield from _need((*path, "addressing", "loopbacks"), f"{plane} spine loopbacks (upper half)", lo // 2, n_sp)
        yield from _need(
            (*path, "addressing", "p2p"),
            f"{plane} leaf-spine /31s",
            ipaddress.IPv4Network(fa.p2p).num_addresses,
            leaves * n_sp * fe.uplinks_per_spine * 2,
        )
        if cap > 0:
            yield from _need(
                (*path, "addressing", "hosts"),
                f"{plane} host /31s",
                ipaddress.IPv4Network(fa.hosts).num_addresses,
                leaves * 2 * cap,
            )
            if plane == "business" and st and st.mode == "converged" and st.hosts:
                yield from _need(
                    ("networks", "storage", "hosts"),
                    "converged storage host /31s",
                    ipaddress.IPv4Network(st.hosts).num_addresses,
                    leaves * 2 * cap,
                )
    oob = spec.networks.oob
    if oob is not None:
        yield from _need(
            ("networks", "oob", "prefix"),
            "OOB addresses (one rack_block per rack plus one)",
            ipaddress.IPv4Network(oob.prefix).num_addresses,
            (len(racks(spec)) + 1) * oob.rack_block,
        )
    for i, t in enumerate(spec.tenants):
        for j, n in enumerate(t.nets()):
            usable = max(ipaddress.IPv4Network(n.subnet).num_addresses - 3, 0)
            what = f"tenant {t.name}" + (f" network {n.name}" if t.networks else "")
            yield from _need(("tenants", i, *t.net_path(j), "subnet"), f"{what} host addresses", usable, len(n.members))


def _need(path: YamlPath, what: str, have: int, need: int) -> Out:
    if need > have:
        yield path, f"{what}: pool holds {have}, design needs {need} ({need - have} missing)", "use a larger prefix"


@rule("ADDR003", "error")
def _gateway(c: RuleCtx) -> Out:
    """a tenant gateway is a usable address inside its subnet"""
    for i, t in enumerate(c.spec.tenants):
        for j, n in enumerate(t.nets()):
            net = ipaddress.IPv4Network(n.subnet)
            gw = ipaddress.IPv4Address(n.gateway)
            if gw not in net or gw in (net.network_address, net.broadcast_address):
                yield (
                    ("tenants", i, *t.net_path(j), "gateway"),
                    f"{gw} is not a usable address of {net}",
                    "pick a host address",
                )


@rule("ADDR004", "error")
def _oob_gw(c: RuleCtx) -> Out:
    """OOB gateway and controller lie inside the OOB prefix, in its reserved first block"""
    oob = c.spec.networks.oob
    if oob is None:
        return
    net = ipaddress.IPv4Network(oob.prefix)
    for key in ("gateway", "controller"):
        v = getattr(oob, key)
        if v is None:
            continue
        a = ipaddress.IPv4Address(v)
        if a not in net or int(a) - int(net.network_address) >= oob.rack_block or a == net.network_address:
            yield ("networks", "oob", key), f"{a} must be in the first {oob.rack_block} addresses of {net}", ""
    if oob.gateway and oob.controller and oob.gateway == oob.controller:
        yield ("networks", "oob", "controller"), "controller and gateway are the same address", ""


@rule("ADDR005", "error", needs=SERVER_LIST + SWITCH_PORTS)
def _oob_block(c: RuleCtx) -> Out:
    """each rack's devices fit in its OOB rack_block"""
    spec = c.spec
    oob = spec.networks.oob
    if oob is None:
        return
    per_rack = managed_per_rack(spec, c.sizing)
    for rack, path, _ in racks(spec):
        need = 1 + rack.pdus + per_rack[rack.name]
        if need > oob.rack_block:
            yield (
                (*path, "name"),
                f"rack {rack.name} needs {need} OOB addresses, rack_block is {oob.rack_block}",
                "raise networks.oob.rack_block",
            )


@rule("ADDR006", "error")
def _roce_addr(c: RuleCtx) -> Out:
    """compute addressing is given for RoCE fabrics"""
    net = c.spec.networks.compute
    if net is not None and net.kind == "roce" and net.addressing is None:
        yield (
            ("networks", "compute"),
            "RoCE needs addressing (loopbacks, p2p, hosts)",
            "add networks.compute.addressing",
        )
