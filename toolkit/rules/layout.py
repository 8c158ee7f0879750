"""LAY rules: racks, server groups and scalable units."""

from __future__ import annotations

from toolkit.rules.registry import SERVER_LIST, RuleCtx, rule
from toolkit.rules.specview import Out, racks


@rule("LAY001", "error")
def _group_count(c: RuleCtx) -> Out:
    """a server group has either count or names, not both and not neither"""
    for rack, path, _ in racks(c.spec):
        for k, g in enumerate(rack.servers):
            if (g.count is None) == (g.names is None):
                yield (*path, "servers", k), "give exactly one of count or names", "count: 4  or  names: [a, b]"


@rule("LAY002", "error", needs=SERVER_LIST)
def _su_nonempty(c: RuleCtx) -> Out:
    """every scalable unit holds GPU servers with compute NICs"""
    for i, su in enumerate(c.spec.layout.scalable_units):
        ok = False
        for r in su.racks:
            for g in r.servers:
                m = c.spec.catalog.servers.get(g.model)
                if m and any(n.role == "compute" for n in m.nics):
                    ok = True
        if not ok:
            yield ("layout", "scalable_units", i), f"SU {su.name} has no GPU server", "add servers or remove the SU"


@rule("LAY003", "error", needs=SERVER_LIST)
def _su_size(c: RuleCtx) -> Out:
    """no SU holds more GPU servers than servers_per_su"""
    net = c.spec.networks.compute
    cap = net.servers_per_su if net is not None else None
    if cap is None:
        return
    from toolkit.design.sizing import su_server_counts

    for i, n in enumerate(su_server_counts(c.spec)):
        if n > cap:
            yield (
                ("layout", "scalable_units", i),
                f"{n} GPU servers but servers_per_su is {cap}",
                ("raise networks.compute.servers_per_su or split the SU"),
            )


@rule("LAY004", "warning", needs=SERVER_LIST)
def _su_uniform(c: RuleCtx) -> Out:
    """SUs hold the same number of GPU servers (rail leaves are sized for the largest)"""
    from toolkit.design.sizing import su_server_counts

    counts = su_server_counts(c.spec)
    if counts and len(set(counts)) > 1:
        big = max(counts)
        for i, n in enumerate(counts):
            if n < big:
                yield ("layout", "scalable_units", i), f"{n} GPU servers, the largest SU has {big}", ""


@rule("LAY005", "error")
def _some_rack(c: RuleCtx) -> Out:
    """the layout holds at least one rack (every switch and server stands in one)"""
    if not racks(c.spec):
        yield (
            ("layout",),
            "the layout holds no rack: the switches and servers have nowhere to stand",
            "add layout.racks (e.g. {name: net-r01, role: network}) or scalable_units with racks",
        )
