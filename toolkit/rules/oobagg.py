"""OOBA: the out-of-band network is complete: every rack's OOB switch reaches the aggregation.

OOBA001 the OOB aggregation is declared, so every OOB switch's uplinks are cabled (without it
        the OOB switches, and every BMC and management port behind them, are unreachable).
OOBA002 every OOB switch uplink is cabled to the aggregation (a redundant pair: one to each).
OOBA003 the aggregation has a port for every rack (with a distribution level: every rack outside
        the SUs and every SU's distribution switch), a distribution switch one for every rack of
        its SU, besides their peer link and uplink (``toolkit.design.oob``).
OOBA004 every management and BMC address on the OOB network is reachable from the aggregation
        (which carries the OOB gateway) over OOB cables and switches: the OOB switches themselves
        in-band on their bridge, every other device through the OOB switch port its port is cabled to.
"""

from __future__ import annotations

from toolkit.design.model import Fabric
from toolkit.design.oob import is_aggregation
from toolkit.rules.fabric import Out, PortIndex, fabric_rule
from toolkit.rules.registry import SWITCH_PORTS, RuleCtx, rule
from toolkit.spec.models import ClusterSpec, OobAggregation


def _agg(spec: ClusterSpec) -> OobAggregation | None:
    return spec.networks.oob.aggregation if spec.networks.oob is not None else None


@fabric_rule("OOBA001", "error")
def _declared(spec: ClusterSpec, fabric: Fabric) -> Out:
    """the OOB aggregation is declared (networks.oob.aggregation)"""
    if spec.networks.oob is not None and spec.networks.oob.aggregation is None:
        n = len([d for d in fabric.devices.values() if d.role == "oob"])
        yield (
            ("networks", "oob"),
            f"the uplinks of the {n} OOB switches go nowhere: no OOB aggregation is declared",
            "add networks.oob.aggregation: {model: <switch model with a port per rack>, redundant: true}",
        )


@fabric_rule("OOBA002", "error")
def _cabled(spec: ClusterSpec, fabric: Fabric) -> Out:
    """every OOB switch uplink is cabled to the OOB aggregation"""
    if _agg(spec) is None:
        return
    loose = [
        f"{d.name}:{p.name}"
        for d in fabric.devices.values()
        if d.role == "oob"
        for p in d.ports
        if p.role == "oob-uplink" and not p.peer_device
    ]
    if loose:
        yield (
            ("networks", "oob", "aggregation"),
            f"{len(loose)} OOB uplink(s) are not cabled: {', '.join(loose[:3])}",
            "give the aggregation a port per rack",
        )


@rule("OOBA003", "error", needs=SWITCH_PORTS)
def _capacity(c: RuleCtx) -> Out:
    """the OOB aggregation (and distribution) switches have a port for every rack below them"""
    agg = _agg(c.spec)
    if agg is None:
        return
    models = c.spec.catalog.switches
    lay = c.spec.layout
    peer = 1 if agg.redundant else 0
    path = ("networks", "oob", "aggregation")
    dist = agg.distribution
    top = models.get(agg.model)
    if top is not None:
        if dist is None:
            need = len(lay.racks) + sum(len(su.racks) for su in lay.scalable_units)
            what = f"{need} racks"
            hint = ("add a distribution level per SU (networks.oob.aggregation.distribution: {model: ...}) "
                    "or pick a larger aggregation model")
        else:
            need = len(lay.racks) + len(lay.scalable_units)
            what = f"{len(lay.racks)} racks outside SUs and {len(lay.scalable_units)} SU distribution switches"
            hint = "pick a larger aggregation model"
        if need + peer > top.ports:
            yield ((*path, "model"), f"OOB aggregation {agg.model} has {top.ports} ports; {what} need one each"
                   + (" plus the peer link" if peer else ""), hint)
    if dist is None:
        return
    m = models.get(dist.model)
    if m is None:
        return
    worst = max(lay.scalable_units, key=lambda su: len(su.racks))
    need = len(worst.racks) + 1 + peer
    if need > m.ports:
        yield ((*path, "distribution", "model"),
               f"OOB distribution {dist.model} has {m.ports} ports; SU {worst.name} needs {need} "
               f"({len(worst.racks)} racks, the uplink" + (", the peer link)" if peer else ")"),
               "pick a distribution model with more ports")


@fabric_rule("OOBA004", "error")
def _reachable(spec: ClusterSpec, fabric: Fabric) -> Out:
    """every OOB management / BMC address is reachable from the OOB aggregation"""
    if _agg(spec) is None:
        return
    devices = fabric.devices
    l2 = {n for n, d in devices.items() if d.role == "oob"}
    links: dict[str, list[str]] = {}
    for c in fabric.cables:
        if c.plane == "oob" and c.a_device in l2 and c.b_device in l2:
            links.setdefault(c.a_device, []).append(c.b_device)
            links.setdefault(c.b_device, []).append(c.a_device)
    todo = [n for n in l2 if is_aggregation(devices[n])]
    seen = set(todo)
    while todo:
        for nb in links.get(todo.pop(), ()):
            if nb not in seen:
                seen.add(nb)
                todo.append(nb)
    lost = [f"{n} (in-band on its OOB bridge)" for n in sorted(l2 - seen) if devices[n].mgmt_inband]
    ports = PortIndex.of(fabric)
    for name, dev in devices.items():
        if name in l2:
            continue
        ends = ((dev.mgmt_port, dev.mgmt_address, "management"), (dev.bmc_port, dev.bmc_address, "BMC"))
        for port, addr, what in ends:
            if not port or not addr or (dev.mgmt_inband and what == "management"):
                continue
            p = ports.port(name, port)
            if p is None or p.plane != "oob":
                continue
            if p.peer_device not in seen:
                where = f"behind {p.peer_device}" if p.peer_device else "not cabled"
                lost.append(f"{name} {what} {addr.split('/')[0]} ({where})")
    if lost:
        yield (
            ("networks", "oob", "aggregation"),
            f"{len(lost)} OOB address(es) cannot be reached from the OOB aggregation: {', '.join(lost[:3])}",
            "every OOB switch needs an uplink path to the aggregation (OOBA002), every device its OOB cable",
        )
