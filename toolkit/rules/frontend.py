"""FE rules: the business and dedicated-storage leaf-spine fabrics."""

from __future__ import annotations

from toolkit.design.frontend import attached_roles
from toolkit.design.sizing import frontend_leaf_capacity
from toolkit.rules.registry import SERVER_LIST, SWITCH_PORTS, RuleCtx, rule
from toolkit.rules.specview import Out, fe_groups, frontends, port_count, port_speed
from toolkit.spec.models import parse_speed


@rule("FE001", "error", needs=SERVER_LIST + SWITCH_PORTS)
def _fe_spines(c: RuleCtx) -> Out:
    """front-end spines have a port for every leaf"""
    for plane, fe, path in frontends(c.spec):
        leaves = len(fe_groups(c.spec, fe, plane)) * fe.leaves_per_group * fe.uplinks_per_spine
        ports = port_count(c.spec, fe.spine.model, fe.spine.breakout)
        if ports is not None and leaves > ports:
            yield (
                (*path, "spine"),
                f"{leaves} {plane} leaf uplinks, spine has {ports} ports",
                ("raise racks_per_group or use a larger spine / breakout"),
            )


@rule("FE002", "error", needs=SERVER_LIST + SWITCH_PORTS)
def _fe_leaves(c: RuleCtx) -> Out:
    """front-end leaves have enough ports for the hosts of their rack group"""
    for plane, fe, path in frontends(c.spec):
        if fe.leaf.model not in c.spec.catalog.switches:
            continue
        cap = frontend_leaf_capacity(c.spec, fe)
        for gi, g in enumerate(fe_groups(c.spec, fe, plane)):
            if g["max"] > cap:
                yield (
                    (*path, "racks_per_group"),
                    (f"rack group {gi + 1} needs {g['max']} host ports on one leaf, leaf has {cap}"),
                    ("lower racks_per_group, add leaves_per_group or use a breakout"),
                )


@rule("FE003", "error", needs=SWITCH_PORTS)
def _fe_speed(c: RuleCtx) -> Out:
    """host NIC speed fits the front-end leaf port speed"""
    for plane, fe, path in frontends(c.spec):
        roles = attached_roles(c.spec, plane)
        speed = port_speed(c.spec, fe.leaf.model, fe.leaf.breakout)
        if speed is None:
            continue
        for mname, m in c.spec.catalog.servers.items():
            for i, n in enumerate(m.nics):
                if n.role in roles and parse_speed(n.speed) > speed:
                    yield (
                        ("catalog", "servers", mname, "nics", i, "speed"),
                        (f"{n.name} is {n.speed}, {plane} leaf ports are {speed}G"),
                        f"check {'.'.join(map(str, path))}",
                    )
