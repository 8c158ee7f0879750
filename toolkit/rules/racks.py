"""RACK: every rack physically holds what the design puts in it.

RACK001 the devices of a rack fit in its height (``units``, default 42).
RACK002 the nameplate power of every device in a rack (servers, switches of every tier, OOB
        switch) stays within the rack's ``power_kw``.
Both name the rack, its totals and its largest devices, at the rack's YAML path.
"""

from __future__ import annotations

from collections import Counter

from toolkit.design.model import Fabric, RackPlan
from toolkit.findings import YamlPath
from toolkit.rules.fabric import Out, fabric_rule
from toolkit.rules.specview import racks
from toolkit.spec.models import ClusterSpec


def _paths(spec: ClusterSpec) -> dict[str, YamlPath]:
    return {r.name: p for r, p, _ in racks(spec)}


def _contents(fabric: Fabric, plan: RackPlan) -> str:
    """'8 x leaf sn5600 (2U, 1500 W), 4 x dgx-h100 ...': the devices of a rack by role and model."""
    groups: Counter[tuple[str, str, int, int]] = Counter()
    for name in plan.devices:
        d = fabric.devices[name]
        groups[(d.role, d.model, d.units, d.power_w)] += 1
    parts = sorted(groups.items(), key=lambda kv: -kv[1] * max(kv[0][2], 1) * max(kv[0][3], 1))
    return ", ".join(f"{n} x {role} {model} ({u}U, {w} W)" for (role, model, u, w), n in parts)


@fabric_rule("RACK001", "error")
def _units(spec: ClusterSpec, fabric: Fabric) -> Out:
    """the devices of every rack fit in its height (rack units)"""
    paths = _paths(spec)
    for plan in fabric.racks:
        if plan.used_units > plan.units:
            yield (
                (*paths[plan.name], "units"),
                f"rack {plan.name} needs {plan.used_units}U, it has {plan.units}U: {_contents(fabric, plan)}",
                "add network racks (role: network) for the switches, move servers, or use taller racks",
            )


@fabric_rule("RACK002", "error")
def _power(spec: ClusterSpec, fabric: Fabric) -> Out:
    """the devices of every rack (servers and all switches) stay within its power budget"""
    paths = _paths(spec)
    for plan in fabric.racks:
        if plan.power_kw is not None and plan.power_w > plan.power_kw * 1000:
            yield (
                (*paths[plan.name], "power_kw"),
                f"rack {plan.name} draws {plan.power_w / 1000:.1f} kW, budget {plan.power_kw} kW: "
                f"{_contents(fabric, plan)}",
                "add network racks (role: network) for the switches, move servers, or raise the budget",
            )
