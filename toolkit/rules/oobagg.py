"""OOBA: the out-of-band network is complete: every rack's OOB switch reaches the aggregation.

OOBA001 the OOB aggregation is declared, so every OOB switch's uplinks are cabled (without it
        the OOB switches, and every BMC and management port behind them, are unreachable).
OOBA002 every OOB switch uplink is cabled to the aggregation (a redundant pair: one to each).
"""

from __future__ import annotations

from toolkit.design.model import Fabric
from toolkit.rules.fabric import Out, fabric_rule
from toolkit.spec.models import ClusterSpec


@fabric_rule("OOBA001", "error", "the OOB aggregation is declared (networks.oob.aggregation)")
def _declared(spec: ClusterSpec, fabric: Fabric) -> Out:
    if spec.networks.oob.aggregation is None:
        n = len([d for d in fabric.devices.values() if d.role == "oob"])
        yield (
            ("networks", "oob"),
            f"the uplinks of the {n} OOB switches go nowhere: no OOB aggregation is declared",
            "add networks.oob.aggregation: {model: <switch model with a port per rack>, redundant: true}",
        )


@fabric_rule("OOBA002", "error", "every OOB switch uplink is cabled to the OOB aggregation")
def _cabled(spec: ClusterSpec, fabric: Fabric) -> Out:
    if spec.networks.oob.aggregation is None:
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
