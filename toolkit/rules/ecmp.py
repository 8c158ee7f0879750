"""ECMP: the equal-cost paths the design gives a switch fit the ECMP group its hardware installs.

ECMP001 (warning) a switch's widest set of equal-cost paths to one destination — its sessions on
        uplink ports (to the tier above: every one of them carries the same routes), or its
        parallel sessions to one neighbour — is wider than ``Device.ecmp_limit`` (the model's
        ``max_ecmp``, else the platform's conservative default): BGP installs only that many next
        hops, so the other links carry no traffic and the fabric is oversubscribed beyond design.
        A spine's sessions to many leaves are not equal-cost paths (each leaf owns its prefixes)
        and never count.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from toolkit.design.model import Device, Fabric
from toolkit.rules.fabric import Out, fabric_rule
from toolkit.spec.models import ClusterSpec


def ecmp_need(dev: Device) -> int:
    """The widest set of equal-cost paths the design gives ``dev`` toward one destination."""
    uplinks = {p.name for p in dev.ports if p.role == "uplink"}
    ups = sum(1 for n in dev.bgp if not n.external and n.interface in uplinks)
    per_peer = Counter(n.peer_device for n in dev.bgp if not n.external)
    return max(ups, max(per_peer.values(), default=0))


@fabric_rule("ECMP001", "warning")
def _ecmp_width(spec: ClusterSpec, fabric: Fabric) -> Out:
    """a switch's equal-cost uplinks fit the ECMP group its model installs"""
    over: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for dev in fabric.switches():
        if dev.ecmp_limit is None or not dev.bgp:
            continue
        need = ecmp_need(dev)
        if need > dev.ecmp_limit:
            over[dev.model].append((dev.name, need, dev.ecmp_limit))
    for model, devs in over.items():
        name, need, limit = max(devs, key=lambda d: d[1])
        given = spec.catalog.switches[model].max_ecmp if model in spec.catalog.switches else None
        source = "its max_ecmp" if given else "the platform's conservative default (no max_ecmp in the catalogue)"
        yield (
            ("catalog", "switches", model, "max_ecmp"),
            f"{len(devs)} {model} switch(es) have more equal-cost paths than the model installs, e.g. {name}: "
            f"{need} paths, ECMP group of {limit} ({source}): {need - limit} link(s) would carry no traffic",
            f"set catalog.switches.{model}.max_ecmp from the datasheet if the hardware installs {need} or more, "
            "or use fewer uplinks per switch",
        )
